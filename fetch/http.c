/* http.c: libcurl plumbing shared by every request: response headers and
 * bodies, WWW-Authenticate challenges, Link pagination, base64. */
#define _GNU_SOURCE
#include <ctype.h>       /* isspace */
#include <openssl/evp.h> /* EVP_EncodeBlock */
#include <stdlib.h>      /* free */
#include <string.h>      /* strncasecmp */
#include <strings.h>     /* strncasecmp */

#include "common/err.h"
#include "common/util.h"
#include "fetch/fetch.h"

#define DEFAULT_BODY_MAX (64u << 10)

void cleanup_curl_slistp(struct curl_slist **l)
{
	if (*l)
		curl_slist_free_all(*l);
}

void http_resp_init(struct http_resp *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->body);
	r->content_length = -1;
}

void http_resp_release(struct http_resp *r)
{
	buf_release(&r->body);
	free(r->content_type);
	free(r->docker_digest);
	free(r->location);
	free(r->www_auth);
	free(r->link);
	free(r->range);
}

void http_resp_reset(struct http_resp *r)
{
	size_t max = r->body_max;

	http_resp_release(r);
	http_resp_init(r);
	r->body_max = max;
}

static char *trimmed(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n);
}

static bool header_is(const char *line, size_t n, const char *name, const char **val, size_t *vlen)
{
	size_t l = strlen(name);

	if (n <= l || line[l] != ':' || strncasecmp(line, name, l) != 0)
		return false;
	*val = line + l + 1;
	*vlen = n - l - 1;
	return true;
}

static void set_header(char **slot, const char *v, size_t n)
{
	free(*slot);
	*slot = trimmed(v, n);
}

size_t http_header_cb(char *line, size_t size, size_t n, void *arg)
{
	struct http_resp *r = arg;
	size_t len = size * n;
	const char *v;
	size_t vl;

	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		/* a new response (redirect, 100-continue): forget earlier headers */
		size_t max = r->body_max;
		http_resp_release(r);
		http_resp_init(r);
		r->body_max = max;
		return len;
	}
	if (header_is(line, len, "content-type", &v, &vl))
		set_header(&r->content_type, v, vl);
	else if (header_is(line, len, "docker-content-digest", &v, &vl))
		set_header(&r->docker_digest, v, vl);
	else if (header_is(line, len, "location", &v, &vl))
		set_header(&r->location, v, vl);
	else if (header_is(line, len, "www-authenticate", &v, &vl))
		set_header(&r->www_auth, v, vl);
	else if (header_is(line, len, "link", &v, &vl))
		set_header(&r->link, v, vl);
	else if (header_is(line, len, "range", &v, &vl))
		set_header(&r->range, v, vl);
	else if (header_is(line, len, "content-length", &v, &vl)) {
		cleanup_free char *s = trimmed(v, vl);
		r->content_length = strtoll(s, NULL, 10);
	}
	return len;
}

size_t http_body_cb(char *data, size_t size, size_t n, void *arg)
{
	struct http_resp *r = arg;
	size_t len = size * n;
	size_t max = r->body_max ? r->body_max : DEFAULT_BODY_MAX;

	if (r->body.len + len > max) {
		r->body_too_big = true;
		return 0; /* abort the transfer: CURLE_WRITE_ERROR */
	}
	buf_add(&r->body, data, len);
	return len;
}

char *http_challenge_scheme(const char *c)
{
	size_t n = 0;

	while (c[n] && !isspace((unsigned char)c[n]))
		n++;
	return xstrndup(c, n);
}

/* Parameters follow the scheme: name="value" or name=token, comma separated. */
char *http_challenge_param(const char *c, const char *name)
{
	const char *p = c;
	size_t nl = strlen(name);

	while (*p && !isspace((unsigned char)*p))
		p++;
	while (*p) {
		const char *k;
		size_t kl;
		struct buf v = BUF_INIT;

		while (*p && (isspace((unsigned char)*p) || *p == ','))
			p++;
		k = p;
		while (*p && *p != '=' && *p != ',' && !isspace((unsigned char)*p))
			p++;
		kl = p - k;
		if (*p != '=')
			continue;
		p++;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				buf_addch(&v, *p++);
			}
			if (*p == '"')
				p++;
		} else {
			while (*p && *p != ',' && !isspace((unsigned char)*p))
				buf_addch(&v, *p++);
		}
		if (kl == nl && strncasecmp(k, name, nl) == 0)
			return buf_detach(&v, NULL);
		buf_release(&v);
	}
	return NULL;
}

/* Link: <url>; rel="next"[, <url2>; rel="prev"] */
char *http_link_next(const char *link)
{
	const char *p = link;

	while (p && *p) {
		const char *lt = strchr(p, '<'), *gt;
		const char *next;

		if (!lt)
			return NULL;
		gt = strchr(lt, '>');
		if (!gt)
			return NULL;
		next = strchr(gt, ',');
		{
			cleanup_free char *params =
			    next ? xstrndup(gt + 1, next - gt - 1) : xstrdup(gt + 1);
			if (strstr(params, "rel=\"next\"") || strstr(params, "rel=next"))
				return xstrndup(lt + 1, gt - lt - 1);
		}
		p = next ? next + 1 : NULL;
	}
	return NULL;
}

char *http_base64_encode(const void *data, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

int http_base64_decode(const char *s, char **out, size_t *len)
{
	size_t n = strlen(s);
	cleanup_free char *o = xmalloc(3 * (n / 4) + 4);
	int r;

	if (n % 4)
		return -1;
	r = EVP_DecodeBlock((unsigned char *)o, (const unsigned char *)s, (int)n);
	if (r < 0)
		return -1;
	/* EVP_DecodeBlock counts the padding as zero bytes */
	if (n >= 1 && s[n - 1] == '=')
		r--;
	if (n >= 2 && s[n - 2] == '=')
		r--;
	o[r] = '\0';
	*len = r;
	*out = steal_pointer(&o);
	return 0;
}
