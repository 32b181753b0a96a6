/* cmd_run.c: `run [create options] [--detach] ID`: create, start, and in
 * the foreground wait for the container, forward signals to it, delete it
 * and exit with its status (128+signal when it was killed). */
#define _GNU_SOURCE
#include <errno.h>        /* errno */
#include <fcntl.h>        /* fcntl */
#include <poll.h>         /* poll */
#include <sys/ioctl.h>    /* TIOCGWINSZ */
#include <termios.h>      /* cfmakeraw */
#include <signal.h>       /* sigset_t */
#include <sys/signalfd.h> /* signalfd */
#include <sys/wait.h>     /* waitpid */
#include <unistd.h>       /* read */
#include "common/cli.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/proc.h"
#include "common/util.h"
#include "runtime/container.h"
#include "runtime/runtime.h"
#include "runtime/tty.h"

int rt_parse_create_opts(int argc, char **argv, struct rt_create_opts *o, bool *detach,
			 const char *usage);

static const char usage_text[] =
    "usage: kist-runtime run [options] ID\n"
    "  -b, --bundle DIR         bundle directory (default: current directory)\n"
    "  -d, --detach             return once the container runs\n"
    "      --pid-file FILE      write the init's pid to FILE\n"
    "      --console-socket S   send the pty master to this unix socket\n"
    "      --preserve-fds N     pass N extra fds (from 3) to the container\n"
    "      --no-pivot           use MS_MOVE + chroot instead of pivot_root\n";

/* Copy what is readable on from to to; false at EOF or error. */
static bool pump(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	return fs_write_all(to, buf, (size_t)n) == 0;
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* Wait for the init, forwarding signals to it; with a pty master, copy
 * stdin into it and its output to stdout (the caller's terminal in raw
 * mode), as `runc run` does without --console-socket. */
static int wait_forwarding(pid_t pid, int master, struct err **err)
{
	static const int fwd[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH};
	sigset_t set;
	cleanup_close int sfd = -1;
	int status = 0;
	bool in_open = master >= 0, out_open = master >= 0, exited = false;
	struct termios saved;
	bool raw = false;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(fwd); i++)
		sigaddset(&set, fwd[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return err_set(err, errno, "signalfd");
	if (master >= 0 && isatty(0) && tcgetattr(0, &saved) == 0) {
		struct termios t = saved;
		cfmakeraw(&t);
		raw = tcsetattr(0, TCSANOW, &t) == 0;
		copy_winsize(0, master);
	}
	while (!exited || out_open) {
		struct pollfd p[3] = {{.fd = sfd, .events = POLLIN},
				      {.fd = out_open ? master : -1, .events = POLLIN},
				      {.fd = in_open ? 0 : -1, .events = POLLIN}};
		if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
			exited = true;
			/* drain what the container printed, then stop */
			if (out_open) {
				char buf[8192];
				ssize_t n;
				fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
				while ((n = read(master, buf, sizeof(buf))) > 0)
					if (fs_write_all(1, buf, (size_t)n) < 0)
						break;
			}
			break;
		}
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGCHLD) {
				if (si.ssi_signo == SIGWINCH && master >= 0)
					copy_winsize(0, master);
				else
					kill(pid, (int)si.ssi_signo);
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
			out_open = pump(master, 1);
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
			in_open = pump(0, master);
	}
	if (!exited)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	if (raw)
		tcsetattr(0, TCSANOW, &saved);
	return proc_status_code(status);
}

int cmd_run(void *gp, int argc, char **argv, struct err **err)
{
	struct rt_global *g = gp;
	struct rt_create_opts o = {.root = g->root, .systemd_cgroup = g->systemd_cgroup};
	struct rt_container *c = NULL;
	bool detach = false;
	cleanup_close int master = -1;
	int code;

	rt_parse_create_opts(argc, argv, &o, &detach, usage_text);
	/* a terminal in the foreground without --console-socket: we hold the pty */
	o.own_console = !o.console_socket && !detach;
	if (rt_container_create(&o, &c, err) < 0)
		return -1;
	if (c->console_peer >= 0 && c->cfg.process.terminal) {
		master = rt_tty_recv_fd(c->console_peer, err);
		if (master < 0) {
			rt_container_free(c);
			rt_container_delete(o.root, o.id, true, NULL);
			return -1;
		}
	}
	if (fs_write_all(c->start_w, "s", 1) < 0) {
		err_set(err, errno, "start container '%s'", o.id);
		rt_container_free(c);
		rt_container_delete(o.root, o.id, true, NULL);
		return -1;
	}
	fs_close(c->start_w);
	c->start_w = -1;
	if (c->cfg.hooks && cJSON_GetObjectItemCaseSensitive(c->cfg.hooks, "poststart")) {
		rt_container_wait_exec(c->st.pid, c->st.start_pipe_fd, c->st.start_pipe_ino);
		rt_container_hooks(c->cfg.hooks, "poststart", &c->st, RT_STATUS_RUNNING, NULL);
	}
	if (detach) {
		rt_container_free(c);
		return EXIT_OK;
	}
	code = wait_forwarding(c->st.pid, master, err);
	rt_container_free(c);
	if (rt_container_delete(o.root, o.id, true, code < 0 ? NULL : err) < 0 && code >= 0)
		return -1;
	return code;
}
