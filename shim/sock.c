/* sock.c: the unix sockets of a shim (attach, ctl, console) and the frame
 * header of the attach protocol (see shim.h). */
#define _GNU_SOURCE
#include <errno.h>      /* errno */
#include <fcntl.h>      /* open */
#include <string.h>     /* strlen */
#include <sys/socket.h> /* socket */
#include <sys/un.h>     /* sockaddr_un */
#include <unistd.h>     /* unlink */
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"
#include "shim/shim.h"

void frame_header(unsigned char *h, enum frame_type type, uint32_t len)
{
	h[0] = (unsigned char)type;
	h[1] = h[2] = h[3] = 0;
	h[4] = (unsigned char)(len >> 24);
	h[5] = (unsigned char)(len >> 16);
	h[6] = (unsigned char)(len >> 8);
	h[7] = (unsigned char)len;
}

static int fill_addr(struct sockaddr_un *sa, const char *path, struct err **err)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return err_set_code(err, ENAMETOOLONG, "socket path '%s' is too long", path);
	strcpy(sa->sun_path, path);
	return 0;
}

/* sa for path; a path too long for sun_path goes through its directory's
 * fd (/proc/self/fd/N/name), which *dirfd holds open until the caller's
 * bind or connect is done. */
static int fill_addr_any(struct sockaddr_un *sa, const char *path, int *dirfd, struct err **err)
{
	const char *slash = strrchr(path, '/');
	cleanup_free char *dir = NULL;
	cleanup_free char *short_path = NULL;

	if (strlen(path) < sizeof(sa->sun_path) || !slash)
		return fill_addr(sa, path, err);
	dir = xstrndup(path, (size_t)(slash - path));
	*dirfd = open(*dir ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return err_set(err, errno, "socket directory '%s'", dir);
	short_path = xasprintf("/proc/self/fd/%d/%s", *dirfd, slash + 1);
	return fill_addr(sa, short_path, err);
}

int unix_listen(const char *path, struct err **err)
{
	return unix_listen_type(path, SOCK_STREAM, err);
}

int unix_listen_type(const char *path, int type, struct err **err)
{
	struct sockaddr_un sa;
	cleanup_close int dirfd = -1;
	int fd;

	if (fill_addr_any(&sa, path, &dirfd, err) < 0)
		return -1;
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return err_set(err, errno, "socket");
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
		err_set(err, errno, "listen on '%s'", path);
		fs_close(fd);
		return -1;
	}
	return fd;
}

int unix_connect(const char *path, struct err **err)
{
	struct sockaddr_un sa;
	cleanup_close int dirfd = -1;
	int fd;

	if (fill_addr_any(&sa, path, &dirfd, err) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(err, errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err_set(err, errno, "connect to '%s'", path);
		fs_close(fd);
		return -1;
	}
	return fd;
}
