/* format.h: docker's output shapes: human sizes and times, and the --format
 * writer ("table TEMPLATE", "json", or a Go template per row; see
 * common/template.h for the template language). */
#ifndef KIST_FORMAT_H
#define KIST_FORMAT_H

#include <stdbool.h>     /* bool */
#include <stddef.h>      /* size_t */
#include <stdint.h>      /* int64_t */
#include <stdio.h>       /* FILE */
#include "common/json.h" /* cJSON */

struct err;

char *fmt_size(int64_t bytes);                /* "1.24MB" (decimal, 3 significant digits) */
char *fmt_duration(int64_t secs);             /* "2 hours" (docker's HumanDuration) */
char *fmt_since(int64_t created);             /* "2 hours ago" */
char *fmt_time_go(int64_t created);           /* "2006-01-02 15:04:05 -0700 MST" */
char *fmt_shorten(const char *s, size_t max); /* at most max runes, ending in "…" */
bool fmt_glob_match(const char *pattern, const char *s);

/* A listing's named fields: what {{.Name}} may use, and its table header. */
struct fmt_field {
	const char *name;   /* Go field name: "ID" */
	const char *header; /* table header: "IMAGE ID" */
};
struct fmt_table;
/* format NULL or "" means default_table ("table ..."); a template naming a
 * field not in fields, or not parsing, fails here, before any output. */
struct fmt_table *fmt_table_new(const char *format, const char *default_table,
				const struct fmt_field *fields, size_t n_fields, struct err **err);
/* One row: values parallel to fields, or an object with (at least) the
 * fields as members.  Returns 0, or -1 with *err set. */
int fmt_table_row(struct fmt_table *t, char *const *values, struct err **err);
int fmt_table_row_json(struct fmt_table *t, const cJSON *row, struct err **err);
/* Print what is buffered (a table's columns are aligned over its rows). */
void fmt_table_flush(struct fmt_table *t, FILE *out);
void fmt_table_free(struct fmt_table *t);

/* docker inspect's output: without t the array as indented JSON, with t
 * each element through the template, a line each.  All or nothing on
 * stdout: 0, or -1 with *err set (a template that fails on an element). */
struct tmpl;
int fmt_inspect_print(const struct tmpl *t, const cJSON *arr, struct err **err);

#endif
