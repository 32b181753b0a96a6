/* registry.c: one registry endpoint.  Chooses the scheme (https; plain http
 * for insecure-registries and for loopback hosts that do not speak TLS),
 * applies certs.d TLS files, learns the auth scheme from GET /v2/ (Basic, or
 * Bearer with realm/service), fetches and caches a token per scope for as
 * long as its expires_in/issued_at allow, retries once on 401 with a fresh
 * token, and words registry errors as docker does. */
#define _GNU_SOURCE
#include <ctype.h>   /* tolower, isdigit */
#include <errno.h>   /* errno */
#include <limits.h>  /* LONG_MAX */
#include <strings.h> /* strcasecmp */
#include <stdlib.h>  /* free */
#include <string.h>  /* strlen */
#include <time.h>    /* clock_gettime, strptime, timegm */
#include <unistd.h>  /* pread */

#include "common/err.h"
#include "common/json.h"
#include "common/log.h"
#include "common/util.h"
#include "fetch/fetch.h"

static void tokens_clear(struct registry *r)
{
	for (size_t i = 0; i < r->n_tokens; i++) {
		free(r->tokens[i].scope);
		free(r->tokens[i].value);
	}
	free(r->tokens);
	r->tokens = NULL;
	r->n_tokens = 0;
}

int registry_open(struct registry *r, const struct fetch_config *cfg, const char *domain,
		  const char *base_url, bool debug, struct err **err)
{
	memset(r, 0, sizeof(*r));
	r->domain = xstrdup(domain);
	r->debug = debug;
	if (base_url) {
		const char *h = strstr(base_url, "://");
		const char *slash;
		size_t n = strlen(base_url);

		if (!h ||
		    (!str_has_prefix(base_url, "http://") && !str_has_prefix(base_url, "https://")))
			return err_set(
			    err, 0, "invalid mirror URL '%s': must start with http:// or https://",
			    base_url);
		while (n && base_url[n - 1] == '/')
			n--;
		h += 3;
		slash = strchr(h, '/');
		r->host = slash && slash < base_url + n ? xstrndup(h, slash - h)
							: xstrndup(h, base_url + n - h);
		r->base = xstrndup(base_url, n);
		r->is_mirror = true;
		r->probed = false;
	} else {
		r->host =
		    xstrdup(streq(domain, REF_DEFAULT_DOMAIN) ? FETCH_DOCKER_HUB_API : domain);
	}
	r->timeouts = cfg->timeouts;
	r->insecure = fetch_config_insecure(cfg, r->host);
	r->loopback = fetch_host_is_loopback(r->host);
	fetch_config_tls(cfg, r->host, &r->ca, &r->cert, &r->key);
	if (auth_lookup(domain, &r->creds, err) < 0)
		return -1;
	r->have_creds = r->creds.user && r->creds.pass;
	r->share = curl_share_init();
	if (!r->share)
		die_oom();
	curl_share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	r->easy = curl_easy_init();
	if (!r->easy)
		die_oom();
	return 0;
}

void registry_close(struct registry *r)
{
	if (r->easy)
		curl_easy_cleanup(r->easy);
	if (r->share)
		curl_share_cleanup(r->share);
	tokens_clear(r);
	creds_release(&r->creds);
	free(r->domain);
	free(r->host);
	free(r->base);
	free(r->mirror_prefix);
	free(r->ca);
	free(r->cert);
	free(r->key);
	free(r->realm);
	free(r->service);
	memset(r, 0, sizeof(*r));
}

char *registry_scope(const char *repo, const char *actions)
{
	return xasprintf("repository:%s:%s", repo, actions);
}

void registry_set_deadline(const struct registry *r, CURL *e, int64_t bytes)
{
	const struct fetch_timeouts *t = &r->timeouts;
	int64_t total = 0;

	if (t->min_rate > 0 && bytes >= 0)
		total = t->base + bytes / t->min_rate;
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)(total > LONG_MAX ? LONG_MAX : total));
}

/* Connect and idle bounds, and a total fit for a small document. */
static void apply_timeouts(struct registry *r, CURL *e)
{
	const struct fetch_timeouts *t = &r->timeouts;

	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)t->connect);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, t->idle ? (long)t->low_speed : 0L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, t->low_speed ? (long)t->idle : 0L);
	registry_set_deadline(r, e, SPEC_MAX_DOC_SIZE);
}

static void apply_basic(struct registry *r, CURL *e)
{
	curl_easy_setopt(e, CURLOPT_USERAGENT, FETCH_USER_AGENT);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	apply_timeouts(r, e);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	if (r->debug && getenv("KIST_FETCH_CURL_VERBOSE"))
		curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
}

static void apply_common(struct registry *r, CURL *e)
{
	curl_easy_setopt(e, CURLOPT_USERAGENT, FETCH_USER_AGENT);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_SHARE, r->share);
	apply_timeouts(r, e);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	if (r->ca)
		curl_easy_setopt(e, CURLOPT_CAINFO, r->ca);
	if (r->cert)
		curl_easy_setopt(e, CURLOPT_SSLCERT, r->cert);
	if (r->key)
		curl_easy_setopt(e, CURLOPT_SSLKEY, r->key);
	if (r->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (r->debug && getenv("KIST_FETCH_CURL_VERBOSE"))
		curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
}

char *registry_url(struct registry *r, const char *path)
{
	if (str_has_prefix(path, "http://") || str_has_prefix(path, "https://"))
		return xstrdup(path);
	return xasprintf("%s%s", r->base, path);
}

static void learn_challenge(struct registry *r, const char *challenge)
{
	cleanup_free char *scheme = NULL;

	if (!challenge)
		return;
	scheme = http_challenge_scheme(challenge);
	if (strcasecmp(scheme, "bearer") == 0) {
		char *realm = http_challenge_param(challenge, "realm");
		char *service = http_challenge_param(challenge, "service");
		if (realm) {
			free(r->realm);
			r->realm = realm;
			free(r->service);
			r->service = service;
			r->auth = REG_AUTH_BEARER;
		} else {
			free(service);
		}
	} else if (strcasecmp(scheme, "basic") == 0) {
		r->auth = REG_AUTH_BASIC;
	}
}

static int ping_once(struct registry *r, const char *base, struct http_resp *resp)
{
	cleanup_free char *url = xasprintf("%s/v2/", base);
	CURLcode c;

	curl_easy_reset(r->easy);
	apply_common(r, r->easy);
	curl_easy_setopt(r->easy, CURLOPT_URL, url);
	curl_easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(r->easy, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, http_body_cb);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, resp);
	c = curl_easy_perform(r->easy);
	resp->curl_code = c;
	if (c == CURLE_OK)
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &resp->status);
	if (r->debug)
		log_debug("GET %s: %s %ld", url, curl_easy_strerror(c), resp->status);
	return c == CURLE_OK ? 0 : -1;
}

static bool not_tls(int code)
{
	return code == CURLE_SSL_CONNECT_ERROR || code == CURLE_RECV_ERROR ||
	       code == CURLE_GOT_NOTHING || code == CURLE_WEIRD_SERVER_REPLY;
}

int registry_ping(struct registry *r, struct err **err)
{
	struct http_resp resp;
	cleanup_free char *https = NULL;
	int ret;

	if (r->probed)
		return 0;
	http_resp_init(&resp);
	if (r->base) {
		ret = ping_once(r, r->base, &resp);
	} else if (r->loopback && !r->insecure && !r->ca && !r->cert) {
		/* loopback: plain http as docker allows; https (verified) only if
		 * the server answers that it speaks TLS */
		cleanup_free char *http = xasprintf("http://%s", r->host);
		ret = ping_once(r, http, &resp);
		if ((ret < 0 && not_tls(resp.curl_code)) || (ret == 0 && resp.status == 400)) {
			https = xasprintf("https://%s", r->host);
			http_resp_reset(&resp);
			ret = ping_once(r, https, &resp);
			r->base = steal_pointer(&https);
		} else {
			r->base = steal_pointer(&http);
		}
	} else {
		https = xasprintf("https://%s", r->host);
		ret = ping_once(r, https, &resp);
		if (ret == 0) {
			r->base = steal_pointer(&https);
		} else if (r->insecure && not_tls(resp.curl_code)) {
			/* the server does not speak TLS: plain http, as docker allows
			 * for insecure registries */
			cleanup_free char *http = xasprintf("http://%s", r->host);
			http_resp_reset(&resp);
			ret = ping_once(r, http, &resp);
			if (ret == 0)
				r->base = steal_pointer(&http);
		} else {
			r->base = steal_pointer(&https);
		}
	}
	if (ret < 0) {
		int code = resp.curl_code;
		http_resp_release(&resp);
		if (code == CURLE_PEER_FAILED_VERIFICATION)
			return err_set(
			    err, 0,
			    "registry '%s': tls: certificate verify failed (hint: put its CA in "
			    "certs.d/%s/ca.crt or list it in insecure-registries)",
			    r->host, r->host);
		return err_set(err, 0, "registry '%s': %s", r->host,
			       curl_easy_strerror((CURLcode)code));
	}
	if (resp.status == 401)
		learn_challenge(r, resp.www_auth);
	else if (resp.status != 200 && !r->is_mirror) {
		long st = resp.status;
		http_resp_release(&resp);
		return err_set(
		    err, 0, "registry '%s' does not speak the registry API v2 (GET /v2/: HTTP %ld)",
		    r->host, st);
	}
	http_resp_release(&resp);
	r->probed = true;
	return 0;
}

/* A token response without expires_in lives this long (docker's token spec). */
#define TOKEN_DEFAULT_LIFETIME 60.0
/* A token is not reused in the last tenth of its life (at most its last 10
 * seconds), so a request made with it still reaches the registry in time. */
#define TOKEN_MAX_MARGIN 10.0

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* How many seconds from now (wall clock) a token is reused: from issued_at
 * (or now, when absent) plus expires_in (60 when absent), less the margin.
 * An issued_at in the future, or one that would make a fresh token stale on
 * arrival, says the clocks disagree: the lifetime then counts from now, and
 * a 401 still refreshes the token if the registry disagrees. */
static double token_reuse_for(const cJSON *resp, double now)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(resp, "expires_in");
	const cJSON *i = cJSON_GetObjectItemCaseSensitive(resp, "issued_at");
	double life = TOKEN_DEFAULT_LIFETIME, issued, margin;

	if (cJSON_IsNumber(e) && e->valuedouble > 0)
		life = e->valuedouble;
	margin = life / 10 < TOKEN_MAX_MARGIN ? life / 10 : TOKEN_MAX_MARGIN;
	if (!cJSON_IsString(i) || time_parse_rfc3339(i->valuestring, &issued) != 1 ||
	    issued > now || issued + life - margin <= now)
		issued = now;
	return issued + life - margin - now;
}

/* The cached token of scope while it has time left, else NULL (a stale one
 * is dropped). */
static const char *token_get(struct registry *r, const char *scope)
{
	for (size_t i = 0; i < r->n_tokens; i++) {
		if (!streq(r->tokens[i].scope, scope))
			continue;
		if (clock_s(CLOCK_MONOTONIC) < r->tokens[i].reuse_until)
			return r->tokens[i].value;
		if (r->debug)
			log_debug("token for '%s' is about to expire: fetching a new one", scope);
		free(r->tokens[i].scope);
		free(r->tokens[i].value);
		r->tokens[i] = r->tokens[--r->n_tokens];
		return NULL;
	}
	return NULL;
}

static void token_drop(struct registry *r, const char *scope)
{
	for (size_t i = 0; i < r->n_tokens; i++) {
		if (streq(r->tokens[i].scope, scope)) {
			free(r->tokens[i].scope);
			free(r->tokens[i].value);
			r->tokens[i] = r->tokens[--r->n_tokens];
			return;
		}
	}
}

static bool realm_on_registry(struct registry *r)
{
	const char *h = strstr(r->realm, "://");
	size_t n;

	if (!h)
		return false;
	h += 3;
	n = strcspn(h, "/?");
	return n == strlen(r->host) && strncmp(h, r->host, n) == 0;
}

/* GET realm?service=S&scope=A&scope=B with Basic credentials if we have any. */
static int token_fetch(struct registry *r, const char *scope, struct err **err)
{
	CURL *e = curl_easy_init();
	struct buf url = BUF_INIT;
	struct http_resp resp;
	cleanup_json cJSON *j = NULL;
	const char *tok = NULL;
	char sep = strchr(r->realm, '?') ? '&' : '?';
	double mono, wall, reuse;
	CURLcode c;
	int ret = -1;

	if (!e)
		die_oom();
	http_resp_init(&resp);
	buf_adds(&url, r->realm);
	if (r->service) {
		char *s = curl_easy_escape(e, r->service, 0);
		buf_addf(&url, "%cservice=%s", sep, s);
		curl_free(s);
		sep = '&';
	}
	if (scope) {
		cleanup_free char *sc = xstrdup(scope);
		char *save = NULL;
		for (char *t = strtok_r(sc, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
			char *s = curl_easy_escape(e, t, 0);
			buf_addf(&url, "%cscope=%s", sep, s);
			curl_free(s);
			sep = '&';
		}
	}
	/* the registry's certs.d files and insecure flag apply to the token
	 * server only when it is the same host */
	if (realm_on_registry(r))
		apply_common(r, e);
	else
		apply_basic(r, e);
	curl_easy_setopt(e, CURLOPT_SHARE, NULL);
	curl_easy_setopt(e, CURLOPT_URL, url.data);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, &resp);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_body_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &resp);
	if (r->have_creds) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, r->creds.user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, r->creds.pass);
	}
	c = curl_easy_perform(e);
	mono = clock_s(CLOCK_MONOTONIC);
	wall = clock_s(CLOCK_REALTIME);
	if (c != CURLE_OK) {
		err_set(err, 0, "get token from '%s': %s", r->realm, curl_easy_strerror(c));
		goto out;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp.status);
	if (r->debug)
		log_debug("GET %s: %ld", url.data, resp.status);
	if (resp.status == 401 || resp.status == 403) {
		if (resp.body.len && registry_status_error(&resp, err) < 0 &&
		    strstr((*err)->msg, "unauthorized"))
			goto out;
		err_set(err, 0, "unauthorized: %s",
			r->have_creds ? "incorrect username or password"
				      : "authentication required");
		goto out;
	}
	if (resp.status != 200) {
		registry_status_error(&resp, err);
		err_wrap(err, "get token from '%s'", r->realm);
		goto out;
	}
	j = json_parse(resp.body.data, resp.body.len, "token response", err);
	if (!j)
		goto out;
	if (json_get_string(j, "", "token", false, &tok, err) < 0)
		goto out;
	if (!tok || !*tok) {
		if (json_get_string(j, "", "access_token", false, &tok, err) < 0)
			goto out;
	}
	if (!tok || !*tok) {
		err_set(err, 0, "get token from '%s': response has no token", r->realm);
		goto out;
	}
	reuse = token_reuse_for(j, wall);
	if (r->debug)
		log_debug("token for '%s': reused for %.1fs", scope ? scope : "", reuse);
	r->tokens = xrealloc(r->tokens, (r->n_tokens + 1) * sizeof(*r->tokens));
	r->tokens[r->n_tokens].scope = xstrdup(scope ? scope : "");
	r->tokens[r->n_tokens].value = xstrdup(tok);
	r->tokens[r->n_tokens].reuse_until = mono + reuse;
	r->n_tokens++;
	ret = 0;
out:
	http_resp_release(&resp);
	buf_release(&url);
	curl_easy_cleanup(e);
	return ret;
}

int registry_refresh_token(struct registry *r, const char *scope, const char *challenge,
			   struct err **err)
{
	(void)err;
	learn_challenge(r, challenge);
	token_drop(r, scope ? scope : "");
	return 0;
}

/* Authorization header for scope, or NULL (anonymous). */
static int auth_header(struct registry *r, const char *scope, char **out, struct err **err)
{
	const char *tok;

	*out = NULL;
	if (r->auth == REG_AUTH_BASIC && r->have_creds) {
		cleanup_free char *plain = xasprintf("%s:%s", r->creds.user, r->creds.pass);
		cleanup_free char *b64 = http_base64_encode(plain, strlen(plain));
		explicit_bzero(plain, strlen(plain));
		*out = xasprintf("Authorization: Basic %s", b64);
		return 0;
	}
	if (r->auth != REG_AUTH_BEARER)
		return 0;
	tok = token_get(r, scope ? scope : "");
	if (!tok) {
		if (token_fetch(r, scope, err) < 0)
			return -1;
		tok = token_get(r, scope ? scope : "");
	}
	*out = xasprintf("Authorization: Bearer %s", tok);
	return 0;
}

CURL *registry_easy(struct registry *r, const char *url, const char *scope,
		    struct curl_slist **hdrs, struct err **err)
{
	cleanup_free char *auth = NULL;
	cleanup_free char *full = NULL;
	CURL *e;

	if (registry_ping(r, err) < 0 || auth_header(r, scope, &auth, err) < 0)
		return NULL;
	e = curl_easy_init();
	if (!e)
		die_oom();
	apply_common(r, e);
	full = registry_url(r, url);
	curl_easy_setopt(e, CURLOPT_URL, full);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	*hdrs = NULL;
	if (auth)
		*hdrs = curl_slist_append(*hdrs, auth);
	*hdrs = curl_slist_append(*hdrs, "Expect:");
	return e;
}

struct upload_src {
	const struct reg_req *req;
	int64_t pos;
};

static size_t read_cb(char *out, size_t size, size_t n, void *arg)
{
	struct upload_src *s = arg;
	const struct reg_req *q = s->req;
	size_t want = size * n;
	int64_t total = q->upload_fd >= 0 ? q->upload_len : (int64_t)q->body_len;
	int64_t left = total - s->pos;
	ssize_t got;

	if (left <= 0)
		return 0;
	if ((int64_t)want > left)
		want = left;
	if (q->upload_fd < 0) {
		memcpy(out, (const char *)q->body + s->pos, want);
		s->pos += want;
		return want;
	}
	do
		got = pread(q->upload_fd, out, want, q->upload_off + s->pos);
	while (got < 0 && errno == EINTR);
	if (got <= 0)
		return CURL_READFUNC_ABORT;
	s->pos += got;
	return got;
}

static bool transient(int code)
{
	return code == CURLE_COULDNT_CONNECT || code == CURLE_RECV_ERROR ||
	       code == CURLE_SEND_ERROR || code == CURLE_GOT_NOTHING ||
	       code == CURLE_PARTIAL_FILE || code == CURLE_OPERATION_TIMEDOUT;
}

int registry_do(struct registry *r, const struct reg_req *q, struct http_resp *resp,
		struct err **err)
{
	const char *method = q->method ? q->method : "GET";
	bool idempotent = streq(method, "GET") || streq(method, "HEAD");
	cleanup_free char *url = NULL;
	int auth_retry = 0, net_retry = 0;

	if (registry_ping(r, err) < 0)
		return -1;
	url = registry_url(r, q->url);
	for (;;) {
		cleanup_slist struct curl_slist *h = NULL;
		cleanup_free char *auth = NULL;
		cleanup_free char *accept = NULL, *ctype = NULL, *crange = NULL;
		struct upload_src src = {.req = q, .pos = 0};
		CURL *e = r->easy;
		CURLcode c;
		char errbuf[CURL_ERROR_SIZE] = "";

		http_resp_reset(resp);
		if (auth_header(r, q->scope, &auth, err) < 0)
			return -1;
		curl_easy_reset(e);
		apply_common(r, e);
		curl_easy_setopt(e, CURLOPT_URL, url);
		curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
		curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, idempotent ? 1L : 0L);
		curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_header_cb);
		curl_easy_setopt(e, CURLOPT_HEADERDATA, resp);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_body_cb);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, resp);
		if (auth)
			h = curl_slist_append(h, auth);
		h = curl_slist_append(h, "Expect:");
		if (q->accept) {
			accept = xasprintf("Accept: %s", q->accept);
			h = curl_slist_append(h, accept);
		}
		if (q->content_type) {
			ctype = xasprintf("Content-Type: %s", q->content_type);
			h = curl_slist_append(h, ctype);
		}
		if (q->content_range) {
			crange = xasprintf("Content-Range: %s", q->content_range);
			h = curl_slist_append(h, crange);
		}
		if (q->range)
			curl_easy_setopt(e, CURLOPT_RANGE, q->range);
		if (streq(method, "HEAD") || q->no_body) {
			curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
		} else if (streq(method, "PUT") || streq(method, "PATCH")) {
			int64_t len = q->upload_fd >= 0 ? q->upload_len : (int64_t)q->body_len;
			curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
			curl_easy_setopt(e, CURLOPT_READDATA, &src);
			curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE,
					 (curl_off_t)(len < 0 ? 0 : len));
			registry_set_deadline(r, e, len);
			curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024);
			if (streq(method, "PATCH"))
				curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PATCH");
		} else if (streq(method, "POST")) {
			curl_easy_setopt(e, CURLOPT_POST, 1L);
			curl_easy_setopt(e, CURLOPT_POSTFIELDS,
					 q->body ? (const char *)q->body : "");
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
		} else if (!streq(method, "GET")) {
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
		}
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
		c = curl_easy_perform(e);
		resp->curl_code = c;
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp->status);
		if (r->debug)
			log_debug("%s %s: %s %ld", method, url, curl_easy_strerror(c),
				  resp->status);
		if (c == CURLE_WRITE_ERROR && resp->body_too_big)
			return 0; /* the caller words the size error */
		if (c != CURLE_OK) {
			if (idempotent && transient(c) && net_retry < 3) {
				usleep(100000u << net_retry++);
				continue;
			}
			return err_set(err, 0, "%s %s: %s", method, url,
				       *errbuf ? errbuf : curl_easy_strerror(c));
		}
		if (resp->status == 401 && auth_retry == 0 && resp->www_auth) {
			auth_retry++;
			registry_refresh_token(r, q->scope, resp->www_auth, err);
			if (r->auth != REG_AUTH_NONE)
				continue;
		}
		if (resp->status >= 500 && idempotent && net_retry < 3) {
			usleep(100000u << net_retry++);
			continue;
		}
		return 0;
	}
}

/* "MANIFEST_UNKNOWN" -> "manifest unknown" */
static char *code_words(const char *code)
{
	char *s = xstrdup(code);

	for (char *p = s; *p; p++)
		*p = *p == '_' ? ' ' : (char)tolower((unsigned char)*p);
	return s;
}

int registry_status_error(const struct http_resp *resp, struct err **err)
{
	cleanup_json cJSON *j = NULL;
	const cJSON *errs, *e;
	struct buf msg = BUF_INIT;
	cleanup_free char *text = NULL;

	if (resp->body.len && resp->content_type && strstr(resp->content_type, "json"))
		j = cJSON_ParseWithLength(resp->body.data, resp->body.len);
	else if (resp->body.len && resp->body.data[0] == '{')
		j = cJSON_ParseWithLength(resp->body.data, resp->body.len);
	errs = j ? cJSON_GetObjectItemCaseSensitive(j, "errors") : NULL;
	cJSON_ArrayForEach(e, errs)
	{
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "code");
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
		if (msg.len)
			buf_adds(&msg, "; ");
		if (cJSON_IsString(c)) {
			cleanup_free char *w = code_words(c->valuestring);
			buf_adds(&msg, w);
			if (cJSON_IsString(m) && *m->valuestring)
				buf_addf(&msg, ": %s", m->valuestring);
		} else if (cJSON_IsString(m)) {
			buf_adds(&msg, m->valuestring);
		}
	}
	if (!msg.len) {
		if (resp->status == 401)
			buf_adds(&msg, "unauthorized: authentication required");
		else if (resp->status == 403)
			buf_adds(&msg, "denied: requested access to the resource is denied");
		else if (resp->status == 404)
			buf_adds(&msg, "not found");
		else if (resp->status == 429)
			buf_adds(&msg, "toomanyrequests: too many requests");
		else
			buf_addf(&msg, "unexpected HTTP status %ld", resp->status);
	}
	text = buf_detach(&msg, NULL);
	return err_set(err, 0, "%s", text);
}

int registry_get_small_blob(struct registry *r, const char *repo, const char *scope,
			    const char *digest, char **out, size_t *len, struct err **err)
{
	struct reg_req q = REG_REQ_INIT;
	struct http_resp resp;
	cleanup_free char *url = xasprintf("/v2/%s/blobs/%s", repo, digest);
	cleanup_free char *pull = scope ? NULL : registry_scope(repo, "pull");
	char got[DIGEST_STR_MAX];
	int ret = -1;

	http_resp_init(&resp);
	resp.body_max = SPEC_MAX_DOC_SIZE;
	q.url = url;
	q.scope = scope ? scope : pull;
	if (registry_do(r, &q, &resp, err) < 0)
		goto out;
	if (resp.body_too_big) {
		err_set(err, 0, "config %s is larger than %u MiB", digest, SPEC_MAX_DOC_SIZE >> 20);
		goto out;
	}
	if (resp.status != 200) {
		registry_status_error(&resp, err);
		goto out;
	}
	digest_buf(resp.body.data, resp.body.len, got);
	if (!streq(got, digest)) {
		err_set(err, 0, "digest mismatch for %s: got %s", digest, got);
		goto out;
	}
	*len = resp.body.len;
	*out = buf_detach(&resp.body, NULL);
	ret = 0;
out:
	http_resp_release(&resp);
	return ret;
}
