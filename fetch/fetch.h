/* fetch.h: kist-fetch internals shared by its files (not a library API).
 *
 * Layers: config.c (daemon.json keys, certs.d), http.c (libcurl easy/multi
 * plumbing, responses), auth.c (credentials, credential helpers),
 * registry.c (one registry endpoint: scheme probe, authenticated requests,
 * Bearer tokens cached per scope while their lifetime lasts, registry error
 * wording), manifest.c (fetch + verify manifests), pull.c,
 * push.c, progress.c.  All functions that can fail return <0 (or NULL) and
 * set *err; nothing here prints except progress.c. */
#ifndef KIST_FETCH_H
#define KIST_FETCH_H

#include <curl/curl.h>      /* CURL, CURLM, CURLSH */
#include <stdbool.h>        /* bool */
#include <stddef.h>         /* size_t */
#include <stdint.h>         /* int64_t */
#include <stdio.h>          /* FILE */
#include "common/buf.h"     /* struct buf */
#include "common/cleanup.h" /* cleanup_free */
#include "common/digest.h"  /* DIGEST_STR_MAX */
#include "common/ref.h"     /* struct ref */
#include "spec/image.h"     /* struct spec_descriptor */
#include "spec/layout.h"    /* struct layout */

struct err;

#define FETCH_DEFAULT_ROOT "/var/lib/kist"
#define FETCH_DOCKER_HUB_API "registry-1.docker.io"
#define FETCH_DOCKER_HUB_AUTH_KEY "https://index.docker.io/v1/"
#define FETCH_USER_AGENT "kist-fetch/" VERSION

/* Global options, passed to every verb. */
struct fetch_global {
	const char *root; /* store root; the layout is root/oci */
	bool debug;
};

/* ---- config.c: /etc/kist/config.json (KIST_CONFIG) and certs.d (KIST_CERTS_D) ---- */
/* Bounds on every request (config.json keys in parentheses; 0 disables):
 * connect (fetch-connect-timeout, s), idle: less than low_speed bytes/s for
 * idle seconds (fetch-idle-timeout, fetch-low-speed-limit), and a total time
 * of base seconds plus the bytes to move at min_rate bytes/s
 * (fetch-timeout-base, fetch-min-rate). */
struct fetch_timeouts {
	int64_t connect, idle, low_speed, base, min_rate;
};
#define FETCH_TIMEOUTS_DEFAULT                                                                     \
	{                                                                                          \
		.connect = 30, .idle = 60, .low_speed = 1024, .base = 60, .min_rate = 64 << 10     \
	}
struct fetch_config {
	char **insecure; /* "host[:port]" or CIDR strings */
	char **mirrors;  /* "https://host[:port]" URLs, for docker.io */
	char *certs_d;
	struct fetch_timeouts timeouts;
};
#define FETCH_CONFIG_INIT                                                                          \
	{                                                                                          \
		.timeouts = FETCH_TIMEOUTS_DEFAULT                                                 \
	}
int fetch_config_load(struct fetch_config *c, struct err **err);
void fetch_config_release(struct fetch_config *c);
bool fetch_config_insecure(const struct fetch_config *c, const char *host);
bool fetch_host_is_loopback(const char *host);
/* TLS files for host ("host:port" as in certs.d), each NULL when absent. */
void fetch_config_tls(const struct fetch_config *c, const char *host, char **ca, char **cert,
		      char **key);

/* ---- http.c ---- */
struct http_resp {
	long status;
	struct buf body;
	size_t body_max;   /* cap on the body kept (0: 64 KiB) */
	bool body_too_big; /* the body exceeded body_max */
	char *content_type;
	char *docker_digest;
	char *location;
	char *www_auth;
	char *link;
	char *range;
	int64_t content_length; /* -1 when unknown */
	int curl_code;          /* CURLcode of the transfer */
};
void http_resp_init(struct http_resp *r);
void http_resp_release(struct http_resp *r);
void http_resp_reset(struct http_resp *r); /* release + init, keeps body_max */
/* Header callback storing the interesting headers into a struct http_resp. */
size_t http_header_cb(char *line, size_t size, size_t n, void *arg);
/* Body callback appending to resp->body up to body_max. */
size_t http_body_cb(char *data, size_t size, size_t n, void *arg);
/* Value of a parameter in an RFC 7235 challenge ("Bearer realm=\"x\",..."),
 * malloc'd, or NULL.  scheme_out (malloc'd) gets the scheme word. */
char *http_challenge_param(const char *challenge, const char *name);
char *http_challenge_scheme(const char *challenge);
/* The URL in a Link header with rel="next", malloc'd, or NULL. */
char *http_link_next(const char *link);
/* Base64 helpers (OpenSSL). */
char *http_base64_encode(const void *data, size_t len);
int http_base64_decode(const char *s, char **out, size_t *len);

/* ---- auth.c ---- */
struct creds {
	char *user;
	char *pass;
};
/* Docker config path: $DOCKER_CONFIG/config.json or $HOME/.docker/config.json. */
char *auth_config_path(void);
/* The key config.json uses for a registry domain (docker.io -> index URL). */
const char *auth_config_key(const char *domain);
/* Look up credentials for domain; 0 with creds zeroed when there are none. */
int auth_lookup(const char *domain, struct creds *out, struct err **err);
int auth_store(const char *domain, const struct creds *c, struct err **err);
/* Returns 1 removed, 0 had none. */
int auth_erase(const char *domain, struct err **err);
void creds_release(struct creds *c);

/* ---- registry.c ---- */
struct token {
	char *scope;
	char *value;
	double reuse_until; /* CLOCK_MONOTONIC seconds: reused only before this */
};

struct registry {
	char *domain;        /* the ref's domain ("docker.io") */
	char *host;          /* API host[:port] ("registry-1.docker.io") */
	char *base;          /* "https://host" once probed */
	char *mirror_prefix; /* path prefix of a mirror URL, "" usually */
	bool is_mirror;
	bool insecure; /* listed in insecure-registries: no TLS verify, http fallback */
	bool loopback; /* loopback: http fallback only when the server does not speak TLS */
	bool probed;
	char *ca, *cert, *key;
	struct creds creds;
	bool have_creds;
	enum { REG_AUTH_NONE = 0, REG_AUTH_BASIC, REG_AUTH_BEARER } auth;
	char *realm, *service;
	struct token *tokens;
	size_t n_tokens;
	CURL *easy;    /* serial requests */
	CURLSH *share; /* connections, DNS and TLS sessions for all handles */
	bool debug;
	struct fetch_timeouts timeouts;
};

/* host: API host, or NULL for the domain's default (docker.io -> registry-1).
 * base_url: for mirrors ("http://127.0.0.1:5000"), else NULL. */
int registry_open(struct registry *r, const struct fetch_config *cfg, const char *domain,
		  const char *base_url, bool debug, struct err **err);
void registry_close(struct registry *r);
/* Bound the transfer on e to the configured total for moving bytes (a
 * blob's size; < 0: unknown, the base alone). */
void registry_set_deadline(const struct registry *r, CURL *e, int64_t bytes);
/* Probe scheme and auth (GET /v2/); sets base, auth, realm, service. */
int registry_ping(struct registry *r, struct err **err);

struct reg_req {
	const char *method; /* default GET */
	const char *url;    /* "/v2/..." (joined to base) or absolute */
	const char *scope;  /* "repository:a/b:pull[,push]" [" repository:c:pull"], or NULL */
	const char *accept;
	const char *content_type;
	const void *body; /* request body from memory */
	size_t body_len;
	int upload_fd; /* or a file range (set upload_len >= 0) */
	int64_t upload_off;
	int64_t upload_len; /* -1: none */
	const char *range;  /* "bytes=N-" */
	const char *content_range;
	bool no_body; /* HEAD */
};
#define REG_REQ_INIT                                                                               \
	{                                                                                          \
		.upload_fd = -1, .upload_len = -1                                                  \
	}

/* Perform an authenticated request (token fetched when there is none with
 * time left, or refreshed on 401 once).
 * Transport failures are errors; any HTTP status is returned in resp. */
int registry_do(struct registry *r, const struct reg_req *req, struct http_resp *resp,
		struct err **err);
/* A configured easy handle for url (TLS, auth header for scope, UA), for
 * the caller's own transfers (multi).  The caller owns *hdrs. */
CURL *registry_easy(struct registry *r, const char *url, const char *scope,
		    struct curl_slist **hdrs, struct err **err);
/* Forget the token of scope (after a 401) so the next request refetches it. */
int registry_refresh_token(struct registry *r, const char *scope, const char *challenge,
			   struct err **err);
/* Absolute URL for a "/v2/..." path. */
char *registry_url(struct registry *r, const char *path);
/* Turn an unexpected response into an error in docker's wording
 * ("manifest unknown: manifest unknown", "unauthorized: authentication required"). */
int registry_status_error(const struct http_resp *resp, struct err **err);
char *registry_scope(const char *repo, const char *actions);
/* GET a config-sized blob of repo (at most SPEC_MAX_DOC_SIZE) and check its
 * digest; scope NULL means pull access to repo.  *out is malloc'd. */
int registry_get_small_blob(struct registry *r, const char *repo, const char *scope,
			    const char *digest, char **out, size_t *len, struct err **err);

/* ---- manifest.c ---- */
struct fetched_manifest {
	char *data;
	size_t len;
	char *media_type;
	char digest[DIGEST_STR_MAX];
};
void fetched_manifest_release(struct fetched_manifest *m);
/* GET /v2/<repo>/manifests/<reference>; verifies the digest when reference
 * is one and the Docker-Content-Digest header; caps the size at 4 MiB;
 * refuses schema1.  Returns 0, or -1 with err (404 -> "manifest unknown"). */
int manifest_fetch(struct registry *r, const char *repo, const char *reference,
		   struct fetched_manifest *out, struct err **err);
/* HEAD variant: digest only (for "up to date" checks); 1 found, 0 not. */
int manifest_media_is_schema1(const char *mt);

/* ---- progress.c ---- */
struct progress;
struct progress *progress_new(bool quiet);
void progress_free(struct progress *p);
/* A line id per layer (12-hex short id). */
void progress_line(struct progress *p, const char *digest, const char *status);
/* A status shown on a terminal only: one docker prints beside a progress
 * bar (a transfer starting), never as a line of its own. */
void progress_tty_line(struct progress *p, const char *digest, const char *status);
void progress_bytes(struct progress *p, const char *digest, const char *verb, uint64_t done,
		    uint64_t total);
void progress_print(struct progress *p, const char *fmt, ...) PRINTF(2, 3);

/* ---- layout helpers (transport strings) ---- */
/* "oci:DIR[:REF]" -> dir + ref name (NULL when absent).  Returns 1 if s is
 * an oci: string, 0 if not. */
int fetch_parse_oci(const char *s, char **dir, char **ref);
/* Open the store layout (root/oci), creating it. */
int fetch_open_store(const struct fetch_global *g, bool create, struct layout *l, struct err **err);

/* ---- blobinfo.c: repositories known to hold a blob (mount hints) ---- */
/* "host/repo" strings for digest, newest first, or NULL (strv_free). */
char **blobinfo_repos(const struct fetch_global *g, const char *digest);
/* Record that repo ("host/repo") holds each of digests. */
int blobinfo_add(const struct fetch_global *g, const char *repo, char *const *digests,
		 struct err **err);

/* ---- archive.c ---- */
/* Read the image tagged want (NULL: the first) from the docker-archive file
 * into l, recorded as name. */
int archive_import(const char *file, const char *want, struct layout *l, const char *name,
		   struct err **err);
/* Write the image name in l (an index: this host's platform) to file as a
 * docker-archive tagged tag (or untagged when NULL): layers uncompressed and
 * checked against the config's diff_ids, written to a temporary file in the
 * same directory, then renamed. */
int archive_export(struct layout *l, const char *name, const char *file, const char *tag,
		   struct err **err);

/* ---- pull.c ---- */
struct pull_opts {
	const char *platform; /* "os/arch[/variant]" or NULL for the host */
	bool all_platforms;
	bool quiet;
	const char *ref_name; /* name to record; NULL: the normalised ref */
	bool record;          /* write the ref into index.json */
};
int pull_image(const struct fetch_global *g, const struct ref *ref, const char *input,
	       struct layout *dst, const struct pull_opts *o, char digest_out[DIGEST_STR_MAX],
	       struct err **err);

/* ---- push.c ---- */
struct push_opts {
	bool quiet;
};
int push_image(const struct fetch_global *g, struct layout *src, const char *src_name,
	       const struct ref *dst, const struct push_opts *o, char digest_out[DIGEST_STR_MAX],
	       struct err **err);

/* ---- cmd_*.c ---- */
int cmd_pull(void *g, int argc, char **argv, struct err **err);
int cmd_push(void *g, int argc, char **argv, struct err **err);
int cmd_login(void *g, int argc, char **argv, struct err **err);
int cmd_logout(void *g, int argc, char **argv, struct err **err);
int cmd_tags(void *g, int argc, char **argv, struct err **err);
int cmd_catalog(void *g, int argc, char **argv, struct err **err);
int cmd_inspect(void *g, int argc, char **argv, struct err **err);
int cmd_copy(void *g, int argc, char **argv, struct err **err);

/* A registry for ref's domain (mirrors not included). */
int fetch_registry_for(const struct fetch_global *g, const char *domain, struct registry *r,
		       struct err **err);

void cleanup_curl_slistp(struct curl_slist **l);
#define cleanup_slist __attribute__((cleanup(cleanup_curl_slistp)))

#endif
