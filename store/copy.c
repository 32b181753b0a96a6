/* copy.c: the vfs driver: apply overlay-form layer dirs, bottom first, onto
 * a plain directory (whiteout devices delete, opaque dirs clear what the
 * lower layers put there).  Everything is relative to dirfds and never
 * follows a symlink. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

static int copy_xattrs(int src, int dst, const char *name, struct err **err)
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

static int apply_dir(int src, int dst, struct err **err);

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

static int apply_entry(int src, int dst, const char *name, struct err **err)
{
	struct stat st, dst_st;
	bool have_dst;

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
		if (copy_xattrs(sfd, dfd, name, err) < 0 || apply_dir(sfd, dfd, err) < 0)
			return -1;
		return meta(dst, name, &st, err);
	}
	if (S_ISREG(st.st_mode)) {
		cleanup_close int sfd = -1, dfd = -1;

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

static int apply_dir(int src, int dst, struct err **err)
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
		if (apply_entry(src, dst, de->d_name, err) < 0) {
			ret = -1;
			break;
		}
	}
	closedir(d);
	return ret;
}

int copy_apply_diff(int srcfd, int dstfd, struct err **err)
{
	struct stat st;
	struct timespec ts[2];

	if (apply_dir(srcfd, dstfd, err) < 0)
		return -1;
	if (fstat(srcfd, &st) == 0) {
		ts[0] = st.st_atim;
		ts[1] = st.st_mtim;
		futimens(dstfd, ts);
	}
	return 0;
}
