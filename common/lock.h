/* lock.h: flock(2)-based locks on a lock file. */
#ifndef KIST_LOCK_H
#define KIST_LOCK_H

#include <stdbool.h> /* bool */

struct err;

enum lock_mode { LOCK_MODE_SHARED, LOCK_MODE_EXCLUSIVE };

/* Open (creating 0600) path and flock it.  wait=false fails with EWOULDBLOCK
 * ("'path' is locked by another process").  Returns the fd, which holds the
 * lock until lock_release/close. */
int lock_acquire(const char *path, enum lock_mode mode, bool wait, struct err **err);
int lock_acquireat(int dirfd, const char *path, enum lock_mode mode, bool wait, struct err **err);
void lock_release(int fd);

#endif
