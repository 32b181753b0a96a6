/* client.c: the verbs that talk to a running shim (or clean up after one
 * that is gone): attach, stop, kill, delete, state, logs. */
#define _GNU_SOURCE
#include <errno.h>        /* errno */
#include <getopt.h>       /* getopt_long */
#include <poll.h>         /* poll */
#include <signal.h>       /* sigset_t */
#include <stdio.h>        /* printf */
#include <stdlib.h>       /* strtod */
#include <string.h>       /* strcmp */
#include <sys/ioctl.h>    /* TIOCGWINSZ */
#include <sys/signalfd.h> /* signalfd */
#include <sys/stat.h>     /* lstat */
#include <sys/socket.h>   /* send */
#include <sys/syscall.h>  /* SYS_pidfd_open */
#include <termios.h>      /* tcsetattr */
#include <time.h>         /* time */
#include <unistd.h>       /* read */
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/lock.h"
#include "common/proc.h"
#include "common/signal.h"
#include "common/util.h"
#include "shim/shim.h"

/* What a client knows of a shim: its shim.json, and whether it still runs
 * (its lock is held). */
struct shim_ref {
	char *dir;
	cJSON *info;
	bool alive;
};

static void shim_ref_release(struct shim_ref *r)
{
	free(r->dir);
	cJSON_Delete(r->info);
}

static const char *info_str(const struct shim_ref *r, const char *key)
{
	const char *v = NULL;

	json_get_string(r->info, "", key, false, &v, NULL);
	return v;
}

static int shim_find(const char *id, struct shim_ref *r, struct err **err)
{
	cleanup_free char *json = NULL;
	cleanup_free char *lock = NULL;
	cleanup_free char *ctl = NULL;
	int fd;

	if (!shim_id_valid(id))
		return err_set(err, 0, "invalid container id '%s'", id);
	r->dir = shim_dir(id);
	json = xasprintf("%s/shim.json", r->dir);
	if (!fs_exists(json))
		return err_set_code(err, ENOENT, "no such container: '%s'", id);
	r->info = json_load_file(json, 0, err);
	if (!r->info)
		return -1;
	lock = xasprintf("%s/lock", r->dir);
	ctl = xasprintf("%s/ctl", r->dir);
	/* alive: the lock is held and the ctl socket is there.  A shim that
	 * holds the lock without the socket is starting (the socket comes
	 * before the container) or finishing (the lock goes right after the
	 * socket): wait for either to settle */
	for (int i = 0; i < 1000; i++) {
		fd = lock_acquire(lock, LOCK_MODE_SHARED, false, NULL);
		r->alive = fd < 0;
		lock_release(fd);
		if (!r->alive || fs_exists(ctl))
			break;
		nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
	}
	r->alive = r->alive && fs_exists(ctl);
	return 0;
}

/* Send one request line to the shim's ctl socket; its one-line answer
 * (without the newline) goes into reply.  -1 when the shim cannot be
 * reached. */
static int ctl_exchange(const struct shim_ref *r, const char *request, char *reply, size_t size,
			struct err **err)
{
	cleanup_free char *path = xasprintf("%s/ctl", r->dir);
	cleanup_close int fd = unix_connect(path, err);
	size_t got = 0;

	if (fd < 0)
		return -1;
	if (fs_write_all(fd, request, strlen(request)) < 0)
		return err_set(err, errno, "send to the shim");
	while (got < size - 1) {
		ssize_t n = read(fd, reply + got, size - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(reply, '\n', got))
			break;
	}
	reply[got] = '\0';
	reply[strcspn(reply, "\n")] = '\0';
	return 0;
}

/* A request answered by "ok" or "error MESSAGE". */
static int ctl_call(const struct shim_ref *r, const char *request, struct err **err)
{
	char reply[512];

	if (ctl_exchange(r, request, reply, sizeof(reply), err) < 0)
		return -1;
	if (streq(reply, "ok"))
		return 0;
	if (str_has_prefix(reply, "error "))
		return err_set(err, 0, "%s", reply + 6);
	/* the shim went away while answering: the container is stopped */
	if (!*reply && str_has_prefix(request, "stop"))
		return 0;
	return err_set(err, 0, "no answer from the shim of '%s'", info_str(r, "id"));
}

static int runtime_force_delete(const struct shim_ref *r)
{
	const char *argv[8];
	size_t n = 0;
	struct proc p = PROC_INIT;

	if (info_str(r, "runtime_root")) {
		/* the runtime keeps ROOT/ID (runc's layout): none, nothing to do
		 * (the shim deleted it when the container ended) */
		cleanup_free char *d =
		    xasprintf("%s/%s", info_str(r, "runtime_root"), info_str(r, "id"));
		struct stat sb;

		if (lstat(d, &sb) < 0 && errno == ENOENT)
			return 0;
	}
	argv[n++] = info_str(r, "runtime");
	if (info_str(r, "runtime_root")) {
		argv[n++] = "--root";
		argv[n++] = info_str(r, "runtime_root");
	}
	argv[n++] = "delete";
	argv[n++] = "--force";
	argv[n++] = info_str(r, "id");
	argv[n] = NULL;
	p.argv = argv;
	p.out = PROC_FD_NULL;
	p.err = PROC_FD_NULL;
	return proc_run(&p, NULL);
}

/* The state file, corrected when the shim is gone but the record says the
 * container runs (the shim was killed): Status "dead". */
static cJSON *load_state(const struct shim_ref *r, struct err **err)
{
	cJSON *st = json_load_file(info_str(r, "state"), 0, err);
	const char *status = NULL;

	if (!st)
		return NULL;
	json_get_string(st, "", "Status", false, &status, NULL);
	if (!r->alive && status &&
	    (streq(status, "running") || streq(status, "paused") || streq(status, "restarting"))) {
		double pid = cJSON_GetNumberValue(cJSON_GetObjectItem(st, "ShimPid"));
		cleanup_free char *msg = xasprintf(
		    "kist-shim (pid %.0f) exited unexpectedly; the container's exit is unknown",
		    pid);

		cJSON_ReplaceItemInObject(st, "Status", cJSON_CreateString("dead"));
		cJSON_ReplaceItemInObject(st, "Running", cJSON_CreateFalse());
		cJSON_ReplaceItemInObject(st, "Restarting", cJSON_CreateFalse());
		cJSON_ReplaceItemInObject(st, "Dead", cJSON_CreateTrue());
		cJSON_ReplaceItemInObject(st, "Error", cJSON_CreateString(msg));
	}
	return st;
}

/* ---- stop, kill, delete ---- */

static const char *one_id(int argc, char **argv, const char *verb)
{
	if (argc - optind != 1)
		cli_usage_error("%s: expected one container id", verb);
	return argv[optind];
}

int cmd_ctl(const char *verb, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"signal", required_argument, NULL, 's'},
	    {"time", required_argument, NULL, 't'},
	    {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct shim_ref r = {0};
	const char *sig = NULL;
	long long secs = 10;
	bool force = false;
	cleanup_free char *req = NULL;
	const char *id;
	int c, ret = -1;

	optind = 0;
	opterr = 0;
	while ((c = cli_getopt(argc, argv, "+s:t:fh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (signal_parse(optarg) < 0)
				cli_usage_error("%s: invalid signal '%s'", verb, optarg);
			sig = optarg;
			break;
		case 't':
			secs = cli_parse_uint("--time", optarg);
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			if (streq(verb, "stop"))
				puts("usage: kist-shim stop [-s SIGNAL] [-t SECONDS] ID\n\n"
				     "Stop the container: SIGNAL (default SIGTERM), then SIGKILL "
				     "after\n"
				     "SECONDS (default 10).  It is not restarted by its policy.");
			else if (streq(verb, "kill"))
				puts("usage: kist-shim kill [-s SIGNAL] ID\n\n"
				     "Send SIGNAL (default SIGKILL) to the container's init.");
			else if (streq(verb, "start"))
				puts("usage: kist-shim start ID\n\n"
				     "Start a container whose shim was started with --no-start.");
			else if (streq(verb, "pause") || streq(verb, "resume"))
				printf(
				    "usage: kist-shim %s ID\n\n"
				    "%s the container's processes (the runtime's %s); its state\n"
				    "record says so (Status \"paused\", Paused true) until "
				    "resumed.\n",
				    verb, streq(verb, "pause") ? "Freeze" : "Thaw", verb);
			else
				puts("usage: kist-shim delete [-f] ID\n\n"
				     "Remove the container's runtime state and the shim's "
				     "directory;\n"
				     "-f kills a running container first.");
			exit(EXIT_OK);
		default:
			cli_usage_error("%s: unknown option '%s'", verb, argv[optind - 1]);
		}
	}
	id = one_id(argc, argv, verb);
	if (shim_find(id, &r, err) < 0)
		goto out;
	if (streq(verb, "stop"))
		req = xasprintf("stop %s %lld\n", sig ? sig : "TERM", secs);
	else if (streq(verb, "kill"))
		req = xasprintf("kill %s\n", sig ? sig : "KILL");
	else if (streq(verb, "start") || streq(verb, "pause") || streq(verb, "resume"))
		req = xasprintf("%s\n", verb);
	else
		req = xasprintf("delete%s\n", force ? " force" : "");
	if (r.alive) {
		ret = ctl_call(&r, req, err);
		goto out;
	}
	/* no shim: the container has exited, or its shim was killed */
	if (streq(verb, "stop")) {
		ret = 0;
	} else if (streq(verb, "kill") || streq(verb, "start") || streq(verb, "pause") ||
		   streq(verb, "resume")) {
		ret = err_set(err, 0, "container %s is not running", id);
	} else {
		cleanup_json cJSON *st = load_state(&r, NULL);
		const char *status = NULL;

		if (st)
			json_get_string(st, "", "Status", false, &status, NULL);
		if (status && streq(status, "dead") && !force) {
			ret = err_set(err, 0,
				      "the shim of container %s is gone and the container may "
				      "still run: use -f",
				      id);
			goto out;
		}
		runtime_force_delete(&r);
		if (st && status && streq(status, "dead")) {
			/* record that it is gone now */
			cJSON_ReplaceItemInObject(st, "Status", cJSON_CreateString("exited"));
			json_write_file(info_str(&r, "state"), st, 0644, NULL);
		}
		ret = fs_rm_rf(r.dir, err);
	}
out:
	shim_ref_release(&r);
	return ret;
}

static int exit_from_state(const struct shim_ref *r);

/* ---- wait ---- */

int cmd_wait(int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	struct shim_ref r = {0};
	char reply[64] = "";
	int ret = -1;

	optind = 0;
	while (cli_getopt(argc, argv, "+h", opts, NULL) != -1) {
		puts("usage: kist-shim wait ID\n\n"
		     "Block until the container stops, then print its exit code.");
		exit(EXIT_OK);
	}
	if (shim_find(one_id(argc, argv, "wait"), &r, err) < 0)
		goto out;
	/* a shim that is gone (or goes while we wait) left its record */
	if (r.alive)
		ctl_exchange(&r, "wait\n", reply, sizeof(reply), NULL);
	if (str_has_prefix(reply, "exit "))
		printf("%d\n", atoi(reply + 5));
	else
		printf("%d\n", exit_from_state(&r));
	ret = 0;
out:
	shim_ref_release(&r);
	return ret;
}

/* ---- state ---- */

int cmd_state(int argc, char **argv, struct err **err)
{
	struct shim_ref r = {0};
	cleanup_json cJSON *st = NULL;
	cleanup_free char *text = NULL;
	int ret = -1;

	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};

	optind = 0;
	while (cli_getopt(argc, argv, "+h", opts, NULL) != -1) {
		puts("usage: kist-shim state ID\n\n"
		     "Print the container's state record (docker's State fields).");
		exit(EXIT_OK);
	}
	if (shim_find(one_id(argc, argv, "state"), &r, err) < 0)
		goto out;
	st = load_state(&r, err);
	if (!st)
		goto out;
	text = json_print(st, true);
	fputs(text, stdout);
	ret = 0;
out:
	shim_ref_release(&r);
	return ret;
}

/* ---- logs ---- */

/* docker's --since/--until: RFC 3339, unix time (with fraction), or a
 * duration before now ("42m", "1h30m", "10s"). */
static int parse_when(const char *s, double *out)
{
	char *end;
	double v, total = 0;

	if (time_parse_rfc3339(s, out) == 1)
		return 0;
	v = strtod(s, &end);
	if (end != s && !*end) {
		*out = v;
		return 0;
	}
	while (*s) {
		v = strtod(s, &end);
		if (end == s)
			return -1;
		if (str_has_prefix(end, "ms"))
			total += v / 1000, end += 2;
		else if (*end == 'h')
			total += v * 3600, end++;
		else if (*end == 'm')
			total += v * 60, end++;
		else if (*end == 's')
			total += v, end++;
		else
			return -1;
		s = end;
	}
	{
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		*out = (double)now.tv_sec + (double)now.tv_nsec / 1e9 - total;
	}
	return 0;
}

int cmd_logs(int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"follow", no_argument, NULL, 'f'},
	    {"since", required_argument, NULL, 'S'},
	    {"until", required_argument, NULL, 'U'},
	    {"tail", required_argument, NULL, 'n'},
	    {"timestamps", no_argument, NULL, 't'},
	    {"details", no_argument, NULL, 'd'},
	    {"log", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct logs_opts o = {.tail = -1, .stop_fd = -1};
	struct shim_ref r = {0};
	const char *log = NULL;
	int c, ret = -1;

	optind = 0;
	opterr = 0;
	while ((c = cli_getopt(argc, argv, "+fn:th", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o.follow = true;
			break;
		case 'S':
		case 'U':
			if (parse_when(optarg, c == 'S' ? &o.since : &o.until) < 0)
				cli_usage_error(
				    "logs: invalid value '%s' for --%s: expected a time "
				    "(RFC 3339, unix time or a duration such as 42m)",
				    optarg, c == 'S' ? "since" : "until");
			break;
		case 'n':
			o.tail = streq(optarg, "all") ? -1 : cli_parse_uint("--tail", optarg);
			break;
		case 't':
			o.timestamps = true;
			break;
		case 'd':
			o.details = true;
			break;
		case 'l':
			log = optarg;
			break;
		case 'h':
			puts("usage: kist-shim logs [OPTIONS] ID\n"
			     "       kist-shim logs [OPTIONS] --log FILE\n\n"
			     "Print a container's json-file log as docker logs does.\n\n"
			     "  -f, --follow       keep printing new output until the container "
			     "stops\n"
			     "      --since T      from T: RFC 3339, unix time, or a duration "
			     "(42m)\n"
			     "      --until T      up to T\n"
			     "  -n, --tail N       the last N lines (or all)\n"
			     "  -t, --timestamps   prefix each line with its time\n"
			     "      --details      extra attributes (none are recorded)\n"
			     "      --log FILE     read FILE instead of the container's log");
			exit(EXIT_OK);
		default:
			cli_usage_error("logs: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!log) {
		const char *id = one_id(argc, argv, "logs");

		if (shim_find(id, &r, err) < 0)
			goto out;
		log = info_str(&r, "log");
		if (o.follow && r.alive) {
			double pid = cJSON_GetNumberValue(cJSON_GetObjectItem(r.info, "pid"));

			o.stop_fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
			/* the shim holds its lock until it exits: if it is gone
			 * already there is nothing more to wait for */
			if (o.stop_fd < 0)
				o.follow = false;
		} else {
			o.follow = false;
		}
	} else if (argc - optind != 0) {
		cli_usage_error("logs: --log takes no container id");
	}
	ret = logs_print(log, &o, err);
out:
	fs_close(o.stop_fd);
	shim_ref_release(&r);
	return ret;
}

/* ---- attach ---- */

static struct termios saved_tio;
static bool raw_mode;

static void restore_tty(void)
{
	if (raw_mode)
		tcsetattr(0, TCSADRAIN, &saved_tio);
	raw_mode = false;
}

static int send_frame(int fd, enum frame_type t, const void *data, size_t len)
{
	unsigned char h[FRAME_HEADER];

	frame_header(h, t, (uint32_t)len);
	if (fs_write_all(fd, h, sizeof(h)) < 0 || (len && fs_write_all(fd, data, len) < 0))
		return -1;
	return 0;
}

static void send_size(int fd)
{
	struct winsize ws;
	unsigned char p[4];

	if (ioctl(0, TIOCGWINSZ, &ws) < 0)
		return;
	p[0] = (unsigned char)(ws.ws_row >> 8), p[1] = (unsigned char)ws.ws_row;
	p[2] = (unsigned char)(ws.ws_col >> 8), p[3] = (unsigned char)ws.ws_col;
	send_frame(fd, FRAME_RESIZE, p, sizeof(p));
}

/* Exit code of a container whose shim closed the socket without one. */
static int exit_from_state(const struct shim_ref *r)
{
	cleanup_json cJSON *st = json_load_file(info_str(r, "state"), 0, NULL);
	int64_t code = 0;

	if (st)
		json_get_int64(st, "", "ExitCode", false, &code, NULL);
	return (int)code;
}

int cmd_attach(int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"no-stdin", no_argument, NULL, 'n'},
	    {"start", no_argument, NULL, 's'},
	    {"sig-proxy", no_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct shim_ref r = {0};
	cleanup_free char *path = NULL;
	cleanup_close int fd = -1;
	cleanup_close int sigfd = -1;
	struct buf in = BUF_INIT;
	bool use_stdin = true, tty, saw_ctrl_p = false, start = false, proxy = false;
	sigset_t set;
	int c, ret = -1;

	optind = 0;
	opterr = 0;
	while ((c = cli_getopt(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'n') {
			use_stdin = false;
		} else if (c == 's') {
			start = true;
		} else if (c == 'p') {
			proxy = true;
		} else if (c == 'h') {
			puts("usage: kist-shim attach [--no-stdin] [--start] [--sig-proxy] ID\n\n"
			     "--start starts a container created with --no-start once attached,\n"
			     "so none of its output is missed.\n"
			     "--sig-proxy sends the signals this process receives (but SIGCHLD,\n"
			     "SIGPIPE, SIGWINCH and SIGURG) to the container's process.\n"
			     "Attach to a running container's output (and its stdin when it\n"
			     "was started with -i).  Ctrl-p ctrl-q detaches.  Exits with the\n"
			     "container's exit code.");
			exit(EXIT_OK);
		} else {
			cli_usage_error("attach: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (shim_find(one_id(argc, argv, "attach"), &r, err) < 0)
		goto out;
	if (!r.alive) {
		ret = err_set(err, 0, "container %s is not running", info_str(&r, "id"));
		goto out;
	}
	path = xasprintf("%s/attach", r.dir);
	fd = unix_connect(path, err);
	if (fd < 0)
		goto out;
	if (start && ctl_call(&r, "start\n", err) < 0)
		goto out;
	tty = cJSON_IsTrue(cJSON_GetObjectItem(r.info, "tty"));
	use_stdin = use_stdin && cJSON_IsTrue(cJSON_GetObjectItem(r.info, "stdin"));
	if (use_stdin && tty && isatty(0) && tcgetattr(0, &saved_tio) == 0) {
		struct termios t = saved_tio;

		cfmakeraw(&t);
		if (tcsetattr(0, TCSADRAIN, &t) == 0) {
			raw_mode = true;
			atexit(restore_tty);
		}
	}
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	if (proxy)
		for (int sg = 1; sg < SIGRTMIN; sg++)
			if (sg != SIGKILL && sg != SIGSTOP && sg != SIGCHLD && sg != SIGPIPE &&
			    sg != SIGURG && sg != SIGSEGV && sg != SIGBUS && sg != SIGFPE &&
			    sg != SIGILL && sg != SIGTRAP && sg != SIGABRT && sg != SIGSYS &&
			    sg != SIGTTIN && sg != SIGTTOU && sg != SIGTSTP && sg != SIGCONT)
				sigaddset(&set, sg);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (tty && isatty(0))
		send_size(fd);
	for (;;) {
		struct pollfd p[3] = {{.fd = fd, .events = POLLIN},
				      {.fd = sigfd, .events = POLLIN},
				      {.fd = use_stdin ? 0 : -1, .events = POLLIN}};
		char tmp[65536];
		ssize_t n;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents) {
			struct signalfd_siginfo si;

			if (read(sigfd, &si, sizeof(si)) > 0) {
				if (si.ssi_signo == SIGWINCH) {
					if (tty && isatty(0))
						send_size(fd);
				} else {
					/* --sig-proxy: on to the container */
					char req[32];
					struct err *e2 = NULL;

					snprintf(req, sizeof(req), "kill %u\n", si.ssi_signo);
					(void)ctl_call(&r, req, &e2);
					err_free(e2);
				}
			}
		}
		if (p[2].revents) {
			n = read(0, tmp, sizeof(tmp));
			if (n <= 0) {
				send_frame(fd, FRAME_STDIN_CLOSE, NULL, 0);
				use_stdin = false;
			} else {
				/* ctrl-p ctrl-q: detach (the container keeps running) */
				for (ssize_t i = 0; i < n; i++) {
					if (saw_ctrl_p && tmp[i] == 0x11) {
						restore_tty();
						fputs("\r\nread escape sequence\r\n", stderr);
						ret = 0;
						goto out;
					}
					saw_ctrl_p = tmp[i] == 0x10;
				}
				send_frame(fd, FRAME_STDIN, tmp, (size_t)n);
			}
		}
		if (p[0].revents) {
			n = read(fd, tmp, sizeof(tmp));
			if (n <= 0) {
				ret = exit_from_state(&r);
				goto out;
			}
			buf_add(&in, tmp, (size_t)n);
			while (in.len >= FRAME_HEADER) {
				const unsigned char *h = (const unsigned char *)in.data;
				uint32_t len = ((uint32_t)h[4] << 24) | ((uint32_t)h[5] << 16) |
					       ((uint32_t)h[6] << 8) | h[7];
				const char *payload = in.data + FRAME_HEADER;

				if (in.len < FRAME_HEADER + len)
					break;
				if (h[0] == FRAME_STDOUT) {
					fs_write_all(1, payload, len);
				} else if (h[0] == FRAME_STDERR) {
					fs_write_all(2, payload, len);
				} else if (h[0] == FRAME_EXIT) {
					cleanup_free char *code = xstrndup(payload, len);

					ret = atoi(code);
					goto out;
				} else if (h[0] == FRAME_ERROR) {
					ret = err_set(err, 0, "%.*s", (int)len, payload);
					goto out;
				}
				memmove(in.data, in.data + FRAME_HEADER + len,
					in.len - FRAME_HEADER - len);
				in.len -= FRAME_HEADER + len;
			}
		}
	}
out:
	restore_tty();
	buf_release(&in);
	shim_ref_release(&r);
	return ret;
}
