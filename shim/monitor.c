/* monitor.c: the shim process: daemonize, run the runtime's create and
 * start, then one epoll loop over the container's output, a signalfd
 * (SIGCHLD: the shim is the container's subreaper), one timerfd (stop
 * timeout, drain limit or restart backoff, by phase), the attach socket and
 * the control socket.  All output is drained before the exit is recorded. */
#define _GNU_SOURCE
#include <errno.h>        /* errno */
#include <fcntl.h>        /* open */
#include <poll.h>         /* poll */
#include <signal.h>       /* sigset_t */
#include <stdio.h>        /* snprintf */
#include <stdlib.h>       /* free */
#include <string.h>       /* strlen */
#include <sys/epoll.h>    /* epoll_create1 */
#include <sys/ioctl.h>    /* TIOCSWINSZ */
#include <sys/prctl.h>    /* PR_SET_CHILD_SUBREAPER */
#include <sys/signalfd.h> /* signalfd */
#include <sys/socket.h>   /* recvmsg */
#include <sys/stat.h>     /* umask */
#include <sys/timerfd.h>  /* timerfd_create */
#include <sys/wait.h>     /* waitpid */
#include <termios.h>      /* struct winsize */
#include <time.h>         /* clock_gettime */
#include <unistd.h>       /* fork */
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

enum phase { PHASE_RUNNING, PHASE_CREATED, PHASE_DRAINING, PHASE_RESTARTING, PHASE_DONE };
enum ev_kind {
	EV_SIGNAL = 1,
	EV_TIMER,
	EV_OUT,
	EV_ERR,
	EV_ATTACH_LISTEN,
	EV_CTL_LISTEN,
	EV_CONMON_LISTEN,
	EV_CONMON_CTL,
	EV_CLIENT,
	EV_STDIN
};

/* An attach or ctl connection. */
struct client {
	int fd;
	bool ctl;
	bool packets;       /* conmon's attach socket: SOCK_SEQPACKET, no frames */
	bool read_closed;   /* a packets client that shut down its writing side */
	bool waiting;       /* ctl: answer "ok" once the container has stopped */
	bool wait_exit;     /* ctl: answer "exit N" when the current run ends */
	struct buf in, out; /* bytes received not yet parsed; bytes not yet sent */
	struct client *next;
};

struct shim {
	struct shim_config *cfg;
	int epfd, sigfd, timerfd, attach_lfd, ctl_lfd, conmon_lfd;
	int conmon_fifo[2];    /* conmon's ctl and winsz fifos, or -1 */
	struct buf fifo_in[2]; /* a partial line read from each */
	struct client *clients;
	struct client *stdin_owner;

	enum phase phase;
	pid_t pid;
	int out_fd, err_fd, in_fd, master; /* in_fd: our end of stdin (-i) */
	struct buf in_pending;             /* stdin bytes the pipe did not take yet */
	bool in_close;                     /* close in_fd once in_pending is written */
	bool drained_data;                 /* output arrived since the drain timer */
	struct logfile log;
	char *oom_path;
	long oom_base;
	struct timespec started, finished;
	int exit_code, signal, restart_count;
	int64_t backoff_ms;
	bool oom_killed, user_stopped, delete_requested;
	bool paused; /* frozen by a "pause" request, until "resume" */
	char *error;
	char *runtime_log;
	int lock_fd; /* the id's lock, held until the shim is done */
};

static void set_timer(struct shim *s, int64_t ms)
{
	struct itimerspec it = {0};

	if (ms > 0) {
		it.it_value.tv_sec = ms / 1000;
		it.it_value.tv_nsec = (ms % 1000) * 1000000;
	}
	timerfd_settime(s->timerfd, 0, &it, NULL);
}

static void ep_add(struct shim *s, int fd, enum ev_kind kind, uint32_t events)
{
	struct epoll_event ev = {.events = events,
				 .data.u64 = ((uint64_t)kind << 32) | (uint32_t)fd};

	epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void ep_mod(struct shim *s, int fd, enum ev_kind kind, uint32_t events)
{
	struct epoll_event ev = {.events = events,
				 .data.u64 = ((uint64_t)kind << 32) | (uint32_t)fd};

	epoll_ctl(s->epfd, EPOLL_CTL_MOD, fd, &ev);
}

static void close_fd(struct shim *s, int *fd)
{
	if (*fd < 0)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, *fd, NULL);
	fs_close(*fd);
	*fd = -1;
}

static char *path_in_dir(const struct shim *s, const char *name)
{
	return xasprintf("%s/%s", s->cfg->dir, name);
}

/* ---- clients ---- */

static void client_drop(struct shim *s, struct client *c)
{
	struct client **pp;

	for (pp = &s->clients; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = c->next;
	if (s->stdin_owner == c)
		s->stdin_owner = NULL;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	fs_close(c->fd);
	buf_release(&c->in);
	buf_release(&c->out);
	free(c);
}

static struct client *client_find(struct shim *s, int fd)
{
	for (struct client *c = s->clients; c; c = c->next)
		if (c->fd == fd)
			return c;
	return NULL;
}

/* Send what is queued; keep the rest for EPOLLOUT.  A client more than
 * 8 MiB behind is dropped: the log never waits for a reader. */
static void client_flush(struct shim *s, struct client *c)
{
	while (c->out.len > 0) {
		ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			client_drop(s, c);
			return;
		}
		memmove(c->out.data, c->out.data + n, c->out.len - (size_t)n);
		c->out.len -= (size_t)n;
		c->out.data[c->out.len] = '\0';
	}
	if (c->out.len > (8u << 20)) {
		client_drop(s, c);
		return;
	}
	ep_mod(s, c->fd, EV_CLIENT, EPOLLIN | (c->out.len ? EPOLLOUT : 0));
}

static void client_send(struct shim *s, struct client *c, const void *data, size_t len)
{
	buf_add(&c->out, data, len);
	client_flush(s, c);
}

static void client_frame(struct shim *s, struct client *c, enum frame_type t, const void *data,
			 size_t len)
{
	unsigned char h[FRAME_HEADER];

	frame_header(h, t, (uint32_t)len);
	buf_add(&c->out, h, sizeof(h));
	buf_add(&c->out, data, len);
	client_flush(s, c);
}

/* conmon's attach packets: the stream (2 stdout, 3 stderr) in the first
 * byte, then up to 8192 bytes.  A packet the client cannot take within a
 * moment is dropped: the log never waits for an attached reader. */
static void client_packets(struct shim *s, struct client *c, enum frame_type t, const char *data,
			   size_t len)
{
	char pkt[8193];

	if (t != FRAME_STDOUT && t != FRAME_STDERR)
		return;
	pkt[0] = t == FRAME_STDERR ? 3 : 2;
	for (size_t off = 0; off < len;) {
		size_t n = len - off < 8192 ? len - off : 8192;
		struct pollfd pfd = {.fd = c->fd, .events = POLLOUT};

		memcpy(pkt + 1, data + off, n);
		if (send(c->fd, pkt, n + 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			if (errno != EAGAIN || poll(&pfd, 1, 100) <= 0 ||
			    send(c->fd, pkt, n + 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
				if (errno != EAGAIN)
					client_drop(s, c);
				return;
			}
		}
		off += n;
	}
}

static void broadcast(struct shim *s, enum frame_type t, const void *data, size_t len)
{
	struct client *c = s->clients, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->packets)
			client_packets(s, c, t, data, len);
		else if (!c->ctl)
			client_frame(s, c, t, data, len);
	}
}

/* ---- the runtime ---- */

/* Run `RUNTIME [--root R] --log L --log-format json VERB ARGS...`; on
 * failure err holds the runtime's own last error message. */
static int runtime_call(struct shim *s, const char *const *args, int in, int out, int errfd,
			struct err **err)
{
	const char *argv[24];
	size_t n = 0;
	struct proc p = PROC_INIT;
	struct stat st;
	off_t before = stat(s->runtime_log, &st) == 0 ? st.st_size : 0;
	int status;

	argv[n++] = s->cfg->runtime;
	for (char **a = s->cfg->conmon ? s->cfg->conmon->runtime_args : NULL; a && *a; a++)
		if (n < ARRAY_SIZE(argv) - 12)
			argv[n++] = *a;
	if (s->cfg->runtime_root) {
		argv[n++] = "--root";
		argv[n++] = s->cfg->runtime_root;
	}
	argv[n++] = "--log";
	argv[n++] = s->runtime_log;
	argv[n++] = "--log-format";
	argv[n++] = "json";
	for (; *args && n < ARRAY_SIZE(argv) - 1; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	p.argv = argv;
	p.in = in;
	p.out = out;
	p.err = errfd;
	status = proc_run(&p, err);
	if (status < 0)
		return -1;
	if (status != 0) {
		cleanup_free char *text = NULL;
		cleanup_free char *msg = NULL;
		size_t len = 0;

		if (fs_read_all(s->runtime_log, 1u << 20, &text, &len, NULL) == 0 &&
		    (size_t)before < len) {
			/* the last "error" record the runtime wrote */
			char *line = text + before, *nl;

			for (; *line; line = nl ? nl + 1 : line + strlen(line)) {
				cleanup_json cJSON *j = NULL;
				const char *lvl = NULL, *m = NULL;

				nl = strchr(line, '\n');
				j = json_parse(line, nl ? (size_t)(nl - line) : strlen(line), "log",
					       NULL);
				if (j && json_get_string(j, "", "level", false, &lvl, NULL) == 1 &&
				    json_get_string(j, "", "msg", false, &m, NULL) == 1 &&
				    streq(lvl, "error")) {
					free(msg);
					msg = xstrdup(m);
				}
				if (!nl)
					break;
			}
		}
		if (msg)
			return err_set(err, 0, "%s", msg);
		return err_set(err, 0, "%s %s failed with status %d", s->cfg->runtime, args[0],
			       status);
	}
	return 0;
}

static void runtime_delete(struct shim *s, bool force)
{
	const char *del[] = {"delete", s->cfg->id, NULL};
	const char *fdel[] = {"delete", "--force", s->cfg->id, NULL};

	if (s->cfg->exec_process) {
		/* an exec'd process: the container is not ours to delete; a
		 * process that did not get going is killed */
		if (force && s->pid > 0)
			kill(s->pid, SIGKILL);
		return;
	}

	if (runtime_call(s, force ? fdel : del, PROC_FD_NULL, PROC_FD_NULL, PROC_FD_NULL, NULL) <
		0 &&
	    !force)
		runtime_call(s, fdel, PROC_FD_NULL, PROC_FD_NULL, PROC_FD_NULL, NULL);
}

/* Receive the pty master the runtime sends to the console socket. */
static int recv_master(int lfd, struct err **err)
{
	struct pollfd pfd = {.fd = lfd, .events = POLLIN};
	char data[512];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	cleanup_close int conn = -1;
	struct cmsghdr *cm;
	int fd;

	if (poll(&pfd, 1, 10000) <= 0)
		return err_set(err, ETIMEDOUT, "no pty from the runtime's --console-socket");
	conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return err_set(err, errno, "accept on the console socket");
	if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) < 0)
		return err_set(err, errno, "receive the pty master");
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return err_set(err, EPROTO, "the runtime sent no pty master");
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static int read_pid(const char *path, pid_t *pid, struct err **err)
{
	cleanup_free char *text = NULL;
	char *end;
	long v;

	if (fs_read_all(path, 64, &text, NULL, err) < 0)
		return -1;
	v = strtol(text, &end, 10);
	if (v <= 0 || (*end && *end != '\n'))
		return err_set(err, 0, "bad pid in '%s'", path);
	*pid = (pid_t)v;
	return 0;
}

static void grow_pipe(int fd)
{
	fcntl(fd, F_SETPIPE_SZ, 1 << 20);
}

/* create + start; on failure nothing of the container is left. */
static int start_container(struct shim *s, bool start_it, struct err **err)
{
	struct shim_config *cfg = s->cfg;
	int pout[2] = {-1, -1}, perr[2] = {-1, -1}, pin[2] = {-1, -1};
	cleanup_close int console = -1;
	cleanup_free char *console_path = path_in_dir(s, "console.sock");
	const char *create[12];
	const char *start[] = {"start", cfg->id, NULL};
	size_t n = 0;
	int ret = -1;

	if (pipe2(perr, O_CLOEXEC) < 0)
		return err_set(err, errno, "pipe");
	if (cfg->tty) {
		console = unix_listen(console_path, err);
		if (console < 0)
			goto out;
	} else if (pipe2(pout, O_CLOEXEC) < 0 || (cfg->stdin_open && pipe2(pin, O_CLOEXEC) < 0)) {
		err_set(err, errno, "pipe");
		goto out;
	}
	if (cfg->exec_process) {
		/* into the running container; the runtime returns once the
		 * process runs, and we, its subreaper, inherit it */
		create[n++] = "exec";
		create[n++] = "--process";
		create[n++] = cfg->exec_process;
		create[n++] = "--detach";
		start_it = false;
	} else {
		create[n++] = "create";
		create[n++] = "--bundle";
		create[n++] = cfg->bundle;
	}
	create[n++] = "--pid-file";
	create[n++] = cfg->pid_file;
	if (cfg->tty) {
		create[n++] = "--console-socket";
		create[n++] = console_path;
	}
	create[n++] = cfg->id;
	create[n] = NULL;
	if (runtime_call(s, create, pin[0] >= 0 ? pin[0] : PROC_FD_NULL,
			 pout[1] >= 0 ? pout[1] : PROC_FD_NULL, perr[1], err) < 0) {
		char text[4096];
		ssize_t got;

		/* the runtime's words on stderr when its log had none */
		fs_close(perr[1]);
		perr[1] = -1;
		fcntl(perr[0], F_SETFL, O_NONBLOCK);
		got = read(perr[0], text, sizeof(text) - 1);
		if (got > 0 && err && *err && strstr((*err)->msg, " failed with status ")) {
			text[got] = '\0';
			text[strcspn(text, "\n")] = '\0';
			err_set(err, 0, "%s", text);
		}
		runtime_delete(s, true);
		goto out;
	}
	fs_close(perr[1]), perr[1] = -1;
	fs_close(pout[1]), pout[1] = -1;
	fs_close(pin[0]), pin[0] = -1;
	if (read_pid(cfg->pid_file, &s->pid, err) < 0) {
		runtime_delete(s, true);
		goto out;
	}
	if (cfg->tty) {
		s->master = recv_master(console, err);
		if (s->master < 0) {
			runtime_delete(s, true);
			goto out;
		}
		fs_close(perr[0]), perr[0] = -1;
	}
	free(s->oom_path);
	s->oom_path = oom_counter_path(s->pid);
	s->oom_base = oom_count(s->oom_path);
	if (start_it && runtime_call(s, start, PROC_FD_NULL, PROC_FD_NULL, PROC_FD_NULL, err) < 0) {
		runtime_delete(s, true);
		fs_close(s->master), s->master = -1;
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &s->started);
	if (cfg->tty) {
		fcntl(s->master, F_SETFL, O_NONBLOCK);
		s->out_fd = s->master;
		ep_add(s, s->out_fd, EV_OUT, EPOLLIN);
		if (cfg->stdin_open)
			s->in_fd = s->master;
	} else {
		s->out_fd = steal_fd(&pout[0]);
		s->err_fd = steal_fd(&perr[0]);
		grow_pipe(s->out_fd);
		grow_pipe(s->err_fd);
		fcntl(s->out_fd, F_SETFL, O_NONBLOCK);
		fcntl(s->err_fd, F_SETFL, O_NONBLOCK);
		ep_add(s, s->out_fd, EV_OUT, EPOLLIN);
		ep_add(s, s->err_fd, EV_ERR, EPOLLIN);
		if (cfg->stdin_open) {
			s->in_fd = steal_fd(&pin[1]);
			fcntl(s->in_fd, F_SETFL, O_NONBLOCK);
		}
	}
	s->phase = start_it || cfg->exec_process ? PHASE_RUNNING : PHASE_CREATED;
	ret = 0;
out:
	if (ret < 0)
		s->pid = 0;
	if (console >= 0)
		unlink(console_path);
	for (int i = 0; i < 2; i++) {
		fs_close(pout[i]);
		fs_close(perr[i]);
		fs_close(pin[i]);
	}
	return ret;
}

/* ---- state ---- */

static const char *status_name(const struct shim *s)
{
	switch (s->phase) {
	case PHASE_RUNNING:
		return s->paused ? "paused" : "running";
	case PHASE_CREATED:
		return "created";
	case PHASE_RESTARTING:
		return "restarting";
	default:
		return "exited";
	}
}

static int write_state(struct shim *s, struct err **err)
{
	struct shim_state st;

	if (s->phase != PHASE_RUNNING)
		s->paused = false; /* a paused container that ended is not */
	st = (struct shim_state){
	    .status = status_name(s),
	    .paused = s->paused,
	    .pid = s->pid,
	    .shim_pid = getpid(),
	    .exit_code = s->exit_code,
	    .signal = s->signal,
	    .oom_killed = s->oom_killed,
	    .error = s->error,
	    .started = s->started,
	    .finished = s->finished,
	    .restart_count = s->restart_count,
	    .restart_policy = restart_policy_name(&s->cfg->restart),
	};

	/* never fsync'd here: finish() syncs the final record once the
	 * waiters have it (a reader sees each record as soon as it is renamed) */
	return shim_state_write(s->cfg->state_path, &st, false, err);
}

/* ---- output ---- */

static char rbuf[64 * 1024];
#define BURST_BYTES (64 * 1024)
#define BURST_PAUSE_NS 2000000

/* Read what is there on fd; at EOF (or EIO from a pty whose slave is gone)
 * log the last partial line and stop watching it. */
static void pump(struct shim *s, int *fd, enum log_stream stream)
{
	size_t got = 0;

	for (int rounds = 0; rounds < 16; rounds++) {
		ssize_t n = read(*fd, rbuf, sizeof(rbuf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			logfile_flush_partial(&s->log, stream, NULL);
			if (*fd == s->in_fd)
				s->in_fd = -1;
			close_fd(s, fd);
			break;
		}
		got += (size_t)n;
		s->drained_data = true;
		logfile_add(&s->log, stream, rbuf, (size_t)n, NULL);
		broadcast(s, stream == STREAM_STDERR ? FRAME_STDERR : FRAME_STDOUT, rbuf,
			  (size_t)n);
		if ((size_t)n < sizeof(rbuf))
			break;
	}
	logfile_flush(&s->log, NULL);
	/* a burst (the pipe held a lot): let it fill again for a moment rather
	 * than wake for every small write the container makes; a trickle of
	 * interactive output (less than this at a time) is never held back */
	if (got >= BURST_BYTES && *fd >= 0) {
		struct timespec pause = {.tv_sec = 0, .tv_nsec = BURST_PAUSE_NS};

		nanosleep(&pause, NULL);
	}
}

static void stdin_flush(struct shim *s)
{
	while (s->in_fd >= 0 && s->in_pending.len > 0) {
		ssize_t n = write(s->in_fd, s->in_pending.data, s->in_pending.len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (s->in_fd != s->out_fd)
				ep_add(s, s->in_fd, EV_STDIN, EPOLLOUT);
			return;
		}
		if (n < 0) {
			buf_reset(&s->in_pending);
			break;
		}
		memmove(s->in_pending.data, s->in_pending.data + n, s->in_pending.len - (size_t)n);
		s->in_pending.len -= (size_t)n;
	}
	if (s->in_fd >= 0 && s->in_fd != s->out_fd)
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->in_fd, NULL);
	if (s->in_close && s->in_fd >= 0) {
		if (s->in_fd == s->master) {
			/* a pty has no EOF of its own: send the terminal's EOF char */
			struct termios t;
			char eof = 4;

			if (tcgetattr(s->master, &t) == 0)
				eof = (char)t.c_cc[VEOF];
			if (write(s->master, &eof, 1) < 0) {
				/* nothing to do: the container is gone */
			}
			s->in_fd = -1;
		} else {
			close_fd(s, &s->in_fd);
		}
		s->in_close = false;
	}
}

/* ---- the end of one run ---- */

static void reply_waiters(struct shim *s, const char *text)
{
	struct client *c = s->clients, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->ctl && c->waiting) {
			c->waiting = false;
			client_send(s, c, text, strlen(text));
		}
	}
}

static void reply_exit_waiters(struct shim *s)
{
	struct client *c = s->clients, *next;
	char text[32];

	snprintf(text, sizeof(text), "exit %d\n", s->exit_code);
	for (; c; c = next) {
		next = c->next;
		if (c->ctl && c->wait_exit) {
			c->wait_exit = false;
			client_send(s, c, text, strlen(text));
		}
	}
}

/* `kist-shim start` of a shim started with --no-start */
static void start_created(struct shim *s, struct client *c)
{
	const char *start[] = {"start", s->cfg->id, NULL};
	cleanup_err struct err *e = NULL;
	char reply[600];

	if (runtime_call(s, start, PROC_FD_NULL, PROC_FD_NULL, PROC_FD_NULL, &e) < 0) {
		snprintf(reply, sizeof(reply), "error %.500s\n", e->msg);
		client_send(s, c, reply, strlen(reply));
		free(s->error);
		s->error = xstrdup(e->msg);
		s->user_stopped = true;
		kill(s->pid, SIGKILL);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &s->started);
	s->phase = PHASE_RUNNING;
	write_state(s, NULL);
	client_send(s, c, "ok\n", 3);
}

static bool should_restart(const struct shim *s)
{
	const struct restart_policy *p = &s->cfg->restart;

	if (s->user_stopped || s->delete_requested || s->cfg->exec_process)
		return false;
	switch (p->mode) {
	case RESTART_ALWAYS:
	case RESTART_UNLESS_STOPPED:
		return true;
	case RESTART_ON_FAILURE:
		return s->exit_code != 0 &&
		       (p->max_retries == 0 || s->restart_count < p->max_retries);
	default:
		return false;
	}
}

static void remove_run_files(struct shim *s, bool all);
static void conmon_fifos_close(struct shim *s);

/* The container has ended for good.  Its record is written, then the shim
 * lets go of the id (sockets, pid file and lock gone: a new shim may start
 * at once, and a client finds no shim rather than one that stopped
 * answering), and only then are the waiting clients told. */
static void finish(struct shim *s)
{
	char code[16];

	s->phase = PHASE_DONE;
	write_state(s, NULL);
	close_fd(s, &s->attach_lfd);
	close_fd(s, &s->ctl_lfd);
	if (s->conmon_lfd >= 0) {
		cleanup_free char *cpath = xasprintf("%s/attach", s->cfg->bundle);

		close_fd(s, &s->conmon_lfd);
		unlink(cpath);
		conmon_fifos_close(s);
	}
	remove_run_files(s, s->delete_requested);
	fs_close(s->lock_fd);
	s->lock_fd = -1;
	snprintf(code, sizeof(code), "%d", s->exit_code);
	broadcast(s, FRAME_EXIT, code, strlen(code));
	reply_exit_waiters(s);
	reply_waiters(s, "ok\n");
	/* the exit record to disk, after the waiters were told (they read
	 * the renamed file; the fsyncs took 5-15 ms of every foreground run) */
	shim_state_sync(s->cfg->state_path);
}

/* The container's init was reaped and its output drained. */
static void run_ended(struct shim *s)
{
	int64_t ran;
	long oom;

	set_timer(s, 0);
	logfile_flush_partial(&s->log, STREAM_STDOUT, NULL);
	logfile_flush_partial(&s->log, STREAM_STDERR, NULL);
	logfile_flush(&s->log, NULL);
	close_fd(s, &s->out_fd);
	close_fd(s, &s->err_fd);
	if (s->in_fd >= 0 && s->in_fd != s->master)
		close_fd(s, &s->in_fd);
	s->in_fd = -1;
	fs_close(s->master);
	s->master = -1;
	buf_reset(&s->in_pending);
	oom = oom_count(s->oom_path);
	s->oom_killed = oom > 0 && oom > s->oom_base;
	clock_gettime(CLOCK_REALTIME, &s->finished);
	runtime_delete(s, false);
	if (!should_restart(s)) {
		finish(s);
		return;
	}
	reply_exit_waiters(s);
	ran = (int64_t)(s->finished.tv_sec - s->started.tv_sec) * 1000 +
	      (s->finished.tv_nsec - s->started.tv_nsec) / 1000000;
	s->backoff_ms = restart_delay_ms(s->backoff_ms, ran);
	s->phase = PHASE_RESTARTING;
	write_state(s, NULL);
	set_timer(s, s->backoff_ms);
}

static void maybe_end_drain(struct shim *s)
{
	if (s->phase == PHASE_DRAINING && s->out_fd < 0 && s->err_fd < 0)
		run_ended(s);
}

static void container_exited(struct shim *s, int status)
{
	if (WIFSIGNALED(status)) {
		s->signal = WTERMSIG(status);
		s->exit_code = 128 + s->signal;
	} else {
		s->signal = 0;
		s->exit_code = WEXITSTATUS(status);
	}
	s->phase = PHASE_DRAINING;
	s->drained_data = false;
	/* a process outside the container's pid namespace may hold the pipes:
	 * stop waiting once a second passes with no output */
	set_timer(s, 1000);
	maybe_end_drain(s);
}

static void restart_now(struct shim *s)
{
	cleanup_err struct err *e = NULL;

	s->restart_count++;
	free(s->error);
	s->error = NULL;
	if (start_container(s, true, &e) < 0) {
		s->error = xstrdup(e->msg);
		s->exit_code = 128;
		finish(s);
		return;
	}
	write_state(s, NULL);
}

static void on_timer(struct shim *s)
{
	uint64_t ticks;

	if (read(s->timerfd, &ticks, sizeof(ticks)) < 0)
		return;
	switch (s->phase) {
	case PHASE_RUNNING: /* the stop timeout ran out */
		kill(s->pid, SIGKILL);
		break;
	case PHASE_DRAINING:
		if (s->drained_data) {
			s->drained_data = false;
			set_timer(s, 1000);
		} else {
			close_fd(s, &s->out_fd);
			close_fd(s, &s->err_fd);
			run_ended(s);
		}
		break;
	case PHASE_RESTARTING:
		restart_now(s);
		break;
	default:
		break;
	}
}

static void on_signal(struct shim *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			int status;
			pid_t p;

			while ((p = waitpid(-1, &status, WNOHANG)) > 0)
				if (p == s->pid &&
				    (s->phase == PHASE_RUNNING || s->phase == PHASE_CREATED))
					container_exited(s, status);
		} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			/* as `kist-shim kill`: passed on, and not restarted */
			s->user_stopped = true;
			if (s->phase == PHASE_RUNNING)
				kill(s->pid, (int)si.ssi_signo);
			else if (s->phase == PHASE_RESTARTING)
				finish(s);
		}
	}
}

/* ---- control requests: "stop SIG SECS", "kill SIG", "delete [force]" ---- */

static void ctl_request(struct shim *s, struct client *c, char *line)
{
	char *verb = strtok(line, " "), *a1 = strtok(NULL, " "), *a2 = strtok(NULL, " ");
	char reply[256];
	int sig;

	if (!verb) {
		client_send(s, c, "error empty request\n", 20);
		return;
	}
	if (s->phase == PHASE_CREATED && streq(verb, "start")) {
		start_created(s, c);
		return;
	}
	if (streq(verb, "start")) {
		client_send(s, c, "ok\n", 3); /* running already: nothing to do */
		return;
	}
	if (streq(verb, "wait")) {
		if (s->phase == PHASE_DONE) {
			snprintf(reply, sizeof(reply), "exit %d\n", s->exit_code);
			client_send(s, c, reply, strlen(reply));
		} else {
			c->wait_exit = true;
		}
		return;
	}
	if (streq(verb, "stop")) {
		long secs = a2 ? strtol(a2, NULL, 10) : 10;

		sig = a1 ? signal_parse(a1) : SIGTERM;
		if (sig < 0) {
			snprintf(reply, sizeof(reply), "error invalid signal: %s\n", a1);
			client_send(s, c, reply, strlen(reply));
			return;
		}
		s->user_stopped = true;
		if (s->phase == PHASE_RESTARTING) {
			set_timer(s, 0);
			finish(s);
		}
		if (s->phase == PHASE_DONE) {
			client_send(s, c, "ok\n", 3);
			return;
		}
		c->waiting = true;
		if (s->phase == PHASE_CREATED) {
			kill(s->pid, SIGKILL);
		} else if (s->phase == PHASE_RUNNING) {
			kill(s->pid, sig);
			set_timer(s, secs <= 0 ? (secs == 0 ? 1 : 0) : secs * 1000);
		}
	} else if (streq(verb, "pause") || streq(verb, "resume")) {
		/* the runtime freezes or thaws; the record says so */
		const char *args[] = {verb, s->cfg->id, NULL};
		struct err *e = NULL;

		if (s->phase != PHASE_RUNNING) {
			snprintf(reply, sizeof(reply), "error container %s is not running\n",
				 s->cfg->id);
		} else if (streq(verb, "pause") == s->paused) {
			snprintf(reply, sizeof(reply), "error container %s is %s\n", s->cfg->id,
				 s->paused ? "already paused" : "not paused");
		} else if (runtime_call(s, args, PROC_FD_NULL, PROC_FD_NULL, PROC_FD_NULL, &e) <
			   0) {
			snprintf(reply, sizeof(reply), "error %s\n", e ? e->msg : verb);
		} else {
			s->paused = streq(verb, "pause");
			(void)write_state(s, NULL);
			snprintf(reply, sizeof(reply), "ok\n");
		}
		err_free(e);
		client_send(s, c, reply, strlen(reply));
	} else if (streq(verb, "kill")) {
		sig = a1 ? signal_parse(a1) : SIGKILL;
		if (sig < 0) {
			snprintf(reply, sizeof(reply), "error invalid signal: %s\n", a1);
		} else if (s->phase != PHASE_RUNNING && s->phase != PHASE_CREATED) {
			snprintf(reply, sizeof(reply), "error container %s is not running\n",
				 s->cfg->id);
		} else {
			s->user_stopped = true;
			if (kill(s->pid, sig) < 0)
				snprintf(reply, sizeof(reply), "error kill: %s\n", strerror(errno));
			else
				snprintf(reply, sizeof(reply), "ok\n");
		}
		client_send(s, c, reply, strlen(reply));
	} else if (streq(verb, "delete")) {
		bool force = a1 && streq(a1, "force");

		if ((s->phase == PHASE_RUNNING || s->phase == PHASE_CREATED) && !force) {
			snprintf(reply, sizeof(reply),
				 "error container %s is running: stop it first, or force the "
				 "removal\n",
				 s->cfg->id);
			client_send(s, c, reply, strlen(reply));
			return;
		}
		s->delete_requested = true;
		s->user_stopped = true;
		c->waiting = true;
		if (s->phase == PHASE_RESTARTING) {
			set_timer(s, 0);
			finish(s);
		} else if (s->phase == PHASE_RUNNING || s->phase == PHASE_CREATED) {
			kill(s->pid, SIGKILL);
		}
	} else if (streq(verb, "resize") && a1 && a2) {
		struct winsize ws = {.ws_row = (unsigned short)atoi(a1),
				     .ws_col = (unsigned short)atoi(a2)};

		if (s->master >= 0 && ioctl(s->master, TIOCSWINSZ, &ws) == 0)
			client_send(s, c, "ok\n", 3);
		else
			client_send(s, c, "error the container has no terminal\n", 36);
	} else {
		snprintf(reply, sizeof(reply), "error unknown request '%.64s'\n", verb);
		client_send(s, c, reply, strlen(reply));
	}
}

/* ---- attach frames from a client ---- */

static void attach_frame(struct shim *s, struct client *c, unsigned type, const char *p, size_t len)
{
	if (type == FRAME_RESIZE && len == 4) {
		struct winsize ws = {
		    .ws_row = (unsigned short)(((unsigned char)p[0] << 8) | (unsigned char)p[1]),
		    .ws_col = (unsigned short)(((unsigned char)p[2] << 8) | (unsigned char)p[3])};

		if (s->master >= 0)
			ioctl(s->master, TIOCSWINSZ, &ws);
		return;
	}
	if (type != FRAME_STDIN && type != FRAME_STDIN_CLOSE)
		return;
	if (!s->stdin_owner)
		s->stdin_owner = c;
	if (s->stdin_owner != c) {
		static const char msg[] = "stdin is attached to another client";

		client_frame(s, c, FRAME_ERROR, msg, sizeof(msg) - 1);
		return;
	}
	if (s->in_fd < 0)
		return;
	if (type == FRAME_STDIN)
		buf_add(&s->in_pending, p, len);
	else
		s->in_close = true;
	stdin_flush(s);
}

static void client_input(struct shim *s, struct client *c)
{
	char tmp[65536];
	ssize_t n = recv(c->fd, tmp, sizeof(tmp), MSG_DONTWAIT);
	size_t off = 0;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (c->packets && n == 0 && !c->read_closed) {
			/* conmon's rule: the stdin writer's EOF is the container's;
			 * the client still reads the output */
			if (s->stdin_owner == c && s->in_fd >= 0) {
				s->in_close = true;
				stdin_flush(s);
			}
			c->read_closed = true;
			ep_mod(s, c->fd, EV_CLIENT, 0);
			return;
		}
		client_drop(s, c);
		return;
	}
	if (c->packets) {
		/* conmon's clients write stdin as it is */
		attach_frame(s, c, FRAME_STDIN, tmp, (size_t)n);
		return;
	}
	buf_add(&c->in, tmp, (size_t)n);
	if (c->ctl) {
		char *nl;

		while ((nl = memchr(c->in.data + off, '\n', c->in.len - off))) {
			*nl = '\0';
			ctl_request(s, c, c->in.data + off);
			if (!client_find(s, c->fd))
				return;
			off = (size_t)(nl - c->in.data) + 1;
		}
	} else {
		while (c->in.len - off >= FRAME_HEADER) {
			const unsigned char *h = (const unsigned char *)c->in.data + off;
			uint32_t len = ((uint32_t)h[4] << 24) | ((uint32_t)h[5] << 16) |
				       ((uint32_t)h[6] << 8) | h[7];

			if (len > FRAME_MAX) {
				client_drop(s, c);
				return;
			}
			if (c->in.len - off < FRAME_HEADER + len)
				break;
			attach_frame(s, c, h[0], c->in.data + off + FRAME_HEADER, len);
			off += FRAME_HEADER + len;
		}
	}
	memmove(c->in.data, c->in.data + off, c->in.len - off);
	c->in.len -= off;
	c->in.data[c->in.len] = '\0';
}

/* ---- conmon's fifos in the bundle: ctl takes "TYPE HEIGHT WIDTH" lines
 * (1: resize the terminal, 2: reopen the log), winsz "HEIGHT WIDTH" ---- */

static const char *const conmon_fifo_names[2] = {"ctl", "winsz"};

static void conmon_fifo_line(struct shim *s, int which, const char *line)
{
	int type = 1, h, w;
	bool ok = which == 0 ? sscanf(line, "%d %d %d", &type, &h, &w) == 3
			     : sscanf(line, "%d %d", &h, &w) == 2;

	if (!ok || h < 0 || w < 0 || h > 65535 || w > 65535)
		return; /* as conmon: a bad line is dropped */
	if (type == 1 && s->master >= 0) {
		struct winsize ws = {.ws_row = (unsigned short)h, .ws_col = (unsigned short)w};

		ioctl(s->master, TIOCSWINSZ, &ws);
	} else if (type == 2) {
		logfile_reopen(&s->log, NULL);
	}
}

static void conmon_fifo_input(struct shim *s, int fd)
{
	int which = fd == s->conmon_fifo[0] ? 0 : 1;
	struct buf *in = &s->fifo_in[which];
	char tmp[512], *nl;
	size_t off = 0;
	ssize_t n;

	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		buf_add(in, tmp, (size_t)n);
	while ((nl = memchr(in->data + off, '\n', in->len - off))) {
		*nl = '\0';
		conmon_fifo_line(s, which, in->data + off);
		off = (size_t)(nl - in->data) + 1;
	}
	if (in->len - off > 256)
		off = in->len; /* no line is that long: drop it */
	memmove(in->data, in->data + off, in->len - off);
	in->len -= off;
	in->data[in->len] = '\0';
}

static int conmon_fifos_open(struct shim *s, struct err **err)
{
	for (int i = 0; i < 2; i++) {
		cleanup_free char *p = xasprintf("%s/%s", s->cfg->bundle, conmon_fifo_names[i]);

		if (mkfifo(p, 0600) < 0 && errno != EEXIST)
			return err_set(err, errno, "mkfifo '%s'", p);
		/* read and write: a writer that goes away is no end of file */
		s->conmon_fifo[i] = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (s->conmon_fifo[i] < 0)
			return err_set(err, errno, "open '%s'", p);
		ep_add(s, s->conmon_fifo[i], EV_CONMON_CTL, EPOLLIN);
	}
	return 0;
}

static void conmon_fifos_close(struct shim *s)
{
	for (int i = 0; i < 2; i++) {
		if (s->conmon_fifo[i] >= 0) {
			cleanup_free char *p =
			    xasprintf("%s/%s", s->cfg->bundle, conmon_fifo_names[i]);

			close_fd(s, &s->conmon_fifo[i]);
			unlink(p);
		}
		buf_release(&s->fifo_in[i]);
	}
}

static void accept_client(struct shim *s, int lfd, bool ctl)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct client *c;

	if (fd < 0)
		return;
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->ctl = ctl;
	c->packets = lfd == s->conmon_lfd;
	buf_init(&c->in);
	buf_init(&c->out);
	c->next = s->clients;
	s->clients = c;
	ep_add(s, fd, EV_CLIENT, EPOLLIN);
	if (!ctl && s->phase == PHASE_DONE) {
		char code[16];

		snprintf(code, sizeof(code), "%d", s->exit_code);
		client_frame(s, c, FRAME_EXIT, code, strlen(code));
	}
}

/* ---- the loop ---- */

static void loop(struct shim *s)
{
	struct epoll_event evs[16];

	while (s->phase != PHASE_DONE) {
		int n = epoll_wait(s->epfd, evs, ARRAY_SIZE(evs), -1);

		for (int i = 0; i < n && s->phase != PHASE_DONE; i++) {
			enum ev_kind kind = (enum ev_kind)(evs[i].data.u64 >> 32);
			int fd = (int)(uint32_t)evs[i].data.u64;
			struct client *c;

			switch (kind) {
			case EV_SIGNAL:
				on_signal(s);
				break;
			case EV_TIMER:
				on_timer(s);
				break;
			case EV_OUT:
				if (fd == s->out_fd)
					pump(s, &s->out_fd, STREAM_STDOUT);
				maybe_end_drain(s);
				break;
			case EV_ERR:
				if (fd == s->err_fd)
					pump(s, &s->err_fd, STREAM_STDERR);
				maybe_end_drain(s);
				break;
			case EV_STDIN:
				stdin_flush(s);
				break;
			case EV_ATTACH_LISTEN:
				accept_client(s, s->attach_lfd, false);
				break;
			case EV_CTL_LISTEN:
				accept_client(s, s->ctl_lfd, true);
				break;
			case EV_CONMON_LISTEN:
				accept_client(s, s->conmon_lfd, false);
				break;
			case EV_CONMON_CTL:
				conmon_fifo_input(s, fd);
				break;
			case EV_CLIENT:
				c = client_find(s, fd);
				if (c && (evs[i].events & EPOLLOUT))
					client_flush(s, c);
				c = client_find(s, fd);
				if (c && c->read_closed)
					client_drop(s, c); /* hung up */
				else if (c && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
					client_input(s, c);
				break;
			}
		}
	}
}

/* Give attached clients up to a second to take the rest of the output. */
static void last_words(struct shim *s)
{
	struct timespec end, now;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += 1;
	for (;;) {
		struct client *c;
		bool pending = false;
		struct pollfd pfds[16];
		nfds_t n = 0;

		for (c = s->clients; c; c = c->next) {
			client_flush(s, c);
		}
		for (c = s->clients; c && n < ARRAY_SIZE(pfds); c = c->next)
			if (c->out.len) {
				pending = true;
				pfds[n++] = (struct pollfd){.fd = c->fd, .events = POLLOUT};
			}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!pending || now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			break;
		poll(pfds, n, 100);
	}
	while (s->clients)
		client_drop(s, s->clients);
}

static void remove_run_files(struct shim *s, bool all)
{
	static const char *const names[] = {"attach", "ctl", "shim.pid", "console.sock"};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		cleanup_free char *p = path_in_dir(s, names[i]);
		unlink(p);
	}
	if (all)
		fs_rm_rf(s->cfg->dir, NULL);
}

static int write_shim_json(struct shim *s, struct err **err)
{
	struct shim_config *cfg = s->cfg;
	cleanup_json cJSON *j = cJSON_CreateObject();
	cleanup_free char *path = path_in_dir(s, "shim.json");
	cleanup_free char *text = NULL;

	cJSON_AddStringToObject(j, "id", cfg->id);
	cJSON_AddStringToObject(j, "bundle", cfg->bundle);
	cJSON_AddStringToObject(j, "runtime", cfg->runtime);
	if (cfg->runtime_root)
		cJSON_AddStringToObject(j, "runtime_root", cfg->runtime_root);
	cJSON_AddStringToObject(j, "log", cfg->log_path);
	cJSON_AddStringToObject(j, "state", cfg->state_path);
	cJSON_AddStringToObject(j, "pid_file", cfg->pid_file);
	cJSON_AddNumberToObject(j, "pid", getpid());
	cJSON_AddBoolToObject(j, "tty", cfg->tty);
	cJSON_AddBoolToObject(j, "stdin", cfg->stdin_open);
	text = json_print(j, true);
	/* run-time files: no fsync (they do not outlive the machine's uptime) */
	return fs_replace_file(path, text, strlen(text), 0644, err);
}

static int setup(struct shim *s, struct err **err)
{
	cleanup_free char *attach = path_in_dir(s, "attach");
	cleanup_free char *ctl = path_in_dir(s, "ctl");
	cleanup_free char *pidp = path_in_dir(s, "shim.pid");
	char pid[32];
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return err_set(err, errno, "become the container's subreaper");
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	s->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (s->epfd < 0 || s->sigfd < 0 || s->timerfd < 0)
		return err_set(err, errno, "set up the event loop");
	ep_add(s, s->sigfd, EV_SIGNAL, EPOLLIN);
	ep_add(s, s->timerfd, EV_TIMER, EPOLLIN);
	s->attach_lfd = unix_listen(attach, err);
	if (s->attach_lfd < 0)
		return -1;
	s->ctl_lfd = unix_listen(ctl, err);
	if (s->ctl_lfd < 0)
		return -1;
	ep_add(s, s->attach_lfd, EV_ATTACH_LISTEN, EPOLLIN);
	ep_add(s, s->ctl_lfd, EV_CTL_LISTEN, EPOLLIN);
	if (s->cfg->conmon) {
		/* podman connects to <bundle>/attach before it starts the container */
		cleanup_free char *cpath = xasprintf("%s/attach", s->cfg->bundle);

		s->conmon_lfd = unix_listen_type(cpath, SOCK_SEQPACKET, err);
		if (s->conmon_lfd < 0)
			return -1;
		ep_add(s, s->conmon_lfd, EV_CONMON_LISTEN, EPOLLIN);
		if (conmon_fifos_open(s, err) < 0)
			return -1;
	}
	if (write_shim_json(s, err) < 0)
		return -1;
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	return fs_replace_file(pidp, pid, strlen(pid), 0644, err);
}

static void report(int fd, const char *msg)
{
	if (fd < 0)
		return;
	if (fs_write_all(fd, msg, strlen(msg)) < 0) {
		/* the caller is gone: nobody to tell */
	}
}

/* As conmon: once the attach socket listens, tell an exec's attacher so
 * (--exec-attach), then wait for podman's word to go on (it has attached,
 * or set up what the container needs). */
static int conmon_wait_start(struct shim *s)
{
	struct conmon_compat *cm = s->cfg->conmon;
	char go[64];

	if (!cm)
		return 0;
	if (cm->attach_fd >= 0)
		conmon_attach_ready(cm);
	if (cm->start_fd >= 0) {
		if (read(cm->start_fd, go, sizeof(go)) < 0) {
			/* closed without a word: go on anyway */
		}
		fs_close(cm->start_fd);
		cm->start_fd = -1;
	}
	return 0;
}

/* The daemon: never returns. */
static void shim_main(struct shim_config *cfg, int sync_fd, bool fresh_dir, int lock_fd)
{
	struct shim s = {
	    .cfg = cfg,
	    .epfd = -1,
	    .sigfd = -1,
	    .timerfd = -1,
	    .attach_lfd = -1,
	    .ctl_lfd = -1,
	    .conmon_lfd = -1,
	    .conmon_fifo = {-1, -1},
	    .fifo_in = {BUF_INIT, BUF_INIT},
	    .out_fd = -1,
	    .err_fd = -1,
	    .in_fd = -1,
	    .master = -1,
	    .in_pending = BUF_INIT,
	    .lock_fd = lock_fd,
	};
	cleanup_err struct err *e = NULL;
	int nullfd;

	s.runtime_log = path_in_dir(&s, "runtime.log");
	if (chdir("/") < 0) {
		/* stay where we are */
	}
	nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nullfd >= 0) {
		dup2(nullfd, 0);
		dup2(nullfd, 1);
		dup2(nullfd, 2);
		fs_close(nullfd);
	}
	if (logfile_open(&s.log, cfg->log_path, cfg->conmon ? LOGFMT_K8S_FILE : LOGFMT_JSON_FILE,
			 &cfg->log_opts, &e) < 0 ||
	    setup(&s, &e) < 0 || conmon_wait_start(&s) < 0 ||
	    start_container(&s, !cfg->no_start, &e) < 0 || write_state(&s, &e) < 0) {
		cleanup_free char *msg = xasprintf("error %s\n", e ? e->msg : "start failed");

		if (s.pid > 0 && (s.phase == PHASE_RUNNING || s.phase == PHASE_CREATED)) {
			kill(s.pid, SIGKILL);
			runtime_delete(&s, true);
		}
		report(sync_fd, msg);
		if (cfg->conmon) {
			conmon_report(cfg->conmon, -1, e ? e->msg : "start failed");
			conmon_fifos_close(&s);
		}
		remove_run_files(&s, fresh_dir);
		if (!fresh_dir) {
			cleanup_free char *j = path_in_dir(&s, "shim.json");
			unlink(j);
		}
		_exit(EXIT_FAIL);
	}
	if (cfg->conmon) {
		conmon_report(cfg->conmon, s.pid, NULL);
		if (cfg->conmon->conmon_pidfile) {
			char pid[32];

			snprintf(pid, sizeof(pid), "%d", (int)getpid());
			fs_replace_file(cfg->conmon->conmon_pidfile, pid, strlen(pid), 0644, NULL);
		}
	}
	report(sync_fd, "ok\n");
	fs_close(sync_fd);
	loop(&s);
	last_words(&s);
	logfile_close(&s.log);
	if (cfg->conmon) {
		/* as conmon: the exit files podman reads, then become the exit
		 * command (podman's cleanup) */
		conmon_exit_files(cfg->conmon, cfg->id, s.exit_code, s.oom_killed);
		if (cfg->exec_process) /* an exec's code goes on the sync pipe too */
			conmon_report(cfg->conmon, s.exit_code, NULL);
		fs_rm_rf(cfg->dir, NULL);
	}
	if (cfg->exit_command) {
		/* the caller's cleanup (podman's, or kist's network release);
		 * the lock is released by the exec */
		execv(cfg->exit_command[0], cfg->exit_command);
		_exit(EXIT_FAIL);
	}
	_exit(EXIT_OK);
}

void shim_config_release(struct shim_config *cfg)
{
	free(cfg->bundle);
	free(cfg->runtime);
	free(cfg->runtime_root);
	free(cfg->dir);
	free(cfg->log_path);
	free(cfg->state_path);
	free(cfg->pid_file);
	free(cfg->exec_process);
	strv_free(cfg->exit_command);
}

int shim_start(struct shim_config *cfg, struct err **err)
{
	cleanup_close int lock = -1;
	cleanup_free char *lock_path = NULL;
	cleanup_free char *reply = NULL;
	int sync[2];
	bool fresh = !fs_exists(cfg->dir);
	pid_t child;
	int status;

	if (fs_mkdir_p(cfg->dir, 0700, err) < 0)
		return -1;
	lock_path = xasprintf("%s/lock", cfg->dir);
	lock = lock_acquire(lock_path, LOCK_MODE_EXCLUSIVE, false, NULL);
	if (lock < 0) {
		cleanup_free char *pidp = xasprintf("%s/shim.pid", cfg->dir);
		cleanup_free char *pid = NULL;

		if (fs_read_all(pidp, 64, &pid, NULL, NULL) == 0)
			pid[strcspn(pid, "\n")] = '\0';
		return err_set(err, 0, "container '%s' already has a shim (pid %s)", cfg->id,
			       pid ? pid : "unknown");
	}
	if (pipe2(sync, O_CLOEXEC) < 0)
		return err_set(err, errno, "pipe");
	fflush(NULL);
	child = fork();
	if (child < 0) {
		fs_close(sync[0]);
		fs_close(sync[1]);
		return err_set(err, errno, "fork");
	}
	if (child == 0) {
		fs_close(sync[0]);
		setsid();
		if (fork() != 0)
			_exit(0);
		shim_main(cfg, sync[1], fresh, lock);
	}
	fs_close(sync[1]);
	fs_close(lock), lock = -1; /* the daemon holds it now */
	waitpid(child, &status, 0);
	if (fs_read_fd(sync[0], 1u << 16, &reply, NULL, err) < 0) {
		fs_close(sync[0]);
		return -1;
	}
	fs_close(sync[0]);
	if (str_has_prefix(reply, "ok"))
		return 0;
	reply[strcspn(reply, "\n")] = '\0';
	if (str_has_prefix(reply, "error "))
		return err_set(err, 0, "%s", reply + 6);
	return err_set(err, 0, "the shim for '%s' died while starting", cfg->id);
}
