/* cp.c: `cp [-a] [-L] SRC DEST`: docker cp between a container's
 * filesystem and the host, or a tar stream ("-") on stdin or stdout.
 * Exactly one side is CONTAINER:PATH.  Docker's path rules: a directory
 * source goes into an existing destination directory under its own name
 * (its contents, when the source ends in "/."), else becomes the
 * destination; a file source overwrites a file, goes into a directory, or
 * is created; a destination ending in "/" must be an existing directory.
 *
 * Inside the container every path is resolved in its rootfs (openat2
 * RESOLVE_IN_ROOT, see common/fs): a symlink to "/" or "../.." there
 * points at the container's root, never the host's.  Everything is then
 * created relative to directory fds with O_NOFOLLOW: an existing entry is
 * replaced, never written through.  The rootfs is mounted for a stopped
 * container (as export does), so running and stopped ones work alike. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"
#include "store/store.h"

static const char cp_usage[] =
    "usage: kist-store cp [-a] [-L] CONTAINER:SRC_PATH DEST_PATH|-\n"
    "       kist-store cp [-a] [-L] SRC_PATH|- CONTAINER:DEST_PATH\n"
    "Copy files between a container's filesystem and the host (docker cp's rules);\n"
    "\"-\" is a tar stream on stdout (from the container) or stdin (into it).\n"
    "  -a, --archive      keep the source's uid and gid (default: the destination's\n"
    "                     user: root in the container, the caller on the host)\n"
    "  -L, --follow-link  follow a symlink that SRC_PATH names\n";

/* One side of the copy: the host (root -1) or a container's rootfs. */
struct side {
	int root;
	const char *container; /* as the user named it */
};

struct cp {
	bool archive, follow;
	uid_t uid; /* the owner when !archive */
	gid_t gid;
	struct archive *tar; /* the output, when DEST is "-" */
	char *buf;
};

static int open_in(const struct side *sd, const char *path, int flags, struct err **err)
{
	int fd;

	if (sd->root >= 0)
		return fs_open_in_root(sd->root, path, flags, 0, err);
	fd = open(*path ? path : ".", flags | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", path);
	return fd;
}

/* path without trailing "/" and "/." (noted), split into parent and base:
 * "/a/b/." -> "/a", "b"; "/" -> "/", "."; "x" -> "", "x". */
static void split(const char *path, char **parent, char **base, bool *slash, bool *dot)
{
	cleanup_free char *p = xstrdup(path);
	size_t n = strlen(p);
	char *s;

	*slash = *dot = false;
	for (;;) {
		if (n > 1 && p[n - 1] == '/') {
			p[--n] = '\0';
			*slash = true;
		} else if (n > 2 && p[n - 1] == '.' && p[n - 2] == '/') {
			p[n -= 2] = '\0';
			*dot = *slash = true;
		} else if (n == 2 && p[0] == '.' && p[1] == '/') {
			p[n = 1] = '\0';
		} else
			break;
	}
	if (streq(p, "/") || streq(p, ".")) {
		*parent = xstrdup(p);
		*base = xstrdup(".");
		*dot = *dot || streq(p, "/");
		return;
	}
	s = strrchr(p, '/');
	if (!s) {
		*parent = xstrdup("");
		*base = xstrdup(p);
	} else {
		*parent = s == p ? xstrdup("/") : xstrndup(p, (size_t)(s - p));
		*base = xstrdup(s + 1);
	}
}

/* ---- writing one entry ---- */

static void set_meta(const struct cp *cp, int dir, const char *name, int fd, const struct stat *st)
{
	uid_t u = cp->archive ? st->st_uid : cp->uid;
	gid_t g = cp->archive ? st->st_gid : cp->gid;
	struct timespec ts[2] = {st->st_atim, st->st_mtim};

	if (fd >= 0) {
		(void)!fchown(fd, u, g);
		(void)!fchmod(fd, st->st_mode & 07777);
		(void)futimens(fd, ts);
	} else {
		(void)!fchownat(dir, name, u, g, AT_SYMLINK_NOFOLLOW);
		if (!S_ISLNK(st->st_mode))
			(void)!fchmodat(dir, name, st->st_mode & 07777, 0);
		(void)utimensat(dir, name, ts, AT_SYMLINK_NOFOLLOW);
	}
}

/* Make room for a non-directory at dir/name: an existing one is replaced. */
static int clear_for(int dir, const char *name, const char *shown, struct err **err)
{
	struct stat cur;

	if (fstatat(dir, name, &cur, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : err_set(err, errno, "stat '%s'", shown);
	if (S_ISDIR(cur.st_mode))
		return err_set(err, EISDIR, "cannot overwrite directory '%s' with non-directory",
			       shown);
	if (unlinkat(dir, name, 0) < 0)
		return err_set(err, errno, "remove '%s'", shown);
	return 0;
}

/* The directory dir/name, made if missing; an O_DIRECTORY fd. */
static int dir_for(int dir, const char *name, const char *shown, struct err **err)
{
	struct stat cur;
	int fd;

	if (fstatat(dir, name, &cur, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISDIR(cur.st_mode))
			return err_set(err, ENOTDIR,
				       "cannot overwrite non-directory '%s' with directory", shown);
	} else if (errno != ENOENT || mkdirat(dir, name, 0700) < 0)
		return err_set(err, errno, "mkdir '%s'", shown);
	fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", shown);
	return fd;
}

typedef int (*data_fn)(void *arg, int out, struct err **err);

/* A regular file dir/name with the data fill writes. */
static int put_file(const struct cp *cp, int dir, const char *name, const struct stat *st,
		    data_fn fill, void *arg, const char *shown, struct err **err)
{
	cleanup_close int fd = -1;

	if (clear_for(dir, name, shown, err) < 0)
		return -1;
	fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(err, errno, "create '%s'", shown);
	if (fill(arg, fd, err) < 0)
		return err_wrap(err, "write '%s'", shown);
	set_meta(cp, dir, name, fd, st);
	return 0;
}

static int put_special(const struct cp *cp, int dir, const char *name, const struct stat *st,
		       const char *link, const char *shown, struct err **err)
{
	if (clear_for(dir, name, shown, err) < 0)
		return -1;
	if (S_ISLNK(st->st_mode)) {
		if (symlinkat(link, dir, name) < 0)
			return err_set(err, errno, "symlink '%s'", shown);
	} else if (mknodat(dir, name, st->st_mode & (S_IFMT | 07777), st->st_rdev) < 0)
		return err_set(err, errno, "mknod '%s'", shown);
	set_meta(cp, dir, name, -1, st);
	return 0;
}

/* ---- the source tree ---- */

static int fill_fd(void *arg, int out, struct err **err)
{
	int in = *(int *)arg;

	for (;;) {
		ssize_t r = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (r == 0)
			return 0;
		if (r < 0) {
			char buf[65536];
			if (errno != EXDEV && errno != EINVAL && errno != ENOSYS &&
			    errno != EOPNOTSUPP)
				return err_set(err, errno, "copy");
			while ((r = read(in, buf, sizeof(buf))) > 0)
				if (fs_write_all(out, buf, (size_t)r) < 0)
					return err_set(err, errno, "copy");
			return r < 0 ? err_set(err, errno, "copy") : 0;
		}
	}
}

static int tar_entry(struct cp *cp, const char *path, const struct stat *st, const char *link,
		     int fd, struct err **err)
{
	struct archive_entry *e = archive_entry_new();
	int r = 0;

	archive_entry_copy_stat(e, st);
	archive_entry_set_pathname(e, path);
	if (link)
		archive_entry_set_symlink(e, link);
	if (!S_ISREG(st->st_mode))
		archive_entry_set_size(e, 0);
	if (archive_write_header(cp->tar, e) != ARCHIVE_OK)
		r = err_set(err, 0, "tar '%s': %s", path, archive_error_string(cp->tar));
	while (r == 0 && fd >= 0) {
		ssize_t n = read(fd, cp->buf, 65536);
		if (n < 0)
			r = err_set(err, errno, "read '%s'", path);
		if (n <= 0)
			break;
		if (archive_write_data(cp->tar, cp->buf, (size_t)n) != n)
			r = err_set(err, 0, "tar '%s': %s", path, archive_error_string(cp->tar));
	}
	archive_entry_free(e);
	return r;
}

/* Copy sdir/sname (st, lstat'ed) to ddir/dname, or into the tar as path. */
static int copy_tree(struct cp *cp, int sdir, const char *sname, const struct stat *st, int ddir,
		     const char *dname, const char *path, struct err **err)
{
	if (S_ISDIR(st->st_mode)) {
		cleanup_close int sfd = openat(sdir, sname,
					       O_RDONLY | O_DIRECTORY | O_CLOEXEC |
						   (streq(sname, ".") ? 0 : O_NOFOLLOW));
		cleanup_close int dfd = -1;
		char **names;
		int r = 0;

		if (sfd < 0)
			return err_set(err, errno, "open '%s'", path);
		if (cp->tar) {
			if (*path && tar_entry(cp, path, st, NULL, -1, err) < 0)
				return -1;
		} else if ((dfd = dir_for(ddir, dname, path, err)) < 0)
			return -1;
		names = fs_dir_names(sfd, true);
		for (size_t i = 0; r == 0 && names && names[i]; i++) {
			struct stat cst;
			cleanup_free char *cpath =
			    *path ? xasprintf("%s/%s", path, names[i]) : xstrdup(names[i]);

			if (fstatat(sfd, names[i], &cst, AT_SYMLINK_NOFOLLOW) < 0)
				r = err_set(err, errno, "stat '%s'", cpath);
			else
				r = copy_tree(cp, sfd, names[i], &cst, dfd, names[i], cpath, err);
		}
		strv_free(names);
		if (r == 0 && !cp->tar && !streq(dname, "."))
			set_meta(cp, ddir, dname, dfd, st);
		return r;
	}
	if (S_ISREG(st->st_mode)) {
		cleanup_close int fd = openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0)
			return err_set(err, errno, "open '%s'", path);
		if (cp->tar)
			return tar_entry(cp, path, st, NULL, fd, err);
		return put_file(cp, ddir, dname, st, fill_fd, &fd, path, err);
	}
	if (S_ISSOCK(st->st_mode))
		return 0; /* a socket is not copied (as tar) */
	{
		char link[PATH_MAX] = "";

		if (S_ISLNK(st->st_mode)) {
			ssize_t n = readlinkat(sdir, sname, link, sizeof(link) - 1);
			if (n < 0)
				return err_set(err, errno, "readlink '%s'", path);
			link[n] = '\0';
		}
		if (cp->tar)
			return tar_entry(cp, path, st, S_ISLNK(st->st_mode) ? link : NULL, -1, err);
		return put_special(cp, ddir, dname, st, link, path, err);
	}
}

/* ---- a tar stream into a directory ---- */

static int fill_tar(void *arg, int out, struct err **err)
{
	struct archive *a = arg;
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
		if (lseek(out, off, SEEK_SET) < 0 || fs_write_all(out, buf, len) < 0)
			return err_set(err, errno, "write");
	}
	if (r != ARCHIVE_EOF)
		return err_set(err, 0, "read tar: %s", archive_error_string(a));
	return 0;
}

/* Every entry of the tar on fd into dest, a directory: the entry's parents
 * resolved with dest as their root (a ".." or a symlink cannot leave it). */
static int untar(struct cp *cp, int fd, int dest, struct err **err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r = 0, ar;

	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_filter_all(a);
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		r = err_set(err, 0, "read tar: %s", archive_error_string(a));
		goto out;
	}
	while (r == 0 && (ar = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		cleanup_free char *parent = NULL, *base = NULL;
		cleanup_close int pfd = -1;
		const char *path = archive_entry_pathname(e);
		struct stat st = *archive_entry_stat(e);
		bool slash, dot;

		while (*path == '/')
			path++;
		split(path, &parent, &base, &slash, &dot);
		if (!*path || streq(base, ".") || streq(base, ".."))
			continue;
		pfd = fs_mkdir_p_in_root(dest, parent, 0755, err);
		if (pfd < 0) {
			r = -1;
			break;
		}
		{
			cleanup_close int dfd =
			    openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd < 0) {
				r = err_set(err, errno, "open '%s'", parent);
				break;
			}
			if (archive_entry_hardlink(e)) {
				const char *target = archive_entry_hardlink(e);
				cleanup_close int tfd = -1;
				while (*target == '/')
					target++;
				tfd = fs_open_in_root(dest, target, O_RDONLY | O_NOFOLLOW, 0, err);
				if (tfd < 0 || fstat(tfd, &st) < 0 || !S_ISREG(st.st_mode)) {
					r = tfd < 0
						? -1
						: err_set(err, EINVAL, "bad hard link '%s'", path);
					break;
				}
				r = put_file(cp, dfd, base, &st, fill_fd, &tfd, path, err);
			} else if (S_ISDIR(st.st_mode)) {
				int d = dir_for(dfd, base, path, err);
				if (d < 0)
					r = -1;
				else {
					set_meta(cp, dfd, base, d, &st);
					close(d);
				}
			} else if (S_ISREG(st.st_mode)) {
				r = put_file(cp, dfd, base, &st, fill_tar, a, path, err);
			} else {
				const char *link = archive_entry_symlink(e);
				r = put_special(cp, dfd, base, &st, link ? link : "", path, err);
			}
		}
	}
	if (r == 0 && ar != ARCHIVE_EOF)
		r = err_set(err, 0, "read tar: %s", archive_error_string(a));
out:
	archive_read_free(a);
	return r;
}

/* ---- the command ---- */

/* "NAME:PATH" names a container unless it is a local path (docker's
 * rule: one starting with "/" or "." is local). */
static bool container_arg(const char *arg, char **name, const char **path)
{
	const char *colon = strchr(arg, ':');

	if (arg[0] == '/' || arg[0] == '.' || !colon || colon == arg)
		return false;
	*name = xstrndup(arg, (size_t)(colon - arg));
	*path = colon + 1;
	return true;
}

/* Resolve the source's last component: its parent's fd, its name, its
 * lstat (or, with follow, the end of its symlinks, each resolved on sd). */
static int source_open(struct cp *cp, const struct side *sd, const char *path, char **name,
		       struct stat *st, bool *is_dot, struct err **err)
{
	cleanup_free char *cur = xstrdup(path);

	for (int hops = 0;; hops++) {
		cleanup_free char *parent = NULL, *base = NULL;
		bool slash, dot;
		int pfd;

		split(cur, &parent, &base, &slash, &dot);
		pfd = open_in(sd, parent, O_PATH | O_DIRECTORY, err);
		if (pfd < 0)
			return -1;
		if (fstatat(pfd, base, st, AT_SYMLINK_NOFOLLOW) < 0) {
			int e = errno;
			close(pfd);
			return err_set(err, e, "stat '%s'", cur);
		}
		if (S_ISLNK(st->st_mode) && (cp->follow || slash) && hops < 40) {
			char link[PATH_MAX];
			ssize_t n = readlinkat(pfd, base, link, sizeof(link) - 1);
			close(pfd);
			if (n < 0)
				return err_set(err, errno, "readlink '%s'", cur);
			link[n] = '\0';
			{
				/* the link's target, keeping what followed the name */
				const char *tail = dot ? "/." : slash ? "/" : "";
				char *next =
				    link[0] == '/'
					? xasprintf("%s%s", link, tail)
					: xasprintf("%s/%s%s", *parent ? parent : ".", link, tail);
				free(cur);
				cur = next;
			}
			continue;
		}
		if ((slash || dot) && !S_ISDIR(st->st_mode)) {
			close(pfd);
			return err_set(err, ENOTDIR, "'%s' is not a directory", path);
		}
		*is_dot = dot;
		*name = steal_pointer(&base);
		return pfd;
	}
}

int cmd_cp(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {{"archive", no_argument, NULL, 'a'},
					     {"follow-link", no_argument, NULL, 'L'},
					     STORE_HELP_OPT,
					     {NULL, 0, NULL, 0}};
	struct store *s = g;
	struct cp cp = {.uid = 0, .gid = 0};
	cleanup_free char *sname = NULL, *dname = NULL, *srcname = NULL, *buf = NULL;
	const char *spath = NULL, *dpath = NULL, *src, *dest;
	struct side from = {.root = -1}, to = {.root = -1};
	cleanup_close int rootfd = -1, sdir = -1, ddir = -1, target = -1;
	struct container c = {.name = NULL};
	bool src_dot = false, have_c = false;
	struct stat st;
	int ch, r = -1;

	while ((ch = cli_getopt(argc, argv, "+aLh", opts, NULL)) != -1) {
		if (ch == 'a')
			cp.archive = true;
		else if (ch == 'L')
			cp.follow = true;
		else if (ch == 'h') {
			fputs(cp_usage, stdout);
			return EXIT_OK;
		} else
			cli_usage_error("cp: unknown option");
	}
	if (argc - optind != 2)
		cli_usage_error("cp: want SRC and DEST");
	src = argv[optind];
	dest = argv[optind + 1];
	{
		bool sc = container_arg(src, &sname, &spath),
		     dc = container_arg(dest, &dname, &dpath);
		if (sc && dc)
			return err_set_code(err, EINVAL,
					    "copying between containers is not supported");
		if (!sc && !dc)
			return err_set_code(err, EINVAL,
					    "must specify at least one container source");
		if (streq(src, "-") && !dc)
			return err_set_code(err, EINVAL,
					    "a tar stream on stdin goes into a container");
		if (store_open(s, err) < 0 || container_find(s, sc ? sname : dname, &c, err) < 0)
			return -1;
		have_c = true;
		if (container_mount(s, &c, err) < 0)
			goto out;
		{
			cleanup_free char *p =
			    xasprintf("%s/containers/%s/bundle/rootfs", s->root, c.id);
			rootfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (rootfd < 0) {
				err_set(err, errno, "open '%s'", p);
				goto out;
			}
		}
		if (sc) {
			from = (struct side){rootfd, sname};
			if (!*spath)
				spath = "/";
		} else {
			to = (struct side){rootfd, dname};
			if (!*dpath)
				dpath = "/";
			spath = src;
		}
		if (!dc)
			dpath = dest;
		/* the owner without -a: the destination's user */
		if (sc) {
			cp.uid = getuid();
			cp.gid = getgid();
		}
	}
	cp.buf = buf = xmalloc(65536);

	if (streq(src, "-")) {
		/* a tar stream into an existing directory of the container */
		target = open_in(&to, dpath, O_RDONLY | O_DIRECTORY, err);
		if (target < 0) {
			err_free(*err);
			*err = NULL;
			err_set_code(err, ENOTDIR, "destination \"%s\" must be a directory", dpath);
			goto out;
		}
		r = untar(&cp, 0, target, err);
		goto out;
	}

	sdir = source_open(&cp, &from, spath, &srcname, &st, &src_dot, err);
	if (sdir < 0) {
		if ((*err)->code == ENOENT) {
			int code = (*err)->code;
			err_free(*err);
			*err = NULL;
			if (from.root >= 0)
				err_set_code(err, code,
					     "Could not find the file %s in container %s", spath,
					     from.container);
			else
				err_set_code(err, code, "lstat %s: no such file or directory",
					     spath);
		}
		goto out;
	}

	if (streq(dest, "-")) {
		/* a tar of the source on stdout, its root entry named as the
		 * source (its contents, for "/.") */
		cp.tar = archive_write_new();
		archive_write_set_format_pax_restricted(cp.tar);
		if (archive_write_open_fd(cp.tar, 1) != ARCHIVE_OK) {
			err_set(err, 0, "write tar: %s", archive_error_string(cp.tar));
		} else {
			const char *root = src_dot || streq(srcname, ".") ? "" : srcname;
			r = copy_tree(&cp, sdir, srcname, &st, -1, NULL, root, err);
			if (r == 0 && archive_write_close(cp.tar) != ARCHIVE_OK)
				r = err_set(err, 0, "write tar: %s", archive_error_string(cp.tar));
		}
		archive_write_free(cp.tar);
		cp.tar = NULL;
		goto out;
	}

	{
		/* where it goes: docker's rules (see the top of this file) */
		cleanup_free char *dparent = NULL, *dbase = NULL;
		bool dslash, ddot;
		struct stat dst;
		const char *into;
		int dfd;

		dfd = open_in(&to, dpath, O_PATH, err);
		if (dfd >= 0 && fstat(dfd, &dst) == 0 && S_ISDIR(dst.st_mode)) {
			ddir = dfd;
			/* into the directory: under the source's name, or merged */
			into =
			    S_ISDIR(st.st_mode) && (src_dot || streq(srcname, ".")) ? "." : srcname;
			r = copy_tree(&cp, sdir, srcname, &st, ddir, into, srcname, err);
			goto out;
		}
		if (dfd < 0) {
			if ((*err)->code != ENOENT)
				goto out;
			err_free(*err);
			*err = NULL;
		} else {
			close(dfd);
			if (S_ISDIR(st.st_mode)) {
				err_set_code(err, ENOTDIR,
					     "cannot copy a directory to a file: '%s'", dpath);
				goto out;
			}
		}
		split(dpath, &dparent, &dbase, &dslash, &ddot);
		if (dfd < 0 && dslash && !S_ISDIR(st.st_mode)) {
			err_set_code(err, ENOENT, "destination directory \"%s\" must exist", dpath);
			goto out;
		}
		ddir = open_in(&to, dparent, O_RDONLY | O_DIRECTORY, err);
		if (ddir < 0)
			goto out;
		r = copy_tree(&cp, sdir, srcname, &st, ddir, dbase, dbase, err);
	}
out:
	if (have_c)
		container_release(&c);
	return r < 0 ? -1 : EXIT_OK;
}
