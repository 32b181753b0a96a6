/* test_lock.c: flock-based lock files. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/lock.h"
#include "tests/unit/unit.h"

TEST(lock_exclusive_conflicts)
{
	cleanup_free char *path = xasprintf("%s/x.lock", unit_tmpdir());
	cleanup_free char *msg = xasprintf("'%s' is locked by another process", path);
	cleanup_err struct err *e = NULL;
	struct stat st;
	int a, b;

	a = lock_acquire(path, LOCK_MODE_EXCLUSIVE, false, &e);
	CHECK(a >= 0);
	CHECK(fcntl(a, F_GETFD) & FD_CLOEXEC);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	/* flock locks belong to the open file: a second open conflicts even here. */
	b = lock_acquire(path, LOCK_MODE_EXCLUSIVE, false, &e);
	CHECK_INT(b, -1);
	CHECK_STR(e->msg, msg);
	CHECK_INT(e->code, EWOULDBLOCK);
	CHECK_INT(lock_acquire(path, LOCK_MODE_SHARED, false, &e), -1);
	CHECK_STR(e->msg, msg);
	lock_release(a);
	b = lock_acquire(path, LOCK_MODE_EXCLUSIVE, false, &e);
	CHECK(b >= 0);
	lock_release(b);
	lock_release(-1);
}

TEST(lock_shared)
{
	cleanup_free char *path = xasprintf("%s/s.lock", unit_tmpdir());
	cleanup_err struct err *e = NULL;
	int a, b;

	a = lock_acquire(path, LOCK_MODE_SHARED, false, &e);
	b = lock_acquire(path, LOCK_MODE_SHARED, true, &e);
	CHECK(a >= 0 && b >= 0);
	CHECK_INT(lock_acquire(path, LOCK_MODE_EXCLUSIVE, false, &e), -1);
	CHECK_ERR(e, "is locked by another process");
	lock_release(a);
	lock_release(b);
}

TEST(lock_wait_for_other_process)
{
	cleanup_free char *path = xasprintf("%s/w.lock", unit_tmpdir());
	cleanup_err struct err *e = NULL;
	int ready[2], go[2], fd, status;
	char c;
	pid_t pid;

	CHECK(pipe2(ready, O_CLOEXEC) == 0);
	CHECK(pipe2(go, O_CLOEXEC) == 0);
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int l = lock_acquire(path, LOCK_MODE_EXCLUSIVE, true, NULL);

		close(ready[0]);
		close(go[1]);
		(void)fs_write_all(ready[1], l >= 0 ? "y" : "n", 1);
		/* Hold the lock until the parent closes its end. */
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	c = 0;
	(void)fs_read_full(ready[0], &c, 1);
	close(ready[0]);
	fd = lock_acquire(path, LOCK_MODE_EXCLUSIVE, false, &e);
	close(go[1]); /* let the child go: its exit releases the lock */
	CHECK_INT(c, 'y');
	CHECK_INT(fd, -1);
	CHECK_ERR(e, "is locked by another process");
	fd = lock_acquire(path, LOCK_MODE_EXCLUSIVE, true, &e);
	waitpid(pid, &status, 0);
	CHECK(fd >= 0);
	lock_release(fd);
}

TEST(lock_acquireat_and_errors)
{
	cleanup_close int dfd = open(unit_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_err struct err *e = NULL;
	cleanup_free char *dirmsg = NULL;
	int fd;

	fd = lock_acquireat(dfd, "at.lock", LOCK_MODE_EXCLUSIVE, false, &e);
	CHECK(fd >= 0);
	CHECK_INT(lock_acquireat(dfd, "at.lock", LOCK_MODE_EXCLUSIVE, false, &e), -1);
	CHECK_STR(e->msg, "'at.lock' is locked by another process");
	lock_release(fd);
	CHECK_INT(lock_acquireat(dfd, "missing/at.lock", LOCK_MODE_SHARED, false, &e), -1);
	CHECK_STR(e->msg, "open lock file 'missing/at.lock': No such file or directory");
	CHECK_INT(lock_acquire(unit_tmpdir(), LOCK_MODE_SHARED, false, &e), -1);
	dirmsg = xasprintf("open lock file '%s': Is a directory", unit_tmpdir());
	CHECK_STR(e->msg, dirmsg);
}
