/* proc.c: fork + exec with an fd plan, exec failures reported through a
 * CLOEXEC pipe (git run-command), wait and capture. */
#define _GNU_SOURCE
#include <errno.h>       /* errno */
#include <fcntl.h>       /* open, fcntl */
#include <limits.h>      /* PATH_MAX */
#include <signal.h>      /* sigprocmask */
#include <stdio.h>       /* fflush */
#include <stdlib.h>      /* free */
#include <string.h>      /* strerror */
#include <sys/syscall.h> /* SYS_rt_sigaction */
#include <sys/wait.h>    /* waitpid */
#include <unistd.h>      /* fork, execvp */

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/util.h"

extern char **environ;

enum child_stage { STAGE_SETUP = 1, STAGE_CHDIR, STAGE_EXEC };

struct child_report {
	int stage;
	int err;
};

void proc_signals_default(void)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++) {
		/* glibc refuses its reserved real-time signals (32, 33), which an
		 * ignoring parent (make, timeout, a CI runner) can hand down:
		 * reset them raw */
		if (sigaction(sig, &sa, NULL) < 0 && errno == EINVAL) {
			unsigned long ksa[4] = {0, 0, 0, 0}; /* SIG_DFL, no flags, empty mask */
			(void)syscall(SYS_rt_sigaction, sig, ksa, NULL, (size_t)(_NSIG / 8));
		}
	}
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}

static void child_fail(int fd, int stage)
{
	struct child_report r = {stage, errno};

	(void)fs_write_all(fd, &r, sizeof(r));
	_exit(127);
}

/* In the child, before exec: only async-signal-safe calls. */
static NORETURN void child(const struct proc *p, const int src[3], int report)
{
	int tmp[3] = {-1, -1, -1};
	int i;

	log_set_forked_child();
	proc_signals_default();

	if (p->new_session && setsid() < 0)
		child_fail(report, STAGE_SETUP);
	/* Move sources out of 0..2 first so one dup2 cannot clobber another's source. */
	for (i = 0; i < 3; i++) {
		if (src[i] < 0)
			continue;
		tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 3);
		if (tmp[i] < 0)
			child_fail(report, STAGE_SETUP);
	}
	for (i = 0; i < 3; i++) {
		if (tmp[i] < 0)
			continue;
		if (dup2(tmp[i], i) < 0)
			child_fail(report, STAGE_SETUP);
	}
	for (i = 0; p->keep_fds && p->keep_fds[i] >= 0; i++) {
		int fl = fcntl(p->keep_fds[i], F_GETFD);

		if (fl < 0 || fcntl(p->keep_fds[i], F_SETFD, fl & ~FD_CLOEXEC) < 0)
			child_fail(report, STAGE_SETUP);
	}
	if (p->dir && chdir(p->dir) < 0)
		child_fail(report, STAGE_CHDIR);
	if (p->env)
		execvpe(p->argv[0], (char *const *)p->argv, (char *const *)p->env);
	else
		execvp(p->argv[0], (char *const *)p->argv);
	child_fail(report, STAGE_EXEC);
	_exit(127);
}

/* Set up one of 0/1/2: *child_fd is what the child gets (-1: inherit),
 * *parent_fd what the parent keeps (-1: nothing). */
static int plan_fd(int want, int n, int *child_fd, int *parent_fd)
{
	int pfd[2];

	*child_fd = -1;
	*parent_fd = -1;
	switch (want) {
	case PROC_FD_INHERIT:
		return 0;
	case PROC_FD_NULL:
		*child_fd =
		    open("/dev/null", (n == 0 ? O_RDONLY : O_WRONLY) | O_CLOEXEC | O_NOCTTY);
		return *child_fd < 0 ? -1 : 0;
	case PROC_FD_PIPE:
		if (pipe2(pfd, O_CLOEXEC) < 0)
			return -1;
		*child_fd = n == 0 ? pfd[0] : pfd[1];
		*parent_fd = n == 0 ? pfd[1] : pfd[0];
		return 0;
	default:
		if (want < 0) {
			errno = EBADF;
			return -1;
		}
		*child_fd = fcntl(want, F_DUPFD_CLOEXEC, 3);
		return *child_fd < 0 ? -1 : 0;
	}
}

int proc_start(struct proc *p, struct err **err)
{
	int cfd[3] = {-1, -1, -1}, pfd[3] = {-1, -1, -1};
	int *want[3] = {&p->in, &p->out, &p->err};
	int report[2] = {-1, -1};
	struct child_report r;
	sigset_t all, old;
	ssize_t n;
	pid_t pid;
	int i, saved;

	if (!p->argv || !p->argv[0])
		return err_set(err, EINVAL, "exec: empty command");
	for (i = 0; i < 3; i++) {
		if (plan_fd(*want[i], i, &cfd[i], &pfd[i]) < 0) {
			saved = errno;
			goto fail_setup;
		}
	}
	if (pipe2(report, O_CLOEXEC) < 0) {
		saved = errno;
		goto fail_setup;
	}
	/* No buffered output may be written twice by the child. */
	fflush(NULL);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		fs_close(report[0]);
		for (i = 0; i < 3; i++)
			fs_close(pfd[i]);
		child(p, cfd, report[1]);
	}
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	fs_close(report[1]);
	for (i = 0; i < 3; i++)
		fs_close(cfd[i]);
	if (pid < 0) {
		fs_close(report[0]);
		for (i = 0; i < 3; i++)
			fs_close(pfd[i]);
		return err_set(err, saved, "fork for '%s'", p->argv[0]);
	}
	do
		n = read(report[0], &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	fs_close(report[0]);
	if (n == (ssize_t)sizeof(r)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		for (i = 0; i < 3; i++)
			fs_close(pfd[i]);
		switch (r.stage) {
		case STAGE_CHDIR:
			return err_set(err, r.err, "exec '%s': chdir '%s'", p->argv[0], p->dir);
		case STAGE_SETUP:
			return err_set(err, r.err, "exec '%s': set up child", p->argv[0]);
		default:
			return err_set(err, r.err, "exec '%s'", p->argv[0]);
		}
	}
	p->pid = pid;
	for (i = 0; i < 3; i++)
		if (*want[i] == PROC_FD_PIPE)
			*want[i] = pfd[i];
	return 0;

fail_setup:
	for (i = 0; i < 3; i++) {
		fs_close(cfd[i]);
		fs_close(pfd[i]);
	}
	return err_set(err, saved, "exec '%s': set up fds", p->argv[0]);
}

int proc_status_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

int proc_wait(struct proc *p, struct err **err)
{
	int status;
	pid_t r;

	if (p->pid <= 0)
		return err_set(err, ECHILD, "wait: no process started");
	do
		r = waitpid(p->pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return err_set(err, errno, "wait for '%s' (pid %d)", p->argv ? p->argv[0] : "?",
			       (int)p->pid);
	p->pid = -1;
	return proc_status_code(status);
}

int proc_run(struct proc *p, struct err **err)
{
	if (proc_start(p, err) < 0)
		return -1;
	return proc_wait(p, err);
}

int proc_capture(const char *const *argv, size_t max, char **out, struct err **err)
{
	struct proc p = PROC_INIT;
	cleanup_close int fd = -1;
	char *data = NULL;
	size_t len = 0;
	int r;

	p.argv = argv;
	p.in = PROC_FD_NULL;
	p.out = PROC_FD_PIPE;
	if (proc_start(&p, err) < 0)
		return -1;
	fd = p.out;
	r = fs_read_fd(fd, max, &data, &len, err);
	if (r < 0) {
		kill(p.pid, SIGKILL);
		(void)proc_wait(&p, NULL);
		if (err && *err && (*err)->code == EFBIG) {
			err_set(err, 0, "output of '%s' is larger than %zu bytes", argv[0], max);
			(*err)->code = EFBIG;
			return -1;
		}
		return err_wrap(err, "capture output of '%s'", argv[0]);
	}
	fs_close(steal_fd(&fd));
	r = proc_wait(&p, err);
	if (r < 0) {
		free(data);
		return -1;
	}
	*out = data;
	return r;
}

char *proc_sibling_path(const char *prog)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			char *p = xasprintf("%.*s/%s", (int)(slash - self), self, prog);
			if (access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	return xstrdup(prog);
}
