/* main.c: kist [OPTIONS] COMMAND: docker's command line, daemonless.
 * Exit codes as docker's: 0 success, 1 the command failed, 125 kist's own
 * errors (an unknown flag or command, bad arguments); a verb that runs a
 * program passes its failure status through. */
#define _GNU_SOURCE
#include <getopt.h> /* struct option */
#include <stdio.h>  /* printf */
#include <stdlib.h> /* getenv */
#include <string.h> /* strlen */

#include "cli/kist.h"
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/log.h"
#include "common/util.h"

static void usage(void)
{
	const struct kentry *e;
	const struct kgroup *g;

	printf("\nUsage:  kist [OPTIONS] COMMAND\n\n"
	       "A daemonless container toolchain with docker's command line\n\n"
	       "Options:\n"
	       "  -D, --debug         Enable debug mode\n"
	       "  -h, --help          Print usage\n"
	       "      --root string   Store root: images, layers and containers (default\n"
	       "                      $KIST_ROOT or /var/lib/kist)\n"
	       "  -v, --version       Print version information and quit\n"
	       "\nManagement Commands:\n");
	for (g = kist_groups; g->name; g++)
		printf("  %-10s  %s\n", g->name, g->summary);
	printf("\nCommands:\n");
	for (e = kist_commands; e->name; e++)
		if (!e->hidden)
			printf("  %-10s  %s\n", e->name, e->v->summary);
	printf("\nRun 'kist COMMAND --help' for more information on a command.\n");
}

static void group_usage(const struct kgroup *g)
{
	const struct kentry *e;

	printf("\nUsage:  kist %s COMMAND\n\n%s\n\nCommands:\n", g->name, g->summary);
	for (e = g->verbs; e->name; e++)
		if (!e->hidden)
			printf("  %-10s  %s\n", e->name, e->v->summary);
	printf("\nRun 'kist %s COMMAND --help' for more information on a command.\n", g->name);
}

static const struct kgroup *find_group(const char *name)
{
	for (const struct kgroup *g = kist_groups; g->name; g++)
		if (streq(g->name, name))
			return g;
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"root", required_argument, NULL, 'r'},
	    {"debug", no_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	struct kist k = {0};
	const struct kentry *e;
	const struct kgroup *g;
	const char *env = getenv("KIST_ROOT");
	int c;

	log_init(argv[0]);
	cli_set_usage_style(false, EXIT_RUN_ERROR);
	if (env && *env)
		k.root = env;
	while ((c = cli_getopt(argc, argv, "+Dhv", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (!*optarg)
				cli_usage_error(
				    "invalid argument \"\" for \"--root\" flag: empty path");
			k.root = optarg;
			break;
		case 'D':
			k.debug = true;
			break;
		case 'h':
			usage();
			return EXIT_OK;
		case 'v':
			printf("kist version %s\n", kist_version);
			return EXIT_OK;
		}
	}
	if (optind >= argc) {
		usage();
		return EXIT_OK;
	}
	argc -= optind;
	argv += optind;
	g = find_group(argv[0]);
	if (g) {
		cleanup_free char *typed = NULL;

		if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
			group_usage(g);
			return EXIT_OK;
		}
		e = kist_find(g->verbs, argv[1]);
		if (!e && argv[1][0] == '-') {
			cli_set_verb(g->name);
			cli_usage_error("unknown flag: %.*s", (int)strcspn(argv[1], "="), argv[1]);
		}
		if (!e) {
			cli_set_verb(g->name);
			fprintf(stderr,
				"kist: '%s %s' is not a kist command.\nSee 'kist %s --help'\n",
				g->name, argv[1], g->name);
			return EXIT_RUN_ERROR;
		}
		typed = xasprintf("%s %s", g->name, argv[1]);
		return kverb_main(&k, e->v, typed, argc - 1, argv + 1);
	}
	e = kist_find(kist_commands, argv[0]);
	if (!e) {
		fprintf(stderr, "kist: '%s' is not a kist command.\nSee 'kist --help'\n", argv[0]);
		return EXIT_RUN_ERROR;
	}
	return kverb_main(&k, e->v, argv[0], argc, argv);
}
