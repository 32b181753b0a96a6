/* config.c: the registry keys of /etc/kist/config.json (docker's daemon.json
 * names: insecure-registries, registry-mirrors) and per-registry TLS files
 * in /etc/kist/certs.d/HOST:PORT/ (ca.crt, client.cert, client.key).
 * KIST_CONFIG and KIST_CERTS_D override both locations. */
#define _GNU_SOURCE
#include <arpa/inet.h> /* inet_pton */
#include <errno.h>     /* errno */
#include <stddef.h>    /* offsetof */
#include <stdlib.h>    /* getenv */
#include <string.h>    /* strchr */

#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "fetch/fetch.h"

#define DEFAULT_CONFIG "/etc/kist/config.json"
#define DEFAULT_CERTS_D "/etc/kist/certs.d"

int fetch_config_load(struct fetch_config *c, struct err **err)
{
	const char *path = getenv("KIST_CONFIG");
	const char *certs = getenv("KIST_CERTS_D");
	cleanup_json cJSON *doc = NULL;

	c->certs_d = xstrdup(certs && *certs ? certs : DEFAULT_CERTS_D);
	if (!path || !*path)
		path = DEFAULT_CONFIG;
	if (!fs_exists(path))
		return 0;
	doc = json_load_file(path, 0, err);
	if (!doc)
		return err_wrap(err, "load '%s'", path);
	if (json_get_strv(doc, "", "insecure-registries", false, &c->insecure, err) < 0 ||
	    json_get_strv(doc, "", "registry-mirrors", false, &c->mirrors, err) < 0)
		return err_wrap(err, "load '%s'", path);
	{
		static const struct {
			const char *key;
			size_t off;
		} keys[] = {
		    {"fetch-connect-timeout", offsetof(struct fetch_timeouts, connect)},
		    {"fetch-idle-timeout", offsetof(struct fetch_timeouts, idle)},
		    {"fetch-low-speed-limit", offsetof(struct fetch_timeouts, low_speed)},
		    {"fetch-timeout-base", offsetof(struct fetch_timeouts, base)},
		    {"fetch-min-rate", offsetof(struct fetch_timeouts, min_rate)},
		};
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			int64_t *v = (int64_t *)((char *)&c->timeouts + keys[i].off);

			if (!cJSON_GetObjectItemCaseSensitive(doc, keys[i].key))
				continue;
			if (json_get_int64(doc, "", keys[i].key, true, v, err) < 0)
				return err_wrap(err, "load '%s'", path);
			if (*v < 0 || *v > (int64_t)1 << 40)
				return err_set(err, 0, "load '%s': '%s' must be a number >= 0",
					       path, keys[i].key);
		}
	}
	return 0;
}

void fetch_config_release(struct fetch_config *c)
{
	strv_free(c->insecure);
	strv_free(c->mirrors);
	free(c->certs_d);
	*c = (struct fetch_config)FETCH_CONFIG_INIT;
}

/* host without port: "127.0.0.1:5000" -> "127.0.0.1", "[::1]:5000" -> "::1". */
static char *host_only(const char *host)
{
	const char *end;

	if (host[0] == '[') {
		end = strchr(host, ']');
		return end ? xstrndup(host + 1, end - host - 1) : xstrdup(host);
	}
	end = strchr(host, ':');
	return end ? xstrndup(host, end - host) : xstrdup(host);
}

bool fetch_host_is_loopback(const char *host)
{
	cleanup_free char *h = host_only(host);
	struct in_addr a4;
	struct in6_addr a6;

	if (streq(h, "localhost"))
		return true;
	if (inet_pton(AF_INET, h, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, h, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

/* "10.0.0.0/8" contains host's IPv4 address? */
static bool cidr_contains(const char *cidr, const char *host)
{
	cleanup_free char *net = NULL;
	cleanup_free char *h = host_only(host);
	const char *slash = strchr(cidr, '/');
	struct in_addr n, a;
	long bits;
	uint32_t mask;

	if (!slash)
		return false;
	net = xstrndup(cidr, slash - cidr);
	bits = strtol(slash + 1, NULL, 10);
	if (bits < 0 || bits > 32 || inet_pton(AF_INET, net, &n) != 1 ||
	    inet_pton(AF_INET, h, &a) != 1)
		return false;
	mask = bits == 0 ? 0 : htonl(~0u << (32 - bits));
	return (n.s_addr & mask) == (a.s_addr & mask);
}

bool fetch_config_insecure(const struct fetch_config *c, const char *host)
{
	cleanup_free char *h = host_only(host);

	for (char **p = c->insecure; p && *p; p++) {
		const char *e = *p;
		if (str_has_prefix(e, "http://"))
			e += 7;
		else if (str_has_prefix(e, "https://"))
			e += 8;
		if (streq(e, host) || streq(e, h) || cidr_contains(e, host))
			return true;
	}
	return false;
}

static char *tls_file(const struct fetch_config *c, const char *host, const char *name)
{
	char *p = xasprintf("%s/%s/%s", c->certs_d, host, name);

	if (fs_exists(p))
		return p;
	free(p);
	return NULL;
}

void fetch_config_tls(const struct fetch_config *c, const char *host, char **ca, char **cert,
		      char **key)
{
	*ca = tls_file(c, host, "ca.crt");
	*cert = tls_file(c, host, "client.cert");
	*key = tls_file(c, host, "client.key");
}
