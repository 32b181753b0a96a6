/* mounts.c: RUN --mount (BuildKit's syntax).  type=cache is a directory
 * under ROOT/build-cache/mounts kept across builds and never in the image,
 * with sharing=shared|private|locked as flock(2) locks; type=bind mounts a
 * path of the context or of a stage/image (read-only, or with rw an overlay
 * whose writes are thrown away); type=tmpfs a tmpfs.  The mounts are added
 * to the RUN container's config.json; what the runtime makes in the rootfs
 * for their targets is removed before the commit, as BuildKit does. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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
#include "common/json.h"
#include "common/lock.h"
#include "common/util.h"

void rmounts_release(struct rmounts *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct rmount *r = &m->v[i];

		free(r->target);
		free(r->source);
		free(r->from);
		free(r->id);
		free(r->host);
		free(r->tmp);
		free(r->stub);
		if (r->lockfd >= 0)
			lock_release(r->lockfd);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* A target: relative ones are under the WORKDIR; cleaned. */
static char *abs_target(const char *t, const char *workdir)
{
	cleanup_free char *p =
	    t[0] == '/' ? xstrdup(t) : xasprintf("%s/%s", workdir && *workdir ? workdir : "", t);
	struct buf out = BUF_INIT;
	char *save = NULL;

	for (char *c = strtok_r(p, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (streq(c, "."))
			continue;
		if (streq(c, "..")) {
			char *slash = out.len ? strrchr(out.data, '/') : NULL;
			if (slash) {
				out.len = (size_t)(slash - out.data);
				*slash = '\0';
			}
			continue;
		}
		buf_addf(&out, "/%s", c);
	}
	if (!out.len)
		buf_addch(&out, '/');
	return buf_detach(&out, NULL);
}

/* The parser's form (df_mount_parse: docker's fields, defaults and
 * errors) made into what a RUN mounts. */
static int from_df(struct df_mount *m, const char *workdir, struct rmount *r, struct err **err)
{
	const char *type = df_mount_type_name(m->type);

	r->mode = m->has_mode ? (long)m->mode : -1;
	r->uid = m->has_uid ? (long)m->uid : -1;
	r->gid = m->has_gid ? (long)m->gid : -1;
	r->lockfd = -1;
	switch (m->type) {
	case DF_MOUNT_BIND:
		r->type = RMOUNT_BIND;
		break;
	case DF_MOUNT_CACHE:
		r->type = RMOUNT_CACHE;
		break;
	case DF_MOUNT_TMPFS:
		r->type = RMOUNT_TMPFS;
		break;
	default:
		return err_set_code(err, ENOTSUP, "mount type %s is not supported", type);
	}
	if (!m->target || !*m->target)
		return err_set_code(err, EINVAL, "mount %s: target is required", type);
	r->target = abs_target(m->target, workdir);
	if (streq(r->target, "/"))
		return err_set_code(err, EINVAL, "mount %s: target cannot be /", type);
	if (r->type == RMOUNT_CACHE && (m->from || m->source))
		return err_set_code(err, ENOTSUP,
				    "mount cache: from= and source= are not supported");
	r->source = m->source, m->source = NULL;
	r->from = m->from, m->from = NULL;
	r->id = m->id, m->id = NULL;
	if (r->type == RMOUNT_CACHE && !r->id)
		r->id = xstrdup(r->target);
	r->sharing = m->sharing == DF_SHARING_PRIVATE ? 1 : m->sharing == DF_SHARING_LOCKED ? 2 : 0;
	r->size = m->size > 0 ? (uint64_t)m->size : 0;
	r->rw = r->type == RMOUNT_TMPFS || !m->readonly;
	return 0;
}

int rmounts_parse(const struct df_instr *in, char *const *vars, char escape, const char *workdir,
		  struct rmounts *out, struct err **err)
{
	for (size_t i = 0; i < in->nflags; i++) {
		const char *v = in->flags[i].value ? in->flags[i].value : "";
		struct df_mount m;
		struct rmount *r;
		int rc;

		if (!streq(in->flags[i].name, "mount"))
			continue;
		if (df_mount_parse(v, (const char *const *)vars, escape, &m, err) < 0)
			return err_wrap(err, "Dockerfile:%d: RUN --mount=%s", in->line, v);
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		r = &out->v[out->n++];
		memset(r, 0, sizeof(*r));
		rc = from_df(&m, workdir, r, err);
		df_mount_release(&m);
		if (rc < 0)
			return err_wrap(err, "Dockerfile:%d: RUN --mount=%s", in->line, v);
	}
	return 0;
}

void rmounts_describe(const struct rmounts *m, struct buf *d)
{
	static const char *const types[] = {"bind", "cache", "tmpfs"};
	static const char *const sharing[] = {"shared", "private", "locked"};

	for (size_t i = 0; i < m->n; i++) {
		const struct rmount *r = &m->v[i];

		buf_addf(d, " --mount=type=%s,target=%s", types[r->type], r->target);
		if (r->type == RMOUNT_BIND)
			buf_addf(d, ",source=%s%s%s", r->source ? r->source : ".",
				 r->from ? ",from=" : "", r->from ? r->from : "");
		if (r->type == RMOUNT_CACHE)
			buf_addf(d, ",id=%s,sharing=%s,mode=%lo,uid=%ld,gid=%ld", r->id,
				 sharing[r->sharing], r->mode < 0 ? 0755L : r->mode,
				 r->uid < 0 ? 0L : r->uid, r->gid < 0 ? 0L : r->gid);
		if (r->type == RMOUNT_TMPFS && r->size)
			buf_addf(d, ",size=%llu", (unsigned long long)r->size);
		buf_adds(d, r->rw ? ",rw" : ",ro");
	}
}

/* The cache directory of an id: made (mode, uid, gid) on first use, then
 * locked as its sharing says; a private one in use gets a fresh directory
 * for this RUN only. */
static int cache_dir(struct build *b, struct rmount *r, struct err **err)
{
	char d[DIGEST_STR_MAX];
	cleanup_free char *base = NULL, *dir = NULL, *lockp = NULL;
	const char *hex;

	digest_buf(r->id, strlen(r->id), d);
	hex = strchr(d, ':') + 1;
	base = xasprintf("%s/build-cache/mounts", b->o->root);
	if (fs_mkdir_p(base, 0700, err) < 0)
		return -1;
	dir = xasprintf("%s/%s", base, hex);
	lockp = xasprintf("%s/%s.lock", base, hex);
	if (r->sharing == 0 || r->sharing == 2) {
		r->lockfd = lock_acquire(
		    lockp, r->sharing == 0 ? LOCK_MODE_SHARED : LOCK_MODE_EXCLUSIVE, true, err);
		if (r->lockfd < 0)
			return -1;
	} else {
		r->lockfd = lock_acquire(lockp, LOCK_MODE_EXCLUSIVE, false, NULL);
		if (r->lockfd < 0) {
			r->tmp = xasprintf("%s/%s-private.XXXXXX", base, hex);
			if (!mkdtemp(r->tmp))
				return err_set(err, errno, "mkdtemp '%s'", r->tmp);
			free(dir);
			dir = xstrdup(r->tmp);
			goto own;
		}
	}
	if (mkdir(dir, 0700) < 0) {
		if (errno != EEXIST)
			return err_set(err, errno, "mkdir '%s'", dir);
		r->host = steal_pointer(&dir);
		return 0;
	}
own:
	if (chown(dir, (uid_t)(r->uid < 0 ? 0 : r->uid), (gid_t)(r->gid < 0 ? 0 : r->gid)) < 0 ||
	    chmod(dir, (mode_t)(r->mode < 0 ? 0755 : r->mode)) < 0)
		return err_set(err, errno, "cache mount '%s'", dir);
	r->host = steal_pointer(&dir);
	return 0;
}

/* The first component of target the rootfs lacks (what the runtime will
 * make for the mount), or NULL. */
char *stub_missing_part(int rootfd, const char *target)
{
	for (const char *p = target + 1;; p++) {
		if (*p == '/' || !*p) {
			cleanup_free char *part = xstrndup(target, (size_t)(p - target));
			int fd = fs_open_in_root(rootfd, part, O_PATH | O_CLOEXEC, 0, NULL);

			if (fd < 0)
				return errno == ENOENT ? steal_pointer(&part) : NULL;
			fs_close(fd);
			if (!*p)
				return NULL;
		}
	}
}

static void add_mount(cJSON *mounts, const char *dst, const char *type, const char *src,
		      char *const *opts)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "destination", dst);
	cJSON_AddStringToObject(m, "type", type);
	cJSON_AddStringToObject(m, "source", src);
	cJSON_AddItemToObject(m, "options", json_strv_to_array(opts));
	cJSON_AddItemToArray(mounts, m);
}

int rmounts_setup(struct build *b, struct rmounts *m, const char *ctrid, const char *rootfs,
		  struct err **err)
{
	cleanup_free char *cfgpath =
	    xasprintf("%s/containers/%s/bundle/config.json", b->o->root, ctrid);
	cleanup_json cJSON *cfg = NULL;
	cleanup_close int rootfd = -1;
	cJSON *mounts;

	if (!m->n)
		return 0;
	cfg = json_load_file(cfgpath, (size_t)1 << 24, err);
	if (!cfg)
		return -1;
	mounts = cJSON_GetObjectItemCaseSensitive(cfg, "mounts");
	if (!cJSON_IsArray(mounts)) {
		cJSON_DeleteItemFromObjectCaseSensitive(cfg, "mounts");
		mounts = cJSON_AddArrayToObject(cfg, "mounts");
	}
	rootfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return err_set(err, errno, "open '%s'", rootfs);
	for (size_t i = 0; i < m->n; i++) {
		struct rmount *r = &m->v[i];

		r->stub = stub_missing_part(rootfd, r->target);
		switch (r->type) {
		case RMOUNT_TMPFS: {
			cleanup_free char *size =
			    r->size ? xasprintf("size=%llu", (unsigned long long)r->size) : NULL;
			char *opts[] = {"nosuid", "nodev", size, NULL};

			add_mount(mounts, r->target, "tmpfs", "tmpfs", opts);
			break;
		}
		case RMOUNT_CACHE: {
			char *opts[] = {"rbind", r->rw ? "rw" : "ro", "rprivate", NULL};

			if (cache_dir(b, r, err) < 0)
				return -1;
			add_mount(mounts, r->target, "bind", r->host, opts);
			break;
		}
		case RMOUNT_BIND: {
			struct stat st;

			/* r->host: the source resolved in its root, or a private
			 * copy (exec.c) that may be written through */
			if (r->copied) {
				char *opts[] = {"rbind", r->rw ? "rw" : "ro", "rprivate", NULL};

				add_mount(mounts, r->target, "bind", r->host, opts);
			} else if (r->rw && stat(r->host, &st) == 0 && S_ISDIR(st.st_mode)) {
				cleanup_free char *base = build_tmp_dir(b);
				cleanup_free char *up = NULL, *wk = NULL, *data = NULL;
				char *opts[2] = {NULL, NULL};

				if (fs_mkdir_p(base, 0700, err) < 0)
					return -1;
				r->tmp = xasprintf("%s/bind.XXXXXX", base);
				if (!mkdtemp(r->tmp))
					return err_set(err, errno, "mkdtemp '%s'", r->tmp);
				up = xasprintf("%s/upper", r->tmp);
				wk = xasprintf("%s/work", r->tmp);
				if (mkdir(up, 0755) < 0 || mkdir(wk, 0700) < 0)
					return err_set(err, errno, "mkdir '%s'", up);
				data = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", r->host, up,
						 wk);
				opts[0] = data;
				add_mount(mounts, r->target, "overlay", "overlay", opts);
			} else {
				/* read-only, or a file (never written through: its
				 * writes would reach the source) */
				char *opts[] = {"rbind", "ro", "rprivate", NULL};

				if (stat(r->host, &st) < 0)
					return err_set(err, errno, "mount source '%s'", r->host);
				add_mount(mounts, r->target, "bind", r->host, opts);
			}
			break;
		}
		}
	}
	return json_write_file(cfgpath, cfg, 0644, err);
}

/* Remove what was made for a mount target: the target, then its parents
 * up to the first one that was missing, each only if empty. */
void stub_remove(const char *rootfs, const char *target, const char *stub)
{
	cleanup_free char *p = xstrdup(target);
	size_t stop = strlen(stub);

	while (strlen(p) >= stop) {
		cleanup_free char *host = NULL;
		char *slash;

		if (fs_resolve_in_root(rootfs, p, true, &host, NULL) == 0) {
			struct stat st;

			if (lstat(host, &st) == 0) {
				if (S_ISDIR(st.st_mode)) {
					if (rmdir(host) < 0)
						return;
				} else if (S_ISREG(st.st_mode) && st.st_size == 0) {
					if (unlink(host) < 0)
						return;
				} else {
					return;
				}
			}
		}
		slash = strrchr(p, '/');
		if (!slash || slash == p)
			return;
		*slash = '\0';
	}
}

void rmounts_finish(struct build *b, struct rmounts *m, const char *rootfs)
{
	(void)b;
	for (size_t i = 0; i < m->n; i++) {
		struct rmount *r = &m->v[i];

		if (r->stub && rootfs)
			stub_remove(rootfs, r->target, r->stub);
		if (r->tmp)
			fs_rm_rf(r->tmp, NULL);
		free(r->tmp);
		r->tmp = NULL;
		if (r->lockfd >= 0)
			lock_release(r->lockfd);
		r->lockfd = -1;
	}
}
