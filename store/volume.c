/* volume.c: named and anonymous volumes, ROOT/volumes/<name>/: _data (what
 * containers mount) and volume.json (docker's fields: Name, Driver "local",
 * Labels, Options, Scope, CreatedAt).  A volume is made in
 * volumes/.tmp-XXXXXX and renamed into place once complete; volumes are
 * made, used by new containers and removed under containers/.lock, so "in
 * use" (a container's record names it in its Mounts) cannot change under a
 * removal.  Names follow docker's rule [a-zA-Z0-9][a-zA-Z0-9_.-]+, so no
 * name can leave volumes/ or collide with the dot files kept there. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include "common/lock.h"
#include "common/log.h"
#include "common/util.h"
#include "store/store.h"

#define VOLUME_META "volume.json"

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (!first && (c == '_' || c == '.' || c == '-'));
}

bool volume_name_valid(const char *name)
{
	if (!name || !name_char(name[0], true) || strlen(name) > 255)
		return false;
	for (const char *p = name + 1; *p; p++)
		if (!name_char(*p, false))
			return false;
	return name[1] != '\0';
}

int volume_name_check(const char *name, struct err **err)
{
	if (volume_name_valid(name))
		return 0;
	if (strlen(name) == 1 && name_char(name[0], true))
		return err_set_code(err, EINVAL,
				    "create %s: volume name is too short, names should be at least "
				    "two alphanumeric characters",
				    name);
	return err_set_code(err, EINVAL,
			    "create %s: \"%s\" includes invalid characters for a local volume "
			    "name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended "
			    "to pass a host directory, use absolute path",
			    name, name);
}

int volume_lock(struct store *s, struct err **err)
{
	/* the containers' lock: a volume's users are containers */
	return lock_acquireat(s->rootfd, "containers/.lock", LOCK_MODE_EXCLUSIVE, true, err);
}

char *volume_data_path(struct store *s, const char *name)
{
	char cwd[PATH_MAX];

	/* absolute: it is a bind mount's source and inspect's Source */
	if (s->root[0] != '/' && getcwd(cwd, sizeof(cwd)))
		return xasprintf("%s/%s/volumes/%s/_data", streq(cwd, "/") ? "" : cwd,
				 str_has_prefix(s->root, "./") ? s->root + 2 : s->root, name);
	return xasprintf("%s/volumes/%s/_data", s->root, name);
}

/* volumes/<name>, a real directory (never a symlink someone put there). */
static int open_volume_dir(struct store *s, const char *name)
{
	cleanup_free char *p = xasprintf("volumes/%s", name);

	return openat(s->rootfd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static cJSON *no_such(const char *name, struct err **err)
{
	err_set_code(err, ENOENT, "get %s: no such volume", name);
	return NULL;
}

cJSON *volume_get(struct store *s, const char *name, struct err **err)
{
	cleanup_close int dfd = -1;
	cleanup_free char *mp = NULL;
	struct stat st;
	cJSON *doc;

	if (!volume_name_valid(name))
		return no_such(name, err);
	dfd = open_volume_dir(s, name);
	if (dfd < 0) {
		if (errno == ENOENT)
			return no_such(name, err);
		err_set(err, errno, "volume '%s': open '%s/volumes/%s'", name, s->root, name);
		return NULL;
	}
	if (fstatat(dfd, "_data", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)) {
		err_set_code(err, EINVAL, "volume '%s': '%s/volumes/%s/_data' is not a directory",
			     name, s->root, name);
		return NULL;
	}
	doc = json_load_fileat(dfd, VOLUME_META, 1 << 20, err);
	if (!doc)
		return NULL;
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		err_set_code(err, EINVAL, "volume '%s': %s is not a JSON object", name,
			     VOLUME_META);
		return NULL;
	}
	/* the fields docker shows, in its order */
	{
		cJSON *out = cJSON_CreateObject(), *e;
		static const char *const keys[] = {"CreatedAt", "Driver",  "Labels", "Mountpoint",
						   "Name",      "Options", "Scope"};

		mp = volume_data_path(s, name);
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			if (streq(keys[i], "Mountpoint")) {
				cJSON_AddStringToObject(out, "Mountpoint", mp);
				continue;
			}
			if (streq(keys[i], "Name")) {
				cJSON_AddStringToObject(out, "Name", name);
				continue;
			}
			e = cJSON_DetachItemFromObjectCaseSensitive(doc, keys[i]);
			if (!e)
				e = streq(keys[i], "Driver")      ? cJSON_CreateString("local")
				    : streq(keys[i], "Scope")     ? cJSON_CreateString("local")
				    : streq(keys[i], "CreatedAt") ? cJSON_CreateString("")
								  : cJSON_CreateNull();
			cJSON_AddItemToObject(out, keys[i], e);
		}
		cJSON_Delete(doc);
		return out;
	}
}

bool volume_is_anonymous(const cJSON *vol)
{
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(vol, "Labels");

	return cJSON_GetObjectItemCaseSensitive(labels, VOLUME_ANON_LABEL) != NULL;
}

static char *now_seconds(void)
{
	cleanup_free char *t = store_time_now();
	char *dot = strchr(t, '.');

	/* docker shows CreatedAt to the second */
	return dot ? xasprintf("%.*sZ", (int)(dot - t), t) : xstrdup(t);
}

/* Under the lock no volume is being made or removed: a .tmp-* or .del-*
 * left in volumes/ is a crash's, and goes. */
static void sweep(struct store *s)
{
	cleanup_close int fd = openat(s->rootfd, "volumes", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_strv char **names = fd >= 0 ? fs_dir_names(fd, false) : NULL;

	for (char **n = names; n && *n; n++)
		if (str_has_prefix(*n, ".tmp-") || str_has_prefix(*n, ".del-"))
			fs_rm_rfat(fd, *n, NULL);
}

int volume_create_locked(struct store *s, const char *name, const cJSON *labels, bool anonymous,
			 bool *created, struct err **err)
{
	cleanup_free char *tmp = NULL, *tmpdir = NULL, *final = NULL, *now = NULL;
	cleanup_json cJSON *meta = NULL;
	cleanup_close int dfd = -1;
	cJSON *l;

	*created = false;
	if (volume_name_check(name, err) < 0)
		return -1;
	dfd = open_volume_dir(s, name);
	if (dfd >= 0)
		return 0; /* docker: creating an existing volume gives it back */
	if (errno != ENOENT)
		return err_set(err, errno, "create %s: open '%s/volumes/%s'", name, s->root, name);
	if (mkdirat(s->rootfd, "volumes", 0700) < 0 && errno != EEXIST)
		return err_set(err, errno, "create '%s/volumes'", s->root);
	sweep(s);
	tmpdir = xasprintf("%s/volumes/.tmp-XXXXXX", s->root);
	if (!mkdtemp(tmpdir))
		return err_set(err, errno, "create '%s'", tmpdir);
	tmp = xasprintf("volumes/%s", strrchr(tmpdir, '/') + 1);
	final = xasprintf("volumes/%s", name);
	now = now_seconds();
	meta = cJSON_CreateObject();
	cJSON_AddStringToObject(meta, "CreatedAt", now);
	cJSON_AddStringToObject(meta, "Driver", "local");
	l = labels ? cJSON_Duplicate(labels, true) : cJSON_CreateObject();
	if (anonymous && !cJSON_GetObjectItemCaseSensitive(l, VOLUME_ANON_LABEL))
		cJSON_AddStringToObject(l, VOLUME_ANON_LABEL, "");
	cJSON_AddItemToObject(meta, "Labels", l);
	cJSON_AddObjectToObject(meta, "Options");
	cJSON_AddStringToObject(meta, "Scope", "local");
	{
		cleanup_free char *data = xasprintf("%s/_data", tmp);
		cleanup_free char *mj = xasprintf("%s/" VOLUME_META, tmp);

		if (chmod(tmpdir, 0701) < 0 || mkdirat(s->rootfd, data, 0755) < 0 ||
		    fchmodat(s->rootfd, data, 0755, 0) < 0) {
			err_set(err, errno, "create volume '%s' in '%s'", name, tmpdir);
			goto fail;
		}
		if (json_write_fileat(s->rootfd, mj, meta, 0644, err) < 0)
			goto fail;
	}
	if (renameat(s->rootfd, tmp, s->rootfd, final) < 0) {
		err_set(err, errno, "create %s: rename '%s' into place", name, tmpdir);
		goto fail;
	}
	*created = true;
	return 0;
fail:
	fs_rm_rfat(s->rootfd, tmp, NULL);
	return -1;
}

char **volume_names(struct store *s)
{
	cleanup_close int fd = openat(s->rootfd, "volumes", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names = fd >= 0 ? fs_dir_names(fd, true) : NULL, **out = NULL;

	for (char **n = names; n && *n; n++)
		if (volume_name_valid(*n))
			strv_push(&out, *n);
	strv_free(names);
	return out ? out : xcalloc(1, sizeof(char *));
}

/* The volume names a container's record mounts (its Mounts of Type volume). */
static bool record_uses(const cJSON *doc, const char *name)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(doc, "Mounts"))
	{
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(m, "Type");
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(m, "Name");

		if (cJSON_IsString(t) && streq(t->valuestring, "volume") && cJSON_IsString(n) &&
		    streq(n->valuestring, name))
			return true;
	}
	return false;
}

int volume_users(struct store *s, const char *name, char ***ids, struct err **err)
{
	struct container *cs = NULL;
	size_t n = 0;

	*ids = NULL;
	if (container_list(s, &cs, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (record_uses(cs[i].doc, name))
			strv_push(ids, cs[i].id);
	container_free_list(cs, n);
	return 0;
}

/* Under the lock: remove volumes/<name> (renamed aside first, so a crash
 * never leaves half a volume under its name). */
static int remove_dir(struct store *s, const char *name, struct err **err)
{
	cleanup_free char *from = xasprintf("volumes/%s", name);
	cleanup_free char *to = xasprintf("volumes/.del-%s", name);

	fs_rm_rfat(s->rootfd, to, NULL);
	if (renameat(s->rootfd, from, s->rootfd, to) < 0)
		return err_set(err, errno, "remove %s", name);
	return fs_rm_rfat(s->rootfd, to, err);
}

int volume_remove_locked(struct store *s, const char *name, struct err **err)
{
	cleanup_json cJSON *vol = volume_get(s, name, err);
	cleanup_strv char **users = NULL;

	if (!vol)
		return -1;
	if (volume_users(s, name, &users, err) < 0)
		return -1;
	if (users) {
		struct buf list = BUF_INIT;
		int r;

		for (char **u = users; *u; u++) {
			if (u != users)
				buf_add(&list, " ", 1);
			buf_add(&list, *u, strlen(*u));
		}
		r = err_set_code(err, EBUSY, "remove %s: volume is in use - [%s]", name, list.data);
		buf_release(&list);
		return r;
	}
	return remove_dir(s, name, err);
}

void volume_remove_anonymous(struct store *s, const cJSON *record)
{
	cleanup_close int lock = -1;
	const cJSON *m;
	struct err *err = NULL;

	lock = volume_lock(s, &err);
	if (lock < 0)
		goto out;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(record, "Mounts"))
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(m, "Name");
		cleanup_json cJSON *vol = NULL;
		cleanup_strv char **users = NULL;

		if (!cJSON_IsString(n))
			continue;
		vol = volume_get(s, n->valuestring, NULL);
		if (!vol || !volume_is_anonymous(vol))
			continue;
		if (volume_users(s, n->valuestring, &users, NULL) < 0 || users)
			continue; /* still mounted by another container */
		if (remove_dir(s, n->valuestring, &err) < 0)
			goto out;
	}
out:
	if (err)
		log_warn("%s", err->msg);
	err_free(err);
}

int64_t volume_size(struct store *s, const char *name)
{
	cleanup_close int dfd = open_volume_dir(s, name);

	return dfd < 0 ? 0 : store_tree_size(dfd, "_data");
}

/* Every label filter ("k" or "k=v") matches the volume's labels. */
bool volume_labels_match(const cJSON *vol, char *const *filters)
{
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(vol, "Labels");

	for (; filters && *filters; filters++) {
		const char *eq = strchr(*filters, '=');
		cleanup_free char *k =
		    eq ? xstrndup(*filters, (size_t)(eq - *filters)) : xstrdup(*filters);
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(labels, k);

		if (!v || (eq && !(cJSON_IsString(v) && streq(v->valuestring, eq + 1))))
			return false;
	}
	return true;
}

int volume_prune(struct store *s, bool all, char *const *labels, char ***removed, int64_t *freed,
		 struct err **err)
{
	cleanup_close int lock = volume_lock(s, err);
	cleanup_strv char **names = NULL;

	*removed = NULL;
	*freed = 0;
	if (lock < 0)
		return -1;
	sweep(s);
	names = volume_names(s);
	for (char **n = names; *n; n++) {
		cleanup_json cJSON *vol = volume_get(s, *n, NULL);
		cleanup_strv char **users = NULL;
		int64_t size;

		if (!vol || (!all && !volume_is_anonymous(vol)) ||
		    !volume_labels_match(vol, labels))
			continue;
		if (volume_users(s, *n, &users, err) < 0)
			return -1;
		if (users)
			continue;
		size = volume_size(s, *n);
		if (remove_dir(s, *n, err) < 0)
			return -1;
		*freed += size;
		strv_push(removed, *n);
	}
	return 0;
}
