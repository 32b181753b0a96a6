/* cmd_run.c: `run [create options] [--detach] ID`: create, start, and in
 * the foreground wait for the container, forward signals to it, delete it
 * and exit with its status (128+signal when it was killed). */
#define _GNU_SOURCE
#include <errno.h>         /* errno */
#include <signal.h>        /* sigset_t */
#include <sys/signalfd.h>  /* signalfd */
#include <sys/wait.h>      /* waitpid */
#include <unistd.h>        /* read */
#include "common/cli.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/proc.h"
#include "common/util.h"
#include "runtime/container.h"
#include "runtime/runtime.h"

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

static int wait_forwarding(pid_t pid, struct err **err)
{
	static const int fwd[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH };
	sigset_t set;
	cleanup_close int sfd = -1;
	int status = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(fwd); i++)
		sigaddset(&set, fwd[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return err_set(err, errno, "signalfd");
	for (;;) {
		struct signalfd_siginfo si;
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return err_set(err, errno, "wait for container init");
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD)
			kill(pid, (int)si.ssi_signo);
	}
	return proc_status_code(status);
}

int cmd_run(void *gp, int argc, char **argv, struct err **err)
{
	struct rt_global *g = gp;
	struct rt_create_opts o = { .root = g->root, .systemd_cgroup = g->systemd_cgroup };
	struct rt_container *c = NULL;
	bool detach = false;
	int code;

	rt_parse_create_opts(argc, argv, &o, &detach, usage_text);
	if (rt_container_create(&o, &c, err) < 0)
		return -1;
	if (fs_write_all(c->start_w, "s", 1) < 0) {
		err_set(err, errno, "start container '%s'", o.id);
		rt_container_free(c);
		rt_container_delete(o.root, o.id, true, NULL);
		return -1;
	}
	fs_close(c->start_w);
	c->start_w = -1;
	rt_container_hooks(c->cfg.hooks, "poststart", &c->st, RT_STATUS_RUNNING, NULL);
	if (detach) {
		rt_container_free(c);
		return EXIT_OK;
	}
	code = wait_forwarding(c->st.pid, err);
	rt_container_free(c);
	if (rt_container_delete(o.root, o.id, true, code < 0 ? NULL : err) < 0 && code >= 0)
		return -1;
	return code;
}
