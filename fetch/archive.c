/* archive.c: read a docker-archive (the `docker save` tarball:
 * manifest.json listing Config, RepoTags and Layers, which may be reached
 * through symlinks) into an OCI layout, so `copy docker-archive:FILE ...`
 * can pull it into a layout or push it to a registry.  Two passes with
 * libarchive: manifest.json first (docker writes it last), then the config
 * and layers streamed into verifying blob writers.
 * archive_export writes one: the config, each layer decompressed into a plain
 * tar named by its diff_id, manifest.json and repositories. */
#define _GNU_SOURCE
#include <archive.h>       /* archive_read_new */
#include <archive_entry.h> /* archive_entry_pathname */
#include <errno.h>         /* errno */
#include <fcntl.h>         /* O_CLOEXEC */
#include <stdlib.h>        /* free */
#include <string.h>        /* strcmp */
#include <unistd.h>        /* unlink */

#include "common/digest.h"
#include "common/err.h"
#include "common/fs.h"
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

/* ---- writing a docker-archive ---- */

static void cleanup_warchivep(struct archive **a)
{
	if (*a)
		archive_write_free(*a);
}
#define cleanup_warchive __attribute__((cleanup(cleanup_warchivep)))

static int add_entry_header(struct archive *aw, const char *name, int64_t size, const char *file,
			    struct err **err)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	if (!e)
		die_oom();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, size);
	archive_entry_set_mtime(e, 0, 0);
	r = archive_write_header(aw, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return err_set(err, 0, "write '%s' into '%s': %s", name, file,
			       archive_error_string(aw));
	return 0;
}

static int add_entry_mem(struct archive *aw, const char *name, const void *data, size_t len,
			 const char *file, struct err **err)
{
	if (add_entry_header(aw, name, len, file, err) < 0)
		return -1;
	if (len && archive_write_data(aw, data, len) != (la_ssize_t)len)
		return err_set(err, 0, "write '%s' into '%s': %s", name, file,
			       archive_error_string(aw));
	return 0;
}

/* Decompress (gzip, zstd or none) blob fd into tmpfd; digest of the result. */
static int unpack_layer(int fd, int tmpfd, const char *digest, char diff[DIGEST_STR_MAX],
			int64_t *size, struct err **err)
{
	cleanup_archive struct archive *a = archive_read_new();
	struct archive_entry *ent;
	struct digester *dg;
	char buf[1 << 16];
	la_ssize_t n;

	if (!a)
		die_oom();
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ent) != ARCHIVE_OK)
		return err_set(err, 0, "read layer %s: %s", digest, archive_error_string(a));
	dg = digester_new();
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		digester_update(dg, buf, n);
		if (fs_write_all(tmpfd, buf, n) < 0) {
			digester_free(dg);
			return err_set(err, errno, "write uncompressed layer %s", digest);
		}
	}
	if (n < 0) {
		digester_free(dg);
		return err_set(err, 0, "decompress layer %s: %s", digest, archive_error_string(a));
	}
	*size = (int64_t)digester_size(dg);
	digester_final(dg, diff);
	digester_free(dg);
	return 0;
}

static int copy_fd_entry(struct archive *aw, int fd, const char *name, int64_t size,
			 const char *file, struct err **err)
{
	char buf[1 << 16];
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return err_set(err, errno, "seek");
	if (add_entry_header(aw, name, size, file, err) < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && archive_write_data(aw, buf, n) != n)
			return err_set(err, 0, "write '%s' into '%s': %s", name, file,
				       archive_error_string(aw));
	if (n < 0)
		return err_set(err, errno, "read uncompressed layer");
	return 0;
}

/* Resolve name in l to one image manifest (an index: the host's platform). */
static int export_manifest(struct layout *l, const char *name, struct spec_manifest *m,
			   struct err **err)
{
	struct spec_descriptor desc = SPEC_DESCRIPTOR_INIT;
	cleanup_free char *data = NULL;
	size_t len;
	int r = layout_ref_get(l, name, &desc, err);

	if (r == 0)
		return err_set(err, 0, "image '%s' not found", name);
	if (r < 0)
		return -1;
	r = layout_blob_read(l, desc.digest, SPEC_MAX_DOC_SIZE, &data, &len, err);
	if (r == 0 && spec_media_type_is_index(desc.media_type)) {
		struct spec_index idx = SPEC_INDEX_INIT;
		const struct spec_descriptor *pick = NULL;
		r = spec_index_parse(data, len, &idx, err);
		if (r == 0)
			r = spec_index_select(&idx, NULL, &pick, err);
		free(data);
		data = NULL;
		if (r == 0)
			r = layout_blob_read(l, pick->digest, SPEC_MAX_DOC_SIZE, &data, &len, err);
		spec_index_release(&idx);
	}
	spec_descriptor_release(&desc);
	if (r == 0)
		r = spec_manifest_parse(data, len, m, err);
	return r;
}

int archive_export(struct layout *l, const char *name, const char *file, const char *tag,
		   struct err **err)
{
	struct spec_manifest m = SPEC_MANIFEST_INIT;
	cleanup_warchive struct archive *aw = NULL;
	cleanup_json cJSON *cfg = NULL, *man = NULL, *repos = NULL;
	cleanup_free char *cfgdata = NULL, *ltmp = NULL, *mtext = NULL, *rtext = NULL,
			  *cfgname = NULL;
	cleanup_output struct fs_output out = FS_OUTPUT_INIT;
	cleanup_close int lfd = -1;
	const cJSON *diffs;
	cJSON *entry, *layers;
	size_t cfglen;
	int ret = -1;

	/* the output path first: a device or FIFO there is refused before any work */
	if (fs_output_open(&out, file, 0644, err) < 0)
		return -1;
	if (export_manifest(l, name, &m, err) < 0)
		goto out;
	if (layout_blob_read(l, m.config.digest, SPEC_MAX_DOC_SIZE, &cfgdata, &cfglen, err) < 0)
		goto out;
	cfg = json_parse(cfgdata, cfglen, "image config", err);
	if (!cfg)
		goto out;
	diffs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cfg, "rootfs"),
						 "diff_ids");
	if (!cJSON_IsArray(diffs) || (size_t)cJSON_GetArraySize(diffs) != m.n_layers) {
		err_set(err, 0, "image config %s: rootfs.diff_ids does not match the %zu layers",
			m.config.digest, m.n_layers);
		goto out;
	}
	ltmp = xasprintf("%s.layer.XXXXXX", out.tmp);
	lfd = mkostemp(ltmp, O_CLOEXEC);
	if (lfd < 0) {
		err_set(err, errno, "create '%s'", ltmp);
		free(ltmp);
		ltmp = NULL;
		goto out;
	}
	unlink(ltmp);
	aw = archive_write_new();
	if (!aw)
		die_oom();
	archive_write_set_format_pax_restricted(aw);
	if (archive_write_open_fd(aw, out.fd) != ARCHIVE_OK) {
		err_set(err, 0, "write '%s': %s", file, archive_error_string(aw));
		goto out;
	}
	cfgname = xasprintf("%s.json", digest_hex(m.config.digest));
	if (add_entry_mem(aw, cfgname, cfgdata, cfglen, file, err) < 0)
		goto out;
	man = cJSON_CreateArray();
	entry = cJSON_AddItemToArray(man, cJSON_CreateObject()) ? cJSON_GetArrayItem(man, 0) : NULL;
	cJSON_AddStringToObject(entry, "Config", cfgname);
	{
		cJSON *tags = cJSON_AddArrayToObject(entry, "RepoTags");
		if (tag)
			cJSON_AddItemToArray(tags, cJSON_CreateString(tag));
	}
	layers = cJSON_AddArrayToObject(entry, "Layers");
	for (size_t i = 0; i < m.n_layers; i++) {
		cleanup_close int bfd = layout_blob_open(l, m.layers[i].digest, err);
		const cJSON *want = cJSON_GetArrayItem(diffs, (int)i);
		char diff[DIGEST_STR_MAX];
		int64_t size;
		cleanup_free char *lname = NULL;

		if (bfd < 0)
			goto out;
		if (ftruncate(lfd, 0) < 0 || lseek(lfd, 0, SEEK_SET) < 0) {
			err_set(err, errno, "truncate '%s'", ltmp);
			goto out;
		}
		if (unpack_layer(bfd, lfd, m.layers[i].digest, diff, &size, err) < 0)
			goto out;
		if (!cJSON_IsString(want) || !streq(want->valuestring, diff)) {
			err_set(err, 0, "layer %s: uncompressed digest %s is not diff_id %s",
				m.layers[i].digest, diff,
				cJSON_IsString(want) ? want->valuestring : "(none)");
			goto out;
		}
		lname = xasprintf("%s.tar", digest_hex(diff));
		{
			/* the same layer twice is stored once */
			bool seen = false;
			const cJSON *it;
			cJSON_ArrayForEach(it, layers) seen |= streq(it->valuestring, lname);
			if (!seen && copy_fd_entry(aw, lfd, lname, size, file, err) < 0)
				goto out;
		}
		cJSON_AddItemToArray(layers, cJSON_CreateString(lname));
	}
	mtext = json_print(man, false);
	if (add_entry_mem(aw, "manifest.json", mtext, strlen(mtext), file, err) < 0)
		goto out;
	if (tag) {
		const char *colon = strrchr(tag, ':');
		bool has_tag = colon && !strchr(colon, '/');
		cleanup_free char *repo = has_tag ? xstrndup(tag, colon - tag) : xstrdup(tag);
		cJSON *inner;

		repos = cJSON_CreateObject();
		inner = cJSON_AddObjectToObject(repos, repo);
		if (m.n_layers)
			cJSON_AddStringToObject(
			    inner, has_tag ? colon + 1 : "latest",
			    digest_hex(
				cJSON_GetArrayItem(diffs, (int)m.n_layers - 1)->valuestring));
		rtext = json_print(repos, false);
		if (add_entry_mem(aw, "repositories", rtext, strlen(rtext), file, err) < 0)
			goto out;
	}
	if (archive_write_close(aw) != ARCHIVE_OK) {
		err_set(err, 0, "write '%s': %s", file, archive_error_string(aw));
		goto out;
	}
	if (fs_output_commit(&out, err) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		err_wrap(err, "write docker archive '%s'", file);
	spec_manifest_release(&m);
	return ret;
}
