/* kist-init: a minimal init for containers (docker's --init, tini's job).
 *
 *   kist-init [--] COMMAND [ARG...]
 *
 * As PID 1 it runs COMMAND as its child, passes every signal it receives
 * on to that child (SIGTERM from `kist stop`, SIGINT, SIGUSR1 ...), reaps
 * every process that ends up orphaned in the container, and exits with the
 * child's exit code (128+N when a signal N ended it).  It cannot run
 * COMMAND: 127 when it is not found, 126 otherwise, as docker.
 *
 * Static, and uses no library of the project: it is bind-mounted into
 * images that have nothing of ours. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static int usage(void)
{
	fputs("usage: kist-init [--] COMMAND [ARG...]\n"
	      "Run COMMAND as the child of a minimal init: signals are passed on to it,\n"
	      "orphans are reaped, its exit code is this program's.\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	sigset_t all, old;
	pid_t child;
	int i = 1, code = -1;

	if (i < argc && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
		usage();
		return 0;
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc)
		return usage();
	/* not PID 1 (a test, a nested init): orphans still come to us */
	if (getpid() != 1)
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	child = fork();
	if (child < 0) {
		fprintf(stderr, "kist-init: fork: %s\n", strerror(errno));
		return 1;
	}
	if (child == 0) {
		/* the command starts with the signals as the init was given them */
		for (int s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(argv[i], &argv[i]);
		fprintf(stderr, "kist-init: exec %s: %s\n", argv[i], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);

		if (sig < 0)
			continue; /* EINTR */
		if (sig != SIGCHLD) {
			/* signals the kernel keeps from PID 1 reach the child here */
			(void)kill(child, sig);
			continue;
		}
		for (;;) {
			int st;
			pid_t p = waitpid(-1, &st, WNOHANG);

			if (p <= 0)
				break;
			if (p == child)
				code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		if (code >= 0) {
			/* reap what is left without blocking, then go */
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			return code;
		}
	}
}
