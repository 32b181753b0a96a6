/* image.c: OCI image-spec / Docker schema2 documents: parse, validate, emit. */
#define _GNU_SOURCE
#include <stdarg.h>      /* va_list */
#include <ctype.h>       /* tolower */
#include <errno.h>       /* EINVAL, EFBIG */
#include <stdio.h>       /* snprintf */
#include <stdlib.h>      /* free */
#include <string.h>      /* strcmp, strchr */
#include <sys/utsname.h> /* uname */

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/util.h"
#include "spec/image.h"

/* ---- JSON access beyond common/json.h: null counts as absent, paths in errors ---- */

static char *field_path(const char *path, const char *key)
{
	return path && path[0] ? xasprintf("%s.%s", path, key) : xstrdup(key);
}

static const cJSON *field(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return v && !cJSON_IsNull(v) ? v : NULL;
}

static int missing(const char *path, const char *key, struct err **err)
{
	cleanup_free char *p = field_path(path, key);

	return err_set_code(err, EINVAL, "'%s' is required", p);
}

static int wrong_type(const char *path, const char *key, const char *what, struct err **err)
{
	cleanup_free char *p = field_path(path, key);

	return err_set_code(err, EINVAL, "'%s' must be %s", p, what);
}

static int dup_str(const cJSON *obj, const char *path, const char *key, bool required, char **out,
		   struct err **err)
{
	const char *s = NULL;
	int r = json_get_string(obj, path, key, required, &s, err);

	if (r > 0)
		*out = xstrdup(s);
	return r;
}

static int get_int(const cJSON *obj, const char *path, const char *key, bool required, int64_t *out,
		   struct err **err)
{
	const cJSON *v = field(obj, key);
	double d;

	if (!v)
		return required ? missing(path, key, err) : 0;
	if (!cJSON_IsNumber(v))
		return wrong_type(path, key, "an integer", err);
	d = v->valuedouble;
	/* range (and NaN) first: converting a double out of int64_t's range is undefined */
	if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) || d != (double)(int64_t)d)
		return wrong_type(path, key, "an integer", err);
	*out = (int64_t)d;
	return 1;
}

/* Array of strings (or, as docker's strslice allows, one string). */
static int get_strv(const cJSON *obj, const char *path, const char *key, char ***out,
		    struct err **err)
{
	const cJSON *v = field(obj, key), *e;
	char **r;
	size_t n = 0;

	if (!v)
		return 0;
	if (cJSON_IsString(v)) {
		r = xcalloc(2, sizeof(*r));
		r[0] = xstrdup(v->valuestring);
		*out = r;
		return 1;
	}
	if (!cJSON_IsArray(v))
		return wrong_type(path, key, "an array of strings", err);
	r = xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*r));
	cJSON_ArrayForEach(e, v)
	{
		if (!cJSON_IsString(e)) {
			cleanup_free char *p = field_path(path, key);

			strv_free(r);
			return err_set_code(err, EINVAL, "'%s[%zu]' must be a string", p, n);
		}
		r[n++] = xstrdup(e->valuestring);
	}
	*out = r;
	return 1;
}

/* Keys of an object whose values must be objects ({"80/tcp":{}}). */
static int get_keys(const cJSON *obj, const char *path, const char *key, char ***out,
		    struct err **err)
{
	const cJSON *v = field(obj, key), *e;
	char **r;
	size_t n = 0;

	if (!v)
		return 0;
	if (!cJSON_IsObject(v))
		return wrong_type(path, key, "an object", err);
	r = xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*r));
	cJSON_ArrayForEach(e, v)
	{
		if (!cJSON_IsObject(e) && !cJSON_IsNull(e)) {
			cleanup_free char *p = field_path(path, key);

			strv_free(r);
			return err_set_code(err, EINVAL, "'%s.%s' must be an object", p, e->string);
		}
		r[n++] = xstrdup(e->string);
	}
	*out = r;
	return 1;
}

/* Object of string values -> "k=v" vector. */
static int get_map(const cJSON *obj, const char *path, const char *key, char ***out,
		   struct err **err)
{
	const cJSON *v = field(obj, key), *e;
	char **r;
	size_t n = 0;

	if (!v)
		return 0;
	if (!cJSON_IsObject(v))
		return wrong_type(path, key, "an object of strings", err);
	r = xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*r));
	cJSON_ArrayForEach(e, v)
	{
		if (!cJSON_IsString(e)) {
			cleanup_free char *p = field_path(path, key);

			strv_free(r);
			return err_set_code(err, EINVAL, "'%s.%s' must be a string", p, e->string);
		}
		r[n++] = xasprintf("%s=%s", e->string, e->valuestring);
	}
	*out = r;
	return 1;
}

/* An annotations object: copied, all values strings. */
static int get_annotations(const cJSON *obj, const char *path, cJSON **out, struct err **err)
{
	const cJSON *v = NULL, *e;
	int r = json_get_object(obj, path, "annotations", false, &v, err);

	if (r <= 0)
		return r;
	cJSON_ArrayForEach(e, v)
	{
		if (!cJSON_IsString(e)) {
			cleanup_free char *p = field_path(path, "annotations");

			return err_set_code(err, EINVAL, "'%s.%s' must be a string", p, e->string);
		}
	}
	*out = cJSON_Duplicate(v, true);
	if (!*out)
		abort();
	return 1;
}

static cJSON *dup_json(const cJSON *j)
{
	cJSON *r;

	if (!j)
		return NULL;
	r = cJSON_Duplicate(j, true);
	if (!r)
		abort();
	return r;
}

static cJSON *new_object(void)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		abort();
	return o;
}

static void add_item(cJSON *obj, const char *key, cJSON *item)
{
	if (!item || !cJSON_AddItemToObject(obj, key, item))
		abort();
}

static void add_str(cJSON *obj, const char *key, const char *s)
{
	if (s)
		add_item(obj, key, cJSON_CreateString(s));
}

static void add_num(cJSON *obj, const char *key, double v)
{
	add_item(obj, key, cJSON_CreateNumber(v));
}

static void add_strv(cJSON *obj, const char *key, char *const *v)
{
	if (v)
		add_item(obj, key, json_strv_to_array(v));
}

static void add_keys(cJSON *obj, const char *key, char *const *v)
{
	cJSON *o;

	if (!v)
		return;
	o = new_object();
	for (; *v; v++)
		add_item(o, *v, new_object());
	add_item(obj, key, o);
}

static void add_map(cJSON *obj, const char *key, char *const *v)
{
	cJSON *o;

	if (!v)
		return;
	o = new_object();
	for (; *v; v++) {
		const char *eq = strchr(*v, '=');
		cleanup_free char *k = eq ? xstrndup(*v, (size_t)(eq - *v)) : xstrdup(*v);

		add_item(o, k, cJSON_CreateString(eq ? eq + 1 : ""));
	}
	add_item(obj, key, o);
}

static char *print_compact(cJSON *j, size_t *len)
{
	char *s = json_print(j, false);

	cJSON_Delete(j);
	if (len)
		*len = strlen(s);
	return s;
}

static cJSON *parse_doc(const char *data, size_t len, const char *what, struct err **err)
{
	cJSON *j;

	if (len > SPEC_MAX_DOC_SIZE)
		return err_set_code(err, EFBIG, "%s is too large (%zu bytes, limit %u)", what, len,
				    SPEC_MAX_DOC_SIZE),
		       NULL;
	j = json_parse(data, len, what, err);
	if (!j)
		return NULL;
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return err_set_code(err, EINVAL, "%s must be a JSON object", what), NULL;
	}
	return j;
}

/* ---- descriptors ---- */

int spec_descriptor_parse(const cJSON *j, const char *path, struct spec_descriptor *out,
			  struct err **err)
{
	struct spec_descriptor d = SPEC_DESCRIPTOR_INIT;
	const cJSON *pj = NULL;
	const char *digest = NULL;
	int64_t size = 0;

	if (!cJSON_IsObject(j))
		return err_set_code(err, EINVAL, "'%s' must be an object", path);
	if (json_get_string(j, path, "digest", true, &digest, err) < 0)
		return -1;
	if (!digest_is_valid(digest)) {
		cleanup_free char *p = field_path(path, "digest");

		return err_set_code(err, EINVAL, "'%s': invalid digest '%s'", p, digest);
	}
	if (get_int(j, path, "size", true, &size, err) < 0)
		return -1;
	if (size < 0) {
		cleanup_free char *p = field_path(path, "size");

		return err_set_code(err, EINVAL, "'%s': invalid size %lld", p, (long long)size);
	}
	snprintf(d.digest, sizeof(d.digest), "%s", digest);
	d.size = size;
	if (dup_str(j, path, "mediaType", true, &d.media_type, err) < 0)
		goto fail;
	if (get_annotations(j, path, &d.annotations, err) < 0)
		goto fail;
	if (get_strv(j, path, "urls", &d.urls, err) < 0 ||
	    dup_str(j, path, "artifactType", false, &d.artifact_type, err) < 0 ||
	    dup_str(j, path, "data", false, &d.data, err) < 0)
		goto fail;
	if (json_get_object(j, path, "platform", false, &pj, err) < 0)
		goto fail;
	if (pj) {
		cleanup_free char *p = field_path(path, "platform");

		d.platform = xcalloc(1, sizeof(*d.platform));
		if (spec_platform_from_json(pj, p, d.platform, err) < 0)
			goto fail;
	}
	*out = d;
	return 0;
fail:
	spec_descriptor_release(&d);
	return -1;
}

cJSON *spec_descriptor_to_json(const struct spec_descriptor *d)
{
	cJSON *o = new_object();

	add_str(o, "mediaType", d->media_type ? d->media_type : "");
	add_str(o, "digest", d->digest);
	add_num(o, "size", (double)d->size);
	add_strv(o, "urls", d->urls);
	if (d->annotations)
		add_item(o, "annotations", dup_json(d->annotations));
	add_str(o, "data", d->data);
	if (d->platform)
		add_item(o, "platform", spec_platform_to_json(d->platform));
	add_str(o, "artifactType", d->artifact_type);
	return o;
}

void spec_descriptor_copy(struct spec_descriptor *dst, const struct spec_descriptor *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->media_type = src->media_type ? xstrdup(src->media_type) : NULL;
	memcpy(dst->digest, src->digest, sizeof(dst->digest));
	dst->size = src->size;
	dst->annotations = dup_json(src->annotations);
	dst->urls = src->urls ? strv_dup(src->urls) : NULL;
	dst->artifact_type = src->artifact_type ? xstrdup(src->artifact_type) : NULL;
	dst->data = src->data ? xstrdup(src->data) : NULL;
	if (src->platform) {
		dst->platform = xcalloc(1, sizeof(*dst->platform));
		spec_platform_copy(dst->platform, src->platform);
	}
}

void spec_descriptor_release(struct spec_descriptor *d)
{
	free(d->media_type);
	cJSON_Delete(d->annotations);
	strv_free(d->urls);
	free(d->artifact_type);
	free(d->data);
	if (d->platform) {
		spec_platform_release(d->platform);
		free(d->platform);
	}
	memset(d, 0, sizeof(*d));
}

const char *spec_descriptor_annotation(const struct spec_descriptor *d, const char *key)
{
	const cJSON *v;

	if (!d->annotations)
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(d->annotations, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

void spec_descriptor_set_annotation(struct spec_descriptor *d, const char *key, const char *value)
{
	if (!d->annotations)
		d->annotations = new_object();
	cJSON_DeleteItemFromObjectCaseSensitive(d->annotations, key);
	add_str(d->annotations, key, value);
}

static int parse_descriptors(const cJSON *arr, const char *name, struct spec_descriptor **out,
			     size_t *n_out, struct err **err)
{
	size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
	struct spec_descriptor *v = xcalloc(n ? n : 1, sizeof(*v));
	const cJSON *e;

	cJSON_ArrayForEach(e, arr)
	{
		char path[64];

		snprintf(path, sizeof(path), "%s[%zu]", name, i);
		if (spec_descriptor_parse(e, path, &v[i], err) < 0) {
			while (i > 0)
				spec_descriptor_release(&v[--i]);
			free(v);
			return -1;
		}
		i++;
	}
	*out = v;
	*n_out = n;
	return 0;
}

static void free_descriptors(struct spec_descriptor *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		spec_descriptor_release(&v[i]);
	free(v);
}

static cJSON *descriptors_to_json(const struct spec_descriptor *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	if (!a)
		abort();
	for (i = 0; i < n; i++)
		if (!cJSON_AddItemToArray(a, spec_descriptor_to_json(&v[i])))
			abort();
	return a;
}

/* schemaVersion and mediaType checks common to manifests and indexes. */
static int check_header(const cJSON *j, bool want_index, int *schema_version, char **media_type,
			struct err **err)
{
	const char *mt = NULL;
	int64_t sv = 0;

	if (json_get_string(j, "", "mediaType", false, &mt, err) < 0)
		return -1;
	if (spec_media_type_is_schema1(mt) || (cJSON_IsNumber(field(j, "schemaVersion")) &&
					       field(j, "schemaVersion")->valuedouble == 1))
		return err_set_code(
		    err, EINVAL,
		    "schema1 manifests are not supported (media type %s); the image "
		    "must be pushed again with a current client",
		    mt ? mt : MT_DOCKER_SCHEMA1);
	if (get_int(j, "", "schemaVersion", true, &sv, err) < 0)
		return -1;
	if (sv != 2)
		return err_set_code(err, EINVAL,
				    "'schemaVersion': unsupported value %lld (expected 2)",
				    (long long)sv);
	if (mt) {
		if (want_index && spec_media_type_is_manifest(mt))
			return err_set_code(err, EINVAL,
					    "'mediaType': '%s' is an image manifest, not an index",
					    mt);
		if (!want_index && spec_media_type_is_index(mt))
			return err_set_code(err, EINVAL,
					    "'mediaType': '%s' is an index, not an image manifest",
					    mt);
		if (want_index ? !spec_media_type_is_index(mt) : !spec_media_type_is_manifest(mt))
			return err_set_code(err, EINVAL,
					    "'mediaType': unsupported %s media type '%s'",
					    want_index ? "index" : "manifest", mt);
	} else if (!want_index && field(j, "manifests") && !field(j, "layers")) {
		return err_set_code(err, EINVAL, "document is an index, not an image manifest");
	} else if (want_index && field(j, "layers") && !field(j, "manifests")) {
		return err_set_code(err, EINVAL, "document is an image manifest, not an index");
	}
	*schema_version = (int)sv;
	*media_type = mt ? xstrdup(mt) : NULL;
	return 0;
}

/* ---- manifests ---- */

int spec_manifest_from_json(const cJSON *j, struct spec_manifest *out, struct err **err)
{
	struct spec_manifest m = SPEC_MANIFEST_INIT;
	const cJSON *v = NULL;

	if (!cJSON_IsObject(j))
		return err_set_code(err, EINVAL, "manifest must be a JSON object");
	if (check_header(j, false, &m.schema_version, &m.media_type, err) < 0)
		return -1;
	if (json_get_object(j, "", "config", true, &v, err) < 0 ||
	    spec_descriptor_parse(v, "config", &m.config, err) < 0)
		goto fail;
	if (json_get_array(j, "", "layers", true, &v, err) < 0 ||
	    parse_descriptors(v, "layers", &m.layers, &m.n_layers, err) < 0)
		goto fail;
	if (dup_str(j, "", "artifactType", false, &m.artifact_type, err) < 0)
		goto fail;
	v = NULL;
	if (json_get_object(j, "", "subject", false, &v, err) < 0)
		goto fail;
	if (v) {
		m.subject = xcalloc(1, sizeof(*m.subject));
		if (spec_descriptor_parse(v, "subject", m.subject, err) < 0)
			goto fail;
	}
	if (get_annotations(j, "", &m.annotations, err) < 0)
		goto fail;
	*out = m;
	return 0;
fail:
	spec_manifest_release(&m);
	return -1;
}

int spec_manifest_parse(const char *data, size_t len, struct spec_manifest *out, struct err **err)
{
	cleanup_json cJSON *j = parse_doc(data, len, "manifest", err);

	if (!j)
		return -1;
	return spec_manifest_from_json(j, out, err);
}

cJSON *spec_manifest_to_json(const struct spec_manifest *m)
{
	cJSON *o = new_object();

	add_num(o, "schemaVersion", 2);
	add_str(o, "mediaType", m->media_type);
	add_str(o, "artifactType", m->artifact_type);
	add_item(o, "config", spec_descriptor_to_json(&m->config));
	add_item(o, "layers", descriptors_to_json(m->layers, m->n_layers));
	if (m->subject)
		add_item(o, "subject", spec_descriptor_to_json(m->subject));
	if (m->annotations)
		add_item(o, "annotations", dup_json(m->annotations));
	return o;
}

char *spec_manifest_print(const struct spec_manifest *m, size_t *len)
{
	return print_compact(spec_manifest_to_json(m), len);
}

void spec_manifest_release(struct spec_manifest *m)
{
	free(m->media_type);
	free(m->artifact_type);
	spec_descriptor_release(&m->config);
	free_descriptors(m->layers, m->n_layers);
	if (m->subject) {
		spec_descriptor_release(m->subject);
		free(m->subject);
	}
	cJSON_Delete(m->annotations);
	memset(m, 0, sizeof(*m));
}

/* ---- indexes ---- */

int spec_index_from_json(const cJSON *j, struct spec_index *out, struct err **err)
{
	struct spec_index idx = SPEC_INDEX_INIT;
	const cJSON *v = NULL;

	if (!cJSON_IsObject(j))
		return err_set_code(err, EINVAL, "index must be a JSON object");
	if (check_header(j, true, &idx.schema_version, &idx.media_type, err) < 0)
		return -1;
	if (json_get_array(j, "", "manifests", true, &v, err) < 0 ||
	    parse_descriptors(v, "manifests", &idx.manifests, &idx.n_manifests, err) < 0)
		goto fail;
	if (get_annotations(j, "", &idx.annotations, err) < 0)
		goto fail;
	*out = idx;
	return 0;
fail:
	spec_index_release(&idx);
	return -1;
}

int spec_index_parse(const char *data, size_t len, struct spec_index *out, struct err **err)
{
	cleanup_json cJSON *j = parse_doc(data, len, "index", err);

	if (!j)
		return -1;
	return spec_index_from_json(j, out, err);
}

cJSON *spec_index_to_json(const struct spec_index *idx)
{
	cJSON *o = new_object();

	add_num(o, "schemaVersion", 2);
	add_str(o, "mediaType", idx->media_type);
	add_item(o, "manifests", descriptors_to_json(idx->manifests, idx->n_manifests));
	if (idx->annotations)
		add_item(o, "annotations", dup_json(idx->annotations));
	return o;
}

char *spec_index_print(const struct spec_index *idx, size_t *len)
{
	return print_compact(spec_index_to_json(idx), len);
}

void spec_index_release(struct spec_index *idx)
{
	free(idx->media_type);
	free_descriptors(idx->manifests, idx->n_manifests);
	cJSON_Delete(idx->annotations);
	memset(idx, 0, sizeof(*idx));
}

void spec_index_add(struct spec_index *idx, const struct spec_descriptor *d)
{
	idx->manifests = xrealloc(idx->manifests, (idx->n_manifests + 1) * sizeof(*idx->manifests));
	spec_descriptor_copy(&idx->manifests[idx->n_manifests++], d);
}

int spec_index_select(const struct spec_index *idx, const struct spec_platform *want,
		      const struct spec_descriptor **out, struct err **err)
{
	struct spec_platform host = SPEC_PLATFORM_INIT;
	const struct spec_descriptor *best = NULL, *fallback = NULL;
	int best_rank = 0;
	size_t i;

	if (!want) {
		spec_platform_host(&host);
		want = &host;
	}
	for (i = 0; i < idx->n_manifests; i++) {
		const struct spec_descriptor *d = &idx->manifests[i];
		int rank;

		if (!spec_media_type_is_manifest(d->media_type))
			continue;
		if (!d->platform) {
			if (!fallback)
				fallback = d;
			continue;
		}
		rank = spec_platform_rank(want, d->platform);
		if (rank > best_rank) {
			best = d;
			best_rank = rank;
		}
	}
	if (!best)
		best = fallback;
	if (!best) {
		cleanup_free char *s = spec_platform_string(want);

		spec_platform_release(&host);
		return err_set_code(err, ENOENT,
				    "no matching manifest for %s in the manifest list entries", s);
	}
	spec_platform_release(&host);
	*out = best;
	return 0;
}

/* ---- image configs ---- */

static int parse_container_config(const cJSON *j, struct spec_container_config *c, struct err **err)
{
	const char *p = "config";
	const cJSON *hc = NULL;

	if (dup_str(j, p, "User", false, &c->user, err) < 0 ||
	    get_keys(j, p, "ExposedPorts", &c->exposed_ports, err) < 0 ||
	    get_strv(j, p, "Env", &c->env, err) < 0 ||
	    get_strv(j, p, "Entrypoint", &c->entrypoint, err) < 0 ||
	    get_strv(j, p, "Cmd", &c->cmd, err) < 0 ||
	    get_keys(j, p, "Volumes", &c->volumes, err) < 0 ||
	    dup_str(j, p, "WorkingDir", false, &c->working_dir, err) < 0 ||
	    get_map(j, p, "Labels", &c->labels, err) < 0 ||
	    dup_str(j, p, "StopSignal", false, &c->stop_signal, err) < 0 ||
	    get_strv(j, p, "Shell", &c->shell, err) < 0 ||
	    get_strv(j, p, "OnBuild", &c->on_build, err) < 0 ||
	    json_get_bool(j, p, "ArgsEscaped", false, &c->args_escaped, err) < 0 ||
	    json_get_object(j, p, "Healthcheck", false, &hc, err) < 0)
		return -1;
	c->healthcheck = dup_json(hc);
	return 0;
}

static int parse_history(const cJSON *arr, struct spec_image_config *c, struct err **err)
{
	size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
	const cJSON *e;

	c->history = xcalloc(n ? n : 1, sizeof(*c->history));
	cJSON_ArrayForEach(e, arr)
	{
		struct spec_history *h = &c->history[i];
		char path[64];

		snprintf(path, sizeof(path), "history[%zu]", i);
		c->n_history = ++i;
		if (!cJSON_IsObject(e))
			return err_set_code(err, EINVAL, "'%s' must be an object", path);
		if (dup_str(e, path, "created", false, &h->created, err) < 0 ||
		    dup_str(e, path, "created_by", false, &h->created_by, err) < 0 ||
		    dup_str(e, path, "author", false, &h->author, err) < 0 ||
		    dup_str(e, path, "comment", false, &h->comment, err) < 0 ||
		    json_get_bool(e, path, "empty_layer", false, &h->empty_layer, err) < 0)
			return -1;
	}
	return 0;
}

int spec_image_config_from_json(const cJSON *j, struct spec_image_config *out, struct err **err)
{
	struct spec_image_config c = SPEC_IMAGE_CONFIG_INIT;
	const cJSON *v = NULL;
	size_t i;

	if (!cJSON_IsObject(j))
		return err_set_code(err, EINVAL, "image config must be a JSON object");
	if (dup_str(j, "", "architecture", true, &c.architecture, err) < 0 ||
	    dup_str(j, "", "os", true, &c.os, err) < 0 ||
	    dup_str(j, "", "variant", false, &c.variant, err) < 0 ||
	    dup_str(j, "", "os.version", false, &c.os_version, err) < 0 ||
	    dup_str(j, "", "created", false, &c.created, err) < 0 ||
	    dup_str(j, "", "author", false, &c.author, err) < 0)
		goto fail;
	if (json_get_object(j, "", "config", false, &v, err) < 0)
		goto fail;
	if (v && parse_container_config(v, &c.config, err) < 0)
		goto fail;
	if (json_get_object(j, "", "rootfs", true, &v, err) < 0 ||
	    dup_str(v, "rootfs", "type", true, &c.rootfs_type, err) < 0)
		goto fail;
	if (!streq(c.rootfs_type, "layers")) {
		err_set_code(err, EINVAL,
			     "'rootfs.type': unsupported value '%s' (expected 'layers')",
			     c.rootfs_type);
		goto fail;
	}
	if (!field(v, "diff_ids")) {
		missing("rootfs", "diff_ids", err);
		goto fail;
	}
	if (get_strv(v, "rootfs", "diff_ids", &c.diff_ids, err) < 0)
		goto fail;
	for (i = 0; c.diff_ids[i]; i++) {
		if (!digest_is_valid(c.diff_ids[i])) {
			err_set_code(err, EINVAL, "'rootfs.diff_ids[%zu]': invalid digest '%s'", i,
				     c.diff_ids[i]);
			goto fail;
		}
	}
	v = NULL;
	if (json_get_array(j, "", "history", false, &v, err) < 0)
		goto fail;
	if (v && parse_history(v, &c, err) < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	spec_image_config_release(&c);
	return -1;
}

int spec_image_config_parse(const char *data, size_t len, struct spec_image_config *out,
			    struct err **err)
{
	cleanup_json cJSON *j = parse_doc(data, len, "image config", err);

	if (!j)
		return -1;
	return spec_image_config_from_json(j, out, err);
}

static cJSON *container_config_to_json(const struct spec_container_config *c)
{
	cJSON *o = new_object();

	add_str(o, "User", c->user);
	add_keys(o, "ExposedPorts", c->exposed_ports);
	add_strv(o, "Env", c->env);
	add_strv(o, "Entrypoint", c->entrypoint);
	add_strv(o, "Cmd", c->cmd);
	add_keys(o, "Volumes", c->volumes);
	add_str(o, "WorkingDir", c->working_dir);
	add_map(o, "Labels", c->labels);
	add_str(o, "StopSignal", c->stop_signal);
	add_strv(o, "Shell", c->shell);
	add_strv(o, "OnBuild", c->on_build);
	if (c->args_escaped)
		add_item(o, "ArgsEscaped", cJSON_CreateTrue());
	if (c->healthcheck)
		add_item(o, "Healthcheck", dup_json(c->healthcheck));
	return o;
}

cJSON *spec_image_config_to_json(const struct spec_image_config *c)
{
	cJSON *o = new_object(), *rootfs, *hist;
	size_t i;

	add_str(o, "created", c->created);
	add_str(o, "author", c->author);
	add_str(o, "architecture", c->architecture ? c->architecture : "");
	add_str(o, "variant", c->variant);
	add_str(o, "os", c->os ? c->os : "");
	add_str(o, "os.version", c->os_version);
	add_item(o, "config", container_config_to_json(&c->config));
	rootfs = new_object();
	add_str(rootfs, "type", c->rootfs_type ? c->rootfs_type : "layers");
	if (c->diff_ids)
		add_strv(rootfs, "diff_ids", c->diff_ids);
	else
		add_item(rootfs, "diff_ids", cJSON_CreateArray());
	add_item(o, "rootfs", rootfs);
	if (c->n_history) {
		hist = cJSON_CreateArray();
		if (!hist)
			abort();
		for (i = 0; i < c->n_history; i++) {
			const struct spec_history *h = &c->history[i];
			cJSON *e = new_object();

			add_str(e, "created", h->created);
			add_str(e, "created_by", h->created_by);
			add_str(e, "author", h->author);
			add_str(e, "comment", h->comment);
			if (h->empty_layer)
				add_item(e, "empty_layer", cJSON_CreateTrue());
			if (!cJSON_AddItemToArray(hist, e))
				abort();
		}
		add_item(o, "history", hist);
	}
	return o;
}

char *spec_image_config_print(const struct spec_image_config *c, size_t *len)
{
	return print_compact(spec_image_config_to_json(c), len);
}

static void container_config_release(struct spec_container_config *c)
{
	free(c->user);
	strv_free(c->exposed_ports);
	strv_free(c->env);
	strv_free(c->entrypoint);
	strv_free(c->cmd);
	strv_free(c->volumes);
	free(c->working_dir);
	strv_free(c->labels);
	free(c->stop_signal);
	strv_free(c->shell);
	strv_free(c->on_build);
	cJSON_Delete(c->healthcheck);
	memset(c, 0, sizeof(*c));
}

void spec_image_config_release(struct spec_image_config *c)
{
	size_t i;

	free(c->architecture);
	free(c->os);
	free(c->variant);
	free(c->os_version);
	free(c->created);
	free(c->author);
	container_config_release(&c->config);
	free(c->rootfs_type);
	strv_free(c->diff_ids);
	for (i = 0; i < c->n_history; i++) {
		free(c->history[i].created);
		free(c->history[i].created_by);
		free(c->history[i].author);
		free(c->history[i].comment);
	}
	free(c->history);
	memset(c, 0, sizeof(*c));
}

const char *spec_strv_lookup(char *const *v, const char *key)
{
	size_t kl = strlen(key);

	for (; v && *v; v++)
		if (strncmp(*v, key, kl) == 0 && (*v)[kl] == '=')
			return *v + kl + 1;
	return NULL;
}

void spec_strv_set(char ***v, const char *key, const char *value)
{
	size_t kl = strlen(key), i;
	char *entry = xasprintf("%s=%s", key, value);

	for (i = 0; *v && (*v)[i]; i++) {
		if (strncmp((*v)[i], key, kl) == 0 && (*v)[i][kl] == '=') {
			free((*v)[i]);
			(*v)[i] = entry;
			return;
		}
	}
	strv_push(v, entry);
	free(entry);
}
