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
	char **names;

	if (!type || streq(type, "image"))
		return kist_run(k, v->prog, args, type ? "image" : v->noun, err);
	if (!streq(type, "container"))
		cli_usage_error("\"%s\" is not a valid value for --type", type);
	/* no container verbs yet: the store's containers are not docker's */
	for (names = args; *names && !streq(*names, "--"); names++)
		;
	printf("[]\n");
	fflush(stdout);
	for (names++; *names; names++)
		fprintf(stderr, "Error: No such container: %s\n", *names);
	return EXIT_FAIL;
}
