/* mounts.c: RUN --mount (BuildKit's syntax).  type=cache is a directory
 * under ROOT/build-cache/mounts kept across builds and never in the image,
 * with sharing=shared|private|locked as flock(2) locks; type=bind mounts a
 * path of the context or of a stage/image (read-only, or with rw an overlay
 * whose writes are thrown away); type=tmpfs a tmpfs.  The mounts are added
 * to the RUN container's config.json; what the runtime makes in the rootfs
 * for their targets is removed before the commit, as BuildKit does. */
#define _GNU_SOURCE
#include <ctype.h>
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

/* go-units' RAMInBytes: 64m, 64MB, 1.5g, 1024 (binary multiples). */
static int ram_bytes(const char *s, uint64_t *out)
{
	char *end;
	double v = strtod(s, &end);
	double mul = 1;

	if (end == s || v < 0)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		break;
	case 'b':
		end++;
		break;
	case 'k':
		mul = 1024.0, end++;
		break;
	case 'm':
		mul = 1024.0 * 1024, end++;
		break;
	case 'g':
		mul = 1024.0 * 1024 * 1024, end++;
		break;
	case 't':
		mul = 1024.0 * 1024 * 1024 * 1024, end++;
		break;
	default:
		return -1;
	}
	if (mul > 1) {
		if (tolower((unsigned char)*end) == 'i')
			end++;
		if (tolower((unsigned char)*end) == 'b')
			end++;
	}
	if (*end)
		return -1;
	*out = (uint64_t)(v * mul);
	return 0;
}

static int num_field(const char *v, int base, long max, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, base);
	if (errno || end == v || *end || n < 0 || n > max)
		return -1;
	*out = n;
	return 0;
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

static int parse_one(const char *spec, const char *workdir, struct rmount *r, struct err **err)
{
	cleanup_free char *copy = xstrdup(spec);
	char *save = NULL;
	const char *type = "bind";

	r->mode = -1;
	r->uid = r->gid = -1;
	r->lockfd = -1;
	for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(f, '=');
		const char *k = f, *v = eq ? eq + 1 : NULL;

		if (eq)
			*eq = '\0';
		if (streq(k, "type") && v) {
			type = v;
		} else if ((streq(k, "target") || streq(k, "dst") || streq(k, "destination")) &&
			   v) {
			free(r->target);
			r->target = xstrdup(v);
		} else if ((streq(k, "source") || streq(k, "src")) && v) {
			free(r->source);
			r->source = xstrdup(v);
		} else if (streq(k, "from") && v) {
			free(r->from);
			r->from = xstrdup(v);
		} else if (streq(k, "id") && v) {
			free(r->id);
			r->id = xstrdup(v);
		} else if (streq(k, "sharing") && v) {
			if (!streq(v, "shared") && !streq(v, "private") && !streq(v, "locked"))
				return err_set_code(err, EINVAL, "unsupported sharing value \"%s\"",
						    v);
			r->sharing = streq(v, "shared") ? 0 : streq(v, "private") ? 1 : 2;
		} else if (streq(k, "mode") && v) {
			if (num_field(v, 8, 07777, &r->mode) < 0)
				return err_set_code(err, EINVAL, "invalid mode \"%s\"", v);
		} else if ((streq(k, "uid") || streq(k, "gid")) && v) {
			if (num_field(v, 10, 0x7fffffff, streq(k, "uid") ? &r->uid : &r->gid) < 0)
				return err_set_code(err, EINVAL, "invalid %s \"%s\"", k, v);
		} else if (streq(k, "size") && v) {
			if (ram_bytes(v, &r->size) < 0)
				return err_set_code(err, EINVAL, "invalid size \"%s\"", v);
		} else if (streq(k, "ro") || streq(k, "readonly") || streq(k, "rw") ||
			   streq(k, "readwrite")) {
			bool on = !v || streq(v, "true") || streq(v, "1");

			if (v && !on && !streq(v, "false") && !streq(v, "0"))
				return err_set_code(err, EINVAL, "invalid value for %s: %s", k, v);
			r->rw = (k[0] == 'r' && k[1] == 'w') || streq(k, "readwrite") ? on : !on;
			r->ro_set = true;
		} else {
			return err_set_code(err, EINVAL, "unexpected key '%s' in '%s'", k, spec);
		}
	}
	if (streq(type, "bind"))
		r->type = RMOUNT_BIND;
	else if (streq(type, "cache"))
		r->type = RMOUNT_CACHE;
	else if (streq(type, "tmpfs"))
		r->type = RMOUNT_TMPFS;
	else if (streq(type, "secret") || streq(type, "ssh"))
		return err_set_code(err, ENOTSUP, "mount type %s is not supported", type);
	else
		return err_set_code(err, EINVAL, "unsupported mount type \"%s\"", type);
	if (!r->target || !*r->target)
		return err_set_code(err, EINVAL, "mount %s: target is required", type);
	{
		char *t = abs_target(r->target, workdir);
		free(r->target);
		r->target = t;
	}
	if (streq(r->target, "/"))
		return err_set_code(err, EINVAL, "mount %s: target cannot be /", type);
	if (r->type == RMOUNT_CACHE) {
		if (r->from || r->source)
			return err_set_code(err, ENOTSUP,
					    "mount cache: from= and source= are not supported");
		if (!r->ro_set)
			r->rw = true;
		if (!r->id)
			r->id = xstrdup(r->target);
	} else if (r->type == RMOUNT_TMPFS) {
		r->rw = true;
	}
	return 0;
}

int rmounts_parse(const struct df_instr *in, char *const *vars, char escape, const char *workdir,
		  struct rmounts *out, struct err **err)
{
	for (size_t i = 0; i < in->nflags; i++) {
		cleanup_free char *v = NULL;
		struct rmount *r;

		if (!streq(in->flags[i].name, "mount"))
			continue;
		if (df_expand(in->flags[i].value ? in->flags[i].value : "",
			      (const char *const *)vars, escape, &v, err) < 0)
			return err_wrap(err, "Dockerfile:%d: RUN --mount", in->line);
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		r = &out->v[out->n++];
		memset(r, 0, sizeof(*r));
		if (parse_one(v, workdir, r, err) < 0)
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
static char *missing_part(int rootfd, const char *target)
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

		r->stub = missing_part(rootfd, r->target);
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
				cleanup_free char *base =
				    xasprintf("%s/build-cache/tmp", b->o->root);
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
static void remove_stub(const char *rootfs, const struct rmount *r)
{
	cleanup_free char *p = xstrdup(r->target);
	size_t stop = strlen(r->stub);

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
			remove_stub(rootfs, r);
		if (r->tmp)
			fs_rm_rf(r->tmp, NULL);
		free(r->tmp);
		r->tmp = NULL;
		if (r->lockfd >= 0)
			lock_release(r->lockfd);
		r->lockfd = -1;
	}
}
