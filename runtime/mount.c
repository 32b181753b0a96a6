/* mount.c: the container's file system. */
#define _GNU_SOURCE
#include "runtime/mount.h"

#include <errno.h>         /* errno */
#include <dirent.h>        /* fdopendir */
#include <fcntl.h>         /* open */
#include <limits.h>        /* PATH_MAX */
#include <stdio.h>         /* FILE, getline */
#include <stdlib.h>        /* free */
#include <string.h>        /* strcmp */
#include <linux/mount.h>   /* MOUNT_ATTR_* */
#include <sys/mount.h>     /* mount */
#include <sys/stat.h>      /* mknod */
#include <sys/statvfs.h>   /* statvfs */
#include <sys/syscall.h>   /* SYS_pivot_root */
#include <sys/sysmacros.h> /* makedev */
#include <unistd.h>        /* chdir, symlinkat */
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/util.h"
#include "runtime/cgroup.h"

static const struct {
	const char *name;
	bool clear;
	unsigned long flag;
} mount_flags[] = {
    {"async", true, MS_SYNCHRONOUS},
    {"atime", true, MS_NOATIME},
    {"defaults", false, 0},
    {"dev", true, MS_NODEV},
    {"diratime", true, MS_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC},
    {"exec", true, MS_NOEXEC},
    {"iversion", false, MS_I_VERSION},
    {"lazytime", false, MS_LAZYTIME},
    {"loud", true, MS_SILENT},
    {"mand", false, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"nodev", false, MS_NODEV},
    {"nodiratime", false, MS_NODIRATIME},
    {"noexec", false, MS_NOEXEC},
    {"noiversion", true, MS_I_VERSION},
    {"nolazytime", true, MS_LAZYTIME},
    {"nomand", true, MS_MANDLOCK},
    {"norelatime", true, MS_RELATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"nosuid", false, MS_NOSUID},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"relatime", false, MS_RELATIME},
    {"remount", false, MS_REMOUNT},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"silent", false, MS_SILENT},
    {"strictatime", false, MS_STRICTATIME},
    {"suid", true, MS_NOSUID},
    {"symfollow", true, MS_NOSYMFOLLOW},
    {"sync", false, MS_SYNCHRONOUS},
};

static const struct {
	const char *name;
	unsigned long flag;
} propagations[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

static const struct {
	const char *name;
	bool clear;
	unsigned long long attr;
} rec_attrs[] = {
    {"rro", false, MOUNT_ATTR_RDONLY},
    {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},
    {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rnodev", false, MOUNT_ATTR_NODEV},
    {"rdev", true, MOUNT_ATTR_NODEV},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},
    {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rrelatime", false, MOUNT_ATTR_RELATIME},
    {"rnoatime", false, MOUNT_ATTR_NOATIME},
    {"rstrictatime", false, MOUNT_ATTR_STRICTATIME},
    {"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
};

void rt_mount_parse_options(char *const *options, struct rt_mount_opts *o)
{
	struct buf data = BUF_INIT;

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; options && options[i]; i++) {
		const char *opt = options[i];
		bool known = false;

		if (streq(opt, "bind")) {
			o->bind = true;
			continue;
		}
		if (streq(opt, "rbind")) {
			o->bind = o->rbind = true;
			continue;
		}
		if (streq(opt, "tmpcopyup")) {
			o->tmpcopyup = true;
			continue;
		}
		if (streq(opt, "idmap") || streq(opt, "ridmap"))
			continue;
		for (size_t j = 0; j < ARRAY_SIZE(mount_flags) && !known; j++) {
			if (!streq(mount_flags[j].name, opt))
				continue;
			known = true;
			if (mount_flags[j].clear) {
				o->flags &= ~mount_flags[j].flag;
				o->clear |= mount_flags[j].flag;
			} else {
				o->flags |= mount_flags[j].flag;
				o->clear &= ~mount_flags[j].flag;
			}
		}
		/* recursive variants (rro, rnosuid...): mount_setattr(AT_RECURSIVE) */
		for (size_t j = 0; j < ARRAY_SIZE(rec_attrs) && !known; j++) {
			if (!streq(rec_attrs[j].name, opt))
				continue;
			known = true;
			if (rec_attrs[j].clear) {
				o->rec_clr |= rec_attrs[j].attr;
				o->rec_set &= ~rec_attrs[j].attr;
			} else {
				o->rec_set |= rec_attrs[j].attr;
				o->rec_clr &= ~rec_attrs[j].attr;
				if (rec_attrs[j].attr & MOUNT_ATTR__ATIME)
					o->rec_clr |= MOUNT_ATTR__ATIME;
			}
		}
		for (size_t j = 0; j < ARRAY_SIZE(propagations) && !known; j++) {
			if (streq(propagations[j].name, opt)) {
				known = true;
				o->propagation = propagations[j].flag;
			}
		}
		if (!known) {
			if (data.len)
				buf_addch(&data, ',');
			buf_adds(&data, opt);
		}
	}
	o->data = data.len ? buf_detach(&data, NULL) : NULL;
	buf_release(&data);
}

/* ---- target resolution inside the rootfs ---- */

/* An O_PATH fd for dest inside rootfd, created as a directory (dir=true) or
 * an empty file when missing. */
/* When dest's last component is a symlink whose target is missing (a
 * dangling /etc/resolv.conf in an image), the path it points to, to be made
 * instead (as runc's securejoin does); NULL otherwise. */
static char *dangling_target(int rootfd, const char *dest)
{
	cleanup_free char *parent = xstrdup(dest);
	char *slash = strrchr(parent, '/');
	cleanup_close int pfd = -1, t = -1;
	char link[PATH_MAX];
	ssize_t n;

	if (!slash || !slash[1])
		return NULL;
	*slash = 0;
	pfd = fs_open_in_root(rootfd, *parent ? parent : "/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
			      NULL);
	if (pfd < 0)
		return NULL;
	n = readlinkat(pfd, slash + 1, link, sizeof(link) - 1);
	if (n <= 0)
		return NULL;
	link[n] = 0;
	t = fs_open_in_root(rootfd, dest, O_PATH | O_CLOEXEC, 0, NULL);
	if (t >= 0)
		return NULL; /* not dangling */
	return link[0] == '/' ? xstrdup(link) : xasprintf("%s/%s", parent, link);
}

static int make_target_at(int rootfd, const char *dest, bool dir, int depth, struct err **err)
{
	cleanup_free char *next = NULL;
	int fd;

	/* most targets exist (through any symlinks, inside the root): one call */
	fd = fs_open_in_root(rootfd, dest, O_PATH | O_CLOEXEC | (dir ? O_DIRECTORY : 0), 0, NULL);
	if (fd >= 0)
		return fd;
	next = depth < 40 ? dangling_target(rootfd, dest) : NULL;
	if (next) {
		/* make what the dangling symlink points to, inside the root */
		fd = make_target_at(rootfd, next, dir, depth + 1, err);
		if (fd < 0)
			return -1;
		fs_close(fd);
	}
	if (dir)
		return fs_mkdir_p_in_root(rootfd, dest, 0755, err);
	fd = fs_open_in_root(rootfd, dest, O_PATH | O_CLOEXEC, 0, NULL);
	if (fd >= 0)
		return fd;
	{
		cleanup_free char *parent = xstrdup(dest);
		char *slash = strrchr(parent, '/');
		cleanup_close int pfd = -1, f = -1;
		if (slash && slash != parent) {
			*slash = 0;
			pfd = fs_mkdir_p_in_root(rootfd, parent, 0755, err);
			if (pfd < 0)
				return -1;
		}
		f = fs_open_in_root(rootfd, dest, O_CREAT | O_RDONLY | O_CLOEXEC | O_NOCTTY, 0644,
				    err);
		if (f < 0)
			return -1;
	}
	return fs_open_in_root(rootfd, dest, O_PATH | O_CLOEXEC, 0, err);
}

static int make_target(int rootfd, const char *dest, bool dir, struct err **err)
{
	return make_target_at(rootfd, dest, dir, 0, err);
}

/* The flags of the mount at path that a remount must keep (locked in a userns). */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

static int do_mount(const char *src, const char *target, const char *type, unsigned long flags,
		    const char *data, const char *what, struct err **err)
{
	if (mount(src, target, type, flags, data) < 0)
		return err_set(err, errno, "%s", what);
	return 0;
}

/* cgroup mounts: cgroup2 on a unified host; on v1 and hybrid hosts a tmpfs
 * with one cgroup mount per hierarchy, as the host has them. */
/* Bind the container's own cgroup directory src on t (read-only if asked). */
static int bind_cgroup(const char *src, int rootfd, const char *dest, const char *t,
		       unsigned long flags, const char *what, struct err **err)
{
	if (do_mount(src, t, NULL, MS_BIND | MS_REC, NULL, what, err) < 0)
		return -1;
	if (flags & MS_RDONLY) {
		/* t may name the directory under the new mount: reopen */
		cleanup_close int fd = fs_open_in_root(rootfd, dest, O_PATH | O_CLOEXEC, 0, err);
		cleanup_free char *t2 = NULL;
		if (fd < 0)
			return -1;
		t2 = fs_fd_path(fd);
		return do_mount(NULL, t2, NULL,
				MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				NULL, what, err);
	}
	return 0;
}

/* cgroup mounts.  With a cgroup namespace of its own the container mounts
 * the hierarchies (cgroup2 on a unified host; on v1 and hybrid hosts a tmpfs
 * with one mount per host hierarchy); without one (or when a user namespace
 * may not mount them) it gets binds of its own cgroup directories, as runc
 * does, so it never sees the host's tree. */
static int mount_cgroup(int rootfd, const struct spec_mount *m, const char *target,
			const struct rt_mount_opts *o, const char *cgpath, bool own_ns,
			const char *what, struct err **err)
{
	size_t n = 0;
	const struct rt_cgroup_hier *h = rt_cgroup_hierarchies(&n);
	unsigned long fl = (o->flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC;

	if (!rt_cgroup_has_v1()) {
		cleanup_free char *src = NULL;
		if (own_ns && mount("cgroup2", target, "cgroup2", o->flags, NULL) == 0)
			return 0;
		if (own_ns && errno != EPERM)
			return err_set(err, errno, "%s", what);
		for (size_t i = 0; i < n; i++)
			if (h[i].v2)
				src = xasprintf("%s%s", h[i].mountpoint, cgpath);
		if (!src)
			return err_set(err, ENOENT, "%s: no cgroup2 mount on the host", what);
		return bind_cgroup(src, rootfd, m->destination, target, o->flags, what, err);
	}
	if (do_mount("tmpfs", target, "tmpfs", fl, "mode=755", what, err) < 0)
		return -1;
	/* target names the directory under the new tmpfs: open the tmpfs.  It
	 * is ours and nothing of the container runs yet, so the hierarchies'
	 * directories and mounts go in by plain names under it. */
	cleanup_close int tfd =
	    fs_open_in_root(rootfd, m->destination, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, err);
	if (tfd < 0)
		return -1;
	cleanup_free char *troot = fs_fd_path(tfd);
	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(h[i].mountpoint, '/') + 1;
		cleanup_free char *src = xasprintf("%s%s", h[i].mountpoint, cgpath);
		cleanup_free char *sub = xasprintf("%s/%s", m->destination, base);
		cleanup_free char *t = xasprintf("%s/%s", troot, base);
		bool mounted = false;

		if (!own_ns && !fs_exists(src))
			continue; /* a named hierarchy (name=systemd): no cgroup of ours there */
		if (mkdirat(tfd, base, 0755) < 0 && errno != EEXIST)
			return err_set(err, errno, "%s: make '%s'", what, base);
		if (own_ns) {
			if (mount(h[i].v2 ? "cgroup2" : "cgroup", t, h[i].v2 ? "cgroup2" : "cgroup",
				  o->flags, h[i].v2 ? NULL : h[i].options) == 0)
				mounted = true;
			else if (errno != EPERM)
				return err_set(err, errno, "%s", what);
			else if (!fs_exists(src))
				continue;
		}
		if (!mounted && bind_cgroup(src, rootfd, sub, t, o->flags, what, err) < 0)
			return -1;
		/* cpu,cpuacct mounted together: links named after each controller */
		if (h[i].options && strchr(h[i].options, ',')) {
			cleanup_free char *opts = xstrdup(h[i].options);
			char *save = NULL;
			for (char *c = strtok_r(opts, ",", &save); c;
			     c = strtok_r(NULL, ",", &save))
				if (!streq(c, base) && !str_has_prefix(c, "name=") &&
				    symlinkat(base, tfd, c) < 0 && errno != EEXIST)
					return err_set(err, errno, "%s: link '%s'", what, c);
		}
	}
	if (o->flags & MS_RDONLY)
		return do_mount(NULL, troot, NULL, MS_REMOUNT | MS_RDONLY | fl, "mode=755", what,
				err);
	return 0;
}

/* tmpcopyup: copy the directory the tmpfs now hides (from, a dirfd opened
 * before the mount) into it (to): files, directories, symlinks, with modes
 * and owners. */
static int copy_tree(int from, int to, const char *what, struct err **err)
{
	cleanup_dir DIR *d = NULL;
	struct dirent *de;
	int dup_from = dup(from);

	if (dup_from < 0 || !(d = fdopendir(dup_from))) {
		fs_close(dup_from);
		return err_set(err, errno, "%s: tmpcopyup: read the directory", what);
	}
	while ((de = readdir(d))) {
		struct stat st;
		const char *n = de->d_name;
		if (streq(n, ".") || streq(n, ".."))
			continue;
		if (fstatat(from, n, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return err_set(err, errno, "%s: tmpcopyup: stat '%s'", what, n);
		if (S_ISDIR(st.st_mode)) {
			cleanup_close int s = -1, t = -1;
			if (mkdirat(to, n, st.st_mode & 07777) < 0 && errno != EEXIST)
				return err_set(err, errno, "%s: tmpcopyup: mkdir '%s'", what, n);
			s = openat(from, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			t = openat(to, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s < 0 || t < 0 || copy_tree(s, t, what, err) < 0)
				return s < 0 || t < 0
					   ? err_set(err, errno, "%s: tmpcopyup: '%s'", what, n)
					   : -1;
		} else if (S_ISLNK(st.st_mode)) {
			char link[PATH_MAX];
			ssize_t l = readlinkat(from, n, link, sizeof(link) - 1);
			if (l < 0)
				return err_set(err, errno, "%s: tmpcopyup: readlink '%s'", what, n);
			link[l] = 0;
			if (symlinkat(link, to, n) < 0)
				return err_set(err, errno, "%s: tmpcopyup: symlink '%s'", what, n);
		} else if (S_ISREG(st.st_mode)) {
			cleanup_close int s = openat(from, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			cleanup_close int t = openat(to, n, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
						     st.st_mode & 07777);
			char buf[65536];
			ssize_t r;
			if (s < 0 || t < 0)
				return err_set(err, errno, "%s: tmpcopyup: copy '%s'", what, n);
			while ((r = read(s, buf, sizeof(buf))) > 0)
				if (fs_write_all(t, buf, (size_t)r) < 0)
					return err_set(err, errno, "%s: tmpcopyup: copy '%s'", what,
						       n);
			if (r < 0)
				return err_set(err, errno, "%s: tmpcopyup: copy '%s'", what, n);
		} else {
			continue; /* devices, fifos, sockets: not copied */
		}
		if (fchownat(to, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno != EPERM && errno != EINVAL)
			return err_set(err, errno, "%s: tmpcopyup: chown '%s'", what, n);
		if (!S_ISLNK(st.st_mode) && fchmodat(to, n, st.st_mode & 07777, 0) < 0)
			return err_set(err, errno, "%s: tmpcopyup: chmod '%s'", what, n);
	}
	return 0;
}

/* A tmpfs, or any file system on /dev, asked read-only. */
static bool ro_later(const struct spec_mount *m)
{
	struct rt_mount_opts o;
	bool ro, bind = m->type && streq(m->type, "bind");

	if (bind || !m->type || !(streq(m->type, "tmpfs") || streq(m->destination, "/dev")))
		return false;
	rt_mount_parse_options(m->options, &o);
	ro = o.flags & MS_RDONLY;
	free(o.data);
	return ro && !o.bind;
}

static bool has_mode_option(const char *data)
{
	return str_has_prefix(data, "mode=") || strstr(data, ",mode=");
}

/* proc and sysfs go on an ordinary directory only, as runc: a symlink (or a
 * file) there in the image is refused rather than followed. */
static bool not_a_directory(int rootfd, const char *dest, const char *what, struct err **err)
{
	cleanup_close int fd =
	    fs_open_in_root(rootfd, dest, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0, NULL);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || S_ISDIR(st.st_mode))
		return false; /* missing: made as a directory */
	err_set(err, 0, "%s: must be mounted on ordinary directory ('%s' in the rootfs is a %s)",
		what, dest, S_ISLNK(st.st_mode) ? "symlink" : "file");
	return true;
}

static int mount_one(int rootfd, const struct spec_mount *m, size_t idx, bool userns,
		     const char *cgpath, bool own_cgns, struct err **err)
{
	struct rt_mount_opts o;
	cleanup_free char *what = NULL, *target = NULL;
	cleanup_close int fd = -1;
	bool dir = true;
	int ret = -1;

	rt_mount_parse_options(m->options, &o);
	if (m->type && streq(m->type, "bind"))
		o.bind = true;
	what = xasprintf("'mounts[%zu]': mount %s on '%s'", idx,
			 o.bind ? "bind" : (m->type ? m->type : "none"), m->destination);
	if (m->type && (streq(m->type, "proc") || streq(m->type, "sysfs")) &&
	    not_a_directory(rootfd, m->destination, what, err))
		goto out;
	if (o.bind) {
		struct stat st;
		if (stat(m->source, &st) < 0) {
			err_set(err, errno, "%s: source '%s'", what, m->source);
			goto out;
		}
		dir = S_ISDIR(st.st_mode);
	}
	if (m->type && streq(m->type, "tmpfs") && !(o.data && has_mode_option(o.data))) {
		/* a tmpfs on a directory of the image takes its mode (runc) */
		cleanup_close int efd =
		    fs_open_in_root(rootfd, m->destination, O_PATH | O_CLOEXEC, 0, NULL);
		struct stat est;
		if (efd >= 0 && fstat(efd, &est) == 0 && S_ISDIR(est.st_mode)) {
			char *d = xasprintf("%s%smode=%o", o.data ? o.data : "", o.data ? "," : "",
					    (unsigned)(est.st_mode & 07777));
			free(o.data);
			o.data = d;
		}
	}
	fd = make_target(rootfd, m->destination, dir, err);
	if (fd < 0) {
		err_wrap(err, "%s", what);
		goto out;
	}
	target = fs_fd_path(fd);
	if (o.bind) {
		unsigned long fl = MS_BIND | (o.rbind ? MS_REC : 0);
		if (do_mount(m->source, target, NULL, fl, NULL, what, err) < 0)
			goto out;
		/* the bind itself ignores flags: remount to apply them */
		if (o.flags & ~(MS_REMOUNT)) {
			cleanup_close int nfd =
			    fs_open_in_root(rootfd, m->destination, O_PATH | O_CLOEXEC, 0, err);
			cleanup_free char *t2 = NULL;
			if (nfd < 0)
				goto out;
			t2 = fs_fd_path(nfd);
			fl = MS_REMOUNT | MS_BIND | o.flags | (userns ? locked_flags(t2) : 0);
			fl &= ~o.clear | (userns ? locked_flags(t2) : 0);
			if (do_mount(NULL, t2, NULL, fl, NULL, what, err) < 0)
				goto out;
		}
		if (o.rec_set || o.rec_clr) {
			struct mount_attr attr = {.attr_set = o.rec_set, .attr_clr = o.rec_clr};
			cleanup_close int rfd =
			    fs_open_in_root(rootfd, m->destination, O_PATH | O_CLOEXEC, 0, err);
			if (rfd < 0)
				goto out;
			if (syscall(SYS_mount_setattr, rfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
				    sizeof(attr)) < 0) {
				err_set(err, errno, "%s: recursive mount options", what);
				goto out;
			}
		}
	} else if (m->type && streq(m->type, "cgroup")) {
		if (mount_cgroup(rootfd, m, target, &o, cgpath, own_cgns, what, err) < 0)
			goto out;
	} else {
		const char *type = m->type ? m->type : "none";
		cleanup_close int below = -1;
		if (o.tmpcopyup && streq(type, "tmpfs")) {
			below = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (below < 0) {
				err_set(err, errno, "%s: tmpcopyup: open the directory", what);
				goto out;
			}
		}
		unsigned long fl = o.flags;
		/* files are made in /dev and in a tmpfs after it is mounted:
		 * read-only comes in rt_mount_finish_root (as runc) */
		if (ro_later(m))
			fl &= ~(unsigned long)MS_RDONLY;
		if (mount(m->source ? m->source : type, target, type, fl, o.data) < 0) {
			int e = errno;
			/* sysfs needs a network namespace owned by our userns, mqueue
			 * an ipc one: fall back to binding the host's, as runc does */
			if (e == EPERM && (streq(type, "sysfs") || streq(type, "mqueue"))) {
				const char *src = streq(type, "sysfs") ? "/sys" : "/dev/mqueue";
				if (do_mount(src, target, NULL, MS_BIND | MS_REC, NULL, what, err) <
				    0)
					goto out;
			} else {
				err_set(err, e, "%s", what);
				goto out;
			}
		}
		if (below >= 0) {
			cleanup_close int top = fs_open_in_root(
			    rootfd, m->destination, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, err);
			if (top < 0 || copy_tree(below, top, what, err) < 0)
				goto out;
		}
	}
	if (o.propagation) {
		cleanup_close int pfd =
		    fs_open_in_root(rootfd, m->destination, O_PATH | O_CLOEXEC, 0, err);
		cleanup_free char *t3 = NULL;
		if (pfd < 0)
			goto out;
		t3 = fs_fd_path(pfd);
		if (do_mount(NULL, t3, NULL, o.propagation, NULL, what, err) < 0)
			goto out;
	}
	ret = 0;
out:
	free(o.data);
	return ret;
}

/* ---- /dev ---- */

static const struct {
	const char *name;
	unsigned maj, min;
} default_devices[] = {
    {"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

/* The device node name in the directory dfd (open for reading, not O_PATH:
 * mknodat refuses those); path is where that is in the container. */
static int make_device_at(int dfd, const char *name, const char *path, char type, unsigned maj,
			  unsigned min, mode_t mode, uid_t uid, gid_t gid, bool userns,
			  struct err **err)
{
	mode_t t = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;

	if (userns) {
		/* no mknod in a user namespace: the host's node is bound
		 * (nosuid, noexec, as runc); one the host lacks is left out */
		cleanup_close int f = -1;
		cleanup_free char *t2 = NULL;
		struct stat hs;
		if (stat(path, &hs) < 0 ||
		    !(S_ISCHR(hs.st_mode) || S_ISBLK(hs.st_mode) || S_ISFIFO(hs.st_mode))) {
			log_debug("device '%s': not on the host, left out of the container", path);
			return 0;
		}
		f = openat(dfd, name, O_CREAT | O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (f < 0 && errno != EEXIST)
			return err_set(err, errno, "create '%s'", path);
		fs_close(f);
		f = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (f < 0)
			return err_set(err, errno, "open '%s'", path);
		t2 = fs_fd_path(f);
		if (mount(path, t2, NULL, MS_BIND, NULL) < 0)
			return err_set(err, errno, "bind device '%s'", path);
		/* the remount goes to the bind, opened anew */
		fs_close(f);
		free(t2);
		f = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (f < 0)
			return err_set(err, errno, "open '%s'", path);
		t2 = fs_fd_path(f);
		if (mount(NULL, t2, NULL,
			  MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NOEXEC | locked_flags(t2),
			  NULL) < 0)
			return err_set(err, errno, "make device '%s' nosuid, noexec", path);
		return 0;
	}
	if (mknodat(dfd, name, t | (mode & 07777), makedev(maj, min)) < 0 &&
	    (errno != EEXIST || unlinkat(dfd, name, 0) < 0 ||
	     mknodat(dfd, name, t | (mode & 07777), makedev(maj, min)) < 0))
		return err_set(err, errno, "mknod '%s'", path);
	if (fchmodat(dfd, name, mode & 07777, 0) < 0 ||
	    fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(err, errno, "set owner and mode of '%s'", path);
	return 0;
}

/* Open the directory at path in the container (made if missing) for
 * make_device_at. */
static int open_dev_dir(int rootfd, const char *path, struct err **err)
{
	cleanup_close int pfd = fs_mkdir_p_in_root(rootfd, path, 0755, err);
	cleanup_free char *p = NULL;
	int fd;

	if (pfd < 0)
		return -1;
	p = fs_fd_path(pfd);
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", path);
	return fd;
}

static int make_device(int rootfd, const char *path, char type, unsigned maj, unsigned min,
		       mode_t mode, uid_t uid, gid_t gid, bool userns, struct err **err)
{
	cleanup_free char *parent = xstrdup(path);
	char *slash = strrchr(parent, '/');
	cleanup_close int dfd = -1;

	*slash = 0;
	dfd = open_dev_dir(rootfd, *parent ? parent : "/", err);
	if (dfd < 0)
		return -1;
	return make_device_at(dfd, slash + 1, path, type, maj, min, mode, uid, gid, userns, err);
}

static bool dev_is_bind(const struct spec_config *c)
{
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct spec_mount *m = &c->mounts[i];
		if (!streq(m->destination, "/dev"))
			continue;
		if (m->type && streq(m->type, "bind"))
			return true;
		for (size_t j = 0; m->options && m->options[j]; j++)
			if (streq(m->options[j], "bind") || streq(m->options[j], "rbind"))
				return true;
	}
	return false;
}

static int setup_dev(const struct spec_config *c, int rootfd, bool userns, struct err **err)
{
	static const struct {
		const char *target, *link;
	} links[] = {
	    {"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"},
	    {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
	    {"pts/ptmx", "ptmx"},
	};
	cleanup_close int dev = -1;

	if (!dev_is_bind(c)) {
		dev = open_dev_dir(rootfd, "/dev", err);
		if (dev < 0)
			return -1;
		for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++) {
			cleanup_free char *p = xasprintf("/dev/%s", default_devices[i].name);
			if (make_device_at(dev, default_devices[i].name, p, 'c',
					   default_devices[i].maj, default_devices[i].min, 0666, 0,
					   0, userns, err) < 0)
				return err_wrap(err, "create default devices");
		}
		for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
			if (streq(links[i].link, "ptmx"))
				unlinkat(dev, "ptmx", 0);
			if (symlinkat(links[i].target, dev, links[i].link) < 0 && errno != EEXIST)
				return err_set(err, errno, "create link /dev/%s", links[i].link);
		}
		if (fs_exists("/proc/kcore"))
			if (symlinkat("/proc/kcore", dev, "core") < 0 && errno != EEXIST) {
			}
		mkdirat(dev, "shm", 01777);
		mkdirat(dev, "pts", 0755);
	}
	for (size_t i = 0; i < c->n_devices; i++) {
		const struct spec_device *d = &c->devices[i];
		if (make_device(rootfd, d->path, d->type == 'u' ? 'c' : d->type, (unsigned)d->major,
				(unsigned)d->minor, d->has_mode ? d->file_mode : 0666,
				d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0, userns, err) < 0)
			return err_wrap(err, "'linux.devices[%zu]'", i);
	}
	return 0;
}

/* linux.rootfsPropagation as mount flags, 0 when not set. */
static unsigned long root_propagation(const struct spec_config *c)
{
	for (size_t i = 0; c->rootfs_propagation && i < ARRAY_SIZE(propagations); i++)
		if (streq(propagations[i].name, c->rootfs_propagation))
			return propagations[i].flag;
	return 0;
}

/* shared and unbindable are applied to the container's "/" after
 * pivot_root (rt_mount_finish_root): pivot_root refuses a shared root, a
 * bind of the rootfs an unbindable one, and a shared "/" set before the
 * pivot would be the host's peer (runc does the same). */
static bool propagation_after_pivot(unsigned long prop)
{
	return prop & (MS_SHARED | MS_UNBINDABLE);
}

int rt_mount_prepare_root(const struct spec_config *c, const char *rootfs, struct err **err)
{
	unsigned long prop = root_propagation(c);

	if (!prop || propagation_after_pivot(prop))
		prop = MS_SLAVE | MS_REC;
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return err_set(err, errno, "set propagation of '/'");
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_set(err, errno, "bind rootfs '%s'", rootfs);
	/* pivot_root refuses a shared parent: keep the new root's own mount private */
	if (mount(NULL, rootfs, NULL, MS_PRIVATE, NULL) < 0)
		return err_set(err, errno, "make rootfs '%s' private", rootfs);
	return 0;
}

int rt_mount_all(const struct spec_config *c, const char *rootfs, bool userns,
		 const char *cgroup_path, struct err **err)
{
	cleanup_close int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	const struct spec_namespace *cgns = spec_config_ns(c, SPEC_NS_CGROUP);
	bool own_cgns = cgns && !cgns->path;

	if (rootfd < 0)
		return err_set(err, errno, "open rootfs '%s'", rootfs);
	{
		/* the device nodes would go where the image points /dev (inside
		 * the rootfs: links resolve there, but still not /dev): refused,
		 * as crun */
		struct stat ds;
		if (fstatat(rootfd, "dev", &ds, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(ds.st_mode))
			return err_set(err, 0, "rootfs '%s': '/dev' is a symlink", rootfs);
	}
	for (size_t i = 0; i < c->n_mounts; i++)
		if (mount_one(rootfd, &c->mounts[i], i, userns, cgroup_path, own_cgns, err) < 0)
			return -1;
	return setup_dev(c, rootfd, userns, err);
}

int rt_mount_pivot(const char *rootfs, bool no_pivot, struct err **err)
{
	cleanup_close int oldroot = -1, newroot = -1;

	if (no_pivot) {
		if (chdir(rootfs) < 0)
			return err_set(err, errno, "chdir '%s'", rootfs);
		if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
			return err_set(err, errno, "move rootfs to '/'");
		if (chroot(".") < 0)
			return err_set(err, errno, "chroot");
		if (chdir("/") < 0)
			return err_set(err, errno, "chdir '/'");
		return 0;
	}
	oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (oldroot < 0 || newroot < 0)
		return err_set(err, errno, "open old or new root");
	if (fchdir(newroot) < 0)
		return err_set(err, errno, "chdir '%s'", rootfs);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return err_set(err, errno, "pivot_root into '%s'", rootfs);
	if (fchdir(oldroot) < 0)
		return err_set(err, errno, "chdir to the old root");
	/* keep the unmount from reaching the host */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return err_set(err, errno, "make the old root a slave");
	if (umount2(".", MNT_DETACH) < 0)
		return err_set(err, errno, "detach the old root");
	if (chdir("/") < 0)
		return err_set(err, errno, "chdir '/'");
	return 0;
}

int rt_mount_protect(const struct spec_config *c, struct err **err)
{
	const char *masking = NULL; /* the read-only tmpfs masking directories */

	for (size_t i = 0; c->masked_paths && c->masked_paths[i]; i++) {
		const char *p = c->masked_paths[i];
		struct stat st;
		/* After pivot_root a symlink resolves inside the container's
		 * root, so following it (as runc does) masks what it points to
		 * there and cannot reach the host. */
		if (stat(p, &st) < 0) {
			if (errno == ENOENT)
				continue;
			return err_set(err, errno, "'linux.maskedPaths[%zu]': stat '%s'", i, p);
		}
		if (S_ISDIR(st.st_mode)) {
			/* one empty read-only tmpfs, bound on every directory
			 * after the first (as runc 1.2: one superblock) */
			if (masking ? mount(masking, p, NULL, MS_BIND, NULL) < 0
				    : mount("tmpfs", p, "tmpfs", MS_RDONLY, NULL) < 0)
				return err_set(err, errno, "'linux.maskedPaths[%zu]': mask '%s'", i,
					       p);
			if (!masking)
				masking = p;
		} else if (mount("/dev/null", p, NULL, MS_BIND, NULL) < 0) {
			return err_set(err, errno, "'linux.maskedPaths[%zu]': mask '%s'", i, p);
		}
	}
	for (size_t i = 0; c->readonly_paths && c->readonly_paths[i]; i++) {
		const char *p = c->readonly_paths[i];
		struct stat st;
		if (stat(p, &st) < 0) {
			if (errno == ENOENT)
				continue;
			return err_set(err, errno, "'linux.readonlyPaths[%zu]': stat '%s'", i, p);
		}
		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(p), NULL) <
			0)
			return err_set(err, errno,
				       "'linux.readonlyPaths[%zu]': make '%s' read-only", i, p);
	}
	return 0;
}

int rt_mount_finish_root(const struct spec_config *c, struct err **err)
{
	unsigned long prop = root_propagation(c);

	if (propagation_after_pivot(prop) && mount(NULL, "/", NULL, prop, NULL) < 0)
		return err_set(err, errno, "'linux.rootfsPropagation': set '%s' on '/'",
			       c->rootfs_propagation);
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct spec_mount *m = &c->mounts[i];
		if (!ro_later(m))
			continue;
		if (mount(NULL, m->destination, NULL,
			  MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(m->destination),
			  NULL) < 0)
			return err_set(err, errno, "'mounts[%zu]': make '%s' read-only", i,
				       m->destination);
	}
	if (!c->root_readonly)
		return 0;
	if (mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags("/"), NULL) < 0)
		return err_set(err, errno, "make the root file system read-only");
	return 0;
}

int rt_mount_console(const char *slave_path, struct err **err)
{
	cleanup_close int fd =
	    open("/dev/console", O_CREAT | O_RDONLY | O_NOCTTY | O_CLOEXEC, 0600);

	if (fd < 0)
		return err_set(err, errno, "create /dev/console");
	if (mount(slave_path, "/dev/console", NULL, MS_BIND, NULL) < 0)
		return err_set(err, errno, "bind '%s' on /dev/console", slave_path);
	return 0;
}
