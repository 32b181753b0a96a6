/* archive.c: images in and out of the store as files:
 *   docker-archive  manifest.json [{Config, RepoTags, Layers}], repositories,
 *                   <diff-id>.tar (uncompressed layers), <id>.json (config)
 *   oci-archive     a tar of an OCI image layout
 *   OCI layouts     directories (import-layout / export-layout)
 * Blobs are verified as they are written; names change only once every blob
 * of an image is in place, so an interrupted load leaves nothing visible. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/ref.h"
#include "common/util.h"
#include "spec/docker_archive.h"
#include "spec/image.h"
#include "spec/layout.h"
#include "store/store.h"

#define MAX_SMALL (4u << 20)

/* ---- writing ---- */

static int aw_fail(struct archive *a, const char *what, struct err **err)
{
	return err_set(err, archive_errno(a) > 0 ? archive_errno(a) : 0, "write %s: %s", what,
		       archive_error_string(a));
}

static int add_bytes(struct archive *a, const char *name, const void *data, size_t len,
		     struct err **err)
{
	struct archive_entry *e = archive_entry_new();
	int r = 0;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, 0, 0);
	if (archive_write_header(a, e) < ARCHIVE_WARN ||
	    (len && archive_write_data(a, data, len) < 0))
		r = aw_fail(a, name, err);
	archive_entry_free(e);
	return r;
}

static int add_dir(struct archive *a, const char *name, struct err **err)
{
	struct archive_entry *e = archive_entry_new();
	int r = 0;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFDIR);
	archive_entry_set_perm(e, 0755);
	archive_entry_set_mtime(e, 0, 0);
	if (archive_write_header(a, e) < ARCHIVE_WARN)
		r = aw_fail(a, name, err);
	archive_entry_free(e);
	return r;
}

/* A blob as it is stored. */
static int add_blob(struct store *s, struct archive *a, const char *name, const char *digest,
		    struct err **err)
{
	struct archive_entry *e;
	cleanup_close int fd = -1;
	uint64_t size;
	char buf[1 << 16];
	int r = 0;

	if (layout_blob_size(&s->oci, digest, &size, err) < 0)
		return -1;
	fd = layout_blob_open(&s->oci, digest, err);
	if (fd < 0)
		return -1;
	e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_mtime(e, 0, 0);
	if (archive_write_header(a, e) < ARCHIVE_WARN) {
		r = aw_fail(a, name, err);
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = err_set(err, errno, "read blob %s", digest);
			goto out;
		}
		if (n == 0)
			break;
		if (archive_write_data(a, buf, (size_t)n) < 0) {
			r = aw_fail(a, name, err);
			goto out;
		}
	}
out:
	archive_entry_free(e);
	return r;
}

struct count_tap {
	int64_t size;
	struct digester *d;
	struct archive *out;
};

static int tap_count(void *arg, const void *data, size_t len, struct err **err)
{
	struct count_tap *t = arg;

	t->size += (int64_t)len;
	if (t->d)
		digester_update(t->d, data, len);
	if (t->out && archive_write_data(t->out, data, len) < 0)
		return err_set(err, 0, "write layer: %s", archive_error_string(t->out));
	return 0;
}

/* Run a layer blob through the decompressor with a tap. */
static int layer_stream(struct store *s, const char *digest, struct count_tap *t, struct err **err)
{
	cleanup_close int fd = layout_blob_open(&s->oci, digest, err);
	struct stream *st;

	if (fd < 0)
		return -1;
	st = stream_open_fd(fd, tap_count, t, err);
	if (!st)
		return -1;
	return stream_finish(st, err);
}

/* The uncompressed layer (docker-archive's <diff>.tar), verified. */
static int add_layer_tar(struct store *s, struct archive *a, const char *name, const char *blob,
			 const char *diff_id, struct err **err)
{
	struct count_tap t = {.d = digester_new()};
	struct archive_entry *e;
	char got[DIGEST_STR_MAX];
	int r;

	r = layer_stream(s, blob, &t, err);
	digester_final(t.d, got);
	digester_free(t.d);
	if (r < 0)
		return -1;
	if (!streq(got, diff_id))
		return err_set(err, 0, "layer %s: diff id mismatch: expected %s got %s", blob,
			       diff_id, got);
	e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, t.size);
	archive_entry_set_mtime(e, 0, 0);
	r = archive_write_header(a, e);
	archive_entry_free(e);
	if (r < ARCHIVE_WARN)
		return aw_fail(a, name, err);
	t = (struct count_tap){.out = a};
	return layer_stream(s, blob, &t, err);
}

static bool strv_has(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (streq(v[i], s))
			return true;
	return false;
}

int archive_save(struct store *s, char *const *refs, size_t n, int outfd, bool oci,
		 struct err **err)
{
	struct archive *a = archive_write_new();
	struct image *imgs = xcalloc(n + 1, sizeof(*imgs));
	char **matched = xcalloc(n + 1, sizeof(char *));
	cleanup_strv char **done = NULL;
	cleanup_json cJSON *manifest = cJSON_CreateArray(), *repos = cJSON_CreateObject();
	cleanup_json cJSON *index = cJSON_CreateObject();
	size_t i, k, loaded = 0;
	int ret = -1;

	archive_write_set_format_pax_restricted(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_fd(a, outfd) != ARCHIVE_OK) {
		aw_fail(a, "archive", err);
		goto out;
	}
	for (i = 0; i < n; i++, loaded++) {
		int r = image_find(s, refs[i], &imgs[i], &matched[i], err);

		if (r == 0)
			err_set_code(err, ENOENT, "no such image: '%s'", refs[i]);
		if (r <= 0)
			goto out;
	}
	if (oci) {
		cJSON *ms;

		if (add_bytes(a, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30, err) < 0 ||
		    add_dir(a, "blobs", err) < 0 || add_dir(a, "blobs/sha256", err) < 0)
			goto out;
		cJSON_AddNumberToObject(index, "schemaVersion", 2);
		cJSON_AddStringToObject(index, "mediaType", MT_OCI_INDEX);
		ms = cJSON_AddArrayToObject(index, "manifests");
		for (i = 0; i < n; i++) {
			struct image *img = &imgs[i];
			const char *blobs[3] = {img->manifest_digest, img->id, NULL};
			cJSON *ent = cJSON_CreateObject();

			for (k = 0; k < img->n_layers + 2; k++) {
				const char *d = k < 2 ? blobs[k] : img->layers[k - 2];
				cleanup_free char *name =
				    xasprintf("blobs/sha256/%s", digest_hex(d));

				if (strv_has(done, d))
					continue;
				strv_push(&done, d);
				if (add_blob(s, a, name, d, err) < 0)
					goto out;
			}
			if (img->manifest &&
			    cJSON_GetObjectItemCaseSensitive(img->manifest, "config") &&
			    spec_media_type_is_index(img->manifest_media_type)) {
				/* only the selected platform's manifest was loaded */
			}
			cJSON_AddStringToObject(ent, "mediaType", img->manifest_media_type);
			cJSON_AddStringToObject(ent, "digest", img->manifest_digest);
			cJSON_AddNumberToObject(ent, "size", (double)img->manifest_size);
			if (matched[i] || img->n_names) {
				cJSON *ann = cJSON_AddObjectToObject(ent, "annotations");
				const char *nm = matched[i] ? matched[i] : img->names[0];
				cJSON_AddStringToObject(ann, LAYOUT_REF_ANNOTATION, nm);
				cJSON_AddStringToObject(ann, "io.containerd.image.name", nm);
			}
			cJSON_AddItemToArray(ms, ent);
		}
		{
			cleanup_free char *text = json_print(index, false);
			if (add_bytes(a, "index.json", text, strlen(text), err) < 0)
				goto out;
		}
	} else {
		for (i = 0; i < n; i++) {
			struct image *img = &imgs[i];
			cJSON *m = cJSON_CreateObject(), *tags, *layers;
			cleanup_free char *cname = xasprintf("%s.json", digest_hex(img->id));

			cJSON_AddItemToArray(manifest, m);
			cJSON_AddStringToObject(m, "Config", cname);
			tags = cJSON_AddArrayToObject(m, "RepoTags");
			layers = cJSON_AddArrayToObject(m, "Layers");
			if (!strv_has(done, img->id)) {
				cleanup_free char *data = NULL;
				size_t len;

				strv_push(&done, img->id);
				if (layout_blob_read(&s->oci, img->id, MAX_SMALL, &data, &len,
						     err) < 0 ||
				    add_bytes(a, cname, data, len, err) < 0)
					goto out;
			}
			for (k = 0; k < img->n_layers; k++) {
				cleanup_free char *lname =
				    xasprintf("%s.tar", digest_hex(img->diff_ids[k]));

				cJSON_AddItemToArray(layers, cJSON_CreateString(lname));
				if (strv_has(done, img->diff_ids[k]))
					continue;
				strv_push(&done, img->diff_ids[k]);
				if (add_layer_tar(s, a, lname, img->layers[k], img->diff_ids[k],
						  err) < 0)
					goto out;
			}
			if (matched[i]) {
				cleanup_free char *repo = NULL, *tag = NULL;
				cleanup_free char *fam = image_familiar(matched[i]);
				cJSON *r;

				cJSON_AddItemToArray(tags, cJSON_CreateString(fam));
				image_repo_tag(matched[i], &repo, &tag, NULL);
				r = cJSON_GetObjectItemCaseSensitive(repos, repo);
				if (!r)
					r = cJSON_AddObjectToObject(repos, repo);
				if (img->n_layers && !streq(tag, "<none>"))
					cJSON_AddStringToObject(
					    r, tag, digest_hex(img->diff_ids[img->n_layers - 1]));
			}
		}
		{
			cleanup_free char *mtext = json_print(manifest, false);
			cleanup_free char *rtext = json_print(repos, false);

			if (add_bytes(a, "manifest.json", mtext, strlen(mtext), err) < 0 ||
			    add_bytes(a, "repositories", rtext, strlen(rtext), err) < 0)
				goto out;
		}
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		aw_fail(a, "archive", err);
		goto out;
	}
	ret = 0;
out:
	archive_write_free(a);
	image_free_list(imgs, loaded);
	for (i = 0; i < n; i++)
		free(matched[i]);
	free(matched);
	return ret;
}

/* ---- reading ---- */

struct small {
	char *name;
	char *data;
	size_t len;
};

struct loaded_layer {
	char *name;
	struct spec_descriptor desc;
	char diff_id[DIGEST_STR_MAX];
};

struct load {
	struct small *small;
	size_t n_small;
	struct loaded_layer *layers;
	size_t n_layers;
};

static void load_release(struct load *l)
{
	for (size_t i = 0; i < l->n_small; i++) {
		free(l->small[i].name);
		free(l->small[i].data);
	}
	free(l->small);
	for (size_t i = 0; i < l->n_layers; i++) {
		free(l->layers[i].name);
		spec_descriptor_release(&l->layers[i].desc);
	}
	free(l->layers);
}

static const struct small *find_small(const struct load *l, const char *name)
{
	for (size_t i = 0; i < l->n_small; i++)
		if (streq(l->small[i].name, name))
			return &l->small[i];
	return NULL;
}

/* Stream the current entry into a blob whose digest its name gives. */
static int entry_to_blob(struct store *s, struct archive *a, const char *hex, int64_t size,
			 struct err **err)
{
	cleanup_free char *digest = xasprintf("sha256:%s", hex);
	struct blob_writer *w;

	if (digest_validate(digest, err) < 0)
		return -1;
	if (layout_blob_exists(&s->oci, digest))
		return 0;
	if (layout_blob_begin(&s->oci, digest, size, false, &w, err) < 0)
		return -1;
	for (;;) {
		const void *p;
		size_t n;
		la_int64_t off;
		int r = archive_read_data_block(a, &p, &n, &off);

		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			blob_writer_abort(w, false);
			return err_set(err, 0, "read archive: %s", archive_error_string(a));
		}
		if (blob_writer_write(w, p, n, err) < 0) {
			blob_writer_abort(w, false);
			return -1;
		}
	}
	return blob_writer_commit(w, NULL, err);
}

static int read_small(struct archive *a, int64_t size, char **out, size_t *len, struct err **err)
{
	char *buf = xmalloc((size_t)size + 1);
	la_ssize_t n, got = 0;

	while ((n = archive_read_data(a, buf + got, (size_t)(size - got))) > 0)
		got += n;
	if (n < 0) {
		free(buf);
		return err_set(err, 0, "read archive: %s", archive_error_string(a));
	}
	buf[got] = '\0';
	*out = buf;
	*len = (size_t)got;
	return 0;
}

static const char *blob_media_type(struct store *s, const char *digest)
{
	cleanup_close int fd = layout_blob_open(&s->oci, digest, NULL);
	unsigned char m[4] = {0};

	if (fd >= 0 && read(fd, m, 4) == 4) {
		if (m[0] == 0x1f && m[1] == 0x8b)
			return MT_OCI_LAYER_GZIP;
		if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
			return MT_OCI_LAYER_ZSTD;
	}
	return MT_OCI_LAYER;
}

/* A docker-archive image: config + layers from manifest.json. */
static int load_docker_image(struct store *s, struct load *l, const struct spec_archive_image *m,
			     FILE *out, struct err **err)
{
	const char *cname = m->config;
	cleanup_free char *cdata = NULL;
	size_t clen = 0;
	cleanup_json cJSON *config = NULL, *descs = cJSON_CreateArray();
	cleanup_strv char **names = NULL;
	const cJSON *diffs;
	struct spec_descriptor man = SPEC_DESCRIPTOR_INIT;
	char id[DIGEST_STR_MAX], blob[DIGEST_STR_MAX];

	if (spec_archive_name_blob(cname, blob)) {
		if (layout_blob_read(&s->oci, blob, MAX_SMALL, &cdata, &clen, err) < 0)
			return -1;
	} else {
		const struct small *c = find_small(l, cname);
		if (!c)
			return err_set_code(err, ENOENT, "archive: config '%s' is missing", cname);
		cdata = xmalloc(c->len + 1);
		memcpy(cdata, c->data, c->len + 1);
		clen = c->len;
	}
	config = json_parse(cdata, clen, cname, err);
	if (!config)
		return -1;
	diffs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(config, "rootfs"),
						 "diff_ids");
	if ((int)m->n_layers != cJSON_GetArraySize(diffs))
		return err_set(err, 0, "archive: %zu layers but %d diff_ids in '%s'", m->n_layers,
			       cJSON_GetArraySize(diffs), cname);
	for (size_t i = 0; i < m->n_layers; i++) {
		const cJSON *want = cJSON_GetArrayItem(diffs, (int)i);
		const char *ln = m->layers[i];
		size_t k;

		if (!cJSON_IsString(want))
			return err_set(err, 0,
				       "archive: '%s': rootfs.diff_ids[%zu] is not a string", cname,
				       i);
		if (spec_archive_name_blob(ln, blob)) {
			struct spec_descriptor d = SPEC_DESCRIPTOR_INIT;
			uint64_t size;

			memcpy(d.digest, blob, sizeof(d.digest));
			if (layout_blob_size(&s->oci, d.digest, &size, err) < 0)
				return err_wrap(err, "archive: layer '%s'", ln);
			d.size = (int64_t)size;
			d.media_type = (char *)blob_media_type(s, d.digest);
			if (streq(d.media_type, MT_OCI_LAYER) &&
			    !streq(d.digest, want->valuestring))
				return err_set(err, 0,
					       "archive: layer '%s': diff id mismatch: expected %s",
					       ln, want->valuestring);
			cJSON_AddItemToArray(descs, spec_descriptor_to_json(&d));
			continue;
		}
		for (k = 0; k < l->n_layers; k++)
			if (streq(l->layers[k].name, ln))
				break;
		if (k == l->n_layers)
			return err_set_code(err, ENOENT, "archive: layer '%s' is missing", ln);
		if (!streq(l->layers[k].diff_id, want->valuestring))
			return err_set(err, 0,
				       "archive: layer '%s': diff id mismatch: expected %s got %s",
				       ln, want->valuestring, l->layers[k].diff_id);
		cJSON_AddItemToArray(descs, spec_descriptor_to_json(&l->layers[k].desc));
	}
	for (size_t i = 0; m->repo_tags && m->repo_tags[i]; i++) {
		char *full = image_normalise(m->repo_tags[i], err);

		if (!full)
			return err_wrap(err, "archive: RepoTags");
		strv_push(&names, full);
		free(full);
	}
	if (image_write(s, cdata, clen, descs, names, &man, err) < 0)
		return -1;
	spec_descriptor_release(&man);
	digest_buf(cdata, clen, id);
	if (!names) {
		fprintf(out, "Loaded image ID: %s\n", id);
	} else {
		for (size_t i = 0; m->repo_tags[i]; i++)
			fprintf(out, "Loaded image: %s\n", m->repo_tags[i]);
	}
	return 0;
}

/* The name an OCI index entry carries, normalised, or NULL. */
static char *entry_full_name(const struct spec_descriptor *d)
{
	const char *n = spec_descriptor_annotation(d, "io.containerd.image.name");

	if (!n) {
		n = spec_descriptor_annotation(d, LAYOUT_REF_ANNOTATION);
		if (n && !strchr(n, ':') && !strchr(n, '/'))
			n = NULL; /* a bare tag names no repository */
	}
	return n ? image_normalise(n, NULL) : NULL;
}

static int name_entry(struct store *s, const struct spec_descriptor *d, const char *full, FILE *out,
		      struct err **err)
{
	struct spec_descriptor plain = SPEC_DESCRIPTOR_INIT;
	struct image img;
	int r;

	/* Refuse what the store cannot read before it becomes visible. */
	if (image_load(s, d, &img, err) < 0)
		return -1;
	plain.media_type = d->media_type;
	memcpy(plain.digest, d->digest, DIGEST_STR_MAX);
	plain.size = d->size;
	r = image_set_ref(s, full, &plain, err);
	if (r == 0 && out) {
		if (full) {
			cleanup_free char *fam = image_familiar(full);
			fprintf(out, "Loaded image: %s\n", fam);
		} else {
			fprintf(out, "Loaded image ID: %s\n", img.id);
		}
	}
	image_release(&img);
	return r;
}

static int load_oci_index(struct store *s, struct load *l, const struct small *idx, FILE *out,
			  struct err **err)
{
	struct spec_index index = SPEC_INDEX_INIT;
	size_t i;
	int r = 0;

	(void)l;
	if (spec_index_parse(idx->data, idx->len, &index, err) < 0)
		return err_wrap(err, "archive: index.json");
	for (i = 0; i < index.n_manifests && r == 0; i++) {
		cleanup_free char *full = entry_full_name(&index.manifests[i]);

		r = name_entry(s, &index.manifests[i], full, out, err);
	}
	spec_index_release(&index);
	return r;
}

int archive_load(struct store *s, int infd, FILE *out, struct err **err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct load l = {0};
	cleanup_close int gclock = -1;
	const struct small *m;
	int r, ret = -1;

	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	gclock = store_gc_lock(s, false, err);
	if (gclock < 0)
		goto out;
	if (archive_read_open_fd(a, infd, 1 << 20) != ARCHIVE_OK) {
		err_set(err, 0, "read archive: %s", archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *name = spec_archive_name_clean(
		    archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
		int64_t size = archive_entry_size(e);

		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (str_has_prefix(name, "blobs/sha256/") && !strchr(name + 13, '/')) {
			if (entry_to_blob(s, a, name + 13, size, err) < 0) {
				err_wrap(err, "archive entry '%s'", name);
				goto out;
			}
		} else if ((str_has_suffix(name, ".json") || streq(name, "repositories") ||
			    streq(name, "oci-layout") || streq(name, "VERSION")) &&
			   size <= (int64_t)MAX_SMALL) {
			l.small = xrealloc(l.small, (l.n_small + 1) * sizeof(*l.small));
			if (read_small(a, size, &l.small[l.n_small].data, &l.small[l.n_small].len,
				       err) < 0)
				goto out;
			l.small[l.n_small++].name = xstrdup(name);
		} else if (str_has_suffix(name, ".tar") || str_has_suffix(name, "layer.tar") ||
			   str_has_suffix(name, ".tar.gz")) {
			struct loaded_layer *ll;

			l.layers = xrealloc(l.layers, (l.n_layers + 1) * sizeof(*l.layers));
			ll = &l.layers[l.n_layers];
			memset(ll, 0, sizeof(*ll));
			if (layer_from_entry(s, a, &ll->desc, ll->diff_id, err) < 0) {
				err_wrap(err, "archive layer '%s'", name);
				goto out;
			}
			ll->name = xstrdup(name);
			l.n_layers++;
		}
	}
	if (r != ARCHIVE_EOF) {
		err_set(err, 0, "read archive: %s", archive_error_string(a));
		goto out;
	}
	if ((m = find_small(&l, "manifest.json"))) {
		struct spec_archive_manifest man = SPEC_ARCHIVE_MANIFEST_INIT;

		if (spec_archive_manifest_parse(m->data, m->len, &man, err) < 0)
			goto out;
		for (size_t i = 0; i < man.n_images; i++) {
			if (load_docker_image(s, &l, &man.images[i], out, err) < 0) {
				spec_archive_manifest_release(&man);
				goto out;
			}
		}
		spec_archive_manifest_release(&man);
	} else if ((m = find_small(&l, "index.json"))) {
		if (load_oci_index(s, &l, m, out, err) < 0)
			goto out;
	} else {
		err_set(err, 0,
			"not a docker-archive or oci-archive: no manifest.json or index.json");
		goto out;
	}
	ret = 0;
out:
	archive_read_free(a);
	load_release(&l);
	return ret;
}

/* ---- OCI layout directories ---- */

static int copy_blob(struct layout *src, struct layout *dst, const char *digest, int64_t size,
		     struct err **err)
{
	cleanup_close int fd = -1;
	struct blob_writer *w;
	char buf[1 << 16];

	if (layout_blob_exists(dst, digest))
		return 0;
	fd = layout_blob_open(src, digest, err);
	if (fd < 0)
		return -1;
	if (layout_blob_begin(dst, digest, size, false, &w, err) < 0)
		return -1;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			blob_writer_abort(w, false);
			return err_set(err, errno, "read blob %s", digest);
		}
		if (n == 0)
			break;
		if (blob_writer_write(w, buf, (size_t)n, err) < 0) {
			blob_writer_abort(w, false);
			return -1;
		}
	}
	return blob_writer_commit(w, NULL, err);
}

/* A manifest or index and everything it points at that src has. */
static int copy_tree(struct layout *src, struct layout *dst, const char *digest, int64_t size,
		     int depth, struct err **err)
{
	cleanup_free char *data = NULL;
	cleanup_json cJSON *j = NULL;
	const cJSON *e;
	size_t len;

	if (depth > 4)
		return err_set(err, 0, "manifest %s: nested too deeply", digest);
	if (layout_blob_read(src, digest, SPEC_MAX_DOC_SIZE, &data, &len, err) < 0)
		return -1;
	j = json_parse(data, len, digest, err);
	if (!j)
		return -1;
	e = cJSON_GetObjectItemCaseSensitive(j, "config");
	if (e) {
		struct spec_descriptor d = SPEC_DESCRIPTOR_INIT;
		int r = spec_descriptor_parse(e, "config", &d, err) < 0 ||
			copy_blob(src, dst, d.digest, d.size, err) < 0;
		spec_descriptor_release(&d);
		if (r)
			return -1;
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "layers"))
	{
		struct spec_descriptor d = SPEC_DESCRIPTOR_INIT;
		int r = spec_descriptor_parse(e, "layers[]", &d, err) < 0 ||
			copy_blob(src, dst, d.digest, d.size, err) < 0;
		spec_descriptor_release(&d);
		if (r)
			return -1;
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "manifests"))
	{
		struct spec_descriptor d = SPEC_DESCRIPTOR_INIT;
		int r = spec_descriptor_parse(e, "manifests[]", &d, err);

		if (r == 0 && layout_blob_exists(src, d.digest))
			r = copy_tree(src, dst, d.digest, d.size, depth + 1, err);
		spec_descriptor_release(&d);
		if (r < 0)
			return -1;
	}
	return copy_blob(src, dst, digest, size, err);
}

int layout_import(struct store *s, const char *dir, const char *select, const char *name, FILE *out,
		  struct err **err)
{
	struct layout src = LAYOUT_INIT;
	struct layout_ref *refs = NULL;
	size_t n = 0, i, done = 0;
	cleanup_close int gclock = -1;
	int ret = -1;

	if (layout_open(dir, false, &src, err) < 0)
		return -1;
	if (layout_ref_list(&src, &refs, &n, err) < 0)
		goto out;
	gclock = store_gc_lock(s, false, err);
	if (gclock < 0)
		goto out;
	for (i = 0; i < n; i++) {
		cleanup_free char *full = NULL;

		if (select && !(refs[i].name && streq(refs[i].name, select)))
			continue;
		if (!spec_media_type_is_manifest(refs[i].desc.media_type) &&
		    !spec_media_type_is_index(refs[i].desc.media_type))
			continue;
		if (name) {
			full = image_normalise(name, err);
			if (!full)
				goto out;
		} else if (select) {
			full = image_normalise(select, err);
			if (!full)
				goto out;
		} else {
			full = entry_full_name(&refs[i].desc);
		}
		if (copy_tree(&src, &s->oci, refs[i].desc.digest, refs[i].desc.size, 0, err) < 0 ||
		    name_entry(s, &refs[i].desc, full, out, err) < 0) {
			err_wrap(err, "import '%s'", dir);
			goto out;
		}
		done++;
		if (select)
			break;
	}
	if (done == 0) {
		if (select)
			err_set_code(err, ENOENT, "import '%s': no image named '%s' in the layout",
				     dir, select);
		else
			err_set_code(err, ENOENT, "import '%s': the layout holds no image", dir);
		goto out;
	}
	ret = 0;
out:
	layout_ref_list_free(refs, n);
	layout_close(&src);
	return ret;
}

int layout_export(struct store *s, const char *what, const char *dir, const char *name,
		  struct err **err)
{
	struct layout dst = LAYOUT_INIT;
	struct spec_descriptor d = SPEC_DESCRIPTOR_INIT;
	struct image img;
	cleanup_free char *matched = NULL;
	int r;

	r = image_find(s, what, &img, &matched, err);
	if (r == 0)
		return err_set_code(err, ENOENT, "no such image: '%s'", what);
	if (r < 0)
		return -1;
	if (layout_open(dir, true, &dst, err) < 0) {
		image_release(&img);
		return -1;
	}
	r = copy_tree(&s->oci, &dst, img.manifest_digest, img.manifest_size, 0, err);
	if (r == 0) {
		const char *nm = name          ? name
				 : matched     ? matched
				 : img.n_names ? img.names[0]
					       : NULL;

		d.media_type = img.manifest_media_type;
		memcpy(d.digest, img.manifest_digest, DIGEST_STR_MAX);
		d.size = img.manifest_size;
		if (nm)
			r = layout_ref_set(&dst, nm, &d, err);
	}
	layout_close(&dst);
	image_release(&img);
	return r;
}
