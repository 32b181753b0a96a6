/* dockerignore.c: .dockerignore as docker reads it (moby's patternmatcher
 * and ignorefile): one pattern a line, `#` lines are comments, blanks
 * around a pattern go, each pattern is cleaned (Go's filepath.Clean) and
 * loses a leading '/'; `!` makes an exception.  A path is excluded when the
 * last pattern that matches it, or one of its parent directories, is not an
 * exception.  In a pattern, `*` matches within one path element, `?` one
 * character but '/', `[...]` a class, `\` escapes, and `**` any number of
 * elements ("**" at the end: anything below). */
#define _GNU_SOURCE
#include <stdlib.h> /* free */
#include <string.h> /* strlen */

#include "build/df_internal.h"
#include "build/dockerfile.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/util.h"

enum match_type { M_EXACT, M_PREFIX, M_SUFFIX, M_REGEXP };

enum tok_kind {
	T_LIT,   /* one byte */
	T_STAR,  /* [^/]* */
	T_QMARK, /* [^/] (one character) */
	T_ANY,   /* .* (a final **) */
	T_DIRS,  /* (.* /)? (a ** before more) */
	T_CLASS, /* [...] */
};

struct tok {
	enum tok_kind kind;
	char c;
	bool negate;
	char *set; /* T_CLASS: pairs lo,hi */
	size_t nset;
};

struct pattern {
	char *text; /* cleaned, without the '!' */
	bool exception;
	enum match_type type;
	struct tok *toks;
	size_t ntoks;
};

struct dockerignore {
	struct pattern *pats;
	size_t npats;
	bool exceptions;
};

char *df_path_clean(const char *s)
{
	struct buf b = BUF_INIT;
	bool rooted = *s == '/';
	size_t dotdot = 0; /* where ".." can no longer be undone */
	size_t i = 0, n = strlen(s);

	if (!*s)
		return xstrdup(".");
	if (rooted) {
		buf_addch(&b, '/');
		i = 1;
		dotdot = 1;
	}
	while (i < n) {
		if (s[i] == '/') {
			i++;
		} else if (s[i] == '.' && (i + 1 == n || s[i + 1] == '/')) {
			i++;
		} else if (s[i] == '.' && s[i + 1] == '.' && (i + 2 == n || s[i + 2] == '/')) {
			i += 2;
			if (b.len > dotdot) {
				size_t w = b.len - 1;

				while (w > dotdot && b.data[w] != '/')
					w--;
				b.len = w;
				b.data[w] = '\0';
			} else if (!rooted) {
				if (b.len > 0)
					buf_addch(&b, '/');
				buf_adds(&b, "..");
				dotdot = b.len;
			}
		} else {
			if ((rooted && b.len != 1) || (!rooted && b.len != 0))
				buf_addch(&b, '/');
			while (i < n && s[i] != '/')
				buf_addch(&b, s[i++]);
		}
	}
	if (b.len == 0)
		buf_addch(&b, '.');
	return buf_detach(&b, NULL);
}

static void pattern_release(struct pattern *p)
{
	free(p->text);
	for (size_t i = 0; i < p->ntoks; i++)
		free(p->toks[i].set);
	free(p->toks);
}

void dockerignore_free(struct dockerignore *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->npats; i++)
		pattern_release(&d->pats[i]);
	free(d->pats);
	free(d);
}

static struct tok *add_tok(struct pattern *p, enum tok_kind kind, char c)
{
	struct tok *t;

	p->toks = xrealloc(p->toks, (p->ntoks + 1) * sizeof(*p->toks));
	t = &p->toks[p->ntoks++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->c = c;
	return t;
}

/* One character of a class at s[*i] ('\\' escapes; an unescaped '-' or
 * ']' is malformed there, as filepath.Match has it). */
static int class_char(const char *s, size_t *i, char *c)
{
	if (s[*i] == '-' || s[*i] == ']' || !s[*i])
		return -1;
	if (s[*i] == '\\') {
		(*i)++;
		if (!s[*i])
			return -1;
	}
	*c = s[(*i)++];
	return 0;
}

/* [...] at s (past the '['): the class, and where it ends; -1 if it is
 * malformed or does not close. */
static int parse_class(const char *s, struct tok *t, const char **end)
{
	size_t i = 0;

	if (s[i] == '^') {
		t->negate = true;
		i++;
	}
	for (;;) {
		char lo, hi;

		if (s[i] == ']' && t->nset) {
			*end = s + i + 1;
			return 0;
		}
		if (class_char(s, &i, &lo) < 0)
			return -1;
		hi = lo;
		if (s[i] == '-') {
			i++;
			if (class_char(s, &i, &hi) < 0 || (unsigned char)hi < (unsigned char)lo)
				return -1;
		}
		t->set = xrealloc(t->set, (t->nset + 1) * 2);
		t->set[2 * t->nset] = lo;
		t->set[2 * t->nset + 1] = hi;
		t->nset++;
	}
}

/* The pattern's match type and tokens, as patternmatcher compiles it. */
static int compile(struct pattern *p)
{
	const char *s = p->text;
	enum match_type type = M_EXACT;

	for (size_t i = 0; *s; i++) {
		char c = *s++;

		if (c == '*' && *s == '*') {
			s++;
			if (*s == '/')
				s++;
			if (!*s) {
				if (type == M_EXACT) {
					type = M_PREFIX;
				} else {
					type = M_REGEXP;
				}
				add_tok(p, T_ANY, 0);
			} else {
				add_tok(p, T_DIRS, 0);
				type = M_REGEXP;
			}
			if (i == 0)
				type = M_SUFFIX;
		} else if (c == '*') {
			add_tok(p, T_STAR, 0);
			type = M_REGEXP;
		} else if (c == '?') {
			add_tok(p, T_QMARK, 0);
			type = M_REGEXP;
		} else if (c == '\\') {
			if (*s) {
				add_tok(p, T_LIT, *s++);
				type = M_REGEXP;
			} else {
				add_tok(p, T_LIT, '\\');
			}
		} else if (c == '[') {
			struct tok *t = add_tok(p, T_CLASS, 0);
			const char *end;

			if (parse_class(s, t, &end) < 0)
				return -1;
			s = end;
			type = M_REGEXP;
		} else if (c == ']') {
			add_tok(p, T_LIT, c);
			type = M_REGEXP;
		} else {
			add_tok(p, T_LIT, c);
		}
	}
	p->type = type;
	return 0;
}

static bool class_has(const struct tok *t, unsigned char c)
{
	bool in = false;

	for (size_t i = 0; i < t->nset && !in; i++)
		in = c >= (unsigned char)t->set[2 * i] && c <= (unsigned char)t->set[2 * i + 1];
	return in != t->negate;
}

/* One UTF-8 character's length at s (at least 1). */
static size_t char_len(const char *s, size_t left)
{
	size_t n = 1;

	while (n < left && ((unsigned char)s[n] & 0xc0) == 0x80)
		n++;
	return n;
}

/* memo: 0 unknown, 1 no, 2 yes; (ntoks + 1) * (len + 1) entries */
static bool match_at(const struct pattern *p, size_t ti, const char *s, size_t si, size_t len,
		     unsigned char *memo)
{
	unsigned char *m = &memo[ti * (len + 1) + si];
	const struct tok *t;
	bool r = false;

	if (*m)
		return *m == 2;
	if (ti == p->ntoks) {
		r = si == len;
		goto out;
	}
	t = &p->toks[ti];
	switch (t->kind) {
	case T_LIT:
		r = si < len && s[si] == t->c && match_at(p, ti + 1, s, si + 1, len, memo);
		break;
	case T_QMARK:
		r = si < len && s[si] != '/' &&
		    match_at(p, ti + 1, s, si + char_len(s + si, len - si), len, memo);
		break;
	case T_CLASS:
		r = si < len && s[si] != '/' && class_has(t, (unsigned char)s[si]) &&
		    match_at(p, ti + 1, s, si + 1, len, memo);
		break;
	case T_STAR:
		for (size_t k = si;; k++) {
			if (match_at(p, ti + 1, s, k, len, memo)) {
				r = true;
				break;
			}
			if (k >= len || s[k] == '/')
				break;
		}
		break;
	case T_ANY:
		for (size_t k = si; k <= len && !r; k++)
			r = match_at(p, ti + 1, s, k, len, memo);
		break;
	case T_DIRS: /* empty, or anything ending in '/' */
		r = match_at(p, ti + 1, s, si, len, memo);
		for (size_t k = si; k < len && !r; k++)
			if (s[k] == '/')
				r = match_at(p, ti + 1, s, k + 1, len, memo);
		break;
	}
out:
	*m = r ? 2 : 1;
	return r;
}

static bool regexp_match(const struct pattern *p, const char *s, size_t len)
{
	cleanup_free unsigned char *memo = xcalloc((p->ntoks + 1) * (len + 1), 1);

	return match_at(p, 0, s, 0, len, memo);
}

static bool pattern_match(const struct pattern *p, const char *s, size_t len)
{
	size_t pl = strlen(p->text);

	switch (p->type) {
	case M_EXACT:
		return len == pl && memcmp(s, p->text, len) == 0;
	case M_PREFIX:
		return len >= pl - 2 && memcmp(s, p->text, pl - 2) == 0;
	case M_SUFFIX: {
		const char *suffix = p->text + 2;
		size_t sl = pl - 2;

		if (len >= sl && memcmp(s + len - sl, suffix, sl) == 0)
			return true;
		return sl && suffix[0] == '/' && len == sl - 1 && memcmp(s, suffix + 1, len) == 0;
	}
	case M_REGEXP:
		return regexp_match(p, s, len);
	}
	return false;
}

static int add_pattern(struct dockerignore *d, const char *text, int line, struct err **err)
{
	cleanup_free char *clean = df_path_clean(text);
	struct pattern *p;

	d->pats = xrealloc(d->pats, (d->npats + 1) * sizeof(*d->pats));
	p = &d->pats[d->npats];
	memset(p, 0, sizeof(*p));
	if (clean[0] == '!') {
		if (!clean[1])
			return err_set(err, 0, ".dockerignore:%d: illegal exclusion pattern: \"!\"",
				       line);
		p->exception = true;
		d->exceptions = true;
		p->text = xstrdup(clean + 1);
	} else {
		p->text = steal_pointer(&clean);
	}
	d->npats++;
	if (compile(p) < 0)
		return err_set(err, 0, ".dockerignore:%d: syntax error in pattern \"%s\"", line,
			       text);
	return 0;
}

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static char *trim(const char *s, size_t n)
{
	while (n && is_space((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && is_space((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n);
}

int dockerignore_parse(const char *text, size_t len, struct dockerignore **out, struct err **err)
{
	struct dockerignore *d = xcalloc(1, sizeof(*d));
	size_t pos = 0;
	int line = 0;

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		cleanup_free char *pat = NULL;
		cleanup_free char *full = NULL;
		bool invert;

		pos += n + (nl ? 1 : 0);
		line++;
		if (memchr(s, '\0', n)) {
			dockerignore_free(d);
			return err_set(err, 0, ".dockerignore:%d: a NUL byte in the text", line);
		}
		if (n && s[0] == '#')
			continue;
		pat = trim(s, n);
		if (!*pat)
			continue;
		invert = pat[0] == '!';
		if (invert) {
			char *rest = trim(pat + 1, strlen(pat + 1));

			free(pat);
			pat = rest;
		}
		if (*pat) {
			char *c = df_path_clean(pat);

			free(pat);
			pat = c;
			if (pat[0] == '/' && pat[1]) {
				c = xstrdup(pat + 1);
				free(pat);
				pat = c;
			}
		}
		full = xasprintf("%s%s", invert ? "!" : "", pat);
		if (add_pattern(d, full, line, err) < 0) {
			dockerignore_free(d);
			return -1;
		}
	}
	*out = d;
	return 0;
}

bool dockerignore_excluded(const struct dockerignore *d, const char *path)
{
	cleanup_free char *file = df_path_clean(path);
	bool matched = false;
	const char *slash = strrchr(file, '/');

	if (streq(file, "."))
		return false;
	for (size_t i = 0; i < d->npats; i++) {
		const struct pattern *p = &d->pats[i];
		bool m;

		if (p->exception != matched)
			continue;
		m = pattern_match(p, file, strlen(file));
		/* or one of its parent directories */
		for (const char *c = file; !m && slash && c <= slash; c++)
			if (*c == '/')
				m = pattern_match(p, file, (size_t)(c - file));
		if (m)
			matched = !p->exception;
	}
	return matched;
}

/* Could the exception pattern p match dir or something below it?  Its
 * elements are compared with dir's, as far as both go. */
static bool may_match_below(const struct pattern *p, const char *dir)
{
	cleanup_free char *pd = NULL;
	const char *pe, *de = dir;
	char *save = NULL;

	if (strstr(p->text, "**"))
		return true;
	pd = xstrdup(p->text);
	pe = strtok_r(pd, "/", &save);
	while (pe && *de) {
		const char *dend = strchrnul(de, '/');
		struct pattern elem = {.text = xstrdup(pe)};
		bool ok;

		if (compile(&elem) < 0)
			ok = true;
		else
			ok = pattern_match(&elem, de, (size_t)(dend - de));
		pattern_release(&elem);
		if (!ok)
			return false;
		de = *dend ? dend + 1 : dend;
		pe = strtok_r(NULL, "/", &save);
	}
	return true;
}

bool dockerignore_may_hold_exception(const struct dockerignore *d, const char *dir)
{
	cleanup_free char *clean = df_path_clean(dir);

	if (!d->exceptions)
		return false;
	for (size_t i = 0; i < d->npats; i++)
		if (d->pats[i].exception && may_match_below(&d->pats[i], clean))
			return true;
	return false;
}
