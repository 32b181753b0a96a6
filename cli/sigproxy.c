/* sigproxy.c: docker's --sig-proxy for a foreground container: while the
 * attach runs, every signal kist receives that a process may be asked to
 * handle is passed on to it (kist-shim attach --sig-proxy then sends it to
 * the container's process).  SIGCHLD, SIGPIPE, SIGWINCH and SIGURG stay
 * kist's own, as docker's. */
#define _GNU_SOURCE
#include <signal.h> /* sigaction */
#include <string.h> /* memset */

#include "cli/kist.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/proc.h"
#include "common/util.h"

static volatile sig_atomic_t child_pid;

static void forward(int sig)
{
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

static bool proxied(int sig)
{
	return sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD && sig != SIGPIPE &&
	       sig != SIGWINCH && sig != SIGURG && sig != SIGSEGV && sig != SIGBUS &&
	       sig != SIGFPE && sig != SIGILL && sig != SIGTRAP && sig != SIGABRT &&
	       sig != SIGSYS && sig != SIGTTIN && sig != SIGTTOU && sig != SIGTSTP &&
	       sig != SIGCONT;
}

int kist_spawn_proxy(const char *prog, char *const *args, struct err **err)
{
	cleanup_free char *path = proc_sibling_path(prog);
	cleanup_strv char **argv = NULL;
	struct proc p = PROC_INIT;
	struct sigaction sa, old[65];
	sigset_t all, prev;
	int r;

	strv_push(&argv, path);
	for (size_t i = 0; args && args[i]; i++)
		strv_push(&argv, args[i]);
	p.argv = (const char *const *)argv;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	/* no signal is lost between the start and knowing the child's pid */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &prev);
	for (int s = 1; s < 65 && s < SIGRTMIN; s++)
		if (proxied(s))
			sigaction(s, &sa, &old[s]);
	r = proc_start(&p, err);
	if (r == 0)
		child_pid = p.pid;
	sigprocmask(SIG_SETMASK, &prev, NULL);
	if (r == 0)
		r = proc_wait(&p, err);
	child_pid = 0;
	for (int s = 1; s < 65 && s < SIGRTMIN; s++)
		if (proxied(s))
			sigaction(s, &old[s], NULL);
	return r;
}
