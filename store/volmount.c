/* volmount.c: a container's volumes and mounts, resolved when it is made,
 * the way docker's daemon does it: the overrides' Binds (-v SRC:DST[:MODE]),
 * Mounts (--mount, docker's HostConfig.Mounts objects) and Volumes (-v DST,
 * docker's Config.Volumes) and the image's VOLUMEs become bind mounts of
 * host paths and of volumes' _data (named volumes made on first use,
 * anonymous ones for a bare destination and for every image VOLUME no
 * other mount covers, the image's files copied into an empty volume unless
 * nocopy), and tmpfs mounts.  Parse everything first, then act, so bad
 * input makes nothing.  Runs under the containers lock (volume_lock). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "store/store.h"

enum vm_type { VM_BIND, VM_VOLUME, VM_TMPFS };
static const char *const type_names[] = {"bind", "volume", "tmpfs"};

struct vmount {
	enum vm_type type;
	char *source; /* bind: host path; volume: its name, NULL when anonymous */
	char *dest;   /* clean and absolute */
	char *mode;   /* what inspect shows as Mode */
	char *prop;   /* bind propagation */
	char *tmpfs;  /* tmpfs mount options */
	bool ro, nocopy, make_source, from_image;
	const cJSON *labels;
};

static void vmount_release(struct vmount *m)
{
	free(m->source);
	free(m->dest);
	free(m->mode);
	free(m->prop);
	free(m->tmpfs);
}

struct vplan {
	struct vmount *v;
	size_t n;
};

static void vplan_release(struct vplan *p)
{
	for (size_t i = 0; i < p->n; i++)
		vmount_release(&p->v[i]);
	free(p->v);
}

static struct vmount *vplan_add(struct vplan *p)
{
	p->v = xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
	memset(&p->v[p->n], 0, sizeof(*p->v));
	return &p->v[p->n++];
}

static struct vmount *vplan_find(const struct vplan *p, const char *dest)
{
	for (size_t i = 0; i < p->n; i++)
		if (streq(p->v[i].dest, dest))
			return &p->v[i];
	return NULL;
}

/* Go's path.Clean for an absolute path: no "//", ".", ".." or trailing "/". */
static char *path_clean(const char *p)
{
	cleanup_free char *copy = xstrdup(p);
	char *out = xcalloc(1, strlen(p) + 2), *save = NULL, *tok;
	size_t len = 0;

	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (streq(tok, "."))
			continue;
		if (streq(tok, "..")) {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			out[len] = '\0';
			continue;
		}
		out[len++] = '/';
		memcpy(out + len, tok, strlen(tok) + 1);
		len += strlen(tok);
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return out;
}

/* ---- docker's -v modes ---- */

enum { M_RW, M_LABEL, M_PROP, M_COPY, M_CONSISTENCY, M_N };

static int mode_class(const char *o)
{
	static const char *const rw[] = {"rw", "ro", "ro-non-recursive", "ro-force-recursive",
					 "rro"};
	static const char *const prop[] = {"private", "rprivate", "slave",
					   "rslave",  "shared",   "rshared"};
	static const char *const cons[] = {"consistent", "cached", "delegated"};

	for (size_t i = 0; i < ARRAY_SIZE(rw); i++)
		if (streq(o, rw[i]))
			return M_RW;
	if (streq(o, "z") || streq(o, "Z"))
		return M_LABEL;
	for (size_t i = 0; i < ARRAY_SIZE(prop); i++)
		if (streq(o, prop[i]))
			return M_PROP;
	if (streq(o, "nocopy"))
		return M_COPY;
	for (size_t i = 0; i < ARRAY_SIZE(cons); i++)
		if (streq(o, cons[i]))
			return M_CONSISTENCY;
	return -1;
}

/* Each option known, at most one of each kind ("" is valid). */
static bool mode_valid(const char *mode)
{
	int seen[M_N] = {0};
	const char *p = mode;

	if (!*mode)
		return true;
	for (;;) {
		size_t len = strcspn(p, ",");
		cleanup_free char *o = xstrndup(p, len);
		int c = mode_class(o);

		if (c < 0 || seen[c]++)
			return false;
		if (!p[len])
			return true;
		p += len + 1;
	}
}

static bool mode_has(const char *mode, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = mode; p && *p;) {
		size_t len = strcspn(p, ",");

		if (len == n && !strncmp(p, opt, n))
			return true;
		p += len + (p[len] ? 1 : 0);
	}
	return false;
}

static char *mode_prop(const char *mode)
{
	for (const char *p = mode; p && *p;) {
		size_t len = strcspn(p, ",");
		cleanup_free char *o = xstrndup(p, len);

		if (mode_class(o) == M_PROP)
			return steal_pointer(&o);
		p += len + (p[len] ? 1 : 0);
	}
	return NULL;
}

/* ---- parsing ---- */

/* docker's validateMountConfig for a target; NULL when it is fine, else
 * the reason (static text or malloc'd in *buf). */
static const char *target_problem(const char *target, char **buf)
{
	cleanup_free char *clean = NULL;

	if (!target || !*target)
		return "field Target must not be empty";
	if (target[0] != '/') {
		*buf = xasprintf("invalid mount path: '%s' mount path must be absolute", target);
		return *buf;
	}
	clean = path_clean(target);
	if (streq(clean, "/"))
		return "invalid specification: destination can't be '/'";
	return NULL;
}

/* A -v value (or a Config.Volumes key), as docker's linux parser reads it. */
static int parse_raw(const char *raw, struct vmount *m, struct err **err)
{
	cleanup_free char *copy = xstrdup(raw), *buf = NULL;
	char *part[4] = {NULL};
	const char *mode = "", *why;
	size_t n = 0;
	char *p = copy;

	while (n < 3 && p) {
		char *c = strchr(p, ':');

		part[n++] = p;
		if (c)
			*c = '\0';
		p = c ? c + 1 : NULL;
	}
	if (p)
		part[n++] = p;
	if (!*part[0] || n == 4 || (n == 2 && mode_valid(part[1])))
		return err_set_code(err, EINVAL, "invalid volume specification: '%s'", raw);
	if (n == 1) {
		m->dest = xstrdup(part[0]);
	} else {
		m->source = xstrdup(part[0]);
		m->dest = xstrdup(part[1]);
		if (n == 3)
			mode = part[2];
	}
	if (!mode_valid(mode))
		return err_set_code(err, EINVAL, "invalid mode: %s", mode);
	m->type = m->source && m->source[0] == '/' ? VM_BIND : VM_VOLUME;
	/* inspect's Mode: docker's default "z" for a named volume */
	m->mode = xstrdup(!*mode && m->type == VM_VOLUME && m->source ? "z" : mode);
	m->ro = mode_has(mode, "ro") || mode_has(mode, "rro") ||
		mode_has(mode, "ro-non-recursive") || mode_has(mode, "ro-force-recursive");
	m->nocopy = mode_has(mode, "nocopy");
	m->prop = mode_prop(mode);
	why = target_problem(m->dest, &buf);
	if (!why && m->type == VM_VOLUME && !m->source && m->ro)
		why = "must not set ReadOnly mode when using anonymous volumes";
	if (why)
		return err_set_code(err, EINVAL,
				    "invalid volume specification: '%s': invalid mount config for "
				    "type \"%s\": %s",
				    raw, type_names[m->type], why);
	{
		char *c = path_clean(m->dest);

		free(m->dest);
		m->dest = c;
	}
	if (m->type == VM_BIND) {
		char *c = path_clean(m->source);

		free(m->source);
		m->source = c;
		m->make_source = true; /* -v makes a missing host path, as docker's */
	}
	return 0;
}

static const cJSON *member(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static const char *member_str(const cJSON *o, const char *key)
{
	const cJSON *v = member(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A --mount (docker's HostConfig.Mounts entry), as docker validates it. */
static int parse_mount(const cJSON *o, struct vmount *m, struct err **err)
{
	const char *type = member_str(o, "Type"), *src = member_str(o, "Source");
	const char *target = member_str(o, "Target"), *why = NULL;
	const cJSON *bo = member(o, "BindOptions"), *vo = member(o, "VolumeOptions");
	const cJSON *to = member(o, "TmpfsOptions");
	cleanup_free char *buf = NULL;
	struct stat st;

	if (!cJSON_IsObject(o))
		return err_set_code(err, EINVAL, "override 'Mounts' must hold objects");
	if (!type)
		type = "";
	if (src && !*src)
		src = NULL;
	m->ro = cJSON_IsTrue(member(o, "ReadOnly"));
	if (streq(type, "bind"))
		m->type = VM_BIND;
	else if (streq(type, "volume"))
		m->type = VM_VOLUME;
	else if (streq(type, "tmpfs"))
		m->type = VM_TMPFS;
	else
		why = "mount type unknown";
	if (!why)
		why = target_problem(target, &buf);
	if (!why && m->type == VM_BIND) {
		const char *prop = member_str(bo, "Propagation");

		if (!src)
			why = "field Source must not be empty";
		else if (vo)
			why = "field VolumeOptions must not be specified";
		else if (prop && *prop && mode_class(prop) != M_PROP)
			why = buf = xasprintf("invalid propagation mode: %s", prop);
		else if (src[0] != '/')
			why = buf =
			    xasprintf("invalid mount path: '%s' mount path must be absolute", src);
		else if (stat(src, &st) < 0 && !cJSON_IsTrue(member(bo, "CreateMountpoint")))
			why = buf = xasprintf("bind source path does not exist: %s", src);
		if (!why && prop && *prop)
			m->prop = xstrdup(prop);
		m->make_source = cJSON_IsTrue(member(bo, "CreateMountpoint"));
	} else if (!why && m->type == VM_VOLUME) {
		if (bo)
			why = "field BindOptions must not be specified";
		else if (m->ro && !src)
			why = "must not set ReadOnly mode when using anonymous volumes";
		m->nocopy = cJSON_IsTrue(member(vo, "NoCopy"));
		m->labels = cJSON_IsObject(member(vo, "Labels")) ? member(vo, "Labels") : NULL;
	} else if (!why && m->type == VM_TMPFS) {
		const cJSON *size = member(to, "SizeBytes"), *mode = member(to, "Mode");
		struct buf opts = BUF_INIT;

		if (bo)
			why = "field BindOptions must not be specified";
		if (m->ro)
			buf_adds(&opts, "ro");
		if (cJSON_IsNumber(mode) && mode->valuedouble > 0)
			buf_addf(&opts, "%smode=%o", opts.len ? "," : "",
				 (unsigned)mode->valuedouble);
		if (cJSON_IsNumber(size) && size->valuedouble > 0) {
			long long b = (long long)size->valuedouble;
			const char *sfx = "";

			if (b % (1LL << 30) == 0)
				b >>= 30, sfx = "g";
			else if (b % (1LL << 20) == 0)
				b >>= 20, sfx = "m";
			else if (b % (1LL << 10) == 0)
				b >>= 10, sfx = "k";
			buf_addf(&opts, "%ssize=%lld%s", opts.len ? "," : "", b, sfx);
		}
		m->tmpfs = buf_detach(&opts, NULL);
		if (!why && src)
			why = "field Source must not be specified";
	}
	if (why)
		return err_set_code(err, EINVAL, "invalid mount config for type \"%s\": %s", type,
				    why);
	m->dest = path_clean(target);
	m->source = m->type == VM_BIND ? path_clean(src) : src ? xstrdup(src) : NULL;
	m->mode = xstrdup(m->type == VM_VOLUME ? "z" : "");
	return 0;
}

/* ---- acting ---- */

/* The image's files at dest copied into the volume's _data while it is
 * empty (docker's copy-up); owner and mode of the directory too. */
static int copy_up(const char *rootfs, const char *dest, const char *data, struct err **err)
{
	cleanup_close int rfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int src = -1, dst = -1;
	cleanup_strv char **have = NULL;
	struct stat st;
	mode_t old;
	int r;

	if (rfd < 0)
		return err_set(err, errno, "open '%s'", rootfs);
	src = fs_open_in_root(rfd, dest, O_RDONLY | O_DIRECTORY, 0, NULL);
	if (src < 0)
		return 0; /* nothing there in the image */
	dst = open(data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0)
		return err_set(err, errno, "open '%s'", data);
	have = fs_dir_names(dst, false);
	if (!have)
		return err_set(err, errno, "read '%s'", data);
	if (*have)
		return 0; /* the volume has data: it stays as it is */
	old = umask(0);
	r = copy_apply_diff(src, dst, err);
	umask(old);
	if (r < 0)
		return err_wrap(err, "copy the image's '%s' into '%s'", dest, data);
	if (fstat(src, &st) == 0 &&
	    (fchown(dst, st.st_uid, st.st_gid) < 0 || fchmod(dst, st.st_mode & 07777) < 0))
		return err_set(err, errno, "set the owner of '%s'", data);
	return 0;
}

static cJSON *record_entry(const struct vmount *m, const char *name, const char *source)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "Type", type_names[m->type]);
	if (name)
		cJSON_AddStringToObject(e, "Name", name);
	cJSON_AddStringToObject(e, "Source", source ? source : "");
	cJSON_AddStringToObject(e, "Destination", m->dest);
	if (m->type == VM_VOLUME)
		cJSON_AddStringToObject(e, "Driver", "local");
	cJSON_AddStringToObject(e, "Mode", m->mode ? m->mode : "");
	cJSON_AddBoolToObject(e, "RW", !m->ro);
	cJSON_AddStringToObject(e, "Propagation",
				m->type != VM_BIND ? ""
				: m->prop          ? m->prop
						   : "rprivate");
	return e;
}

/* --volumes-from ID[:ro|rw]: the volumes and binds of another container at
 * the same destinations (not where the user mounts something); without a
 * mode each keeps its own. */
static int volumes_from(struct store *s, const char *spec, const cJSON *tmpfs, struct vplan *p,
			struct err **err)
{
	cleanup_free char *id = xstrdup(spec);
	char *mode = strchr(id, ':');
	struct container c;
	const cJSON *e;

	if (mode)
		*mode++ = '\0';
	if (!*id)
		return err_set_code(err, EINVAL,
				    "volumes-from specification cannot be an empty string");
	if (mode) {
		cleanup_free char *prop = mode_prop(mode);

		if (!*mode || !mode_valid(mode) || prop || mode_has(mode, "nocopy"))
			return err_set_code(err, EINVAL, "invalid mode: %s", mode);
	}
	if (container_find(s, id, &c, err) < 0)
		return -1;
	cJSON_ArrayForEach(e, member(c.doc, "Mounts"))
	{
		const char *type = member_str(e, "Type"), *dest = member_str(e, "Destination");
		const char *src = member_str(e, "Source"), *name = member_str(e, "Name");
		const char *emode = member_str(e, "Mode"), *prop = member_str(e, "Propagation");
		struct vmount *m;

		if (!type || !dest || (!streq(type, "volume") && !streq(type, "bind")) ||
		    vplan_find(p, dest) || member(tmpfs, dest))
			continue;
		if (streq(type, "volume") ? !name || !volume_name_valid(name) : !src || *src != '/')
			continue;
		m = vplan_add(p);
		m->type = streq(type, "volume") ? VM_VOLUME : VM_BIND;
		m->source = xstrdup(m->type == VM_VOLUME ? name : src);
		m->dest = path_clean(dest);
		m->mode = xstrdup(mode ? mode : emode ? emode : "");
		m->ro = mode ? mode_has(mode, "ro") : !cJSON_IsTrue(member(e, "RW"));
		m->nocopy = true; /* the other container's data, as it is */
		if (m->type == VM_BIND && prop && *prop)
			m->prop = xstrdup(prop);
	}
	container_release(&c);
	return 0;
}

static int plan(struct store *s, const cJSON *image_config, const cJSON *ov, struct vplan *p,
		struct err **err)
{
	const cJSON *binds = member(ov, "Binds"), *mounts = member(ov, "Mounts"), *e;
	const cJSON *tmpfs = member(ov, "Tmpfs");
	const cJSON *ivols = member(member(image_config, "config"), "Volumes");

	if (binds && !cJSON_IsArray(binds))
		return err_set_code(err, EINVAL, "override 'Binds' must be an array");
	if (mounts && !cJSON_IsArray(mounts))
		return err_set_code(err, EINVAL, "override 'Mounts' must be an array");
	if (member(ov, "VolumesFrom") && !cJSON_IsArray(member(ov, "VolumesFrom")))
		return err_set_code(err, EINVAL, "override 'VolumesFrom' must be an array");
	cJSON_ArrayForEach(e, binds)
	{
		struct vmount m = {0};

		if (!cJSON_IsString(e))
			return err_set_code(err, EINVAL, "override 'Binds' must hold strings");
		if (parse_raw(e->valuestring, &m, err) < 0) {
			vmount_release(&m);
			return -1;
		}
		*vplan_add(p) = m;
	}
	cJSON_ArrayForEach(e, mounts)
	{
		struct vmount m = {0};

		if (parse_mount(e, &m, err) < 0) {
			vmount_release(&m);
			return -1;
		}
		*vplan_add(p) = m;
	}
	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i].type == VM_VOLUME && p->v[i].source &&
		    volume_name_check(p->v[i].source, err) < 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (streq(p->v[i].dest, p->v[j].dest))
				return err_set_code(err, EINVAL, "Duplicate mount point: %s",
						    p->v[i].dest);
		cJSON_ArrayForEach(e, tmpfs)
		{
			cleanup_free char *c = path_clean(e->string);

			if (streq(c, p->v[i].dest))
				return err_set_code(err, EINVAL, "Duplicate mount point: %s", c);
		}
	}
	cJSON_ArrayForEach(e, member(ov, "VolumesFrom"))
	{
		if (!cJSON_IsString(e))
			return err_set_code(err, EINVAL,
					    "override 'VolumesFrom' must hold strings");
		if (volumes_from(s, e->valuestring, tmpfs, p, err) < 0)
			return -1;
	}
	/* -v DST (Config.Volumes) and the image's VOLUMEs: anonymous volumes
	 * where no other mount is */
	cJSON_ArrayForEach(e, member(ov, "Volumes"))
	{
		struct vmount m = {0};

		if (parse_raw(e->string, &m, err) < 0) {
			vmount_release(&m);
			return -1;
		}
		if (vplan_find(p, m.dest) || member(tmpfs, m.dest)) {
			vmount_release(&m);
			continue;
		}
		*vplan_add(p) = m;
	}
	cJSON_ArrayForEach(e, ivols)
	{
		struct vmount m = {.type = VM_VOLUME, .from_image = true};

		if (!e->string || e->string[0] != '/')
			continue;
		m.dest = path_clean(e->string);
		if (streq(m.dest, "/") || vplan_find(p, m.dest) || member(tmpfs, m.dest)) {
			vmount_release(&m);
			continue;
		}
		m.mode = xstrdup("");
		*vplan_add(p) = m;
	}
	return 0;
}

int volume_mounts(struct store *s, const cJSON *image_config, const cJSON *ov, const char *rootfs,
		  cJSON **conv_out, cJSON **record_out, char ***made, struct err **err)
{
	struct vplan p = {0};
	cleanup_json cJSON *conv = NULL, *record = cJSON_CreateArray();
	cJSON *binds = cJSON_CreateArray(), *tmpfs;
	int ret = -1;

	*made = NULL;
	if (plan(s, image_config, ov, &p, err) < 0) {
		cJSON_Delete(binds);
		goto out;
	}
	conv = ov ? cJSON_Duplicate(ov, true) : cJSON_CreateObject();
	cJSON_DeleteItemFromObjectCaseSensitive(conv, "Binds");
	cJSON_DeleteItemFromObjectCaseSensitive(conv, "Mounts");
	cJSON_DeleteItemFromObjectCaseSensitive(conv, "VolumesFrom");
	cJSON_AddItemToObject(conv, "Binds", binds);
	tmpfs = cJSON_GetObjectItemCaseSensitive(conv, "Tmpfs");
	for (size_t i = 0; i < p.n; i++) {
		struct vmount *m = &p.v[i];
		cleanup_free char *data = NULL, *spec = NULL;
		char anon[65];

		if (m->type == VM_TMPFS) {
			if (!tmpfs)
				tmpfs = cJSON_AddObjectToObject(conv, "Tmpfs");
			cJSON_DeleteItemFromObjectCaseSensitive(tmpfs, m->dest);
			cJSON_AddStringToObject(tmpfs, m->dest, m->tmpfs ? m->tmpfs : "");
			cJSON_AddItemToArray(record, record_entry(m, NULL, ""));
			continue;
		}
		if (m->type == VM_BIND) {
			if (m->make_source && !fs_exists(m->source) &&
			    fs_mkdir_p(m->source, 0755, err) < 0)
				goto out;
			spec = xasprintf("%s:%s:%s,%s", m->source, m->dest, m->ro ? "ro" : "rw",
					 m->prop ? m->prop : "rprivate");
			cJSON_AddItemToArray(binds, cJSON_CreateString(spec));
			cJSON_AddItemToArray(record, record_entry(m, NULL, m->source));
			continue;
		}
		{
			bool created;
			const char *name = m->source;

			if (!name) {
				store_random_hex(anon);
				name = anon;
			}
			if (volume_create_locked(s, name, m->labels, !m->source, &created, err) < 0)
				goto out;
			if (created && !m->source)
				strv_push(made, name);
			{
				/* a volume's directory must be one (not a link put there) */
				cJSON *vol = volume_get(s, name, err);

				if (!vol)
					goto out;
				cJSON_Delete(vol);
			}
			data = volume_data_path(s, name);
			if (!m->nocopy && copy_up(rootfs, m->dest, data, err) < 0)
				goto out;
			spec = xasprintf("%s:%s:%s,rprivate", data, m->dest, m->ro ? "ro" : "rw");
			cJSON_AddItemToArray(binds, cJSON_CreateString(spec));
			cJSON_AddItemToArray(record, record_entry(m, name, data));
		}
	}
	*conv_out = steal_pointer(&conv);
	*record_out = steal_pointer(&record);
	ret = 0;
out:
	vplan_release(&p);
	return ret;
}

void volume_drop(struct store *s, char *const *names)
{
	for (; names && *names; names++) {
		cleanup_free char *p = xasprintf("volumes/%s", *names);

		fs_rm_rfat(s->rootfd, p, NULL);
	}
}
