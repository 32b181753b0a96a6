/* kist-fetch: registry client (OCI distribution spec / Docker Registry
 * HTTP API v2).  Reads and writes OCI image layouts: the store's
 * $KIST_ROOT/oci by default, any layout with oci:DIR[:REF].
 * Exit codes: 0 success, 1 failure, 2 usage error. */
#define _GNU_SOURCE
#include <getopt.h> /* getopt_long */
#include <stdio.h>  /* printf */
#include <stdlib.h> /* getenv */
#include <string.h> /* strchr */

#include "common/cli.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/lock.h"
#include "common/log.h"
#include "common/util.h"
#include "fetch/fetch.h"

static const struct cli_cmd commands[] = {
    {"pull", cmd_pull, "Download an image from a registry"},
    {"push", cmd_push, "Upload an image to a registry"},
    {"login", cmd_login, "Log in to a registry"},
    {"logout", cmd_logout, "Log out from a registry"},
    {"tags", cmd_tags, "List the tags of a repository"},
    {"catalog", cmd_catalog, "List the repositories of a registry"},
    {"inspect", cmd_inspect, "Show an image's manifest and config from a registry"},
    {"copy", cmd_copy, "Copy an image between docker://, oci: and docker-archive:"},
    {NULL, NULL, NULL},
};

int fetch_parse_oci(const char *s, char **dir, char **ref)
{
	const char *rest, *colon;

	if (!str_has_prefix(s, "oci:"))
		return 0;
	rest = s + 4;
	colon = strchr(rest, ':');
	if (colon) {
		*dir = xstrndup(rest, colon - rest);
		*ref = colon[1] ? xstrdup(colon + 1) : NULL;
	} else {
		*dir = xstrdup(rest);
		*ref = NULL;
	}
	return 1;
}

/* ROOT/.gc.lock, held shared while this process writes into the store:
 * `kist-store gc` takes it exclusive, so it cannot remove blobs a pull has
 * written but not yet named in index.json.  Released at exit. */
static int store_gc_lock_fd = -1;

int fetch_open_store(const struct fetch_global *g, bool create, struct layout *l, struct err **err)
{
	cleanup_free char *path = xasprintf("%s/oci", g->root);
	cleanup_free char *lockpath = xasprintf("%s/.gc.lock", g->root);

	if (create && fs_mkdir_p(g->root, 0700, err) < 0)
		return -1;
	if (create && store_gc_lock_fd < 0) {
		store_gc_lock_fd = lock_acquire(lockpath, LOCK_MODE_SHARED, true, err);
		if (store_gc_lock_fd < 0)
			return -1;
	}
	return layout_open(path, create, l, err);
}

int fetch_registry_for(const struct fetch_global *g, const char *domain, struct registry *r,
		       struct err **err)
{
	struct fetch_config cfg = FETCH_CONFIG_INIT;
	int ret;

	(void)g;
	if (fetch_config_load(&cfg, err) < 0)
		return -1;
	ret = registry_open(r, &cfg, domain, NULL, g->debug, err);
	fetch_config_release(&cfg);
	return ret;
}

static void usage(void)
{
	printf("Registry client: pull, push, login and inspect images in OCI layouts.\n"
	       "Images go to the store's layout (ROOT/oci) unless given as oci:DIR[:REF].\n\n"
	       "Global options:\n"
	       "  --root DIR   store root (default $KIST_ROOT or " FETCH_DEFAULT_ROOT ")\n"
	       "  --debug      log requests to stderr\n"
	       "  --help       show this help\n"
	       "  --version    show the version\n\n");
	cli_print_commands(commands);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"root", required_argument, NULL, 'r'},
	    {"debug", no_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	struct fetch_global g = {0};
	const struct cli_cmd *cmd;
	const char *env = getenv("KIST_ROOT");
	int c, ret;

	log_init(argv[0]);
	opterr = 0; /* errors are reported once, by cli_usage_error */
	g.root = env && *env ? env : FETCH_DEFAULT_ROOT;
	while ((c = cli_getopt(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			g.root = optarg;
			break;
		case 'd':
			g.debug = true;
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		case 'h':
			usage();
			return EXIT_OK;
		case 'v':
			cli_print_version();
			return EXIT_OK;
		default:
			cli_usage_error("unknown option or missing value: '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		cli_usage_error("missing command");
	cmd = cli_find(commands, argv[optind]);
	if (!cmd)
		cli_usage_error("unknown command '%s'", argv[optind]);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		die("cannot initialise libcurl");
	argc -= optind;
	argv += optind;
	optind = 0;
	ret = cli_run(cmd, &g, argc, argv);
	lock_release(store_gc_lock_fd);
	curl_global_cleanup();
	return ret;
}
