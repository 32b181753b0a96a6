/* format.c: docker's output shapes: human sizes and durations, and the
 * --format writer over common/template ("table ..." with aligned columns and
 * a header, "json", or a template per row). */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/format.h"
#include "common/json.h"
#include "common/template.h"
#include "common/util.h"

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

char *fmt_duration(int64_t secs)
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
	d = fmt_duration((int64_t)time(NULL) - created);
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

/* ---- --format ---- */

struct fmt_table {
	bool table, json;
	struct tmpl *tmpl;
	const struct fmt_field *fields;
	size_t n_fields;
	char ***rows; /* cells per row (table) */
	size_t *n_cells;
	size_t n_rows;
	struct buf out; /* non-table output */
};

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

/* docker replaces the two escapes before parsing */
static char *unescape(const char *f)
{
	struct buf b = BUF_INIT;

	for (; *f; f++) {
		if (f[0] == '\\' && (f[1] == 't' || f[1] == 'n')) {
			buf_addch(&b, f[1] == 't' ? '\t' : '\n');
			f++;
		} else {
			buf_addch(&b, *f);
		}
	}
	return buf_detach(&b, NULL);
}

struct fmt_table *fmt_table_new(const char *format, const char *default_table,
				const struct fmt_field *fields, size_t n_fields, struct err **err)
{
	struct fmt_table *t = xcalloc(1, sizeof(*t));
	const char *f = format && *format ? format : default_table;
	cleanup_free char *text = NULL;
	cleanup_json cJSON *head = NULL;
	struct buf line = BUF_INIT;
	size_t i;

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
	text = unescape(f);
	t->tmpl = tmpl_parse(text, err);
	if (!t->tmpl) {
		err_wrap(err, "template parsing error");
		goto fail;
	}
	/* The header row is the template over the headers; rendering it
	 * strictly also finds unknown fields before any row is printed. */
	head = cJSON_CreateObject();
	for (i = 0; i < n_fields; i++)
		cJSON_AddStringToObject(head, fields[i].name, fields[i].header);
	if (tmpl_render(t->tmpl, head, true, &line, err) < 0) {
		buf_release(&line);
		goto fail;
	}
	if (t->table)
		add_row(t, buf_detach(&line, NULL));
	buf_release(&line);
	return t;
fail:
	fmt_table_free(t);
	return NULL;
}

int fmt_table_row_json(struct fmt_table *t, const cJSON *row, struct err **err)
{
	struct buf line = BUF_INIT;

	if (t->json) {
		cleanup_free char *s = json_print(row, false);
		buf_adds(&t->out, s);
		buf_addch(&t->out, '\n');
		return 0;
	}
	if (tmpl_render(t->tmpl, row, true, &line, err) < 0) {
		buf_release(&line);
		return -1;
	}
	if (t->table) {
		add_row(t, buf_detach(&line, NULL));
		return 0;
	}
	buf_adds(&t->out, line.data);
	buf_addch(&t->out, '\n');
	buf_release(&line);
	return 0;
}

int fmt_table_row(struct fmt_table *t, char *const *values, struct err **err)
{
	cleanup_json cJSON *o = cJSON_CreateObject();
	size_t i;

	for (i = 0; i < t->n_fields; i++)
		cJSON_AddStringToObject(o, t->fields[i].name, values[i]);
	return fmt_table_row_json(t, o, err);
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
	for (r = 0; r < t->n_rows; r++)
		strv_free(t->rows[r]);
	t->n_rows = 0;
	free(w);
}

void fmt_table_free(struct fmt_table *t)
{
	size_t i;

	if (!t)
		return;
	tmpl_free(t->tmpl);
	for (i = 0; i < t->n_rows; i++)
		strv_free(t->rows[i]);
	free(t->rows);
	free(t->n_cells);
	buf_release(&t->out);
	free(t);
}

int fmt_inspect_print(const struct tmpl *t, const cJSON *arr, struct err **err)
{
	struct buf out = BUF_INIT;
	const cJSON *o;

	if (!t) {
		cleanup_free char *text = json_print(arr, true);

		printf("%s\n", text);
		return 0;
	}
	cJSON_ArrayForEach(o, arr)
	{
		if (tmpl_render(t, o, false, &out, err) < 0) {
			buf_release(&out);
			return -1;
		}
		buf_addch(&out, '\n');
	}
	fwrite(out.data ? out.data : "", 1, out.len, stdout);
	buf_release(&out);
	return 0;
}
