/* test_proc.c: spawning with fd plans, exec failures, waiting, capture. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/proc.h"
#include "tests/unit/unit.h"

/* Run `sh -c script` capturing stdout (cap 64 KiB); returns the exit code. */
static int sh(const char *script, char **out, struct err **err)
{
	const char *argv[] = {"sh", "-c", script, NULL};

	return proc_capture(argv, 65536, out, err);
}

TEST(proc_run_exit_codes)
{
	const char *t[] = {"true", NULL}, *f[] = {"false", NULL};
	const char *x[] = {"sh", "-c", "exit 42", NULL};
	const char *k[] = {"sh", "-c", "kill -9 $$", NULL};
	cleanup_err struct err *e = NULL;
	struct proc p = PROC_INIT;

	p.argv = t;
	CHECK_INT(proc_run(&p, &e), 0);
	CHECK_INT(p.pid, -1);
	p.argv = f;
	CHECK_INT(proc_run(&p, &e), 1);
	p.argv = x;
	CHECK_INT(proc_run(&p, &e), 42);
	p.argv = k;
	CHECK_INT(proc_run(&p, &e), 128 + 9);
	CHECK(e == NULL);
}

TEST(proc_exec_failures)
{
	const char *missing[] = {"kist-no-such-command", "arg", NULL};
	const char *abs[] = {"/nonexistent/bin/x", NULL};
	const char *dir[] = {"/", NULL};
	const char *empty[] = {NULL};
	cleanup_err struct err *e = NULL;
	struct proc p = PROC_INIT;

	p.argv = missing;
	CHECK_INT(proc_start(&p, &e), -1);
	CHECK_STR(e->msg, "exec 'kist-no-such-command': No such file or directory");
	CHECK_INT(e->code, ENOENT);
	CHECK_INT(p.pid, -1);
	p.argv = abs;
	CHECK_INT(proc_run(&p, &e), -1);
	CHECK_STR(e->msg, "exec '/nonexistent/bin/x': No such file or directory");
	p.argv = dir;
	CHECK_INT(proc_run(&p, &e), -1);
	CHECK_STR(e->msg, "exec '/': Permission denied");
	p.argv = empty;
	CHECK_INT(proc_run(&p, &e), -1);
	CHECK_ERR(e, "empty command");
	p.argv = NULL;
	CHECK_INT(proc_start(&p, &e), -1);
	/* No zombie left behind by the failed starts. */
	CHECK_INT(waitpid(-1, NULL, WNOHANG), -1);
	CHECK_INT(errno, ECHILD);
}

TEST(proc_chdir)
{
	const char *pwd[] = {"pwd", NULL};
	const char *t[] = {"true", NULL};
	cleanup_err struct err *e = NULL;
	cleanup_free char *text = NULL;
	struct proc p = PROC_INIT;
	int pfd[2];

	CHECK(pipe2(pfd, O_CLOEXEC) == 0);
	p.argv = pwd;
	p.dir = "/usr";
	p.out = pfd[1];
	CHECK_INT(proc_run(&p, &e), 0);
	close(pfd[1]);
	CHECK_INT(fs_read_fd(pfd[0], 100, &text, NULL, &e), 0);
	close(pfd[0]);
	CHECK_STR(text, "/usr\n");
	p = (struct proc)PROC_INIT;
	p.argv = t;
	p.dir = "/nonexistent-dir";
	CHECK_INT(proc_run(&p, &e), -1);
	CHECK_STR(e->msg, "exec 'true': chdir '/nonexistent-dir': No such file or directory");
}

TEST(proc_pipes)
{
	const char *cat[] = {"cat", NULL};
	const char *both[] = {"sh", "-c", "echo out; echo err >&2", NULL};
	cleanup_err struct err *e = NULL;
	cleanup_free char *out = NULL;
	cleanup_free char *err = NULL;
	struct proc p = PROC_INIT;

	p.argv = cat;
	p.in = PROC_FD_PIPE;
	p.out = PROC_FD_PIPE;
	CHECK_INT(proc_start(&p, &e), 0);
	CHECK(p.in >= 0 && p.out >= 0);
	CHECK(fcntl(p.in, F_GETFD) & FD_CLOEXEC);
	CHECK_INT(fs_write_all(p.in, "hello\n", 6), 0);
	close(p.in);
	CHECK_INT(fs_read_fd(p.out, 100, &out, NULL, &e), 0);
	close(p.out);
	CHECK_INT(proc_wait(&p, &e), 0);
	CHECK_STR(out, "hello\n");

	p = (struct proc)PROC_INIT;
	p.argv = both;
	p.out = PROC_FD_PIPE;
	p.err = PROC_FD_PIPE;
	CHECK_INT(proc_start(&p, &e), 0);
	free(out);
	out = NULL;
	CHECK_INT(fs_read_fd(p.out, 100, &out, NULL, &e), 0);
	CHECK_INT(fs_read_fd(p.err, 100, &err, NULL, &e), 0);
	close(p.out);
	close(p.err);
	CHECK_INT(proc_wait(&p, &e), 0);
	CHECK_STR(out, "out\n");
	CHECK_STR(err, "err\n");
}

TEST(proc_null_and_real_fds)
{
	const char *cat[] = {"cat", NULL};
	const char *echo[] = {"sh", "-c", "echo to-file; echo e >&2", NULL};
	cleanup_free char *path = xasprintf("%s/out", unit_tmpdir());
	cleanup_free char *text = NULL;
	cleanup_err struct err *e = NULL;
	struct proc p = PROC_INIT;
	int fd;

	p.argv = cat;
	p.in = PROC_FD_NULL;
	p.out = PROC_FD_PIPE;
	CHECK_INT(proc_start(&p, &e), 0);
	CHECK_INT(fs_read_fd(p.out, 100, &text, NULL, &e), 0);
	close(p.out);
	CHECK_INT(proc_wait(&p, &e), 0);
	CHECK_STR(text, "");

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	p = (struct proc)PROC_INIT;
	p.argv = echo;
	p.out = fd;
	p.err = PROC_FD_NULL;
	CHECK_INT(proc_run(&p, &e), 0);
	CHECK_INT(p.out, fd); /* a real fd stays the caller's */
	close(fd);
	free(text);
	text = NULL;
	CHECK_INT(fs_read_all(path, 100, &text, NULL, &e), 0);
	CHECK_STR(text, "to-file\n");
}

TEST(proc_swapped_std_fds)
{
	/* in=1 and out=0: each must get the other's original, not a clobbered copy. */
	const char *argv[] = {"sh", "-c",
			      "x=$(readlink /proc/$$/fd/0 /proc/$$/fd/1); echo \"$x\" >&2", NULL};
	cleanup_free char *path = xasprintf("%s/swap", unit_tmpdir());
	cleanup_free char *text = NULL;
	cleanup_free char *want = NULL;
	cleanup_err struct err *e = NULL;
	struct proc p = PROC_INIT;
	char a[256] = "", b[256] = "";
	int fd;

	CHECK(readlink("/proc/self/fd/0", a, sizeof(a) - 1) > 0);
	CHECK(readlink("/proc/self/fd/1", b, sizeof(b) - 1) > 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	p.argv = argv;
	p.in = 1;
	p.out = 0;
	p.err = fd;
	CHECK_INT(proc_run(&p, &e), 0);
	close(fd);
	CHECK_INT(fs_read_all(path, 1000, &text, NULL, &e), 0);
	want = xasprintf("%s\n%s\n", b, a);
	CHECK_STR(text, want);
}

TEST(proc_keep_fds_and_cloexec)
{
	cleanup_err struct err *e = NULL;
	cleanup_free char *script = NULL;
	cleanup_free char *text = NULL;
	int kept[2], other[2], keep[2];
	struct proc p = PROC_INIT;
	const char *argv[4] = {"sh", "-c", NULL, NULL};

	CHECK(pipe2(kept, O_CLOEXEC) == 0);
	CHECK(pipe2(other, O_CLOEXEC) == 0);
	keep[0] = kept[1];
	keep[1] = -1;
	script = xasprintf("echo kept >&%d; if [ -e /proc/self/fd/%d ]; then echo leaked; "
			   "else echo closed; fi",
			   kept[1], other[1]);
	argv[2] = script;
	p.argv = argv;
	p.keep_fds = keep;
	p.out = PROC_FD_PIPE;
	CHECK_INT(proc_start(&p, &e), 0);
	close(kept[1]);
	CHECK_INT(fs_read_fd(p.out, 100, &text, NULL, &e), 0);
	close(p.out);
	CHECK_INT(proc_wait(&p, &e), 0);
	CHECK_STR(text, "closed\n");
	free(text);
	text = NULL;
	CHECK_INT(fs_read_fd(kept[0], 100, &text, NULL, &e), 0);
	CHECK_STR(text, "kept\n");
	close(kept[0]);
	close(other[0]);
	close(other[1]);
	/* The parent's fd keeps its CLOEXEC flag. */
}

TEST(proc_env_session_signals)
{
	const char *env[] = {"KIST_A=1", "PATH=/usr/bin:/bin", NULL};
	cleanup_err struct err *e = NULL;
	cleanup_free char *text = NULL;
	struct proc p = PROC_INIT;
	const char *argv[] = {
	    "sh", "-c",
	    "echo \"a=$KIST_A home=${HOME:-unset}\"; "
	    "set -- $(cat /proc/self/stat | sed 's/.*) //'); echo \"sid=$4 pid=$$\"; "
	    "grep -E '^(SigBlk|SigIgn):' /proc/self/status",
	    NULL};
	sigset_t block, old;
	char want[128];

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	signal(SIGUSR2, SIG_IGN);
	p.argv = argv;
	p.env = env;
	p.new_session = true;
	p.out = PROC_FD_PIPE;
	CHECK_INT(proc_start(&p, &e), 0);
	CHECK_INT(fs_read_fd(p.out, 4096, &text, NULL, &e), 0);
	close(p.out);
	snprintf(want, sizeof(want), "sid=%d pid=%d\n", (int)p.pid, (int)p.pid);
	CHECK_INT(proc_wait(&p, &e), 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGUSR2, SIG_DFL);
	CHECK(strstr(text, "a=1 home=unset\n"));
	CHECK(strstr(text, want));
	CHECK(strstr(text, "SigBlk:\t0000000000000000\n"));
	CHECK(strstr(text, "SigIgn:\t0000000000000000\n"));
}

TEST(proc_capture)
{
	cleanup_err struct err *e = NULL;
	cleanup_free char *out = NULL;
	char *none = NULL;
	const char *big[] = {"sh", "-c", "yes | head -c 100000", NULL};
	const char *endless[] = {"yes", NULL};
	const char *missing[] = {"kist-no-such-command", NULL};

	CHECK_INT(sh("printf 'a\\nb'; exit 3", &out, &e), 3);
	CHECK_STR(out, "a\nb");
	CHECK_INT(proc_capture(big, 1000, &none, &e), -1);
	CHECK_STR(e->msg, "output of 'sh' is larger than 1000 bytes");
	CHECK(none == NULL);
	CHECK_INT(proc_capture(endless, 4096, &none, &e), -1);
	CHECK_STR(e->msg, "output of 'yes' is larger than 4096 bytes");
	CHECK_INT(proc_capture(missing, 10, &none, &e), -1);
	CHECK_STR(e->msg, "exec 'kist-no-such-command': No such file or directory");
	CHECK_INT(waitpid(-1, NULL, WNOHANG), -1);
}

TEST(proc_wait_errors)
{
	cleanup_err struct err *e = NULL;
	struct proc p = PROC_INIT;

	CHECK_INT(proc_wait(&p, &e), -1);
	CHECK_ERR(e, "no process started");
}

TEST(proc_status_code)
{
	CHECK_INT(proc_status_code(0), 0);
	CHECK_INT(proc_status_code(3 << 8), 3);
	CHECK_INT(proc_status_code(255 << 8), 255);
	CHECK_INT(proc_status_code(SIGKILL), 137);
	CHECK_INT(proc_status_code(SIGTERM | 0x80), 143); /* core dumped */
}
