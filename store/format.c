/* format.c: docker's output shapes: human sizes and durations, and a small
 * subset of Go templates for --format ("{{.Field}}" with literal text,
 * "table ..." with aligned columns and a header, "json"). */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/util.h"
#include "store/store.h"

char *fmt_size(int64_t bytes)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
	double v = (double)bytes;
	size_t i = 0;

	while (v >= 1000.0 && i < ARRAY_SIZE(units) - 1) {
		v /= 1000.0;
		i++;
	}
	return xasprintf("%.3g%s", v, units[i]);
}

static char *human_duration(int64_t secs)
{
	int64_t hours;

	if (secs < 1)
		return xstrdup("Less than a second");
	if (secs == 1)
		return xstrdup("1 second");
	if (secs < 60)
		return xasprintf("%lld seconds", (long long)secs);
	if (secs / 60 == 1)
		return xstrdup("About a minute");
	if (secs / 60 < 60)
		return xasprintf("%lld minutes", (long long)(secs / 60));
	hours = (secs + 1800) / 3600;
	if (hours == 1)
		return xstrdup("About an hour");
	if (hours < 48)
		return xasprintf("%lld hours", (long long)hours);
	if (hours < 24 * 7 * 2)
		return xasprintf("%lld days", (long long)(hours / 24));
	if (hours < 24 * 30 * 2)
		return xasprintf("%lld weeks", (long long)(hours / 24 / 7));
	if (hours < 24 * 365 * 2)
		return xasprintf("%lld months", (long long)(hours / 24 / 30));
	return xasprintf("%lld years", (long long)(secs / 3600 / 24 / 365));
}

char *fmt_since(int64_t created)
{
	cleanup_free char *d = NULL;

	if (created <= 0)
		return xstrdup("N/A");
	d = human_duration((int64_t)time(NULL) - created);
	return xasprintf("%s ago", d);
}

char *fmt_time_go(int64_t created)
{
	time_t t = (time_t)created;
	struct tm tm;
	char buf[80];

	localtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %z %Z", &tm);
	return xstrdup(buf);
}

static size_t runes(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* Shorten to max runes, ending in "…" as docker does. */
char *fmt_shorten(const char *s, size_t max)
{
	struct buf b = BUF_INIT;
	size_t n = 0;

	if (runes(s) <= max)
		return xstrdup(s);
	for (; *s; s++) {
		if (((unsigned char)*s & 0xC0) != 0x80 && ++n > max - 1)
			break;
		buf_addch(&b, *s);
	}
	buf_adds(&b, "…");
	return buf_detach(&b, NULL);
}

bool fmt_glob_match(const char *pattern, const char *s)
{
	return fnmatch(pattern, s, FNM_PATHNAME) == 0;
}

/* ---- templates ---- */

struct piece {
	char *text; /* literal, or NULL for a field */
	size_t field;
};

struct fmt_table {
	bool table, json;
	struct piece *pieces;
	size_t n_pieces;
	const struct fmt_field *fields;
	size_t n_fields;
	char ***rows; /* cells per row (table) */
	size_t *n_cells;
	size_t n_rows;
	struct buf out; /* non-table output */
};

static void add_literal(struct fmt_table *t, const char *s, size_t len)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len && (s[i + 1] == 't' || s[i + 1] == 'n')) {
			buf_addch(&b, s[i + 1] == 't' ? '\t' : '\n');
			i++;
		} else {
			buf_addch(&b, s[i]);
		}
	}
	t->pieces = xrealloc(t->pieces, (t->n_pieces + 1) * sizeof(*t->pieces));
	t->pieces[t->n_pieces++] = (struct piece){.text = buf_detach(&b, NULL)};
}

static int parse(struct fmt_table *t, const char *f, struct err **err)
{
	while (*f) {
		const char *open = strstr(f, "{{"), *close, *a, *z;
		size_t i;

		if (!open) {
			add_literal(t, f, strlen(f));
			break;
		}
		if (open > f)
			add_literal(t, f, (size_t)(open - f));
		close = strstr(open, "}}");
		if (!close)
			return err_set(err, 0, "template: unclosed action in '%s'", open);
		for (a = open + 2; *a == ' '; a++)
			;
		for (z = close; z > a && z[-1] == ' '; z--)
			;
		if (*a != '.')
			return err_set(err, 0, "template: unsupported action '%.*s'", (int)(z - a),
				       a);
		a++;
		for (i = 0; i < t->n_fields; i++)
			if (strlen(t->fields[i].name) == (size_t)(z - a) &&
			    !strncmp(t->fields[i].name, a, (size_t)(z - a)))
				break;
		if (i == t->n_fields)
			return err_set(err, 0, "template: can't evaluate field '%.*s'",
				       (int)(z - a), a);
		t->pieces = xrealloc(t->pieces, (t->n_pieces + 1) * sizeof(*t->pieces));
		t->pieces[t->n_pieces++] = (struct piece){.text = NULL, .field = i};
		f = close + 2;
	}
	return 0;
}

static char *render(struct fmt_table *t, char *const *values, bool header)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < t->n_pieces; i++) {
		if (t->pieces[i].text)
			buf_adds(&b, t->pieces[i].text);
		else if (header)
			buf_adds(&b, t->fields[t->pieces[i].field].header);
		else
			buf_adds(&b, values[t->pieces[i].field]);
	}
	return buf_detach(&b, NULL);
}

static void add_row(struct fmt_table *t, char *line)
{
	char **cells = NULL, *p = line, *tab;
	size_t n = 0;

	while ((tab = strchr(p, '\t'))) {
		cells = xrealloc(cells, (n + 2) * sizeof(*cells));
		cells[n++] = xstrndup(p, (size_t)(tab - p));
		p = tab + 1;
	}
	cells = xrealloc(cells, (n + 2) * sizeof(*cells));
	cells[n++] = xstrdup(p);
	cells[n] = NULL;
	t->rows = xrealloc(t->rows, (t->n_rows + 1) * sizeof(*t->rows));
	t->n_cells = xrealloc(t->n_cells, (t->n_rows + 1) * sizeof(*t->n_cells));
	t->rows[t->n_rows] = cells;
	t->n_cells[t->n_rows++] = n;
	free(line);
}

struct fmt_table *fmt_table_new(const char *format, const char *default_table,
				const struct fmt_field *fields, size_t n_fields, struct err **err)
{
	struct fmt_table *t = xcalloc(1, sizeof(*t));
	const char *f = format ? format : default_table;

	t->fields = fields;
	t->n_fields = n_fields;
	buf_init(&t->out);
	if (streq(f, "json")) {
		t->json = true;
		return t;
	}
	if (str_has_prefix(f, "table")) {
		t->table = true;
		f += 5;
		while (*f == ' ')
			f++;
		if (!*f)
			f = default_table + 6;
	}
	if (parse(t, f, err) < 0) {
		fmt_table_free(t);
		return NULL;
	}
	if (t->table)
		add_row(t, render(t, NULL, true));
	return t;
}

void fmt_table_row(struct fmt_table *t, char *const *values)
{
	if (t->json) {
		cleanup_json cJSON *o = cJSON_CreateObject();
		cleanup_free char *s = NULL;
		size_t i;

		for (i = 0; i < t->n_fields; i++)
			cJSON_AddStringToObject(o, t->fields[i].name, values[i]);
		s = json_print(o, false);
		buf_adds(&t->out, s);
		buf_addch(&t->out, '\n');
		return;
	}
	if (t->table) {
		add_row(t, render(t, values, false));
		return;
	}
	char *line = render(t, values, false);
	buf_adds(&t->out, line);
	buf_addch(&t->out, '\n');
	free(line);
}

void fmt_table_flush(struct fmt_table *t, FILE *out)
{
	size_t *w = NULL, max_cells = 0, r, c;

	fputs(t->out.data, out);
	buf_reset(&t->out);
	if (!t->table || !t->n_rows)
		return;
	for (r = 0; r < t->n_rows; r++)
		if (t->n_cells[r] > max_cells)
			max_cells = t->n_cells[r];
	w = xcalloc(max_cells + 1, sizeof(*w));
	/* Go's tabwriter(minwidth 20, padding 3): every tab-terminated cell. */
	for (r = 0; r < t->n_rows; r++)
		for (c = 0; c + 1 < t->n_cells[r]; c++) {
			size_t cw = runes(t->rows[r][c]) + 3;
			if (cw < 20)
				cw = 20;
			if (cw > w[c])
				w[c] = cw;
		}
	for (r = 0; r < t->n_rows; r++) {
		for (c = 0; c < t->n_cells[r]; c++) {
			fputs(t->rows[r][c], out);
			if (c + 1 < t->n_cells[r])
				fprintf(out, "%*s", (int)(w[c] - runes(t->rows[r][c])), "");
		}
		fputc('\n', out);
	}
	free(w);
}

void fmt_table_free(struct fmt_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n_pieces; i++)
		free(t->pieces[i].text);
	free(t->pieces);
	for (i = 0; i < t->n_rows; i++)
		strv_free(t->rows[i]);
	free(t->rows);
	free(t->n_cells);
	buf_release(&t->out);
	free(t);
}
