/* fs.c: file system helpers: full reads and writes, mkdir -p, atomic
 * replace, capped reads, rm -rf that stays on one mount, and path
 * resolution that cannot leave a root directory. */
#define _GNU_SOURCE
#include <dirent.h>        /* fdopendir */
#include <errno.h>         /* errno */
#include <fcntl.h>         /* openat */
#include <limits.h>        /* PATH_MAX */
#include <linux/openat2.h> /* struct open_how, RESOLVE_* */
#include <stdint.h>        /* SIZE_MAX */
#include <stdio.h>         /* snprintf */
#include <stdlib.h>        /* free */
#include <string.h>        /* strlen */
#include <sys/random.h>    /* getrandom */
#include <sys/stat.h>      /* statx, mkdirat */
#include <sys/syscall.h>   /* SYS_openat2 */
#include <sys/sysmacros.h> /* makedev */
#include <time.h>          /* clock_gettime */
#include <unistd.h>        /* read, write */

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"

#define MAX_SYMLINKS 40

void fs_close(int fd)
{
	int saved;

	if (fd < 0)
		return;
	saved = errno;
	(void)close(fd);
	errno = saved;
}

int fs_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t fs_read_full(int fd, void *data, size_t len)
{
	char *p = data;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, p + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static int open_at(int dirfd, const char *path, int flags, mode_t mode)
{
	int fd;

	do
		fd = openat(dirfd, path, flags | O_CLOEXEC, mode);
	while (fd < 0 && errno == EINTR);
	return fd;
}

/* ---- mkdir -p ---- */

static int mkdir_one(int dirfd, const char *path, mode_t mode, struct err **err)
{
	struct stat st;

	if (mkdirat(dirfd, path, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return err_set(err, errno, "mkdir '%s'", path);
	if (fstatat(dirfd, path, &st, 0) < 0)
		return err_set(err, errno, "mkdir '%s'", path);
	if (!S_ISDIR(st.st_mode))
		return err_set(err, ENOTDIR, "mkdir '%s'", path);
	return 0;
}

int fs_mkdir_pat(int dirfd, const char *path, mode_t mode, struct err **err)
{
	cleanup_free char *copy = NULL;
	char *p;

	if (!path || !*path)
		return err_set(err, ENOENT, "mkdir ''");
	copy = xstrdup(path);
	for (p = copy + 1;; p++) {
		char save = *p;

		if (save != '/' && save != '\0')
			continue;
		if (p[-1] != '/') {
			*p = '\0';
			if (mkdir_one(dirfd, copy, mode, err) < 0)
				return -1;
			*p = save;
		}
		if (!save)
			break;
	}
	return 0;
}

int fs_mkdir_p(const char *path, mode_t mode, struct err **err)
{
	return fs_mkdir_pat(AT_FDCWD, path, mode, err);
}

/* ---- atomic write ---- */

static unsigned int random_u32(void)
{
	unsigned int v;
	struct timespec ts;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
		return v;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned int)ts.tv_nsec ^ ((unsigned int)getpid() << 16);
}

int fs_fsync_dir(const char *path, struct err **err)
{
	cleanup_close int fd = open_at(AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0);

	if (fd < 0)
		return err_set(err, errno, "open '%s'", path);
	if (fsync(fd) < 0)
		return err_set(err, errno, "fsync '%s'", path);
	return 0;
}

static int write_replace(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
			 bool durable, struct err **err)
{
	cleanup_free char *dir = NULL;
	cleanup_free char *tmp = NULL;
	cleanup_close int dfd = -1;
	cleanup_close int fd = -1;
	const char *slash, *base;
	int i, r;

	if (!path || !*path)
		return err_set(err, ENOENT, "write ''");
	slash = strrchr(path, '/');
	if (slash) {
		dir = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
		base = slash + 1;
	} else {
		dir = xstrdup(".");
		base = path;
	}
	if (!*base || streq(base, ".") || streq(base, ".."))
		return err_set(err, EISDIR, "write '%s'", path);
	dfd = open_at(dirfd, dir, O_RDONLY | O_DIRECTORY, 0);
	if (dfd < 0)
		return err_set(err, errno, "write '%s': open directory", path);
	for (i = 0; i < 100; i++) {
		free(tmp);
		tmp = xasprintf(".%.200s.tmp-%08x", base, random_u32());
		fd = open_at(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY, mode);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0)
		return err_set(err, errno, "write '%s': create temporary file", path);
	if (fs_write_all(fd, data, len) < 0) {
		r = err_set(err, errno, "write '%s'", path);
		goto fail;
	}
	if (durable && fsync(fd) < 0) {
		r = err_set(err, errno, "write '%s': fsync", path);
		goto fail;
	}
	r = close(steal_fd(&fd));
	if (r < 0 && errno != EINTR) {
		r = err_set(err, errno, "write '%s': close", path);
		goto fail;
	}
	if (renameat(dfd, tmp, dfd, base) < 0) {
		r = err_set(err, errno, "write '%s': rename", path);
		goto fail;
	}
	if (durable && fsync(dfd) < 0)
		return err_set(err, errno, "write '%s': fsync directory", path);
	return 0;
fail:
	(void)unlinkat(dfd, tmp, 0);
	return r;
}

int fs_write_file_atomicat(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
			   struct err **err)
{
	return write_replace(dirfd, path, data, len, mode, true, err);
}

int fs_replace_file(const char *path, const void *data, size_t len, mode_t mode, struct err **err)
{
	return write_replace(AT_FDCWD, path, data, len, mode, false, err);
}

int fs_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 struct err **err)
{
	return fs_write_file_atomicat(AT_FDCWD, path, data, len, mode, err);
}

/* ---- capped reads ---- */

static int read_fd(int fd, const char *name, size_t max, char **out, size_t *len, struct err **err)
{
	size_t limit = max ? max : SIZE_MAX - 2;
	size_t cap = 8192, total = 0;
	cleanup_free char *data = NULL;
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (uint64_t)st.st_size < limit ? (size_t)st.st_size + 1 : limit + 1;
	if (cap > limit + 1)
		cap = limit + 1;
	data = xmalloc(cap + 1);
	for (;;) {
		if (total == cap) {
			if (cap > limit)
				break;
			cap = cap > limit / 2 ? limit + 1 : cap * 2;
			data = xrealloc(data, cap + 1);
		}
		n = read(fd, data + total, cap - total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_set(err, errno, "read '%s'", name);
		}
		if (n == 0)
			break;
		total += (size_t)n;
	}
	if (total > limit) {
		err_set(err, 0, "'%s' is larger than %zu bytes", name, limit);
		if (err)
			(*err)->code = EFBIG;
		return -1;
	}
	data[total] = '\0';
	if (len)
		*len = total;
	*out = steal_pointer(&data);
	return 0;
}

int fs_read_fd(int fd, size_t max, char **out, size_t *len, struct err **err)
{
	return read_fd(fd, "input", max, out, len, err);
}

int fs_read_allat(int dirfd, const char *path, size_t max, char **out, size_t *len,
		  struct err **err)
{
	cleanup_close int fd = open_at(dirfd, path, O_RDONLY | O_NOCTTY, 0);

	if (fd < 0)
		return err_set(err, errno, "open '%s'", path);
	return read_fd(fd, path, max, out, len, err);
}

int fs_read_all(const char *path, size_t max, char **out, size_t *len, struct err **err)
{
	return fs_read_allat(AT_FDCWD, path, max, out, len, err);
}

/* ---- rm -rf ---- */

static bool is_mount_root(const struct statx *stx)
{
	return (stx->stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (stx->stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

static int rm_dir(int parent, const char *name, const char *shown, dev_t dev, struct err **err);

/* Remove everything in the directory d (one fd per level of depth). */
static int rm_contents(DIR *d, const char *shown, dev_t dev, struct err **err)
{
	int dfd = dirfd(d);
	struct dirent *de;
	struct statx stx;

	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				return err_set(err, errno, "remove '%s': read directory", shown);
			break;
		}
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (statx(dfd, de->d_name, AT_SYMLINK_NOFOLLOW, STATX_TYPE, &stx) < 0) {
			if (errno == ENOENT)
				continue;
			return err_set(err, errno, "remove '%s/%s'", shown, de->d_name);
		}
		if (S_ISDIR(stx.stx_mode)) {
			cleanup_free char *child = xasprintf("%s/%s", shown, de->d_name);

			if (makedev(stx.stx_dev_major, stx.stx_dev_minor) != dev ||
			    is_mount_root(&stx))
				return err_set(err, EBUSY, "remove '%s': a mount point", child);
			if (rm_dir(dfd, de->d_name, child, dev, err) < 0)
				return -1;
		} else if (unlinkat(dfd, de->d_name, 0) < 0 && errno != ENOENT) {
			return err_set(err, errno, "remove '%s/%s'", shown, de->d_name);
		}
	}
	return 0;
}

/* Empty and remove the directory name in parent. */
static int rm_dir(int parent, const char *name, const char *shown, dev_t dev, struct err **err)
{
	int tries;

	for (tries = 0;; tries++) {
		cleanup_dir DIR *d = NULL;
		int fd = open_at(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);

		if (fd < 0) {
			if (errno == ENOENT)
				return 0;
			return err_set(err, errno, "remove '%s'", shown);
		}
		d = fdopendir(fd);
		if (!d) {
			fs_close(fd);
			return err_set(err, errno, "remove '%s'", shown);
		}
		if (rm_contents(d, shown, dev, err) < 0)
			return -1;
		if (unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		/* Entries that appeared while we deleted: go round again. */
		if (errno != ENOTEMPTY || tries >= 4)
			return err_set(err, errno, "remove '%s'", shown);
	}
}

int fs_rm_rfat(int dirfd, const char *path, struct err **err)
{
	cleanup_close int fd = -1;
	struct statx stx, up;
	dev_t dev;

	if (!path || !*path)
		return err_set(err, ENOENT, "remove ''");
	if (statx(dirfd, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE, &stx) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_set(err, errno, "remove '%s'", path);
	}
	if (!S_ISDIR(stx.stx_mode)) {
		if (unlinkat(dirfd, path, 0) < 0 && errno != ENOENT)
			return err_set(err, errno, "remove '%s'", path);
		return 0;
	}
	dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	fd = open_at(dirfd, path, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd < 0)
		return err_set(err, errno, "remove '%s'", path);
	if (is_mount_root(&stx) || (statx(fd, "..", AT_SYMLINK_NOFOLLOW, STATX_TYPE, &up) == 0 &&
				    makedev(up.stx_dev_major, up.stx_dev_minor) != dev))
		return err_set(err, EBUSY, "remove '%s': a mount point", path);
	return rm_dir(dirfd, path, path, dev, err);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **fs_dir_names(int dirfd, bool sorted)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	char **names = xcalloc(1, sizeof(char *));
	size_t n = 0;

	if (!d) {
		int saved = errno;

		if (fd >= 0)
			close(fd);
		free(names);
		errno = saved;
		return NULL;
	}
	rewinddir(d); /* the dup shares the position of dirfd */
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		names = xrealloc(names, (n + 2) * sizeof(char *));
		names[n++] = xstrdup(de->d_name);
		names[n] = NULL;
	}
	if (errno) {
		int saved = errno;

		closedir(d);
		strv_free(names);
		errno = saved;
		return NULL;
	}
	closedir(d);
	if (sorted && n > 1)
		qsort(names, n, sizeof(char *), cmp_names);
	return names;
}

int fs_rm_rf(const char *path, struct err **err)
{
	return fs_rm_rfat(AT_FDCWD, path, err);
}

bool fs_exists(const char *path)
{
	struct stat st;

	return path && stat(path, &st) == 0;
}

char *fs_fd_path(int fd)
{
	return xasprintf("/proc/self/fd/%d", fd);
}

/* ---- resolution inside a root ---- */

static bool force_fallback;
static bool no_openat2;

void fs_set_force_fallback(bool on)
{
	force_fallback = on;
}

enum walk_mode { WALK_OPEN, WALK_MKDIR, WALK_RESOLVE };

/* The directories walked so far: fds[0] is the root; ".." pops, never
 * below it, so no kernel ".." lookup is ever made. */
struct walk {
	int *fds;
	char **names;
	size_t n, cap;
};

static void walk_push(struct walk *w, int fd, const char *name)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->fds = xrealloc(w->fds, w->cap * sizeof(*w->fds));
		w->names = xrealloc(w->names, w->cap * sizeof(*w->names));
	}
	w->fds[w->n] = fd;
	w->names[w->n] = name ? xstrdup(name) : NULL;
	w->n++;
}

static void walk_pop(struct walk *w)
{
	if (w->n <= 1)
		return;
	w->n--;
	fs_close(w->fds[w->n]);
	free(w->names[w->n]);
}

static void walk_release(struct walk *w)
{
	while (w->n > 1)
		walk_pop(w);
	if (w->n) {
		fs_close(w->fds[0]);
		free(w->names[0]);
	}
	free(w->fds);
	free(w->names);
	w->fds = NULL;
	w->names = NULL;
	w->n = w->cap = 0;
}

static int walk_top(const struct walk *w)
{
	return w->fds[w->n - 1];
}

/* Read the symlink behind the O_PATH fd and splice it in front of rest. */
static int splice_link(int fd, char **rest, size_t pos, struct walk *w)
{
	char target[PATH_MAX + 1];
	ssize_t n = readlinkat(fd, "", target, sizeof(target));
	char *nrest;

	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(target)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	target[n] = '\0';
	if (target[0] == '/')
		while (w->n > 1)
			walk_pop(w);
	nrest = (*rest)[pos] ? xasprintf("%s/%s", target, *rest + pos) : xstrdup(target);
	free(*rest);
	*rest = nrest;
	return 0;
}

/* Walk path below w->fds[0].  For WALK_OPEN the opened fd goes to *outfd;
 * otherwise the result is the walk's top.  -1 with errno on failure. */
static int walk_path(struct walk *w, const char *path, enum walk_mode mode, int flags, mode_t fmode,
		     bool allow_missing, int *outfd)
{
	cleanup_free char *rest = xstrdup(path);
	size_t pos = 0, end, next;
	int links = 0, saved;
	struct stat st;

	for (;;) {
		cleanup_free char *comp = NULL;
		bool last, trailing;
		int fd;

		while (rest[pos] == '/')
			pos++;
		if (!rest[pos])
			break;
		end = pos;
		while (rest[end] && rest[end] != '/')
			end++;
		comp = xstrndup(rest + pos, end - pos);
		trailing = rest[end] == '/';
		next = end;
		while (rest[next] == '/')
			next++;
		last = rest[next] == '\0';
		pos = next;
		if (streq(comp, "."))
			continue;
		if (streq(comp, "..")) {
			walk_pop(w);
			continue;
		}
		if (strlen(comp) > NAME_MAX) {
			errno = ENAMETOOLONG;
			return -1;
		}

		if (last && mode == WALK_OPEN && !(flags & O_PATH)) {
			int oflags = flags | O_NOFOLLOW | (trailing ? O_DIRECTORY : 0);

			fd = open_at(walk_top(w), comp, oflags, fmode);
			if (fd >= 0) {
				*outfd = fd;
				return 0;
			}
			/* A symlink gives ELOOP, or ENOTDIR with O_DIRECTORY. */
			if ((errno != ELOOP && errno != ENOTDIR) || (flags & O_NOFOLLOW))
				return -1;
			saved = errno;
			if (fstatat(walk_top(w), comp, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISLNK(st.st_mode)) {
				errno = saved;
				return -1;
			}
			/* A symlink: follow it below through the O_PATH route. */
		}

		fd = open_at(walk_top(w), comp, O_PATH | O_NOFOLLOW, 0);
		if (fd < 0 && errno == ENOENT && mode == WALK_MKDIR) {
			if (mkdirat(walk_top(w), comp, fmode) < 0 && errno != EEXIST)
				return -1;
			fd = open_at(walk_top(w), comp, O_PATH | O_NOFOLLOW, 0);
		}
		if (fd < 0 && errno == ENOENT && mode == WALK_RESOLVE && last && allow_missing) {
			walk_push(w, -1, comp);
			return 0;
		}
		if (fd < 0)
			return -1;
		if (fstat(fd, &st) < 0) {
			fs_close(fd);
			return -1;
		}
		if (S_ISLNK(st.st_mode) && !(last && mode == WALK_OPEN && (flags & O_NOFOLLOW))) {
			if (++links > MAX_SYMLINKS) {
				fs_close(fd);
				errno = ELOOP;
				return -1;
			}
			if (splice_link(fd, &rest, trailing ? end : pos, w) < 0) {
				fs_close(fd);
				return -1;
			}
			fs_close(fd);
			pos = 0;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			walk_push(w, fd, comp);
			continue;
		}
		if (last && mode == WALK_RESOLVE && !trailing) {
			walk_push(w, fd, comp);
			return 0;
		}
		if (last && mode == WALK_OPEN && !trailing && !(flags & O_DIRECTORY)) {
			/* O_PATH open of a non-directory (or an O_NOFOLLOW symlink). */
			*outfd = fd;
			return 0;
		}
		fs_close(fd);
		errno = ENOTDIR;
		return -1;
	}

	if (mode == WALK_OPEN) {
		int fd;

		if (flags & O_CREAT) {
			errno = EISDIR;
			return -1;
		}
		fd = open_at(walk_top(w), ".", flags & ~O_NOFOLLOW, 0);
		if (fd < 0)
			return -1;
		*outfd = fd;
	}
	return 0;
}

static int walk_start(struct walk *w, int rootfd)
{
	int fd = open_at(rootfd, ".", O_PATH | O_DIRECTORY, 0);

	if (fd < 0)
		return -1;
	walk_push(w, fd, NULL);
	return 0;
}

static int open_fallback(int rootfd, const char *path, int flags, mode_t mode)
{
	struct walk w = {0};
	int fd = -1, r, saved;

	if (walk_start(&w, rootfd) < 0)
		return -1;
	r = walk_path(&w, path, WALK_OPEN, flags, mode, false, &fd);
	saved = errno;
	walk_release(&w);
	errno = saved;
	return r < 0 ? -1 : fd;
}

int fs_open_in_root(int rootfd, const char *path, int flags, mode_t mode, struct err **err)
{
	const char *p = path && *path ? path : ".";
	int fd, tries;

	if (!force_fallback && !no_openat2) {
		struct open_how how = {0};

		how.flags = (uint64_t)(unsigned int)(flags | O_CLOEXEC);
		how.mode = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? mode : 0;
		how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
		for (tries = 0; tries < 128; tries++) {
			fd = (int)syscall(SYS_openat2, rootfd, p, &how, sizeof(how));
			if (fd >= 0)
				return fd;
			if (errno != EINTR && errno != EAGAIN)
				break;
		}
		if (errno != ENOSYS)
			return err_set(err, errno, "open '%s'", p);
		no_openat2 = true;
	}
	fd = open_fallback(rootfd, p, flags, mode);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", p);
	return fd;
}

int fs_mkdir_p_in_root(int rootfd, const char *path, mode_t mode, struct err **err)
{
	struct walk w = {0};
	int fd = -1;

	if (walk_start(&w, rootfd) < 0)
		return err_set(err, errno, "mkdir '%s'", path);
	if (walk_path(&w, path ? path : "", WALK_MKDIR, 0, mode, false, NULL) < 0 ||
	    (fd = open_at(walk_top(&w), ".", O_PATH | O_DIRECTORY, 0)) < 0) {
		int saved = errno;

		walk_release(&w);
		return err_set(err, saved, "mkdir '%s'", path);
	}
	walk_release(&w);
	return fd;
}

int fs_resolve_in_root(const char *root, const char *path, bool allow_missing_last, char **out,
		       struct err **err)
{
	struct walk w = {0};
	struct buf b = BUF_INIT;
	size_t i, rl;
	int fd;

	fd = open_at(AT_FDCWD, root, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return err_set(err, errno, "open root '%s'", root);
	walk_push(&w, fd, NULL);
	if (walk_path(&w, path ? path : "", WALK_RESOLVE, 0, 0, allow_missing_last, NULL) < 0) {
		int saved = errno;

		walk_release(&w);
		return err_set(err, saved, "resolve '%s' in '%s'", path, root);
	}
	rl = strlen(root);
	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	buf_add(&b, root, rl);
	for (i = 1; i < w.n; i++) {
		if (b.len == 0 || b.data[b.len - 1] != '/')
			buf_addch(&b, '/');
		buf_adds(&b, w.names[i]);
	}
	walk_release(&w);
	*out = buf_detach(&b, NULL);
	return 0;
}
