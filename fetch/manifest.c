/* manifest.c: GET a manifest or index by tag or digest, capped at 4 MiB,
 * its digest checked against the one asked for (and the registry's
 * Docker-Content-Digest), its media type known and not schema1. */
#define _GNU_SOURCE
#include <stdlib.h> /* free */
#include <string.h> /* strcmp */

#include "common/err.h"
#include "common/util.h"
#include "fetch/fetch.h"

#define ACCEPT_MANIFESTS                                                                           \
	MT_OCI_INDEX ", " MT_OCI_MANIFEST ", " MT_DOCKER_MANIFEST_LIST ", " MT_DOCKER_MANIFEST     \
		     ", " MT_DOCKER_SCHEMA1_SIGNED ";q=0.5, " MT_DOCKER_SCHEMA1 ";q=0.5"

void fetched_manifest_release(struct fetched_manifest *m)
{
	free(m->data);
	free(m->media_type);
	memset(m, 0, sizeof(*m));
}

int manifest_media_is_schema1(const char *mt)
{
	return mt && (str_has_prefix(mt, MT_DOCKER_SCHEMA1) ||
		      str_has_prefix(mt, MT_DOCKER_SCHEMA1_SIGNED));
}

/* Content-Type without parameters; NULL for the useless generic ones. */
static char *clean_type(const char *ct)
{
	size_t n;

	if (!ct)
		return NULL;
	n = strcspn(ct, "; ");
	if (n == 0 || strncmp(ct, "text/plain", n) == 0 ||
	    strncmp(ct, "application/json", n) == 0 ||
	    strncmp(ct, "application/octet-stream", n) == 0)
		return NULL;
	return xstrndup(ct, n);
}

int manifest_fetch(struct registry *r, const char *repo, const char *reference,
		   struct fetched_manifest *out, struct err **err)
{
	struct reg_req q = REG_REQ_INIT;
	struct http_resp resp;
	cleanup_free char *path = xasprintf("/v2/%s/manifests/%s", repo, reference);
	cleanup_free char *scope = registry_scope(repo, "pull");
	cleanup_free char *mt = NULL;
	const char *detected;
	char got[DIGEST_STR_MAX];
	int ret = -1;

	memset(out, 0, sizeof(*out));
	http_resp_init(&resp);
	resp.body_max = SPEC_MAX_DOC_SIZE;
	q.url = path;
	q.scope = scope;
	q.accept = ACCEPT_MANIFESTS;
	if (registry_do(r, &q, &resp, err) < 0)
		goto out;
	if (resp.body_too_big) {
		err_set(err, 0, "manifest '%s' is larger than the %u MiB limit", reference,
			SPEC_MAX_DOC_SIZE >> 20);
		goto out;
	}
	if (resp.status != 200) {
		registry_status_error(&resp, err);
		goto out;
	}
	digest_buf(resp.body.data, resp.body.len, got);
	if (digest_is_valid(reference) && !streq(reference, got)) {
		err_set(err, 0, "manifest digest mismatch: expected %s, got %s", reference, got);
		goto out;
	}
	if (resp.docker_digest && digest_is_valid(resp.docker_digest) &&
	    !streq(resp.docker_digest, got)) {
		err_set(err, 0, "manifest digest mismatch: registry says %s, content is %s",
			resp.docker_digest, got);
		goto out;
	}
	mt = clean_type(resp.content_type);
	detected = spec_detect_media_type(resp.body.data, resp.body.len);
	if (manifest_media_is_schema1(mt) || spec_media_type_is_schema1(detected)) {
		err_set(err, 0,
			"unsupported manifest format: schema1 (%s); schema1 images are deprecated, "
			"rebuild or re-push the image with a schema2 or OCI manifest",
			mt ? mt : MT_DOCKER_SCHEMA1);
		goto out;
	}
	if (!mt || (!spec_media_type_is_manifest(mt) && !spec_media_type_is_index(mt))) {
		free(mt);
		mt = detected ? xstrdup(detected) : NULL;
	}
	if (!mt) {
		err_set(err, 0, "manifest '%s': not a JSON image manifest or index", reference);
		goto out;
	}
	out->media_type = steal_pointer(&mt);
	out->len = resp.body.len;
	out->data = buf_detach(&resp.body, NULL);
	memcpy(out->digest, got, sizeof(got));
	ret = 0;
out:
	http_resp_release(&resp);
	return ret;
}
