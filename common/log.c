/* log.c: levelled logging to stderr (text) or to a file (logrus text or
 * runc-style JSON lines).  Each message is written with one write(2) on an
 * O_APPEND fd, so concurrent writers never interleave within a line. */
#define _GNU_SOURCE
#include <errno.h>  /* errno */
#include <fcntl.h>  /* open */
#include <stdio.h>  /* snprintf */
#include <stdlib.h> /* exit */
#include <string.h> /* strrchr */
#include <time.h>   /* clock_gettime, gmtime_r */
#include <unistd.h> /* _exit, write */

#include "common/buf.h"
#include "common/err.h"
#include "common/fs.h"   /* fs_write_all, fs_close */
#include "common/json.h" /* cJSON, for escaping JSON lines */
#include "common/log.h"

static char progname[256] = "kist";
static enum log_level cur_level = LOG_LEVEL_WARN;
static enum log_format cur_format = LOG_FORMAT_TEXT;
static int log_fd = -1;
static bool forked_child;

void log_init(const char *argv0)
{
	const char *base;

	if (!argv0 || !*argv0)
		return;
	base = strrchr(argv0, '/');
	base = base ? base + 1 : argv0;
	if (!*base)
		return;
	snprintf(progname, sizeof(progname), "%s", base);
}

const char *log_progname(void)
{
	return progname;
}

void log_set_level(enum log_level level)
{
	if (level > LOG_LEVEL_DEBUG)
		level = LOG_LEVEL_DEBUG;
	cur_level = level;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

void log_set_format(enum log_format format)
{
	cur_format = format;
}

int log_parse_format(const char *s, enum log_format *out, struct err **err)
{
	if (s && streq(s, "text")) {
		*out = LOG_FORMAT_TEXT;
		return 0;
	}
	if (s && streq(s, "json")) {
		*out = LOG_FORMAT_JSON;
		return 0;
	}
	return err_set(err, 0, "invalid log format '%s': must be 'text' or 'json'", s ? s : "");
}

int log_parse_level(const char *s, enum log_level *out, struct err **err)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	size_t i;

	for (i = 0; s && i < ARRAY_SIZE(names); i++) {
		if (streq(s, names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	if (s && streq(s, "warning")) {
		*out = LOG_LEVEL_WARN;
		return 0;
	}
	return err_set(err, 0, "invalid log level '%s': must be error, warn, info or debug",
		       s ? s : "");
}

int log_set_file(const char *path, struct err **err)
{
	int fd;

	do
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return err_set(err, errno, "open log file '%s'", path);
	log_close();
	log_fd = fd;
	return 0;
}

void log_close(void)
{
	fs_close(log_fd);
	log_fd = -1;
}

void log_set_forked_child(void)
{
	forked_child = true;
}

static const char *level_name(enum log_level level)
{
	switch (level) {
	case LOG_LEVEL_ERROR:
		return "error";
	case LOG_LEVEL_WARN:
		return "warning";
	case LOG_LEVEL_INFO:
		return "info";
	default:
		return "debug";
	}
}

static void format_time(char *out, size_t size)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	if (!strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, size, "1970-01-01T00:00:00Z");
}

/* logrus text formatter quoting: "..." with \" \\ \n \t and \xNN escapes. */
static void add_quoted(struct buf *b, const char *s)
{
	const unsigned char *p;

	buf_addch(b, '"');
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			buf_adds(b, "\\\"");
			break;
		case '\\':
			buf_adds(b, "\\\\");
			break;
		case '\n':
			buf_adds(b, "\\n");
			break;
		case '\r':
			buf_adds(b, "\\r");
			break;
		case '\t':
			buf_adds(b, "\\t");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				buf_addf(b, "\\x%02x", *p);
			else
				buf_addch(b, (char)*p);
		}
	}
	buf_addch(b, '"');
}

static void add_json_line(struct buf *b, enum log_level level, const char *msg, const char *when)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	if (!o || !cJSON_AddStringToObject(o, "level", level_name(level)) ||
	    !cJSON_AddStringToObject(o, "msg", msg) || !cJSON_AddStringToObject(o, "time", when)) {
		die_oom();
	}
	text = json_print(o, false);
	cJSON_Delete(o);
	buf_adds(b, text);
	free(text);
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;
	char when[64];
	int saved = errno;
	char *msg;

	if (level > cur_level)
		return;
	msg = xvasprintf(fmt, ap);
	if (cur_format == LOG_FORMAT_JSON) {
		/* JSON lines go to stderr too when there is no file (runc does). */
		format_time(when, sizeof(when));
		add_json_line(&b, level, msg, when);
		buf_addch(&b, '\n');
	} else if (log_fd < 0) {
		buf_addf(&b, "%s: %s\n", progname, msg);
	} else {
		format_time(when, sizeof(when));
		buf_addf(&b, "time=\"%s\" level=%s msg=", when, level_name(level));
		add_quoted(&b, msg);
		buf_addch(&b, '\n');
	}
	(void)fs_write_all(log_fd < 0 ? STDERR_FILENO : log_fd, b.data, b.len);
	free(msg);
	buf_release(&b);
	errno = saved;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static NORETURN void die_exit(void)
{
	if (forked_child)
		_exit(1);
	exit(1);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LEVEL_ERROR, fmt, ap);
	va_end(ap);
	die_exit();
}

void die_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	log_error("%s: %s", msg, strerror(saved));
	free(msg);
	die_exit();
}

int log_file_fd(void)
{
	return log_fd;
}
