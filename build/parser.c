/* parser.c: a Dockerfile's text -> instructions and stages, with docker's
 * rules (buildkit's frontend/dockerfile parser and instructions packages):
 * each instruction's argument forms, its flags, its heredocs, and the
 * checks that can be made before anything runs.  Nothing is expanded here
 * (expand.c does that, with the values the executor has at each step). */
#define _GNU_SOURCE
#include <ctype.h>   /* tolower */
#include <errno.h>   /* ERANGE */
#include <math.h>    /* isfinite */
#include <stdarg.h>  /* va_list */
#include <stdint.h>  /* INT32_MAX */
#include <stdlib.h>  /* free */
#include <string.h>  /* strlen */
#include <strings.h> /* strcasecmp */

#include "build/df_internal.h"
#include "build/dockerfile.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/util.h"

static const char *const kind_names[] = {
    [DF_FROM] = "FROM",
    [DF_RUN] = "RUN",
    [DF_CMD] = "CMD",
    [DF_ENTRYPOINT] = "ENTRYPOINT",
    [DF_WORKDIR] = "WORKDIR",
    [DF_ENV] = "ENV",
    [DF_ARG] = "ARG",
    [DF_LABEL] = "LABEL",
    [DF_MAINTAINER] = "MAINTAINER",
    [DF_EXPOSE] = "EXPOSE",
    [DF_VOLUME] = "VOLUME",
    [DF_USER] = "USER",
    [DF_SHELL] = "SHELL",
    [DF_STOPSIGNAL] = "STOPSIGNAL",
    [DF_HEALTHCHECK] = "HEALTHCHECK",
    [DF_ONBUILD] = "ONBUILD",
    [DF_COPY] = "COPY",
    [DF_ADD] = "ADD",
};

const char *df_kind_name(enum df_kind k)
{
	if ((size_t)k >= ARRAY_SIZE(kind_names) || !kind_names[k])
		return "?";
	return kind_names[k];
}

static int kind_lookup(const char *word, enum df_kind *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(kind_names); i++) {
		if (kind_names[i] && strcasecmp(word, kind_names[i]) == 0) {
			*out = (enum df_kind)i;
			return 0;
		}
	}
	return -1;
}

/* ---- instructions ---- */

static void heredoc_release(struct df_heredoc *h)
{
	free(h->name);
	free(h->content);
}

static void instr_release(struct df_instr *in)
{
	free(in->original);
	for (size_t i = 0; i < in->nflags; i++) {
		free(in->flags[i].name);
		free(in->flags[i].value);
	}
	free(in->flags);
	for (size_t i = 0; i < in->nargs; i++)
		free(in->args[i]);
	free(in->args);
	for (size_t i = 0; i < in->nkvs; i++) {
		free(in->kvs[i].key);
		free(in->kvs[i].value);
	}
	free(in->kvs);
	for (size_t i = 0; i < in->nheredocs; i++)
		heredoc_release(&in->heredocs[i]);
	free(in->heredocs);
	free(in->health);
	if (in->onbuild) {
		instr_release(in->onbuild);
		free(in->onbuild);
	}
	memset(in, 0, sizeof(*in));
}

void dockerfile_free(struct dockerfile *df)
{
	if (!df)
		return;
	for (size_t i = 0; i < df->ninstrs; i++)
		instr_release(&df->instrs[i]);
	free(df->instrs);
	for (size_t i = 0; i < df->nstages; i++)
		free(df->stages[i].name);
	free(df->stages);
	free(df->syntax);
	free(df);
}

struct parser {
	const char *name;
	struct df_lexer lx;
	struct err **err;
};

static int perr(struct parser *p, int line, const char *fmt, ...) PRINTF(3, 4);
static int perr(struct parser *p, int line, const char *fmt, ...)
{
	cleanup_free char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	return err_set(p->err, 0, "%s:%d: %s", p->name, line, msg);
}

static void add_arg(struct df_instr *in, const char *s)
{
	in->args = xrealloc(in->args, (in->nargs + 1) * sizeof(*in->args));
	in->args[in->nargs++] = xstrdup(s);
}

static void add_args(struct df_instr *in, char **v)
{
	for (; v && *v; v++)
		add_arg(in, *v);
}

static void add_kv(struct df_instr *in, const char *key, size_t klen, const char *value,
		   bool has_value)
{
	struct df_kv *kv;

	in->kvs = xrealloc(in->kvs, (in->nkvs + 1) * sizeof(*in->kvs));
	kv = &in->kvs[in->nkvs++];
	kv->key = xstrndup(key, klen);
	kv->value = has_value ? xstrdup(value) : NULL;
	kv->has_value = has_value;
}

static char *trim_dup(const char *s)
{
	size_t n = strlen(s);

	while (*s && df_is_space((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && df_is_space((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n);
}

/* Does a string of the JSON text s hold a raw control character?  JSON
 * (and docker's Go decoder) refuses them; cJSON takes them. */
static bool raw_control_in_string(const char *s)
{
	bool in = false;

	for (; *s; s++) {
		if (in && (unsigned char)*s < 0x20)
			return true;
		if (in && *s == '\\' && s[1])
			s++;
		else if (*s == '"')
			in = !in;
	}
	return false;
}

/* The JSON (exec) form: 1 when rest is a JSON array of strings (args
 * set), 0 when it is not JSON (the shell form applies), -1 when it is a
 * JSON array holding something else. */
static int json_form(struct parser *p, int line, struct df_instr *in, const char *rest)
{
	cleanup_json cJSON *doc = NULL;
	const cJSON *el;

	while (*rest && df_is_space((unsigned char)*rest))
		rest++;
	if (*rest != '[' || raw_control_in_string(rest))
		return 0;
	doc = json_parse(rest, strlen(rest), NULL, NULL);
	if (!doc || !cJSON_IsArray(doc))
		return 0;
	cJSON_ArrayForEach(el, doc)
	{
		if (!cJSON_IsString(el) || !el->valuestring)
			return perr(p, line,
				    "when using JSON array syntax, arrays must be "
				    "comprised of strings only");
	}
	cJSON_ArrayForEach(el, doc)
	{
		add_arg(in, el->valuestring);
	}
	in->json = true;
	return 1;
}

/* RUN, CMD, ENTRYPOINT, SHELL: JSON, or the rest as one string. */
static int maybe_json(struct parser *p, int line, struct df_instr *in, const char *rest)
{
	int ret;

	if (!*rest)
		return 0;
	ret = json_form(p, line, in, rest);
	if (ret != 0)
		return ret < 0 ? -1 : 0;
	add_arg(in, rest);
	return 0;
}

/* COPY, ADD, VOLUME: JSON, or the words. */
static int maybe_json_list(struct parser *p, int line, struct df_instr *in, const char *rest)
{
	cleanup_strv char **w = NULL;
	int ret = json_form(p, line, in, rest);

	if (ret != 0)
		return ret < 0 ? -1 : 0;
	w = df_split_blanks(rest);
	add_args(in, w);
	return 0;
}

/* ENV and LABEL: `KEY VALUE...` or `K=V K2="V 2"...` (values as written). */
static int name_val(struct parser *p, int line, struct df_instr *in, const char *rest)
{
	const char *what = df_kind_name(in->kind);
	cleanup_strv char **words = df_parse_words(rest, p->lx.escape);

	if (!words[0])
		return perr(p, line, "%s requires at least one argument", what);
	if (!strchr(words[0], '=')) {
		const char *k = rest, *v = rest;

		while (*v && !df_is_space((unsigned char)*v) && *v != '\n')
			v++;
		if (!*v)
			return perr(p, line, "%s must have two arguments", what);
		k = rest;
		{
			size_t klen = (size_t)(v - k);

			while (*v == ' ' || *v == '\t' || *v == '\v' || *v == '\f' || *v == '\r')
				v++;
			add_kv(in, k, klen, v, true);
		}
	} else {
		for (char **w = words; *w; w++) {
			const char *eq = strchr(*w, '=');

			if (!eq)
				return perr(p, line,
					    "syntax error - can't find = in \"%s\"; must be of the "
					    "form: name=value",
					    *w);
			add_kv(in, *w, (size_t)(eq - *w), eq + 1, true);
		}
	}
	for (size_t i = 0; i < in->nkvs; i++)
		if (!in->kvs[i].key[0])
			return perr(p, line, "%s names can not be blank", what);
	return 0;
}

/* ARG NAME[=DEFAULT]... */
static int arg_form(struct parser *p, int line, struct df_instr *in, const char *rest)
{
	cleanup_strv char **words = df_parse_words(rest, p->lx.escape);

	if (!words[0])
		return perr(p, line, "ARG requires at least one argument");
	for (char **w = words; *w; w++) {
		const char *eq = strchr(*w, '=');

		add_kv(in, *w, eq ? (size_t)(eq - *w) : strlen(*w), eq ? eq + 1 : NULL, eq != NULL);
		if (!in->kvs[in->nkvs - 1].key[0])
			return perr(p, line, "ARG names can not be blank");
	}
	return 0;
}

/* Go's time.ParseDuration, in nanoseconds. */
static int parse_duration(const char *s, long long *out)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {
	    {"ns", 1},   {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"\xce\xbcs", 1e3},
	    {"ms", 1e6}, {"s", 1e9},  {"m", 60e9},        {"h", 3600e9},
	};
	double total = 0;
	bool neg = false;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (streq(s, "0")) {
		*out = 0;
		return 0;
	}
	if (!*s)
		return -1;
	while (*s) {
		char *end;
		double v;
		size_t best = 0, bi = 0;

		if (!(isdigit((unsigned char)*s) || *s == '.'))
			return -1;
		if (*s == '.' && !isdigit((unsigned char)s[1]))
			return -1;
		v = strtod(s, &end);
		if (end == s || !isfinite(v))
			return -1;
		for (const char *c = s; c < end; c++)
			if (!isdigit((unsigned char)*c) && *c != '.')
				return -1;
		s = end;
		for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
			size_t l = strlen(units[i].unit);

			if (strncmp(s, units[i].unit, l) == 0 && l > best) {
				best = l;
				bi = i;
			}
		}
		if (!best)
			return -1; /* a number without a unit */
		total += v * units[bi].ns;
		s += best;
		if (total > 9.2e18)
			return -1;
	}
	*out = (long long)(neg ? -total : total);
	return 0;
}

static int health_interval(struct parser *p, int line, const struct df_instr *in, const char *name,
			   long long *out)
{
	const struct df_flag *f = df_instr_flag(in, name);
	long long d;

	*out = 0;
	if (!f || !f->value || !*f->value)
		return 0;
	if (parse_duration(f->value, &d) < 0)
		return perr(p, line, "time: invalid duration \"%s\" for --%s", f->value, name);
	if (d == 0)
		return 0;
	if (d < 1000000)
		return perr(p, line, "Interval \"%s\" cannot be less than 1ms", name);
	*out = d;
	return 0;
}

static int healthcheck(struct parser *p, int line, struct df_instr *in, const char *rest)
{
	cleanup_free char *typ = NULL;
	const char *sep = rest, *cmd;
	const struct df_flag *retries;

	while (*sep && !df_is_space((unsigned char)*sep))
		sep++;
	if (sep == rest)
		return perr(p, line, "HEALTHCHECK requires at least one argument");
	typ = xstrndup(rest, (size_t)(sep - rest));
	for (char *c = typ; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	cmd = sep;
	while (*cmd && df_is_space((unsigned char)*cmd))
		cmd++;
	in->health = xcalloc(1, sizeof(*in->health));
	if (streq(typ, "NONE")) {
		if (*cmd)
			return perr(p, line, "HEALTHCHECK NONE takes no arguments");
		in->health->none = true;
		add_arg(in, "NONE");
		return 0;
	}
	if (!streq(typ, "CMD"))
		return perr(p, line, "unknown type \"%s\" in HEALTHCHECK (try CMD)", typ);
	if (maybe_json(p, line, in, cmd) < 0)
		return -1;
	if (in->nargs == 0)
		return perr(p, line, "missing command after HEALTHCHECK CMD");
	if (health_interval(p, line, in, "interval", &in->health->interval_ns) < 0 ||
	    health_interval(p, line, in, "timeout", &in->health->timeout_ns) < 0 ||
	    health_interval(p, line, in, "start-period", &in->health->start_period_ns) < 0 ||
	    health_interval(p, line, in, "start-interval", &in->health->start_interval_ns) < 0)
		return -1;
	retries = df_instr_flag(in, "retries");
	if (retries && retries->value && *retries->value) {
		char *end;
		long long r;

		errno = 0;
		r = strtoll(retries->value, &end, 10);
		if (errno || *end || end == retries->value || r > INT32_MAX || r < INT32_MIN ||
		    isspace((unsigned char)*retries->value))
			return perr(p, line, "invalid --retries value \"%s\": not an integer",
				    retries->value);
		if (r < 0)
			return perr(p, line, "--retries cannot be negative (%lld)", r);
		in->health->retries = (int)r;
	}
	return 0;
}

static bool valid_stage_name(const char *s)
{
	if (!(*s >= 'a' && *s <= 'z'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_' || *s == '.'))
			return false;
	return true;
}

static int parse_instr(struct parser *p, const char *line, int lineno, struct df_instr *in,
		       bool trigger);

/* ONBUILD's trigger: parsed as an instruction of its own. */
static int onbuild(struct parser *p, int line, struct df_instr *in, const char *rest)
{
	cleanup_free char *word = NULL;
	const char *e = rest;

	if (!*rest)
		return perr(p, line, "ONBUILD requires at least one argument");
	while (*e && !df_is_space((unsigned char)*e))
		e++;
	word = xstrndup(rest, (size_t)(e - rest));
	if (strcasecmp(word, "ONBUILD") == 0)
		return perr(p, line, "chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
	if (strcasecmp(word, "FROM") == 0 || strcasecmp(word, "MAINTAINER") == 0) {
		for (char *c = word; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		return perr(p, line, "%s isn't allowed as an ONBUILD trigger", word);
	}
	in->onbuild = xcalloc(1, sizeof(*in->onbuild));
	if (parse_instr(p, rest, line, in->onbuild, true) < 0)
		return -1;
	add_arg(in, in->onbuild->original);
	return 0;
}

static int parse_instr(struct parser *p, const char *line, int lineno, struct df_instr *in,
		       bool trigger)
{
	cleanup_free char *text = trim_dup(line);
	cleanup_free char *cmd = NULL;
	cleanup_free char *rest = NULL;
	cleanup_strv char **raw_flags = NULL;
	const char *after = "", *e;
	size_t i;

	(void)trigger;
	in->line = lineno;
	in->original = xstrdup(text);
	for (e = text; *e && *e != ' ' && *e != '\t' && *e != '\v' && *e != '\f' && *e != '\r';)
		e++;
	cmd = xstrndup(text, (size_t)(e - text));
	if (kind_lookup(cmd, &in->kind) < 0) {
		cleanup_free char *hint =
		    df_suggest(cmd, kind_names, ARRAY_SIZE(kind_names), "", true);

		return perr(p, lineno, "unknown instruction: %s%s", cmd, hint);
	}
	if (*e) {
		while (*e == ' ' || *e == '\t' || *e == '\v' || *e == '\f' || *e == '\r')
			e++;
		raw_flags = df_extract_flags(e, &after);
	} else {
		raw_flags = xcalloc(1, sizeof(*raw_flags));
	}
	rest = trim_dup(after);
	{
		struct err *fe = NULL;

		if (df_flags_parse(in, raw_flags, &fe) < 0) {
			perr(p, lineno, "%s", fe->msg);
			err_free(fe);
			return -1;
		}
	}

	switch (in->kind) {
	case DF_FROM: {
		cleanup_strv char **w = df_split_blanks(rest);

		add_args(in, w);
		if (in->nargs == 3 && strcasecmp(in->args[1], "AS") == 0) {
			cleanup_free char *name = xstrdup(in->args[2]);

			for (char *c = name; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			if (!valid_stage_name(name))
				return perr(
				    p, lineno,
				    "invalid name for build stage: \"%s\", name can't start "
				    "with a number or contain symbols",
				    in->args[2]);
		} else if (in->nargs != 1) {
			return perr(p, lineno, "FROM requires either one or three arguments");
		}
		return 0;
	}
	case DF_RUN:
	case DF_CMD:
	case DF_ENTRYPOINT:
		if (maybe_json(p, lineno, in, rest) < 0)
			return -1;
		if (in->kind == DF_RUN && in->nargs == 0)
			return perr(p, lineno, "RUN requires at least one argument");
		return 0;
	case DF_SHELL:
		if (maybe_json(p, lineno, in, rest) < 0)
			return -1;
		if (in->nargs == 0)
			return perr(p, lineno, "SHELL requires at least one argument");
		if (!in->json)
			return perr(p, lineno,
				    "SHELL requires the arguments to be in JSON form: "
				    "SHELL [\"executable\", \"parameters\"]");
		return 0;
	case DF_WORKDIR:
	case DF_USER:
	case DF_MAINTAINER:
	case DF_STOPSIGNAL:
		if (!*rest)
			return perr(p, lineno, "%s requires exactly one argument",
				    df_kind_name(in->kind));
		add_arg(in, rest);
		return 0;
	case DF_ENV:
	case DF_LABEL:
		return name_val(p, lineno, in, rest);
	case DF_ARG:
		return arg_form(p, lineno, in, rest);
	case DF_EXPOSE: {
		cleanup_strv char **w = df_split_blanks(rest);

		add_args(in, w);
		if (in->nargs == 0)
			return perr(p, lineno, "EXPOSE requires at least one argument");
		return 0;
	}
	case DF_VOLUME:
		if (maybe_json_list(p, lineno, in, rest) < 0)
			return -1;
		if (in->nargs == 0)
			return perr(p, lineno, "VOLUME requires at least one argument");
		for (i = 0; i < in->nargs; i++) {
			cleanup_free char *t = trim_dup(in->args[i]);

			if (!*t)
				return perr(p, lineno,
					    "VOLUME specified can not be an empty string");
		}
		return 0;
	case DF_COPY:
	case DF_ADD:
		if (maybe_json_list(p, lineno, in, rest) < 0)
			return -1;
		if (in->nargs < 2)
			return perr(p, lineno,
				    "%s requires at least two arguments, but only %s provided; "
				    "the destination could not be determined",
				    df_kind_name(in->kind), in->nargs ? "one was" : "none were");
		return 0;
	case DF_HEALTHCHECK:
		return healthcheck(p, lineno, in, rest);
	case DF_ONBUILD:
		return onbuild(p, lineno, in, rest);
	}
	return perr(p, lineno, "unknown instruction: %s", cmd);
}

/* ---- heredocs ---- */

/* `[N]<<[-]WORD` as a word of the line: the heredoc it opens. */
static bool heredoc_word(const char *w, struct df_heredoc *h)
{
	cleanup_strv char **words = NULL;
	cleanup_strv char **raw = NULL;
	const char *s = w;
	size_t q1 = 0, q2 = 0;

	while (*s >= '0' && *s <= '9')
		s++;
	if (s[0] != '<' || s[1] != '<')
		return false;
	s += 2;
	h->chomp = *s == '-';
	if (h->chomp)
		s++;
	while (df_is_space((unsigned char)*s))
		s++;
	if (!*s || strchr(s, '<'))
		return false;
	if (df_shell_process(s, NULL, '\\', DF_SH_SKIP_UNSET, NULL, &words, NULL) < 0 ||
	    !words[0] || words[1])
		return false;
	if (df_shell_process(s, NULL, '\\', DF_SH_SKIP_UNSET | DF_SH_RAW_QUOTES, NULL, &raw, NULL) <
		0 ||
	    !raw[0] || raw[1])
		return false;
	for (const char *c = words[0]; *c; c++)
		q1 += *c == '\'' || *c == '"';
	for (const char *c = raw[0]; *c; c++)
		q2 += *c == '\'' || *c == '"';
	h->expand = q1 == q2;
	h->name = xstrdup(words[0]);
	h->content = NULL;
	return true;
}

const struct df_heredoc *df_instr_heredoc(const struct df_instr *in, const char *word)
{
	struct df_heredoc h = {0};
	const struct df_heredoc *found = NULL;

	if (!heredoc_word(word, &h))
		return NULL;
	for (size_t i = 0; i < in->nheredocs; i++)
		if (streq(in->heredocs[i].name, h.name))
			found = &in->heredocs[i];
	free(h.name);
	return found;
}

static bool takes_heredocs(const struct df_instr *in)
{
	return (in->kind == DF_RUN || in->kind == DF_COPY || in->kind == DF_ADD) && !in->json;
}

static int read_heredocs(struct parser *p, const char *line, struct df_instr *in)
{
	struct df_instr *target = in->kind == DF_ONBUILD && in->onbuild ? in->onbuild : in;
	cleanup_strv char **words = NULL;

	if (!takes_heredocs(target) || !strstr(line, "<<"))
		return 0;
	if (df_shell_process(line, NULL, '\\',
			     DF_SH_RAW_QUOTES | DF_SH_RAW_ESCAPES | DF_SH_SKIP_UNSET, NULL, &words,
			     NULL) < 0)
		return 0;
	for (char **w = words; *w; w++) {
		struct df_heredoc h;

		if (!heredoc_word(*w, &h))
			continue;
		if (df_lex_heredoc(&p->lx, h.name, h.chomp, &h.content) < 0) {
			int r =
			    perr(p, in->line, "unterminated heredoc <<%s (no line \"%s\" ends it)",
				 h.name, h.name);

			free(h.name);
			return r;
		}
		target->heredocs =
		    xrealloc(target->heredocs, (target->nheredocs + 1) * sizeof(*target->heredocs));
		target->heredocs[target->nheredocs++] = h;
	}
	if (target != in) {
		/* ONBUILD's trigger as the image keeps it: with its heredocs */
		struct buf b = BUF_INIT;

		buf_adds(&b, target->original);
		for (size_t i = 0; i < target->nheredocs; i++)
			buf_addf(&b, "\n%s%s", target->heredocs[i].content,
				 target->heredocs[i].name);
		free(in->args[0]);
		in->args[0] = buf_detach(&b, NULL);
	}
	if (target->kind == DF_COPY || target->kind == DF_ADD) {
		if (df_instr_heredoc(target, target->args[target->nargs - 1]))
			return perr(p, in->line, "%s cannot accept a heredoc as a destination",
				    df_kind_name(target->kind));
	}
	return 0;
}

/* ---- the whole file ---- */

static int add_stage(struct parser *p, struct dockerfile *df, size_t idx)
{
	struct df_instr *in = &df->instrs[idx];
	struct df_stage *st;
	char *name = NULL;

	if (in->nargs == 3) {
		name = xstrdup(in->args[2]);
		for (char *c = name; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		for (size_t i = 0; i < df->nstages; i++) {
			if (df->stages[i].name && streq(df->stages[i].name, name)) {
				int r =
				    perr(p, in->line,
					 "duplicate stage name \"%s\" (stage %zu, line %d, has it)",
					 name, i, df->instrs[df->stages[i].from].line);

				free(name);
				return r;
			}
		}
	}
	if (df->nstages)
		df->stages[df->nstages - 1].end = idx;
	df->stages = xrealloc(df->stages, (df->nstages + 1) * sizeof(*df->stages));
	st = &df->stages[df->nstages++];
	st->name = name;
	st->from = idx;
	st->end = idx + 1;
	return 0;
}

int dockerfile_parse(const char *text, size_t len, const char *name, struct dockerfile **out,
		     struct err **err)
{
	struct dockerfile *df = xcalloc(1, sizeof(*df));
	struct parser p = {.name = name ? name : "Dockerfile", .err = err};
	size_t cap = 0;
	int ret;

	df_lexer_init(&p.lx, text ? text : "", text ? len : 0, p.name);
	for (;;) {
		cleanup_free char *line = NULL;
		struct df_instr *in;
		int start;

		ret = df_lex_line(&p.lx, &line, &start, err);
		if (ret < 0)
			goto fail;
		if (ret == 0)
			break;
		if (df->ninstrs == cap) {
			cap = cap ? 2 * cap : 16;
			df->instrs = xrealloc(df->instrs, cap * sizeof(*df->instrs));
		}
		in = &df->instrs[df->ninstrs++];
		memset(in, 0, sizeof(*in));
		if (parse_instr(&p, line, start, in, false) < 0 || read_heredocs(&p, line, in) < 0)
			goto fail;
		if (in->kind == DF_FROM) {
			if (add_stage(&p, df, df->ninstrs - 1) < 0)
				goto fail;
		} else if (df->nstages == 0) {
			if (in->kind != DF_ARG) {
				perr(&p, in->line,
				     "no FROM instruction before %s (no build stage in current "
				     "context)",
				     df_kind_name(in->kind));
				goto fail;
			}
			df->nmeta++;
		} else {
			df->stages[df->nstages - 1].end = df->ninstrs;
		}
	}
	if (df->ninstrs == 0) {
		err_set(err, 0, "%s: file with no instructions", p.name);
		goto fail;
	}
	if (df->nstages == 0) {
		err_set(err, 0,
			"%s: no FROM instruction: the Dockerfile contains no stages to build",
			p.name);
		goto fail;
	}
	df->escape = p.lx.escape;
	df->syntax = steal_pointer(&p.lx.syntax);
	df_lexer_release(&p.lx);
	*out = df;
	return 0;
fail:
	df_lexer_release(&p.lx);
	dockerfile_free(df);
	return -1;
}

int dockerfile_stage(const struct dockerfile *df, const char *name)
{
	char *end;
	long n;

	for (size_t i = 0; i < df->nstages; i++)
		if (df->stages[i].name && strcasecmp(df->stages[i].name, name) == 0)
			return (int)i;
	if (!*name || !isdigit((unsigned char)*name))
		return -1;
	errno = 0;
	n = strtol(name, &end, 10);
	if (errno || *end || n < 0 || (size_t)n >= df->nstages)
		return -1;
	return (int)n;
}
