/* output.c: docker's classic build output ("Step N/M : ...", " ---> id",
 * "Removing intermediate container ...") on stdout, each RUN's output
 * streamed between them; nothing with -q.  Cache miss reasons go with
 * --progress=plain or -v. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "build/build.h"
#include "common/digest.h"

void out_printf(struct build *b, const char *fmt, ...)
{
	va_list ap;

	if (b->o->quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout); /* interleaved with the RUN containers' own output */
}

void out_miss(struct build *b, const char *fmt, ...)
{
	va_list ap;

	if (b->o->quiet || (!b->o->verbose && b->o->progress != PROGRESS_PLAIN))
		return;
	fputs(" ---> ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

const char *short_id(const char *s, char out[13])
{
	const char *colon = strchr(s, ':');

	snprintf(out, 13, "%s", colon ? colon + 1 : s);
	return out;
}
