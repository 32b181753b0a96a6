/* fuzz_dockerfile.c: the Dockerfile parser (lines, directives, heredocs,
 * every instruction's forms and flags, stages), docker's expansion of
 * what it parsed (words, ENV pairs, heredoc bodies, --mount values), and
 * the same input read as a .dockerignore. */
#include <stdlib.h>
#include <string.h>
#include "build/dockerfile.h"
#include "common/err.h"
#include "common/util.h"
#include "tests/fuzz/fuzz.h"

static const char *const vars[] = {"A=a", "B=b c", "EMPTY=", "P=/x/y.z", NULL};

static void expand_all(const struct df_instr *in, char escape)
{
	for (size_t i = 0; i < in->nargs; i++) {
		char *out = NULL;
		char **w = NULL;
		struct err *e = NULL;

		if (df_expand(in->args[i], vars, escape, &out, &e) == 0)
			free(out);
		err_free(e);
		e = NULL;
		if (df_words(in->args[i], vars, escape, &w, &e) == 0)
			strv_free(w);
		err_free(e);
		(void)df_instr_heredoc(in, in->args[i]);
	}
	for (size_t i = 0; i < in->nflags; i++) {
		struct df_mount m;
		struct err *e = NULL;

		if (in->flags[i].value &&
		    df_mount_parse(in->flags[i].value, vars, escape, &m, &e) == 0)
			df_mount_release(&m);
		err_free(e);
	}
	if (in->nkvs) {
		char **kv = NULL;
		struct err *e = NULL;

		if (df_expand_kvs(in, vars, escape, &kv, &e) == 0)
			strv_free(kv);
		err_free(e);
	}
	for (size_t i = 0; i < in->nkvs; i++) {
		char *out = NULL;
		struct err *e = NULL;

		if (in->kvs[i].has_value &&
		    df_expand(in->kvs[i].value, vars, escape, &out, &e) == 0)
			free(out);
		err_free(e);
	}
	for (size_t i = 0; i < in->nheredocs; i++) {
		char *out = NULL;
		struct err *e = NULL;

		if (df_expand_heredoc(in->heredocs[i].content, vars, &out, &e) == 0)
			free(out);
		err_free(e);
	}
	if (in->onbuild)
		expand_all(in->onbuild, escape);
}

static void ignore(const char *text, size_t len)
{
	static const char *const paths[] = {"a", "a/b", "a/b/c.go", "docs/x.md", ".git", "x y/z"};
	struct dockerignore *d = NULL;
	struct err *e = NULL;

	if (dockerignore_parse(text, len, &d, &e) == 0) {
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
			(void)dockerignore_excluded(d, paths[i]);
			(void)dockerignore_may_hold_exception(d, paths[i]);
		}
		dockerignore_free(d);
	}
	err_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct dockerfile *df = NULL;
	struct err *e = NULL;

	if (dockerfile_parse(text, size, "Dockerfile", &df, &e) == 0) {
		/* what the executor relies on */
		if (df->nstages == 0 || df->nmeta > df->ninstrs)
			abort();
		for (size_t i = 0; i < df->nstages; i++) {
			const struct df_stage *st = &df->stages[i];

			if (st->from >= st->end || st->end > df->ninstrs ||
			    df->instrs[st->from].kind != DF_FROM ||
			    (st->name && dockerfile_stage(df, st->name) != (int)i))
				abort();
		}
		for (size_t i = 0; i < df->ninstrs; i++) {
			const struct df_instr *in = &df->instrs[i];

			if (in->line < 1 || !in->original ||
			    ((in->kind == DF_COPY || in->kind == DF_ADD) && in->nargs < 2))
				abort();
			expand_all(in, df->escape);
			if (in->nargs)
				(void)dockerfile_stage(df, in->args[0]);
		}
		dockerfile_free(df);
	} else if (!e || !e->msg || strncmp(e->msg, "Dockerfile:", 11) != 0) {
		abort(); /* every error names the file */
	}
	err_free(e);
	ignore(text, size);
	return 0;
}
