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

/* Highest N with path.N present (0: only path), looking past a single
 * missing name (a rotation in progress renames one file at a time). */
static int oldest_index(const char *path)
{
	int n = 0;

	for (int i = 1, gap = 0; i <= 1000 && gap < 2; i++) {
		cleanup_free char *p = nth_path(path, i);

		if (!fs_exists(p)) {
			gap++;
			continue;
		}
		gap = 0;
		n = i;
	}
	return n;
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
	if (f == stderr)
		fflush(stdout); /* keep the order of the two streams */
	if (r->o->timestamps && time)
		fprintf(f, "%s ", time);
	fputs(log, f);
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
 * (the name just below its own index), or -1 to try again later.  While the
 * writer rotates, one name of the chain may be missing for a moment, so the
 * scan goes on past a single gap. */
static int open_next(const char *path, int fd, int *misses)
{
	int gap = 0;

	for (int i = 1; i <= 1000 && gap < 2; i++) {
		cleanup_free char *p = nth_path(path, i);

		if (!fs_exists(p)) {
			gap++;
			continue;
		}
		gap = 0;
		if (same_file(fd, p)) {
			cleanup_free char *next = nth_path(path, i - 1);
			int nfd = open(next, O_RDONLY | O_CLOEXEC);

			*misses = 0;
			/* still at index i after the open: next is the right file */
			if (nfd >= 0 && same_file(fd, p))
				return nfd;
			fs_close(nfd);
			return -1;
		}
	}
	/* not in the chain for a while: rotated out of reach (max-file reached
	 * while we read); go on with the oldest file there is */
	if (++*misses < 50)
		return -1;
	*misses = 0;
	{
		cleanup_free char *oldest = nth_path(path, oldest_index(path));
		return open(oldest, O_RDONLY | O_CLOEXEC);
	}
}

int logs_print(const char *path, const struct logs_opts *o, struct err **err)
{
	struct reader r = {.o = o, .skip = 0, .pending = BUF_INIT};
	cleanup_close int fd = -1;
	int ret = -1, misses = 0;

	if (o->tail >= 0) {
		long total = 0;

		for (int i = oldest_index(path); i >= 0; i--) {
			cleanup_free char *p = nth_path(path, i);
			total += count_lines(p);
		}
		r.skip = total > o->tail ? total - o->tail : 0;
	}
	/* the oldest file, then each file after it by following the chain of
	 * renames (names shift while a writer rotates; inodes do not) */
	for (int tries = 0; fd < 0 && tries < 100; tries++) {
		int k = oldest_index(path);
		cleanup_free char *p = nth_path(path, k);

		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && !fs_exists(path) && !o->follow) {
			ret = 0;
			goto out;
		}
		/* a rotation between the scan and the open: look again */
		if (fd >= 0 && (oldest_index(path) != k || !same_file(fd, p))) {
			fs_close(fd);
			fd = -1;
		}
	}
	for (;;) {
		struct pollfd pfd = {.fd = o->stop_fd, .events = POLLIN};
		bool stopping = o->stop_fd >= 0 && poll(&pfd, 1, 0) > 0;

		if (fd < 0) {
			fd = open(path, O_RDONLY | O_CLOEXEC);
		} else if (drain(&r, fd, err) < 0) {
			goto out;
		} else if (!same_file(fd, path)) {
			/* rotated away: it is complete (drained above), go on to the next */
			int nfd = open_next(path, fd, &misses);

			if (nfd >= 0) {
				fs_close(fd);
				fd = nfd;
				buf_reset(&r.pending);
				continue;
			}
		} else if (!o->follow || stopping) {
			break;
		}
		fflush(stdout);
		poll(&pfd, o->stop_fd >= 0 ? 1 : 0, fd >= 0 && !same_file(fd, path) ? 5 : 50);
	}
	ret = 0;
out:
	fflush(stdout);
	buf_release(&r.pending);
	return ret;
}
