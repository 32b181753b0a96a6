/* main.c: kist-runtime, an OCI runtime with runc's command line.
 * Exit codes: 0 success, 1 failure, 2 usage error; `run` passes the
 * container's exit status through, `exec` the process's (and exits 255,
 * as runc, when the exec itself failed). */
#include <seccomp.h> /* seccomp_version */
#include <stdio.h>   /* printf */
#include <stdlib.h>  /* exit */
#include <string.h>  /* strcmp */
#include "common/cli.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"
#include "runtime/runtime.h"
#include "runtime/security.h"
#include "runtime/state.h"
#include "spec/defaults.h"

static const struct cli_cmd commands[] = {
    {"spec", cmd_spec, "write a default config.json"},
    {"create", cmd_create, "create a container from a bundle"},
    {"start", cmd_start, "run the program of a created container"},
    {"run", cmd_run, "create and start a container"},
    {"state", cmd_state, "print a container's state as JSON"},
    {"kill", cmd_kill, "send a signal to a container's init"},
    {"delete", cmd_delete, "delete a container"},
    {"list", cmd_list, "list containers"},
    {"ps", cmd_ps, "list processes in a container"},
    {"pause", cmd_pause, "freeze every process of a container"},
    {"resume", cmd_resume, "thaw a paused container"},
    {"events", cmd_events, "print a container's resource usage as JSON"},
    {"update", cmd_update, "change a running container's resource limits"},
    {"exec", cmd_exec, "run a new process in a container"},
    {"features", cmd_features, "print what this runtime supports as JSON"},
    {NULL, NULL, NULL},
};

const char *rt_command_summary_n(const char *verb, size_t n)
{
	for (const struct cli_cmd *c = commands; c->name; c++)
		if (strlen(c->name) == n && strncmp(c->name, verb, n) == 0)
			return c->summary;
	return "";
}

static void print_version(void);

/* runc's layout: NAME, USAGE, VERSION, COMMANDS, GLOBAL OPTIONS. */
static void usage(void)
{
	printf("NAME:\n   kist-runtime - Open Container Initiative runtime\n\n"
	       "kist-runtime runs containers from OCI bundles with runc's command line.\n\n"
	       "USAGE:\n   kist-runtime [global options] command [command options] "
	       "[arguments...]\n\nVERSION:\n   ");
	print_version();
	printf("\nCOMMANDS:\n");
	for (const struct cli_cmd *c = commands; c->name; c++)
		printf("   %-10s  %s\n", c->name, c->summary);
	printf("\nGLOBAL OPTIONS:\n"
	       "   --root DIR          state directory (default %s)\n"
	       "   --log FILE          write log lines to FILE instead of stderr\n"
	       "   --log-format FMT    text or json\n"
	       "   --debug             log debug messages\n"
	       "   --systemd-cgroup    cgroupsPath is slice:prefix:name\n"
	       "   --cgroup-manager M  cgroupfs (default), systemd (as --systemd-cgroup) or\n"
	       "                       disabled (no cgroup: linux.resources are not applied)\n"
	       "   --help, -h          show help\n"
	       "   --version, -v       print the version\n",
	       rt_state_default_root());
}

/* runc's layout: version, commit, the runtime-spec version implemented
 * (the one `state` reports and `features` gives as ociVersionMax), the
 * libseccomp in use. */
static void print_version(void)
{
	const struct scmp_version *sv = seccomp_version();
	/* a build from a commit without a release tag is numbered 0.0.0 */
	unsigned a, b, c;
	bool release = sscanf(kist_version, "%u.%u.%u", &a, &b, &c) == 3;

	printf("kist-runtime version %s\n", release ? kist_version : "0.0.0-dev");
	printf("commit: %s\n", kist_version);
	printf("spec: %s\n", spec_runtime_version());
	if (sv)
		printf("libseccomp: %u.%u.%u\n", sv->major, sv->minor, sv->micro);
}

/* "--opt value" or "--opt=value"; advances *i. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (a[n] == '=')
		return a + n + 1;
	if (*i + 1 >= argc)
		cli_usage_error("option '%s' needs a value", name);
	return argv[++*i];
}

static bool is_opt(const char *a, const char *name)
{
	size_t n = strlen(name);
	return strncmp(a, name, n) == 0 && (a[n] == 0 || a[n] == '=');
}

int main(int argc, char **argv, char **envp)
{
	struct rt_global g = {.root = NULL};
	const char *log_file = NULL, *log_format = NULL;
	const struct cli_cmd *cmd;
	struct err *err = NULL;
	int i;

	rt_cloned_binary_ensure(argc, argv, envp);
	log_init(argv[0]);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (is_opt(a, "--root"))
			g.root = opt_value(argc, argv, &i, "--root");
		else if (is_opt(a, "--log"))
			log_file = opt_value(argc, argv, &i, "--log");
		else if (is_opt(a, "--log-format"))
			log_format = opt_value(argc, argv, &i, "--log-format");
		else if (streq(a, "--debug"))
			g.debug = true;
		else if (streq(a, "--systemd-cgroup"))
			g.systemd_cgroup = true;
		else if (is_opt(a, "--cgroup-manager")) {
			/* crun's spelling of the cgroup driver choice */
			const char *m = opt_value(argc, argv, &i, "--cgroup-manager");
			g.systemd_cgroup = streq(m, "systemd");
			g.no_cgroup = streq(m, "disabled");
			if (!streq(m, "systemd") && !streq(m, "cgroupfs") && !streq(m, "disabled"))
				cli_usage_error(
				    "unknown cgroup manager '%s' (cgroupfs, systemd or disabled)",
				    m);
		} else if (is_opt(a, "--rootless") || is_opt(a, "--criu"))
			(void)opt_value(argc, argv, &i,
					is_opt(a, "--criu") ? "--criu" : "--rootless");
		else if (streq(a, "-h") || streq(a, "--help")) {
			usage();
			return EXIT_OK;
		} else if (streq(a, "-v") || streq(a, "--version")) {
			print_version();
			return EXIT_OK;
		} else
			cli_usage_error("unknown global option '%s'", a);
	}
	if (log_format) {
		enum log_format f;
		if (log_parse_format(log_format, &f, &err) < 0) {
			err_print(err);
			err_free(err);
			return EXIT_USAGE;
		}
		log_set_format(f);
	}
	if (log_file && log_set_file(log_file, &err) < 0) {
		err_print(err);
		err_free(err);
		return EXIT_FAIL;
	}
	if (g.debug)
		log_set_level(LOG_LEVEL_DEBUG);
	if (!g.root)
		g.root = rt_state_default_root();
	if (i >= argc) {
		usage();
		return EXIT_USAGE;
	}
	cmd = cli_find(commands, argv[i]);
	if (!cmd) {
		/* `VERB -h` of a verb we lack: runc (urfave/cli) has no topic */
		for (int j = i + 1; j < argc; j++)
			if (streq(argv[j], "-h") || streq(argv[j], "--help"))
				cli_usage_error("No help topic for '%s'", argv[i]);
		cli_usage_error("unknown command '%s'", argv[i]);
	}
	return cli_run(cmd, &g, argc - i, argv + i);
}
