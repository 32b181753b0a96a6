/* cmd_spec.c: `spec [--rootless] [--seccomp-default] [--bundle DIR]`: write
 * a default config.json (the same shape as `runc spec`, so without a seccomp
 * profile unless asked), refusing to overwrite one. */
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
#include "spec/seccomp_default.h"

static const char usage_text[] =
    "usage: kist-runtime spec [--rootless] [--seccomp-default] [--bundle DIR]\n"
    "Write a default config.json for a bundle (busybox's sh, runc's defaults).\n"
    "As runc's, it has no seccomp profile: the container's system calls are not\n"
    "filtered unless linux.seccomp is added.\n"
    "  -b, --bundle DIR         where to write config.json (default: .)\n"
    "      --rootless           for an unprivileged user (in a user namespace)\n"
    "      --seccomp-default    add docker's default seccomp profile (for the config's\n"
    "                           bounding capabilities) as linux.seccomp\n";

/* The config's process.capabilities.bounding, as a vector (NULL if none). */
static char **bounding_caps(const cJSON *j)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "process");
	const cJSON *caps = cJSON_GetObjectItemCaseSensitive(p, "capabilities");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(caps, "bounding"), *el;
	char **v = xcalloc(1, sizeof(char *));

	cJSON_ArrayForEach(el, b)
	{
		if (cJSON_IsString(el))
			strv_push(&v, el->valuestring);
	}
	return v;
}

int cmd_spec(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"rootless", no_argument, NULL, 'r'},
	    {"seccomp-default", no_argument, NULL, 's'},
	    {"bundle", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *bundle = ".";
	bool rootless = false, seccomp = false;
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
		else if (c == 's')
			seccomp = true;
		else if (c == 'b')
			bundle = optarg;
		else if (c == 'h') {
			rt_help(usage_text);
			exit(EXIT_OK);
		} else
			cli_usage_error("spec: unknown option '%s'", argv[optind - 1]);
	}
	if (optind != argc)
		cli_usage_error("spec: unexpected argument '%s'", argv[optind]);
	j = spec_runtime_default(rootless);
	if (seccomp) {
		char **caps = bounding_caps(j);
		cJSON *linux_ = cJSON_GetObjectItemCaseSensitive(j, "linux");
		if (linux_)
			cJSON_AddItemToObject(
			    linux_, "seccomp",
			    spec_seccomp_default_for_caps((const char *const *)caps));
		strv_free(caps);
	}
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
