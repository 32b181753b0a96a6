/* flags.c: an instruction's --flags as docker checks them: the flags each
 * instruction takes and their types (string, repeated, boolean), docker's
 * messages for an unknown, repeated or valueless flag, and the "did you
 * mean" hint it gives for a word close to a known one. */
#define _GNU_SOURCE
#include <ctype.h>   /* tolower */
#include <stdlib.h>  /* free */
#include <string.h>  /* strlen */
#include <strings.h> /* strcasecmp */

#include "build/df_internal.h"
#include "build/dockerfile.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/util.h"

/* Levenshtein distance of a and b (case-insensitive), capped at 3. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[33], cur[33];

	if (la > 32 || lb > 32)
		return 3;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (tolower((unsigned char)a[i - 1]) !=
						    tolower((unsigned char)b[j - 1]));
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(prev));
	}
	return prev[lb];
}

/* " (did you mean FROM?)" for a word close to one of the names, in the
 * word's case, as docker suggests; "" if none is close. */
char *df_suggest(const char *word, const char *const *names, size_t n, const char *prefix,
		 bool fix_case)
{
	const char *best = NULL;
	size_t min = 3;
	bool lower = true, upper = true;
	char *out;

	for (size_t i = 0; i < n; i++) {
		size_t d;

		if (!names[i])
			continue;
		d = distance(word, names[i]);
		if (d < min) {
			min = d;
			best = names[i];
		}
	}
	if (!best)
		return xstrdup("");
	for (const char *c = word; *c && fix_case; c++) {
		lower = lower && !isupper((unsigned char)*c);
		upper = upper && !islower((unsigned char)*c);
	}
	out = xasprintf(" (did you mean %s%s?)", prefix, best);
	for (char *c = out + 15; fix_case && *c != '?'; c++)
		*c = (char)(lower   ? tolower((unsigned char)*c)
			    : upper ? toupper((unsigned char)*c)
				    : *c);
	return out;
}

/* ---- flags ---- */

enum flag_type { F_BOOL, F_STRING, F_STRINGS };

struct flag_def {
	enum df_kind kind;
	const char *name;
	enum flag_type type;
	bool tristate; /* a boolean whose false differs from its absence */
};

static const struct flag_def flag_defs[] = {
    {DF_FROM, "platform", F_STRING, false},
    {DF_RUN, "mount", F_STRINGS, false},
    {DF_RUN, "network", F_STRING, false},
    {DF_RUN, "security", F_STRING, false},
    {DF_COPY, "from", F_STRING, false},
    {DF_COPY, "chown", F_STRING, false},
    {DF_COPY, "chmod", F_STRING, false},
    {DF_COPY, "link", F_BOOL, false},
    {DF_COPY, "parents", F_BOOL, false},
    {DF_COPY, "exclude", F_STRINGS, false},
    {DF_ADD, "chown", F_STRING, false},
    {DF_ADD, "chmod", F_STRING, false},
    {DF_ADD, "link", F_BOOL, false},
    {DF_ADD, "keep-git-dir", F_BOOL, true},
    {DF_ADD, "checksum", F_STRING, false},
    {DF_ADD, "unpack", F_BOOL, true},
    {DF_ADD, "exclude", F_STRINGS, false},
    {DF_HEALTHCHECK, "interval", F_STRING, false},
    {DF_HEALTHCHECK, "timeout", F_STRING, false},
    {DF_HEALTHCHECK, "start-period", F_STRING, false},
    {DF_HEALTHCHECK, "start-interval", F_STRING, false},
    {DF_HEALTHCHECK, "retries", F_STRING, false},
};

static const struct flag_def *flag_find(enum df_kind kind, const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(flag_defs); i++)
		if (flag_defs[i].kind == kind && strlen(flag_defs[i].name) == len &&
		    strncmp(flag_defs[i].name, name, len) == 0)
			return &flag_defs[i];
	return NULL;
}

/* "--from --chown ..." for the hint of an unknown flag. */
static char *flag_list(enum df_kind kind)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < ARRAY_SIZE(flag_defs); i++)
		if (flag_defs[i].kind == kind)
			buf_addf(&b, "%s--%s", b.len ? " " : "", flag_defs[i].name);
	return buf_detach(&b, NULL);
}

const struct df_flag *df_instr_flag(const struct df_instr *in, const char *name)
{
	const struct df_flag *found = NULL;

	for (size_t i = 0; i < in->nflags; i++)
		if (streq(in->flags[i].name, name))
			found = &in->flags[i];
	return found;
}

/* The flags of in, checked against what its kind takes. */
int df_flags_parse(struct df_instr *in, char **raw, struct err **err)
{
	for (char **r = raw; *r; r++) {
		const char *a = *r + 2, *eq = strchr(a, '=');
		size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
		const struct flag_def *def = flag_find(in->kind, a, nlen);
		struct df_flag *f;

		if (!def) {
			cleanup_free char *list = flag_list(in->kind);
			cleanup_free char *name = xstrndup(a, nlen);
			const char *names[ARRAY_SIZE(flag_defs)];
			cleanup_free char *hint = NULL;

			for (size_t k = 0; k < ARRAY_SIZE(flag_defs); k++)
				names[k] = flag_defs[k].kind == in->kind ? flag_defs[k].name : NULL;
			hint = df_suggest(name, names, ARRAY_SIZE(names), "--", false);
			if (*hint)
				return err_set(err, 0, "unknown flag: --%s%s", name, hint);

			if (!*list)
				return err_set(err, 0, "unknown flag: --%.*s (%s takes no flags)",
					       (int)nlen, a, df_kind_name(in->kind));
			return err_set(err, 0, "unknown flag: --%.*s (%s takes %s)", (int)nlen, a,
				       df_kind_name(in->kind), list);
		}
		if (def->type != F_STRINGS)
			for (size_t i = 0; i < in->nflags; i++)
				if (streq(in->flags[i].name, def->name))
					return err_set(err, 0, "duplicate flag specified: --%s",
						       def->name);
		if (def->type == F_BOOL) {
			if (eq && !eq[1])
				return err_set(err, 0, "missing a value on flag: --%s", def->name);
			if (eq && strcasecmp(eq + 1, "true") != 0 &&
			    strcasecmp(eq + 1, "false") != 0)
				return err_set(err, 0,
					       "expecting boolean value for flag --%s, not: %s",
					       def->name, eq + 1);
		} else if (!eq) {
			return err_set(err, 0, "missing a value on flag: --%s", def->name);
		}
		in->flags = xrealloc(in->flags, (in->nflags + 1) * sizeof(*in->flags));
		f = &in->flags[in->nflags++];
		f->name = xstrdup(def->name);
		f->value = def->type == F_BOOL ? NULL : xstrdup(eq + 1);
		if (def->type == F_BOOL && eq && strcasecmp(eq + 1, "false") == 0) {
			/* kept so that a repeat is still refused; dropped below */
			f->value = xstrdup("false");
		} else if (def->type == F_BOOL && def->tristate) {
			f->value = xstrdup("true");
		}
	}
	/* --link=false is no --link: the flags left are the ones in force
	 * (but ADD's --unpack=false and --keep-git-dir=false say something) */
	for (size_t i = 0; i < in->nflags;) {
		const struct flag_def *def =
		    flag_find(in->kind, in->flags[i].name, strlen(in->flags[i].name));

		if (def->type == F_BOOL && !def->tristate && in->flags[i].value) {
			free(in->flags[i].name);
			free(in->flags[i].value);
			memmove(&in->flags[i], &in->flags[i + 1],
				(in->nflags - i - 1) * sizeof(*in->flags));
			in->nflags--;
			continue;
		}
		i++;
	}
	if (in->kind == DF_RUN) {
		const struct df_flag *f = df_instr_flag(in, "network");

		for (size_t i = 0; i < in->nflags; i++) {
			struct err *e = NULL;

			if (!streq(in->flags[i].name, "mount") ||
			    df_mount_precheck(in->flags[i].value, &e) == 0)
				continue;
			err_set(err, 0, "--mount=%s: %s", in->flags[i].value, e->msg);
			err_free(e);
			return -1;
		}

		if (f && !streq(f->value, "default") && !streq(f->value, "none") &&
		    !streq(f->value, "host"))
			return err_set(err, 0,
				       "invalid network mode \"%s\" (RUN --network takes default, "
				       "none or host)",
				       f->value);
		f = df_instr_flag(in, "security");
		if (f && !streq(f->value, "sandbox") && !streq(f->value, "insecure"))
			return err_set(err, 0,
				       "security \"%s\" is not valid (RUN --security takes "
				       "sandbox or insecure)",
				       f->value);
	}
	return 0;
}
