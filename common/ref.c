/* ref.c: image references with docker's grammar and normalisation
 * (distribution/reference):
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] component ( "/" component )*
 *   domain     := host [ ":" port ]          host: DNS name or [ipv6]
 *   component  := alnum ( separator alnum )* alnum: [a-z0-9]+
 *   separator  := "." | "_" | "__" | "-"+
 *   tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
 *   digest     := algorithm ":" hex          (only sha256 is supported)
 *
 * The first component is a domain only when it has a '.' or ':' or is
 * "localhost"; otherwise the domain is docker.io, and a single-component
 * docker.io name gets "library/". */
#define _GNU_SOURCE
#include <stdlib.h> /* free */
#include <string.h> /* strchr */

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/err.h"
#include "common/ref.h"
#include "common/util.h"

#define LEGACY_DOMAIN "index.docker.io"
#define OFFICIAL_PREFIX "library/"
#define TAG_MAX 128

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool is_word(char c)
{
	return is_alnum(c) || c == '_';
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )* over s[0..n) */
static bool valid_component(const char *s, size_t n)
{
	size_t i = 0, j;

	if (n == 0 || !is_lower_alnum(s[0]))
		return false;
	while (i < n) {
		while (i < n && is_lower_alnum(s[i]))
			i++;
		if (i == n)
			return true;
		j = i;
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i++;
			if (i < n && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i == n || !is_lower_alnum(s[i]) || i == j)
			return false;
	}
	return true;
}

/* label := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool valid_host(const char *s, size_t n)
{
	size_t i, start = 0;

	if (n >= 2 && s[0] == '[') {
		if (s[n - 1] != ']' || n == 2)
			return false;
		for (i = 1; i < n - 1; i++)
			if (!is_hex(s[i]) && s[i] != ':')
				return false;
		return true;
	}
	if (n == 0)
		return false;
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!is_alnum(s[i]) && s[i] != '-')
				return false;
			continue;
		}
		if (i == start || s[start] == '-' || s[i - 1] == '-')
			return false;
		start = i + 1;
	}
	return true;
}

static bool valid_domain(const char *s)
{
	size_t n = strlen(s);
	const char *colon;
	size_t hl;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close)
			return false;
		colon = close[1] == ':' ? close + 1 : NULL;
		if (!colon && close[1])
			return false;
	} else {
		colon = strchr(s, ':');
	}
	hl = colon ? (size_t)(colon - s) : n;
	if (!valid_host(s, hl))
		return false;
	if (colon) {
		const char *p = colon + 1;

		if (!*p)
			return false;
		for (; *p; p++)
			if (*p < '0' || *p > '9')
				return false;
	}
	return true;
}

static bool valid_tag(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > TAG_MAX || !is_word(s[0]))
		return false;
	for (i = 1; i < n; i++)
		if (!is_word(s[i]) && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

bool ref_is_id(const char *s)
{
	return s && (digest_hex_is_valid(s) || str_has_prefix(s, "sha256:"));
}

/* The digest part: algorithm grammar first (docker's), then what we support. */
static const char *check_digest(const char *d)
{
	const char *colon = strchr(d, ':'), *p;
	size_t hexlen;

	if (!colon || colon == d)
		return "invalid reference format";
	/* algorithm := [A-Za-z][A-Za-z0-9]* ( [-_+.] [A-Za-z][A-Za-z0-9]* )* */
	for (p = d; p < colon; p++) {
		bool sep = *p == '-' || *p == '_' || *p == '+' || *p == '.';

		if (sep) {
			if (p == d || p + 1 >= colon ||
			    !((p[1] | 0x20) >= 'a' && (p[1] | 0x20) <= 'z'))
				return "invalid reference format";
		} else if (!is_alnum(*p)) {
			return "invalid reference format";
		} else if (p == d && !((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')) {
			return "invalid reference format";
		}
	}
	hexlen = strlen(colon + 1);
	for (p = colon + 1; *p; p++)
		if (!is_hex(*p))
			return "invalid reference format";
	if (hexlen < 32)
		return "invalid reference format";
	if ((size_t)(colon - d) != 6 || strncmp(d, "sha256", 6) != 0)
		return "unsupported digest algorithm";
	if (hexlen != DIGEST_HEX_LEN)
		return "invalid checksum digest length";
	if (!digest_is_valid(d))
		return "invalid checksum digest format";
	return NULL;
}

static int fail(struct err **err, const char *s, const char *why)
{
	return err_set(err, 0, "parse reference '%s': %s", s, why);
}

int ref_parse(const char *s, struct ref *out, struct err **err)
{
	cleanup_free char *copy = NULL;
	cleanup_free char *domain = NULL;
	cleanup_free char *path = NULL;
	char *remainder, *at, *tag = NULL, *digest = NULL, *slash, *colon, *p, *c;
	const char *why;
	size_t i;

	if (!s || !*s)
		return fail(
		    err, s ? s : "",
		    "invalid reference format: repository name must have at least one component");
	if (digest_hex_is_valid(s))
		return fail(err, s,
			    "invalid repository name, cannot specify 64-byte hexadecimal strings");
	copy = xstrdup(s);

	/* Split the docker domain off the first component. */
	slash = strchr(copy, '/');
	if (slash) {
		size_t n = (size_t)(slash - copy);
		bool dom = memchr(copy, '.', n) || memchr(copy, ':', n) ||
			   (n == 9 && strncmp(copy, "localhost", 9) == 0);

		if (dom) {
			domain = xstrndup(copy, n);
			remainder = slash + 1;
		} else {
			remainder = copy;
		}
	} else {
		remainder = copy;
	}
	if (!domain || streq(domain, LEGACY_DOMAIN)) {
		free(domain);
		domain = xstrdup(REF_DEFAULT_DOMAIN);
	}

	/* Upper case in the repository path (up to the first ':'). */
	for (p = remainder; *p && *p != ':' && *p != '@'; p++)
		if (*p >= 'A' && *p <= 'Z')
			return fail(err, s,
				    "invalid reference format: repository name must be lowercase");

	at = strchr(remainder, '@');
	if (at) {
		*at = '\0';
		digest = at + 1;
		why = check_digest(digest);
		if (why)
			return fail(err, s, why);
	}
	colon = strrchr(remainder, ':');
	if (colon && !strchr(colon, '/')) {
		*colon = '\0';
		tag = colon + 1;
		if (!valid_tag(tag))
			return fail(err, s, "invalid reference format");
	}
	if (!valid_domain(domain))
		return fail(err, s, "invalid reference format");
	if (streq(domain, REF_DEFAULT_DOMAIN) && !strchr(remainder, '/'))
		path = xasprintf(OFFICIAL_PREFIX "%s", remainder);
	else
		path = xstrdup(remainder);

	/* Path components. */
	for (p = path;; p = c + 1) {
		c = strchr(p, '/');
		if (!valid_component(p, c ? (size_t)(c - p) : strlen(p)))
			return fail(err, s, "invalid reference format");
		if (!c)
			break;
	}
	i = strlen(domain) + 1 + strlen(path);
	if (i > REF_MAX_LEN)
		return fail(err, s,
			    "invalid reference format: repository name must not be more than 255 "
			    "characters");

	out->domain = steal_pointer(&domain);
	out->path = steal_pointer(&path);
	out->tag = tag ? xstrdup(tag) : (digest ? NULL : xstrdup("latest"));
	out->digest = digest ? xstrdup(digest) : NULL;
	return 0;
}

void ref_release(struct ref *r)
{
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	r->domain = r->path = r->tag = r->digest = NULL;
}

char *ref_name(const struct ref *r)
{
	return xasprintf("%s/%s", r->domain, r->path);
}

static void add_suffix(struct buf *b, const struct ref *r)
{
	if (r->tag)
		buf_addf(b, ":%s", r->tag);
	if (r->digest)
		buf_addf(b, "@%s", r->digest);
}

char *ref_string(const struct ref *r)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s/%s", r->domain, r->path);
	add_suffix(&b, r);
	return buf_detach(&b, NULL);
}

char *ref_familiar_name(const struct ref *r)
{
	const char *p = r->path;

	if (!streq(r->domain, REF_DEFAULT_DOMAIN))
		return xasprintf("%s/%s", r->domain, r->path);
	if (str_has_prefix(p, OFFICIAL_PREFIX) && !strchr(p + strlen(OFFICIAL_PREFIX), '/'))
		p += strlen(OFFICIAL_PREFIX);
	return xstrdup(p);
}

char *ref_familiar(const struct ref *r)
{
	struct buf b = BUF_INIT;
	char *name = ref_familiar_name(r);

	buf_adds(&b, name);
	free(name);
	add_suffix(&b, r);
	return buf_detach(&b, NULL);
}
