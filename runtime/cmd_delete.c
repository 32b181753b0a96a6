/* cmd_delete.c: `delete [--force] ID`. */
#include <errno.h>  /* ENOENT */
#include <getopt.h> /* getopt_long */
#include <stdio.h>  /* fputs */
#include <stdlib.h> /* exit */
#include "common/cli.h"
#include "common/err.h"
#include "common/util.h"
#include "runtime/container.h"
#include "runtime/runtime.h"

int cmd_delete(void *gp, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct rt_global *g = gp;
	bool force = false;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = cli_getopt(argc, argv, "fh", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'h') {
			rt_help("usage: kist-runtime delete [command options] <container-id>\n"
				"  -f, --force              kill a container that is not stopped "
				"(SIGKILL)\n"
				"                           and remove what is left of it\n");
			exit(EXIT_OK);
		} else
			cli_usage_error("delete: unknown option '%s'", argv[optind - 1]);
	}
	if (argc - optind != 1)
		cli_usage_error("delete: expected exactly one container id");
	if (rt_container_delete(g->root, argv[optind], force, err) < 0) {
		/* runc: forcing the delete of a container that is gone is not an error */
		if (force && *err && (*err)->code == ENOENT)
			return EXIT_OK;
		return -1;
	}
	return EXIT_OK;
}
