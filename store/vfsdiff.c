/* vfsdiff.c: the changes of a vfs container.  Its rootfs is a plain copy of
 * the image, so nothing tracks what changed: the rootfs is compared with the
 * merged view of the image's layer dirs (overlay form, top layer first) and
 * the result written as an overlay-style upper dir in ROOT/tmp: new and
 * changed entries hardlinked from the rootfs (directories recreated with
 * their metadata), deleted ones as 0:0 character device whiteouts.  commit
 * and diff then read it exactly as they read an overlay container's upper.
 *
 * "Changed" follows docker's naive diff: type, mode, owner, device number,
 * symlink target, and for non-directories size and mtime; a directory is
 * changed when its metadata or anything below it is. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"
#include "store/store.h"

/* One directory of the merged lower view: its fd in each layer that
 * contributes to it, top first (cut below an opaque or shadowing layer). */
struct view {
	int *fds;
	size_t n;
};

static void view_release(struct view *v)
{
	for (size_t i = 0; i < v->n; i++)
		fs_close(v->fds[i]);
	free(v->fds);
	v->fds = NULL;
	v->n = 0;
}

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool is_opaque(int fd)
{
	char v[4];

	return fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y';
}

/* The topmost entry for name: 1 found (st, *layer set), 0 absent. */
static int view_lookup(const struct view *v, const char *name, struct stat *st, size_t *layer)
{
	for (size_t i = 0; i < v->n; i++) {
		if (fstatat(v->fds[i], name, st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (is_whiteout(st))
			return 0;
		*layer = i;
		return 1;
	}
	return 0;
}

/* The view of directory name, found first in layer from. */
static void view_sub(const struct view *v, const char *name, size_t from, struct view *out)
{
	out->fds = xcalloc(v->n + 1, sizeof(int));
	out->n = 0;
	for (size_t i = from; i < v->n; i++) {
		struct stat st;
		int fd;

		if (fstatat(v->fds[i], name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISDIR(st.st_mode))
			break; /* a whiteout or a file hides what is below */
		fd = openat(v->fds[i], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			break;
		out->fds[out->n++] = fd;
		if (is_opaque(fd))
			break;
	}
}

/* Owner, mode, xattrs and times of rootfs dir rfd onto upper dir ufd. */
static int dir_meta(int rfd, int ufd, const struct stat *st, const char *path, struct err **err)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};

	if (fchown(ufd, st->st_uid, st->st_gid) < 0 || fchmod(ufd, st->st_mode & 07777) < 0)
		return err_set(err, errno, "set owner and mode of '%s'", path);
	if (copy_xattrs(rfd, ufd, path, err) < 0)
		return -1;
	if (futimens(ufd, ts) < 0)
		return err_set(err, errno, "set times of '%s'", path);
	return 0;
}

static char **list_dir(int fd, struct err **err)
{
	char **names = fs_dir_names(fd, false);

	if (!names)
		err_set(err, errno, "read directory");
	return names;
}

static int add_tree(int rfd, int ufd, const char *name, const struct stat *st, const char *path,
		    struct err **err);

/* Link every entry of rootfs dir rfd into upper dir ufd. */
static int add_children(int rfd, int ufd, const char *path, struct err **err)
{
	cleanup_strv char **names = list_dir(rfd, err);

	if (!names)
		return err_wrap(err, "'%s'", path);
	for (char **n = names; *n; n++) {
		cleanup_free char *sub = xasprintf("%s/%s", path, *n);
		struct stat st;

		if (fstatat(rfd, *n, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return err_set(err, errno, "stat '%s'", sub);
		if (add_tree(rfd, ufd, *n, &st, sub, err) < 0)
			return -1;
	}
	return 0;
}

/* Put rootfs entry name (and everything below it) into the upper dir. */
static int add_tree(int rfd, int ufd, const char *name, const struct stat *st, const char *path,
		    struct err **err)
{
	cleanup_close int sub_r = -1, sub_u = -1;

	if (!S_ISDIR(st->st_mode)) {
		if (linkat(rfd, name, ufd, name, 0) < 0)
			return err_set(err, errno, "link '%s' into the change set", path);
		return 0;
	}
	if (mkdirat(ufd, name, 0700) < 0)
		return err_set(err, errno, "create '%s' in the change set", path);
	sub_r = openat(rfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	sub_u = openat(ufd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub_r < 0 || sub_u < 0)
		return err_set(err, errno, "open '%s'", path);
	if (add_children(sub_r, sub_u, path, err) < 0)
		return -1;
	return dir_meta(sub_r, sub_u, st, path, err);
}

static bool link_differs(int rfd, const char *name, int lfd)
{
	char a[PATH_MAX], b[PATH_MAX];
	ssize_t na = readlinkat(rfd, name, a, sizeof(a));
	ssize_t nb = readlinkat(lfd, name, b, sizeof(b));

	return na != nb || na < 0 || memcmp(a, b, (size_t)na) != 0;
}

static bool differs(const struct stat *r, const struct stat *l)
{
	if ((r->st_mode & S_IFMT) != (l->st_mode & S_IFMT) || r->st_mode != l->st_mode ||
	    r->st_uid != l->st_uid || r->st_gid != l->st_gid || r->st_rdev != l->st_rdev)
		return true;
	if (S_ISDIR(r->st_mode))
		return false;
	return r->st_size != l->st_size || r->st_mtim.tv_sec != l->st_mtim.tv_sec ||
	       r->st_mtim.tv_nsec != l->st_mtim.tv_nsec;
}

/* Compare rootfs dir rfd with lower view v, writing changes under upper dir
 * ufd; *changed is set when anything was written. */
static int compare_dir(int rfd, const struct view *v, int ufd, const char *path, bool *changed,
		       struct err **err)
{
	cleanup_strv char **names = list_dir(rfd, err);

	if (!names)
		return err_wrap(err, "'%s'", path);
	for (char **n = names; *n; n++) {
		cleanup_free char *sub = xasprintf("%s/%s", path, *n);
		struct stat r, l;
		size_t layer = 0;

		if (fstatat(rfd, *n, &r, AT_SYMLINK_NOFOLLOW) < 0)
			return err_set(err, errno, "stat '%s'", sub);
		if (!view_lookup(v, *n, &l, &layer) ||
		    (r.st_mode & S_IFMT) != (l.st_mode & S_IFMT)) {
			/* new, or a different kind of thing: the lower one is
			 * replaced whole (a tar entry replaces what was there) */
			if (add_tree(rfd, ufd, *n, &r, sub, err) < 0)
				return -1;
			*changed = true;
			continue;
		}
		if (S_ISDIR(r.st_mode)) {
			cleanup_close int sub_r = -1, sub_u = -1;
			struct view sv;
			bool sub_changed = false;
			int rc;

			if (mkdirat(ufd, *n, 0700) < 0)
				return err_set(err, errno, "create '%s' in the change set", sub);
			sub_r = openat(rfd, *n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			sub_u = openat(ufd, *n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub_r < 0 || sub_u < 0)
				return err_set(err, errno, "open '%s'", sub);
			view_sub(v, *n, layer, &sv);
			rc = compare_dir(sub_r, &sv, sub_u, sub, &sub_changed, err);
			view_release(&sv);
			if (rc < 0)
				return -1;
			if (sub_changed || differs(&r, &l)) {
				if (dir_meta(sub_r, sub_u, &r, sub, err) < 0)
					return -1;
				*changed = true;
			} else if (unlinkat(ufd, *n, AT_REMOVEDIR) < 0) {
				return err_set(err, errno, "remove '%s' from the change set", sub);
			}
			continue;
		}
		if (differs(&r, &l) ||
		    (S_ISLNK(r.st_mode) && link_differs(rfd, *n, v->fds[layer]))) {
			if (linkat(rfd, *n, ufd, *n, 0) < 0)
				return err_set(err, errno, "link '%s' into the change set", sub);
			*changed = true;
		}
	}
	/* what the layers show here and the rootfs no longer has */
	for (size_t i = 0; i < v->n; i++) {
		cleanup_strv char **lower = list_dir(v->fds[i], err);

		if (!lower)
			return err_wrap(err, "layer dir of '%s'", path);
		for (char **n = lower; *n; n++) {
			struct stat st, top;
			size_t layer;

			if (fstatat(rfd, *n, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
			    fstatat(ufd, *n, &st, AT_SYMLINK_NOFOLLOW) == 0)
				continue;
			if (!view_lookup(v, *n, &top, &layer))
				continue; /* whited out above */
			if (mknodat(ufd, *n, S_IFCHR | 0, makedev(0, 0)) < 0)
				return err_set(err, errno, "record deletion of '%s/%s'", path, *n);
			*changed = true;
		}
	}
	return 0;
}

int vfs_changes(struct store *s, const struct container *c, char **tmp_out, struct err **err)
{
	cleanup_free char *rootfs = xasprintf("%s/containers/%s/bundle/rootfs", s->root, c->id);
	cleanup_close int rfd = -1;
	char *tmp = NULL;
	struct view v = {0};
	size_t n = strv_len(c->chain_ids);
	bool changed = false;
	mode_t old;
	int ufd = -1, r;

	rfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return err_set(err, errno, "open '%s'", rootfs);
	v.fds = xcalloc(n + 1, sizeof(int));
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *p = layer_diff_path(s, c->chain_ids[n - 1 - i]);
		int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0) {
			err_set(err, errno, "container '%s': open layer '%s'", c->name, p);
			view_release(&v);
			return -1;
		}
		v.fds[v.n++] = fd;
		if (is_opaque(fd))
			break;
	}
	tmp = store_mkdtemp(s, "vfsdiff-", err);
	if (!tmp) {
		view_release(&v);
		return -1;
	}
	ufd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	old = umask(0);
	r = ufd < 0 ? err_set(err, errno, "open '%s'", tmp)
		    : compare_dir(rfd, &v, ufd, "", &changed, err);
	umask(old);
	view_release(&v);
	if (r < 0) {
		fs_close(ufd);
		fs_rm_rf(tmp, NULL);
		free(tmp);
		return -1;
	}
	*tmp_out = tmp;
	return ufd;
}
