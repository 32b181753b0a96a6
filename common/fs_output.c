/* fs_output.c: files a user names as an output (save -o, export -o,
 * docker-archive:FILE, the registry auth file).  They are written to a
 * temporary file beside their target and renamed over it, which must not
 * turn a device, a FIFO or a socket into a regular file, nor replace a
 * symlink: a symlink is followed to its final target, and anything but a
 * regular file (or nothing) there is refused before a byte is written. */
#define _GNU_SOURCE
#include <errno.h>      /* errno */
#include <fcntl.h>      /* O_CLOEXEC */
#include <limits.h>     /* PATH_MAX */
#include <stdlib.h>     /* mkostemp, free */
#include <string.h>     /* strrchr */
#include <sys/random.h> /* getrandom */
#include <sys/stat.h>   /* lstat, fchmod */
#include <unistd.h>     /* readlink, unlink, fsync */

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"

#define MAX_SYMLINKS 40

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static const char *kind_of(mode_t mode)
{
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "is a device";
	if (S_ISFIFO(mode))
		return "is a named pipe";
	if (S_ISSOCK(mode))
		return "is a socket";
	if (S_ISDIR(mode))
		return "is a directory";
	return "is not a regular file";
}

int fs_output_resolve(const char *path, char **out, mode_t *mode, struct err **err)
{
	cleanup_free char *cur = NULL;
	struct stat st;
	int hops;

	if (!path || !*path)
		return err_set(err, 0, "cannot write '': empty path");
	cur = xstrdup(path);
	for (hops = 0;; hops++) {
		char target[PATH_MAX];
		ssize_t n;

		if (lstat(cur, &st) < 0) {
			if (errno != ENOENT)
				return err_set(err, errno, "cannot write '%s'", path);
			/* Nothing there (or a dangling link's target): created. */
			if (mode)
				*mode = 0;
			*out = steal_pointer(&cur);
			return 0;
		}
		if (!S_ISLNK(st.st_mode))
			break;
		if (hops == MAX_SYMLINKS)
			return err_set(err, ELOOP, "cannot write '%s'", path);
		n = readlink(cur, target, sizeof(target) - 1);
		if (n < 0)
			return err_set(err, errno, "cannot write '%s': read link", path);
		target[n] = '\0';
		if (target[0] == '/' || !strchr(cur, '/')) {
			free(cur);
			cur = xstrdup(target);
		} else {
			cleanup_free char *dir = dir_of(cur);

			free(cur);
			cur = xasprintf("%s/%s", dir, target);
		}
	}
	if (!S_ISREG(st.st_mode)) {
		if (streq(cur, path))
			return err_set(err, 0, "cannot write '%s': %s", path, kind_of(st.st_mode));
		return err_set(err, 0, "cannot write '%s': its target '%s' %s", path, cur,
			       kind_of(st.st_mode));
	}
	if (mode)
		*mode = st.st_mode & 07777;
	*out = steal_pointer(&cur);
	return 0;
}

int fs_output_open(struct fs_output *o, const char *path, mode_t mode, struct err **err)
{
	cleanup_free char *dir = NULL;
	const char *base;
	mode_t have = 0;

	if (fs_output_resolve(path, &o->path, &have, err) < 0)
		return -1;
	dir = dir_of(o->path);
	base = strrchr(o->path, '/');
	base = base ? base + 1 : o->path;
	if (!*base)
		return err_set(err, 0, "cannot write '%s': is a directory", path);
	for (int i = 0; i < 100; i++) {
		unsigned int r = 0;

		if (getrandom(&r, sizeof(r), GRND_NONBLOCK) < 0)
			r = (unsigned int)getpid() * 2654435761u + (unsigned int)i;
		free(o->tmp);
		o->tmp = xasprintf("%s/.%.200s.tmp-%08x", dir, base, r);
		/* open applies the umask to mode, as for a new file */
		o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY | O_CLOEXEC, mode);
		if (o->fd >= 0 || errno != EEXIST)
			break;
	}
	if (o->fd < 0) {
		int e = errno;

		free(o->tmp);
		o->tmp = NULL;
		return err_set(err, e, "cannot write '%s'", path);
	}
	/* A file that is replaced keeps its permissions. */
	if (have && fchmod(o->fd, have) < 0)
		return err_set(err, errno, "cannot write '%s': chmod", path);
	return 0;
}

int fs_output_commit(struct fs_output *o, struct err **err)
{
	cleanup_free char *dir = NULL;
	int r;

	if (fsync(o->fd) < 0)
		return err_set(err, errno, "write '%s': fsync", o->path);
	r = close(steal_fd(&o->fd));
	if (r < 0 && errno != EINTR)
		return err_set(err, errno, "write '%s': close", o->path);
	if (rename(o->tmp, o->path) < 0)
		return err_set(err, errno, "write '%s': rename", o->path);
	free(o->tmp);
	o->tmp = NULL;
	dir = dir_of(o->path);
	return fs_fsync_dir(dir, err);
}

void fs_output_release(struct fs_output *o)
{
	fs_close(steal_fd(&o->fd));
	if (o->tmp)
		(void)unlink(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
	free(o->path);
	o->path = NULL;
}
