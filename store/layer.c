/* layer.c: unpack layer tar streams into layers/<chain-hex>/diff.
 *
 * Every entry is created relative to a directory fd: parent directories are
 * resolved with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS) so no "..",
 * absolute path or symlink in a layer can reach outside it, and the last
 * component is always created with *at() calls that do not follow links.
 * Whiteouts become 0:0 character devices and opaque markers the
 * trusted.overlay.opaque xattr (overlayfs form).  A layer is unpacked into
 * layers/.tmp-<hex>-XXXXXX and renamed into place only once its diff id
 * matched, under a per-layer lock, so a crash never leaves a half layer.
 * Beside diff/ it writes link (the short name) and size (the bytes of the
 * regular files applied, docker's layer size, in decimal). */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/lock.h"
#include "common/util.h"
#include "store/store.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"
#define WH_META ".wh..wh."

struct dirtime {
	char *path;
	struct timespec ts[2];
};

struct unpack {
	int rootfd;
	char *cache_path;
	int cache_fd;
	struct dirtime *dirs;
	size_t n_dirs, cap_dirs;
	struct archive *tar;
	struct archive_entry *e;
	char path[PATH_MAX]; /* cleaned path of the current entry */
	int64_t size;        /* bytes of the regular files applied (docker's layer size) */
};

int layer_open_beneath(int dirfd, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC),
	    .resolve =
		RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	long r;

	do
		r = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (r < 0 && errno == EINTR);
	return (int)r;
}

/* Normalise an entry path: no leading '/', no "..", "." and empty components
 * dropped, each component at most NAME_MAX. */
static int clean_path(const char *in, char out[PATH_MAX], const char *what, struct err **err)
{
	size_t o = 0;
	const char *p = in;

	if (!in)
		return err_set(err, 0, "%s without a name", what);
	if (in[0] == '/')
		return err_set(err, 0, "%s '%s': absolute path not allowed in a layer", what, in);
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);

		if (len == 0 || (len == 1 && p[0] == '.')) {
			/* skip */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			return err_set(err, 0, "%s '%s': '..' not allowed in a layer", what, in);
		} else if (len > NAME_MAX) {
			return err_set_code(err, ENAMETOOLONG, "%s '%.64s...': name too long", what,
					    in);
		} else {
			if (o + len + 2 > PATH_MAX)
				return err_set_code(err, ENAMETOOLONG,
						    "%s '%.64s...': path too long", what, in);
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
		}
		p = *end ? end + 1 : end;
	}
	out[o] = '\0';
	return 0;
}

static void cache_drop(struct unpack *u)
{
	free(u->cache_path);
	u->cache_path = NULL;
	fs_close(u->cache_fd);
	u->cache_fd = -1;
}

/* Directory fd (borrowed) for parent, creating missing directories. */
static int get_parent(struct unpack *u, const char *parent, struct err **err)
{
	int fd;

	if (!*parent)
		return u->rootfd;
	if (u->cache_path && streq(u->cache_path, parent))
		return u->cache_fd;
	fd = layer_open_beneath(u->rootfd, parent, O_RDONLY | O_DIRECTORY);
	if (fd < 0 && errno == ENOENT) {
		/* Walk and create, never following a symlink. */
		char buf[PATH_MAX], *comp, *save = NULL;
		int cur = -1;

		snprintf(buf, sizeof(buf), "%s", parent);
		for (comp = strtok_r(buf, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
			int base = cur < 0 ? u->rootfd : cur;
			int next =
			    openat(base, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (next < 0 && errno == ENOENT) {
				if (mkdirat(base, comp, 0755) < 0 && errno != EEXIST) {
					fs_close(cur);
					return err_set(err, errno, "create directory '%s'", parent);
				}
				next = openat(base, comp,
					      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			}
			fs_close(cur);
			if (next < 0) {
				if (errno == ELOOP || errno == ENOTDIR)
					return err_set(err, 0,
						       "'%s': refusing to write through a symlink "
						       "or non-directory",
						       u->path);
				return err_set(err, errno, "open directory '%s'", parent);
			}
			cur = next;
		}
		fd = cur;
	} else if (fd < 0) {
		if (errno == ELOOP || errno == EXDEV || errno == ENOTDIR)
			return err_set(err, 0,
				       "'%s': refusing to write through a symlink or non-directory",
				       u->path);
		return err_set(err, errno, "open directory '%s'", parent);
	}
	cache_drop(u);
	u->cache_path = xstrdup(parent);
	u->cache_fd = fd;
	return fd;
}

/* Remove whatever is at pfd/name.  Returns 1 if it is a directory and
 * keep_dir was asked, 0 otherwise. */
static int remove_existing(struct unpack *u, int pfd, const char *name, bool keep_dir,
			   struct err **err)
{
	struct stat st;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_set(err, errno, "stat '%s'", u->path);
	}
	if (S_ISDIR(st.st_mode)) {
		if (keep_dir)
			return 1;
		cache_drop(u);
		if (fs_rm_rfat(pfd, name, err) < 0)
			return -1;
		return 0;
	}
	if (unlinkat(pfd, name, 0) < 0 && errno != ENOENT)
		return err_set(err, errno, "replace '%s'", u->path);
	return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
}

static int apply_xattrs(struct unpack *u, int fd, struct err **err)
{
	const char *name;
	const void *value;
	size_t size;

	if (archive_entry_xattr_reset(u->e) == 0)
		return 0;
	while (archive_entry_xattr_next(u->e, &name, &value, &size) == ARCHIVE_OK) {
		if (str_has_prefix(name, "trusted.overlay."))
			continue; /* only the store decides overlay semantics */
		if (fsetxattr(fd, name, value, size, 0) < 0) {
			if (errno == ENOTSUP || errno == EOPNOTSUPP)
				continue;
			return err_set(err, errno, "set xattr '%s' on '%s'", name, u->path);
		}
	}
	return 0;
}

/* Owner, special mode bits, xattrs, times, on an open fd. */
static int finish_fd(struct unpack *u, int fd, bool is_dir, struct err **err)
{
	struct archive_entry *e = u->e;
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	mode_t mode = archive_entry_perm(e) & 07777;

	if (uid != 0 || gid != 0) {
		if (fchown(fd, uid, gid) < 0)
			return err_set(err, errno, "chown '%s'", u->path);
		if (mode & 07000 && fchmod(fd, mode) < 0)
			return err_set(err, errno, "chmod '%s'", u->path);
	}
	if (apply_xattrs(u, fd, err) < 0)
		return -1;
	if (!is_dir) {
		struct timespec ts[2];

		entry_times(e, ts);
		if (futimens(fd, ts) < 0)
			return err_set(err, errno, "set times of '%s'", u->path);
	}
	return 0;
}

static int write_data(struct unpack *u, int fd, struct err **err)
{
	int64_t size = archive_entry_size(u->e), pos = 0;

	for (;;) {
		const void *p;
		size_t n;
		la_int64_t off;
		int r = archive_read_data_block(u->tar, &p, &n, &off);

		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return err_set(err, 0, "read '%s': %s", u->path,
				       archive_error_string(u->tar));
		if (off != pos && lseek(fd, off, SEEK_SET) < 0)
			return err_set(err, errno, "seek '%s'", u->path);
		if (fs_write_all(fd, p, n) < 0)
			return err_set(err, errno, "write '%s'", u->path);
		pos = off + (int64_t)n;
	}
	if (pos < size && ftruncate(fd, size) < 0)
		return err_set(err, errno, "truncate '%s'", u->path);
	return 0;
}

static int make_file(struct unpack *u, int pfd, const char *name, struct err **err)
{
	mode_t mode = archive_entry_perm(u->e) & 07777;
	cleanup_close int fd = -1;
	int tries;

	for (tries = 0; tries < 2; tries++) {
		fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd >= 0 || errno != EEXIST)
			break;
		if (remove_existing(u, pfd, name, false, err) < 0)
			return -1;
	}
	if (fd < 0)
		return err_set(err, errno, "create '%s'", u->path);
	if (write_data(u, fd, err) < 0)
		return -1;
	return finish_fd(u, fd, false, err);
}

static int record_dir(struct unpack *u)
{
	struct dirtime *d;

	if (u->n_dirs == u->cap_dirs) {
		u->cap_dirs = u->cap_dirs ? 2 * u->cap_dirs : 64;
		u->dirs = xrealloc(u->dirs, u->cap_dirs * sizeof(*u->dirs));
	}
	d = &u->dirs[u->n_dirs++];
	d->path = xstrdup(u->path);
	entry_times(u->e, d->ts);
	return 0;
}

static int make_dir(struct unpack *u, int pfd, const char *name, struct err **err)
{
	struct archive_entry *e = u->e;
	mode_t mode = archive_entry_perm(e) & 07777;
	bool need_fd = archive_entry_uid(e) != 0 || archive_entry_gid(e) != 0 ||
		       archive_entry_xattr_count(e) > 0;
	cleanup_close int fd = -1;

	if (mkdirat(pfd, name, mode) < 0) {
		int r;

		if (errno != EEXIST)
			return err_set(err, errno, "create directory '%s'", u->path);
		r = remove_existing(u, pfd, name, true, err);
		if (r < 0)
			return -1;
		if (r == 0 && mkdirat(pfd, name, mode) < 0)
			return err_set(err, errno, "create directory '%s'", u->path);
		if (r == 1 && fchmodat(pfd, name, mode, 0) < 0)
			return err_set(err, errno, "chmod '%s'", u->path);
	}
	if (need_fd) {
		fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return err_set(err, errno, "open directory '%s'", u->path);
		if (finish_fd(u, fd, true, err) < 0)
			return -1;
	}
	return record_dir(u);
}

/* Owner and times of a node we cannot open (symlink, device, fifo). */
static int finish_at(struct unpack *u, int pfd, const char *name, struct err **err)
{
	struct archive_entry *e = u->e;
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	struct timespec ts[2];

	if ((uid != 0 || gid != 0) && fchownat(pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(err, errno, "chown '%s'", u->path);
	entry_times(e, ts);
	if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(err, errno, "set times of '%s'", u->path);
	return 0;
}

static int make_symlink(struct unpack *u, int pfd, const char *name, struct err **err)
{
	const char *target = archive_entry_symlink(u->e);

	if (!target)
		return err_set(err, 0, "symlink '%s' without a target", u->path);
	if (symlinkat(target, pfd, name) < 0) {
		if (errno != EEXIST)
			return err_set(err, errno, "create symlink '%s'", u->path);
		if (remove_existing(u, pfd, name, false, err) < 0)
			return -1;
		if (symlinkat(target, pfd, name) < 0)
			return err_set(err, errno, "create symlink '%s'", u->path);
	}
	return finish_at(u, pfd, name, err);
}

static int make_node(struct unpack *u, int pfd, const char *name, mode_t mode, dev_t dev,
		     struct err **err)
{
	if (mknodat(pfd, name, mode, dev) < 0) {
		if (errno != EEXIST)
			return err_set(err, errno, "create node '%s'", u->path);
		if (remove_existing(u, pfd, name, false, err) < 0)
			return -1;
		if (mknodat(pfd, name, mode, dev) < 0)
			return err_set(err, errno, "create node '%s'", u->path);
	}
	return 0;
}

static int make_hardlink(struct unpack *u, int pfd, const char *name, struct err **err)
{
	char target[PATH_MAX];
	cleanup_close int tpfd = -1;
	const char *tname, *slash;

	if (clean_path(archive_entry_hardlink(u->e), target, "hardlink target", err) < 0)
		return err_wrap(err, "'%s'", u->path);
	if (!*target)
		return err_set(err, 0, "'%s': hardlink to the layer root", u->path);
	slash = strrchr(target, '/');
	if (slash) {
		char tparent[PATH_MAX];

		memcpy(tparent, target, (size_t)(slash - target));
		tparent[slash - target] = '\0';
		tname = slash + 1;
		tpfd = layer_open_beneath(u->rootfd, tparent, O_PATH | O_DIRECTORY);
		if (tpfd < 0)
			return err_set(err, errno, "'%s': hardlink target '%s' not in the layer",
				       u->path, target);
	} else {
		tname = target;
	}
	if (linkat(slash ? tpfd : u->rootfd, tname, pfd, name, 0) < 0) {
		if (errno != EEXIST)
			return err_set(err, errno, "'%s': hardlink to '%s'", u->path, target);
		if (remove_existing(u, pfd, name, false, err) < 0)
			return -1;
		if (linkat(slash ? tpfd : u->rootfd, tname, pfd, name, 0) < 0)
			return err_set(err, errno, "'%s': hardlink to '%s'", u->path, target);
	}
	return 0;
}

static int apply_entry(struct unpack *u, struct err **err)
{
	struct archive_entry *e = u->e;
	char *path = u->path, parent[PATH_MAX];
	const char *name, *slash;
	mode_t type = archive_entry_filetype(e);
	int pfd;

	if (clean_path(archive_entry_pathname(e), path, "entry", err) < 0)
		return -1;
	if (!*path)
		return 0; /* the layer root itself */
	slash = strrchr(path, '/');
	if (slash) {
		memcpy(parent, path, (size_t)(slash - path));
		parent[slash - path] = '\0';
		name = slash + 1;
	} else {
		parent[0] = '\0';
		name = path;
	}
	pfd = get_parent(u, parent, err);
	if (pfd < 0)
		return -1;

	if (str_has_prefix(name, WH_PREFIX)) {
		if (streq(name, WH_OPAQUE)) {
			if (fsetxattr(pfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
				return err_set(err, errno, "mark '%s' opaque",
					       *parent ? parent : "/");
			return 0;
		}
		if (str_has_prefix(name, WH_META))
			return 0; /* aufs metadata (hardlink dirs etc.) */
		name += strlen(WH_PREFIX);
		if (!*name || streq(name, ".") || streq(name, ".."))
			return err_set(err, 0, "bad whiteout '%s'", path);
		return make_node(u, pfd, name, S_IFCHR | 0, makedev(0, 0), err);
	}

	if (archive_entry_hardlink(e))
		return make_hardlink(u, pfd, name, err);
	switch (type) {
	case AE_IFREG:
		if (make_file(u, pfd, name, err) < 0)
			return -1;
		u->size += archive_entry_size(e);
		return 0;
	case AE_IFDIR:
		return make_dir(u, pfd, name, err);
	case AE_IFLNK:
		return make_symlink(u, pfd, name, err);
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		if (make_node(u, pfd, name, type | (archive_entry_perm(e) & 07777),
			      type == AE_IFIFO ? 0 : archive_entry_rdev(e), err) < 0)
			return -1;
		return finish_at(u, pfd, name, err);
	default:
		return 0; /* sockets and unknown types are skipped */
	}
}

static void fix_dir_times(struct unpack *u)
{
	size_t i = u->n_dirs;

	while (i-- > 0) {
		int fd = layer_open_beneath(u->rootfd, u->dirs[i].path, O_RDONLY | O_DIRECTORY);

		if (fd >= 0) {
			futimens(fd, u->dirs[i].ts);
			fs_close(fd);
		}
	}
}

static int tap_digest(void *arg, const void *data, size_t len, struct err **err)
{
	(void)err;
	digester_update(arg, data, len);
	return 0;
}

/* Unpack fd into dirfd; *size gets the bytes of the regular files applied. */
static int apply_stream(int fd, int dirfd, const char *expected_diff_id, int64_t *size,
			struct err **err)
{
	struct unpack u = {.rootfd = dirfd, .cache_fd = -1};

	u.path[0] = '\0';
	struct digester *d = digester_new();
	char got[DIGEST_STR_MAX];
	struct stream *st;
	int r, ret = -1;
	size_t i;

	st = stream_open_fd(fd, tap_digest, d, err);
	if (!st)
		goto out;
	u.tar = stream_tar(st);
	while ((r = archive_read_next_header(u.tar, &u.e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		if (apply_entry(&u, err) < 0) {
			stream_free(st);
			goto out;
		}
	}
	if (r != ARCHIVE_EOF) {
		stream_error(st, "read layer", err);
		stream_free(st);
		goto out;
	}
	if (stream_finish(st, err) < 0)
		goto out;
	fix_dir_times(&u);
	digester_final(d, got);
	if (expected_diff_id && !streq(got, expected_diff_id)) {
		err_set(err, 0, "diff id mismatch: expected %s got %s", expected_diff_id, got);
		goto out;
	}
	if (size)
		*size = u.size;
	ret = 0;
out:
	digester_free(d);
	cache_drop(&u);
	for (i = 0; i < u.n_dirs; i++)
		free(u.dirs[i].path);
	free(u.dirs);
	return ret;
}

int layer_apply_stream(int fd, int dirfd, const char *expected_diff_id, struct err **err)
{
	return apply_stream(fd, dirfd, expected_diff_id, NULL, err);
}

/* ---- layers/ ---- */

char *layer_diff_path(struct store *s, const char *chain_id)
{
	return xasprintf("%s/layers/%s/diff", s->root, digest_hex(chain_id));
}

bool layer_exists(struct store *s, const char *chain_id)
{
	struct stat st;

	return fstatat(s->layersfd, digest_hex(chain_id), &st, 0) == 0;
}

int64_t layer_size(struct store *s, const char *chain_id)
{
	cleanup_free char *name = xasprintf("%s/size", digest_hex(chain_id));
	cleanup_close int fd = openat(s->layersfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char buf[24], *end;
	ssize_t n;
	long long v;

	if (fd < 0)
		return -1; /* not unpacked, or unpacked before sizes were recorded */
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || end == buf || v < 0 || (*end && *end != '\n'))
		return -1;
	return (int64_t)v;
}

int layer_short_link(struct store *s, const char *chain_id, char out[SHORT_LINK_LEN + 1])
{
	(void)s;
	memcpy(out, digest_hex(chain_id), SHORT_LINK_LEN);
	out[SHORT_LINK_LEN] = '\0';
	return 0;
}

/* Remove leftovers of an unpack that died (we hold the layer's lock). */
static void remove_stale_tmp(struct store *s, const char *hex)
{
	cleanup_dir DIR *d = NULL;
	cleanup_free char *prefix = xasprintf(".tmp-%s-", hex);
	struct dirent *de;
	int fd = openat(s->layersfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		fs_close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (str_has_prefix(de->d_name, prefix))
			fs_rm_rfat(s->layersfd, de->d_name, NULL);
}

static int unpack_one(struct store *s, const char *blob, const char *diff_id, const char *chain_id,
		      struct err **err)
{
	const char *hex = digest_hex(chain_id);
	cleanup_free char *lockname = xasprintf(".lock-%s", hex);
	cleanup_free char *tmp = NULL;
	cleanup_free char *link_target = NULL;
	cleanup_close int lock = -1, tmpfd = -1, difffd = -1, blobfd = -1;
	char shortname[SHORT_LINK_LEN + 1], linkpath[SHORT_LINK_LEN + 3];
	char sizetext[24];
	const char *tmpname;
	int64_t size = 0;
	int ret = -1;

	if (layer_exists(s, chain_id))
		return 0;
	lock = lock_acquireat(s->layersfd, lockname, LOCK_MODE_EXCLUSIVE, true, err);
	if (lock < 0)
		return -1;
	if (layer_exists(s, chain_id))
		return 0;
	remove_stale_tmp(s, hex);
	tmp = xasprintf("%s/layers/.tmp-%s-XXXXXX", s->root, hex);
	if (!mkdtemp(tmp))
		return err_set(err, errno, "create '%s'", tmp);
	tmpname = strrchr(tmp, '/') + 1;
	tmpfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tmpfd < 0 || mkdirat(tmpfd, "diff", 0755) < 0) {
		err_set(err, errno, "create '%s/diff'", tmp);
		goto out;
	}
	difffd = openat(tmpfd, "diff", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (difffd < 0) {
		err_set(err, errno, "open '%s/diff'", tmp);
		goto out;
	}
	blobfd = layout_blob_open(&s->oci, blob, err);
	if (blobfd < 0)
		goto out;
	if (apply_stream(blobfd, difffd, diff_id, &size, err) < 0) {
		err_wrap(err, "unpack layer %s", blob);
		goto out;
	}
	layer_short_link(s, chain_id, shortname);
	{
		/* No fsync: the layer only becomes visible by the rename below. */
		cleanup_close int lfd =
		    openat(tmpfd, "link", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

		if (lfd < 0 || fs_write_all(lfd, shortname, SHORT_LINK_LEN) < 0) {
			err_set(err, errno, "write '%s/link'", tmp);
			goto out;
		}
	}
	snprintf(sizetext, sizeof(sizetext), "%lld\n", (long long)size);
	{
		/* Same rule as link: published by the rename. */
		cleanup_close int sfd =
		    openat(tmpfd, "size", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

		if (sfd < 0 || fs_write_all(sfd, sizetext, strlen(sizetext)) < 0) {
			err_set(err, errno, "write '%s/size'", tmp);
			goto out;
		}
	}
	snprintf(linkpath, sizeof(linkpath), "l/%s", shortname);
	link_target = xasprintf("../%s/diff", hex);
	if (symlinkat(link_target, s->layersfd, linkpath) < 0 && errno != EEXIST) {
		err_set(err, errno, "create link 'layers/%s'", linkpath);
		goto out;
	}
	if (renameat(s->layersfd, tmpname, s->layersfd, hex) < 0) {
		err_set(err, errno, "rename '%s' into place", tmp);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		fs_rm_rf(tmp, NULL);
	return ret;
}

struct unpack_job {
	struct store *s;
	const struct image *img;
	size_t *todo;
	size_t n_todo;
	size_t next;
	pthread_mutex_t mu;
	struct err *err;
};

static void *unpack_worker(void *arg)
{
	struct unpack_job *j = arg;

	for (;;) {
		struct err *e = NULL;
		size_t k;

		pthread_mutex_lock(&j->mu);
		if (j->next >= j->n_todo || j->err) {
			pthread_mutex_unlock(&j->mu);
			return NULL;
		}
		k = j->todo[j->next++];
		pthread_mutex_unlock(&j->mu);
		if (unpack_one(j->s, j->img->layers[k], j->img->diff_ids[k], j->img->chain_ids[k],
			       &e) < 0) {
			pthread_mutex_lock(&j->mu);
			if (!j->err)
				j->err = e;
			else
				err_free(e);
			pthread_mutex_unlock(&j->mu);
		}
	}
}

int layer_unpack_image(struct store *s, const struct image *img, struct err **err)
{
	struct unpack_job j = {.s = s, .img = img};
	pthread_t th[8];
	size_t n_threads, i, started = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	mode_t old = umask(0);

	j.todo = xcalloc(img->n_layers + 1, sizeof(*j.todo));
	for (i = 0; i < img->n_layers; i++)
		if (!layer_exists(s, img->chain_ids[i]))
			j.todo[j.n_todo++] = i;
	pthread_mutex_init(&j.mu, NULL);
	n_threads = cpus > 0 ? (size_t)cpus : 1;
	{
		/* KIST_UNPACK_JOBS: layers unpacked at once (default: one per CPU). */
		const char *jobs = getenv("KIST_UNPACK_JOBS");

		if (jobs && atoi(jobs) > 0)
			n_threads = (size_t)atoi(jobs);
	}
	if (n_threads > ARRAY_SIZE(th))
		n_threads = ARRAY_SIZE(th);
	if (n_threads > j.n_todo)
		n_threads = j.n_todo;
	for (i = 1; i < n_threads; i++)
		if (pthread_create(&th[started], NULL, unpack_worker, &j) == 0)
			started++;
	if (j.n_todo)
		unpack_worker(&j);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&j.mu);
	free(j.todo);
	umask(old);
	if (j.err) {
		if (err) {
			err_free(*err);
			*err = j.err;
		} else {
			err_free(j.err);
		}
		return -1;
	}
	return 0;
}

int layer_remove(struct store *s, const char *hex, struct err **err)
{
	cleanup_free char *lockname = xasprintf(".lock-%s", hex);
	cleanup_free char *dead = NULL;
	cleanup_close int lock = -1;
	char linkpath[SHORT_LINK_LEN + 3];
	struct stat st;

	lock = lock_acquireat(s->layersfd, lockname, LOCK_MODE_EXCLUSIVE, true, err);
	if (lock < 0)
		return -1;
	if (fstatat(s->layersfd, hex, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	dead = xasprintf(".del-%s", hex);
	fs_rm_rfat(s->layersfd, dead, NULL);
	if (renameat(s->layersfd, hex, s->layersfd, dead) < 0)
		return err_set(err, errno, "remove layer '%s'", hex);
	snprintf(linkpath, sizeof(linkpath), "l/%.*s", SHORT_LINK_LEN, hex);
	unlinkat(s->layersfd, linkpath, 0);
	return fs_rm_rfat(s->layersfd, dead, err);
}
