/* template.c: a Go text/template subset over cJSON (see template.h): the
 * parser.  A template is parsed once into a node tree (text, actions,
 * if/with/range with their bodies, template_tree.h) that template_exec.c
 * walks per row. */
#define _GNU_SOURCE
#include <ctype.h>  /* isalnum */
#include <stdio.h>  /* snprintf */
#include <stdlib.h> /* strtod */
#include <string.h> /* strlen */

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/template.h"
#include "common/template_tree.h"
#include "common/util.h"

static void pipe_free(struct pipe *p);

static void term_release(struct term *t)
{
	free(t->name);
	strv_free(t->fields);
	free(t->str);
	free(t->text);
	pipe_free(t->pipe);
}

static void pipe_free(struct pipe *p)
{
	size_t i, j;

	if (!p)
		return;
	strv_free(p->decl);
	for (i = 0; i < p->n; i++) {
		for (j = 0; j < p->cmds[i].n; j++)
			term_release(&p->cmds[i].args[j]);
		free(p->cmds[i].args);
	}
	free(p->cmds);
	free(p);
}

static void list_release(struct list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->nodes[i].text);
		pipe_free(l->nodes[i].pipe);
		list_release(&l->nodes[i].body);
		list_release(&l->nodes[i].alt);
	}
	free(l->nodes);
	l->nodes = NULL;
	l->n = 0;
}

void tmpl_free(struct tmpl *t)
{
	if (!t)
		return;
	list_release(&t->root);
	free(t);
}

void cleanup_tmplp(struct tmpl **t)
{
	tmpl_free(*t);
	*t = NULL;
}

/* ---- lexing: the template into text and action items ---- */

struct item {
	bool action;
	char *s;
	int line, col;
};

struct parser {
	struct item *items;
	size_t n, pos;
	struct err **err;
};

static int parse_fail(struct parser *ps, int line, const char *msg)
{
	return err_set(ps->err, 0, "template: :%d: %s", line, msg);
}

static void add_item(struct parser *ps, bool action, const char *s, size_t len, int line, int col)
{
	ps->items = xrealloc(ps->items, (ps->n + 1) * sizeof(*ps->items));
	ps->items[ps->n++] = (struct item){action, xstrndup(s, len), line, col};
}

static int count_lines(const char *s, const char *end, int line)
{
	for (; s < end; s++)
		if (*s == '\n')
			line++;
	return line;
}

static int lex(struct parser *ps, const char *text)
{
	const char *p = text;
	int line = 1;
	bool trim_next = false;

	while (*p) {
		const char *open = strstr(p, "{{"), *a, *z, *q, *ls;
		size_t tlen = open ? (size_t)(open - p) : strlen(p);
		bool trim_prev;

		if (trim_next)
			while (tlen && isspace((unsigned char)*p)) {
				line = count_lines(p, p + 1, line);
				p++;
				tlen--;
			}
		trim_prev = open && open[2] == '-' && isspace((unsigned char)open[3]);
		{
			size_t keep = tlen;
			if (trim_prev)
				while (keep && isspace((unsigned char)p[keep - 1]))
					keep--;
			if (keep)
				add_item(ps, false, p, keep, line, 0);
		}
		if (!open)
			break;
		line = count_lines(p, open, line);
		a = open + 2 + (trim_prev ? 2 : 0);
		/* find the closing braces outside quotes */
		for (q = a; *q; q++) {
			if (*q == '"' || *q == '`') {
				char quote = *q;
				for (q++; *q && *q != quote; q++)
					if (quote == '"' && *q == '\\' && q[1])
						q++;
				if (!*q)
					break;
			} else if (q[0] == '}' && q[1] == '}') {
				break;
			}
		}
		if (!*q)
			return parse_fail(ps, line, "unclosed action");
		z = q;
		trim_next = z - a >= 2 && z[-1] == '-' && isspace((unsigned char)z[-2]);
		if (trim_next)
			z -= 2;
		for (ls = open; ls > text && ls[-1] != '\n'; ls--)
			;
		while (a < z && isspace((unsigned char)*a))
			a++;
		while (z > a && isspace((unsigned char)z[-1]))
			z--;
		if (z - a >= 4 && str_has_prefix(a, "/*") && z[-1] == '/' && z[-2] == '*') {
			/* comment */
		} else {
			add_item(ps, true, a, (size_t)(z - a), line, (int)(open - ls) + 2);
		}
		line = count_lines(open, q, line);
		p = q + 2;
	}
	return 0;
}

/* ---- parsing one action's pipeline ---- */

struct cursor {
	const char *s;
	struct parser *ps;
	int line;
};

static void skip_space(struct cursor *c)
{
	while (isspace((unsigned char)*c->s))
		c->s++;
}

static bool ident_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_';
}

static const char *const funcs[] = {"json",  "index", "join",   "lower", "upper",   "title",
				    "split", "len",   "printf", "print", "println", "truncate",
				    "pad",   "eq",    "ne",     "lt",    "le",      "gt",
				    "ge",    "not",   "and",    "or",    NULL};

static bool is_func(const char *name)
{
	for (size_t i = 0; funcs[i]; i++)
		if (streq(funcs[i], name))
			return true;
	return false;
}

static struct pipe *parse_pipe(struct cursor *c, bool in_paren);

/* .A.B after a term */
static void parse_fields(struct cursor *c, char ***fields)
{
	while (c->s[0] == '.' && ident_char(c->s[1])) {
		const char *b = ++c->s;
		while (ident_char(*c->s))
			c->s++;
		cleanup_free char *f = xstrndup(b, (size_t)(c->s - b));
		strv_push(fields, f);
	}
}

static int parse_string(struct cursor *c, struct term *t)
{
	struct buf b = BUF_INIT;
	char quote = *c->s++;

	for (; *c->s && *c->s != quote; c->s++) {
		if (quote == '"' && *c->s == '\\') {
			char e = *++c->s;
			buf_addch(&b, e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e);
			if (!e)
				break;
			continue;
		}
		buf_addch(&b, *c->s);
	}
	if (*c->s != quote) {
		buf_release(&b);
		return parse_fail(c->ps, c->line, "unterminated quoted string");
	}
	c->s++;
	t->kind = T_STR;
	t->str = buf_detach(&b, NULL);
	return 0;
}

static int parse_term(struct cursor *c, struct term *t)
{
	const char *start = c->s;

	memset(t, 0, sizeof(*t));
	if (*c->s == '.') {
		if (ident_char(c->s[1])) {
			t->kind = T_FIELD;
			parse_fields(c, &t->fields);
		} else {
			t->kind = T_DOT;
			c->s++;
		}
	} else if (*c->s == '$') {
		const char *b = c->s++;
		while (ident_char(*c->s))
			c->s++;
		t->kind = T_VAR;
		t->name = xstrndup(b, (size_t)(c->s - b));
		parse_fields(c, &t->fields);
	} else if (*c->s == '"' || *c->s == '`') {
		if (parse_string(c, t) < 0)
			return -1;
	} else if (isdigit((unsigned char)*c->s) ||
		   (*c->s == '-' && isdigit((unsigned char)c->s[1]))) {
		char *end;
		t->kind = T_NUM;
		t->num = strtod(c->s, &end);
		c->s = end;
	} else if (*c->s == '(') {
		c->s++;
		t->kind = T_PIPE;
		t->pipe = parse_pipe(c, true);
		if (!t->pipe)
			return -1;
		if (*c->s != ')')
			return parse_fail(c->ps, c->line, "unclosed left paren");
		c->s++;
		parse_fields(c, &t->fields);
	} else if (ident_char(*c->s)) {
		const char *b = c->s;
		while (ident_char(*c->s))
			c->s++;
		t->name = xstrndup(b, (size_t)(c->s - b));
		if (streq(t->name, "true") || streq(t->name, "false")) {
			t->kind = T_BOOL;
			t->num = streq(t->name, "true");
		} else if (streq(t->name, "nil")) {
			t->kind = T_NIL;
		} else if (is_func(t->name)) {
			t->kind = T_FUNC;
		} else {
			cleanup_free char *m = xasprintf("function \"%s\" not defined", t->name);
			return parse_fail(c->ps, c->line, m);
		}
	} else {
		cleanup_free char *m = xasprintf("unexpected \"%c\" in command", *c->s);
		return parse_fail(c->ps, c->line, m);
	}
	if (*c->s && !isspace((unsigned char)*c->s) && *c->s != '|' && *c->s != ')' &&
	    *c->s != ',') {
		cleanup_free char *m = xasprintf("unexpected \"%c\" in operand", *c->s);
		term_release(t);
		memset(t, 0, sizeof(*t));
		return parse_fail(c->ps, c->line, m);
	}
	t->text = xstrndup(start, (size_t)(c->s - start));
	return 0;
}

/* [$a[, $b] :=] cmd [| cmd]... */
static struct pipe *parse_pipe(struct cursor *c, bool in_paren)
{
	struct pipe *p = xcalloc(1, sizeof(*p));
	const char *save;

	skip_space(c);
	save = c->s;
	while (*c->s == '$') {
		const char *b = c->s++;
		while (ident_char(*c->s))
			c->s++;
		cleanup_free char *v = xstrndup(b, (size_t)(c->s - b));
		skip_space(c);
		if (*c->s == ',') {
			c->s++;
			skip_space(c);
			strv_push(&p->decl, v);
			continue;
		}
		if (c->s[0] == ':' && c->s[1] == '=') {
			c->s += 2;
			strv_push(&p->decl, v);
			break;
		}
		/* not a declaration after all */
		strv_free(p->decl);
		p->decl = NULL;
		c->s = save;
		break;
	}
	for (;;) {
		struct cmd cmd = {NULL, 0};

		skip_space(c);
		while (*c->s && *c->s != '|' && *c->s != ')') {
			cmd.args = xrealloc(cmd.args, (cmd.n + 1) * sizeof(*cmd.args));
			if (parse_term(c, &cmd.args[cmd.n]) < 0) {
				for (size_t i = 0; i <= cmd.n; i++)
					term_release(&cmd.args[i]);
				free(cmd.args);
				pipe_free(p);
				return NULL;
			}
			cmd.n++;
			skip_space(c);
		}
		if (!cmd.n) {
			pipe_free(p);
			parse_fail(c->ps, c->line, "missing value for command");
			return NULL;
		}
		p->cmds = xrealloc(p->cmds, (p->n + 1) * sizeof(*p->cmds));
		p->cmds[p->n++] = cmd;
		if (*c->s != '|')
			break;
		c->s++;
	}
	if (*c->s == ')' && !in_paren) {
		pipe_free(p);
		parse_fail(c->ps, c->line, "unexpected right paren");
		return NULL;
	}
	return p;
}

static struct pipe *parse_action_pipe(struct parser *ps, const struct item *it, const char *s)
{
	struct cursor c = {s, ps, it->line};
	struct pipe *p = parse_pipe(&c, false);

	if (p && *c.s) {
		pipe_free(p);
		parse_fail(ps, it->line, "unexpected input in action");
		return NULL;
	}
	return p;
}

/* ---- parsing the item list into a tree ---- */

enum stop { STOP_EOF, STOP_END, STOP_ELSE, STOP_ELSE_IF };

static bool keyword(const char *s, const char *kw, const char **rest)
{
	size_t n = strlen(kw);

	if (strncmp(s, kw, n) || (s[n] && !isspace((unsigned char)s[n])))
		return false;
	*rest = s + n;
	return true;
}

static struct node *add_node(struct list *l, enum node_kind kind, const struct item *it)
{
	l->nodes = xrealloc(l->nodes, (l->n + 1) * sizeof(*l->nodes));
	memset(&l->nodes[l->n], 0, sizeof(l->nodes[l->n]));
	l->nodes[l->n].kind = kind;
	l->nodes[l->n].line = it->line;
	l->nodes[l->n].col = it->col;
	return &l->nodes[l->n++];
}

/* Parse items into l until {{end}}/{{else}}; *stop says which (and for
 * "else if", *rest points after "if"). */
static int parse_list(struct parser *ps, struct list *l, enum stop *stop, const char **rest);

static int parse_control(struct parser *ps, struct list *l, const struct item *it,
			 enum node_kind kind, const char *args)
{
	struct node *n = add_node(l, kind, it);
	enum stop stop;
	const char *rest = NULL;

	if (!*args || !(n->pipe = parse_action_pipe(ps, it, args)))
		return *args ? -1 : parse_fail(ps, it->line, "missing value for command");
	if (parse_list(ps, &n->body, &stop, &rest) < 0)
		return -1;
	if (stop == STOP_EOF)
		return parse_fail(ps, it->line, "unexpected EOF");
	if (stop == STOP_ELSE_IF) {
		/* {{else if P}} is {{else}}{{if P}}...{{end}}{{end}} sharing the end */
		return parse_control(ps, &n->alt, &ps->items[ps->pos - 1], N_IF, rest);
	}
	if (stop == STOP_ELSE) {
		if (parse_list(ps, &n->alt, &stop, &rest) < 0)
			return -1;
		if (stop != STOP_END)
			return parse_fail(ps, it->line,
					  stop == STOP_EOF ? "unexpected EOF"
							   : "expected end; found {{else}}");
	}
	return 0;
}

static int parse_list(struct parser *ps, struct list *l, enum stop *stop, const char **rest)
{
	while (ps->pos < ps->n) {
		const struct item *it = &ps->items[ps->pos++];
		const char *args;

		if (!it->action) {
			add_node(l, N_TEXT, it)->text = xstrdup(it->s);
			continue;
		}
		if (!*it->s)
			return parse_fail(ps, it->line, "missing value for command");
		if (keyword(it->s, "end", &args)) {
			*stop = STOP_END;
			return 0;
		}
		if (keyword(it->s, "else", &args)) {
			while (isspace((unsigned char)*args))
				args++;
			if (keyword(args, "if", rest)) {
				while (isspace((unsigned char)**rest))
					(*rest)++;
				*stop = STOP_ELSE_IF;
			} else {
				*stop = STOP_ELSE;
			}
			return 0;
		}
		if (keyword(it->s, "if", &args)) {
			if (parse_control(ps, l, it, N_IF, args + strspn(args, " \t\n")) < 0)
				return -1;
		} else if (keyword(it->s, "with", &args)) {
			if (parse_control(ps, l, it, N_WITH, args + strspn(args, " \t\n")) < 0)
				return -1;
		} else if (keyword(it->s, "range", &args)) {
			if (parse_control(ps, l, it, N_RANGE, args + strspn(args, " \t\n")) < 0)
				return -1;
		} else {
			struct node *n = add_node(l, N_ACTION, it);
			if (!(n->pipe = parse_action_pipe(ps, it, it->s)))
				return -1;
		}
	}
	*stop = STOP_EOF;
	return 0;
}

struct tmpl *tmpl_parse(const char *text, struct err **err)
{
	struct parser ps = {.err = err};
	struct tmpl *t = xcalloc(1, sizeof(*t));
	enum stop stop;
	const char *rest;
	int ret;

	ret = lex(&ps, text);
	if (ret == 0)
		ret = parse_list(&ps, &t->root, &stop, &rest);
	if (ret == 0 && stop != STOP_EOF) {
		const struct item *it = &ps.items[ps.pos - 1];
		cleanup_free char *m = xasprintf("unexpected {{%s}}", it->s);
		ret = parse_fail(&ps, it->line, m);
	}
	for (size_t i = 0; i < ps.n; i++)
		free(ps.items[i].s);
	free(ps.items);
	if (ret < 0) {
		tmpl_free(t);
		return NULL;
	}
	return t;
}
