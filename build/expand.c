/* expand.c: docker's variable expansion and word splitting of Dockerfile
 * arguments (the rules of buildkit's shell lexer): single quotes keep
 * everything, double quotes keep all but $ and the escapes of " $ and the
 * escape character, the escape character outside quotes takes the next
 * character literally, and $V ${V} ${V:-w} ${V-w} ${V:+w} ${V+w} ${V:?w}
 * ${V?w} ${V#p} ${V##p} ${V%p} ${V%%p} ${V/p/r} ${V//p/r} expand from the
 * build's variables. */
#define _GNU_SOURCE
#include <ctype.h>  /* isalnum */
#include <stdint.h> /* SIZE_MAX */
#include <stdlib.h> /* free */
#include <string.h> /* strlen */

#include "build/df_internal.h"
#include "build/dockerfile.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/util.h"

/* Nesting of ${...} deeper than this is refused (the recursion is bounded). */
#define MAX_DEPTH 64

struct words {
	struct buf word;
	char **v;
	size_t n;
	bool in_word;
};

struct lexer {
	const char *s;
	size_t i, n;
	char escape;
	unsigned flags;
	const char *const *vars;
	int depth;
	char ***used; /* names looked up, or NULL */
	struct err **err;
};

/* The value of a variable, noting its name in lx->used. */
static const char *lookup(struct lexer *lx, const char *name, size_t len)
{
	if (lx->used) {
		bool seen = false;

		for (char **u = *lx->used; u && *u && !seen; u++)
			seen = strlen(*u) == len && strncmp(*u, name, len) == 0;
		if (!seen) {
			cleanup_free char *n = xstrndup(name, len);

			strv_push(lx->used, n);
		}
	}
	return df_var_lookup(lx->vars, name, len);
}

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int peek(const struct lexer *lx)
{
	return lx->i < lx->n ? (unsigned char)lx->s[lx->i] : -1;
}

static int next(struct lexer *lx)
{
	return lx->i < lx->n ? (unsigned char)lx->s[lx->i++] : -1;
}

static void words_push(struct words *w)
{
	w->v = xrealloc(w->v, (w->n + 2) * sizeof(*w->v));
	w->v[w->n++] = buf_detach(&w->word, NULL);
	w->v[w->n] = NULL;
	w->in_word = false;
}

static void words_raw(struct words *w, const char *s, size_t len)
{
	buf_add(&w->word, s, len);
	w->in_word = true;
}

static void words_char(struct words *w, char c)
{
	if (is_space((unsigned char)c)) {
		if (w->in_word && w->word.len)
			words_push(w);
	} else {
		words_raw(w, &c, 1);
	}
}

static void words_release(struct words *w)
{
	buf_release(&w->word);
	strv_free(w->v);
	w->v = NULL;
	w->n = 0;
}

const char *df_var_lookup(const char *const *vars, const char *name, size_t len)
{
	const char *found = NULL;

	for (; vars && *vars; vars++)
		if (strncmp(*vars, name, len) == 0 && (*vars)[len] == '=')
			found = *vars + len + 1;
	return found;
}

static int fail(struct lexer *lx, const char *msg)
{
	return err_set(lx->err, 0, "%s", msg);
}

static int process_until(struct lexer *lx, const char *stops, bool raw_escapes, struct buf *out,
			 struct words *w);

static int single_quote(struct lexer *lx, struct buf *out)
{
	int c = next(lx);

	if (lx->flags & DF_SH_RAW_QUOTES)
		buf_addch(out, (char)c);
	for (;;) {
		c = next(lx);
		if (c < 0)
			return fail(lx, "unexpected end of statement while looking for matching "
					"single-quote");
		if (c == '\'') {
			if (lx->flags & DF_SH_RAW_QUOTES)
				buf_addch(out, (char)c);
			return 0;
		}
		buf_addch(out, (char)c);
	}
}

static int dollar(struct lexer *lx, struct buf *out);

static int double_quote(struct lexer *lx, struct buf *out)
{
	int c = next(lx);

	if (lx->flags & DF_SH_RAW_QUOTES)
		buf_addch(out, (char)c);
	for (;;) {
		c = peek(lx);
		if (c < 0)
			return fail(lx, "unexpected end of statement while looking for matching "
					"double-quote");
		if (c == '"') {
			next(lx);
			if (lx->flags & DF_SH_RAW_QUOTES)
				buf_addch(out, (char)c);
			return 0;
		}
		if (c == '$') {
			if (dollar(lx, out) < 0)
				return -1;
			continue;
		}
		c = next(lx);
		if (c == lx->escape) {
			int p = peek(lx);

			if (lx->flags & DF_SH_RAW_ESCAPES)
				buf_addch(out, (char)c);
			if (p < 0)
				continue; /* an escape at the end is dropped */
			if (p == '"' || p == '$' || p == lx->escape)
				c = next(lx);
		}
		buf_addch(out, (char)c);
	}
}

static bool special_param(int c)
{
	return c == '@' || c == '*' || c == '#' || c == '?' || c == '-' || c == '$' || c == '!' ||
	       c == '0';
}

/* A variable name: letters, digits, _; or a run of digits; or one special
 * parameter character. */
static size_t name(struct lexer *lx)
{
	size_t start = lx->i;
	int c = peek(lx);

	if (c >= 0 && isdigit(c)) {
		while (peek(lx) >= 0 && isdigit(peek(lx)))
			lx->i++;
		return lx->i - start;
	}
	if (c >= 0 && special_param(c)) {
		lx->i++;
		return 1;
	}
	while ((c = peek(lx)) >= 0 && (isalnum(c) || c == '_'))
		lx->i++;
	return lx->i - start;
}

/* The patterns of ${V#p}, ${V%p} and ${V/p/r}: `*` matches any string
 * (slashes too), `?` any character, `\\` makes * ? and itself literal
 * (and is dropped before } and /); there are no bracket expressions. */
struct glob {
	char *lit;  /* the literal of each token */
	char *kind; /* 'l' literal, '*', '?' */
	size_t n;
};

static void glob_release(struct glob *g)
{
	free(g->lit);
	free(g->kind);
}

static int glob_compile(const char *pat, struct glob *g, struct err **err)
{
	size_t len = strlen(pat);

	g->lit = xmalloc(len + 1);
	g->kind = xmalloc(len + 1);
	g->n = 0;
	for (size_t i = 0; i < len; i++) {
		char c = pat[i], k = 'l';

		if (c == '*' || c == '?') {
			k = c;
		} else if (c == '\\') {
			if (pat[i + 1] == '}' || pat[i + 1] == '/')
				continue;
			c = pat[++i];
			if (c != '*' && c != '?' && c != '\\')
				return err_set(
				    err, 0,
				    "invalid pattern (%s) in substitution: invalid escape "
				    "'\\%c'",
				    pat, c ? c : ' ');
		}
		g->lit[g->n] = c;
		g->kind[g->n++] = k;
	}
	return 0;
}

/* Does g match all of s[0..len)? */
static bool glob_match(const struct glob *g, const char *s, size_t len)
{
	size_t p = 0, i = 0, star = SIZE_MAX, mark = 0;

	while (i < len) {
		if (p < g->n && (g->kind[p] == '?' || (g->kind[p] == 'l' && g->lit[p] == s[i]))) {
			p++;
			i++;
		} else if (p < g->n && g->kind[p] == '*') {
			star = p++;
			mark = i;
		} else if (star != SIZE_MAX) {
			p = star + 1;
			i = ++mark;
		} else {
			return false;
		}
	}
	while (p < g->n && g->kind[p] == '*')
		p++;
	return p == g->n;
}

/* ${V#p} ${V##p} (prefix) and ${V%p} ${V%%p} (suffix): the shortest or,
 * when greedy, the longest match goes. */
static void trim(const char *value, const struct glob *g, bool suffix, bool greedy, struct buf *out)
{
	size_t n = strlen(value);

	for (size_t k = 0; k <= n; k++) {
		size_t len = greedy ? n - k : k;

		if (suffix ? glob_match(g, value + n - len, len) : glob_match(g, value, len)) {
			if (suffix)
				buf_add(out, value, n - len);
			else
				buf_adds(out, value + len);
			return;
		}
	}
	buf_adds(out, value);
}

/* ${V/p/r} and ${V//p/r}: the leftmost (longest) match, or each. */
static void replace(const char *value, const struct glob *g, const char *repl, bool all,
		    struct buf *out)
{
	size_t n = strlen(value), i = 0;
	bool done = false;

	while (i <= n) {
		size_t len = 0;
		bool found = false;

		for (size_t j = n; !done && j + 1 > i; j--) {
			if (glob_match(g, value + i, j - i)) {
				found = true;
				len = j - i;
				break;
			}
		}
		if (found) {
			buf_adds(out, repl);
			done = !all;
			if (len) {
				i += len;
				continue;
			}
		}
		if (i < n)
			buf_addch(out, value[i]);
		i++;
	}
}

static int dollar(struct lexer *lx, struct buf *out)
{
	cleanup_buf struct buf word = BUF_INIT;
	cleanup_buf struct buf repl = BUF_INIT;
	cleanup_free char *nm = NULL;
	struct words ignored = {.word = BUF_INIT};
	const char *value;
	bool null_unset = false;
	size_t start, len;
	int c, op, ret;

	next(lx); /* $ */
	if (peek(lx) != '{') {
		start = lx->i;
		len = name(lx);
		if (len == 0) {
			buf_addch(out, '$');
			return 0;
		}
		value = lookup(lx, lx->s + start, len);
		if (!value && (lx->flags & DF_SH_SKIP_UNSET)) {
			buf_addch(out, '$');
			buf_add(out, lx->s + start, len);
			return 0;
		}
		if (value)
			buf_adds(out, value);
		return 0;
	}
	next(lx); /* { */
	c = peek(lx);
	if (c < 0)
		return fail(lx, "syntax error: missing '}'");
	if (c == '{' || c == '}' || c == ':')
		return fail(lx, "syntax error: bad substitution");
	start = lx->i;
	len = name(lx);
	nm = xstrndup(lx->s + start, len);
	value = lookup(lx, nm, len);
	op = next(lx);
	if (op == '}') {
		if (!value && (lx->flags & DF_SH_SKIP_UNSET)) {
			buf_addf(out, "${%s}", nm);
			return 0;
		}
		if (value)
			buf_adds(out, value);
		return 0;
	}
	if (op < 0)
		return fail(lx, "syntax error: missing '}'");
	if (++lx->depth > MAX_DEPTH)
		return fail(lx, "syntax error: substitutions nested too deep");
	if (op == ':') {
		null_unset = true;
		op = next(lx);
		if (op == '#' || op == '%')
			return err_set(lx->err, 0, "unsupported modifier (:%c) in substitution",
				       (char)op);
		if (op != '-' && op != '+' && op != '?') {
			if (op < 0)
				return fail(lx, "syntax error: missing '}'");
			return err_set(lx->err, 0, "unsupported modifier (:%c) in substitution",
				       (char)op);
		}
	}
	switch (op) {
	case '-':
	case '+':
	case '?':
	case '#':
	case '%':
		ret = process_until(lx, "}", op == '#' || op == '%', &word, &ignored);
		words_release(&ignored);
		if (ret < 0 && peek(lx) < 0)
			return fail(lx, "syntax error: missing '}'");
		if (ret < 0)
			return -1;
		lx->depth--;
		if (!value && (lx->flags & DF_SH_SKIP_UNSET)) {
			buf_addf(out, "${%s%s%c%s}", nm, null_unset ? ":" : "", (char)op,
				 word.data);
			return 0;
		}
		break;
	case '/': {
		bool all = peek(lx) == '/';

		if (all)
			next(lx);
		ret = process_until(lx, "/", true, &word, &ignored);
		words_release(&ignored);
		if (ret < 0 && peek(lx) < 0)
			return fail(lx, "syntax error: missing '/' in ${}");
		if (ret < 0)
			return -1;
		ret = process_until(lx, "}", true, &repl, &ignored);
		words_release(&ignored);
		if (ret < 0 && peek(lx) < 0)
			return fail(lx, "syntax error: missing '}'");
		if (ret < 0)
			return -1;
		lx->depth--;
		if (!value && (lx->flags & DF_SH_SKIP_UNSET)) {
			buf_addf(out, "${%s/%s%s/%s}", nm, all ? "/" : "", word.data, repl.data);
			return 0;
		}
		{
			struct glob g;
			int r = glob_compile(word.data, &g, lx->err);

			if (r == 0)
				replace(value ? value : "", &g, repl.data, all, out);
			glob_release(&g);
			return r;
		}
	}
	default:
		return err_set(lx->err, 0, "unsupported modifier (%c) in substitution", (char)op);
	}
	switch (op) {
	case '-':
		buf_adds(out, !value || (null_unset && !*value) ? word.data : value);
		return 0;
	case '+':
		if (value && !(null_unset && !*value))
			buf_adds(out, word.data);
		return 0;
	case '?':
		if (!value)
			return err_set(lx->err, 0, "%s: %s", nm,
				       word.len ? word.data : "is not allowed to be unset");
		if (null_unset && !*value)
			return err_set(lx->err, 0, "%s: %s", nm,
				       word.len ? word.data : "is not allowed to be empty");
		buf_adds(out, value);
		return 0;
	default: { /* # and %: shortest, ## and %%: longest */
		const char *pat = word.data;
		bool greedy = false;

		if (*pat == op) {
			greedy = true;
			pat++;
		}
		struct glob g;
		int r = glob_compile(pat, &g, lx->err);

		if (r == 0)
			trim(value ? value : "", &g, op == '%', greedy, out);
		glob_release(&g);
		return r;
	}
	}
}

/* Process up to one of stops (consumed; NULL or "" for the end of the
 * text), appending the result to out and the words to w. */
static int process_until_(struct lexer *lx, const char *stops, bool raw_escapes, struct buf *out,
			  struct words *w);

/* The escapes are raw (kept) inside this word as raw_escapes says, quotes
 * included, as buildkit's processStopOn sets it for the word it reads. */
static int process_until(struct lexer *lx, const char *stops, bool raw_escapes, struct buf *out,
			 struct words *w)
{
	unsigned saved = lx->flags;
	int ret;

	lx->flags = raw_escapes ? lx->flags | DF_SH_RAW_ESCAPES : lx->flags & ~DF_SH_RAW_ESCAPES;
	ret = process_until_(lx, stops, raw_escapes, out, w);
	lx->flags = saved;
	return ret;
}

static int process_until_(struct lexer *lx, const char *stops, bool raw_escapes, struct buf *out,
			  struct words *w)
{
	int c;

	while ((c = peek(lx)) >= 0) {
		if (stops && *stops && strchr(stops, c)) {
			next(lx);
			return 0;
		}
		if (c == '$' || ((c == '\'' || c == '"') && !(lx->flags & DF_SH_SKIP_QUOTES))) {
			cleanup_buf struct buf part = BUF_INIT;
			int ret;

			if (c == '\'')
				ret = single_quote(lx, &part);
			else if (c == '"')
				ret = double_quote(lx, &part);
			else
				ret = dollar(lx, &part);
			if (ret < 0)
				return -1;
			buf_add(out, part.data, part.len);
			if (c == '$') {
				for (size_t k = 0; k < part.len; k++)
					words_char(w, part.data[k]);
			} else {
				words_raw(w, part.data, part.len);
			}
			continue;
		}
		if (c == '<' && lx->i + 1 < lx->n && lx->s[lx->i + 1] == '<') {
			/* "<<" and the blanks after it stay in one word: a heredoc's
			 * delimiter may follow them (RUN <<  EOF) */
			size_t start = lx->i;

			lx->i += 2;
			while (peek(lx) == ' ' || peek(lx) == '\t' || peek(lx) == '\r')
				lx->i++;
			buf_add(out, lx->s + start, lx->i - start);
			words_raw(w, lx->s + start, lx->i - start);
			continue;
		}
		c = next(lx);
		if (c == lx->escape) {
			if (raw_escapes) {
				words_raw(w, (char[]){(char)c}, 1);
				buf_addch(out, (char)c);
			}
			c = next(lx);
			if (c < 0)
				break;
			words_raw(w, (char[]){(char)c}, 1);
		} else {
			words_char(w, (char)c);
		}
		buf_addch(out, (char)c);
	}
	if (stops && *stops)
		return err_set(lx->err, 0,
			       "unexpected end of statement while looking for matching %s", stops);
	return 0;
}

static int shell_process(const char *text, const char *const *vars, char escape, unsigned flags,
			 char **result, char ***words, char ***used, struct err **err)
{
	cleanup_buf struct buf out = BUF_INIT;
	struct words w = {.word = BUF_INIT};
	struct err *e = NULL;
	struct lexer lx = {
	    .s = text,
	    .n = strlen(text),
	    .escape = escape,
	    .flags = flags,
	    .vars = vars,
	    .used = used,
	    .err = &e,
	};

	if (process_until(&lx, NULL, flags & DF_SH_RAW_ESCAPES, &out, &w) < 0) {
		words_release(&w);
		err_set(err, 0, "failed to process \"%s\": %s", text, e->msg);
		err_free(e);
		return -1;
	}
	if (w.word.len)
		words_push(&w);
	buf_release(&w.word);
	if (result)
		*result = buf_detach(&out, NULL);
	if (words) {
		if (!w.v)
			w.v = xcalloc(1, sizeof(*w.v));
		*words = w.v;
	} else {
		strv_free(w.v);
	}
	return 0;
}

int df_shell_process(const char *text, const char *const *vars, char escape, unsigned flags,
		     char **result, char ***words, struct err **err)
{
	return shell_process(text, vars, escape, flags, result, words, NULL, err);
}

int df_expand_used(const char *word, const char *const *vars, char escape, char **out, char ***used,
		   struct err **err)
{
	return shell_process(word, vars, escape, 0, out, NULL, used, err);
}

int df_expand(const char *word, const char *const *vars, char escape, char **out, struct err **err)
{
	return df_shell_process(word, vars, escape, 0, out, NULL, err);
}

int df_words(const char *text, const char *const *vars, char escape, char ***out, struct err **err)
{
	return df_shell_process(text, vars, escape, 0, NULL, out, err);
}

int df_expand_heredoc(const char *content, const char *const *vars, char **out, struct err **err)
{
	return df_shell_process(content, vars, '\\', DF_SH_SKIP_QUOTES, out, NULL, err);
}

int df_expand_kvs(const struct df_instr *in, const char *const *vars, char escape, char ***out,
		  struct err **err)
{
	cleanup_strv char **v = xcalloc(in->nkvs + 1, sizeof(*v));

	for (size_t i = 0; i < in->nkvs; i++) {
		cleanup_free char *key = NULL;
		cleanup_free char *value = NULL;

		if (df_expand(in->kvs[i].key, vars, escape, &key, err) < 0)
			return -1;
		if (in->kvs[i].has_value &&
		    df_expand(in->kvs[i].value, vars, escape, &value, err) < 0)
			return -1;
		v[i] = value ? xasprintf("%s=%s", key, value) : steal_pointer(&key);
	}
	*out = steal_pointer(&v);
	return 0;
}
