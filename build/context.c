/* context.c: the build context and COPY/ADD sources: wildcards,
 * .dockerignore, paths that must not leave the context, the content hash
 * of the sources (the cache key: names, modes, owners, bytes; not mtimes),
 * and the copy into a container's rootfs with docker's rules. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "build/build.h"
#include "build/dockerfile.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"

/* Clean a context-relative path: no leading '/', no "." parts, ".."
 * resolved; NULL when it leaves the root. */
static char *clean_rel(const char *p)
{
	cleanup_strv char **parts = NULL;
	cleanup_free char *copy = xstrdup(p);
	struct buf out = BUF_INIT;
	char *save = NULL;

	parts = xcalloc(1, sizeof(char *));
	for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		size_t n = strv_len(parts);

		if (streq(t, "."))
			continue;
		if (streq(t, "..")) {
			if (!n) {
				buf_release(&out);
				return NULL;
			}
			free(parts[n - 1]);
			parts[n - 1] = NULL;
			continue;
		}
		strv_push(&parts, t);
	}
	for (size_t i = 0; parts[i]; i++) {
		if (i)
			buf_addch(&out, '/');
		buf_adds(&out, parts[i]);
	}
	return buf_detach(&out, NULL);
}

static bool ignored(struct build *b, bool from_context, const char *rel)
{
	return from_context && b->ignore && *rel && dockerignore_excluded(b->ignore, rel);
}

/* One entry's line for the hash: "path mode uid gid size <content>". */
static int hash_entry(const char *root, const char *rel, const struct stat *st,
		      struct digester *all, struct buf *files, struct err **err)
{
	cleanup_free char *path = xasprintf("%s/%s", root, rel);
	char content[DIGEST_STR_MAX] = "-";
	struct buf line = BUF_INIT;
	char h[DIGEST_STR_MAX];

	if (S_ISREG(st->st_mode)) {
		if (digest_file(path, content, NULL, err) < 0) {
			buf_release(&line);
			return -1;
		}
	} else if (S_ISLNK(st->st_mode)) {
		char t[PATH_MAX];
		ssize_t n = readlink(path, t, sizeof(t) - 1);

		if (n < 0) {
			buf_release(&line);
			return err_set(err, errno, "read link '%s'", rel);
		}
		t[n] = '\0';
		digest_buf(t, (size_t)n, content);
	}
	buf_addf(&line, "%s %o %u %u %lld %s\n", rel, st->st_mode, st->st_uid, st->st_gid,
		 S_ISREG(st->st_mode) ? (long long)st->st_size : 0LL, content);
	digester_update(all, line.data, line.len);
	digest_buf(line.data, line.len, h);
	buf_addf(files, "%s %s\n", digest_hex(h), rel);
	buf_release(&line);
	return 0;
}

static int hash_tree(struct build *b, bool from_context, const char *root, const char *rel,
		     struct digester *all, struct buf *files, struct err **err)
{
	cleanup_free char *path = *rel ? xasprintf("%s/%s", root, rel) : xstrdup(root);
	struct stat st;
	cleanup_close int fd = -1;
	cleanup_strv char **names = NULL;

	if (lstat(path, &st) < 0)
		return err_set(err, errno, "stat '%s'", rel);
	if (*rel && hash_entry(root, rel, &st, all, files, err) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return 0;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", rel);
	names = fs_dir_names(fd, true);
	if (!names)
		return err_set(err, errno, "read '%s'", rel);
	for (char **n = names; *n; n++) {
		cleanup_free char *sub = *rel ? xasprintf("%s/%s", rel, *n) : xstrdup(*n);

		if (ignored(b, from_context, sub) &&
		    !(b->ignore && dockerignore_may_hold_exception(b->ignore, sub)))
			continue;
		if (hash_tree(b, from_context, root, sub, all, files, err) < 0)
			return -1;
	}
	return 0;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

int context_sources(struct build *b, const char *root, bool from_context, char *const *srcs,
		    char ***matched, char hash[DIGEST_STR_MAX], char **files, struct err **err)
{
	struct digester *all = digester_new();
	struct buf fl = BUF_INIT;
	char **out = xcalloc(1, sizeof(char *));
	int ret = -1;

	for (size_t i = 0; srcs[i]; i++) {
		cleanup_free char *rel = clean_rel(srcs[i]);
		struct stat st;

		if (!rel) {
			err_set_code(err, EPERM, "forbidden path outside the build context: %s",
				     srcs[i]);
			goto out;
		}
		if (has_glob(rel)) {
			cleanup_free char *pat = xasprintf("%s/%s", root, rel);
			glob_t g;
			size_t before = strv_len(out), plen = strlen(root) + 1;

			if (glob(pat, GLOB_NOSORT, NULL, &g) == 0) {
				cleanup_strv char **hits = xcalloc(1, sizeof(char *));

				for (size_t k = 0; k < g.gl_pathc; k++)
					if (strlen(g.gl_pathv[k]) > plen &&
					    !ignored(b, from_context, g.gl_pathv[k] + plen))
						strv_push(&hits, g.gl_pathv[k] + plen);
				qsort(hits, strv_len(hits), sizeof(char *),
				      (int (*)(const void *, const void *))strcmp);
				for (char **h = hits; *h; h++)
					strv_push(&out, *h);
				globfree(&g);
			}
			if (strv_len(out) == before) {
				err_set_code(err, ENOENT, "no source files were specified");
				goto out;
			}
			continue;
		}
		if (!*rel) {
			strv_push(&out, "");
			continue;
		}
		{
			cleanup_free char *p = xasprintf("%s/%s", root, rel);
			if (lstat(p, &st) < 0 || ignored(b, from_context, rel)) {
				err_set_code(err, ENOENT,
					     "file not found in build context or excluded by "
					     ".dockerignore: stat %s: file does not exist",
					     rel);
				goto out;
			}
		}
		strv_push(&out, rel);
	}
	for (char **p = out; *p; p++) {
		digester_update(all, "\n", 1);
		if (hash_tree(b, from_context, root, *p, all, &fl, err) < 0)
			goto out;
	}
	digester_final(all, hash);
	*matched = out;
	out = NULL;
	*files = buf_detach(&fl, NULL);
	ret = 0;
out:
	digester_free(all);
	strv_free(out);
	buf_release(&fl);
	return ret;
}

/* ---- copying into the container's rootfs ---- */

static int set_meta(int dirfd, const char *name, const struct stat *st, const struct copy_opts *co,
		    const char *what, struct err **err)
{
	uid_t uid = co->uid >= 0 ? (uid_t)co->uid : st->st_uid;
	gid_t gid = co->gid >= 0 ? (gid_t)co->gid : st->st_gid;
	struct timespec ts[2] = {st->st_atim, st->st_mtim};

	if (fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(err, errno, "chown '%s'", what);
	if (!S_ISLNK(st->st_mode)) {
		mode_t m = co->mode >= 0 ? (mode_t)co->mode : (st->st_mode & 07777);
		if (fchmodat(dirfd, name, m, 0) < 0)
			return err_set(err, errno, "chmod '%s'", what);
	}
	ts[0] = st->st_mtim;
	if (utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(err, errno, "set times of '%s'", what);
	return 0;
}

static int copy_file_at(const char *src, const struct stat *st, int dirfd, const char *name,
			struct err **err)
{
	cleanup_close int in = -1, out = -1;
	char buf[1 << 16];

	unlinkat(dirfd, name, 0);
	if (S_ISLNK(st->st_mode)) {
		char t[PATH_MAX];
		ssize_t n = readlink(src, t, sizeof(t) - 1);

		if (n < 0)
			return err_set(err, errno, "read link '%s'", src);
		t[n] = '\0';
		if (symlinkat(t, dirfd, name) < 0)
			return err_set(err, errno, "symlink '%s'", name);
		return 0;
	}
	if (!S_ISREG(st->st_mode))
		return 0; /* devices, fifos, sockets: docker skips sockets; keep it simple */
	in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return err_set(err, errno, "open '%s'", src);
	out = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return err_set(err, errno, "create '%s'", name);
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(err, errno, "read '%s'", src);
		if (n == 0)
			break;
		if (fs_write_all(out, buf, (size_t)n) < 0)
			return err_set(err, errno, "write '%s'", name);
	}
	return 0;
}

/* Copy the tree at srcroot/rel into the directory dirfd (contents of a
 * directory; a file as name). */
static int copy_tree(struct build *b, bool from_context, const char *srcroot, const char *rel,
		     int dirfd, const char *name, const struct copy_opts *co, struct err **err)
{
	cleanup_free char *src = *rel ? xasprintf("%s/%s", srcroot, rel) : xstrdup(srcroot);
	struct stat st;

	if (lstat(src, &st) < 0)
		return err_set(err, errno, "stat '%s'", rel);
	if (S_ISDIR(st.st_mode)) {
		cleanup_close int sfd = -1, dfd = -1;
		cleanup_strv char **names = NULL;
		struct stat dst;

		if (fstatat(dirfd, name, &dst, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(dst.st_mode))
			unlinkat(dirfd, name, 0);
		if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
			return err_set(err, errno, "mkdir '%s'", name);
		dfd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || sfd < 0)
			return err_set(err, errno, "open '%s'", *rel ? rel : ".");
		names = fs_dir_names(sfd, true);
		if (!names)
			return err_set(err, errno, "read '%s'", rel);
		for (char **n = names; *n; n++) {
			cleanup_free char *sub = *rel ? xasprintf("%s/%s", rel, *n) : xstrdup(*n);

			if (ignored(b, from_context, sub) &&
			    !(b->ignore && dockerignore_may_hold_exception(b->ignore, sub)))
				continue;
			if (copy_tree(b, from_context, srcroot, sub, dfd, *n, co, err) < 0)
				return -1;
		}
		if (strcmp(name, ".") == 0 || !*rel)
			return 0; /* the destination directory itself keeps its metadata */
		return set_meta(dirfd, name, &st, co, rel, err);
	}
	if (copy_file_at(src, &st, dirfd, name, err) < 0)
		return -1;
	if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return 0;
	return set_meta(dirfd, name, &st, co, rel, err);
}

static bool is_archive(const char *path)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	bool ok;

	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	ok = archive_read_open_filename(a, path, 1 << 16) == ARCHIVE_OK &&
	     archive_read_next_header(a, &e) == ARCHIVE_OK;
	archive_read_free(a);
	return ok;
}

static int unpack_into(const char *path, const char *dstdir, struct err **err)
{
	struct archive *a = archive_read_new(), *w = archive_write_disk_new();
	struct archive_entry *e;
	int r, ret = -1;

	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_write_disk_set_options(w, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
					      ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_XATTR |
					      ARCHIVE_EXTRACT_SECURE_NODOTDOT |
					      ARCHIVE_EXTRACT_SECURE_SYMLINKS);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		err_set(err, 0, "open archive '%s': %s", path, archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		cleanup_free char *p = xasprintf("%s/%s", dstdir, archive_entry_pathname(e));
		const char *hl = archive_entry_hardlink(e);

		if (hl) {
			cleanup_free char *h = xasprintf("%s/%s", dstdir, hl);
			archive_entry_copy_hardlink(e, h);
		}
		archive_entry_copy_pathname(e, p);
		if (archive_write_header(w, e) != ARCHIVE_OK) {
			err_set(err, 0, "unpack '%s': %s", path, archive_error_string(w));
			goto out;
		}
		if (archive_entry_size(e) > 0) {
			const void *buf;
			size_t len;
			la_int64_t off;

			while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK)
				if (archive_write_data_block(w, buf, len, off) < 0) {
					err_set(err, 0, "unpack '%s': %s", path,
						archive_error_string(w));
					goto out;
				}
			if (r != ARCHIVE_EOF) {
				err_set(err, 0, "unpack '%s': %s", path, archive_error_string(a));
				goto out;
			}
		}
		archive_write_finish_entry(w);
	}
	if (r != ARCHIVE_EOF) {
		err_set(err, 0, "unpack '%s': %s", path, archive_error_string(a));
		goto out;
	}
	ret = 0;
out:
	archive_read_free(a);
	archive_write_free(w);
	return ret;
}

int context_copy(struct build *b, const char *srcroot, const char *rel, int rootfd, const char *dst,
		 const struct copy_opts *co, struct err **err)
{
	cleanup_free char *src = *rel ? xasprintf("%s/%s", srcroot, rel) : xstrdup(srcroot);
	cleanup_free char *dstdir = NULL, *leaf = NULL;
	cleanup_close int dirfd = -1;
	bool from_context = b->ctxdir && streq(srcroot, b->ctxdir);
	bool into_dir = co->dst_is_dir;
	struct stat st;
	const char *slash;

	if (lstat(src, &st) < 0)
		return err_set(err, errno, "stat '%s'", rel);
	if (!into_dir && !S_ISDIR(st.st_mode)) {
		cleanup_close int fd = fs_open_in_root(rootfd, dst, O_PATH | O_DIRECTORY, 0, NULL);
		into_dir = fd >= 0;
	}
	if (S_ISDIR(st.st_mode) || into_dir) {
		/* the destination is a directory: the contents or the file go in it */
		dirfd = fs_mkdir_p_in_root(rootfd, dst, 0755, err);
		if (dirfd < 0)
			return -1;
		if (S_ISDIR(st.st_mode))
			return copy_tree(b, from_context, srcroot, rel, dirfd, ".", co, err);
		if (co->unpack && is_archive(src)) {
			cleanup_free char *host = NULL;
			cleanup_free char *rootpath = fs_fd_path(rootfd);
			char real[PATH_MAX];

			if (!realpath(rootpath, real))
				return err_set(err, errno, "resolve the container's rootfs");
			if (fs_resolve_in_root(real, dst, false, &host, err) < 0)
				return -1;
			return unpack_into(src, host, err);
		}
		slash = strrchr(rel, '/');
		return copy_tree(b, from_context, srcroot, rel, dirfd, slash ? slash + 1 : rel, co,
				 err);
	}
	/* a file to the path dst */
	slash = strrchr(dst, '/');
	dstdir = slash ? xstrndup(dst, (size_t)(slash - dst)) : xstrdup(".");
	leaf = xstrdup(slash ? slash + 1 : dst);
	dirfd = fs_mkdir_p_in_root(rootfd, *dstdir ? dstdir : "/", 0755, err);
	if (dirfd < 0)
		return -1;
	return copy_tree(b, from_context, srcroot, rel, dirfd, leaf, co, err);
}
