/* main.c: kist-shim's command line.
 *
 *   kist-shim --id ID --bundle DIR [options]   start a monitored container
 *   kist-shim attach|stop|kill|delete|state|logs ...
 */
#define _GNU_SOURCE
#include <errno.h>    /* errno */
#include <getopt.h>   /* getopt_long */
#include <limits.h>   /* PATH_MAX */
#include <stdio.h>    /* puts */
#include <stdlib.h>   /* exit */
#include <string.h>   /* strrchr */
#include <sys/stat.h> /* stat */
#include <unistd.h>   /* access */
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/util.h"
#include "shim/shim.h"

static const char usage_text[] =
    "usage: kist-shim --id ID --bundle DIR [OPTIONS]\n"
    "       kist-shim COMMAND [OPTIONS] ID\n"
    "\n"
    "Start and monitor one container: kist-shim daemonizes, runs the runtime's\n"
    "create and start with pipes (or a pty) for the container's stdio, writes its\n"
    "output to a json-file log, records how it ended and restarts it by policy.\n"
    "It returns once the container runs (exit 0) or failed to start (the runtime's\n"
    "error on stderr, exit 1).  Paths default to $KIST_RUN/shim/ID/ (KIST_RUN\n"
    "defaults to /run/kist).\n"
    "\n"
    "options:\n"
    "      --id ID              container id (as given to the runtime)\n"
    "      --bundle DIR         OCI bundle (config.json and rootfs)\n"
    "      --runtime PATH       runc-compatible runtime (default: kist-runtime)\n"
    "      --runtime-root DIR   the runtime's --root (its state directory)\n"
    "      --log FILE           json-file log (default log.json)\n"
    "      --log-opt OPTS       max-size=N[kmg],max-file=N (as docker's json-file)\n"
    "      --state FILE         state record, docker's State fields (default state.json)\n"
    "      --pid-file FILE      the container's pid (default pid)\n"
    "      --restart POLICY     no, always, unless-stopped, on-failure[:N]\n"
    "  -i, --interactive        keep stdin open (written through the attach socket)\n"
    "  -t, --tty                give the container a pty (process.terminal)\n"
    "      --no-start           create only; `kist-shim start ID` (or attach --start)\n"
    "                           starts it\n"
    "      --exit-command PATH  run PATH (with each --exit-command-arg ARG) once the\n"
    "                           container has stopped for good (kist: kist-net down)\n"
    "  -h, --help               this help\n"
    "  -v, --version            print the version\n"
    "\n"
    "commands:\n"
    "  attach     attach to a running container's output and stdin\n"
    "  start      start a container created with --no-start\n"
    "  wait       wait for the container to stop; print its exit code\n"
    "  stop       stop the container (SIGTERM, then SIGKILL after a timeout)\n"
    "  pause      freeze the container (the runtime's pause) and record it\n"
    "  resume     thaw a paused container and record it\n"
    "  kill       send a signal to the container\n"
    "  delete     remove what is left of a container and its shim\n"
    "  state      print the container's state record\n"
    "  logs       print the container's log as docker logs does\n"
    "\n"
    "exit codes: 0 success, 1 failure, 2 usage error; attach exits with the\n"
    "container's exit code.\n";

/* An absolute path for p (relative to the current directory). */
static char *absolute(const char *p)
{
	char cwd[PATH_MAX];

	if (p[0] == '/')
		return xstrdup(p);
	if (!getcwd(cwd, sizeof(cwd)))
		die_errno("getcwd");
	return xasprintf("%s/%s", cwd, p);
}

/* --runtime: a path, a name in PATH, or by default kist-runtime next to
 * this binary (then PATH). */
static int find_runtime(const char *want, char **out, struct err **err)
{
	const char *path = getenv("PATH");

	if (want && strchr(want, '/')) {
		if (access(want, X_OK) < 0)
			return err_set(err, errno, "runtime '%s'", want);
		*out = absolute(want);
		return 0;
	}
	if (!want) {
		char *cand = proc_sibling_path("kist-runtime");

		if (strchr(cand, '/')) {
			*out = cand;
			return 0;
		}
		free(cand);
		want = "kist-runtime";
	}
	for (const char *p = path ? path : "/usr/local/bin:/usr/bin:/bin"; *p;) {
		size_t len = strcspn(p, ":");
		char *cand = xasprintf("%.*s/%s", (int)len, p, want);

		if (len && access(cand, X_OK) == 0) {
			*out = cand;
			return 0;
		}
		free(cand);
		p += len;
		if (*p == ':')
			p++;
	}
	return err_set(err, 0, "runtime '%s' not found in PATH", want);
}

static int cmd_start(int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"id", required_argument, NULL, 'I'},
	    {"bundle", required_argument, NULL, 'b'},
	    {"runtime", required_argument, NULL, 'r'},
	    {"runtime-root", required_argument, NULL, 'R'},
	    {"log", required_argument, NULL, 'l'},
	    {"log-opt", required_argument, NULL, 'o'},
	    {"state", required_argument, NULL, 's'},
	    {"pid-file", required_argument, NULL, 'p'},
	    {"restart", required_argument, NULL, 'x'},
	    {"interactive", no_argument, NULL, 'i'},
	    {"tty", no_argument, NULL, 't'},
	    {"no-start", no_argument, NULL, 'N'},
	    {"exit-command", required_argument, NULL, 'E'},
	    {"exit-command-arg", required_argument, NULL, 'A'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	struct shim_config cfg = {.log_opts = {.max_size = 0, .max_file = 1}};
	const char *bundle = NULL, *runtime = NULL, *log = NULL, *state = NULL, *pid = NULL;
	cleanup_free char *config = NULL;
	struct stat st;
	int c, ret = -1;

	optind = 0;
	opterr = 0;
	while ((c = cli_getopt(argc, argv, "+ithv", opts, NULL)) != -1) {
		switch (c) {
		case 'I':
			cfg.id = optarg;
			break;
		case 'b':
			bundle = optarg;
			break;
		case 'r':
			runtime = optarg;
			break;
		case 'R':
			cfg.runtime_root = absolute(optarg);
			break;
		case 'l':
			log = optarg;
			break;
		case 'o':
			if (log_opts_parse(optarg, &cfg.log_opts, err) < 0)
				goto out;
			break;
		case 's':
			state = optarg;
			break;
		case 'p':
			pid = optarg;
			break;
		case 'x':
			if (restart_policy_parse(optarg, &cfg.restart, err) < 0)
				goto out;
			break;
		case 'i':
			cfg.stdin_open = true;
			break;
		case 't':
			cfg.tty = true;
			break;
		case 'N':
			cfg.no_start = true;
			break;
		case 'E':
			if (cfg.exit_command)
				cli_usage_error("--exit-command given twice");
			strv_push(&cfg.exit_command, optarg);
			break;
		case 'A':
			if (!cfg.exit_command)
				cli_usage_error("--exit-command-arg before --exit-command");
			strv_push(&cfg.exit_command, optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		case 'v':
			cli_print_version();
			exit(EXIT_OK);
		case ':':
			cli_usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			cli_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!cfg.id)
		cli_usage_error("--id is required");
	if (!bundle)
		cli_usage_error("--bundle is required");
	if (!shim_id_valid(cfg.id)) {
		err_set(err, 0, "invalid container id '%s'", cfg.id);
		goto out;
	}
	if (stat(bundle, &st) < 0) {
		err_set(err, errno, "bundle '%s'", bundle);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		err_set(err, 0, "bundle '%s' is not a directory", bundle);
		goto out;
	}
	config = xasprintf("%s/config.json", bundle);
	if (!fs_exists(config)) {
		err_set(err, 0, "bundle '%s' has no config.json", bundle);
		goto out;
	}
	cfg.bundle = absolute(bundle);
	if (find_runtime(runtime, &cfg.runtime, err) < 0)
		goto out;
	cfg.dir = shim_dir(cfg.id);
	cfg.log_path = log ? absolute(log) : xasprintf("%s/log.json", cfg.dir);
	cfg.state_path = state ? absolute(state) : xasprintf("%s/state.json", cfg.dir);
	cfg.pid_file = pid ? absolute(pid) : xasprintf("%s/pid", cfg.dir);
	ret = shim_start(&cfg, err);
out:
	shim_config_release(&cfg);
	return ret;
}

int main(int argc, char **argv)
{
	struct err *err = NULL;
	const char *verb = argc > 1 ? argv[1] : NULL;
	int ret;

	log_init(argv[0]);
	if (conmon_invoked(argc, argv)) {
		ret = conmon_main(argc, argv, &err);
		goto out;
	}
	if (!verb)
		cli_usage_error("expected --id ID --bundle DIR, or a command");
	if (verb[0] != '-') {
		static const char *const verbs[] = {"attach", "start", "stop", "kill",  "delete",
						    "state",  "wait",  "logs", "pause", "resume"};
		bool known = false;

		for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
			known = known || streq(verb, verbs[i]);
		if (!known)
			cli_usage_error("unknown command '%s'", verb);
		cli_set_verb(verb); /* usage errors point to 'kist-shim VERB --help' */
	}
	if (streq(verb, "attach"))
		ret = cmd_attach(argc - 1, argv + 1, &err);
	else if (streq(verb, "stop") || streq(verb, "kill") || streq(verb, "delete") ||
		 streq(verb, "start") || streq(verb, "pause") || streq(verb, "resume"))
		ret = cmd_ctl(verb, argc - 1, argv + 1, &err);
	else if (streq(verb, "state"))
		ret = cmd_state(argc - 1, argv + 1, &err);
	else if (streq(verb, "wait"))
		ret = cmd_wait(argc - 1, argv + 1, &err);
	else if (streq(verb, "logs"))
		ret = cmd_logs(argc - 1, argv + 1, &err);
	else if (verb[0] == '-')
		ret = cmd_start(argc, argv, &err);
	else
		cli_usage_error("unknown command '%s'", verb);
out:
	fflush(stdout);
	if (ret < 0) {
		err_print(err);
		ret = EXIT_FAIL;
	}
	err_free(err);
	return ret;
}
