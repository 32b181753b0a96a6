/* netns.c: network namespaces kept alive by a bind mount of the nsfs file
 * on RUN/netns/<id> (as `ip netns add` does), so the runtime can join one
 * by path and the plugins can enter it before the container exists. */
#define _GNU_SOURCE
#include <errno.h>     /* errno */
#include <fcntl.h>     /* open */
#include <sched.h>     /* unshare */
#include <string.h>    /* strrchr */
#include <sys/mount.h> /* mount */
#include <sys/wait.h>  /* waitpid */
#include <unistd.h>    /* fork */

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"
#include "net/net.h"

int netns_create(const char *path, struct err **err)
{
	cleanup_free char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int fd, status;
	pid_t pid;

	if (slash)
		*slash = '\0';
	if (fs_mkdir_p(dir, 0755, err) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return err_set(err, errno, "create '%s'", path);
	fs_close(fd);
	/* the child makes the namespace and pins it: this process stays in
	 * the caller's, where the plugins must run */
	pid = fork();
	if (pid < 0) {
		unlink(path);
		return err_set(err, errno, "fork");
	}
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0)
			_exit(2);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		unlink(path);
		return err_set(err, 0, "create network namespace '%s': %s", path,
			       WIFEXITED(status) && WEXITSTATUS(status) == 1 ? "unshare failed"
									     : "bind mount failed");
	}
	return 0;
}

void netns_remove(const char *path)
{
	while (umount2(path, MNT_DETACH) == 0)
		;
	unlink(path);
}
