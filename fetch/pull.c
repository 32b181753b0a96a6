/* pull.c: registry -> OCI layout.  Resolve the manifest (index -> platform),
 * then fetch config and layers in parallel over one curl multi handle with
 * connection reuse, each streamed into a layout blob writer (hashed while
 * streaming, renamed into blobs/ only once verified).  Present blobs are
 * skipped, a partial one resumes with a Range request, 5xx and connection
 * resets are retried with backoff.  The ref is recorded last. */
#define _GNU_SOURCE
#include <errno.h>  /* errno */
#include <stdlib.h> /* free */
#include <string.h> /* memcpy */
#include <time.h>   /* clock_gettime */
#include <unistd.h> /* usleep */

#include "common/err.h"
#include "common/log.h"
#include "common/util.h"
#include "fetch/fetch.h"

#define MAX_PARALLEL 4
#define MAX_ATTEMPTS 5
#define WBUF_SIZE (4u << 20)
#define DIRECT_MIN (256u << 10)
/* blobs this big (or of unknown size) are written with direct I/O */
#define DIRECT_IO_MIN (1u << 20)

enum dl_state { DL_PENDING, DL_ACTIVE, DL_WAIT, DL_DONE };

struct puller;

struct dl {
	struct puller *p;
	char digest[DIGEST_STR_MAX];
	int64_t size;
	bool is_layer;
	enum dl_state state;
	struct blob_writer *w;
	bool direct; /* w does its own buffering (blob_writer_direct) */
	uint64_t got;
	CURL *easy;
	struct curl_slist *hdrs;
	struct http_resp resp; /* headers; the body only for error responses */
	long status;
	bool status_known;
	char *wbuf;
	size_t wlen;
	int attempts;
	bool auth_retried;
	double started; /* when its first transfer started (--debug timings) */
	double retry_at;
	struct err *werr;
	char errbuf[CURL_ERROR_SIZE]; /* curl's words for a failed transfer */
};

struct puller {
	struct registry *reg;
	struct layout *l;
	struct progress *pg;
	const char *repo;
	char *scope;
	CURLM *multi;
	struct dl *dls;
	size_t n;
	size_t downloaded;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Begin (or resume) d's blob; big ones go to the device with direct I/O. */
static int dl_begin(struct dl *d, bool resume, struct err **err)
{
	if (layout_blob_begin(d->p->l, d->digest, d->size, resume, &d->w, err) < 0)
		return -1;
	d->direct = (d->size < 0 || d->size >= (int64_t)DIRECT_IO_MIN) && blob_writer_direct(d->w);
	return 0;
}

static int flush_wbuf(struct dl *d)
{
	if (d->wlen && !d->werr) {
		if (blob_writer_write(d->w, d->wbuf, d->wlen, &d->werr) < 0) {
			d->wlen = 0;
			return -1;
		}
	}
	d->wlen = 0;
	return d->werr ? -1 : 0;
}

static size_t dl_write(char *data, size_t size, size_t n, void *arg)
{
	struct dl *d = arg;
	size_t len = size * n;

	if (!d->status_known) {
		curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &d->status);
		d->status_known = true;
		if (d->status == 200 && blob_writer_offset(d->w) > 0) {
			/* the server ignored our Range: start the blob over */
			blob_writer_abort(d->w, false);
			d->w = NULL;
			if (dl_begin(d, false, &d->werr) < 0)
				return 0;
			d->got = 0;
		}
	}
	if (d->status != 200 && d->status != 206)
		return http_body_cb(data, size, n, &d->resp);
	if (d->werr)
		return 0;
	if (d->size >= 0 && d->got + len > (uint64_t)d->size) {
		err_set(&d->werr, 0, "blob %s is larger than its descriptor says (%lld bytes)",
			d->digest, (long long)d->size);
		return 0;
	}
	if (d->direct || (d->wlen == 0 && len >= DIRECT_MIN)) {
		/* a big chunk from curl, or a writer that buffers itself: hash
		 * and write it in place, no copy */
		if (blob_writer_write(d->w, data, len, &d->werr) < 0)
			return 0;
		d->got += len;
		len = 0;
	}
	if (len && !d->wbuf)
		d->wbuf = xmalloc(WBUF_SIZE);
	while (len) {
		size_t k = WBUF_SIZE - d->wlen;
		if (k > len)
			k = len;
		memcpy(d->wbuf + d->wlen, data, k);
		d->wlen += k;
		data += k;
		len -= k;
		d->got += k;
		if (d->wlen == WBUF_SIZE && flush_wbuf(d) < 0)
			return 0;
	}
	if (d->is_layer)
		progress_bytes(d->p->pg, d->digest, "Downloading", d->got, d->size);
	return size * n;
}

static int dl_start(struct puller *p, struct dl *d, struct err **err)
{
	cleanup_free char *path = xasprintf("/v2/%s/blobs/%s", p->repo, d->digest);
	uint64_t off;

	if (!d->w && dl_begin(d, true, err) < 0)
		return -1;
	off = blob_writer_offset(d->w);
	d->got = off;
	if (!d->started)
		d->started = now();
	if (d->size >= 0 && off == (uint64_t)d->size) {
		/* a complete partial from an earlier run: just verify it */
		d->state = DL_ACTIVE;
		d->easy = NULL;
		return 1;
	}
	http_resp_reset(&d->resp);
	d->status_known = false;
	d->status = 0;
	d->easy = registry_easy(p->reg, path, p->scope, &d->hdrs, err);
	if (!d->easy)
		return -1;
	if (off > 0) {
		char range[64];
		snprintf(range, sizeof(range), "%llu-", (unsigned long long)off);
		curl_easy_setopt(d->easy, CURLOPT_RANGE, range);
	}
	registry_set_deadline(p->reg, d->easy, d->size >= 0 ? d->size - (int64_t)off : -1);
	d->errbuf[0] = '\0';
	curl_easy_setopt(d->easy, CURLOPT_ERRORBUFFER, d->errbuf);
	curl_easy_setopt(d->easy, CURLOPT_HTTPHEADER, d->hdrs);
	curl_easy_setopt(d->easy, CURLOPT_WRITEFUNCTION, dl_write);
	curl_easy_setopt(d->easy, CURLOPT_WRITEDATA, d);
	curl_easy_setopt(d->easy, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(d->easy, CURLOPT_HEADERDATA, &d->resp);
	curl_easy_setopt(d->easy, CURLOPT_BUFFERSIZE, 512L * 1024);
	curl_easy_setopt(d->easy, CURLOPT_PRIVATE, d);
	curl_multi_add_handle(p->multi, d->easy);
	d->state = DL_ACTIVE;
	return 0;
}

static void dl_stop(struct puller *p, struct dl *d)
{
	if (d->easy) {
		curl_multi_remove_handle(p->multi, d->easy);
		curl_easy_cleanup(d->easy);
		d->easy = NULL;
	}
	if (d->hdrs) {
		curl_slist_free_all(d->hdrs);
		d->hdrs = NULL;
	}
}

static bool transient(CURLcode c)
{
	return c == CURLE_COULDNT_CONNECT || c == CURLE_RECV_ERROR || c == CURLE_SEND_ERROR ||
	       c == CURLE_GOT_NOTHING || c == CURLE_PARTIAL_FILE || c == CURLE_OPERATION_TIMEDOUT ||
	       c == CURLE_HTTP2 || c == CURLE_HTTP2_STREAM;
}

static int dl_commit(struct puller *p, struct dl *d, struct err **err)
{
	struct blob_writer *w = steal_pointer(&d->w);
	double t = now();

	if (blob_writer_commit(w, NULL, err) < 0)
		return err_wrap(err, "blob %s", d->digest);
	log_debug("blob %.19s: %llu bytes in %.3f s (%s), commit %.3f s", d->digest,
		  (unsigned long long)d->got, t - d->started, d->direct ? "direct" : "buffered",
		  now() - t);
	d->state = DL_DONE;
	p->downloaded++;
	if (d->is_layer) {
		progress_line(p->pg, d->digest, "Download complete");
		progress_line(p->pg, d->digest, "Pull complete");
	}
	return 0;
}

/* A finished transfer: commit, retry, or fail. */
static int dl_finish(struct puller *p, struct dl *d, CURLcode code, struct err **err)
{
	long st = 0;

	curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &st);
	dl_stop(p, d);
	if (d->werr) {
		int r = err_set_code(err, d->werr->code, "%s", d->werr->msg);
		err_free(d->werr);
		d->werr = NULL;
		return r;
	}
	if (code == CURLE_OK && (st == 200 || st == 206)) {
		if (flush_wbuf(d) < 0) {
			err_set_code(err, d->werr->code, "%s", d->werr->msg);
			err_free(d->werr);
			d->werr = NULL;
			return -1;
		}
		if (d->size < 0 || d->got == (uint64_t)d->size)
			return dl_commit(p, d, err);
		code = CURLE_PARTIAL_FILE; /* short body: resume it */
	} else {
		flush_wbuf(d);
	}
	if (code == CURLE_OK && st == 401 && !d->auth_retried) {
		d->auth_retried = true;
		registry_refresh_token(p->reg, p->scope, d->resp.www_auth, err);
		d->state = DL_WAIT;
		d->retry_at = 0;
		return 0;
	}
	if (code == CURLE_OK && st == 416) {
		/* our partial is not a prefix the server recognises: start over */
		blob_writer_abort(d->w, false);
		d->w = NULL;
		code = CURLE_PARTIAL_FILE;
	}
	if ((code != CURLE_OK && transient(code)) ||
	    (code == CURLE_OK && (st >= 500 || st == 429 || st == 416))) {
		if (++d->attempts >= MAX_ATTEMPTS) {
			if (code != CURLE_OK)
				return err_set(
				    err, 0, "download %s: %s (gave up after %d attempts)",
				    d->digest, *d->errbuf ? d->errbuf : curl_easy_strerror(code),
				    d->attempts);
			registry_status_error(&d->resp, err);
			return err_wrap(err, "download %s (gave up after %d attempts)", d->digest,
					d->attempts);
		}
		if (d->w) {
			blob_writer_abort(d->w, true);
			d->w = NULL;
		}
		log_debug("download %s: %s (HTTP %ld), retrying", d->digest,
			  curl_easy_strerror(code), st);
		if (d->is_layer)
			progress_line(p->pg, d->digest, "Retrying");
		d->state = DL_WAIT;
		d->retry_at = now() + 0.1 * (1 << d->attempts);
		return 0;
	}
	if (code != CURLE_OK)
		return err_set(err, 0, "download %s: %s", d->digest,
			       *d->errbuf ? d->errbuf : curl_easy_strerror(code));
	registry_status_error(&d->resp, err);
	return err_wrap(err, "download %s", d->digest);
}

static int run_downloads(struct puller *p, struct err **err)
{
	size_t active = 0, done = 0, todo = 0;
	bool disk_full;
	int ret = 0;

	for (size_t i = 0; i < p->n; i++)
		if (p->dls[i].state == DL_PENDING)
			todo++;
	if (!todo)
		return 0;
	p->multi = curl_multi_init();
	if (!p->multi)
		die_oom();
	curl_multi_setopt(p->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)MAX_PARALLEL);
	while (done < todo) {
		double t = now(), next = -1;
		int running, msgs, timeout;
		CURLMsg *m;

		for (size_t i = 0; i < p->n && active < MAX_PARALLEL; i++) {
			struct dl *d = &p->dls[i];
			int r;

			if (d->state == DL_WAIT && d->retry_at > t) {
				if (next < 0 || d->retry_at < next)
					next = d->retry_at;
				continue;
			}
			if (d->state != DL_PENDING && d->state != DL_WAIT)
				continue;
			r = dl_start(p, d, err);
			if (r < 0) {
				ret = -1;
				goto out;
			}
			if (r == 1) { /* complete partial */
				if (dl_commit(p, d, err) < 0) {
					ret = -1;
					goto out;
				}
				done++;
				continue;
			}
			active++;
		}
		if (done >= todo)
			break;
		curl_multi_perform(p->multi, &running);
		while ((m = curl_multi_info_read(p->multi, &msgs))) {
			struct dl *d;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&d);
			active--;
			if (dl_finish(p, d, m->data.result, err) < 0) {
				ret = -1;
				goto out;
			}
			if (d->state == DL_DONE)
				done++;
		}
		if (done >= todo)
			break;
		timeout = 1000;
		if (next >= 0) {
			int ms = (int)((next - now()) * 1000) + 1;
			if (ms < timeout)
				timeout = ms < 0 ? 0 : ms;
		}
		if (active)
			curl_multi_poll(p->multi, NULL, 0, timeout, NULL);
		else if (timeout > 0)
			usleep(timeout * 1000);
	}
out:
	/* partials resume a cut transfer; with the disk full they only hold
	 * the space the next try needs */
	disk_full = ret < 0 && *err && ((*err)->code == ENOSPC || (*err)->code == EDQUOT);
	for (size_t i = 0; i < p->n; i++) {
		struct dl *d = &p->dls[i];
		dl_stop(p, d);
		if (d->w) {
			blob_writer_abort(d->w, !disk_full);
			d->w = NULL;
		}
	}
	curl_multi_cleanup(p->multi);
	p->multi = NULL;
	return ret;
}

static void add_blob(struct puller *p, const struct spec_descriptor *desc, bool is_layer)
{
	struct dl *d;

	for (size_t i = 0; i < p->n; i++)
		if (streq(p->dls[i].digest, desc->digest))
			return;
	p->dls = xrealloc(p->dls, (p->n + 1) * sizeof(*p->dls));
	d = &p->dls[p->n++];
	memset(d, 0, sizeof(*d));
	memcpy(d->digest, desc->digest, DIGEST_STR_MAX);
	d->size = desc->size;
	d->is_layer = is_layer;
	http_resp_init(&d->resp);
	if (layout_blob_exists(p->l, desc->digest)) {
		d->state = DL_DONE;
		if (is_layer)
			progress_line(p->pg, desc->digest, "Already exists");
	} else {
		d->state = DL_PENDING;
		if (is_layer)
			progress_line(p->pg, desc->digest, "Pulling fs layer");
	}
}

static void puller_release(struct puller *p)
{
	for (size_t i = 0; i < p->n; i++) {
		http_resp_release(&p->dls[i].resp);
		free(p->dls[i].wbuf);
		err_free(p->dls[i].werr);
	}
	free(p->dls);
	free(p->scope);
}

static int add_manifest_blobs(struct puller *p, const struct fetched_manifest *m, struct err **err)
{
	struct spec_manifest man = SPEC_MANIFEST_INIT;

	if (spec_manifest_parse(m->data, m->len, &man, err) < 0)
		return err_wrap(err, "manifest %s", m->digest);
	for (size_t i = 0; i < man.n_layers; i++)
		add_blob(p, &man.layers[i], true);
	add_blob(p, &man.config, false);
	spec_manifest_release(&man);
	return 0;
}

static int put_manifest(struct layout *l, const struct fetched_manifest *m, struct err **err)
{
	struct spec_manifest man = SPEC_MANIFEST_INIT;
	char d[DIGEST_STR_MAX];
	int r;

	/* an image the store could not read is refused before it is named */
	if (spec_media_type_is_manifest(m->media_type)) {
		if (spec_manifest_parse(m->data, m->len, &man, err) < 0)
			return err_wrap(err, "manifest %s", m->digest);
		r = layout_image_check(l, &man, err);
		spec_manifest_release(&man);
		if (r < 0)
			return -1;
	}
	if (layout_blob_put(l, m->data, m->len, d, err) < 0)
		return -1;
	if (!streq(d, m->digest))
		return err_set(err, 0, "manifest digest mismatch: expected %s, got %s", m->digest,
			       d);
	return 0;
}

/* Fetch a small blob (a config) into the layout now, verified. */
static int fetch_small_blob(struct puller *p, const char *digest, struct err **err)
{
	cleanup_free char *data = NULL;
	size_t len;

	if (layout_blob_exists(p->l, digest))
		return 0;
	if (registry_get_small_blob(p->reg, p->repo, p->scope, digest, &data, &len, err) < 0)
		return err_wrap(err, "download %s", digest);
	return layout_blob_put(p->l, data, len, NULL, err);
}

/* A single-platform image asked for with --platform must be that platform:
 * its config is fetched first and checked before any layer. */
static int check_platform(struct puller *p, const struct fetched_manifest *m,
			  const struct spec_platform *want, struct err **err)
{
	struct layout *l = p->l;
	struct spec_manifest man = SPEC_MANIFEST_INIT;
	struct spec_image_config cfg = SPEC_IMAGE_CONFIG_INIT;
	struct spec_platform have = SPEC_PLATFORM_INIT;
	cleanup_free char *data = NULL, *ws = NULL, *hs = NULL;
	size_t len;
	int ret = -1;

	if (spec_manifest_parse(m->data, m->len, &man, err) < 0 ||
	    fetch_small_blob(p, man.config.digest, err) < 0 ||
	    layout_blob_read(l, man.config.digest, SPEC_MAX_DOC_SIZE, &data, &len, err) < 0 ||
	    spec_image_config_parse(data, len, &cfg, err) < 0)
		goto out;
	have.os = cfg.os ? xstrdup(cfg.os) : NULL;
	have.architecture = cfg.architecture ? xstrdup(cfg.architecture) : NULL;
	have.variant = cfg.variant ? xstrdup(cfg.variant) : NULL;
	if (have.os && have.architecture && spec_platform_match(want, &have)) {
		ret = 0;
		goto out;
	}
	ws = spec_platform_string(want);
	hs = have.os && have.architecture ? spec_platform_string(&have) : xstrdup("unknown");
	err_set(err, 0,
		"image with reference %s was found but its platform (%s) does not match the "
		"specified platform (%s)",
		m->digest, hs, ws);
out:
	spec_platform_release(&have);
	spec_image_config_release(&cfg);
	spec_manifest_release(&man);
	return ret;
}

/* Fetch the manifest from the first endpoint that has it: docker.io goes
 * through each registry-mirror, then the origin. */
static int resolve(const struct fetch_global *g, const struct fetch_config *cfg,
		   const struct ref *ref, struct registry *reg, struct fetched_manifest *top,
		   struct err **err)
{
	const char *reference = ref->digest ? ref->digest : ref->tag;

	if (streq(ref->domain, REF_DEFAULT_DOMAIN)) {
		for (char **m = cfg->mirrors; m && *m; m++) {
			cleanup_err struct err *merr = NULL;

			if (registry_open(reg, cfg, ref->domain, *m, g->debug, &merr) == 0 &&
			    manifest_fetch(reg, ref->path, reference, top, &merr) == 0)
				return 0;
			log_debug("mirror '%s': %s", *m, merr ? merr->msg : "failed");
			registry_close(reg);
		}
	}
	if (registry_open(reg, cfg, ref->domain, NULL, g->debug, err) < 0)
		return -1;
	return manifest_fetch(reg, ref->path, reference, top, err);
}

int pull_image(const struct fetch_global *g, const struct ref *ref, const char *input,
	       struct layout *dst, const struct pull_opts *o, char digest_out[DIGEST_STR_MAX],
	       struct err **err)
{
	struct fetch_config cfg = FETCH_CONFIG_INIT;
	struct registry reg;
	struct fetched_manifest top = {0};
	struct fetched_manifest *children = NULL;
	size_t n_children = 0;
	struct spec_index idx = SPEC_INDEX_INIT;
	struct spec_platform want = SPEC_PLATFORM_INIT;
	struct puller p = {0};
	struct spec_descriptor rec = SPEC_DESCRIPTOR_INIT, old = SPEC_DESCRIPTOR_INIT;
	cleanup_free char *name = o->ref_name ? xstrdup(o->ref_name) : ref_string(ref);
	cleanup_free char *familiar = ref_familiar(ref);
	bool is_index;
	int have_old = 0;
	int ret = -1;

	memset(&reg, 0, sizeof(reg));
	p.pg = progress_new(o->quiet);
	if (fetch_config_load(&cfg, err) < 0)
		goto out;
	if (o->platform && spec_platform_parse(o->platform, &want, err) < 0)
		goto out;
	if (input && !ref->digest &&
	    !strchr(strrchr(input, '/') ? strrchr(input, '/') : input, ':'))
		progress_print(p.pg, "Using default tag: %s\n", ref->tag);
	if (resolve(g, &cfg, ref, &reg, &top, err) < 0) {
		if (*err && (strstr((*err)->msg, "manifest unknown") ||
			     strstr((*err)->msg, "name unknown"))) {
			cleanup_free char *full = ref_familiar(ref);
			err_wrap(err, "manifest for %s not found", full);
		}
		goto out;
	}
	progress_print(p.pg, "%s: Pulling from %s\n", ref->digest ? ref->digest : ref->tag,
		       ref->path);
	is_index = spec_media_type_is_index(top.media_type);
	p.reg = &reg;
	p.l = dst;
	p.repo = ref->path;
	p.scope = registry_scope(ref->path, "pull");
	if (is_index) {
		if (spec_index_parse(top.data, top.len, &idx, err) < 0) {
			err_wrap(err, "index %s", top.digest);
			goto out;
		}
		if (o->all_platforms) {
			children = xcalloc(idx.n_manifests + 1, sizeof(*children));
			for (size_t i = 0; i < idx.n_manifests; i++) {
				if (!spec_media_type_is_manifest(idx.manifests[i].media_type))
					continue;
				if (manifest_fetch(&reg, ref->path, idx.manifests[i].digest,
						   &children[n_children], err) < 0)
					goto out;
				n_children++;
			}
		} else {
			const struct spec_descriptor *sel;
			if (spec_index_select(&idx, o->platform ? &want : NULL, &sel, err) < 0)
				goto out;
			children = xcalloc(1, sizeof(*children));
			if (manifest_fetch(&reg, ref->path, sel->digest, &children[0], err) < 0)
				goto out;
			n_children = 1;
		}
		for (size_t i = 0; i < n_children; i++) {
			if (!spec_media_type_is_manifest(children[i].media_type)) {
				err_set(err, 0, "manifest %s: expected an image manifest, got '%s'",
					children[i].digest, children[i].media_type);
				goto out;
			}
		}
	}
	if (n_children == 0 && is_index) {
		err_set(err, 0, "index %s lists no image manifests", top.digest);
		goto out;
	}
	if (is_index) {
		for (size_t i = 0; i < n_children; i++)
			if (add_manifest_blobs(&p, &children[i], err) < 0)
				goto out;
	} else if (add_manifest_blobs(&p, &top, err) < 0) {
		goto out;
	}
	if (o->platform && !is_index) {
		if (check_platform(&p, &top, &want, err) < 0)
			goto out;
		for (size_t i = 0; i < p.n; i++)
			if (p.dls[i].state == DL_PENDING &&
			    layout_blob_exists(dst, p.dls[i].digest))
				p.dls[i].state = DL_DONE;
	}
	for (size_t i = 0; i < p.n; i++)
		p.dls[i].p = &p;
	if (run_downloads(&p, err) < 0)
		goto out;
	/* every blob is in place: now the manifests, then the ref */
	for (size_t i = 0; i < n_children; i++)
		if (put_manifest(dst, &children[i], err) < 0)
			goto out;
	if (!is_index || o->all_platforms) {
		if (put_manifest(dst, &top, err) < 0)
			goto out;
		rec.media_type = xstrdup(top.media_type);
		memcpy(rec.digest, top.digest, DIGEST_STR_MAX);
		rec.size = top.len;
	} else {
		rec.media_type = xstrdup(children[0].media_type);
		memcpy(rec.digest, children[0].digest, DIGEST_STR_MAX);
		rec.size = children[0].len;
	}
	if (o->record) {
		have_old = layout_ref_get(dst, name, &old, err);
		if (have_old < 0)
			goto out;
		if (layout_ref_set(dst, name, &rec, err) < 0)
			goto out;
	}
	{
		cleanup_strv char **ds = NULL;
		cleanup_free char *repo = ref_name(ref);
		cleanup_err struct err *e2 = NULL;
		for (size_t i = 0; i < p.n; i++)
			strv_push(&ds, p.dls[i].digest);
		if (blobinfo_add(g, repo, ds, &e2) < 0)
			log_debug("record mount hints: %s", e2->msg);
	}
	progress_print(p.pg, "Digest: %s\n", top.digest);
	if (have_old == 1 && streq(old.digest, rec.digest) && p.downloaded == 0)
		progress_print(p.pg, "Status: Image is up to date for %s\n", familiar);
	else
		progress_print(p.pg, "Status: Downloaded newer image for %s\n", familiar);
	if (digest_out)
		memcpy(digest_out, top.digest, DIGEST_STR_MAX);
	ret = 0;
out:
	if (ret < 0 && input)
		err_wrap(err, "pull '%s'", input);
	puller_release(&p);
	progress_free(p.pg);
	for (size_t i = 0; i < n_children; i++)
		fetched_manifest_release(&children[i]);
	free(children);
	fetched_manifest_release(&top);
	spec_index_release(&idx);
	spec_platform_release(&want);
	spec_descriptor_release(&rec);
	if (have_old == 1)
		spec_descriptor_release(&old);
	registry_close(&reg);
	fetch_config_release(&cfg);
	return ret;
}
