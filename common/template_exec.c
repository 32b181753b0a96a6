/* template_exec.c: rendering a parsed template (template_tree.h) over cJSON
 * values, and the functions templates call.  Values are borrowed from the
 * data where they can be and owned when a function made them. */
#define _GNU_SOURCE
#include <ctype.h>  /* isalnum */
#include <limits.h> /* INT_MAX, LLONG_MAX */
#include <math.h>   /* floor */
#include <stdarg.h> /* va_list */
#include <stdio.h>  /* snprintf */
#include <stdlib.h> /* qsort */
#include <string.h> /* strlen */

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/template.h"
#include "common/template_tree.h"
#include "common/util.h"

/* ---- values ---- */

/* j is NULL for a missing value; own is set when this val owns j. */
struct val {
	const cJSON *j;
	cJSON *own;
};

static struct val borrowed(const cJSON *j)
{
	return (struct val){j, NULL};
}

static struct val owned(cJSON *j)
{
	return (struct val){j, j};
}

static void val_release(struct val *v)
{
	cJSON_Delete(v->own);
	v->own = NULL;
	v->j = NULL;
}

static int cmp_keys(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

	return strcmp(x->string, y->string);
}

/* An object's members sorted by key (Go ranges and prints maps that way). */
static const cJSON **sorted_members(const cJSON *o, size_t *n)
{
	const cJSON **v = NULL, *c;
	size_t k = 0;

	cJSON_ArrayForEach(c, o)
	{
		v = xrealloc(v, (k + 1) * sizeof(*v));
		v[k++] = c;
	}
	if (k)
		qsort(v, k, sizeof(*v), cmp_keys);
	*n = k;
	return v;
}

static void print_number(struct buf *out, double d)
{
	if (d == floor(d) && d > -1e18 && d < 1e18)
		buf_addf(out, "%lld", (long long)d);
	else
		buf_addf(out, "%g", d);
}

void tmpl_print_value(struct buf *out, const cJSON *v)
{
	if (!v) {
		buf_adds(out, "<no value>");
	} else if (cJSON_IsString(v)) {
		buf_adds(out, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		print_number(out, v->valuedouble);
	} else if (cJSON_IsBool(v)) {
		buf_adds(out, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsArray(v)) {
		const cJSON *c;
		bool first = true;

		buf_addch(out, '[');
		cJSON_ArrayForEach(c, v)
		{
			if (!first)
				buf_addch(out, ' ');
			first = false;
			tmpl_print_value(out, c);
		}
		buf_addch(out, ']');
	} else if (cJSON_IsObject(v)) {
		size_t n, i;
		cleanup_free const cJSON **m = sorted_members(v, &n);

		buf_adds(out, "map[");
		for (i = 0; i < n; i++) {
			if (i)
				buf_addch(out, ' ');
			buf_addf(out, "%s:", m[i]->string);
			tmpl_print_value(out, m[i]);
		}
		buf_addch(out, ']');
	} else {
		buf_adds(out, "<nil>");
	}
}

static char *val_string(const cJSON *v)
{
	struct buf b = BUF_INIT;

	tmpl_print_value(&b, v);
	return buf_detach(&b, NULL);
}

static bool truthy(const cJSON *v)
{
	if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v))
		return false;
	if (cJSON_IsNumber(v))
		return v->valuedouble != 0;
	if (cJSON_IsString(v))
		return *v->valuestring != '\0';
	if (cJSON_IsArray(v) || cJSON_IsObject(v))
		return v->child != NULL;
	return true;
}

static const char *type_name(const cJSON *v)
{
	if (!v || cJSON_IsNull(v))
		return "nil";
	if (cJSON_IsString(v))
		return "string";
	if (cJSON_IsNumber(v))
		return "float64";
	if (cJSON_IsBool(v))
		return "bool";
	if (cJSON_IsArray(v))
		return "[]interface {}";
	return "map[string]interface {}";
}

/* ---- execution ---- */

struct var {
	char *name;
	struct val v;
};

struct state {
	const cJSON *root;
	bool strict;
	struct var *vars;
	size_t n_vars;
	const struct node *node; /* for messages */
	struct buf *out;
	struct err **err;
};

static int exec_fail(struct state *st, const struct term *t, const char *fmt, ...) PRINTF(3, 4);

static int exec_fail(struct state *st, const struct term *t, const char *fmt, ...)
{
	va_list ap;
	cleanup_free char *m = NULL;

	va_start(ap, fmt);
	m = xvasprintf(fmt, ap);
	va_end(ap);
	return err_set(st->err, 0, "template: :%d:%d: executing \"\" at <%s>: %s", st->node->line,
		       st->node->col, t ? t->text : "", m);
}

static void push_var(struct state *st, const char *name, struct val v)
{
	st->vars = xrealloc(st->vars, (st->n_vars + 1) * sizeof(*st->vars));
	st->vars[st->n_vars++] = (struct var){xstrdup(name), v};
}

static void pop_vars(struct state *st, size_t to)
{
	while (st->n_vars > to) {
		st->n_vars--;
		free(st->vars[st->n_vars].name);
		val_release(&st->vars[st->n_vars].v);
	}
}

/* Follow a field chain from v (consumed). */
static int walk_fields(struct state *st, const struct term *t, struct val v, struct val *out)
{
	for (size_t i = 0; t->fields && t->fields[i]; i++) {
		const char *f = t->fields[i];
		const cJSON *c;

		if (!v.j || cJSON_IsNull(v.j)) {
			val_release(&v);
			*out = borrowed(NULL);
			return 0;
		}
		if (!cJSON_IsObject(v.j)) {
			const char *tn = type_name(v.j);
			val_release(&v);
			return exec_fail(st, t, "can't evaluate field %s in type %s", f, tn);
		}
		c = cJSON_GetObjectItemCaseSensitive(v.j, f);
		if (!c && st->strict && v.j == st->root) {
			val_release(&v);
			return exec_fail(st, t, "can't evaluate field %s", f);
		}
		if (v.own) {
			struct val n = c ? owned(cJSON_Duplicate(c, true)) : borrowed(NULL);
			val_release(&v);
			v = n;
		} else {
			v = borrowed(c);
		}
	}
	*out = v;
	return 0;
}

static int exec_pipe(struct state *st, const struct pipe *p, const cJSON *dot, struct val *out);
static int call_func(struct state *st, const struct term *fn, struct val *args, size_t n,
		     struct val *out);

static int eval_term(struct state *st, const struct term *t, const cJSON *dot, struct val *out)
{
	struct val v;
	size_t i;

	switch (t->kind) {
	case T_DOT:
		*out = borrowed(dot);
		return 0;
	case T_FIELD:
		return walk_fields(st, t, borrowed(dot), out);
	case T_VAR:
		if (streq(t->name, "$"))
			return walk_fields(st, t, borrowed(st->root), out);
		for (i = st->n_vars; i-- > 0;)
			if (streq(st->vars[i].name, t->name))
				return walk_fields(st, t, borrowed(st->vars[i].v.j), out);
		return exec_fail(st, t, "undefined variable: %s", t->name);
	case T_STR:
		*out = owned(cJSON_CreateString(t->str));
		return 0;
	case T_NUM:
		*out = owned(cJSON_CreateNumber(t->num));
		return 0;
	case T_BOOL:
		*out = owned(cJSON_CreateBool(t->num != 0));
		return 0;
	case T_NIL:
		*out = owned(cJSON_CreateNull());
		return 0;
	case T_PIPE:
		if (exec_pipe(st, t->pipe, dot, &v) < 0)
			return -1;
		return walk_fields(st, t, v, out);
	case T_FUNC:
		return call_func(st, t, NULL, 0, out);
	}
	return exec_fail(st, t, "bad term");
}

static int exec_cmd(struct state *st, const struct cmd *c, const cJSON *dot, struct val *piped,
		    struct val *out)
{
	struct val *args;
	size_t n = 0, i;
	int ret;

	if (c->args[0].kind != T_FUNC) {
		if (c->n > 1 || piped)
			return exec_fail(st, &c->args[0], "can't give argument to non-function %s",
					 c->args[0].text);
		return eval_term(st, &c->args[0], dot, out);
	}
	args = xcalloc(c->n + 1, sizeof(*args));
	for (i = 1; i < c->n; i++, n++)
		if (eval_term(st, &c->args[i], dot, &args[n]) < 0)
			goto fail;
	if (piped) {
		args[n++] = *piped;
		*piped = borrowed(NULL);
	}
	ret = call_func(st, &c->args[0], args, n, out);
	for (i = 0; i < n; i++)
		val_release(&args[i]);
	free(args);
	return ret;
fail:
	for (i = 0; i < n; i++)
		val_release(&args[i]);
	free(args);
	return -1;
}

static int exec_pipe(struct state *st, const struct pipe *p, const cJSON *dot, struct val *out)
{
	struct val v = borrowed(NULL);
	size_t i;

	for (i = 0; i < p->n; i++) {
		struct val nv;
		if (exec_cmd(st, &p->cmds[i], dot, i ? &v : NULL, &nv) < 0) {
			val_release(&v);
			return -1;
		}
		val_release(&v);
		v = nv;
	}
	*out = v;
	return 0;
}

/* Declare the pipe's variable ({{$x := P}}) or return the value. */
static int exec_list(struct state *st, const struct list *l, const cJSON *dot);

static int exec_node(struct state *st, const struct node *n, const cJSON *dot)
{
	struct val v;
	size_t mark = st->n_vars;
	int ret = 0;

	st->node = n;
	if (n->kind == N_TEXT) {
		buf_adds(st->out, n->text);
		return 0;
	}
	if (exec_pipe(st, n->pipe, dot, &v) < 0)
		return -1;
	switch (n->kind) {
	case N_ACTION:
		if (n->pipe->decl) {
			push_var(st, n->pipe->decl[0], v);
			return 0; /* lives until the enclosing list ends */
		}
		tmpl_print_value(st->out, v.j);
		break;
	case N_IF:
	case N_WITH:
		if (n->pipe->decl)
			push_var(st, n->pipe->decl[0], (struct val){v.j, NULL});
		if (truthy(v.j))
			ret = exec_list(st, &n->body, n->kind == N_WITH ? v.j : dot);
		else
			ret = exec_list(st, &n->alt, dot);
		break;
	case N_RANGE: {
		const char *kvar = NULL, *vvar = NULL;
		size_t count = 0, i;

		if (n->pipe->decl && n->pipe->decl[1]) {
			kvar = n->pipe->decl[0];
			vvar = n->pipe->decl[1];
		} else if (n->pipe->decl) {
			vvar = n->pipe->decl[0];
		}
		if (cJSON_IsArray(v.j)) {
			const cJSON *e;
			i = 0;
			cJSON_ArrayForEach(e, v.j)
			{
				size_t m = st->n_vars;
				if (kvar)
					push_var(st, kvar, owned(cJSON_CreateNumber((double)i)));
				if (vvar)
					push_var(st, vvar, borrowed(e));
				ret = exec_list(st, &n->body, e);
				pop_vars(st, m);
				i++;
				count++;
				if (ret < 0)
					break;
			}
		} else if (cJSON_IsObject(v.j)) {
			cleanup_free const cJSON **m = sorted_members(v.j, &count);
			for (i = 0; i < count && ret == 0; i++) {
				size_t mk = st->n_vars;
				if (kvar)
					push_var(st, kvar, owned(cJSON_CreateString(m[i]->string)));
				if (vvar)
					push_var(st, vvar, borrowed(m[i]));
				ret = exec_list(st, &n->body, m[i]);
				pop_vars(st, mk);
			}
		} else if (v.j && !cJSON_IsNull(v.j)) {
			st->node = n;
			ret = exec_fail(st, &n->pipe->cmds[0].args[0],
					"range can't iterate over %s", type_name(v.j));
		}
		if (ret == 0 && count == 0)
			ret = exec_list(st, &n->alt, dot);
		break;
	}
	case N_TEXT:
		break;
	}
	pop_vars(st, mark);
	val_release(&v);
	return ret;
}

static int exec_list(struct state *st, const struct list *l, const cJSON *dot)
{
	size_t mark = st->n_vars, i;
	int ret = 0;

	for (i = 0; i < l->n && ret == 0; i++)
		ret = exec_node(st, &l->nodes[i], dot);
	pop_vars(st, mark);
	return ret;
}

int tmpl_render(const struct tmpl *t, const cJSON *data, bool strict, struct buf *out,
		struct err **err)
{
	struct state st = {.root = data, .strict = strict, .out = out, .err = err};
	int ret;

	ret = exec_list(&st, &t->root, data);
	pop_vars(&st, 0);
	free(st.vars);
	return ret;
}

/* ---- functions ---- */

static int want_args(struct state *st, const struct term *fn, size_t n, size_t min, size_t max)
{
	if (n < min || n > max)
		return exec_fail(st, fn, "wrong number of args for %s: want %zu got %zu", fn->name,
				 min, n);
	return 0;
}

static bool values_equal(const cJSON *a, const cJSON *b)
{
	if (!a || !b)
		return !a && !b;
	if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
		return a->valuedouble == b->valuedouble;
	if (cJSON_IsString(a) && cJSON_IsString(b))
		return streq(a->valuestring, b->valuestring);
	if (cJSON_IsBool(a) && cJSON_IsBool(b))
		return cJSON_IsTrue(a) == cJSON_IsTrue(b);
	if (cJSON_IsNull(a) && cJSON_IsNull(b))
		return true;
	return false;
}

/* A number argument as an integer within [lo, hi] (NaN is 0): a cast of a
 * double out of the target's range is undefined. */
static long long num_clamp(double d, long long lo, long long hi)
{
	if (d != d)
		return 0;
	if (d <= (double)lo)
		return lo;
	if (d >= (double)hi)
		return hi;
	return (long long)d;
}

/* As Go's fmt: a width or precision above this is no number but a broken
 * format ("%!(NOVERB)", the rest of the format unread). */
#define GO_FMT_NUM_MAX 1000000

/* Read the digits at *f and append their number (at most GO_FMT_NUM_MAX:
 * 7 digits, whatever leading zeros the text had) to spec; false when the
 * number is too large. */
static bool fmt_num(const char **f, char *spec, size_t *sl)
{
	long n = 0;
	bool any = false;

	for (; isdigit((unsigned char)**f); (*f)++) {
		if (n > GO_FMT_NUM_MAX)
			return false;
		n = n * 10 + (**f - '0');
		any = true;
	}
	if (n > GO_FMT_NUM_MAX)
		return false;
	if (any)
		*sl += (size_t)sprintf(spec + *sl, "%ld", n);
	return true;
}

/* Go's fmt verbs for printf: %s %v %d %q %t %x %X %f %g %e %% with flags,
 * width and precision. */
static void go_printf(struct buf *out, const char *f, struct val *args, size_t n)
{
	size_t ai = 0;

	for (; *f; f++) {
		char spec[32], verb;
		size_t sl = 0;
		const cJSON *a;

		if (*f != '%') {
			buf_addch(out, *f);
			continue;
		}
		spec[sl++] = '%';
		f++;
		while (*f && strchr("-+# 0", *f) && sl < 8)
			spec[sl++] = *f++;
		while (*f && strchr("-+# 0", *f))
			f++; /* repeated flags mean no more */
		if (!fmt_num(&f, spec, &sl)) {
			buf_adds(out, "%!(NOVERB)");
			return;
		}
		if (*f == '.') {
			spec[sl++] = *f++;
			if (!fmt_num(&f, spec, &sl)) {
				buf_adds(out, "%!(NOVERB)");
				return;
			}
		}
		verb = *f;
		if (!verb)
			break;
		if (verb == '%') {
			buf_addch(out, '%');
			continue;
		}
		if (ai >= n) {
			buf_addf(out, "%%!%c(MISSING)", verb);
			continue;
		}
		a = args[ai++].j;
		spec[sl] = '\0';
		if (verb == 'd' || ((verb == 'x' || verb == 'X') && cJSON_IsNumber(a))) {
			char s2[40];
			snprintf(s2, sizeof(s2), "%sll%c", spec, verb == 'd' ? 'd' : verb);
			buf_addf(out, s2,
				 cJSON_IsNumber(a) ? num_clamp(a->valuedouble, LLONG_MIN, LLONG_MAX)
						   : 0LL);
		} else if (strchr("feEgG", verb)) {
			char s2[40];
			snprintf(s2, sizeof(s2), "%s%c", spec, verb);
			buf_addf(out, s2, cJSON_IsNumber(a) ? a->valuedouble : 0.0);
		} else {
			cleanup_free char *s = NULL;
			char s2[40];

			if (verb == 'q') {
				cleanup_json cJSON *q =
				    cJSON_CreateString(cJSON_IsString(a) ? a->valuestring : "");
				if (cJSON_IsString(a))
					s = cJSON_PrintUnformatted(q);
				else
					s = val_string(a);
			} else if (verb == 'x' || verb == 'X') {
				struct buf hx = BUF_INIT;
				cleanup_free char *raw = val_string(a);
				for (const char *p = raw; *p; p++)
					buf_addf(&hx, verb == 'x' ? "%02x" : "%02X",
						 (unsigned char)*p);
				s = buf_detach(&hx, NULL);
			} else {
				s = val_string(a);
			}
			snprintf(s2, sizeof(s2), "%ss", spec);
			buf_addf(out, s2, s);
		}
	}
}

static int call_func(struct state *st, const struct term *fn, struct val *args, size_t n,
		     struct val *out)
{
	const char *name = fn->name;
	size_t i;

	if (streq(name, "json")) {
		if (want_args(st, fn, n, 1, 1) < 0)
			return -1;
		cleanup_free char *s = args[0].j ? cJSON_PrintUnformatted(args[0].j) : NULL;
		*out = owned(cJSON_CreateString(s ? s : "null"));
		return 0;
	}
	if (streq(name, "index")) {
		struct val v;
		if (n < 1)
			return want_args(st, fn, n, 1, 1);
		v = borrowed(args[0].j);
		for (i = 1; i < n; i++) {
			const cJSON *k = args[i].j;
			if (cJSON_IsObject(v.j) && cJSON_IsString(k)) {
				v = borrowed(cJSON_GetObjectItemCaseSensitive(v.j, k->valuestring));
			} else if (cJSON_IsArray(v.j) && cJSON_IsNumber(k)) {
				int idx = (int)num_clamp(k->valuedouble, -1, INT_MAX);
				if (idx < 0 || idx >= cJSON_GetArraySize(v.j))
					return exec_fail(st, fn,
							 "error calling index: index out of "
							 "range: %d",
							 idx);
				v = borrowed(cJSON_GetArrayItem(v.j, idx));
			} else if (!v.j || cJSON_IsNull(v.j)) {
				v = borrowed(NULL);
			} else {
				return exec_fail(st, fn,
						 "error calling index: can't index item of type %s",
						 type_name(v.j));
			}
		}
		/* the result may live in an argument this call releases */
		*out = v.j ? owned(cJSON_Duplicate(v.j, true)) : borrowed(NULL);
		return 0;
	}
	if (streq(name, "join")) {
		struct buf b = BUF_INIT;
		const cJSON *e;
		bool first = true;

		if (want_args(st, fn, n, 2, 2) < 0)
			return -1;
		if (!cJSON_IsArray(args[0].j) && args[0].j && !cJSON_IsNull(args[0].j))
			return exec_fail(st, fn, "error calling join: can't join %s",
					 type_name(args[0].j));
		cleanup_free char *sep = val_string(args[1].j);
		cJSON_ArrayForEach(e, args[0].j)
		{
			if (!first)
				buf_adds(&b, sep);
			first = false;
			tmpl_print_value(&b, e);
		}
		cleanup_free char *s = buf_detach(&b, NULL);
		*out = owned(cJSON_CreateString(s));
		return 0;
	}
	if (streq(name, "lower") || streq(name, "upper") || streq(name, "title")) {
		if (want_args(st, fn, n, 1, 1) < 0)
			return -1;
		cleanup_free char *s = val_string(args[0].j);
		bool start = true;
		for (char *p = s; *p; p++) {
			if (name[0] == 'l')
				*p = (char)tolower((unsigned char)*p);
			else if (name[0] == 'u' || start)
				*p = (char)toupper((unsigned char)*p);
			start = !isalnum((unsigned char)*p);
		}
		*out = owned(cJSON_CreateString(s));
		return 0;
	}
	if (streq(name, "split")) {
		cJSON *arr;
		if (want_args(st, fn, n, 2, 2) < 0)
			return -1;
		cleanup_free char *s = val_string(args[0].j);
		cleanup_free char *sep = val_string(args[1].j);
		arr = cJSON_CreateArray();
		if (!*sep) {
			for (char *p = s; *p; p++) {
				char one[2] = {*p, 0};
				cJSON_AddItemToArray(arr, cJSON_CreateString(one));
			}
		} else {
			char *p = s, *q;
			while ((q = strstr(p, sep))) {
				*q = '\0';
				cJSON_AddItemToArray(arr, cJSON_CreateString(p));
				p = q + strlen(sep);
			}
			cJSON_AddItemToArray(arr, cJSON_CreateString(p));
		}
		*out = owned(arr);
		return 0;
	}
	if (streq(name, "len")) {
		double len;
		if (want_args(st, fn, n, 1, 1) < 0)
			return -1;
		if (cJSON_IsString(args[0].j))
			len = (double)strlen(args[0].j->valuestring);
		else if (cJSON_IsArray(args[0].j) || cJSON_IsObject(args[0].j))
			len = cJSON_GetArraySize(args[0].j);
		else
			return exec_fail(st, fn, "error calling len: len of type %s",
					 type_name(args[0].j));
		*out = owned(cJSON_CreateNumber(len));
		return 0;
	}
	if (streq(name, "printf") || streq(name, "print") || streq(name, "println")) {
		struct buf b = BUF_INIT;

		if (name[5] == 'f') {
			if (n < 1)
				return want_args(st, fn, n, 1, 1);
			cleanup_free char *f = val_string(args[0].j);
			go_printf(&b, f, args + 1, n - 1);
		} else {
			for (i = 0; i < n; i++) {
				bool str = cJSON_IsString(args[i].j);
				/* Sprint spaces operands when neither is a string */
				if (i &&
				    (name[5] == 'l' || (!str && !cJSON_IsString(args[i - 1].j))))
					buf_addch(&b, ' ');
				tmpl_print_value(&b, args[i].j);
			}
			if (name[5] == 'l')
				buf_addch(&b, '\n');
		}
		cleanup_free char *s = buf_detach(&b, NULL);
		*out = owned(cJSON_CreateString(s));
		return 0;
	}
	if (streq(name, "truncate")) {
		if (want_args(st, fn, n, 2, 2) < 0)
			return -1;
		cleanup_free char *s = val_string(args[0].j);
		size_t max = cJSON_IsNumber(args[1].j)
				 ? (size_t)num_clamp(args[1].j->valuedouble, 0, LLONG_MAX)
				 : 0,
		       k = 0;
		char *p = s;
		for (; *p; p++)
			if (((unsigned char)*p & 0xC0) != 0x80 && k++ == max)
				break;
		*p = '\0';
		*out = owned(cJSON_CreateString(s));
		return 0;
	}
	if (streq(name, "pad")) {
		if (want_args(st, fn, n, 3, 3) < 0)
			return -1;
		cleanup_free char *s = val_string(args[0].j);
		/* docker's pad repeats spaces: a negative count is none here, and
		 * counts are capped as printf's width is */
		int l = cJSON_IsNumber(args[1].j)
			    ? (int)num_clamp(args[1].j->valuedouble, 0, GO_FMT_NUM_MAX)
			    : 0;
		int r = cJSON_IsNumber(args[2].j)
			    ? (int)num_clamp(args[2].j->valuedouble, 0, GO_FMT_NUM_MAX)
			    : 0;
		cleanup_free char *p = xasprintf("%*s%s%*s", l, "", s, r, "");
		*out = owned(cJSON_CreateString(p));
		return 0;
	}
	if (streq(name, "eq") || streq(name, "ne")) {
		bool eq = false;
		if (n < 2)
			return want_args(st, fn, n, 2, 2);
		if (streq(name, "ne") && n != 2)
			return want_args(st, fn, n, 2, 2);
		for (i = 1; i < n; i++)
			if (values_equal(args[0].j, args[i].j))
				eq = true;
		*out = owned(cJSON_CreateBool(name[0] == 'e' ? eq : !eq));
		return 0;
	}
	if (streq(name, "lt") || streq(name, "le") || streq(name, "gt") || streq(name, "ge")) {
		const cJSON *a, *b;
		int cmp;

		if (want_args(st, fn, n, 2, 2) < 0)
			return -1;
		a = args[0].j;
		b = args[1].j;
		if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
			cmp =
			    a->valuedouble < b->valuedouble ? -1 : a->valuedouble > b->valuedouble;
		else if (cJSON_IsString(a) && cJSON_IsString(b))
			cmp = strcmp(a->valuestring, b->valuestring);
		else
			return exec_fail(
			    st, fn, "error calling %s: incompatible types for comparison", name);
		*out =
		    owned(cJSON_CreateBool(name[0] == 'l' ? (name[1] == 't' ? cmp < 0 : cmp <= 0)
							  : (name[1] == 't' ? cmp > 0 : cmp >= 0)));
		return 0;
	}
	if (streq(name, "not")) {
		if (want_args(st, fn, n, 1, 1) < 0)
			return -1;
		*out = owned(cJSON_CreateBool(!truthy(args[0].j)));
		return 0;
	}
	if (streq(name, "and") || streq(name, "or")) {
		bool want = name[0] == 'o';
		if (n < 1)
			return want_args(st, fn, n, 1, 1);
		for (i = 0; i + 1 < n; i++)
			if (truthy(args[i].j) == want)
				break;
		*out = args[i].j ? owned(cJSON_Duplicate(args[i].j, true)) : borrowed(NULL);
		return 0;
	}
	return exec_fail(st, fn, "function \"%s\" not defined", name);
}
