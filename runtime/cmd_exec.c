/* cmd_exec.c: `exec ID [--process FILE | ARGS...]`: a new process in a
 * running container (runc's options). */
#include <getopt.h> /* getopt_long */
#include <stdio.h>  /* fputs */
#include <stdlib.h> /* strtoul */
#include <string.h> /* strchr */

#include "common/cli.h"
#include "common/err.h"
#include "common/util.h"
#include "runtime/exec.h"
#include "runtime/runtime.h"

#define EXEC_FAILED 255 /* exit code when the exec itself failed (runc) */

static const char usage_text[] =
    "usage: kist-runtime exec [options] ID [--process FILE | COMMAND [ARGS...]]\n"
    "  -p, --process FILE       process spec (JSON) instead of COMMAND\n"
    "  -t, --tty                allocate a pty (detached: needs --console-socket)\n"
    "      --console-socket S   unix socket that receives the pty master\n"
    "  -d, --detach             do not wait for the process\n"
    "      --pid-file F         write the process's pid to F\n"
    "      --cwd DIR            working directory in the container\n"
    "  -e, --env K=V            add or replace an environment variable\n"
    "      --cgroup [CTRL:]PATH run in an existing sub-cgroup of the container's\n"
    "                           (of controller CTRL only; repeatable)\n"
    "  -u, --user UID[:GID]     run as this user\n"
    "      --additional-gids G  add a supplementary group (repeatable)\n"
    "  -c, --cap CAP            add a capability (repeatable)\n"
    "      --no-new-privs       set no_new_privs\n"
    "      --preserve-fds N     pass fds 3..3+N-1 on to the process\n";

static uint32_t parse_id(const char *opt, const char *s)
{
	long long v = cli_parse_uint(opt, s);

	if (v > 0xffffffffLL)
		cli_usage_error("option '%s': '%s' is out of range", opt, s);
	return (uint32_t)v;
}

int cmd_exec(void *gp, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"process", required_argument, NULL, 'p'},
	    {"tty", no_argument, NULL, 't'},
	    {"console-socket", required_argument, NULL, 'S'},
	    {"detach", no_argument, NULL, 'd'},
	    {"pid-file", required_argument, NULL, 'P'},
	    {"cwd", required_argument, NULL, 'w'},
	    {"env", required_argument, NULL, 'e'},
	    {"user", required_argument, NULL, 'u'},
	    {"additional-gids", required_argument, NULL, 'g'},
	    {"cap", required_argument, NULL, 'c'},
	    {"no-new-privs", no_argument, NULL, 'N'},
	    {"preserve-fds", required_argument, NULL, 'F'},
	    {"process-label", required_argument, NULL, 'L'},
	    {"apparmor", required_argument, NULL, 'A'},
	    {"ignore-paused", no_argument, NULL, 'I'},
	    {"cgroup", required_argument, NULL, 'G'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct rt_global *g = gp;
	struct rt_exec_opts o = RT_EXEC_OPTS_INIT;
	char **env = NULL, **caps = NULL, **cgroups = NULL;
	uint32_t *gids = NULL;
	size_t n_gids = 0;
	int c, ret, code = 0;

	optind = 1;
	opterr = 0;
	/* "+": options stop at the id, the command's own options are its own */
	while ((c = cli_getopt(argc, argv, "+p:tdS:e:u:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.process_path = optarg;
			break;
		case 't':
			o.tty = true;
			break;
		case 'S':
			o.console_socket = optarg;
			break;
		case 'd':
			o.detach = true;
			break;
		case 'P':
			o.pid_file = optarg;
			break;
		case 'w':
			o.cwd = optarg;
			break;
		case 'G':
			strv_push(&cgroups, optarg);
			break;
		case 'e':
			if (!strchr(optarg, '='))
				cli_usage_error("option '--env': '%s' is not KEY=VALUE", optarg);
			strv_push(&env, optarg);
			break;
		case 'u': {
			char *colon = strchr(optarg, ':');

			o.has_user = true;
			if (colon) {
				*colon = '\0';
				o.gid = parse_id("--user", colon + 1);
				o.has_gid = true;
			}
			o.uid = parse_id("--user", optarg);
			break;
		}
		case 'g':
			gids = xrealloc(gids, (n_gids + 1) * sizeof(*gids));
			gids[n_gids++] = parse_id("--additional-gids", optarg);
			break;
		case 'c':
			strv_push(&caps, optarg);
			break;
		case 'N':
			o.no_new_privs = true;
			break;
		case 'F':
			o.preserve_fds = (int)cli_parse_uint("--preserve-fds", optarg);
			break;
		case 'L':
		case 'A':
		case 'I':
			break; /* no SELinux/AppArmor here; paused containers are refused */
		case 'h':
			rt_help(usage_text);
			return EXIT_OK;
		default:
			cli_usage_error("exec: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		cli_usage_error("exec: expected a container id");
	o.id = argv[optind++];
	if (o.process_path && optind < argc)
		cli_usage_error("exec: give either --process or a command, not both");
	if (!o.process_path && optind >= argc)
		cli_usage_error("exec: expected a command to run (or --process FILE)");
	if (o.console_socket && !o.tty && !o.process_path)
		cli_usage_error("exec: '--console-socket' needs '--tty'");
	o.args = argv + optind;
	o.root = g->root;
	o.env = env;
	o.caps = caps;
	o.cgroups = cgroups;
	o.additional_gids = gids;
	o.n_additional_gids = n_gids;

	ret = rt_exec(&o, &code, err);
	strv_free(env);
	strv_free(caps);
	strv_free(cgroups);
	free(gids);
	if (ret < 0) {
		/* runc: 255 when the exec itself failed, so that it differs
		 * from any status the process could exit with but 255 */
		err_print(*err);
		err_free(*err);
		*err = NULL;
		return EXEC_FAILED;
	}
	return code;
}
