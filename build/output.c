/* output.c: what the build prints.  Classic (and --progress=plain):
 * docker's lines ("Step N/M : ...", " ---> id", "Removing intermediate
 * container ...") on stdout, each RUN's output streamed between them.
 * TTY (a terminal with --progress=auto, or --progress=tty): BuildKit's kind
 * of view, a line per finished step (" => [N/M] INSTRUCTION  1.2s", CACHED
 * ones marked) and, for the running step, its elapsed time and its last
 * output lines redrawn in place.  Nothing with -q.  Cache miss reasons go
 * with --progress=plain or -v. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "build/build.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/err.h"
#include "common/proc.h"
#include "common/util.h"

#define TTY_LINES 6      /* output lines shown under the running step */
#define TTY_ERR_LINES 20 /* kept for a failed step's report */

struct tty_view {
	bool active, cached;
	char *text; /* "[N/M] INSTRUCTION" */
	double start, last_draw;
	char *lines[TTY_ERR_LINES]; /* the last lines, oldest first */
	size_t nlines;
	struct buf partial; /* output after the last newline */
	int drawn;          /* lines of the live block on the screen */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool tty_mode(const struct build *b)
{
	return b->o->progress == PROGRESS_TTY && !b->o->quiet;
}

static struct tty_view *view(struct build *b)
{
	if (!b->tv) {
		b->tv = xcalloc(1, sizeof(*b->tv));
		b->tv->partial = (struct buf)BUF_INIT;
	}
	return b->tv;
}

static int term_width(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

/* s cut to at most max columns (a character a column; UTF-8 continuation
 * bytes take none), control characters dropped: a drawn line never wraps,
 * so the block's height is its line count. */
static void put_cut(struct buf *o, const char *s, size_t len, int max)
{
	int cols = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\t')
			c = ' ';
		if (c < 0x20 || c == 0x7f)
			continue;
		if ((c & 0xc0) != 0x80) {
			if (cols >= max)
				break;
			cols++;
		}
		buf_addch(o, (char)c);
	}
}

static void erase(struct tty_view *v, struct buf *o)
{
	if (v->drawn > 0)
		buf_addf(o, "\033[%dA\r\033[J", v->drawn);
	v->drawn = 0;
}

static void step_line(struct tty_view *v, struct buf *o, const char *tag, bool with_time, int width)
{
	char t[32] = "";
	int room;

	if (with_time)
		snprintf(t, sizeof(t), "%.1fs", now_s() - v->start);
	room = width - 5 - (int)strlen(tag) - (int)strlen(t) - 2;
	buf_addf(o, " => %s", tag);
	{
		size_t before = o->len;
		int used;

		put_cut(o, v->text, strlen(v->text), room > 10 ? room : 10);
		used = (int)(o->len - before); /* bytes: a rough count for padding */
		if (*t)
			buf_addf(o, "%*s%s", room - used > 1 ? room - used : 1, "", t);
	}
	buf_addch(o, '\n');
}

static void draw(struct tty_view *v, struct buf *o)
{
	int width = term_width();
	size_t first = v->nlines > TTY_LINES ? v->nlines - TTY_LINES : 0;

	erase(v, o);
	step_line(v, o, "", true, width);
	v->drawn = 1;
	for (size_t i = first; i < v->nlines; i++) {
		buf_adds(o, " => => # ");
		put_cut(o, v->lines[i], strlen(v->lines[i]), width - 10);
		buf_addch(o, '\n');
		v->drawn++;
	}
	if (v->partial.len) {
		buf_adds(o, " => => # ");
		put_cut(o, v->partial.data, v->partial.len, width - 10);
		buf_addch(o, '\n');
		v->drawn++;
	}
	v->last_draw = now_s();
}

static void flush_buf(struct buf *o)
{
	if (o->len) {
		fwrite(o->data, 1, o->len, stdout);
		fflush(stdout);
	}
	buf_release(o);
}

static void clear_lines(struct tty_view *v)
{
	for (size_t i = 0; i < v->nlines; i++)
		free(v->lines[i]);
	v->nlines = 0;
	buf_reset(&v->partial);
}

/* The running step is over: its live block becomes its one line (with
 * failed: an ERROR line and its last output lines). */
static void step_end(struct build *b, bool failed)
{
	struct tty_view *v = b->tv;
	struct buf o = BUF_INIT;

	if (!v || !v->active)
		return;
	erase(v, &o);
	step_line(v, &o, failed ? "ERROR " : v->cached ? "CACHED " : "", !v->cached, term_width());
	if (failed) {
		for (size_t i = 0; i < v->nlines; i++)
			buf_addf(&o, " => => # %s\n", v->lines[i]);
		if (v->partial.len)
			buf_addf(&o, " => => # %.*s\n", (int)v->partial.len, v->partial.data);
	}
	flush_buf(&o);
	clear_lines(v);
	free(v->text);
	v->text = NULL;
	v->active = v->cached = false;
}

/* A line printed above the live block (which is redrawn under it). */
static void above(struct build *b, const char *line)
{
	struct tty_view *v = view(b);
	struct buf o = BUF_INIT;

	erase(v, &o);
	buf_adds(&o, line);
	if (v->active)
		draw(v, &o);
	flush_buf(&o);
}

void out_printf(struct build *b, const char *fmt, ...)
{
	va_list ap;

	if (b->o->quiet)
		return;
	if (tty_mode(b))
		step_end(b, false);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout); /* interleaved with the RUN containers' own output */
}

void out_detail(struct build *b, const char *fmt, ...)
{
	va_list ap;

	if (b->o->quiet || tty_mode(b))
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

void out_step(struct build *b, const char *instr)
{
	struct tty_view *v;
	struct buf o = BUF_INIT;

	b->step++;
	if (b->o->quiet)
		return;
	if (!tty_mode(b)) {
		printf("Step %zu/%zu : %s\n", b->step, b->nsteps, instr);
		fflush(stdout);
		return;
	}
	step_end(b, false);
	v = view(b);
	v->text = xasprintf("[%zu/%zu] %s", b->step, b->nsteps, instr);
	v->start = now_s();
	v->active = true;
	draw(v, &o);
	flush_buf(&o);
}

void out_cached(struct build *b)
{
	if (tty_mode(b)) {
		if (b->tv && b->tv->active)
			b->tv->cached = true;
		return;
	}
	out_detail(b, " ---> Using cache\n");
}

void out_miss(struct build *b, const char *fmt, ...)
{
	va_list ap;
	cleanup_free char *msg = NULL;

	if (b->o->quiet || (!b->o->verbose && b->o->progress != PROGRESS_PLAIN))
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (tty_mode(b)) {
		cleanup_free char *line = xasprintf(" => %s\n", msg);
		above(b, line);
		return;
	}
	printf(" ---> %s\n", msg);
	fflush(stdout);
}

void out_finish(struct build *b, bool failed)
{
	if (tty_mode(b))
		step_end(b, failed);
	if (b->tv) {
		clear_lines(b->tv);
		buf_release(&b->tv->partial);
		free(b->tv->text);
		free(b->tv);
		b->tv = NULL;
	}
}

static void add_output(struct tty_view *v, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = data[i];

		if (c == '\r') {
			buf_reset(&v->partial); /* a progress bar: its latest state */
			continue;
		}
		if (c != '\n') {
			buf_addch(&v->partial, c);
			continue;
		}
		if (v->nlines == TTY_ERR_LINES) {
			free(v->lines[0]);
			memmove(v->lines, v->lines + 1, (TTY_ERR_LINES - 1) * sizeof(char *));
			v->nlines--;
		}
		v->lines[v->nlines++] = xstrndup(v->partial.data, v->partial.len);
		buf_reset(&v->partial);
	}
}

int out_run(struct build *b, struct proc *p, struct err **err)
{
	struct tty_view *v;
	int fds[2];
	bool dirty = false;
	int st;

	if (!tty_mode(b) || !b->tv || !b->tv->active) {
		p->out = b->stdout_fd;
		p->err = b->o->quiet ? b->stdout_fd : PROC_FD_INHERIT;
		fflush(stdout);
		return proc_run(p, err);
	}
	v = b->tv;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_set(err, errno, "pipe");
	p->out = fds[1];
	p->err = fds[1];
	if (proc_start(p, err) < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	close(fds[1]);
	for (;;) {
		struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
		int r = poll(&pfd, 1, 100);
		char data[8192];

		if (r < 0 && errno != EINTR)
			break;
		if (r > 0) {
			ssize_t n = read(fds[0], data, sizeof(data));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			add_output(v, data, (size_t)n);
			dirty = true;
		}
		if (r == 0 || (dirty && now_s() - v->last_draw >= 0.1)) {
			struct buf o = BUF_INIT;

			draw(v, &o);
			flush_buf(&o);
			dirty = false;
		}
	}
	close(fds[0]);
	st = proc_wait(p, err);
	{
		struct buf o = BUF_INIT;

		draw(v, &o);
		flush_buf(&o);
	}
	return st;
}

const char *short_id(const char *s, char out[13])
{
	const char *colon = strchr(s, ':');

	snprintf(out, 13, "%s", colon ? colon + 1 : s);
	return out;
}
