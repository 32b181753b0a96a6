/* progress.c: docker-style progress on stdout: one line per layer, keyed by
 * the 12-hex short id.  On a terminal the lines are redrawn in place with
 * byte progress bars; otherwise each status change is one plain line, and
 * neither bars nor the statuses docker shows only beside a bar ("Pushing")
 * are printed.  Quiet mode prints nothing. */
#define _GNU_SOURCE
#include <stdarg.h> /* va_list */
#include <stdio.h>  /* printf */
#include <stdlib.h> /* free */
#include <string.h> /* strncpy */
#include <time.h>   /* clock_gettime */
#include <unistd.h> /* isatty */

#include "common/util.h"
#include "fetch/fetch.h"

struct pline {
	char id[13];
	char *text;
};

struct progress {
	bool quiet;
	bool tty;
	struct pline *lines;
	size_t n;
	double last_draw;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct progress *progress_new(bool quiet)
{
	struct progress *p = xcalloc(1, sizeof(*p));

	p->quiet = quiet;
	p->tty = isatty(STDOUT_FILENO) == 1 && !getenv("KIST_NO_TTY");
	return p;
}

void progress_free(struct progress *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->lines[i].text);
	free(p->lines);
	free(p);
	fflush(stdout);
}

static void short_id(const char *digest, char out[13])
{
	const char *h = strchr(digest, ':');

	snprintf(out, 13, "%s", h ? h + 1 : digest);
}

static size_t find_line(struct progress *p, const char *id, bool *created)
{
	for (size_t i = 0; i < p->n; i++)
		if (streq(p->lines[i].id, id)) {
			*created = false;
			return i;
		}
	p->lines = xrealloc(p->lines, (p->n + 1) * sizeof(*p->lines));
	memcpy(p->lines[p->n].id, id, 13);
	p->lines[p->n].text = NULL;
	*created = true;
	return p->n++;
}

static void draw(struct progress *p, size_t i, bool created)
{
	if (created) {
		printf("%s: %s\n", p->lines[i].id, p->lines[i].text);
	} else {
		size_t up = p->n - i;
		printf("\033[%zuA\r\033[2K%s: %s\033[%zuB\r", up, p->lines[i].id, p->lines[i].text,
		       up);
	}
	fflush(stdout);
}

void progress_line(struct progress *p, const char *digest, const char *status)
{
	char id[13];
	bool created;
	size_t i;

	if (p->quiet)
		return;
	short_id(digest, id);
	if (!p->tty) {
		printf("%s: %s\n", id, status);
		fflush(stdout);
		return;
	}
	i = find_line(p, id, &created);
	free(p->lines[i].text);
	p->lines[i].text = xstrdup(status);
	draw(p, i, created);
}

void progress_tty_line(struct progress *p, const char *digest, const char *status)
{
	if (p->tty)
		progress_line(p, digest, status);
}

static void human(uint64_t n, char *out, size_t sz)
{
	if (n >= 1000 * 1000 * 1000)
		snprintf(out, sz, "%.2fGB", n / 1e9);
	else if (n >= 1000 * 1000)
		snprintf(out, sz, "%.1fMB", n / 1e6);
	else if (n >= 1000)
		snprintf(out, sz, "%.1fkB", n / 1e3);
	else
		snprintf(out, sz, "%lluB", (unsigned long long)n);
}

void progress_bytes(struct progress *p, const char *digest, const char *verb, uint64_t done,
		    uint64_t total)
{
	char id[13], a[32], b[32], bar[52];
	cleanup_free char *text = NULL;
	bool created;
	size_t i, fill;
	double t;

	if (p->quiet || !p->tty)
		return;
	t = now();
	if (t - p->last_draw < 0.1 && done < total)
		return;
	p->last_draw = t;
	short_id(digest, id);
	human(done, a, sizeof(a));
	human(total, b, sizeof(b));
	fill = total ? (size_t)(50.0 * done / total) : 0;
	if (fill > 50)
		fill = 50;
	memset(bar, '=', fill);
	if (fill < 50) {
		bar[fill] = '>';
		memset(bar + fill + 1, ' ', 49 - fill);
	}
	bar[50] = '\0';
	text = xasprintf("%s [%s]  %s/%s", verb, bar, a, b);
	i = find_line(p, id, &created);
	free(p->lines[i].text);
	p->lines[i].text = steal_pointer(&text);
	draw(p, i, created);
}

void progress_print(struct progress *p, const char *fmt, ...)
{
	va_list ap;

	if (p->quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}
