/* image.c: images as the index names them: load, list, find, name, write. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/err.h"
#include "common/json.h"
#include "common/ref.h"
#include "common/util.h"
#include "spec/image.h"
#include "spec/layout.h"
#include "store/store.h"

void image_release(struct image *img)
{
	free(img->manifest_media_type);
	cJSON_Delete(img->manifest);
	cJSON_Delete(img->config);
	free(img->layers);
	free(img->diff_ids);
	free(img->chain_ids);
	free(img->layer_sizes);
	for (size_t i = 0; i < img->n_names; i++)
		free(img->names[i]);
	free(img->names);
	memset(img, 0, sizeof(*img));
}

void image_free_list(struct image *imgs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		image_release(&imgs[i]);
	free(imgs);
}

void image_chain_ids(char (*diff_ids)[DIGEST_STR_MAX], size_t n, char (*out)[DIGEST_STR_MAX])
{
	for (size_t i = 0; i < n; i++) {
		if (i == 0) {
			memcpy(out[0], diff_ids[0], DIGEST_STR_MAX);
		} else {
			cleanup_free char *s = xasprintf("%s %s", out[i - 1], diff_ids[i]);

			digest_buf(s, strlen(s), out[i]);
		}
	}
}

int image_load(struct store *s, const struct spec_descriptor *desc, struct image *out,
	       struct err **err)
{
	struct spec_manifest m = SPEC_MANIFEST_INIT;
	cleanup_free char *data = NULL;
	cleanup_free char *cdata = NULL;
	const char *mt = desc->media_type;
	const char *mdigest = desc->digest;
	char child[DIGEST_STR_MAX];
	const cJSON *rootfs, *diffs, *d;
	size_t len, clen, i;

	memset(out, 0, sizeof(*out));
	if (layout_blob_read(&s->oci, mdigest, SPEC_MAX_DOC_SIZE, &data, &len, err) < 0)
		return -1;
	if (!mt || !*mt)
		mt = spec_detect_media_type(data, len);
	if (mt && spec_media_type_is_index(mt)) {
		struct spec_index idx = SPEC_INDEX_INIT;
		const struct spec_descriptor *sel;

		if (spec_index_parse(data, len, &idx, err) < 0)
			return err_wrap(err, "image index %s", mdigest);
		if (spec_index_select(&idx, NULL, &sel, err) < 0) {
			spec_index_release(&idx);
			return err_wrap(err, "image index %s", mdigest);
		}
		memcpy(child, sel->digest, DIGEST_STR_MAX);
		spec_index_release(&idx);
		free(data);
		data = NULL;
		if (layout_blob_read(&s->oci, child, SPEC_MAX_DOC_SIZE, &data, &len, err) < 0)
			return -1;
	}
	if (spec_manifest_parse(data, len, &m, err) < 0)
		return err_wrap(err, "manifest %s", mdigest);
	memcpy(out->manifest_digest, desc->digest, DIGEST_STR_MAX);
	out->manifest_media_type = xstrdup(desc->media_type ? desc->media_type : MT_OCI_MANIFEST);
	out->manifest_size = desc->size;
	out->manifest = json_parse(data, len, "manifest", NULL);
	memcpy(out->id, m.config.digest, DIGEST_STR_MAX);
	out->n_layers = m.n_layers;
	out->layers = xcalloc(m.n_layers + 1, sizeof(*out->layers));
	out->diff_ids = xcalloc(m.n_layers + 1, sizeof(*out->diff_ids));
	out->chain_ids = xcalloc(m.n_layers + 1, sizeof(*out->chain_ids));
	out->layer_sizes = xcalloc(m.n_layers + 1, sizeof(*out->layer_sizes));
	out->size = m.config.size;
	for (i = 0; i < m.n_layers; i++) {
		memcpy(out->layers[i], m.layers[i].digest, DIGEST_STR_MAX);
		out->layer_sizes[i] = m.layers[i].size;
		out->size += m.layers[i].size;
	}
	spec_manifest_release(&m);

	if (layout_blob_read(&s->oci, out->id, SPEC_MAX_DOC_SIZE, &cdata, &clen, err) < 0)
		goto fail;
	out->config = json_parse(cdata, clen, "image config", err);
	if (!out->config)
		goto fail;
	rootfs = cJSON_GetObjectItemCaseSensitive(out->config, "rootfs");
	diffs = cJSON_GetObjectItemCaseSensitive(rootfs, "diff_ids");
	if ((size_t)cJSON_GetArraySize(diffs) != out->n_layers) {
		err_set(err, 0, "image config %s: %d diff_ids for %zu layers", out->id,
			cJSON_GetArraySize(diffs), out->n_layers);
		goto fail;
	}
	i = 0;
	cJSON_ArrayForEach(d, diffs)
	{
		if (!cJSON_IsString(d) || !digest_is_valid(d->valuestring)) {
			err_set(err, 0, "image config %s: 'rootfs.diff_ids[%zu]' is not a digest",
				out->id, i);
			goto fail;
		}
		snprintf(out->diff_ids[i++], DIGEST_STR_MAX, "%s", d->valuestring);
	}
	image_chain_ids(out->diff_ids, out->n_layers, out->chain_ids);
	{
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(out->config, "created");
		int64_t t = cJSON_IsString(c) ? store_time_parse(c->valuestring) : -1;

		out->created = t > 0 ? t : 0;
	}
	return 0;
fail:
	image_release(out);
	return -1;
}

static void add_name(struct image *img, const char *name)
{
	img->names = xrealloc(img->names, (img->n_names + 2) * sizeof(char *));
	img->names[img->n_names++] = xstrdup(name);
	img->names[img->n_names] = NULL;
}

int image_list(struct store *s, struct image **out, size_t *n, struct err **err)
{
	struct layout_ref *refs = NULL;
	struct image *imgs;
	size_t nrefs = 0, nimg = 0, i, j;

	if (layout_ref_list(&s->oci, &refs, &nrefs, err) < 0)
		return -1;
	imgs = xcalloc(nrefs + 1, sizeof(*imgs));
	for (i = 0; i < nrefs; i++) {
		struct image *img = NULL;

		if (!spec_media_type_is_manifest(refs[i].desc.media_type) &&
		    !spec_media_type_is_index(refs[i].desc.media_type))
			continue;
		for (j = 0; j < nimg; j++)
			if (streq(imgs[j].manifest_digest, refs[i].desc.digest))
				img = &imgs[j];
		if (!img) {
			if (image_load(s, &refs[i].desc, &imgs[nimg], NULL) < 0)
				continue; /* unreadable images are not listed */
			img = &imgs[nimg++];
		}
		if (refs[i].name)
			add_name(img, refs[i].name);
		else
			img->listed_unnamed = true;
	}
	layout_ref_list_free(refs, nrefs);
	*out = imgs;
	*n = nimg;
	return 0;
}

static bool is_hex(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

char *image_normalise(const char *what, struct err **err)
{
	struct ref r = REF_INIT;
	char *full;

	if (ref_parse(what, &r, err) < 0)
		return NULL;
	full = ref_string(&r);
	ref_release(&r);
	return full;
}

char *image_familiar(const char *full)
{
	struct ref r = REF_INIT;
	char *f;

	if (ref_parse(full, &r, NULL) < 0)
		return xstrdup(full);
	f = ref_familiar(&r);
	ref_release(&r);
	return f;
}

void image_repo_tag(const char *full, char **repo, char **tag, char **digest)
{
	struct ref r = REF_INIT;

	if (ref_parse(full, &r, NULL) < 0) {
		*repo = xstrdup(full);
		*tag = xstrdup("<none>");
		if (digest)
			*digest = xstrdup("<none>");
		return;
	}
	*repo = ref_familiar_name(&r);
	*tag = xstrdup(r.tag ? r.tag : "<none>");
	if (digest)
		*digest = xstrdup(r.digest ? r.digest : "<none>");
	ref_release(&r);
}

static void take(struct image *dst, struct image *imgs, size_t k, char **matched, const char *name)
{
	*dst = imgs[k];
	memset(&imgs[k], 0, sizeof(imgs[k]));
	if (matched)
		*matched = name ? xstrdup(name) : NULL;
}

int image_find(struct store *s, const char *what, struct image *out, char **matched_name,
	       struct err **err)
{
	struct image *imgs = NULL;
	size_t n = 0, i, j, hits = 0, hit = 0;
	struct ref r = REF_INIT;
	const char *hex = what;
	int ret = 0;

	if (matched_name)
		*matched_name = NULL;
	if (image_list(s, &imgs, &n, err) < 0)
		return -1;
	if (str_has_prefix(what, "sha256:"))
		hex = what + 7;
	/* A name first, as docker does. */
	if (!str_has_prefix(what, "sha256:") && !(strlen(what) == 64 && is_hex(what)) &&
	    ref_parse(what, &r, NULL) == 0) {
		cleanup_free char *full = ref_string(&r);
		cleanup_free char *name = ref_name(&r);

		for (i = 0; i < n; i++) {
			for (j = 0; j < imgs[i].n_names; j++) {
				if (r.digest && !r.tag) {
					struct ref o = REF_INIT;
					cleanup_free char *oname = NULL;

					if (!streq(imgs[i].manifest_digest, r.digest))
						continue;
					if (ref_parse(imgs[i].names[j], &o, NULL) < 0)
						continue;
					oname = ref_name(&o);
					ref_release(&o);
					if (!streq(oname, name))
						continue;
				} else if (!streq(imgs[i].names[j], full)) {
					continue;
				}
				take(out, imgs, i, matched_name, imgs[i].names[j]);
				ret = 1;
				goto done;
			}
		}
	}
	if (is_hex(hex)) {
		for (i = 0; i < n; i++) {
			if (str_has_prefix(digest_hex(imgs[i].id), hex) ||
			    (strlen(hex) == 64 &&
			     streq(digest_hex(imgs[i].manifest_digest), hex))) {
				bool dup = false;

				for (j = 0; j < i; j++)
					if (streq(imgs[j].id, imgs[i].id))
						dup = true;
				if (!dup) {
					hits++;
					hit = i;
				}
			}
		}
		if (hits > 1) {
			ret = err_set(err, 0, "ambiguous image id '%s': %zu images match", what,
				      hits);
			goto done;
		}
		if (hits == 1) {
			take(out, imgs, hit, matched_name, NULL);
			ret = 1;
		}
	}
done:
	ref_release(&r);
	image_free_list(imgs, n);
	return ret;
}

int image_resolve(struct store *s, const char *what, struct image *out, struct err **err)
{
	int r = image_find(s, what, out, NULL, err);

	if (r == 0)
		return err_set_code(err, ENOENT, "no such image: '%s'", what);
	return r < 0 ? -1 : 0;
}

static const char *entry_name(const cJSON *e)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "annotations");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(a, LAYOUT_REF_ANNOTATION);

	return cJSON_IsString(n) ? n->valuestring : NULL;
}

static const char *entry_digest(const cJSON *e)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "digest");

	return cJSON_IsString(d) ? d->valuestring : "";
}

struct set_ref_arg {
	const char *full;
	const struct spec_descriptor *desc;
};

/* Point full at desc.  The image that loses the name keeps an unnamed entry
 * (docker's dangling <none>:<none>) when nothing else names it; an unnamed
 * entry of the newly named image goes away. */
static int set_ref_fn(cJSON *index, void *arg, struct err **err)
{
	struct set_ref_arg *a = arg;
	cJSON *manifests = cJSON_GetObjectItemCaseSensitive(index, "manifests");
	cJSON *e, *next, *entry;

	(void)err;
	if (!cJSON_IsArray(manifests)) {
		manifests = cJSON_CreateArray();
		cJSON_AddItemToObject(index, "manifests", manifests);
	}
	for (e = manifests->child; e; e = next) {
		const char *name = entry_name(e);

		next = e->next;
		if (name && a->full && streq(name, a->full)) {
			cJSON_Delete(cJSON_DetachItemViaPointer(manifests, e));
		} else if (!name && streq(entry_digest(e), a->desc->digest)) {
			cJSON_Delete(cJSON_DetachItemViaPointer(manifests, e));
		}
	}
	if (a->full) {
		entry = spec_descriptor_to_json(a->desc);
		cJSON *ann = cJSON_GetObjectItemCaseSensitive(entry, "annotations");
		if (!ann)
			ann = cJSON_AddObjectToObject(entry, "annotations");
		cJSON_DeleteItemFromObjectCaseSensitive(ann, LAYOUT_REF_ANNOTATION);
		cJSON_AddStringToObject(ann, LAYOUT_REF_ANNOTATION, a->full);
		cJSON_AddItemToArray(manifests, entry);
	} else {
		entry = spec_descriptor_to_json(a->desc);
		cJSON_DeleteItemFromObjectCaseSensitive(entry, "annotations");
		cJSON_AddItemToArray(manifests, entry);
	}
	return 0;
}

struct keep_arg {
	const char *full;
	const struct spec_descriptor *desc;
	cJSON *old_entry;
};

static int set_ref_keep_fn(cJSON *index, void *arg, struct err **err)
{
	struct keep_arg *k = arg;
	cJSON *manifests = cJSON_GetObjectItemCaseSensitive(index, "manifests");
	struct set_ref_arg a = {k->full, k->desc};
	cJSON *e;
	char old[DIGEST_STR_MAX] = "";

	cJSON_ArrayForEach(e, manifests)
	{
		const char *name = entry_name(e);

		if (k->full && name && streq(name, k->full)) {
			snprintf(old, sizeof(old), "%s", entry_digest(e));
			cJSON_Delete(k->old_entry);
			k->old_entry = cJSON_Duplicate(e, true);
		}
	}
	if (set_ref_fn(index, &a, err) < 0)
		return -1;
	manifests = cJSON_GetObjectItemCaseSensitive(index, "manifests");
	if (*old && !streq(old, k->desc->digest) && k->old_entry) {
		bool still = false;

		cJSON_ArrayForEach(e, manifests) if (streq(entry_digest(e), old)) still = true;
		if (!still) {
			cJSON_DeleteItemFromObjectCaseSensitive(k->old_entry, "annotations");
			cJSON_AddItemToArray(manifests, k->old_entry);
			k->old_entry = NULL;
		}
	}
	return 0;
}

int image_set_ref(struct store *s, const char *full, const struct spec_descriptor *desc,
		  struct err **err)
{
	struct keep_arg k = {full, desc, NULL};
	int r;

	if (!layout_blob_exists(&s->oci, desc->digest))
		return err_set_code(err, ENOENT, "name '%s': blob %s not found", full ? full : "",
				    desc->digest);
	r = layout_index_update(&s->oci, set_ref_keep_fn, &k, err);
	cJSON_Delete(k.old_entry);
	return r;
}

int image_write(struct store *s, const char *ctext, size_t clen, cJSON *layers_desc,
		char *const *names, struct spec_descriptor *manifest_out, struct err **err)
{
	cleanup_free char *mtext = NULL;
	cleanup_json cJSON *m = cJSON_CreateObject();
	char cdigest[DIGEST_STR_MAX], mdigest[DIGEST_STR_MAX];
	cJSON *c;
	size_t i;

	if (layout_blob_put(&s->oci, ctext, clen, cdigest, err) < 0)
		return -1;
	cJSON_AddNumberToObject(m, "schemaVersion", 2);
	cJSON_AddStringToObject(m, "mediaType", MT_OCI_MANIFEST);
	c = cJSON_AddObjectToObject(m, "config");
	cJSON_AddStringToObject(c, "mediaType", MT_OCI_CONFIG);
	cJSON_AddStringToObject(c, "digest", cdigest);
	cJSON_AddNumberToObject(c, "size", (double)clen);
	cJSON_AddItemToObject(m, "layers", cJSON_Duplicate(layers_desc, true));
	mtext = json_print(m, false);
	if (layout_blob_put(&s->oci, mtext, strlen(mtext), mdigest, err) < 0)
		return -1;
	memset(manifest_out, 0, sizeof(*manifest_out));
	manifest_out->media_type = xstrdup(MT_OCI_MANIFEST);
	memcpy(manifest_out->digest, mdigest, DIGEST_STR_MAX);
	manifest_out->size = (int64_t)strlen(mtext);
	if (!names || !names[0])
		return image_set_ref(s, NULL, manifest_out, err);
	for (i = 0; names[i]; i++)
		if (image_set_ref(s, names[i], manifest_out, err) < 0)
			return -1;
	return 0;
}

char **image_ids_in_use(struct store *s)
{
	struct container *cs = NULL;
	size_t n = 0, i;
	char **v = NULL;

	if (container_list(s, &cs, &n, NULL) < 0)
		return xcalloc(1, sizeof(char *));
	strv_push(&v, "");
	for (i = 0; i < n; i++)
		strv_push(&v, cs[i].image_id);
	container_free_list(cs, n);
	return v;
}

int64_t image_layer_size(struct store *s, const struct image *img, size_t i)
{
	int64_t n = layer_size(s, img->chain_ids[i]);

	return n >= 0 ? n : img->layer_sizes[i];
}

int64_t image_size(struct store *s, const struct image *img)
{
	int64_t total = 0;

	for (size_t i = 0; i < img->n_layers; i++)
		total += image_layer_size(s, img, i);
	return total;
}

static bool same_string(const cJSON *a, const cJSON *b)
{
	if (!cJSON_IsString(a) || !cJSON_IsString(b))
		return !cJSON_IsString(a) && !cJSON_IsString(b);
	return streq(a->valuestring, b->valuestring);
}

/* History entries are the same step: created, created_by and empty_layer. */
static bool same_step(const cJSON *a, const cJSON *b)
{
	static const char *const keys[] = {"created", "created_by"};

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (!same_string(cJSON_GetObjectItemCaseSensitive(a, keys[i]),
				 cJSON_GetObjectItemCaseSensitive(b, keys[i])))
			return false;
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "empty_layer")) ==
	       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "empty_layer"));
}

bool image_is_parent(const struct image *p, const struct image *c)
{
	const cJSON *ph = cJSON_GetObjectItemCaseSensitive(p->config, "history");
	const cJSON *ch = cJSON_GetObjectItemCaseSensitive(c->config, "history");
	int np = cJSON_IsArray(ph) ? cJSON_GetArraySize(ph) : 0;
	int nc = cJSON_IsArray(ch) ? cJSON_GetArraySize(ch) : 0;
	const cJSON *a, *b;

	if (p->n_layers > c->n_layers)
		return false;
	for (size_t i = 0; i < p->n_layers; i++)
		if (!streq(p->diff_ids[i], c->diff_ids[i]))
			return false;
	if (np == 0)
		return p->n_layers < c->n_layers;
	if (np >= nc)
		return false;
	for (a = ph->child, b = ch->child; a; a = a->next, b = b->next)
		if (!same_step(a, b))
			return false;
	return true;
}

void image_mark_intermediates(struct image *imgs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		imgs[i].intermediate = false;
		if (imgs[i].n_names > 0)
			continue;
		for (size_t k = 0; k < n && !imgs[i].intermediate; k++)
			if (k != i && image_is_parent(&imgs[i], &imgs[k]))
				imgs[i].intermediate = true;
	}
}
