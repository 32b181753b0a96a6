/* container.c: containers/<id>/: container.json (what was asked), upper/
 * and work/ (its overlay), bundle/config.json + bundle/rootfs (the mount
 * point any OCI runtime can run).  A container is made in
 * containers/.tmp-<id> and renamed into place once complete; records change
 * under containers/.lock. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/lock.h"
#include "common/util.h"
#include "store/store.h"

void container_release(struct container *c)
{
	free(c->name);
	free(c->image);
	free(c->created);
	strv_free(c->chain_ids);
	cJSON_Delete(c->doc);
	memset(c, 0, sizeof(*c));
}

void container_free_list(struct container *cs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		container_release(&cs[i]);
	free(cs);
}

char *container_dir(struct store *s, const char *id)
{
	return xasprintf("%s/containers/%s", s->root, id);
}

static int container_parse(cJSON *doc, struct container *c, struct err **err)
{
	const char *v;
	const cJSON *layers, *e;

	memset(c, 0, sizeof(*c));
	if (json_get_string(doc, "", "Id", true, &v, err) < 0)
		return -1;
	snprintf(c->id, sizeof(c->id), "%s", v);
	if (json_get_string(doc, "", "Name", false, &v, err) < 0)
		return -1;
	c->name = xstrdup(v ? v : "");
	if (json_get_string(doc, "", "Image", false, &v, err) < 0)
		return -1;
	c->image = xstrdup(v ? v : "");
	if (json_get_string(doc, "", "ImageID", false, &v, err) < 0)
		return -1;
	snprintf(c->image_id, sizeof(c->image_id), "%s", v ? v : "");
	if (json_get_string(doc, "", "ImageManifest", false, &v, err) < 0)
		return -1;
	snprintf(c->manifest_digest, sizeof(c->manifest_digest), "%s", v ? v : "");
	if (json_get_string(doc, "", "Created", false, &v, err) < 0)
		return -1;
	c->created = xstrdup(v ? v : "");
	if (json_get_string(doc, "", "Driver", false, &v, err) < 0)
		return -1;
	c->driver = v && streq(v, "vfs") ? STORE_DRIVER_VFS : STORE_DRIVER_OVERLAY;
	layers = cJSON_GetObjectItemCaseSensitive(doc, "Layers");
	cJSON_ArrayForEach(e, layers) if (cJSON_IsString(e))
	    strv_push(&c->chain_ids, e->valuestring);
	if (!c->chain_ids)
		c->chain_ids = xcalloc(1, sizeof(char *));
	c->doc = doc;
	return 0;
}

static bool is_id(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == 64;
}

int container_list(struct store *s, struct container **out, size_t *n, struct err **err)
{
	cleanup_dir DIR *d = NULL;
	struct container *cs = NULL;
	size_t cnt = 0;
	struct dirent *de;
	int fd = openat(s->rootfd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	*out = NULL;
	*n = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : err_set(err, errno, "open '%s/containers'", s->root);
	d = fdopendir(fd);
	if (!d) {
		fs_close(fd);
		return err_set(err, errno, "read '%s/containers'", s->root);
	}
	while ((de = readdir(d))) {
		cleanup_free char *p = NULL;
		cJSON *doc;

		if (!is_id(de->d_name))
			continue;
		p = xasprintf("%s/container.json", de->d_name);
		doc = json_load_fileat(fd, p, 0, NULL);
		if (!doc)
			continue;
		cs = xrealloc(cs, (cnt + 1) * sizeof(*cs));
		if (container_parse(doc, &cs[cnt], NULL) < 0) {
			cJSON_Delete(doc);
			continue;
		}
		cnt++;
	}
	*out = cs;
	*n = cnt;
	return 0;
}

/* ---- the name index: containers/.names/<name> -> <id>, a symlink ----
 * create and find look a name up there instead of reading every
 * container.json.  A link whose container is gone (a crash between the
 * link and the container's last rename) counts as free. */
#define NAMES "containers/.names"

/* The id the index gives name (64 hex), or false. */
static bool name_lookup(struct store *s, const char *name, char id[65])
{
	cleanup_free char *p = xasprintf(NAMES "/%s", name);
	ssize_t n = readlinkat(s->rootfd, p, id, 65);

	if (n != 64)
		return false;
	id[64] = '\0';
	return is_id(id);
}

/* Does the index give name to a container that exists (its record is
 * there)?  id gets the id either way when the link is well formed. */
static bool name_held(struct store *s, const char *name, char id[65])
{
	cleanup_free char *cj = NULL;

	if (!name_lookup(s, name, id))
		return false;
	cj = xasprintf("containers/%s/container.json", id);
	return faccessat(s->rootfd, cj, F_OK, 0) == 0;
}

void container_names_sweep(struct store *s)
{
	cleanup_close int fd = openat(s->rootfd, NAMES, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_strv char **names = fd >= 0 ? fs_dir_names(fd, false) : NULL;
	struct stat st;
	char id[65];

	for (char **n = names; n && *n; n++)
		if (fstatat(fd, *n, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode) &&
		    !name_held(s, *n, id))
			unlinkat(fd, *n, 0);
}

/* Under the containers lock: make the index if the store has none yet
 * (stores made before it) from every container's record, in a scratch dir
 * renamed into place so a crash never leaves half an index. */
static int names_ensure(struct store *s, struct err **err)
{
	cleanup_free char *tmp = NULL;
	struct container *cs = NULL;
	size_t n = 0;
	struct stat st;
	int ret = -1;

	if (fstatat(s->rootfd, NAMES, &st, 0) == 0)
		return 0;
	tmp = xasprintf("%s/containers/.names-tmp-XXXXXX", s->root);
	if (!mkdtemp(tmp))
		return err_set(err, errno, "create '%s'", tmp);
	if (container_list(s, &cs, &n, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *p = xasprintf("%s/%s", tmp, cs[i].name);

		if (symlink(cs[i].id, p) < 0 && errno != EEXIST) {
			err_set(err, errno, "record container name '%s'", cs[i].name);
			goto out;
		}
	}
	{
		cleanup_free char *dst = xasprintf("%s/" NAMES, s->root);

		if (rename(tmp, dst) < 0) {
			err_set(err, errno, "rename '%s' into place", tmp);
			goto out;
		}
	}
	ret = 0;
out:
	container_free_list(cs, n);
	if (ret < 0)
		fs_rm_rf(tmp, NULL);
	return ret;
}

static void name_unlink(struct store *s, const char *name, const char *id)
{
	cleanup_free char *p = xasprintf(NAMES "/%s", name);
	char cur[65];

	if (name_lookup(s, name, cur) && streq(cur, id))
		unlinkat(s->rootfd, p, 0);
}

static int container_load(struct store *s, const char *id, struct container *out)
{
	cleanup_free char *p = xasprintf("containers/%s/container.json", id);
	cJSON *doc = json_load_fileat(s->rootfd, p, 0, NULL);

	if (!doc)
		return -1;
	return container_parse(doc, out, NULL);
}

int container_find(struct store *s, const char *what, struct container *out, struct err **err)
{
	struct container *cs = NULL;
	size_t n = 0, i, hits = 0, hit = 0;
	char id[65];

	/* a name or a full id: one record read */
	if (name_lookup(s, what, id) && container_load(s, id, out) == 0) {
		if (streq(out->name, what))
			return 0;
		container_release(out);
	}
	if (is_id(what) && container_load(s, what, out) == 0)
		return 0;
	if (container_list(s, &cs, &n, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (streq(cs[i].name, what) || streq(cs[i].id, what)) {
			hits = 1;
			hit = i;
			break;
		}
		if (strlen(what) >= 3 && str_has_prefix(cs[i].id, what)) {
			hits++;
			hit = i;
		}
	}
	if (hits != 1) {
		container_free_list(cs, n);
		if (hits > 1)
			return err_set(err, 0, "ambiguous container id '%s'", what);
		return err_set_code(err, ENOENT, "no such container: '%s'", what);
	}
	*out = cs[hit];
	memset(&cs[hit], 0, sizeof(cs[hit]));
	container_free_list(cs, n);
	return 0;
}

/* The one container directory under containers/ whose id is what or starts
 * with what (3+ hex digits) and whose record does not load. */
static int damaged_by_id(struct store *s, const char *what, char id[65])
{
	cleanup_close int fd = openat(s->rootfd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_strv char **names = fd >= 0 ? fs_dir_names(fd, false) : NULL;
	size_t hits = 0, len = strlen(what);

	if (len < 3 || len > 64)
		return 0;
	for (char **n = names; n && *n; n++) {
		struct container c;

		if (!is_id(*n) || strncmp(*n, what, len) != 0)
			continue;
		if (container_load(s, *n, &c) == 0) {
			container_release(&c);
			continue;
		}
		if (++hits == 1)
			snprintf(id, 65, "%s", *n);
	}
	return (int)hits;
}

static int find_damaged(struct store *s, const char *what, struct container *out, char **why,
			struct err **err)
{
	cleanup_free char *cj = NULL, *dir = NULL;
	cleanup_err struct err *perr = NULL;
	cJSON *doc;
	char id[65];
	bool by_name = false;
	int hits;

	if (name_lookup(s, what, id)) {
		dir = xasprintf("containers/%s", id);
		by_name = faccessat(s->rootfd, dir, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	}
	if (!by_name) {
		hits = damaged_by_id(s, what, id);
		if (hits > 1)
			return err_set(err, 0, "ambiguous container id '%s'", what);
		if (hits == 0)
			return err_set(err, ENOENT, "no such container: '%s'", what);
	}
	/* why the record does not load, for the caller's warning */
	cj = xasprintf("containers/%s/container.json", id);
	doc = json_load_fileat(s->rootfd, cj, 0, &perr);
	if (doc) {
		struct container c;

		if (container_parse(doc, &c, &perr) == 0) {
			/* the record is fine after all (made meanwhile) */
			*out = c;
			*why = NULL;
			return 0;
		}
		cJSON_Delete(doc);
	}
	*why = xstrdup(perr && perr->msg ? perr->msg : "unreadable");
	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%s", id);
	out->name = xstrdup(by_name ? what : "");
	out->image = xstrdup("");
	out->created = xstrdup("");
	/* unknown driver: overlay's unmount is a no-op where nothing is mounted */
	out->driver = STORE_DRIVER_OVERLAY;
	out->chain_ids = xcalloc(1, sizeof(char *));
	return 0;
}

bool container_is_mounted(struct store *s, const struct container *c)
{
	cleanup_free char *p = xasprintf("%s/containers/%s/bundle/rootfs", s->root, c->id);

	return path_is_mountpoint(p);
}

/* A container that goes when it exits (kist's run --rm): its overlay need
 * not be synced. */
static bool auto_removed(const cJSON *overrides)
{
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(overrides, "Annotations");
	const cJSON *rm = cJSON_GetObjectItemCaseSensitive(ann, "io.kist.rm");

	return cJSON_IsString(rm) && streq(rm->valuestring, "true");
}

static int mount_at(struct store *s, const char *dir, char *const *chain_ids, bool volatile_,
		    struct err **err)
{
	size_t n = strv_len(chain_ids), i;
	const char **lowers = xcalloc(n + 2, sizeof(char *));
	char(*names)[SHORT_LINK_LEN + 3] = xcalloc(n + 2, sizeof(*names));
	cleanup_free char *layers = xasprintf("%s/layers", s->root);
	cleanup_free char *upper = xasprintf("%s/upper", dir);
	cleanup_free char *work = xasprintf("%s/work", dir);
	cleanup_free char *target = xasprintf("%s/bundle/rootfs", dir);
	int r;

	if (n == 0) {
		/* overlayfs wants a lower layer: an empty one */
		if (mkdirat(s->layersfd, "empty", 0755) < 0 && errno != EEXIST)
			return err_set(err, errno, "create '%s/empty'", layers);
		lowers[0] = "empty";
		n = 1;
	} else {
		for (i = 0; i < n; i++) {
			char shortname[SHORT_LINK_LEN + 1];

			layer_short_link(s, chain_ids[n - 1 - i], shortname);
			snprintf(names[i], sizeof(names[i]), "l/%s", shortname);
			lowers[i] = names[i];
		}
	}
	r = overlay_mount(lowers, n, layers, upper, work, target, volatile_, err);
	free(lowers);
	free(names);
	return r;
}

int container_mount(struct store *s, const struct container *c, struct err **err)
{
	cleanup_free char *dir = container_dir(s, c->id);

	if (c->driver == STORE_DRIVER_VFS || container_is_mounted(s, c))
		return 0;
	for (size_t i = 0; c->chain_ids[i]; i++)
		if (!layer_exists(s, c->chain_ids[i]))
			return err_set_code(err, ENOENT, "container '%s': layer %s is missing",
					    c->name, c->chain_ids[i]);
	return mount_at(s, dir, c->chain_ids,
			auto_removed(cJSON_GetObjectItemCaseSensitive(c->doc, "Overrides")), err);
}

int container_umount(struct store *s, const struct container *c, struct err **err)
{
	cleanup_free char *p = xasprintf("%s/containers/%s/bundle/rootfs", s->root, c->id);

	if (c->driver == STORE_DRIVER_VFS)
		return 0;
	return overlay_umount(p, err);
}

static int lock_containers(struct store *s, struct err **err)
{
	return lock_acquireat(s->rootfd, "containers/.lock", LOCK_MODE_EXCLUSIVE, true, err);
}

/* Under the containers lock: what a removal killed after its rename left
 * (containers/.tmp-del-<id>); nothing else can be using it. */
static void sweep_deleted(struct store *s)
{
	int cfd = openat(s->rootfd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *cd = cfd >= 0 ? fdopendir(cfd) : NULL;
	struct dirent *de;

	if (!cd) {
		fs_close(cfd);
		return;
	}
	while ((de = readdir(cd)))
		if (str_has_prefix(de->d_name, ".tmp-del-"))
			fs_rm_rfat(dirfd(cd), de->d_name, NULL);
	closedir(cd);
}

/* Under the containers lock. */
static int remove_locked(struct store *s, const struct container *c, bool force, struct err **err)
{
	cleanup_free char *from = xasprintf("containers/%s", c->id);
	cleanup_free char *to = xasprintf("containers/.tmp-del-%s", c->id);
	cleanup_free char *state = xasprintf("%s/runtime/%s/state.json", s->run, c->id);
	const char *shown = *c->name ? c->name : c->id;

	if (!force && container_shim_alive(s, c->id))
		return err_set_code(err, EBUSY,
				    "container '%s' is running (its shim holds it): stop it first "
				    "or use -f",
				    shown);
	if (!force && fs_exists(state))
		return err_set_code(err, EBUSY,
				    "container '%s' is known to the runtime ('%s' exists): delete "
				    "it there first or use -f",
				    shown, state);
	if (container_umount(s, c, err) < 0)
		return -1;
	sweep_deleted(s);
	if (renameat(s->rootfd, from, s->rootfd, to) < 0)
		return err_set(err, errno, "remove container '%s'", c->id);
	if (c->doc)
		name_unlink(s, c->name, c->id);
	else
		container_names_sweep(s); /* a damaged record: its name is not known */
	return fs_rm_rfat(s->rootfd, to, err);
}

int container_remove(struct store *s, const struct container *c, bool force, struct err **err)
{
	cleanup_close int lock = lock_containers(s, err);

	if (lock < 0)
		return -1;
	return remove_locked(s, c, force, err);
}

int container_remove_damaged(struct store *s, const char *what, bool force, char id[65], char **why,
			     struct err **err)
{
	cleanup_close int lock = lock_containers(s, err);
	struct container c;
	int r;

	/* under the lock: a container being made (no record yet) holds it */
	if (lock < 0 || find_damaged(s, what, &c, why, err) < 0)
		return -1;
	r = remove_locked(s, &c, force, err);
	if (r == 0)
		memcpy(id, c.id, 65);
	container_release(&c);
	return r;
}

static bool name_ok(const char *n)
{
	if (!*n || strlen(n) > 128)
		return false;
	if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || (*n >= '0' && *n <= '9')))
		return false;
	for (; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') ||
		      (*n >= '0' && *n <= '9') || *n == '_' || *n == '.' || *n == '-'))
			return false;
	return true;
}

static int write_json(int dirfd, const char *path, const cJSON *doc, struct err **err)
{
	cleanup_free char *text = json_print(doc, true);
	cleanup_close int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return err_set(err, errno, "create '%s'", path);
	if (fs_write_all(fd, text, strlen(text)) < 0 || fs_write_all(fd, "\n", 1) < 0)
		return err_set(err, errno, "write '%s'", path);
	return 0;
}

int container_create(struct store *s, const char *name, const char *image, const char *overrides,
		     char id_out[65], struct err **err)
{
	struct image img;
	cleanup_json cJSON *ov = NULL, *doc = NULL, *config = NULL, *conv = NULL, *mounts = NULL;
	cleanup_strv char **anon = NULL;
	cleanup_close int lock = -1, gclock = -1;
	cleanup_free char *now = store_time_now();
	cleanup_free char *tmpname = NULL, *tmpdir = NULL, *finalname = NULL;
	cleanup_free char *rootfs = NULL;
	size_t i;
	enum store_driver driver = store_driver(s);
	char id[65];
	cJSON *layers;
	int ret = -1;
	bool mounted = false, made = false, named = false;

	if (overrides) {
		ov = json_parse(overrides, strlen(overrides), "overrides", err);
		if (!ov)
			return -1;
		if (!cJSON_IsObject(ov))
			return err_set_code(err, EINVAL, "overrides must be a JSON object");
	}
	store_random_hex(id);
	if (!name)
		name = id;
	else if (!name_ok(name))
		return err_set(
		    err, EINVAL,
		    "invalid container name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
		    name);
	if (image_resolve(s, image, &img, err) < 0)
		return -1;
	gclock = store_gc_lock(s, false, err);
	if (gclock < 0)
		goto out;
	if (layer_unpack_image(s, &img, err) < 0)
		goto out;
	lock = lock_containers(s, err);
	if (lock < 0)
		goto out;
	if (names_ensure(s, err) < 0)
		goto out;
	{
		cleanup_free char *link = xasprintf(NAMES "/%s", name);
		char other[65];

		if (name_held(s, name, other)) {
			err_set_code(err, EEXIST,
				     "container name '%s' is already in use by container %s", name,
				     other);
			goto out;
		}
		unlinkat(s->rootfd, link, 0); /* none, or left by a crash */
		if (symlinkat(id, s->rootfd, link) < 0) {
			err_set(err, errno, "record container name '%s'", name);
			goto out;
		}
		named = true;
	}
	tmpname = xasprintf("containers/.tmp-%s", id);
	finalname = xasprintf("containers/%s", id);
	tmpdir = xasprintf("%s/%s", s->root, tmpname);
	if (mkdirat(s->rootfd, tmpname, 0711) < 0) {
		err_set(err, errno, "create '%s'", tmpdir);
		goto out;
	}
	{
		static const char *const sub[] = {"upper", "work", "bundle", "bundle/rootfs"};
		for (i = 0; i < ARRAY_SIZE(sub); i++) {
			cleanup_free char *p = xasprintf("%s/%s", tmpname, sub[i]);
			if (mkdirat(s->rootfd, p, 0755) < 0) {
				err_set(err, errno, "create '%s/%s'", tmpdir, sub[i]);
				fs_rm_rfat(s->rootfd, tmpname, NULL);
				goto out;
			}
		}
	}
	/* In place before the mount, so the mount options name the real paths;
	 * the container stays invisible until container.json appears (last). */
	if (renameat(s->rootfd, tmpname, s->rootfd, finalname) < 0) {
		err_set(err, errno, "rename '%s' into place", tmpdir);
		fs_rm_rfat(s->rootfd, tmpname, NULL);
		goto out;
	}
	made = true;
	free(tmpdir);
	tmpdir = xasprintf("%s/%s", s->root, finalname);
	doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "Id", id);
	cJSON_AddStringToObject(doc, "Name", name);
	cJSON_AddStringToObject(doc, "Image", image);
	cJSON_AddStringToObject(doc, "ImageID", img.id);
	cJSON_AddStringToObject(doc, "ImageManifest", img.manifest_digest);
	cJSON_AddStringToObject(doc, "Created", now);
	cJSON_AddStringToObject(doc, "Driver", store_driver_name(driver));
	layers = cJSON_AddArrayToObject(doc, "Layers");
	for (i = 0; i < img.n_layers; i++)
		cJSON_AddItemToArray(layers, cJSON_CreateString(img.chain_ids[i]));
	cJSON_AddItemToObject(doc, "Overrides",
			      ov ? cJSON_Duplicate(ov, true) : cJSON_CreateObject());

	rootfs = xasprintf("%s/bundle/rootfs", tmpdir);
	if (driver == STORE_DRIVER_VFS) {
		cleanup_close int dst = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		mode_t old = umask(0);

		for (i = 0; i < img.n_layers && dst >= 0; i++) {
			cleanup_free char *p = layer_diff_path(s, img.chain_ids[i]);
			cleanup_close int src = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			if (src < 0 || copy_apply_diff(src, dst, err) < 0) {
				umask(old);
				if (src < 0)
					err_set(err, errno, "open '%s'", p);
				goto out;
			}
		}
		umask(old);
	} else {
		char **chains = NULL;

		for (i = 0; i < img.n_layers; i++)
			strv_push(&chains, img.chain_ids[i]);
		if (!chains)
			chains = xcalloc(1, sizeof(char *));
		ret = mount_at(s, tmpdir, chains, auto_removed(ov), err);
		strv_free(chains);
		if (ret < 0)
			goto out;
		ret = -1;
		mounted = true;
	}
	if (volume_mounts(s, img.config, ov, rootfs, &conv, &mounts, &anon, err) < 0)
		goto out;
	cJSON_AddItemToObject(doc, "Mounts", steal_pointer(&mounts));
	{
		char host[13];

		snprintf(host, sizeof(host), "%.12s", id);
		if (bundle_config(s, &img, conv, rootfs, host, &config, err) < 0)
			goto out;
	}
	{
		/* the command, for listings that read only container.json */
		const cJSON *args = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(config, "process"), "args");

		if (cJSON_IsArray(args))
			cJSON_AddItemToObject(doc, "Args", cJSON_Duplicate(args, true));
	}
	{
		cleanup_free char *p = xasprintf("%s/bundle/config.json", finalname);
		cleanup_free char *cj = xasprintf("%s/container.json.tmp", finalname);
		cleanup_free char *cjf = xasprintf("%s/container.json", finalname);

		/* No fsync: a container only becomes visible by the last rename. */
		if (write_json(s->rootfd, p, config, err) < 0 ||
		    write_json(s->rootfd, cj, doc, err) < 0)
			goto out;
		if (renameat(s->rootfd, cj, s->rootfd, cjf) < 0) {
			err_set(err, errno, "rename '%s/%s' into place", s->root, cj);
			goto out;
		}
	}
	memcpy(id_out, id, 65);
	ret = 0;
out:
	if (ret < 0 && made) {
		if (mounted)
			overlay_umount(rootfs, NULL);
		fs_rm_rfat(s->rootfd, finalname, NULL);
	}
	if (ret < 0 && named)
		name_unlink(s, name, id);
	if (ret < 0)
		volume_drop(s, anon);
	image_release(&img);
	return ret;
}

int container_rename(struct store *s, const struct container *c, const char *name, struct err **err)
{
	cleanup_close int lock = -1;
	cleanup_free char *link = xasprintf(NAMES "/%s", name);
	cleanup_free char *cj = xasprintf("containers/%s/container.json", c->id);
	cleanup_free char *tmp = xasprintf("containers/%s/container.json.tmp", c->id);
	cleanup_json cJSON *doc = NULL;
	char other[65];

	if (!name_ok(name))
		return err_set_code(
		    err, EINVAL,
		    "invalid container name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
		    name);
	lock = lock_containers(s, err);
	if (lock < 0 || names_ensure(s, err) < 0)
		return -1;
	if (name_held(s, name, other))
		return err_set_code(err, EEXIST,
				    "container name '%s' is already in use by container %s", name,
				    other);
	doc = json_load_fileat(s->rootfd, cj, 0, err);
	if (!doc)
		return -1;
	cJSON_ReplaceItemInObjectCaseSensitive(doc, "Name", cJSON_CreateString(name));
	unlinkat(s->rootfd, link, 0); /* none, or left by a crash */
	if (symlinkat(c->id, s->rootfd, link) < 0)
		return err_set(err, errno, "record container name '%s'", name);
	unlinkat(s->rootfd, tmp, 0);
	if (write_json(s->rootfd, tmp, doc, err) < 0 ||
	    renameat(s->rootfd, tmp, s->rootfd, cj) < 0) {
		if (!err || !*err)
			err_set(err, errno, "rename '%s/%s' into place", s->root, tmp);
		unlinkat(s->rootfd, link, 0);
		return -1;
	}
	name_unlink(s, c->name, c->id);
	return 0;
}
