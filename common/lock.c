/* lock.c: flock(2) on a lock file opened O_CLOEXEC. */
#define _GNU_SOURCE
#include <errno.h>    /* errno */
#include <fcntl.h>    /* openat */
#include <sys/file.h> /* flock */

#include "common/err.h"
#include "common/fs.h"
#include "common/lock.h"

int lock_acquireat(int dirfd, const char *path, enum lock_mode mode, bool wait, struct err **err)
{
	int op = (mode == LOCK_MODE_SHARED ? LOCK_SH : LOCK_EX) | (wait ? 0 : LOCK_NB);
	int fd, r;

	do
		fd = openat(dirfd, path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return err_set(err, errno, "open lock file '%s'", path);
	do
		r = flock(fd, op);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		int saved = errno;

		fs_close(fd);
		if (saved == EWOULDBLOCK) {
			err_set(err, 0, "'%s' is locked by another process", path);
			if (err)
				(*err)->code = EWOULDBLOCK;
			errno = saved;
			return -1;
		}
		return err_set(err, saved, "lock '%s'", path);
	}
	return fd;
}

int lock_acquire(const char *path, enum lock_mode mode, bool wait, struct err **err)
{
	return lock_acquireat(AT_FDCWD, path, mode, wait, err);
}

void lock_release(int fd)
{
	if (fd < 0)
		return;
	(void)flock(fd, LOCK_UN);
	fs_close(fd);
}
