/* conmon.c: conmon's command line and its protocol with podman, so that
 * podman can use kist-shim as its conmon (containers.conf conmon_path, or
 * `podman --conmon`, naming a link called "conmon" to kist-shim).
 *
 * What is spoken: the version check, conmon's flags, the start pipe
 * (_OCI_STARTPIPE: create once podman says so), the sync pipe
 * (_OCI_SYNCPIPE: {"data": PID} after create, or -1 and the message), the
 * conmon pid file, the k8s-file log, the exit files (exit-dir/ID,
 * persist-dir/exit and oom) and the exit command, which the shim becomes
 * at the end.  podman starts the container itself (`runtime start`).
 * The attach socket is the bundle's "attach" (SOCK_SEQPACKET: each packet
 * out is the stream's number, 2 stdout or 3 stderr, then the bytes; packets
 * in are stdin), and the bundle's ctl and winsz fifos take terminal resizes
 * and log reopens.  --exec runs podman's process.json in the running
 * container (`runtime exec --process --detach`) as its own session: the
 * pid and then the exit code go on the sync pipe, and with --exec-attach
 * {"data": 0} on _OCI_ATTACHPIPE says the attach socket listens.
 * Not spoken: --restore (checkpoints) and the seccomp notify plugins,
 * which are refused. */
#define _GNU_SOURCE
#include <fcntl.h>  /* fcntl */
#include <getopt.h> /* getopt_long */
#include <stdio.h>  /* printf */
#include <stdlib.h> /* getenv */
#include <string.h> /* strrchr */
#include <unistd.h> /* getpid */
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"
#include "shim/shim.h"

/* The conmon release whose protocol this follows (podman checks it). */
#define CONMON_PROTOCOL_VERSION "2.1.6"

bool conmon_invoked(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');

	base = base ? base + 1 : argv[0];
	return streq(base, "conmon") || (argc > 1 && str_has_prefix(argv[1], "--api-version"));
}

static int env_fd(const char *name)
{
	const char *v = getenv(name);
	char *end;
	long fd;

	if (!v || !*v)
		return -1;
	fd = strtol(v, &end, 10);
	if (*end || fd < 0 || fd > 65535 || fcntl((int)fd, F_GETFD) < 0)
		return -1;
	/* the runtime and the container must not inherit podman's pipes */
	fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	return (int)fd;
}

/* {"data": value} or {"data": -1, "message": error}, a line on podman's pipe */
static void pipe_report(int fd, int value, const char *error)
{
	cleanup_free char *msg = NULL;
	struct buf b = BUF_INIT;

	if (fd < 0)
		return;
	if (error) {
		/* the message as a JSON string */
		buf_adds(&b, "{\"data\": -1, \"message\": \"");
		for (const char *p = error; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_addch(&b, '\\');
			if ((unsigned char)*p >= 0x20)
				buf_addch(&b, *p);
		}
		buf_adds(&b, "\"}\n");
	} else {
		buf_addf(&b, "{\"data\": %d}\n", value);
	}
	msg = buf_detach(&b, NULL);
	if (fs_write_all(fd, msg, strlen(msg)) < 0) {
		/* podman went away: nobody to tell */
	}
}

void conmon_report(const struct conmon_compat *c, int pid, const char *error)
{
	pipe_report(c->sync_fd, pid, error);
}

void conmon_attach_ready(struct conmon_compat *c)
{
	pipe_report(c->attach_fd, 0, NULL);
	fs_close(c->attach_fd);
	c->attach_fd = -1;
}

static void write_number(const char *dir, const char *name, int v)
{
	cleanup_free char *path = NULL;
	char text[16];

	if (!dir)
		return;
	path = xasprintf("%s/%s", dir, name);
	snprintf(text, sizeof(text), "%d", v);
	fs_write_file_atomic(path, text, strlen(text), 0644, NULL);
}

void conmon_exit_files(const struct conmon_compat *c, const char *id, int exit_code,
		       bool oom_killed)
{
	if (c->persist_dir) {
		write_number(c->persist_dir, "exit", exit_code);
		if (oom_killed) {
			cleanup_free char *oom = xasprintf("%s/oom", c->persist_dir);
			fs_write_file_atomic(oom, "", 0, 0644, NULL);
		}
	}
	if (c->exit_dir) {
		if (oom_killed) {
			cleanup_free char *oom = xasprintf("%s/%s.oom", c->exit_dir, id);
			fs_write_file_atomic(oom, "", 0, 0644, NULL);
		}
		write_number(c->exit_dir, id, exit_code);
	}
}

int conmon_main(int argc, char **argv, struct err **err)
{
	enum {
		O_API = 256,
		O_EXIT_CMD,
		O_EXIT_ARG,
		O_EXIT_DELAY,
		O_EXIT_DIR,
		O_LOG_LEVEL,
		O_LOG_SIZE,
		O_LOG_GSIZE,
		O_LOG_TAG,
		O_RT_ARG,
		O_RT_OPT,
		O_SOCKDIR,
		O_FULL,
		O_VERSION,
		O_EXEC_ATTACH,
		O_EXEC_SPEC,
		O_IGNORED,
		O_IGNORED_ARG,
		O_UNSUPPORTED,
	};
	static const struct option opts[] = {
	    {"api-version", required_argument, NULL, O_API},
	    {"bundle", required_argument, NULL, 'b'},
	    {"cid", required_argument, NULL, 'c'},
	    {"conmon-pidfile", required_argument, NULL, 'P'},
	    {"container-pidfile", required_argument, NULL, 'p'},
	    {"cuuid", required_argument, NULL, 'u'},
	    {"exit-command", required_argument, NULL, O_EXIT_CMD},
	    {"exit-command-arg", required_argument, NULL, O_EXIT_ARG},
	    {"exit-delay", required_argument, NULL, O_EXIT_DELAY},
	    {"exit-dir", required_argument, NULL, O_EXIT_DIR},
	    {"log-level", required_argument, NULL, O_LOG_LEVEL},
	    {"log-path", required_argument, NULL, 'l'},
	    {"log-size-max", required_argument, NULL, O_LOG_SIZE},
	    {"log-global-size-max", required_argument, NULL, O_LOG_GSIZE},
	    {"log-tag", required_argument, NULL, O_LOG_TAG},
	    {"name", required_argument, NULL, 'n'},
	    {"persist-dir", required_argument, NULL, '0'},
	    {"runtime", required_argument, NULL, 'r'},
	    {"runtime-arg", required_argument, NULL, O_RT_ARG},
	    {"runtime-opt", required_argument, NULL, O_RT_OPT},
	    {"socket-dir-path", required_argument, NULL, O_SOCKDIR},
	    {"full-attach", no_argument, NULL, O_FULL},
	    {"stdin", no_argument, NULL, 'i'},
	    {"terminal", no_argument, NULL, 't'},
	    {"systemd-cgroup", no_argument, NULL, 's'},
	    {"syslog", no_argument, NULL, O_IGNORED},
	    {"sync", no_argument, NULL, O_IGNORED},
	    {"no-new-keyring", no_argument, NULL, O_IGNORED},
	    {"no-pivot", no_argument, NULL, O_IGNORED},
	    {"no-sync-log", no_argument, NULL, O_IGNORED},
	    {"leave-stdin-open", no_argument, NULL, O_IGNORED},
	    {"replace-listen-pid", no_argument, NULL, O_IGNORED},
	    {"sdnotify-socket", required_argument, NULL, O_IGNORED_ARG},
	    {"timeout", required_argument, NULL, 'T'},
	    {"exec", no_argument, NULL, 'e'},
	    {"exec-attach", no_argument, NULL, O_EXEC_ATTACH},
	    {"exec-process-spec", required_argument, NULL, O_EXEC_SPEC},
	    {"restore", required_argument, NULL, O_UNSUPPORTED},
	    {"seccomp-notify-socket", required_argument, NULL, O_UNSUPPORTED},
	    {"seccomp-notify-plugins", required_argument, NULL, O_UNSUPPORTED},
	    {"version", no_argument, NULL, O_VERSION},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct conmon_compat cm = {.sync_fd = -1, .start_fd = -1, .attach_fd = -1};
	struct shim_config cfg = {.log_opts = {.max_size = 0, .max_file = 1}};
	char **exit_args = NULL;
	const char *bundle = NULL, *log = NULL, *exit_cmd = NULL, *cuuid = NULL, *exec_spec = NULL;
	bool exec = false, exec_attach = false;
	int c, ret = -1;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "b:c:P:p:u:l:n:0:r:itsT:eh", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			bundle = optarg;
			break;
		case 'c':
			cfg.id = optarg;
			break;
		case 'P':
			cm.conmon_pidfile = optarg;
			break;
		case 'u':
			cuuid = optarg;
			break;
		case 'e':
			exec = true;
			break;
		case O_EXEC_ATTACH:
			exec_attach = true;
			break;
		case O_EXEC_SPEC:
			exec_spec = optarg;
			break;
		case 'p':
			cfg.pid_file = xstrdup(optarg);
			break;
		case 'l':
			log = optarg;
			break;
		case '0':
			cm.persist_dir = optarg;
			break;
		case 'r':
			cfg.runtime = xstrdup(optarg);
			break;
		case 'i':
			cfg.stdin_open = true;
			break;
		case 't':
			cfg.tty = true;
			break;
		case O_EXIT_CMD:
			exit_cmd = optarg;
			break;
		case O_EXIT_ARG:
			strv_push(&exit_args, optarg);
			break;
		case O_EXIT_DIR:
			cm.exit_dir = optarg;
			break;
		case O_LOG_SIZE:
			cfg.log_opts.max_size = atoll(optarg) > 0 ? atoll(optarg) : 0;
			break;
		case O_RT_ARG:
			strv_push(&cm.runtime_args, optarg);
			break;
		case O_VERSION:
			printf(
			    "conmon version %s\ncommit: kist-shim %s, speaking conmon's protocol\n",
			    CONMON_PROTOCOL_VERSION, kist_version);
			exit(EXIT_OK);
		case 'h':
			puts("usage: conmon [OPTION...]  (kist-shim speaking conmon's protocol)\n\n"
			     "Takes conmon's options as podman passes them; see kist-shim --help.");
			exit(EXIT_OK);
		case O_UNSUPPORTED:
			ret = err_set(err, 0, "conmon's '%s' is not supported by kist-shim",
				      argv[optind - 1]);
			goto out;
		case '?':
			cli_usage_error("unknown option '%s'", argv[optind - 1]);
		default:
			break; /* accepted, and nothing to do */
		}
	}
	if (!cfg.id || !bundle || !cfg.runtime) {
		ret = err_set(err, 0, "conmon mode needs --cid, --bundle and --runtime");
		goto out;
	}
	if (exec && !exec_spec) {
		ret = err_set(err, 0, "conmon's --exec needs --exec-process-spec");
		goto out;
	}
	if (exec_attach && !exec) {
		ret = err_set(err, 0, "conmon's --exec-attach needs --exec");
		goto out;
	}
	if (log && str_has_prefix(log, "k8s-file:")) {
		log += strlen("k8s-file:");
	} else if (log && (streq(log, "none") || streq(log, "none:"))) {
		log = "/dev/null"; /* podman's exec sessions: no log */
	} else if (log && log[0] != '/') {
		ret =
		    err_set(err, 0, "log driver '%.*s' is not supported by kist-shim: use k8s-file",
			    (int)strcspn(log, ":"), log);
		goto out;
	}
	if (exit_cmd) {
		strv_push(&cfg.exit_command, exit_cmd);
		for (char **a = exit_args; a && *a; a++)
			strv_push(&cfg.exit_command, *a);
	}
	cm.sync_fd = env_fd("_OCI_SYNCPIPE");
	cm.start_fd = env_fd("_OCI_STARTPIPE");
	if (exec_attach) {
		cm.attach_fd = env_fd("_OCI_ATTACHPIPE");
		if (cm.attach_fd < 0) {
			ret = err_set(err, 0, "--exec-attach without _OCI_ATTACHPIPE");
			goto out;
		}
	}
	cfg.no_start = true; /* podman runs `runtime start` itself */
	cfg.conmon = &cm;
	cfg.bundle = xstrdup(bundle);
	if (exec) {
		/* an exec session: its own run dir (the container's shim holds the
		 * id's), named by podman's session id */
		cfg.exec_process = xstrdup(exec_spec);
		cfg.dir = cuuid && shim_id_valid(cuuid)
			      ? shim_dir(cuuid)
			      : xasprintf("%s/shim/exec-%d", shim_run_root(), (int)getpid());
	} else {
		cfg.dir = shim_dir(cfg.id);
	}
	cfg.log_path = log ? xstrdup(log) : xasprintf("%s/ctr.log", cfg.dir);
	cfg.state_path = xasprintf("%s/state.json", cfg.dir);
	if (!cfg.pid_file)
		cfg.pid_file = xasprintf("%s/pid", cfg.dir);
	ret = shim_start(&cfg, err);
out:
	fs_close(cm.attach_fd);
	strv_free(exit_args);
	strv_free(cm.runtime_args);
	shim_config_release(&cfg);
	return ret;
}
