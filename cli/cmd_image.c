/* cmd_image.c: image verbs with a body of their own (the others run their
 * program as they are): prune's question, inspect's --type. */
#define _GNU_SOURCE
#include <stdio.h>  /* getline */
#include <stdlib.h> /* free */
#include <string.h> /* strcmp */

#include "cli/kist.h"
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/util.h"

/* flags of kist image prune: all, force */
int kist_image_prune(const struct kist *k, const struct kverb *v, char **args,
		     const char *const *vals, struct err **err)
{
	if (!vals[1]) {
		cleanup_free char *line = NULL;
		size_t cap = 0;

		printf("WARNING! This will remove %s.\nAre you sure you want to continue? [y/N] ",
		       vals[0] ? "all images without at least one container associated to them"
			       : "all dangling images");
		fflush(stdout);
		if (getline(&line, &cap, stdin) < 0 ||
		    (!streq(line, "y\n") && !streq(line, "Y\n") && !streq(line, "y") &&
		     !streq(line, "Y")))
			return EXIT_OK;
	}
	return kist_run(k, v->prog, args, v->noun, err);
}

/* flags of kist inspect: format, size, type; args: inspect [--format F] -- NAME... */
int kist_inspect(const struct kist *k, const struct kverb *v, char **args, const char *const *vals,
		 struct err **err)
{
	const char *type = vals[2];

	if (type && !streq(type, "image") && !streq(type, "container"))
		cli_usage_error("\"%s\" is not a valid value for --type", type);
	if (!type) {
		/* a container when every name is one, else images (docker
		 * looks each name up as either) */
		cleanup_free char *out = NULL, *errtext = NULL;
		char *verb = args[0];
		struct err *e2 = NULL;
		int r;

		args[0] = "inspect-container";
		r = kist_capture_err(k, v->prog, args, 64 << 20, &out, &errtext, &e2);
		args[0] = verb;
		err_free(e2);
		if (r == 0) {
			fputs(out, stdout);
			return EXIT_OK;
		}
		return kist_run(k, v->prog, args, v->noun, err);
	}
	if (streq(type, "container")) {
		free(args[0]); /* args is the caller's vector: its strings are owned */
		args[0] = xstrdup("inspect-container");
	}
	return kist_run(k, v->prog, args, type, err);
}
