/* push.c: OCI layout -> registry.  For each blob: HEAD (skip when present),
 * cross-repository mount from another repo of the same registry that the
 * layout knows holds it, else an upload: one monolithic PUT for small blobs,
 * chunked PATCH with Content-Range then PUT for large ones.  Uploads run in
 * parallel over one curl multi handle.  Manifests go last (children of an
 * index by digest, then the top one by tag). */
#define _GNU_SOURCE
#include <errno.h>  /* errno */
#include <stdlib.h> /* free */
#include <string.h> /* strcmp */
#include <unistd.h> /* pread */

#include "common/err.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/util.h"
#include "fetch/fetch.h"

#define MAX_PARALLEL 4
#define DEFAULT_CHUNK_SIZE (128ll << 20)
static int64_t CHUNK_SIZE = DEFAULT_CHUNK_SIZE;
#define MAX_CANDIDATES 3

enum up_state { UP_SKIP, UP_QUEUED, UP_ACTIVE, UP_DONE };

struct pusher;

struct up {
	struct pusher *p;
	char digest[DIGEST_STR_MAX];
	int64_t size;
	bool is_layer;
	enum up_state state;
	int fd;
	char *location;
	int64_t off;  /* bytes the registry holds */
	int64_t sent; /* bytes of the current request read */
	int64_t req_len;
	bool final_put;
	bool auth_retried;
	CURL *easy;
	struct curl_slist *hdrs;
	struct http_resp resp;
};

struct pusher {
	const struct fetch_global *g;
	struct registry *reg;
	struct layout *src;
	struct progress *pg;
	const char *domain;
	const char *repo;
	char *scope;
	struct up *ups;
	size_t n;
	struct layout_ref *refs;
	size_t n_refs;
	CURLM *multi;
};

/* Queue a blob once; false when it was already queued. */
static bool add_up(struct pusher *p, const struct spec_descriptor *d, bool is_layer)
{
	struct up *u;

	for (size_t i = 0; i < p->n; i++)
		if (streq(p->ups[i].digest, d->digest))
			return false;
	p->ups = xrealloc(p->ups, (p->n + 1) * sizeof(*p->ups));
	u = &p->ups[p->n++];
	memset(u, 0, sizeof(*u));
	memcpy(u->digest, d->digest, DIGEST_STR_MAX);
	u->size = d->size;
	u->is_layer = is_layer;
	u->fd = -1;
	http_resp_init(&u->resp);
	return true;
}

/* Absolute upload URL from a Location header. */
static char *abs_location(struct registry *r, const char *loc)
{
	if (str_has_prefix(loc, "http://") || str_has_prefix(loc, "https://"))
		return xstrdup(loc);
	return xasprintf("%s%s", r->base, loc);
}

/* Does the manifest named by ref contain digest? */
static bool ref_has_blob(struct layout *l, const struct layout_ref *ref, const char *digest)
{
	cleanup_free char *data = NULL;
	struct spec_manifest m = SPEC_MANIFEST_INIT;
	size_t len;
	bool found = false;

	if (!spec_media_type_is_manifest(ref->desc.media_type))
		return false;
	if (layout_blob_read(l, ref->desc.digest, SPEC_MAX_DOC_SIZE, &data, &len, NULL) < 0)
		return false;
	if (spec_manifest_parse(data, len, &m, NULL) < 0)
		return false;
	found = streq(m.config.digest, digest);
	for (size_t i = 0; !found && i < m.n_layers; i++)
		found = streq(m.layers[i].digest, digest);
	spec_manifest_release(&m);
	return found;
}

/* Repositories of the destination registry that may hold digest: the mount
 * hints of earlier pulls and pushes, then refs of the source layout. */
static char **candidates(struct pusher *p, const char *digest)
{
	cleanup_strv char **hints = blobinfo_repos(p->g, digest);
	cleanup_free char *prefix = xasprintf("%s/", p->domain);
	char **out = NULL;

	for (char **h = hints; h && *h; h++) {
		const char *repo = *h + strlen(prefix);
		if (str_has_prefix(*h, prefix) && !streq(repo, p->repo))
			strv_push(&out, repo);
	}
	for (size_t i = 0; i < p->n_refs; i++) {
		struct ref r = REF_INIT;
		bool dup = false;

		if (!p->refs[i].name || ref_parse(p->refs[i].name, &r, NULL) < 0)
			continue;
		for (char **o = out; o && *o; o++)
			dup = dup || streq(*o, r.path);
		if (!dup && streq(r.domain, p->domain) && !streq(r.path, p->repo) &&
		    ref_has_blob(p->src, &p->refs[i], digest))
			strv_push(&out, r.path);
		ref_release(&r);
	}
	return out;
}

/* Phase one for a blob, serially: HEAD, mount, or open an upload session. */
static int prepare(struct pusher *p, struct up *u, struct err **err)
{
	struct reg_req q = REG_REQ_INIT;
	struct http_resp resp;
	cleanup_free char *head = xasprintf("/v2/%s/blobs/%s", p->repo, u->digest);
	cleanup_free char *post = xasprintf("/v2/%s/blobs/uploads/", p->repo);
	int tried = 0;
	int ret = -1;

	http_resp_init(&resp);
	q.method = "HEAD";
	q.url = head;
	q.scope = p->scope;
	if (registry_do(p->reg, &q, &resp, err) < 0)
		goto out;
	if (resp.status == 200) {
		u->state = UP_SKIP;
		if (u->is_layer)
			progress_line(p->pg, u->digest, "Layer already exists");
		ret = 0;
		goto out;
	}
	/* cross-repository mount from a repo of this registry known to hold it */
	{
		cleanup_strv char **cands = candidates(p, u->digest);
		for (char **c = cands; c && *c && tried < MAX_CANDIDATES; c++) {
			cleanup_free char *url = NULL, *scope = NULL;

			tried++;
			url = xasprintf("/v2/%s/blobs/uploads/?mount=%s&from=%s", p->repo,
					u->digest, *c);
			scope = xasprintf("%s repository:%s:pull", p->scope, *c);
			q = (struct reg_req)REG_REQ_INIT;
			q.method = "POST";
			q.url = url;
			q.scope = scope;
			if (registry_do(p->reg, &q, &resp, err) < 0)
				goto out;
			if (resp.status == 201) {
				cleanup_free char *msg = xasprintf("Mounted from %s", *c);
				u->state = UP_SKIP;
				if (u->is_layer)
					progress_line(p->pg, u->digest, msg);
				ret = 0;
				goto out;
			}
			if (resp.status == 202 && resp.location) {
				/* not mountable: the registry opened an upload session instead */
				u->location = abs_location(p->reg, resp.location);
				break;
			}
		}
	}
	if (!u->location) {
		q = (struct reg_req)REG_REQ_INIT;
		q.method = "POST";
		q.url = post;
		q.scope = p->scope;
		if (registry_do(p->reg, &q, &resp, err) < 0)
			goto out;
		if (resp.status != 202 || !resp.location) {
			registry_status_error(&resp, err);
			err_wrap(err, "start upload of %s", u->digest);
			goto out;
		}
		u->location = abs_location(p->reg, resp.location);
	}
	u->fd = layout_blob_open(p->src, u->digest, err);
	if (u->fd < 0)
		goto out;
	u->state = UP_QUEUED;
	ret = 0;
out:
	http_resp_release(&resp);
	return ret;
}

static size_t up_read(char *out, size_t size, size_t n, void *arg)
{
	struct up *u = arg;
	size_t want = size * n;
	int64_t left = u->req_len - u->sent;
	ssize_t got;

	if (left <= 0)
		return 0;
	if ((int64_t)want > left)
		want = left;
	do
		got = pread(u->fd, out, want, u->off + u->sent);
	while (got < 0 && errno == EINTR);
	if (got <= 0)
		return CURL_READFUNC_ABORT;
	u->sent += got;
	if (u->is_layer)
		progress_bytes(u->p->pg, u->digest, "Pushing", u->off + u->sent, u->size);
	return got;
}

/* Issue the next request of u's upload: PATCH a chunk, or the final PUT,
 * which carries the last chunk (the whole blob when it fits in one). */
static int up_next(struct pusher *p, struct up *u, struct err **err)
{
	cleanup_free char *url = NULL;
	char sep = strchr(u->location, '?') ? '&' : '?';
	int64_t left = u->size - u->off;

	if (left <= CHUNK_SIZE) {
		u->final_put = true;
		url = xasprintf("%s%cdigest=%s", u->location, sep, u->digest);
		u->req_len = left;
	} else {
		u->final_put = false;
		url = xstrdup(u->location);
		u->req_len = CHUNK_SIZE;
	}
	u->sent = 0;
	http_resp_reset(&u->resp);
	u->easy = registry_easy(p->reg, url, p->scope, &u->hdrs, err);
	if (!u->easy)
		return -1;
	curl_easy_setopt(u->easy, CURLOPT_FOLLOWLOCATION, 0L);
	u->hdrs = curl_slist_append(u->hdrs, "Content-Type: application/octet-stream");
	if (!u->final_put) {
		/* the closing PUT carries no Content-Range (distribution spec) */
		char cr[96];
		snprintf(cr, sizeof(cr), "Content-Range: %lld-%lld", (long long)u->off,
			 (long long)(u->off + u->req_len - 1));
		u->hdrs = curl_slist_append(u->hdrs, cr);
	}
	if (!u->final_put)
		curl_easy_setopt(u->easy, CURLOPT_CUSTOMREQUEST, "PATCH");
	curl_easy_setopt(u->easy, CURLOPT_HTTPHEADER, u->hdrs);
	curl_easy_setopt(u->easy, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(u->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u->req_len);
	registry_set_deadline(p->reg, u->easy, u->req_len);
	curl_easy_setopt(u->easy, CURLOPT_READFUNCTION, up_read);
	curl_easy_setopt(u->easy, CURLOPT_READDATA, u);
	curl_easy_setopt(u->easy, CURLOPT_UPLOAD_BUFFERSIZE, 2L * 1024 * 1024);
	curl_easy_setopt(u->easy, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(u->easy, CURLOPT_HEADERDATA, &u->resp);
	curl_easy_setopt(u->easy, CURLOPT_WRITEFUNCTION, http_body_cb);
	curl_easy_setopt(u->easy, CURLOPT_WRITEDATA, &u->resp);
	curl_easy_setopt(u->easy, CURLOPT_PRIVATE, u);
	curl_multi_add_handle(p->multi, u->easy);
	u->state = UP_ACTIVE;
	return 0;
}

static void up_stop(struct pusher *p, struct up *u)
{
	if (u->easy) {
		curl_multi_remove_handle(p->multi, u->easy);
		curl_easy_cleanup(u->easy);
		u->easy = NULL;
	}
	if (u->hdrs) {
		curl_slist_free_all(u->hdrs);
		u->hdrs = NULL;
	}
}

/* 1: blob finished, 0: next request issued, -1: error */
static int up_finish(struct pusher *p, struct up *u, CURLcode code, struct err **err)
{
	long st = 0;

	curl_easy_getinfo(u->easy, CURLINFO_RESPONSE_CODE, &st);
	up_stop(p, u);
	if (code != CURLE_OK)
		return err_set(err, 0, "upload %s: %s", u->digest, curl_easy_strerror(code));
	if (st == 401 && !u->auth_retried) {
		u->auth_retried = true;
		registry_refresh_token(p->reg, p->scope, u->resp.www_auth, err);
		return up_next(p, u, err);
	}
	if (u->final_put) {
		if (st != 201) {
			registry_status_error(&u->resp, err);
			return err_wrap(err, "upload %s", u->digest);
		}
		u->state = UP_DONE;
		if (u->is_layer)
			progress_line(p->pg, u->digest, "Pushed");
		return 1;
	}
	if (st != 202) {
		registry_status_error(&u->resp, err);
		return err_wrap(err, "upload %s", u->digest);
	}
	u->off += u->req_len;
	u->auth_retried = false; /* each chunk may meet an expired token once */
	if (u->resp.location) {
		free(u->location);
		u->location = abs_location(p->reg, u->resp.location);
	}
	return up_next(p, u, err);
}

static int by_size_desc(const void *a, const void *b)
{
	const struct up *x = *(struct up *const *)a, *y = *(struct up *const *)b;

	return x->size < y->size ? 1 : x->size > y->size ? -1 : 0;
}

/* Prepare each blob (HEAD, mount or open a session) as a slot frees up,
 * biggest first, so the longest upload starts first. */
static int run_uploads(struct pusher *p, struct err **err)
{
	size_t active = 0, next = 0;
	bool told_waiting = false;
	cleanup_free struct up **order = xcalloc(p->n + 1, sizeof(*order));
	int ret = 0;

	for (size_t i = 0; i < p->n; i++) {
		p->ups[i].p = p;
		order[i] = &p->ups[i];
	}
	qsort(order, p->n, sizeof(*order), by_size_desc);
	p->multi = curl_multi_init();
	if (!p->multi)
		die_oom();
	curl_multi_setopt(p->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)MAX_PARALLEL);
	while (active || next < p->n) {
		int running, msgs;
		CURLMsg *m;

		/* Check the next blob (HEAD, mount, session) and start its
		 * upload at once, biggest first.  A check blocks the multi
		 * handle for a round trip or two; the uploads already running
		 * keep going from their socket buffers meanwhile. */
		while (active < MAX_PARALLEL && next < p->n) {
			struct up *u = order[next++];

			if (prepare(p, u, err) < 0) {
				ret = -1;
				goto out;
			}
			if (u->state != UP_QUEUED)
				continue;
			if (u->is_layer)
				progress_tty_line(p->pg, u->digest, "Pushing");
			if (up_next(p, u, err) < 0) {
				ret = -1;
				goto out;
			}
			active++;
			curl_multi_perform(p->multi, &running);
		}
		/* the layers the first slots left queued say so once, as docker's do */
		for (size_t k = next; !told_waiting && k < p->n; k++)
			if (order[k]->is_layer)
				progress_line(p->pg, order[k]->digest, "Waiting");
		told_waiting = true;
		curl_multi_perform(p->multi, &running);
		while ((m = curl_multi_info_read(p->multi, &msgs))) {
			struct up *u;
			int r;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&u);
			r = up_finish(p, u, m->data.result, err);
			if (r < 0) {
				ret = -1;
				goto out;
			}
			if (r == 1)
				active--;
		}
		if (active)
			curl_multi_poll(p->multi, NULL, 0, 1000, NULL);
	}
out:
	for (size_t i = 0; i < p->n; i++)
		up_stop(p, &p->ups[i]);
	curl_multi_cleanup(p->multi);
	p->multi = NULL;
	return ret;
}

static int put_manifest(struct pusher *p, const char *reference, const char *media_type,
			const char *data, size_t len, struct err **err)
{
	struct reg_req q = REG_REQ_INIT;
	struct http_resp resp;
	cleanup_free char *url = xasprintf("/v2/%s/manifests/%s", p->repo, reference);
	int ret = 0;

	http_resp_init(&resp);
	q.method = "PUT";
	q.url = url;
	q.scope = p->scope;
	q.content_type = media_type;
	q.body = data;
	q.body_len = len;
	if (registry_do(p->reg, &q, &resp, err) < 0)
		ret = -1;
	else if (resp.status != 201 && resp.status != 200) {
		registry_status_error(&resp, err);
		ret = err_wrap(err, "put manifest '%s'", reference);
	}
	http_resp_release(&resp);
	return ret;
}

static int collect(struct pusher *p, const char *data, size_t len, struct err **err)
{
	struct spec_manifest m = SPEC_MANIFEST_INIT;

	if (spec_manifest_parse(data, len, &m, err) < 0)
		return -1;
	for (size_t i = 0; i < m.n_layers; i++) {
		if (add_up(p, &m.layers[i], true))
			progress_line(p->pg, m.layers[i].digest, "Preparing");
	}
	add_up(p, &m.config, false);
	spec_manifest_release(&m);
	return 0;
}

int push_image(const struct fetch_global *g, struct layout *src, const char *src_name,
	       const struct ref *dst, const struct push_opts *o, char digest_out[DIGEST_STR_MAX],
	       struct err **err)
{
	struct spec_descriptor top = SPEC_DESCRIPTOR_INIT;
	struct spec_index idx = SPEC_INDEX_INIT;
	struct registry reg;
	struct pusher p = {0};
	cleanup_free char *data = NULL;
	cleanup_free char *name = ref_name(dst);
	char **child_data = NULL;
	size_t *child_len = NULL;
	size_t len = 0;
	const char *reference = dst->tag ? dst->tag : dst->digest;
	int found, ret = -1;

	memset(&reg, 0, sizeof(reg));
	/* tests lower the chunk size to exercise chunked uploads on small blobs */
	if (getenv("KIST_FETCH_CHUNK_SIZE") && atoll(getenv("KIST_FETCH_CHUNK_SIZE")) > 0)
		CHUNK_SIZE = atoll(getenv("KIST_FETCH_CHUNK_SIZE"));
	p.pg = progress_new(o->quiet);
	found = layout_ref_get(src, src_name, &top, err);
	if (found < 0)
		goto out;
	if (found == 0) {
		err_set(err, 0, "image '%s' not found in '%s'", src_name, src->path);
		goto out;
	}
	if (layout_blob_read(src, top.digest, SPEC_MAX_DOC_SIZE, &data, &len, err) < 0)
		goto out;
	if (fetch_registry_for(g, dst->domain, &reg, err) < 0)
		goto out;
	p.g = g;
	p.reg = &reg;
	p.src = src;
	p.domain = dst->domain;
	p.repo = dst->path;
	p.scope = registry_scope(dst->path, "pull,push");
	if (layout_ref_list(src, &p.refs, &p.n_refs, err) < 0)
		goto out;
	if (!top.media_type) {
		const char *mt = spec_detect_media_type(data, len);
		top.media_type = xstrdup(mt ? mt : MT_OCI_MANIFEST);
	}
	progress_print(p.pg, "The push refers to repository [%s]\n", name);
	if (spec_media_type_is_index(top.media_type)) {
		if (spec_index_parse(data, len, &idx, err) < 0)
			goto out;
		child_data = xcalloc(idx.n_manifests + 1, sizeof(*child_data));
		child_len = xcalloc(idx.n_manifests + 1, sizeof(*child_len));
		for (size_t i = 0; i < idx.n_manifests; i++) {
			if (!spec_media_type_is_manifest(idx.manifests[i].media_type))
				continue;
			if (!layout_blob_exists(src, idx.manifests[i].digest))
				continue; /* a platform that was not pulled */
			if (layout_blob_read(src, idx.manifests[i].digest, SPEC_MAX_DOC_SIZE,
					     &child_data[i], &child_len[i], err) < 0 ||
			    collect(&p, child_data[i], child_len[i], err) < 0)
				goto out;
		}
	} else if (collect(&p, data, len, err) < 0) {
		goto out;
	}
	if (run_uploads(&p, err) < 0)
		goto out;
	for (size_t i = 0; child_data && i < idx.n_manifests; i++)
		if (child_data[i] &&
		    put_manifest(&p, idx.manifests[i].digest, idx.manifests[i].media_type,
				 child_data[i], child_len[i], err) < 0)
			goto out;
	if (put_manifest(&p, reference, top.media_type, data, len, err) < 0)
		goto out;
	progress_print(p.pg, "%s: digest: %s size: %zu\n", reference, top.digest, len);
	{
		cleanup_strv char **ds = NULL;
		cleanup_err struct err *e2 = NULL;
		for (size_t i = 0; i < p.n; i++)
			strv_push(&ds, p.ups[i].digest);
		if (blobinfo_add(g, name, ds, &e2) < 0)
			log_debug("record mount hints: %s", e2->msg);
	}
	if (digest_out)
		memcpy(digest_out, top.digest, DIGEST_STR_MAX);
	ret = 0;
out:
	if (ret < 0) {
		cleanup_free char *full = ref_string(dst);
		err_wrap(err, "push '%s'", full);
	}
	for (size_t i = 0; child_data && i < idx.n_manifests; i++)
		free(child_data[i]);
	free(child_data);
	free(child_len);
	for (size_t i = 0; i < p.n; i++) {
		fs_close(p.ups[i].fd);
		free(p.ups[i].location);
		http_resp_release(&p.ups[i].resp);
	}
	free(p.ups);
	free(p.scope);
	if (p.refs)
		layout_ref_list_free(p.refs, p.n_refs);
	progress_free(p.pg);
	spec_index_release(&idx);
	spec_descriptor_release(&top);
	registry_close(&reg);
	return ret;
}
