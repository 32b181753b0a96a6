/* archive.c: read a docker-archive (the `docker save` tarball:
 * manifest.json listing Config, RepoTags and Layers, which may be reached
 * through symlinks) into an OCI layout, so `copy docker-archive:FILE ...`
 * can pull it into a layout or push it to a registry.  Two passes with
 * libarchive: manifest.json first (docker writes it last), then the config
 * and layers streamed into verifying blob writers. */
#define _GNU_SOURCE
#include <archive.h>       /* archive_read_new */
#include <archive_entry.h> /* archive_entry_pathname */
#include <errno.h>         /* errno */
#include <stdlib.h>        /* free */
#include <string.h>        /* strcmp */

#include "common/err.h"
#include "common/json.h"
#include "common/util.h"
#include "fetch/fetch.h"

#define MAX_LINK_HOPS 16

static void cleanup_archivep(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
}
#define cleanup_archive __attribute__((cleanup(cleanup_archivep)))

static struct archive *open_archive(const char *file, struct err **err)
{
	struct archive *a = archive_read_new();

	if (!a)
		die_oom();
	archive_read_support_format_tar(a);
	archive_read_support_filter_all(a);
	if (archive_read_open_filename(a, file, 1 << 20) != ARCHIVE_OK) {
		err_set(err, 0, "open '%s': %s", file, archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* "./a/b" -> "a/b" */
static const char *clean(const char *p)
{
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	return p;
}

struct links {
	char **from, **to;
};

/* Follow symlink entries: relative targets resolve against the link's dir. */
static char *resolve(const struct links *ln, const char *path)
{
	char *cur = xstrdup(clean(path));

	for (int hop = 0; hop < MAX_LINK_HOPS; hop++) {
		size_t i;
		for (i = 0; ln->from && ln->from[i]; i++)
			if (streq(ln->from[i], cur))
				break;
		if (!ln->from || !ln->from[i])
			return cur;
		{
			const char *t = ln->to[i];
			char *slash = strrchr(cur, '/');
			char *next;
			if (t[0] == '/' || !slash) {
				next = xstrdup(clean(t[0] == '/' ? t + 1 : t));
			} else {
				/* dir/../x -> x, dir/x */
				*slash = '\0';
				if (str_has_prefix(t, "../")) {
					char *up = strrchr(cur, '/');
					next =
					    up ? xasprintf("%.*s/%s", (int)(up - cur), cur, t + 3)
					       : xstrdup(t + 3);
				} else {
					next = xasprintf("%s/%s", cur, clean(t));
				}
			}
			free(cur);
			cur = next;
		}
	}
	return cur;
}

static int pick_entry(const cJSON *man, const char *want, const cJSON **out, struct err **err)
{
	const cJSON *e;
	cleanup_free char *want_full = NULL;

	if (!cJSON_IsArray(man) || cJSON_GetArraySize(man) == 0)
		return err_set(err, 0, "manifest.json: expected a non-empty array");
	if (!want) {
		*out = cJSON_GetArrayItem(man, 0);
		return 0;
	}
	{
		struct ref r = REF_INIT;
		if (ref_parse(want, &r, err) < 0)
			return -1;
		want_full = ref_string(&r);
		ref_release(&r);
	}
	cJSON_ArrayForEach(e, man)
	{
		const cJSON *tags = cJSON_GetObjectItemCaseSensitive(e, "RepoTags"), *t;
		cJSON_ArrayForEach(t, tags)
		{
			struct ref r = REF_INIT;
			cleanup_free char *full = NULL;
			if (!cJSON_IsString(t) || ref_parse(t->valuestring, &r, NULL) < 0)
				continue;
			full = ref_string(&r);
			ref_release(&r);
			if (streq(full, want_full)) {
				*out = e;
				return 0;
			}
		}
	}
	return err_set(err, 0, "no image tagged '%s' in the archive", want);
}

struct wanted {
	char *path; /* resolved */
	char digest[DIGEST_STR_MAX];
	int64_t size;
	bool gzip;
	bool done;
};

static int stream_entry(struct archive *a, struct layout *l, struct wanted *w, struct err **err)
{
	struct blob_writer *bw = NULL;
	char buf[1 << 16];
	la_ssize_t n;
	int64_t size = 0;

	if (layout_blob_begin(l, NULL, -1, false, &bw, err) < 0)
		return -1;
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		if (size == 0 && n >= 2)
			w->gzip = (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b;
		if (blob_writer_write(bw, buf, n, err) < 0) {
			blob_writer_abort(bw, false);
			return -1;
		}
		size += n;
	}
	if (n < 0) {
		blob_writer_abort(bw, false);
		return err_set(err, 0, "read '%s' from the archive: %s", w->path,
			       archive_error_string(a));
	}
	if (blob_writer_commit(bw, w->digest, err) < 0)
		return -1;
	w->size = size;
	w->done = true;
	return 0;
}

int archive_import(const char *file, const char *want, struct layout *l, const char *name,
		   struct err **err)
{
	cleanup_archive struct archive *a = NULL;
	cleanup_json cJSON *man = NULL;
	struct links ln = {0};
	struct archive_entry *ent;
	cleanup_free char *mtext = NULL;
	const cJSON *entry = NULL, *cfg, *layers, *it;
	struct wanted *ws = NULL;
	size_t nw = 0;
	struct spec_manifest m = SPEC_MANIFEST_INIT;
	struct spec_descriptor desc = SPEC_DESCRIPTOR_INIT;
	cleanup_free char *mdata = NULL;
	size_t mlen = 0;
	int r, ret = -1;

	/* pass 1: manifest.json and the symlinks */
	a = open_archive(file, err);
	if (!a)
		return -1;
	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *p = clean(archive_entry_pathname(ent));
		if (archive_entry_filetype(ent) == AE_IFLNK && archive_entry_symlink(ent)) {
			strv_push(&ln.from, p);
			strv_push(&ln.to, archive_entry_symlink(ent));
		} else if (streq(p, "manifest.json") && !mtext) {
			int64_t sz = archive_entry_size(ent);
			if (sz < 0 || sz > JSON_MAX_SIZE) {
				err_set(err, 0, "'%s': manifest.json is larger than %u bytes", file,
					JSON_MAX_SIZE);
				goto out;
			}
			mtext = xmalloc(sz + 1);
			if (archive_read_data(a, mtext, sz) != sz) {
				err_set(err, 0, "'%s': read manifest.json: %s", file,
					archive_error_string(a));
				goto out;
			}
			mtext[sz] = '\0';
			man = json_parse(mtext, sz, "manifest.json", err);
			if (!man)
				goto out;
		}
	}
	if (r != ARCHIVE_EOF) {
		err_set(err, 0, "'%s': %s", file, archive_error_string(a));
		goto out;
	}
	if (!man) {
		err_set(err, 0, "'%s' is not a docker archive: no manifest.json", file);
		goto out;
	}
	if (pick_entry(man, want, &entry, err) < 0)
		goto out;
	cfg = cJSON_GetObjectItemCaseSensitive(entry, "Config");
	layers = cJSON_GetObjectItemCaseSensitive(entry, "Layers");
	if (!cJSON_IsString(cfg) || !cJSON_IsArray(layers)) {
		err_set(err, 0, "'%s': manifest.json entry needs Config and Layers", file);
		goto out;
	}
	ws = xcalloc(cJSON_GetArraySize(layers) + 1, sizeof(*ws));
	ws[nw++].path = resolve(&ln, cfg->valuestring);
	cJSON_ArrayForEach(it, layers)
	{
		if (!cJSON_IsString(it)) {
			err_set(err, 0, "'%s': manifest.json Layers must be strings", file);
			goto out;
		}
		ws[nw++].path = resolve(&ln, it->valuestring);
	}
	/* pass 2: the blobs */
	archive_read_free(a);
	a = open_archive(file, err);
	if (!a)
		goto out;
	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *p = clean(archive_entry_pathname(ent));
		struct wanted *w = NULL;
		if (archive_entry_filetype(ent) != AE_IFREG)
			continue;
		for (size_t i = 0; i < nw; i++)
			if (!ws[i].done && streq(ws[i].path, p)) {
				w = &ws[i];
				break;
			}
		if (!w)
			continue;
		if (stream_entry(a, l, w, err) < 0)
			goto out;
		/* the same file may serve several layers */
		for (size_t i = 0; i < nw; i++) {
			if (!ws[i].done && streq(ws[i].path, p)) {
				ws[i].done = true;
				ws[i].size = w->size;
				ws[i].gzip = w->gzip;
				memcpy(ws[i].digest, w->digest, DIGEST_STR_MAX);
			}
		}
	}
	if (r != ARCHIVE_EOF) {
		err_set(err, 0, "'%s': %s", file, archive_error_string(a));
		goto out;
	}
	for (size_t i = 0; i < nw; i++)
		if (!ws[i].done) {
			err_set(err, 0, "'%s': '%s' named in manifest.json is missing", file,
				ws[i].path);
			goto out;
		}
	/* an OCI manifest over them */
	m.schema_version = 2;
	m.media_type = xstrdup(MT_OCI_MANIFEST);
	m.config.media_type = xstrdup(MT_OCI_CONFIG);
	memcpy(m.config.digest, ws[0].digest, DIGEST_STR_MAX);
	m.config.size = ws[0].size;
	m.n_layers = nw - 1;
	m.layers = xcalloc(nw, sizeof(*m.layers));
	for (size_t i = 1; i < nw; i++) {
		m.layers[i - 1].media_type = xstrdup(ws[i].gzip ? MT_OCI_LAYER_GZIP : MT_OCI_LAYER);
		memcpy(m.layers[i - 1].digest, ws[i].digest, DIGEST_STR_MAX);
		m.layers[i - 1].size = ws[i].size;
	}
	mdata = spec_manifest_print(&m, &mlen);
	if (layout_blob_put(l, mdata, mlen, desc.digest, err) < 0)
		goto out;
	desc.media_type = xstrdup(MT_OCI_MANIFEST);
	desc.size = mlen;
	ret = layout_ref_set(l, name, &desc, err);
out:
	if (ret < 0)
		err_wrap(err, "read docker archive '%s'", file);
	for (size_t i = 0; i < nw; i++)
		free(ws[i].path);
	free(ws);
	strv_free(ln.from);
	strv_free(ln.to);
	spec_manifest_release(&m);
	spec_descriptor_release(&desc);
	return ret;
}
