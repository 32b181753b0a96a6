/* copy.c: the vfs driver: apply overlay-form layer dirs, bottom first, onto
 * a plain directory (whiteout devices delete, opaque dirs clear what the
 * lower layers put there; files hardlinked in a layer stay hardlinked).  Everything is relative to
 * dirfds and never follows a symlink. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

static bool is_opaque(int fd)
{
	char v[4];
	ssize_t r = fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v));

	return r == 1 && v[0] == 'y';
}

int copy_xattrs(int src, int dst, const char *name, struct err **err)
{
	char list[8192], val[65536];
	ssize_t n = flistxattr(src, list, sizeof(list)), off;

	for (off = 0; n > 0 && off < n; off += (ssize_t)strlen(list + off) + 1) {
		const char *k = list + off;
		ssize_t vl;

		if (str_has_prefix(k, "trusted.overlay."))
			continue;
		vl = fgetxattr(src, k, val, sizeof(val));
		if (vl < 0)
			continue;
		if (fsetxattr(dst, k, val, (size_t)vl, 0) < 0 && errno != ENOTSUP)
			return err_set(err, errno, "set xattr '%s' on '%s'", k, name);
	}
	return 0;
}

static int copy_data(int src, int dst, const char *name, struct err **err)
{
	for (;;) {
		ssize_t r = copy_file_range(src, NULL, dst, NULL, 1 << 30, 0);

		if (r == 0)
			return 0;
		if (r < 0) {
			char buf[65536];

			if (errno != EXDEV && errno != EINVAL && errno != ENOSYS)
				return err_set(err, errno, "copy '%s'", name);
			while ((r = read(src, buf, sizeof(buf))) > 0)
				if (fs_write_all(dst, buf, (size_t)r) < 0)
					return err_set(err, errno, "copy '%s'", name);
			return r < 0 ? err_set(err, errno, "copy '%s'", name) : 0;
		}
	}
}

/* Files with more than one link in a layer, by source inode: the first
 * copy's path (from the destination root), so later names become links. */
struct hardlink {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct copy {
	int root; /* destination root */
	struct hardlink *links;
	size_t n_links;
	char path[PATH_MAX]; /* of the directory being applied, from the root */
};

static int apply_dir(struct copy *cp, int src, int dst, struct err **err);

static int meta(int dst, const char *name, const struct stat *st, struct err **err)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};

	if (fchownat(dst, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(err, errno, "chown '%s'", name);
	if (!S_ISLNK(st->st_mode) && fchmodat(dst, name, st->st_mode & 07777, 0) < 0)
		return err_set(err, errno, "chmod '%s'", name);
	if (utimensat(dst, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(err, errno, "set times of '%s'", name);
	return 0;
}

/* 1 when name was made a link to an earlier copy of the same inode. */
static int link_earlier(struct copy *cp, int dst, const char *name, const struct stat *st,
			const char *rel, struct err **err)
{
	for (size_t i = 0; i < cp->n_links; i++) {
		if (cp->links[i].dev != st->st_dev || cp->links[i].ino != st->st_ino)
			continue;
		if (linkat(cp->root, cp->links[i].path, dst, name, 0) < 0)
			return err_set(err, errno, "link '%s' to '%s'", rel, cp->links[i].path);
		return 1;
	}
	cp->links = xrealloc(cp->links, (cp->n_links + 1) * sizeof(*cp->links));
	cp->links[cp->n_links++] = (struct hardlink){st->st_dev, st->st_ino, xstrdup(rel)};
	return 0;
}

static int apply_entry(struct copy *cp, int src, int dst, const char *name, struct err **err)
{
	struct stat st, dst_st;
	bool have_dst;
	char rel[PATH_MAX];

	if ((size_t)snprintf(rel, sizeof(rel), "%s%s%s", cp->path, *cp->path ? "/" : "", name) >=
	    sizeof(rel))
		return err_set_code(err, ENAMETOOLONG, "path too long: '%s/%s'", cp->path, name);

	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(err, errno, "stat '%s'", name);
	have_dst = fstatat(dst, name, &dst_st, AT_SYMLINK_NOFOLLOW) == 0;
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
		return have_dst ? fs_rm_rfat(dst, name, err) : 0; /* whiteout */
	}
	if (have_dst && !(S_ISDIR(st.st_mode) && S_ISDIR(dst_st.st_mode))) {
		if (fs_rm_rfat(dst, name, err) < 0)
			return -1;
		have_dst = false;
	}
	if (S_ISDIR(st.st_mode)) {
		cleanup_close int sfd = -1, dfd = -1;

		sfd = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sfd < 0)
			return err_set(err, errno, "open '%s'", name);
		if (have_dst && is_opaque(sfd)) {
			if (fs_rm_rfat(dst, name, err) < 0)
				return -1;
			have_dst = false;
		}
		if (!have_dst && mkdirat(dst, name, 0700) < 0)
			return err_set(err, errno, "create directory '%s'", name);
		dfd = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0)
			return err_set(err, errno, "open '%s'", name);
		{
			size_t len = strlen(cp->path);
			int r;

			memcpy(cp->path, rel, strlen(rel) + 1);
			r = copy_xattrs(sfd, dfd, name, err) < 0 ||
			    apply_dir(cp, sfd, dfd, err) < 0;
			cp->path[len] = '\0';
			if (r)
				return -1;
		}
		return meta(dst, name, &st, err);
	}
	if (S_ISREG(st.st_mode)) {
		cleanup_close int sfd = -1, dfd = -1;

		if (st.st_nlink > 1) {
			int r = link_earlier(cp, dst, name, &st, rel, err);

			if (r != 0)
				return r < 0 ? -1 : 0;
		}
		sfd = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		dfd = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (sfd < 0 || dfd < 0)
			return err_set(err, errno, "copy '%s'", name);
		if (copy_data(sfd, dfd, name, err) < 0)
			return -1;
		if (fchown(dfd, st.st_uid, st.st_gid) < 0)
			return err_set(err, errno, "chown '%s'", name);
		if (copy_xattrs(sfd, dfd, name, err) < 0)
			return -1;
		return meta(dst, name, &st, err);
	}
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);

		if (n < 0)
			return err_set(err, errno, "read link '%s'", name);
		target[n] = '\0';
		if (symlinkat(target, dst, name) < 0)
			return err_set(err, errno, "create symlink '%s'", name);
		return meta(dst, name, &st, err);
	}
	if (mknodat(dst, name, st.st_mode, st.st_rdev) < 0)
		return err_set(err, errno, "create node '%s'", name);
	return meta(dst, name, &st, err);
}

static int apply_dir(struct copy *cp, int src, int dst, struct err **err)
{
	int fd = dup(src);
	DIR *d;
	struct dirent *de;
	int ret = 0;

	if (fd < 0)
		return err_set(err, errno, "dup");
	d = fdopendir(fd);
	if (!d) {
		fs_close(fd);
		return err_set(err, errno, "read directory");
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (apply_entry(cp, src, dst, de->d_name, err) < 0) {
			ret = -1;
			break;
		}
	}
	closedir(d);
	return ret;
}

int copy_apply_diff(int srcfd, int dstfd, struct err **err)
{
	struct copy cp = {.root = dstfd};
	struct stat st;
	struct timespec ts[2];
	int r = apply_dir(&cp, srcfd, dstfd, err);

	for (size_t i = 0; i < cp.n_links; i++)
		free(cp.links[i].path);
	free(cp.links);
	if (r < 0)
		return -1;
	if (fstat(srcfd, &st) == 0) {
		ts[0] = st.st_atim;
		ts[1] = st.st_mtim;
		futimens(dstfd, ts);
	}
	return 0;
}
