/* etc.c: the files bind-mounted over a container's /etc/hosts,
 * /etc/resolv.conf and /etc/hostname (ROOT/containers/<id>/), rewritten
 * in place at each start (a bind mount holds the inode) and, for /etc/hosts,
 * whenever a container joins or leaves the same user network. */
#define _GNU_SOURCE
#include <errno.h>  /* errno */
#include <fcntl.h>  /* open */
#include <stdarg.h> /* va_list */
#include <stdio.h>  /* FILE */
#include <stdlib.h> /* free */
#include <string.h> /* strlen */
#include <unistd.h> /* ftruncate */

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "net/net.h"

int etc_write_in_place(const char *path, const char *text, struct err **err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0)
		return err_set(err, errno, "open '%s'", path);
	if (ftruncate(fd, 0) < 0 || fs_write_all(fd, text, strlen(text)) < 0)
		return err_set(err, errno, "write '%s'", path);
	return 0;
}

static const char *rstr(const cJSON *rec, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, key));

	return s ? s : "";
}

static char *rec_path(const struct net_ctx *c, const cJSON *rec, const char *leaf)
{
	return xasprintf("%s/containers/%s/%s", c->root, rstr(rec, "Id"), leaf);
}

static void add_line(struct buf *b, const char *fmt, ...) PRINTF(2, 3);
static void add_line(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	buf_add(b, s, strlen(s));
	free(s);
}

int etc_write_hosts(const struct net_ctx *c, const cJSON *rec, const cJSON *all, struct err **err)
{
	struct buf b = BUF_INIT;
	cleanup_free char *path = rec_path(c, rec, "hosts");
	const char *mode = rstr(rec, "Mode"), *net = rstr(rec, "Network");
	const cJSON *e;
	int r;

	if (streq(mode, "host")) {
		cleanup_free char *text = NULL;

		if (fs_read_all("/etc/hosts", 1u << 20, &text, NULL, NULL) == 0)
			buf_add(&b, text, strlen(text));
	} else {
		add_line(&b, "127.0.0.1\tlocalhost\n"
			     "::1\tlocalhost ip6-localhost ip6-loopback\n"
			     "fe00::0\tip6-localnet\n"
			     "ff00::0\tip6-mcastprefix\n"
			     "ff02::1\tip6-allnodes\n"
			     "ff02::2\tip6-allrouters\n");
	}
	/* --add-host NAME:IP */
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(rec, "ExtraHosts"))
	{
		const char *s = cJSON_GetStringValue(e), *colon = s ? strchr(s, ':') : NULL;

		if (colon)
			add_line(&b, "%s\t%.*s\n", colon + 1, (int)(colon - s), s);
	}
	if (*rstr(rec, "IPAddress")) {
		const char *host = rstr(rec, "Hostname"), *name = rstr(rec, "Name");

		if (streq(net, "bridge") || streq(host, name))
			add_line(&b, "%s\t%s\n", rstr(rec, "IPAddress"), host);
		else
			add_line(&b, "%s\t%s %s\n", rstr(rec, "IPAddress"), host, name);
	}
	/* a user network: its other containers by name (docker's default
	 * bridge gives no names) */
	if (streq(mode, "bridge") && !streq(net, "bridge")) {
		cJSON_ArrayForEach(e, all)
		{
			if (streq(rstr(e, "Id"), rstr(rec, "Id")) ||
			    !streq(rstr(e, "Network"), net) || !*rstr(e, "IPAddress"))
				continue;
			add_line(&b, "%s\t%s %.12s\n", rstr(e, "IPAddress"), rstr(e, "Name"),
				 rstr(e, "Id"));
		}
	}
	r = etc_write_in_place(path, b.data, err);
	buf_release(&b);
	return r;
}

/* 127.x.x.x and ::1 are the host's own resolvers: unreachable from a
 * container's namespace (docker drops them). */
static bool loopback_ns(const char *line)
{
	const char *a = line + strlen("nameserver");

	a += strspn(a, " \t");
	return str_has_prefix(a, "127.") || str_has_prefix(a, "::1");
}

int etc_write_resolv(const struct net_ctx *c, const cJSON *rec, struct err **err)
{
	cleanup_free char *path = rec_path(c, rec, "resolv.conf"), *text = NULL;
	const cJSON *dns = cJSON_GetObjectItemCaseSensitive(rec, "Dns");
	const cJSON *search = cJSON_GetObjectItemCaseSensitive(rec, "DnsSearch");
	const cJSON *opts = cJSON_GetObjectItemCaseSensitive(rec, "DnsOptions"), *e;
	bool host = streq(rstr(rec, "Mode"), "host"), any_ns = false;
	struct buf b = BUF_INIT;
	char *save = NULL, *line;
	int r;

	if (fs_read_all("/etc/resolv.conf", 1u << 20, &text, NULL, NULL) < 0)
		text = xstrdup("");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		bool is_ns = str_has_prefix(line, "nameserver");

		if (is_ns && (cJSON_GetArraySize(dns) > 0 || (!host && loopback_ns(line))))
			continue;
		if ((str_has_prefix(line, "search") || str_has_prefix(line, "domain")) &&
		    cJSON_GetArraySize(search) > 0)
			continue;
		if (str_has_prefix(line, "options") && cJSON_GetArraySize(opts) > 0)
			continue;
		any_ns |= is_ns;
		add_line(&b, "%s\n", line);
	}
	cJSON_ArrayForEach(e, search)
	{
		if (e == search->child)
			buf_add(&b, "search", 6);
		add_line(&b, " %s%s", cJSON_GetStringValue(e), e->next ? "" : "\n");
	}
	cJSON_ArrayForEach(e, dns)
	{
		add_line(&b, "nameserver %s\n", cJSON_GetStringValue(e));
		any_ns = true;
	}
	cJSON_ArrayForEach(e, opts)
	{
		if (e == opts->child)
			buf_add(&b, "options", 7);
		add_line(&b, " %s%s", cJSON_GetStringValue(e), e->next ? "" : "\n");
	}
	if (!any_ns) /* docker's fallback when the host had only local resolvers */
		add_line(&b, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	r = etc_write_in_place(path, b.data, err);
	buf_release(&b);
	return r;
}

int etc_write_hostname(const struct net_ctx *c, const cJSON *rec, struct err **err)
{
	cleanup_free char *path = rec_path(c, rec, "hostname");
	cleanup_free char *text = xasprintf("%s\n", rstr(rec, "Hostname"));

	return etc_write_in_place(path, text, err);
}
