/* fsck.c: check a store's invariants from the outside in, one problem a
 * line: every ref resolves (manifest, config and layer blobs present),
 * every blob hashes to its name, every unpacked layer is complete and has
 * its parents unpacked, no layer dir nothing uses, every container has a
 * readable record and its layers, no mount under containers/ without its
 * container, no partial download no pull holds.  With repair, what nothing
 * references is removed (stale partials, orphaned layers, dangling short
 * links, unreferenced blobs with bad content, containers a killed creation
 * left half made); what is referenced is only reported.  Runs under
 * ROOT/.gc.lock held exclusive, as gc does, so writes in flight are not
 * mistaken for damage. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
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

struct fsck {
	struct store *s;
	bool repair;
	size_t problems; /* found and left */
	size_t repaired;
	char **blobs;        /* digests something references */
	char **chains;       /* chain id hexes something uses */
	bool chains_unknown; /* an image or the containers could not be read */
};

static bool has(char *const *v, const char *x)
{
	for (; v && *v; v++)
		if (streq(*v, x))
			return true;
	return false;
}

static void add(char ***v, const char *x)
{
	if (!has(*v, x))
		strv_push(v, x);
}

PRINTF(2, 3) static void problem(struct fsck *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	f->problems++;
}

/* A problem that repair fixed: printed with what was done. */
PRINTF(2, 3) static void repaired(struct fsck *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	puts(": removed");
	f->repaired++;
}

/* Mark what a manifest or index uses; report what a manifest lacks.  An
 * index's missing children are no problem (a pull keeps one platform). */
static void walk_manifest(struct fsck *f, const char *who, const char *digest, int depth)
{
	cleanup_free char *data = NULL;
	cleanup_json cJSON *j = NULL;
	cleanup_err struct err *e = NULL;
	const cJSON *it;
	size_t len;

	add(&f->blobs, digest);
	if (depth > 4)
		return;
	if (!layout_blob_exists(&f->s->oci, digest)) {
		if (depth == 0)
			problem(f, "%s: manifest %s is missing", who, digest);
		return;
	}
	if (layout_blob_read(&f->s->oci, digest, SPEC_MAX_DOC_SIZE, &data, &len, &e) < 0 ||
	    !(j = json_parse(data, len, digest, &e))) {
		problem(f, "%s: %s", who, e->msg);
		return;
	}
	it = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "config"),
					      "digest");
	if (cJSON_IsString(it)) {
		add(&f->blobs, it->valuestring);
		if (!layout_blob_exists(&f->s->oci, it->valuestring))
			problem(f, "%s: config %s is missing", who, it->valuestring);
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "layers"))
	{
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(it, "digest");

		if (!cJSON_IsString(d))
			continue;
		add(&f->blobs, d->valuestring);
		if (!layout_blob_exists(&f->s->oci, d->valuestring))
			problem(f, "%s: layer blob %s is missing", who, d->valuestring);
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "manifests"))
	{
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(it, "digest");

		if (cJSON_IsString(d))
			walk_manifest(f, who, d->valuestring, depth + 1);
	}
}

/* Unpacked layers of a chain: each complete, none without its parent. */
static void check_chain(struct fsck *f, const char *who, char (*chain_ids)[DIGEST_STR_MAX],
			size_t n)
{
	for (size_t i = 0; i < n; i++) {
		add(&f->chains, digest_hex(chain_ids[i]));
		if (i > 0 && layer_exists(f->s, chain_ids[i]) &&
		    !layer_exists(f->s, chain_ids[i - 1]))
			problem(f, "%s: layer %s is unpacked but its parent %s is not", who,
				chain_ids[i], chain_ids[i - 1]);
	}
}

static int check_refs(struct fsck *f, struct err **err)
{
	struct layout_ref *refs = NULL;
	size_t n = 0;

	if (layout_ref_list(&f->s->oci, &refs, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *who = refs[i].name
					     ? xasprintf("image '%s'", refs[i].name)
					     : xasprintf("unnamed image %s", refs[i].desc.digest);
		cleanup_err struct err *e = NULL;
		struct image img;

		walk_manifest(f, who, refs[i].desc.digest, 0);
		if (!layout_blob_exists(&f->s->oci, refs[i].desc.digest))
			continue;
		if (image_load(f->s, &refs[i].desc, &img, &e) < 0) {
			problem(f, "%s: %s", who, e->msg);
			f->chains_unknown = true;
			continue;
		}
		check_chain(f, who, img.chain_ids, img.n_layers);
		image_release(&img);
	}
	layout_ref_list_free(refs, n);
	return 0;
}

/* A container without a record whose maker is gone (a creation holds the
 * containers lock until its record is written, as gc counts on; a removal
 * too until its directory is gone): its mount and directory removed, as gc
 * does.  The lock is taken once, on the first. */
static bool remove_half_made(struct fsck *f, int dirfd, const char *id, const char *rootfs,
			     int *lock)
{
	cleanup_free char *cj = xasprintf("%s/container.json", id);

	if (*lock < 0)
		*lock = lock_acquireat(f->s->rootfd, "containers/.lock", LOCK_MODE_EXCLUSIVE, true,
				       NULL);
	if (*lock < 0)
		return false;
	/* made whole while we waited for the lock */
	if (faccessat(dirfd, cj, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
	    faccessat(dirfd, id, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	if (path_is_mountpoint(rootfs) && overlay_umount(rootfs, NULL) < 0)
		return false;
	return fs_rm_rfat(dirfd, id, NULL) == 0;
}

/* Every container: a record, its layers; half-made ones are removed by
 * repair (and gc). */
static void check_containers(struct fsck *f)
{
	struct container *cs = NULL;
	size_t n = 0;
	cleanup_close int fd =
	    openat(f->s->rootfd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_strv char **names = fd >= 0 ? fs_dir_names(fd, true) : NULL;
	cleanup_close int lock = -1;

	if (container_list(f->s, &cs, &n, NULL) < 0) {
		problem(f, "containers: cannot be listed");
		f->chains_unknown = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *who = xasprintf("container %.12s", cs[i].id);

		if (digest_is_valid(cs[i].manifest_digest))
			add(&f->blobs, cs[i].manifest_digest);
		for (size_t k = 0; cs[i].chain_ids[k]; k++) {
			add(&f->chains, digest_hex(cs[i].chain_ids[k]));
			if (!layer_exists(f->s, cs[i].chain_ids[k]))
				problem(f, "%s: layer %s is missing", who, cs[i].chain_ids[k]);
		}
	}
	for (char **p = names; p && *p; p++) {
		cleanup_free char *cj = NULL, *rootfs = NULL;
		bool listed = false;

		if (!digest_hex_is_valid(*p))
			continue;
		for (size_t i = 0; i < n && !listed; i++)
			listed = streq(cs[i].id, *p);
		if (listed)
			continue;
		cj = xasprintf("%s/container.json", *p);
		rootfs = xasprintf("%s/containers/%s/bundle/rootfs", f->s->root, *p);
		if (faccessat(fd, cj, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
			problem(f,
				"container %.12s: damaged record '%s/containers/%s' (remove it "
				"with rm-container)",
				*p, f->s->root, cj);
		} else if (f->repair && remove_half_made(f, fd, *p, rootfs, &lock)) {
			repaired(f, "container %.12s: no record (half made)", *p);
			continue;
		} else {
			problem(f, "container %.12s: no record (half made; gc removes it)", *p);
		}
		if (path_is_mountpoint(rootfs))
			problem(f, "container %.12s: '%s' is mounted", *p, rootfs);
	}
	container_free_list(cs, n);
}

static void check_blobs(struct fsck *f)
{
	cleanup_strv char **all = NULL;
	cleanup_err struct err *e = NULL;

	if (layout_blob_list(&f->s->oci, &all, &e) < 0) {
		problem(f, "blobs: %s", e->msg);
		return;
	}
	for (char **p = all; *p; p++) {
		cleanup_err struct err *e2 = NULL;
		cleanup_close int bfd = layout_blob_open(&f->s->oci, *p, &e2);

		if (bfd >= 0 && digest_verify_fd(bfd, *p, &e2) == 0)
			continue;
		if (f->repair && !has(f->blobs, *p) &&
		    layout_blob_remove(&f->s->oci, *p, NULL) == 0)
			repaired(f, "blob %s: content does not match its digest", *p);
		else
			problem(f, "blob %s: content does not match its digest%s", *p,
				has(f->blobs, *p) ? "" : " (unreferenced)");
	}
}

static void check_layers(struct fsck *f)
{
	cleanup_close int fd = openat(f->s->layersfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int lfd = openat(f->s->layersfd, "l", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_strv char **names = fd >= 0 ? fs_dir_names(fd, true) : NULL;
	cleanup_strv char **links = lfd >= 0 ? fs_dir_names(lfd, true) : NULL;
	struct stat st;

	for (char **p = names; p && *p; p++) {
		cleanup_free char *diff = NULL, *link = NULL;

		if (!digest_hex_is_valid(*p))
			continue;
		diff = xasprintf("%s/diff", *p);
		link = xasprintf("%s/link", *p);
		if (!has(f->chains, *p)) {
			/* what an unreadable image uses is not known: keep it */
			if (f->repair && !f->chains_unknown && layer_remove(f->s, *p, NULL) == 0)
				repaired(
				    f, "layer sha256:%s: orphaned (no image or container uses it)",
				    *p);
			else
				problem(f,
					"layer sha256:%s: orphaned (no image or container uses it)",
					*p);
			continue;
		}
		if (fstatat(fd, diff, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
		    fstatat(fd, link, &st, AT_SYMLINK_NOFOLLOW) < 0)
			problem(f, "layer sha256:%s: incomplete (no diff/ or link)", *p);
	}
	for (char **p = links; p && *p; p++) {
		/* gone (removed with its layer above), or pointing somewhere */
		if (fstatat(lfd, *p, &st, AT_SYMLINK_NOFOLLOW) < 0 || fstatat(lfd, *p, &st, 0) == 0)
			continue;
		if (f->repair && unlinkat(lfd, *p, 0) == 0)
			repaired(f, "layers/l/%s: dangling short link", *p);
		else
			problem(f, "layers/l/%s: dangling short link", *p);
	}
}

/* Downloads and temporary blobs whose writer is gone (no flock on them). */
static void check_partials(struct fsck *f)
{
	cleanup_close int fd =
	    openat(f->s->oci.dirfd, "ingest", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_strv char **names = fd >= 0 ? fs_dir_names(fd, true) : NULL;

	for (char **p = names; p && *p; p++) {
		cleanup_close int l = -1;

		if (!str_has_prefix(*p, "tmp-") && !str_has_suffix(*p, ".partial"))
			continue;
		l = lock_acquireat(fd, *p, LOCK_MODE_EXCLUSIVE, false, NULL);
		if (l < 0)
			continue; /* a live writer holds it */
		if (f->repair && unlinkat(fd, *p, 0) == 0)
			repaired(f, "oci/ingest/%s: stale partial download", *p);
		else
			problem(f, "oci/ingest/%s: stale partial download", *p);
	}
}

int store_fsck(struct store *s, bool repair, size_t *problems, struct err **err)
{
	struct fsck f = {.s = s, .repair = repair};
	cleanup_close int lock = store_gc_lock(s, true, err);
	int ret = -1;

	if (lock < 0)
		return -1;
	if (check_refs(&f, err) < 0) {
		err_wrap(err, "fsck");
		goto out;
	}
	check_containers(&f);
	check_blobs(&f);
	check_layers(&f);
	check_partials(&f);
	*problems = f.problems;
	ret = 0;
out:
	strv_free(f.blobs);
	strv_free(f.chains);
	return ret;
}
