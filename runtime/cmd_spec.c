/* cmd_spec.c: `spec [--rootless] [--bundle DIR]`: write a default
 * config.json (the same shape as `runc spec`), refusing to overwrite one. */
#include <errno.h>  /* errno */
#include <fcntl.h>  /* open */
#include <getopt.h> /* getopt_long */
#include <stdio.h>  /* fputs */
#include <stdlib.h> /* exit */
#include <string.h> /* strlen */
#include <unistd.h> /* close */
#include "common/cli.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "runtime/runtime.h"
#include "spec/defaults.h"

int cmd_spec(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"rootless", no_argument, NULL, 'r'},
	    {"bundle", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *bundle = ".";
	bool rootless = false;
	cleanup_json cJSON *j = NULL;
	cleanup_free char *text = NULL, *path = NULL;
	cleanup_close int fd = -1;
	int c;

	(void)g;
	optind = 0;
	opterr = 0;
	while ((c = cli_getopt(argc, argv, "b:h", opts, NULL)) != -1) {
		if (c == 'r')
			rootless = true;
		else if (c == 'b')
			bundle = optarg;
		else if (c == 'h') {
			fputs("usage: kist-runtime spec [--rootless] [--bundle DIR]\n", stdout);
			exit(EXIT_OK);
		} else
			cli_usage_error("spec: unknown option '%s'", argv[optind - 1]);
	}
	if (optind != argc)
		cli_usage_error("spec: unexpected argument '%s'", argv[optind]);
	j = spec_runtime_default(rootless);
	text = json_print(j, true);
	path = xasprintf("%s/config.json", bundle);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (errno == EEXIST)
			return err_set(err, 0, "file '%s' exists: remove it first", path);
		return err_set(err, errno, "create '%s'", path);
	}
	if (fs_write_all(fd, text, strlen(text)) < 0 || fs_write_all(fd, "\n", 1) < 0)
		return err_set(err, errno, "write '%s'", path);
	return EXIT_OK;
}
