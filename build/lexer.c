/* lexer.c: a Dockerfile's lines as docker reads them.  Parser directives
 * (`# syntax=`, `# escape=`, `# check=`) count only at the very top, before
 * any comment, empty line or instruction.  A line whose last non-blank
 * character is the escape character continues on the next; comment lines
 * and blank lines inside a continued instruction are skipped.  A `#` counts
 * as a comment only at a line's start.  Heredoc bodies follow their
 * instruction's line and are taken as they are. */
#define _GNU_SOURCE
#include <stdlib.h> /* free */
#include <string.h> /* memchr */

#include "build/df_internal.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/util.h"

bool df_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static bool is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

void df_lexer_init(struct df_lexer *lx, const char *text, size_t len, const char *name)
{
	memset(lx, 0, sizeof(*lx));
	lx->text = text;
	lx->len = len;
	lx->escape = '\\';
	lx->name = name;
	/* a UTF-8 byte order mark before the first line is dropped */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		lx->pos = 3;
}

void df_lexer_release(struct df_lexer *lx)
{
	free(lx->syntax);
	lx->syntax = NULL;
}

/* The next physical line, with its newline. */
static bool read_raw_line(struct df_lexer *lx, const char **s, size_t *n)
{
	const char *start, *nl;

	if (lx->pos >= lx->len)
		return false;
	start = lx->text + lx->pos;
	nl = memchr(start, '\n', lx->len - lx->pos);
	*n = nl ? (size_t)(nl - start) + 1 : lx->len - lx->pos;
	lx->pos += *n;
	*s = start;
	lx->line++;
	return true;
}

/* The next physical line, without its newline and a \r before it. */
static bool read_line(struct df_lexer *lx, const char **s, size_t *n)
{
	const char *start, *nl;

	if (lx->pos >= lx->len)
		return false;
	start = lx->text + lx->pos;
	nl = memchr(start, '\n', lx->len - lx->pos);
	if (nl) {
		*n = (size_t)(nl - start);
		lx->pos += *n + 1;
	} else {
		*n = lx->len - lx->pos;
		lx->pos = lx->len;
	}
	*s = start;
	if (*n && start[*n - 1] == '\r')
		(*n)--;
	lx->line++;
	return true;
}

/* Trailing \r and \n gone (Go's trimNewline). */
static void trim_newline(const char *s, size_t *n)
{
	while (*n && (s[*n - 1] == '\r' || s[*n - 1] == '\n'))
		(*n)--;
}

static void trim_left(const char **s, size_t *n)
{
	while (*n && df_is_space((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
}

static bool is_comment(const char *s, size_t n)
{
	trim_newline(s, &n);
	trim_left(&s, &n);
	return n && *s == '#';
}

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* `#[ \t]*NAME[ \t]*=[ \t]*VALUE[ \t]*` (s left-trimmed): a parser
 * directive while they are still allowed. */
static int directive(struct df_lexer *lx, const char *s, size_t n, struct err **err)
{
	cleanup_free char *key = NULL;
	cleanup_free char *value = NULL;
	size_t i = 1, k0, k1, v0, v1;

	if (lx->directives_done)
		return 0;
	lx->directives_done = true;
	if (!n || s[0] != '#')
		return 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	k0 = i;
	if (i >= n || !is_alpha((unsigned char)s[i]))
		return 0;
	while (i < n && (is_alpha((unsigned char)s[i]) || (s[i] >= '0' && s[i] <= '9')))
		i++;
	k1 = i;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i >= n || s[i] != '=')
		return 0;
	i++;
	v0 = i;
	while (v0 < n && (s[v0] == ' ' || s[v0] == '\t'))
		v0++;
	if (v0 == n) {
		/* all blanks after '=': the regexp's lazy value takes the last */
		if (i == n)
			return 0;
		v0 = n - 1;
	}
	v1 = n;
	while (v1 > v0 + 1 && (s[v1 - 1] == ' ' || s[v1 - 1] == '\t'))
		v1--;
	key = xstrndup(s + k0, k1 - k0);
	for (char *c = key; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	value = xstrndup(s + v0, v1 - v0);
	if (streq(key, "escape")) {
		if (lx->seen_escape)
			return err_set(err, 0,
				       "%s:%d: only one escape parser directive can be used",
				       lx->name, lx->line);
		if (!streq(value, "\\") && !streq(value, "`"))
			return err_set(err, 0,
				       "%s:%d: invalid escape token '%s' does not match ` or \\",
				       lx->name, lx->line, value);
		lx->seen_escape = true;
		lx->escape = value[0];
	} else if (streq(key, "syntax")) {
		if (lx->seen_syntax)
			return err_set(err, 0,
				       "%s:%d: only one syntax parser directive can be used",
				       lx->name, lx->line);
		lx->seen_syntax = true;
		lx->syntax = steal_pointer(&value);
	} else if (streq(key, "check")) {
		if (lx->seen_check)
			return err_set(err, 0, "%s:%d: only one check parser directive can be used",
				       lx->name, lx->line);
		lx->seen_check = true;
	} else {
		return 0; /* an unknown name: a comment, and the end of directives */
	}
	lx->directives_done = false;
	return 0;
}

/* Drop the escape character ending s (and blanks after it): false when
 * the line does not continue. */
static bool continues(const struct df_lexer *lx, const char *s, size_t *n)
{
	size_t m = *n;

	while (m && (s[m - 1] == ' ' || s[m - 1] == '\t'))
		m--;
	if (!m || s[m - 1] != lx->escape)
		return false;
	/* an escaped escape character ("a\\") does not continue the line */
	if (m >= 2 && s[m - 2] == lx->escape)
		return false;
	*n = m - 1;
	return true;
}

int df_lex_line(struct df_lexer *lx, char **line, int *start, struct err **err)
{
	const char *s;
	size_t n;

	while (read_line(lx, &s, &n)) {
		cleanup_buf struct buf b = BUF_INIT;
		bool more;

		if (memchr(s, '\0', n))
			return err_set(err, 0, "%s:%d: a NUL byte in the text (not a UTF-8 file?)",
				       lx->name, lx->line);
		trim_newline(s, &n);
		trim_left(&s, &n);
		if (directive(lx, s, n, err) < 0)
			return -1;
		if (is_comment(s, n))
			n = 0;
		*start = lx->line;
		more = continues(lx, s, &n);
		if (!more && n == 0)
			continue;
		buf_add(&b, s, n);
		while (more && read_line(lx, &s, &n)) {
			const char *t = s;
			size_t tn = n;

			if (memchr(s, '\0', n))
				return err_set(err, 0,
					       "%s:%d: a NUL byte in the text (not a UTF-8 file?)",
					       lx->name, lx->line);
			trim_newline(s, &n);
			if (directive(lx, s, n, err) < 0)
				return -1;
			if (is_comment(s, n))
				continue;
			trim_left(&t, &tn);
			if (tn == 0)
				continue; /* an empty continuation line */
			more = continues(lx, s, &n);
			buf_add(&b, s, n);
		}
		*line = buf_detach(&b, NULL);
		return 1;
	}
	return 0;
}

int df_lex_heredoc(struct df_lexer *lx, const char *name, bool chomp, char **content)
{
	cleanup_buf struct buf b = BUF_INIT;
	const char *s;
	size_t n;

	*content = NULL;
	while (read_raw_line(lx, &s, &n)) {
		const char *t = s;
		size_t tn = n;

		trim_newline(t, &tn);
		if (chomp)
			while (tn && *t == '\t') {
				t++;
				tn--;
			}
		if (tn == strlen(name) && memcmp(t, name, tn) == 0) {
			*content = buf_detach(&b, NULL);
			return 0;
		}
		if (chomp) { /* <<-: the body's leading tabs go too */
			while (n && *s == '\t') {
				s++;
				n--;
			}
		}
		buf_add(&b, s, n);
	}
	return -1;
}

char **df_extract_flags(const char *s, const char **rest)
{
	cleanup_strv char **v = NULL;
	size_t i = 0, n = strlen(s);

	for (;;) {
		cleanup_buf struct buf w = BUF_INIT;
		bool blank_ok = false;
		char quote = 0;

		while (i < n && df_is_space((unsigned char)s[i]))
			i++;
		if (i >= n || s[i] != '-' || i + 1 >= n || s[i + 1] != '-') {
			*rest = s + i;
			break;
		}
		for (; i < n; i++) {
			char c = s[i];

			if (quote) {
				if (c == quote) {
					quote = 0;
					continue;
				}
				if (c == '\\') {
					if (i + 1 == n) {
						quote = 0;
						continue;
					}
					c = s[++i];
				}
				buf_addch(&w, c);
				continue;
			}
			if (df_is_space((unsigned char)c))
				break;
			if (c == '\'' || c == '"') {
				quote = c;
				blank_ok = true;
				continue;
			}
			if (c == '\\') {
				if (i + 1 == n)
					continue;
				c = s[++i];
			}
			buf_addch(&w, c);
		}
		if (streq(w.data, "--")) {
			*rest = s + i;
			break;
		}
		if (blank_ok || w.len)
			strv_push(&v, w.data);
		if (i >= n) {
			*rest = s + i;
			break;
		}
	}
	if (!v)
		v = xcalloc(1, sizeof(*v));
	return steal_pointer(&v);
}

char **df_parse_words(const char *s, char escape)
{
	cleanup_strv char **v = NULL;
	size_t i = 0, n = strlen(s);

	for (;;) {
		cleanup_buf struct buf w = BUF_INIT;
		bool blank_ok = false;
		char quote = 0;

		while (i < n && df_is_space((unsigned char)s[i]))
			i++;
		if (i >= n)
			break;
		for (; i < n; i++) {
			char c = s[i];

			if (quote) {
				if (c == quote)
					quote = 0;
				else if (c == escape && quote != '\'') {
					if (i + 1 == n) {
						quote = 0;
						continue;
					}
					buf_addch(&w, c);
					c = s[++i];
				}
				buf_addch(&w, c);
				continue;
			}
			if (df_is_space((unsigned char)c))
				break;
			if (c == '\'' || c == '"') {
				quote = c;
				blank_ok = true;
			}
			if (c == escape) {
				if (i + 1 == n)
					continue;
				buf_addch(&w, c);
				c = s[++i];
			}
			buf_addch(&w, c);
		}
		if (blank_ok || w.len)
			strv_push(&v, w.data);
	}
	if (!v)
		v = xcalloc(1, sizeof(*v));
	return steal_pointer(&v);
}

char **df_split_blanks(const char *s)
{
	cleanup_strv char **v = NULL;
	const char *p = s;

	if (!*s) {
		v = xcalloc(1, sizeof(*v));
		return steal_pointer(&v);
	}
	for (;;) {
		const char *q = p;

		while (*q && !is_blank((unsigned char)*q))
			q++;
		{
			cleanup_free char *w = xstrndup(p, (size_t)(q - p));

			strv_push(&v, w);
		}
		if (!*q)
			break;
		while (*q && is_blank((unsigned char)*q))
			q++;
		p = q;
	}
	return steal_pointer(&v);
}
