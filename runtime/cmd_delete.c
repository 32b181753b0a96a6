/* cmd_delete.c: `delete [--force] ID`, or `delete [--force] --regex RE`
 * (crun's option): every container whose id matches. */
#include <dirent.h> /* opendir */
#include <errno.h>  /* ENOENT */
#include <getopt.h> /* getopt_long */
#include <regex.h>  /* regcomp */
#include <stdio.h>  /* fputs */
#include <stdlib.h> /* exit */
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/util.h"
#include "runtime/container.h"
#include "runtime/runtime.h"

static int delete_one(const char *root, const char *id, bool force, struct err **err)
{
	if (rt_container_delete(root, id, force, err) < 0) {
		/* runc: forcing the delete of a container that is gone is not an error */
		if (force && *err && (*err)->code == ENOENT) {
			err_free(*err);
			*err = NULL;
			return 0;
		}
		return -1;
	}
	return 0;
}

/* Every container of the root whose id matches re (POSIX extended, not
 * anchored, as crun's); one that cannot be deleted is reported and the
 * others still go. */
static int delete_matching(const char *root, const char *re, bool force, struct err **err)
{
	cleanup_dir DIR *d = NULL;
	struct dirent *de;
	regex_t rx;
	int ret = 0, rc;

	if ((rc = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB)) != 0) {
		char msg[128];
		regerror(rc, &rx, msg, sizeof(msg));
		return err_set(err, 0, "--regex '%s': %s", re, msg);
	}
	d = opendir(root);
	while (d && (de = readdir(d))) {
		struct err *e = NULL;

		/* ids never start with a dot: ".", "..", kist's own .seccomp */
		if (de->d_name[0] == '.' || regexec(&rx, de->d_name, 0, NULL, 0) != 0)
			continue;
		if (delete_one(root, de->d_name, force, &e) < 0) {
			if (ret == 0 && err) {
				*err = e;
				e = NULL;
			} else if (e) {
				err_print(e);
			}
			err_free(e);
			ret = -1;
		}
	}
	regfree(&rx);
	return ret;
}

int cmd_delete(void *gp, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"force", no_argument, NULL, 'f'},
	    {"regex", required_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct rt_global *g = gp;
	bool force = false;
	const char *re = NULL;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = cli_getopt(argc, argv, "fr:h", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'r')
			re = optarg;
		else if (c == 'h') {
			rt_help("usage: kist-runtime delete [command options] <container-id>\n"
				"  -f, --force              kill a container that is not stopped "
				"(SIGKILL)\n"
				"                           and remove what is left of it\n"
				"  -r, --regex RE           every container whose id matches RE "
				"(no id)\n");
			exit(EXIT_OK);
		} else
			cli_usage_error("delete: unknown option '%s'", argv[optind - 1]);
	}
	if (re) {
		if (argc - optind != 0)
			cli_usage_error("delete: give either --regex or a container id");
		return delete_matching(g->root, re, force, err) < 0 ? -1 : EXIT_OK;
	}
	if (argc - optind != 1)
		cli_usage_error("delete: expected exactly one container id");
	return delete_one(g->root, argv[optind], force, err) < 0 ? -1 : EXIT_OK;
}
