/* cmd_create.c: `create [--bundle DIR] [--pid-file F] [--console-socket S]
 * [--preserve-fds N] [--no-pivot] ID` */
#include <errno.h>  /* errno */
#include <getopt.h> /* getopt_long */
#include <stdio.h>  /* printf */
#include <stdlib.h> /* free, getenv */
#include <unistd.h> /* getpid */
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/util.h"
#include "runtime/container.h"
#include "runtime/runtime.h"

static const char usage_text[] =
    "usage: kist-runtime create [options] ID\n"
    "  -b, --bundle DIR         bundle directory (default: current directory)\n"
    "      --pid-file FILE      write the init's pid to FILE\n"
    "      --console-socket S   send the pty master to this unix socket\n"
    "      --preserve-fds N     pass N extra fds (from 3) to the container\n"
    "      --no-pivot           use MS_MOVE + chroot instead of pivot_root\n"
    "      --no-new-keyring     accepted for runc compatibility\n"
    "      --config FILE        config.json in place of the bundle's (crun's option)\n";

/* Options shared with `run` (which adds --detach). */
int rt_parse_create_opts(int argc, char **argv, struct rt_create_opts *o, bool *detach,
			 const char *usage);

int rt_parse_create_opts(int argc, char **argv, struct rt_create_opts *o, bool *detach,
			 const char *usage)
{
	static const struct option opts[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"pid-file", required_argument, NULL, 'p'},
	    {"console-socket", required_argument, NULL, 'c'},
	    {"preserve-fds", required_argument, NULL, 'f'},
	    {"no-pivot", no_argument, NULL, 'P'},
	    {"no-new-keyring", no_argument, NULL, 'k'},
	    {"detach", no_argument, NULL, 'd'},
	    {"keep", no_argument, NULL, 'K'},
	    {"pidfd-socket", required_argument, NULL, 's'},
	    {"config", required_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = cli_getopt(argc, argv, detach ? "b:dh" : "b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->bundle = optarg;
			break;
		case 'p':
			o->pid_file = optarg;
			break;
		case 'c':
			o->console_socket = optarg;
			break;
		case 'f':
			o->preserve_fds = (int)cli_parse_uint("--preserve-fds", optarg);
			break;
		case 'P':
			o->no_pivot = true;
			break;
		case 'k':
			o->no_new_keyring = true;
			break;
		case 'd':
			if (!detach)
				cli_usage_error("%s: unknown option '--detach'", argv[0]);
			*detach = true;
			break;
		case 'C':
			o->config = optarg;
			break;
		case 'K':
			if (!detach)
				cli_usage_error("%s: unknown option '--keep'", argv[0]);
			o->keep = true;
			break;
		case 's':
			break;
		case 'h':
			rt_help(usage);
			exit(EXIT_OK);
		default:
			cli_usage_error("%s: unknown option '%s'", argv[0], argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		cli_usage_error("%s: expected exactly one container id", argv[0]);
	o->id = argv[optind];
	{
		/* systemd socket activation (as runc): LISTEN_FDS meant for us
		 * go on to the container, before the --preserve-fds ones */
		const char *lf = getenv("LISTEN_FDS"), *lp = getenv("LISTEN_PID");
		char *end;
		long n = lf ? strtol(lf, &end, 10) : 0;
		if (lf && lp && *lf && !*end && n > 0 && n < 1024 &&
		    strtol(lp, NULL, 10) == (long)getpid())
			o->listen_fds = (int)n;
	}
	return 0;
}

int cmd_create(void *gp, int argc, char **argv, struct err **err)
{
	struct rt_global *g = gp;
	struct rt_create_opts o = {
	    .root = g->root, .systemd_cgroup = g->systemd_cgroup, .no_cgroup = g->no_cgroup};
	struct rt_container *c = NULL;

	rt_parse_create_opts(argc, argv, &o, NULL, usage_text);
	if (rt_container_create(&o, &c, err) < 0)
		return -1;
	rt_container_free(c);
	return EXIT_OK;
}
