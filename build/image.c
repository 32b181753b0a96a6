/* image.c: kist-build's view of the store: images read and written
 * through spec/layout (config + manifest blobs, unnamed index entries for
 * intermediate images), the step cache under ROOT/build-cache, and running
 * kist-store / kist-runtime. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "build/build.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/lock.h"
#include "common/proc.h"
#include "common/ref.h"
#include "common/util.h"
#include "spec/image.h"
#include "spec/layout.h"

#define CACHE_DIR "build-cache"

void bimage_release(struct bimage *img)
{
	cJSON_Delete(img->config);
	cJSON_Delete(img->layers);
	img->config = img->layers = NULL;
	img->manifest[0] = img->id[0] = '\0';
}

void bimage_copy(struct bimage *dst, const struct bimage *src)
{
	bimage_release(dst);
	memcpy(dst->manifest, src->manifest, DIGEST_STR_MAX);
	memcpy(dst->id, src->id, DIGEST_STR_MAX);
	dst->config = cJSON_Duplicate(src->config, true);
	dst->layers = cJSON_Duplicate(src->layers, true);
}

cJSON *bimage_cfg(struct bimage *img)
{
	cJSON *c = cJSON_GetObjectItemCaseSensitive(img->config, "config");

	if (!cJSON_IsObject(c)) {
		cJSON_DeleteItemFromObjectCaseSensitive(img->config, "config");
		c = cJSON_AddObjectToObject(img->config, "config");
	}
	return c;
}

static void index_digests_load(struct build *b)
{
	struct layout_ref *refs = NULL;
	size_t n = 0;

	strv_free(b->index_digests);
	b->index_digests = xcalloc(1, sizeof(char *));
	if (layout_ref_list(&b->oci, &refs, &n, NULL) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		strv_push(&b->index_digests, refs[i].desc.digest);
	layout_ref_list_free(refs, n);
}

static bool index_has(struct build *b, const char *digest)
{
	for (char **p = b->index_digests; p && *p; p++)
		if (streq(*p, digest))
			return true;
	return false;
}

int bstore_open(struct build *b, struct err **err)
{
	cleanup_free char *oci = xasprintf("%s/oci", b->o->root);

	if (fs_mkdir_p(b->o->root, 0711, err) < 0)
		return -1;
	b->rootfd = open(b->o->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b->rootfd < 0)
		return err_set(err, errno, "open '%s'", b->o->root);
	if (layout_open(oci, true, &b->oci, err) < 0)
		return -1;
	/* Blobs this build writes are named in the index only after they are
	 * written: hold gc off (shared, as every store writer does). */
	b->gclock = lock_acquireat(b->rootfd, ".gc.lock", LOCK_MODE_SHARED, true, err);
	if (b->gclock < 0)
		return -1;
	index_digests_load(b);
	return 0;
}

void bstore_close(struct build *b)
{
	layout_close(&b->oci);
	if (b->gclock >= 0)
		lock_release(b->gclock);
	b->gclock = -1;
	fs_close(b->rootfd);
	b->rootfd = -1;
	strv_free(b->index_digests);
	b->index_digests = NULL;
}

static int read_json_blob(struct build *b, const char *digest, cJSON **out, struct err **err)
{
	cleanup_free char *data = NULL;
	size_t len = 0;

	if (layout_blob_read(&b->oci, digest, SPEC_MAX_DOC_SIZE, &data, &len, err) < 0)
		return -1;
	*out = json_parse(data, len, digest, err);
	return *out ? 0 : -1;
}

/* The host platform's manifest in an index. */
static int pick_platform(struct build *b, cJSON *index, char out[DIGEST_STR_MAX], struct err **err)
{
	struct spec_index idx = SPEC_INDEX_INIT;
	struct spec_platform host = SPEC_PLATFORM_INIT;
	int best = -1, rank = -1;

	(void)b;
	if (spec_index_from_json(index, &idx, err) < 0)
		return -1;
	spec_platform_host(&host);
	for (size_t i = 0; i < idx.n_manifests; i++) {
		int r;

		if (!idx.manifests[i].platform)
			continue;
		r = spec_platform_rank(&host, idx.manifests[i].platform);
		if (r > rank) {
			rank = r;
			best = (int)i;
		}
	}
	if (best >= 0)
		memcpy(out, idx.manifests[best].digest, DIGEST_STR_MAX);
	spec_index_release(&idx);
	spec_platform_release(&host);
	if (best < 0)
		return err_set_code(err, ENOENT,
				    "no manifest for this platform in the image index");
	return 0;
}

int bimage_load(struct build *b, const char *manifest, struct bimage *out, struct err **err)
{
	cleanup_json cJSON *m = NULL;
	const cJSON *mt, *cfg, *digest;
	char picked[DIGEST_STR_MAX];

	if (read_json_blob(b, manifest, &m, err) < 0)
		return -1;
	mt = cJSON_GetObjectItemCaseSensitive(m, "mediaType");
	if (cJSON_GetObjectItemCaseSensitive(m, "manifests") ||
	    (cJSON_IsString(mt) && spec_media_type_is_index(mt->valuestring))) {
		if (pick_platform(b, m, picked, err) < 0)
			return -1;
		return bimage_load(b, picked, out, err);
	}
	cfg = cJSON_GetObjectItemCaseSensitive(m, "config");
	digest = cJSON_GetObjectItemCaseSensitive(cfg, "digest");
	if (!cJSON_IsString(digest))
		return err_set_code(err, EINVAL, "manifest %s: no config digest", manifest);
	bimage_release(out);
	if (read_json_blob(b, digest->valuestring, &out->config, err) < 0)
		return -1;
	if (!cJSON_IsObject(out->config))
		return err_set_code(err, EINVAL, "image config %s is not an object",
				    digest->valuestring);
	snprintf(out->id, DIGEST_STR_MAX, "%s", digest->valuestring);
	snprintf(out->manifest, DIGEST_STR_MAX, "%s", manifest);
	out->layers = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(m, "layers"), true);
	if (!cJSON_IsArray(out->layers)) {
		cJSON_Delete(out->layers);
		out->layers = cJSON_CreateArray();
	}
	return 0;
}

int bimage_resolve(struct build *b, const char *what, struct bimage *out, struct err **err)
{
	struct ref r = REF_INIT;
	struct spec_descriptor d = SPEC_DESCRIPTOR_INIT;
	cleanup_free char *full = NULL, *id = NULL;
	int found;

	if (ref_parse(what, &r, NULL) == 0) {
		full = ref_string(&r);
		ref_release(&r);
		found = layout_ref_get(&b->oci, full, &d, err);
		if (found < 0)
			return -1;
		if (found) {
			found = bimage_load(b, d.digest, out, err);
			spec_descriptor_release(&d);
			return found < 0 ? -1 : 1;
		}
	}
	/* an image id (or a short one): ask the store, which knows every form */
	{
		const char *argv[] = {b->store_bin, "--root",   b->o->root,
				      "inspect",    "--format", "{{.ManifestDigest}}",
				      what,         NULL};
		struct proc p = PROC_INIT;
		cleanup_free char *outp = NULL;
		size_t len = 0;
		int st;

		p.argv = argv;
		p.in = PROC_FD_NULL;
		p.out = PROC_FD_PIPE;
		p.err = PROC_FD_NULL; /* "no such image" is ours to say */
		if (proc_start(&p, err) < 0)
			return -1;
		st = fs_read_fd(p.out, 4096, &outp, &len, NULL);
		fs_close(p.out);
		if (proc_wait(&p, err) != 0 || st < 0)
			return 0;
		while (len && (outp[len - 1] == '\n' || outp[len - 1] == ' '))
			outp[--len] = '\0';
		if (!digest_is_valid(outp))
			return 0;
		return bimage_load(b, outp, out, err) < 0 ? -1 : 1;
	}
}

static int add_entry_fn(cJSON *index, void *arg, struct err **err)
{
	const struct spec_descriptor *d = arg;
	cJSON *manifests = cJSON_GetObjectItemCaseSensitive(index, "manifests"), *e;

	(void)err;
	if (!cJSON_IsArray(manifests)) {
		cJSON_DeleteItemFromObjectCaseSensitive(index, "manifests");
		manifests = cJSON_AddArrayToObject(index, "manifests");
	}
	cJSON_ArrayForEach(e, manifests)
	{
		const cJSON *dg = cJSON_GetObjectItemCaseSensitive(e, "digest");
		if (cJSON_IsString(dg) && streq(dg->valuestring, d->digest))
			return 0; /* listed already (named or not) */
	}
	e = spec_descriptor_to_json(d);
	cJSON_DeleteItemFromObjectCaseSensitive(e, "annotations");
	cJSON_AddItemToArray(manifests, e);
	return 0;
}

int bimage_write(struct build *b, struct bimage *img, struct err **err)
{
	cleanup_free char *ctext = json_print(img->config, false), *mtext = NULL;
	cleanup_json cJSON *m = cJSON_CreateObject();
	struct spec_descriptor d = SPEC_DESCRIPTOR_INIT;
	char cdigest[DIGEST_STR_MAX], mdigest[DIGEST_STR_MAX];
	cJSON *c;
	int r;

	if (layout_blob_put(&b->oci, ctext, strlen(ctext), cdigest, err) < 0)
		return -1;
	cJSON_AddNumberToObject(m, "schemaVersion", 2);
	cJSON_AddStringToObject(m, "mediaType", MT_OCI_MANIFEST);
	c = cJSON_AddObjectToObject(m, "config");
	cJSON_AddStringToObject(c, "mediaType", MT_OCI_CONFIG);
	cJSON_AddStringToObject(c, "digest", cdigest);
	cJSON_AddNumberToObject(c, "size", (double)strlen(ctext));
	cJSON_AddItemToObject(m, "layers", cJSON_Duplicate(img->layers, true));
	mtext = json_print(m, false);
	if (layout_blob_put(&b->oci, mtext, strlen(mtext), mdigest, err) < 0)
		return -1;
	memcpy(d.digest, mdigest, DIGEST_STR_MAX);
	d.media_type = xstrdup(MT_OCI_MANIFEST);
	d.size = (int64_t)strlen(mtext);
	r = index_has(b, mdigest) ? 0 : layout_index_update(&b->oci, add_entry_fn, &d, err);
	spec_descriptor_release(&d);
	if (r < 0)
		return -1;
	if (!index_has(b, mdigest))
		strv_push(&b->index_digests, mdigest);
	memcpy(img->manifest, mdigest, DIGEST_STR_MAX);
	memcpy(img->id, cdigest, DIGEST_STR_MAX);
	return 0;
}

char *build_time(const struct build *b)
{
	time_t t = (time_t)b->o->timestamp;
	struct tm tm;
	char buf[64];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

/* ---- cache ---- */

static char *cache_path(const char *kind, const char *key)
{
	return xasprintf(CACHE_DIR "/%s/%s", kind, digest_hex(key));
}

bool cache_get(struct build *b, const char *key, char manifest[DIGEST_STR_MAX])
{
	cleanup_free char *p = cache_path("keys", key), *data = NULL;
	size_t len = 0;

	if (fs_read_allat(b->rootfd, p, 256, &data, &len, NULL) < 0)
		return false;
	while (len && (data[len - 1] == '\n' || data[len - 1] == ' '))
		data[--len] = '\0';
	if (!digest_is_valid(data) || !index_has(b, data) || !layout_blob_exists(&b->oci, data))
		return false;
	snprintf(manifest, DIGEST_STR_MAX, "%s", data);
	return true;
}

static int put_file(struct build *b, const char *kind, const char *key, const char *text,
		    struct err **err)
{
	cleanup_free char *dir = xasprintf(CACHE_DIR "/%s", kind);
	cleanup_free char *p = cache_path(kind, key);

	if (fs_mkdir_pat(b->rootfd, dir, 0700, err) < 0)
		return -1;
	return fs_write_file_atomicat(b->rootfd, p, text, strlen(text), 0600, err);
}

int cache_put(struct build *b, const char *key, const char *manifest, struct err **err)
{
	cleanup_free char *text = xasprintf("%s\n", manifest);

	return put_file(b, "keys", key, text, err);
}

char *step_record_get(struct build *b, const char *place)
{
	cleanup_free char *p = cache_path("steps", place);
	char *data = NULL;
	size_t len = 0;

	if (fs_read_allat(b->rootfd, p, 16 << 20, &data, &len, NULL) < 0)
		return NULL;
	return data;
}

void step_record_put(struct build *b, const char *place, const char *record)
{
	put_file(b, "steps", place, record, NULL); /* only explains misses: best effort */
}

/* ---- running the other programs ---- */

/* The start of text's last non-empty line (text cut after it). */
static char *last_line(char *text)
{
	size_t n = strlen(text);
	char *line;

	while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
		text[--n] = '\0';
	if (!n)
		return NULL;
	line = strrchr(text, '\n');
	return line ? line + 1 : text;
}

/* line without the "prog: " prefix of a kist program's messages */
static const char *unprefixed(const char *line, const char *prog)
{
	size_t n = strlen(prog);

	if (!strncmp(line, prog, n) && !strncmp(line + n, ": ", 2))
		return line + n + 2;
	return line;
}

int build_exec(struct build *b, const char *const *argv, char **out, struct err **err)
{
	struct proc p = PROC_INIT;
	cleanup_close int efd = memfd_create("stderr", MFD_CLOEXEC), ofd = -1;
	cleanup_free char *etext = NULL, *data = NULL;
	size_t len = 0;
	int st;

	(void)b;
	if (efd < 0)
		return err_set(err, errno, "memfd_create");
	p.argv = argv;
	p.in = PROC_FD_NULL;
	/* stdout is the build's (-q: the id alone); stderr is kept to make a
	 * failure's message the build's own (one line) */
	p.out = out ? PROC_FD_PIPE : PROC_FD_NULL;
	p.err = efd;
	if (proc_start(&p, err) < 0)
		return -1;
	if (out) {
		ofd = p.out;
		if (fs_read_fd(ofd, 1 << 20, &data, &len, err) < 0) {
			kill(p.pid, SIGKILL);
			(void)proc_wait(&p, NULL);
			return err_wrap(err, "capture output of '%s'", argv[0]);
		}
	}
	st = proc_wait(&p, err);
	if (st < 0)
		return -1;
	if (lseek(efd, 0, SEEK_SET) == 0 && fs_read_fd(efd, 64 << 10, &etext, &len, NULL) == 0 &&
	    etext[0]) {
		char *line = st != 0 ? last_line(etext) : NULL;

		if (line) {
			/* what came before the error (warnings) is shown as is */
			const char *base = strrchr(argv[0], '/');
			const char *verb = argv[1] && streq(argv[1], "--root") && argv[2] && argv[3]
					       ? argv[3]
					       : NULL;

			base = base ? base + 1 : argv[0];
			if (line > etext)
				fs_write_all(2, etext, (size_t)(line - etext));
			return err_set(err, 0, "%s%s%s: %s", base, verb ? " " : "",
				       verb ? verb : "", unprefixed(line, base));
		}
		fs_write_all(2, etext, strlen(etext));
	}
	if (out) {
		size_t n = strlen(data);

		while (n && (data[n - 1] == '\n' || data[n - 1] == ' '))
			data[--n] = '\0';
		*out = steal_pointer(&data);
	}
	return st;
}
