/* commit.c: a container's changes: commit (upper dir -> new layer and
 * image), diff (A/C/D) and export (flat tar of the merged rootfs). */
#define _GNU_SOURCE
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
#include <time.h>
#include <unistd.h>
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "spec/image.h"
#include "store/store.h"

static int container_image(struct store *s, const struct container *c, struct image *img,
			   struct err **err)
{
	struct spec_descriptor d = SPEC_DESCRIPTOR_INIT;
	int r;

	memcpy(d.digest, c->manifest_digest, DIGEST_STR_MAX);
	d.media_type = NULL;
	r = image_load(s, &d, img, err);
	if (r < 0)
		return err_wrap(err, "image of container '%s'", c->name);
	return 0;
}

/* The container's changes in overlay upper-dir form: its upper dir, or for
 * a vfs container a change set made in ROOT/tmp (*tmp, to be removed with
 * drop_upper). */
static int open_upper(struct store *s, const struct container *c, char **tmp, struct err **err)
{
	cleanup_free char *p = xasprintf("%s/containers/%s/upper", s->root, c->id);
	int fd;

	*tmp = NULL;
	if (c->driver == STORE_DRIVER_VFS)
		return vfs_changes(s, c, tmp, err);
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", p);
	return fd;
}

static void drop_upper(char *tmp)
{
	if (tmp)
		fs_rm_rf(tmp, NULL);
	free(tmp);
}

/* RFC 3339 of a fixed time, whole seconds (reproducible builds). */
static char *time_at(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[64];

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

int container_commit(struct store *s, const struct container *c, const char *ref,
		     const struct commit_opts *o, char id_out[DIGEST_STR_MAX],
		     char manifest_out[DIGEST_STR_MAX], struct err **err)
{
	char *const *changes = o->changes;
	const char *message = o->message, *author = o->author;
	struct image img;
	struct layer_writer *w = NULL;
	struct spec_descriptor layer = SPEC_DESCRIPTOR_INIT, man = SPEC_DESCRIPTOR_INIT;
	cleanup_close int upper = -1, gclock = -1;
	cleanup_free char *full = NULL, *now = NULL, *ctext = NULL;
	char *tmp = NULL;
	cleanup_json cJSON *config = NULL, *layers = NULL;
	char diff_id[DIGEST_STR_MAX];
	char *names[2] = {NULL, NULL};
	cJSON *cfg, *rootfs, *diffs, *hist, *h;
	const cJSON *l;
	int ret = -1;

	if (ref) {
		full = image_normalise(ref, err);
		if (!full)
			return -1;
		names[0] = full;
	}
	gclock = store_gc_lock(s, false, err);
	if (gclock < 0)
		return -1;
	upper = open_upper(s, c, &tmp, err);
	if (upper < 0)
		return -1;
	if (container_image(s, c, &img, err) < 0) {
		drop_upper(tmp);
		return -1;
	}
	config = cJSON_Duplicate(img.config, true);
	cfg = cJSON_GetObjectItemCaseSensitive(config, "config");
	if (!cJSON_IsObject(cfg)) {
		cJSON_DeleteItemFromObjectCaseSensitive(config, "config");
		cfg = cJSON_AddObjectToObject(config, "config");
	}
	if (changes && image_apply_changes(cfg, changes, err) < 0)
		goto out;
	if (layer_writer_new(s, &w, err) < 0)
		goto out;
	if (tarw_write_tree_clamped(upper, TARW_OVERLAY, o->timestamp, layer_writer_write, w, err) <
	    0) {
		layer_writer_abort(w);
		goto out;
	}
	if (layer_writer_commit(w, &layer, diff_id, NULL, err) < 0)
		goto out;
	now = o->timestamp >= 0 ? time_at(o->timestamp) : store_time_now();
	cJSON_DeleteItemFromObjectCaseSensitive(config, "created");
	cJSON_AddStringToObject(config, "created", now);
	if (author) {
		cJSON_DeleteItemFromObjectCaseSensitive(config, "author");
		cJSON_AddStringToObject(config, "author", author);
	}
	rootfs = cJSON_GetObjectItemCaseSensitive(config, "rootfs");
	diffs = cJSON_GetObjectItemCaseSensitive(rootfs, "diff_ids");
	cJSON_AddItemToArray(diffs, cJSON_CreateString(diff_id));
	hist = cJSON_GetObjectItemCaseSensitive(config, "history");
	if (!cJSON_IsArray(hist)) {
		cJSON_DeleteItemFromObjectCaseSensitive(config, "history");
		hist = cJSON_AddArrayToObject(config, "history");
	}
	h = cJSON_CreateObject();
	cJSON_AddStringToObject(h, "created", now);
	if (author)
		cJSON_AddStringToObject(h, "author", author);
	if (o->created_by) {
		cJSON_AddStringToObject(h, "created_by", o->created_by);
	} else {
		cleanup_free char *by = xasprintf("kist-store commit %s", c->name);
		cJSON_AddStringToObject(h, "created_by", by);
	}
	if (message)
		cJSON_AddStringToObject(h, "comment", message);
	cJSON_AddItemToArray(hist, h);
	layers = cJSON_CreateArray();
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(img.manifest, "layers"))
	    cJSON_AddItemToArray(layers, cJSON_Duplicate(l, true));
	cJSON_AddItemToArray(layers, spec_descriptor_to_json(&layer));
	ctext = json_print(config, false);
	if (image_write(s, ctext, strlen(ctext), layers, names, &man, err) < 0)
		goto out;
	digest_buf(ctext, strlen(ctext), id_out);
	if (manifest_out)
		memcpy(manifest_out, man.digest, DIGEST_STR_MAX);
	ret = 0;
out:
	spec_descriptor_release(&layer);
	spec_descriptor_release(&man);
	image_release(&img);
	drop_upper(tmp);
	return ret;
}

/* ---- diff ---- */

struct differ {
	int *lowers; /* top first */
	size_t n;
	FILE *out;
};

static bool in_lower(struct differ *d, const char *parent, const char *name)
{
	for (size_t i = 0; i < d->n; i++) {
		struct stat st;
		int pfd = *parent ? layer_open_beneath(d->lowers[i], parent, O_PATH | O_DIRECTORY)
				  : dup(d->lowers[i]);
		int r;

		if (pfd < 0)
			continue;
		r = fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW);
		fs_close(pfd);
		if (r == 0)
			return !(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	}
	return false;
}

static int diff_walk(struct differ *d, int dirfd, const char *prefix, struct err **err)
{
	cleanup_strv char **names = fs_dir_names(dirfd, true);

	if (!names)
		return err_set(err, errno, "read '%s'", prefix);
	for (char **n = names; *n; n++) {
		cleanup_free char *path = xasprintf("%s/%s", prefix, *n);
		struct stat st;
		int sub, r;

		if (fstatat(dirfd, *n, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
			fprintf(d->out, "D %s\n", path);
			continue;
		}
		fprintf(d->out, "%c %s\n", in_lower(d, prefix[0] ? prefix + 1 : "", *n) ? 'C' : 'A',
			path);
		if (!S_ISDIR(st.st_mode))
			continue;
		sub = openat(dirfd, *n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return err_set(err, errno, "open '%s'", path);
		r = diff_walk(d, sub, path, err);
		fs_close(sub);
		if (r < 0)
			return -1;
	}
	return 0;
}

int container_diff(struct store *s, const struct container *c, FILE *out, struct err **err)
{
	struct differ d = {.out = out};
	cleanup_close int gclock = store_gc_lock(s, false, err), upper = -1;
	char *tmp = NULL;
	size_t n = strv_len(c->chain_ids), i;
	int ret;

	if (gclock < 0)
		return -1;
	upper = open_upper(s, c, &tmp, err);
	if (upper < 0)
		return -1;
	d.lowers = xcalloc(n + 1, sizeof(int));
	for (i = 0; i < n; i++) {
		cleanup_free char *p = layer_diff_path(s, c->chain_ids[n - 1 - i]);
		d.lowers[d.n] = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d.lowers[d.n] >= 0)
			d.n++;
	}
	ret = diff_walk(&d, upper, "", err);
	for (i = 0; i < d.n; i++)
		fs_close(d.lowers[i]);
	free(d.lowers);
	drop_upper(tmp);
	return ret;
}

/* ---- export ---- */

static int sink_fd(void *arg, const void *data, size_t len, struct err **err)
{
	if (fs_write_all(*(int *)arg, data, len) < 0)
		return err_set(err, errno, "write tar");
	return 0;
}

int container_export(struct store *s, const struct container *c, int outfd, struct err **err)
{
	cleanup_free char *p = xasprintf("%s/containers/%s/bundle/rootfs", s->root, c->id);
	cleanup_close int fd = -1;

	if (container_mount(s, c, err) < 0)
		return -1;
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", p);
	return tarw_write_tree(fd, TARW_FLAT, sink_fd, &outfd, err);
}
