/* tarwrite.c: write a directory tree as a tar stream (libarchive, pax).
 * TARW_OVERLAY turns an overlay upper dir back into OCI layer form: 0:0
 * character devices become ".wh.<name>" entries and a directory marked
 * trusted.overlay.opaque gets a ".wh..wh..opq" entry.  Names are sorted so
 * the same tree always gives the same bytes (and diff id). */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
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

struct hl {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct tarw {
	struct archive *a;
	enum tarw_mode mode;
	tarw_sink_fn sink;
	void *arg;
	struct err *sink_err;
	struct hl *links;
	size_t n_links;
	char *buf;
	int64_t clamp; /* mtimes later than this become it; -1 keeps them */
};

static la_ssize_t write_cb(struct archive *a, void *data, const void *buf, size_t len)
{
	struct tarw *t = data;

	if (t->sink(t->arg, buf, len, &t->sink_err) < 0) {
		archive_set_error(a, EIO, "%s", t->sink_err ? t->sink_err->msg : "write failed");
		return -1;
	}
	return (la_ssize_t)len;
}

static int fail(struct tarw *t, const char *what, struct err **err)
{
	if (t->sink_err)
		return err_set_code(err, t->sink_err->code, "%s", t->sink_err->msg);
	return err_set(err, archive_errno(t->a) > 0 ? archive_errno(t->a) : 0, "%s: %s", what,
		       archive_error_string(t->a));
}

static void add_xattrs(struct archive_entry *e, int fd)
{
	char list[8192], val[65536];
	ssize_t n = flistxattr(fd, list, sizeof(list)), off;

	for (off = 0; n > 0 && off < n; off += (ssize_t)strlen(list + off) + 1) {
		const char *k = list + off;
		ssize_t vl;

		if (str_has_prefix(k, "trusted.overlay.") || streq(k, "security.selinux"))
			continue;
		vl = fgetxattr(fd, k, val, sizeof(val));
		if (vl >= 0)
			archive_entry_xattr_add_entry(e, k, val, (size_t)vl);
	}
}

static int write_header(struct tarw *t, struct archive_entry *e, const char *path, struct err **err)
{
	if (archive_write_header(t->a, e) < ARCHIVE_WARN)
		return fail(t, path, err);
	return 0;
}

static int empty_file(struct tarw *t, const char *path, struct err **err)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0);
	archive_entry_set_size(e, 0);
	r = write_header(t, e, path, err);
	archive_entry_free(e);
	return r;
}

static int walk(struct tarw *t, int dirfd, const char *prefix, struct err **err);

static int one(struct tarw *t, int dirfd, const char *name, const char *prefix, struct err **err)
{
	cleanup_free char *path = *prefix ? xasprintf("%s/%s", prefix, name) : xstrdup(name);
	struct archive_entry *e = NULL;
	cleanup_close int fd = -1;
	struct stat st;
	int ret = -1;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(err, errno, "stat '%s'", path);
	if (S_ISSOCK(st.st_mode))
		return 0;
	if (t->mode == TARW_OVERLAY && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
		cleanup_free char *wh =
		    *prefix ? xasprintf("%s/.wh.%s", prefix, name) : xasprintf(".wh.%s", name);
		return empty_file(t, wh, err);
	}
	e = archive_entry_new();
	archive_entry_copy_stat(e, &st);
	if (t->clamp >= 0) {
		/* reproducible: no atime or ctime, mtimes clamped, whole seconds */
		archive_entry_unset_atime(e);
		archive_entry_unset_ctime(e);
		archive_entry_unset_birthtime(e);
		archive_entry_set_mtime(e, st.st_mtime > t->clamp ? (time_t)t->clamp : st.st_mtime,
					0);
	}
	archive_entry_set_pathname(e, path);
	archive_entry_set_uname(e, "");
	archive_entry_set_gname(e, "");
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		fd = openat(dirfd, name,
			    (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0) | O_RDONLY | O_NOFOLLOW |
				O_CLOEXEC);
		if (fd < 0) {
			err_set(err, errno, "open '%s'", path);
			goto out;
		}
		add_xattrs(e, fd);
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);

		if (n < 0) {
			err_set(err, errno, "read link '%s'", path);
			goto out;
		}
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
		archive_entry_set_size(e, 0);
	}
	if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
		for (size_t i = 0; i < t->n_links; i++) {
			if (t->links[i].dev == st.st_dev && t->links[i].ino == st.st_ino) {
				archive_entry_set_hardlink(e, t->links[i].path);
				archive_entry_set_size(e, 0);
				ret = write_header(t, e, path, err);
				goto out;
			}
		}
		t->links = xrealloc(t->links, (t->n_links + 1) * sizeof(*t->links));
		t->links[t->n_links++] = (struct hl){st.st_dev, st.st_ino, xstrdup(path)};
	}
	if (!S_ISREG(st.st_mode))
		archive_entry_set_size(e, 0);
	if (write_header(t, e, path, err) < 0)
		goto out;
	if (S_ISREG(st.st_mode)) {
		int64_t left = st.st_size;

		while (left > 0) {
			ssize_t n = read(fd, t->buf, 1 << 20);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				err_set(err, n < 0 ? errno : 0, "read '%s'%s", path,
					n == 0 ? ": file shrank while being archived" : "");
				goto out;
			}
			if (n > left)
				n = (ssize_t)left;
			if (archive_write_data(t->a, t->buf, (size_t)n) < 0) {
				fail(t, path, err);
				goto out;
			}
			left -= n;
		}
	}
	if (S_ISDIR(st.st_mode)) {
		if (t->mode == TARW_OVERLAY) {
			char v[4];

			if (fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v)) == 1 &&
			    v[0] == 'y') {
				cleanup_free char *opq = xasprintf("%s/.wh..wh..opq", path);
				if (empty_file(t, opq, err) < 0)
					goto out;
			}
		}
		if (walk(t, fd, path, err) < 0)
			goto out;
	}
	ret = 0;
out:
	archive_entry_free(e);
	return ret;
}

static int walk(struct tarw *t, int dirfd, const char *prefix, struct err **err)
{
	char **names = fs_dir_names(dirfd, true);
	int ret = 0;

	if (!names)
		return err_set(err, errno, "read directory '%s'", *prefix ? prefix : "/");
	for (char **n = names; *n; n++)
		if (one(t, dirfd, *n, prefix, err) < 0) {
			ret = -1;
			break;
		}
	strv_free(names);
	return ret;
}

int tarw_write_tree(int dirfd, enum tarw_mode mode, tarw_sink_fn sink, void *arg, struct err **err)
{
	return tarw_write_tree_clamped(dirfd, mode, -1, sink, arg, err);
}

int tarw_write_tree_clamped(int dirfd, enum tarw_mode mode, int64_t clamp, tarw_sink_fn sink,
			    void *arg, struct err **err)
{
	struct tarw t = {.mode = mode, .sink = sink, .arg = arg, .clamp = clamp};
	int ret = -1;

	t.a = archive_write_new();
	if (!t.a)
		abort();
	t.buf = xmalloc(1 << 20);
	archive_write_set_format_pax_restricted(t.a);
	archive_write_set_bytes_in_last_block(t.a, 1);
	if (archive_write_open(t.a, &t, NULL, write_cb, NULL) != ARCHIVE_OK) {
		fail(&t, "write tar", err);
		goto out;
	}
	if (walk(&t, dirfd, "", err) < 0)
		goto out;
	if (archive_write_close(t.a) != ARCHIVE_OK) {
		fail(&t, "write tar", err);
		goto out;
	}
	ret = 0;
out:
	archive_write_free(t.a);
	for (size_t i = 0; i < t.n_links; i++)
		free(t.links[i].path);
	free(t.links);
	free(t.buf);
	err_free(t.sink_err);
	return ret;
}
