/* netns.c: network namespaces kept alive by a bind mount of the nsfs file
 * on RUN/netns/<id> (as `ip netns add` does), so the runtime can join one
 * by path and the plugins can enter it before the container exists.  Its
 * lo is brought up as it is made (what the loopback plugin would do, without
 * another exec per container). */
#define _GNU_SOURCE
#include <errno.h>      /* errno */
#include <fcntl.h>      /* open */
#include <net/if.h>     /* struct ifreq */
#include <sched.h>      /* unshare */
#include <string.h>     /* strrchr */
#include <sys/ioctl.h>  /* SIOCSIFFLAGS */
#include <sys/mount.h>  /* mount */
#include <sys/socket.h> /* socket */
#include <sys/wait.h>   /* waitpid */
#include <unistd.h>     /* fork */

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"
#include "net/net.h"

/* In the new namespace: lo up (0, or -1). */
static int lo_up(void)
{
	struct ifreq ifr = {.ifr_name = "lo"};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = -1;

	if (fd < 0)
		return -1;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

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
		if (lo_up() < 0)
			_exit(3);
		if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0)
			_exit(2);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		unlink(path);
		return err_set(err, 0, "create network namespace '%s': %s", path,
			       !WIFEXITED(status)         ? "child killed"
			       : WEXITSTATUS(status) == 1 ? "unshare failed"
			       : WEXITSTATUS(status) == 3 ? "bringing lo up failed"
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
