/* init.c: a static multi-call fixture program copied into test containers
 * (as /tools/init).  The first argument picks what it does:
 *
 *   init true                  exit 0
 *   init exit N                exit N
 *   init pause                 sleep until killed (SIGTERM ends it with 0)
 *   init memhog MIB [hold]     allocate and touch MIB mebibytes, then print "done"
 *                              (with hold: then sleep until killed, keeping it)
 *   init forkbomb N            fork up to N sleeping children; print how many
 *                              forks succeeded and the errno of the first failure
 *   init fds                   print the open fd numbers, one per line
 *   init subreaper FILE CMD... become a child subreaper, run CMD, then reap
 *                              every orphan that lands on us, appending
 *                              "reaped PID exit N" (or "signal N") to FILE
 *   init ignore SIGS CMD...    ignore the comma-separated signal numbers SIGS
 *                              (glibc's reserved 32 and 33 too, set raw), then
 *                              exec CMD: a caller that hands ignored signals down
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "true";

	if (!strcmp(cmd, "true"))
		return 0;
	if (!strcmp(cmd, "exit"))
		return argc > 2 ? atoi(argv[2]) : 0;
	if (!strcmp(cmd, "pause")) {
		signal(SIGTERM, on_term);
		for (;;)
			pause();
	}
	if (!strcmp(cmd, "memhog")) {
		long mib = argc > 2 ? atol(argv[2]) : 64;
		for (long i = 0; i < mib; i++) {
			char *p = malloc(1 << 20);
			if (!p) {
				printf("malloc failed after %ld MiB\n", i);
				return 1;
			}
			memset(p, 1, 1 << 20);
		}
		printf("done\n");
		if (argc > 3 && !strcmp(argv[3], "hold")) {
			fflush(stdout);
			signal(SIGTERM, on_term);
			for (;;)
				pause();
		}
		return 0;
	}
	if (!strcmp(cmd, "forkbomb")) {
		long n = argc > 2 ? atol(argv[2]) : 100, ok = 0;
		int first_errno = 0;
		for (long i = 0; i < n; i++) {
			pid_t pid = fork();
			if (pid == 0) {
				pause();
				_exit(0);
			}
			if (pid < 0) {
				first_errno = errno;
				break;
			}
			ok++;
		}
		printf("forked %ld %s\n", ok, first_errno ? strerror(first_errno) : "ok");
		fflush(stdout);
		kill(0, SIGKILL);
		return 0;
	}
	if (!strcmp(cmd, "fds")) {
		DIR *d = opendir("/proc/self/fd");
		struct dirent *de;
		if (!d)
			return 1;
		while ((de = readdir(d)))
			if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d))
				printf("%s\n", de->d_name);
		closedir(d);
		return 0;
	}
	if (!strcmp(cmd, "subreaper") && argc > 3) {
		pid_t child, r;
		int st;
		prctl(PR_SET_CHILD_SUBREAPER, 1);
		child = fork();
		if (child == 0) {
			execvp(argv[3], argv + 3);
			_exit(127);
		}
		while ((r = wait(&st)) > 0 || errno == EINTR) {
			FILE *f;
			if (r <= 0 || r == child)
				continue;
			f = fopen(argv[2], "a");
			if (!f)
				return 1;
			if (WIFEXITED(st))
				fprintf(f, "reaped %d exit %d\n", (int)r, WEXITSTATUS(st));
			else
				fprintf(f, "reaped %d signal %d\n", (int)r, WTERMSIG(st));
			fclose(f);
		}
		return 0;
	}
	if (!strcmp(cmd, "ignore") && argc > 3) {
		char *p = argv[2];
		while (*p) {
			/* the kernel's sigaction: handler, flags, restorer, mask */
			unsigned long ksa[4] = {(unsigned long)SIG_IGN, 0, 0, 0};
			long sig = strtol(p, &p, 10);
			if (syscall(SYS_rt_sigaction, (int)sig, ksa, NULL, (size_t)8) < 0) {
				perror("init: rt_sigaction");
				return 2;
			}
			if (*p == ',')
				p++;
		}
		execvp(argv[3], argv + 3);
		perror("init: exec");
		return 127;
	}
	fprintf(stderr, "init: unknown command '%s'\n", cmd);
	return 2;
}
