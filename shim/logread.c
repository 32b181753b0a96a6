/* logread.c: read a json-file log back as `docker logs` prints it: the
 * rotated files oldest first, --since/--until/--tail/-t, and --follow
 * across rotations (the file being read is drained through its fd before
 * the next one is opened, so a rotation loses and repeats nothing). */
#define _GNU_SOURCE
#include <errno.h>    /* errno */
#include <fcntl.h>    /* open */
#include <poll.h>     /* poll */
#include <stdio.h>    /* fwrite */
#include <stdlib.h>   /* free */
#include <string.h>   /* memchr */
#include <sys/stat.h> /* fstat */
#include <unistd.h>   /* read */
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "shim/shim.h"

struct reader {
	const struct logs_opts *o;
	long skip; /* lines still to skip for --tail */
	struct buf pending;
};

static char *nth_path(const char *path, int n)
{
	return n == 0 ? xstrdup(path) : xasprintf("%s.%d", path, n);
}

/* Highest N with path.N present (0: only path). */
static int oldest_index(const char *path)
{
	int n = 0;

	for (;;) {
		cleanup_free char *p = nth_path(path, n + 1);

		if (!fs_exists(p))
			return n;
		n++;
	}
}

static int emit_line(struct reader *r, const char *line, size_t len)
{
	cleanup_json cJSON *j = NULL;
	const char *log = NULL, *stream = NULL, *time = NULL;
	double t = 0;
	FILE *f;

	if (len == 0)
		return 0;
	if (r->skip > 0) {
		r->skip--;
		return 0;
	}
	j = json_parse(line, len, "log line", NULL);
	if (!j || json_get_string(j, "", "log", false, &log, NULL) < 1)
		return 0; /* not a log record: skip it as docker does */
	json_get_string(j, "", "stream", false, &stream, NULL);
	json_get_string(j, "", "time", false, &time, NULL);
	if (time && (r->o->since > 0 || r->o->until > 0)) {
		if (time_parse_rfc3339(time, &t) < 0)
			return 0;
		if (r->o->since > 0 && t < r->o->since)
			return 0;
		if (r->o->until > 0 && t > r->o->until)
			return 0;
	}
	f = stream && streq(stream, "stderr") ? stderr : stdout;
	if (r->o->timestamps && time)
		fprintf(f, "%s ", time);
	fputs(log, f);
	if (f == stderr)
		fflush(stdout), fflush(stderr);
	return 0;
}

/* Read fd to its current end, emitting complete lines. */
static int drain(struct reader *r, int fd, struct err **err)
{
	char chunk[65536];

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		size_t start = 0;
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(err, errno, "read log");
		if (n == 0)
			return 0;
		buf_add(&r->pending, chunk, (size_t)n);
		while ((nl = memchr(r->pending.data + start, '\n', r->pending.len - start))) {
			size_t len = (size_t)(nl - (r->pending.data + start));

			emit_line(r, r->pending.data + start, len);
			start += len + 1;
		}
		if (start) {
			memmove(r->pending.data, r->pending.data + start, r->pending.len - start);
			r->pending.len -= start;
			r->pending.data[r->pending.len] = '\0';
		}
	}
}

static long count_lines(const char *path)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	char chunk[65536];
	long lines = 0;
	ssize_t n;

	if (fd < 0)
		return 0;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		for (char *p = chunk; (p = memchr(p, '\n', (size_t)(chunk + n - p))); p++)
			lines++;
	return lines;
}

static bool same_file(int fd, const char *path)
{
	struct stat a, b;

	if (fstat(fd, &a) < 0 || stat(path, &b) < 0)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* After the file open at fd was rotated away: open the one written after it
 * (the name just below its own index), or -1 to try again later. */
static int open_next(const char *path, int fd)
{
	for (int i = 1; i <= 1000; i++) {
		cleanup_free char *p = nth_path(path, i);

		if (!fs_exists(p))
			break;
		if (same_file(fd, p)) {
			cleanup_free char *next = nth_path(path, i - 1);
			int nfd = open(next, O_RDONLY | O_CLOEXEC);

			/* still at index i after the open: next is the right file */
			if (nfd >= 0 && same_file(fd, p))
				return nfd;
			fs_close(nfd);
			return -1;
		}
	}
	/* rotated out of reach (max-file reached while we read): the newest */
	return open(path, O_RDONLY | O_CLOEXEC);
}

int logs_print(const char *path, const struct logs_opts *o, struct err **err)
{
	struct reader r = {.o = o, .skip = 0, .pending = BUF_INIT};
	cleanup_close int fd = -1;
	int oldest = oldest_index(path);
	int ret = -1;

	if (oldest == 0 && !fs_exists(path) && !o->follow) {
		ret = 0;
		goto out;
	}
	if (o->tail >= 0) {
		long total = 0;

		for (int i = oldest; i >= 0; i--) {
			cleanup_free char *p = nth_path(path, i);
			total += count_lines(p);
		}
		r.skip = total > o->tail ? total - o->tail : 0;
	}
	for (int i = oldest; i >= 1; i--) {
		cleanup_free char *p = nth_path(path, i);
		cleanup_close int f = open(p, O_RDONLY | O_CLOEXEC);

		if (f >= 0 && drain(&r, f, err) < 0)
			goto out;
		buf_reset(&r.pending);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && (errno != ENOENT || !o->follow)) {
		if (errno == ENOENT) {
			ret = 0;
			goto out;
		}
		err_set(err, errno, "cannot open log '%s'", path);
		goto out;
	}
	if (fd >= 0 && drain(&r, fd, err) < 0)
		goto out;
	fflush(stdout);
	while (o->follow) {
		struct pollfd pfd = {.fd = o->stop_fd, .events = POLLIN};
		bool stopping = o->stop_fd >= 0 && poll(&pfd, 1, 0) > 0;

		if (fd < 0) {
			fd = open(path, O_RDONLY | O_CLOEXEC);
		} else if (!same_file(fd, path)) {
			int nfd;

			if (drain(&r, fd, err) < 0)
				goto out;
			nfd = open_next(path, fd);
			if (nfd >= 0) {
				fs_close(fd);
				fd = nfd;
				buf_reset(&r.pending);
			}
		}
		if (fd >= 0 && drain(&r, fd, err) < 0)
			goto out;
		fflush(stdout);
		if (stopping)
			break;
		poll(&pfd, o->stop_fd >= 0 ? 1 : 0, 50);
	}
	ret = 0;
out:
	fflush(stdout);
	buf_release(&r.pending);
	return ret;
}
