/* logfile.c: docker's json-file log driver: one JSON object per line,
 * {"log":"text\n","stream":"stdout","time":"RFC3339Nano"}, lines longer
 * than 16 KiB split as docker splits them, size rotation with max-size and
 * max-file (log.json, log.json.1, ...).
 *
 * The text is escaped here rather than through cJSON: this is the shim's hot
 * path (every byte a container writes goes through it), and docker's
 * encoder has its own rules to match (<, > and & as \u003c..., invalid
 * UTF-8 as \ufffd, U+2028/2029 escaped). */
#define _GNU_SOURCE
#include <errno.h>    /* errno */
#include <fcntl.h>    /* open */
#include <stdio.h>    /* snprintf */
#include <stdlib.h>   /* strtoll */
#include <string.h>   /* memchr */
#include <sys/stat.h> /* fstat */
#include <time.h>     /* gmtime_r */
#include <unistd.h>   /* write */
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"
#include "shim/shim.h"

/* ---- options ---- */

/* docker's RAMInBytes: "10m", "512k", "1g", "100" (bytes), case-insensitive,
 * an optional trailing "b". */
static int parse_size(const char *s, int64_t *out)
{
	char *end;
	double v;
	int64_t mult = 1;

	errno = 0;
	if (!*s || !((*s >= '0' && *s <= '9') || *s == '.'))
		return -1;
	v = strtod(s, &end);
	if (errno || end == s)
		return -1;
	switch (*end | 0x20) {
	case 'k':
		mult = 1024, end++;
		break;
	case 'm':
		mult = 1024 * 1024, end++;
		break;
	case 'g':
		mult = 1024 * 1024 * 1024, end++;
		break;
	case 't':
		mult = (int64_t)1024 * 1024 * 1024 * 1024, end++;
		break;
	default:
		break;
	}
	if ((*end | 0x20) == 'b')
		end++;
	if (*end || v * (double)mult > 9e18)
		return -1;
	*out = (int64_t)(v * (double)mult);
	return 0;
}

int log_opts_parse(const char *s, struct log_opts *out, struct err **err)
{
	cleanup_free char *copy = xstrdup(s);
	char *save = NULL, *kv;
	bool have_file = false;

	for (kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		char *end;

		if (!eq)
			return err_set(err, 0, "invalid log option '%s': expected KEY=VALUE", kv);
		*eq = '\0';
		if (streq(kv, "max-size")) {
			if (parse_size(eq + 1, &out->max_size) < 0 || out->max_size <= 0)
				return err_set(err, 0,
					       "invalid log option max-size=%s: expected a size "
					       "such as 10m",
					       eq + 1);
		} else if (streq(kv, "max-file")) {
			long v;

			errno = 0;
			v = strtol(eq + 1, &end, 10);
			if (errno || end == eq + 1 || *end || v < 1 || v > 1000)
				return err_set(err, 0,
					       "invalid log option max-file=%s: expected a number "
					       "from 1 to 1000",
					       eq + 1);
			out->max_file = (int)v;
			have_file = true;
		} else {
			return err_set(err, 0,
				       "unknown log option '%s' for the json-file log driver", kv);
		}
	}
	if (have_file && out->max_file > 1 && out->max_size == 0)
		return err_set(err, 0, "invalid log option max-file: it needs max-size");
	if (out->max_file < 1)
		out->max_file = 1;
	return 0;
}

/* ---- time ---- */

void log_time_format(const struct timespec *ts, char *out, size_t len)
{
	struct tm tm;
	char frac[16];
	int n;

	gmtime_r(&ts->tv_sec, &tm);
	n = snprintf(frac, sizeof(frac), ".%09ld", ts->tv_nsec);
	while (n > 1 && frac[n - 1] == '0')
		frac[--n] = '\0';
	if (n == 1)
		frac[0] = '\0';
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

/* ---- escaping ---- */

/* 0: copy as is; 1: needs an escape; 2: starts a multi-byte sequence */
static unsigned char esc_class[256];

static void esc_init(void)
{
	if (esc_class['"'])
		return;
	for (int c = 0; c < 256; c++)
		esc_class[c] = c < 0x20 ? 1 : c >= 0x80 ? 2 : 0;
	esc_class['"'] = esc_class['\\'] = esc_class['<'] = esc_class['>'] = esc_class['&'] = 1;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, c = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return len;
}

static void escape_into(struct buf *b, const char *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)data, *end = p + len;

	buf_grow(b, len + len / 8 + 16);
	while (p < end) {
		const unsigned char *run = p;
		uint32_t cp;
		size_t n;

		while (p < end && !esc_class[*p])
			p++;
		if (p > run)
			buf_add(b, run, (size_t)(p - run));
		if (p == end)
			break;
		if (esc_class[*p] == 1) {
			char e[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};

			switch (*p) {
			case '"':
				buf_add(b, "\\\"", 2);
				break;
			case '\\':
				buf_add(b, "\\\\", 2);
				break;
			case '\n':
				buf_add(b, "\\n", 2);
				break;
			case '\r':
				buf_add(b, "\\r", 2);
				break;
			case '\t':
				buf_add(b, "\\t", 2);
				break;
			default:
				buf_add(b, e, 6);
				break;
			}
			p++;
			continue;
		}
		n = utf8_seq(p, (size_t)(end - p), &cp);
		if (n == 0) {
			buf_add(b, "\\ufffd", 6);
			p++;
		} else if (cp == 0x2028 || cp == 0x2029) {
			buf_adds(b, cp == 0x2028 ? "\\u2028" : "\\u2029");
			p += n;
		} else {
			buf_add(b, p, n);
			p += n;
		}
	}
}

/* ---- writing ---- */

static int open_log(struct logfile *lf, struct err **err)
{
	struct stat st;

	lf->fd = open(lf->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (lf->fd < 0)
		return err_set(err, errno, "cannot open log '%s'", lf->path);
	if (fstat(lf->fd, &st) < 0)
		return err_set(err, errno, "stat '%s'", lf->path);
	lf->size = st.st_size;
	return 0;
}

int logfile_open(struct logfile *lf, const char *path, enum log_format_kind format,
		 const struct log_opts *opts, struct err **err)
{
	esc_init();
	lf->path = xstrdup(path);
	lf->format = format;
	lf->opts = *opts;
	lf->fd = -1;
	buf_init(&lf->out);
	for (size_t i = 0; i < ARRAY_SIZE(lf->partial); i++)
		buf_init(&lf->partial[i]);
	lf->tail_len[STREAM_STDOUT] = lf->tail_len[STREAM_STDERR] = 0;
	return open_log(lf, err);
}

static int write_out(struct logfile *lf, struct err **err)
{
	if (lf->out.len == 0)
		return 0;
	if (fs_write_all(lf->fd, lf->out.data, lf->out.len) < 0)
		return err_set(err, errno, "write log '%s'", lf->path);
	lf->size += (int64_t)lf->out.len;
	buf_reset(&lf->out);
	return 0;
}

/* log.json.(n-1) -> log.json.n, ..., log.json -> log.json.1, a new log.json.
 * The old file is complete before it is renamed (a follower drains it by its
 * fd), and the new one exists before the next line is written. */
static int rotate(struct logfile *lf, struct err **err)
{
	if (write_out(lf, err) < 0)
		return -1;
	if (lf->opts.max_file <= 1) {
		if (ftruncate(lf->fd, 0) < 0)
			return err_set(err, errno, "truncate log '%s'", lf->path);
		lf->size = 0;
		return 0;
	}
	for (int i = lf->opts.max_file - 1; i >= 1; i--) {
		cleanup_free char *from =
		    i == 1 ? xstrdup(lf->path) : xasprintf("%s.%d", lf->path, i - 1);
		cleanup_free char *to = xasprintf("%s.%d", lf->path, i);

		if (rename(from, to) < 0 && errno != ENOENT)
			return err_set(err, errno, "rotate log '%s'", from);
	}
	fs_close(lf->fd);
	return open_log(lf, err);
}

static int add_record(struct logfile *lf, enum log_stream stream, const char *a, size_t alen,
		      const char *b, size_t blen, struct err **err)
{
	size_t start = lf->out.len;

	if (lf->format == LOGFMT_K8S_FILE) {
		/* TIME STREAM F|P TEXT: F for a whole line (its newline dropped) */
		bool full = blen ? b[blen - 1] == '\n' : alen && a[alen - 1] == '\n';

		buf_add(&lf->out, lf->tail[stream], lf->tail_len[stream]);
		buf_add(&lf->out, full ? "F " : "P ", 2);
		buf_add(&lf->out, a, alen - (full && !blen ? 1 : 0));
		buf_add(&lf->out, b, blen - (full && blen ? 1 : 0));
		buf_addch(&lf->out, '\n');
	} else {
		buf_add(&lf->out, "{\"log\":\"", 8);
		if (alen)
			escape_into(&lf->out, a, alen);
		if (blen)
			escape_into(&lf->out, b, blen);
		buf_add(&lf->out, lf->tail[stream], lf->tail_len[stream]);
	}
	if (lf->opts.max_size > 0 && lf->size + (int64_t)lf->out.len > lf->opts.max_size &&
	    lf->size + (int64_t)start > 0) {
		/* the record goes to a new file: write what came before it to the old one */
		cleanup_free char *rec = xstrndup(lf->out.data + start, lf->out.len - start);
		size_t rlen = lf->out.len - start;

		lf->out.len = start;
		lf->out.data[start] = '\0';
		if (rotate(lf, err) < 0)
			return -1;
		buf_add(&lf->out, rec, rlen);
	}
	if (lf->out.len >= 64 * 1024)
		return write_out(lf, err);
	return 0;
}

static void stamp(struct logfile *lf)
{
	struct timespec ts;
	char time[48];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (lf->format == LOGFMT_K8S_FILE) {
		/* conmon's time: local, nanoseconds, numeric zone */
		struct tm tm;
		char zone[8];

		localtime_r(&ts.tv_sec, &tm);
		strftime(zone, sizeof(zone), "%z", &tm);
		for (int st = STREAM_STDOUT; st <= STREAM_STDERR; st++)
			lf->tail_len[st] = (size_t)snprintf(
			    lf->tail[st], sizeof(lf->tail[st]),
			    "%04d-%02d-%02dT%02d:%02d:%02d.%09ld%.3s:%s %s ", tm.tm_year + 1900,
			    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec,
			    zone, zone + 3, st == STREAM_STDERR ? "stderr" : "stdout");
		return;
	}
	log_time_format(&ts, time, sizeof(time));
	for (int st = STREAM_STDOUT; st <= STREAM_STDERR; st++) {
		int n = snprintf(lf->tail[st], sizeof(lf->tail[st]),
				 "\",\"stream\":\"%s\",\"time\":\"%s\"}\n",
				 st == STREAM_STDERR ? "stderr" : "stdout", time);

		lf->tail_len[st] = (size_t)n;
	}
}

int logfile_add(struct logfile *lf, enum log_stream stream, const char *data, size_t len,
		struct err **err)
{
	struct buf *part = &lf->partial[stream];

	stamp(lf);
	while (len > 0) {
		size_t room = LOG_LINE_MAX - part->len;
		size_t take = len < room ? len : room;
		const char *nl = memchr(data, '\n', take);

		if (nl) {
			size_t n = (size_t)(nl - data) + 1;

			if (add_record(lf, stream, part->data, part->len, data, n, err) < 0)
				return -1;
			buf_reset(part);
			data += n, len -= n;
		} else if (take == room) {
			if (add_record(lf, stream, part->data, part->len, data, take, err) < 0)
				return -1;
			buf_reset(part);
			data += take, len -= take;
		} else {
			buf_add(part, data, take);
			data += take, len -= take;
		}
	}
	return 0;
}

int logfile_flush_partial(struct logfile *lf, enum log_stream stream, struct err **err)
{
	struct buf *part = &lf->partial[stream];

	if (part->len == 0)
		return 0;
	stamp(lf);
	if (add_record(lf, stream, part->data, part->len, NULL, 0, err) < 0)
		return -1;
	buf_reset(part);
	return write_out(lf, err);
}

int logfile_flush(struct logfile *lf, struct err **err)
{
	return write_out(lf, err);
}

int logfile_reopen(struct logfile *lf, struct err **err)
{
	if (write_out(lf, err) < 0)
		return -1;
	fs_close(lf->fd);
	return open_log(lf, err);
}

void logfile_close(struct logfile *lf)
{
	fs_close(lf->fd);
	lf->fd = -1;
	buf_release(&lf->out);
	for (size_t i = 0; i < ARRAY_SIZE(lf->partial); i++)
		buf_release(&lf->partial[i]);
	free(lf->path);
	lf->path = NULL;
}
