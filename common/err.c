/* err.c: error values carrying a message and an errno. */
#define _GNU_SOURCE
#include <errno.h>  /* errno */
#include <stdarg.h> /* va_list */
#include <stdlib.h> /* free */
#include <string.h> /* strerror */

#include "common/err.h"
#include "common/log.h" /* log_error */

int err_set(struct err **err, int errnum, const char *fmt, ...)
{
	int saved = errno;
	struct err *e;
	va_list ap;
	char *msg;

	if (!err)
		return -1;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	e = xmalloc(sizeof(*e));
	e->code = errnum;
	if (errnum) {
		e->msg = xasprintf("%s: %s", msg, strerror(errnum));
		free(msg);
	} else {
		e->msg = msg;
	}
	err_free(*err);
	*err = e;
	errno = saved;
	return -1;
}

int err_set_code(struct err **err, int code, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (!err)
		return -1;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	err_set(err, 0, "%s", msg);
	free(msg);
	(*err)->code = code;
	return -1;
}

int err_wrap(struct err **err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	char *ctx, *msg;

	if (!err)
		return -1;
	va_start(ap, fmt);
	ctx = xvasprintf(fmt, ap);
	va_end(ap);
	if (!*err) {
		*err = xmalloc(sizeof(**err));
		(*err)->code = 0;
		(*err)->msg = ctx;
	} else {
		msg = xasprintf("%s: %s", ctx, (*err)->msg);
		free(ctx);
		free((*err)->msg);
		(*err)->msg = msg;
	}
	errno = saved;
	return -1;
}

void err_print(const struct err *e)
{
	if (e)
		log_error("%s", e->msg ? e->msg : "unknown error");
}

void err_free(struct err *e)
{
	if (!e)
		return;
	free(e->msg);
	free(e);
}

void cleanup_errp(struct err **e)
{
	err_free(*e);
	*e = NULL;
}
