/* gc.c: remove what nothing references: blobs, unpacked layers, leftovers
 * of interrupted operations.  Commands that write blobs before naming them
 * hold ROOT/.gc.lock shared; gc takes it exclusive. */
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
#include "spec/image.h"
#include "store/store.h"

struct set {
	char **v;
	size_t n, cap;
};

static bool set_has(const struct set *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (streq(s->v[i], x))
			return true;
	return false;
}

static void set_add(struct set *s, const char *x)
{
	if (set_has(s, x))
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = xrealloc(s->v, s->cap * sizeof(char *));
	}
	s->v[s->n++] = xstrdup(x);
}

static void set_free(struct set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

int store_gc_lock(struct store *s, bool exclusive, struct err **err)
{
	return lock_acquireat(s->rootfd, ".gc.lock",
			      exclusive ? LOCK_MODE_EXCLUSIVE : LOCK_MODE_SHARED, true, err);
}

/* Blobs a manifest or index (and what it points at) uses.  A missing blob
 * protects nothing; one that cannot be read or is not JSON is an error (what
 * it points at cannot be told apart from garbage). */
static int mark_blob(struct store *s, const char *digest, int depth, struct set *blobs,
		     struct err **err)
{
	cleanup_free char *data = NULL;
	cleanup_json cJSON *j = NULL;
	const cJSON *e;
	size_t len;

	if (set_has(blobs, digest))
		return 0;
	set_add(blobs, digest);
	if (depth > 4 || !layout_blob_exists(&s->oci, digest))
		return 0;
	if (layout_blob_read(&s->oci, digest, SPEC_MAX_DOC_SIZE, &data, &len, err) < 0)
		return -1;
	j = json_parse(data, len, digest, err);
	if (!j)
		return -1;
	e = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "config"),
					     "digest");
	if (cJSON_IsString(e))
		set_add(blobs, e->valuestring);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "layers"))
	{
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "digest");
		if (cJSON_IsString(d))
			set_add(blobs, d->valuestring);
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "manifests"))
	{
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "digest");
		if (cJSON_IsString(d) && mark_blob(s, d->valuestring, depth + 1, blobs, err) < 0)
			return -1;
	}
	return 0;
}

/* What the index and the containers keep alive. */
static int mark(struct store *s, struct set *blobs, struct set *chains, struct err **err)
{
	struct layout_ref *refs = NULL;
	struct image *imgs = NULL;
	struct container *cs = NULL;
	size_t nrefs = 0, nimg = 0, nc = 0, i, k;

	if (layout_ref_list(&s->oci, &refs, &nrefs, err) < 0)
		return -1;
	for (i = 0; i < nrefs; i++)
		if (mark_blob(s, refs[i].desc.digest, 0, blobs, err) < 0) {
			err_wrap(err, "image '%s'", refs[i].name ? refs[i].name : "(unnamed)");
			layout_ref_list_free(refs, nrefs);
			return -1;
		}
	layout_ref_list_free(refs, nrefs);
	if (image_list(s, &imgs, &nimg, err) < 0)
		return -1;
	for (i = 0; i < nimg; i++)
		for (k = 0; k < imgs[i].n_layers; k++)
			set_add(chains, digest_hex(imgs[i].chain_ids[k]));
	image_free_list(imgs, nimg);
	if (container_list(s, &cs, &nc, err) < 0)
		return -1;
	for (i = 0; i < nc; i++) {
		if (digest_is_valid(cs[i].manifest_digest) &&
		    mark_blob(s, cs[i].manifest_digest, 0, blobs, err) < 0) {
			err_wrap(err, "container %.12s", cs[i].id);
			container_free_list(cs, nc);
			return -1;
		}
		for (k = 0; cs[i].chain_ids && cs[i].chain_ids[k]; k++)
			set_add(chains, digest_hex(cs[i].chain_ids[k]));
	}
	container_free_list(cs, nc);
	return 0;
}

static int64_t tree_size(int parent, const char *name)
{
	struct stat st;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return S_ISREG(st.st_mode) ? st.st_blocks * 512 : 0;
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	DIR *d = fdopendir(fd);
	if (!d) {
		fs_close(fd);
		return 0;
	}
	int64_t total = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			total += tree_size(fd, de->d_name);
	closedir(d);
	return total;
}

int64_t store_tree_size(int parent, const char *name)
{
	return tree_size(parent, name);
}

int store_gc(struct store *s, bool verbose, int64_t *freed, struct err **err)
{
	struct set blobs = {0}, chains = {0};
	cleanup_close int lock = -1;
	cleanup_strv char **all = NULL;
	cleanup_dir DIR *d = NULL;
	struct dirent *de;
	int64_t total = 0;
	int fd, ret = -1;
	size_t i;

	lock = store_gc_lock(s, true, err);
	if (lock < 0)
		return -1;
	if (mark(s, &blobs, &chains, err) < 0) {
		/* never "nothing is referenced": that would delete every blob */
		err_wrap(err, "gc: cannot tell what is in use, nothing removed");
		goto out;
	}
	if (layout_blob_list(&s->oci, &all, err) < 0)
		goto out;
	for (i = 0; all[i]; i++) {
		uint64_t size = 0;

		if (set_has(&blobs, all[i]))
			continue;
		layout_blob_size(&s->oci, all[i], &size, NULL);
		if (layout_blob_remove(&s->oci, all[i], err) < 0)
			goto out;
		total += (int64_t)size;
		if (verbose)
			printf("deleted blob %s\n", all[i]);
	}
	fd = openat(s->layersfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		fs_close(fd);
		err_set(err, errno, "read '%s/layers'", s->root);
		goto out;
	}
	while ((de = readdir(d))) {
		const char *n = de->d_name;

		if (digest_hex_is_valid(n) && !set_has(&chains, n)) {
			total += tree_size(s->layersfd, n);
			if (layer_remove(s, n, err) < 0)
				goto out;
			if (verbose)
				printf("deleted layer sha256:%s\n", n);
		} else if (str_has_prefix(n, ".tmp-") || str_has_prefix(n, ".del-")) {
			/* Leftover of a killed unpack or remove: only if no one holds its lock. */
			char hex[65];
			cleanup_free char *lockname = NULL;
			cleanup_close int l = -1;

			snprintf(hex, sizeof(hex), "%s", n + 5);
			lockname = xasprintf(".lock-%s", hex);
			l = lock_acquireat(s->layersfd, lockname, LOCK_MODE_EXCLUSIVE, false, NULL);
			if (l < 0)
				continue;
			total += tree_size(s->layersfd, n);
			fs_rm_rfat(s->layersfd, n, NULL);
			if (verbose)
				printf("deleted leftover layers/%s\n", n);
		} else if (str_has_prefix(n, ".lock-") && digest_hex_is_valid(n + 6) &&
			   faccessat(s->layersfd, n + 6, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
			cleanup_close int l =
			    lock_acquireat(s->layersfd, n, LOCK_MODE_EXCLUSIVE, false, NULL);
			if (l >= 0)
				unlinkat(s->layersfd, n, 0);
		}
	}
	/* Dangling short links. */
	{
		int lfd = openat(s->layersfd, "l", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *ld = lfd >= 0 ? fdopendir(lfd) : NULL;

		if (!ld)
			fs_close(lfd);
		while (ld && (de = readdir(ld))) {
			struct stat st;

			if (de->d_name[0] == '.')
				continue;
			if (fstatat(dirfd(ld), de->d_name, &st, 0) < 0 && errno == ENOENT)
				unlinkat(dirfd(ld), de->d_name, 0);
		}
		if (ld)
			closedir(ld);
	}
	/* Temporary blobs of writers that died, and fetch's partials (ingest/
	 * <hex>.partial) no pull holds: a pull holds .gc.lock shared and its
	 * partial's flock, so neither is held here for a live one.  A partial
	 * is resumable, but a registry that claims 10 GB and streams junk
	 * would otherwise fill the disk for good. */
	{
		int ifd = openat(s->oci.dirfd, "ingest", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *id = ifd >= 0 ? fdopendir(ifd) : NULL;

		if (!id)
			fs_close(ifd);
		while (id && (de = readdir(id))) {
			if (!str_has_prefix(de->d_name, "tmp-") &&
			    !str_has_suffix(de->d_name, ".partial"))
				continue;
			cleanup_close int l =
			    lock_acquireat(dirfd(id), de->d_name, LOCK_MODE_EXCLUSIVE, false, NULL);
			if (l >= 0) {
				total += tree_size(dirfd(id), de->d_name);
				unlinkat(dirfd(id), de->d_name, 0);
				if (verbose)
					printf("deleted partial %s\n", de->d_name);
			}
		}
		if (id)
			closedir(id);
	}
	/* Half-made containers and scratch space. */
	{
		int cfd = openat(s->rootfd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *cd = cfd >= 0 ? fdopendir(cfd) : NULL;

		if (!cd)
			fs_close(cfd);
		/* creations in progress hold the lock */
		cleanup_close int clock =
		    lock_acquireat(s->rootfd, "containers/.lock", LOCK_MODE_EXCLUSIVE, true, NULL);

		while (cd && (de = readdir(cd))) {
			cleanup_free char *cj = xasprintf("%s/container.json", de->d_name);
			bool half = digest_hex_is_valid(de->d_name) &&
				    faccessat(dirfd(cd), cj, F_OK, AT_SYMLINK_NOFOLLOW) < 0;

			if (str_has_prefix(de->d_name, ".names-tmp-")) {
				fs_rm_rfat(dirfd(cd), de->d_name, NULL);
				continue;
			}
			if (str_has_prefix(de->d_name, ".tmp-") || half) {
				cleanup_free char *p = xasprintf("%s/containers/%s/bundle/rootfs",
								 s->root, de->d_name);
				if (path_is_mountpoint(p))
					overlay_umount(p, NULL);
				fs_rm_rfat(dirfd(cd), de->d_name, NULL);
			}
		}
		if (cd)
			closedir(cd);
		/* name links whose container is gone */
		container_names_sweep(s);
	}
	{
		int tfd = openat(s->rootfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *td = tfd >= 0 ? fdopendir(tfd) : NULL;

		if (!td)
			fs_close(tfd);
		while (td && (de = readdir(td))) {
			if (streq(de->d_name, ".") || streq(de->d_name, ".."))
				continue;
			total += tree_size(dirfd(td), de->d_name);
			fs_rm_rfat(dirfd(td), de->d_name, NULL);
		}
		if (td)
			closedir(td);
	}
	if (freed)
		*freed = total;
	ret = 0;
out:
	set_free(&blobs);
	set_free(&chains);
	return ret;
}

/* After an image left the index: remove its blobs and layers unless still
 * used.  candidates: the blobs and chain ids the removed image used. */
int store_sweep_image(struct store *s, const struct image *img, FILE *out, struct err **err)
{
	struct set blobs = {0}, chains = {0}, cand = {0};
	int ret = -1;
	size_t i;

	if (mark(s, &blobs, &chains, err) < 0)
		goto done;
	if (set_has(&blobs, img->manifest_digest)) {
		ret = 0; /* still named or listed */
		goto done;
	}
	/* candidates only: what cannot be read stays for gc */
	(void)mark_blob(s, img->manifest_digest, 0, &cand, NULL);
	set_add(&cand, img->id);
	if (out && !set_has(&blobs, img->id))
		fprintf(out, "Deleted: %s\n", img->id);
	for (i = img->n_layers; i-- > 0;) {
		const char *hex = digest_hex(img->chain_ids[i]);

		if (set_has(&chains, hex))
			continue;
		if (out)
			fprintf(out, "Deleted: %s\n", img->chain_ids[i]);
		if (layer_remove(s, hex, err) < 0)
			goto done;
	}
	for (i = 0; i < cand.n; i++)
		if (!set_has(&blobs, cand.v[i]) && layout_blob_exists(&s->oci, cand.v[i]) &&
		    layout_blob_remove(&s->oci, cand.v[i], err) < 0)
			goto done;
	ret = 0;
done:
	set_free(&blobs);
	set_free(&chains);
	set_free(&cand);
	return ret;
}
