/* attach.c: a container's network, set up before each start (`up`) and
 * released when it stops or is removed (`down`).  What the container asked
 * for is in its bundle's annotations, written by `kist run`:
 *   io.kist.network        bridge | NAME | none | host | container:<id>
 *   io.kist.port-bindings  [{"HostIp","HostPort","ContainerPort","Proto"}]
 *   io.kist.publish-all    "true": every exposed port on a random host port
 *   io.kist.dns, io.kist.dns-search, io.kist.dns-option, io.kist.extra-hosts
 *                          JSON arrays of strings
 * A container without io.kist.network is left alone.  What it got is
 * RUN/net/<id>.json: the conflist and the CNI result that DEL needs, the
 * address and the published ports (read by kist-store's inspect and ps). */
#define _GNU_SOURCE
#include <errno.h>      /* errno */
#include <fcntl.h>      /* open */
#include <netinet/in.h> /* sockaddr_in */
#include <stdio.h>      /* printf */
#include <stdlib.h>     /* strtol */
#include <string.h>     /* strchr */
#include <sys/socket.h> /* socket */
#include <unistd.h>     /* unlink */
#include <arpa/inet.h>  /* htons */

#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/lock.h"
#include "common/util.h"
#include "net/net.h"

#define IFNAME "eth0"

static const char *rstr(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));

	return s ? s : "";
}

static int net_lock(const struct net_ctx *c, struct err **err)
{
	cleanup_free char *dir = xasprintf("%s/net", c->run);
	cleanup_free char *p = xasprintf("%s/lock", dir);

	if (fs_mkdir_p(dir, 0700, err) < 0)
		return -1;
	return lock_acquire(p, LOCK_MODE_EXCLUSIVE, true, err);
}

static char *record_path(const struct net_ctx *c, const char *id)
{
	return xasprintf("%s/net/%s.json", c->run, id);
}

cJSON *records_load(const struct net_ctx *c)
{
	cleanup_free char *dir = xasprintf("%s/net", c->run);
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_strv char **names = fd >= 0 ? fs_dir_names(fd, true) : NULL;
	cJSON *arr = cJSON_CreateArray();

	for (char **n = names; n && *n; n++) {
		cJSON *r;

		if (!str_has_suffix(*n, ".json") || (*n)[0] == '.')
			continue;
		r = json_load_fileat(fd, *n, 0, NULL);
		if (cJSON_IsObject(r))
			cJSON_AddItemToArray(arr, r);
		else
			cJSON_Delete(r);
	}
	return arr;
}

static bool valid_id(const char *id)
{
	if (strlen(id) != 64)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* An annotation holding a JSON array of strings, as a new array. */
static cJSON *ann_array(const cJSON *ann, const char *key)
{
	const char *s = rstr(ann, key);
	cJSON *a = *s ? cJSON_Parse(s) : NULL;

	if (!cJSON_IsArray(a)) {
		cJSON_Delete(a);
		a = cJSON_CreateArray();
	}
	return a;
}

/* ---- ports ---- */

static bool ip_covers(const char *a, const char *b)
{
	return streq(a, "0.0.0.0") || streq(b, "0.0.0.0") || streq(a, b);
}

/* Another container's binding of proto/host port on an address that
 * overlaps ip. */
static bool port_taken(const cJSON *recs, const char *ip, const char *hport, const char *proto)
{
	const cJSON *r, *ports, *list, *b;

	cJSON_ArrayForEach(r, recs)
	{
		ports = cJSON_GetObjectItemCaseSensitive(r, "Ports");
		cJSON_ArrayForEach(list, ports)
		{
			const char *slash = strchr(list->string, '/');

			if (!slash || !streq(slash + 1, proto))
				continue;
			cJSON_ArrayForEach(b, list)
			{
				if (streq(rstr(b, "HostPort"), hport) &&
				    ip_covers(rstr(b, "HostIp"), ip))
					return true;
			}
		}
	}
	return false;
}

/* Try to bind ip:port on the host (0: any free port, returned). */
static int host_bind(const char *ip, int port, const char *proto, int *got)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	socklen_t len = sizeof(sa);
	cleanup_close int fd =
	    socket(AF_INET, (streq(proto, "udp") ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0 || inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	if (got && getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		*got = ntohs(sa.sin_port);
	return 0;
}

/* The bindings asked for (and -P's exposed ports) -> docker's Ports map
 * with every host port chosen and checked; and the portmap plugin's
 * runtimeConfig.portMappings. */
static int resolve_ports(const cJSON *ann, const cJSON *recs, const char *name, const char *id,
			 cJSON **ports_out, cJSON **maps_out, struct err **err)
{
	cleanup_json cJSON *want = ann_array(ann, "io.kist.port-bindings");
	cleanup_json cJSON *ports = cJSON_CreateObject(), *maps = cJSON_CreateArray();
	const cJSON *b;

	if (streq(rstr(ann, "io.kist.publish-all"), "true")) {
		cleanup_json cJSON *exp = ann_array(ann, "io.kist.image.exposed-ports");
		const cJSON *e;

		cJSON_ArrayForEach(e, exp)
		{
			const char *s = cJSON_GetStringValue(e), *slash;
			cJSON *o;

			if (!s)
				continue;
			slash = strchr(s, '/');
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "HostIp", "");
			cJSON_AddStringToObject(o, "HostPort", "");
			if (slash) {
				cleanup_free char *p = xstrndup(s, (size_t)(slash - s));
				cJSON_AddStringToObject(o, "ContainerPort", p);
			} else {
				cJSON_AddStringToObject(o, "ContainerPort", s);
			}
			cJSON_AddStringToObject(o, "Proto", slash ? slash + 1 : "tcp");
			cJSON_AddItemToArray(want, o);
		}
	}
	cJSON_ArrayForEach(b, want)
	{
		const char *ip = *rstr(b, "HostIp") ? rstr(b, "HostIp") : "0.0.0.0";
		const char *proto = *rstr(b, "Proto") ? rstr(b, "Proto") : "tcp";
		const char *cport = rstr(b, "ContainerPort");
		cleanup_free char *key = xasprintf("%s/%s", cport, proto), *hp = NULL;
		int port = (int)strtol(rstr(b, "HostPort"), NULL, 10);
		cJSON *list, *o, *m;

		if (port == 0) {
			/* a free port, as docker picks from the ephemeral range */
			int tries;

			for (tries = 0; tries < 64; tries++) {
				if (host_bind(ip, 0, proto, &port) == 0) {
					cleanup_free char *s = xasprintf("%d", port);
					if (!port_taken(recs, ip, s, proto))
						break;
				}
				port = 0;
			}
			if (!port)
				return err_set(err, 0, "no free host port for %s", key);
		}
		hp = xasprintf("%d", port);
		if (port_taken(recs, ip, hp, proto) || port_taken(ports, ip, hp, proto))
			return err_set_code(err, EADDRINUSE,
					    "Bind for %s:%s failed: port is already allocated", ip,
					    hp);
		if (host_bind(ip, port, proto, NULL) < 0)
			return err_set_code(
			    err, errno,
			    "driver failed programming external connectivity on "
			    "endpoint %s (%s): Error starting userland proxy: listen "
			    "%s4 %s:%s: bind: %s",
			    name, id, proto, ip, hp,
			    errno == EADDRINUSE ? "address already in use" : strerror(errno));
		list = cJSON_GetObjectItemCaseSensitive(ports, key);
		if (!list)
			list = cJSON_AddArrayToObject(ports, key);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "HostIp", ip);
		cJSON_AddStringToObject(o, "HostPort", hp);
		cJSON_AddItemToArray(list, o);
		m = cJSON_CreateObject();
		cJSON_AddNumberToObject(m, "hostPort", port);
		cJSON_AddNumberToObject(m, "containerPort", strtol(cport, NULL, 10));
		cJSON_AddStringToObject(m, "protocol", proto);
		if (!streq(ip, "0.0.0.0"))
			cJSON_AddStringToObject(m, "hostIP", ip);
		cJSON_AddItemToArray(maps, m);
	}
	*ports_out = steal_pointer(&ports);
	*maps_out = steal_pointer(&maps);
	return 0;
}

/* ---- the CNI result ---- */

static void take_result(cJSON *rec, const cJSON *res)
{
	const cJSON *ip = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(res, "ips"), 0);
	const cJSON *ifs = cJSON_GetObjectItemCaseSensitive(res, "interfaces");
	const cJSON *idx = cJSON_GetObjectItemCaseSensitive(ip, "interface");
	const char *addr = rstr(ip, "address"), *slash = strchr(addr, '/');
	cleanup_free char *a = slash ? xstrndup(addr, (size_t)(slash - addr)) : xstrdup(addr);
	const cJSON *itf = cJSON_IsNumber(idx) ? cJSON_GetArrayItem(ifs, idx->valueint) : NULL;

	cJSON_AddStringToObject(rec, "IPAddress", a);
	cJSON_AddNumberToObject(rec, "IPPrefixLen", slash ? strtol(slash + 1, NULL, 10) : 32);
	cJSON_AddStringToObject(rec, "Gateway", rstr(ip, "gateway"));
	cJSON_AddStringToObject(rec, "MacAddress", rstr(itf, "mac"));
}

/* The conflist a container's ADD and DEL run: the network's, without
 * portmap when it publishes nothing (the plugin would add and remove no
 * rule: two execs saved per container). */
static cJSON *attach_conflist(const cJSON *list, const cJSON *maps)
{
	cJSON *l = cJSON_Duplicate(list, true);
	cJSON *plugins = cJSON_GetObjectItemCaseSensitive(l, "plugins");

	if (cJSON_GetArraySize(maps) > 0)
		return l;
	for (int i = cJSON_GetArraySize(plugins) - 1; i >= 0; i--)
		if (streq(rstr(cJSON_GetArrayItem(plugins, i), "type"), "portmap"))
			cJSON_DeleteItemFromArray(plugins, i);
	return l;
}

/* Rewrite /etc/hosts of every container on net (a user network). */
static void refresh_peers(const struct net_ctx *c, const char *net, const char *except)
{
	cleanup_json cJSON *recs = records_load(c);
	const cJSON *r;

	if (streq(net, "bridge"))
		return;
	cJSON_ArrayForEach(r, recs)
	{
		cleanup_free char *dir = NULL;

		if (!streq(rstr(r, "Network"), net) || streq(rstr(r, "Id"), except))
			continue;
		dir = xasprintf("%s/containers/%s", c->root, rstr(r, "Id"));
		if (fs_exists(dir))
			etc_write_hosts(c, r, recs, NULL);
	}
}

/* ---- up / down ---- */

static int up(const struct net_ctx *c, const char *id, struct err **err)
{
	cleanup_free char *cfgp = xasprintf("%s/containers/%s/bundle/config.json", c->root, id);
	cleanup_free char *ctrp = xasprintf("%s/containers/%s/container.json", c->root, id);
	cleanup_free char *recp = record_path(c, id), *nsp = xasprintf("%s/netns/%s", c->run, id);
	cleanup_json cJSON *cfg = NULL, *ctr = NULL, *rec = NULL, *recs = NULL, *list = NULL;
	cleanup_json cJSON *ports = NULL, *maps = NULL, *rtconf = NULL, *res = NULL, *att = NULL;
	const cJSON *ann;
	const char *net, *name;
	cleanup_close int lock = -1;
	struct err *e2 = NULL;

	cfg = json_load_file(cfgp, 0, err);
	if (!cfg)
		return -1;
	ann = cJSON_GetObjectItemCaseSensitive(cfg, "annotations");
	net = rstr(ann, "io.kist.network");
	if (!*net)
		return 0; /* not kist's to network */
	ctr = json_load_file(ctrp, 0, err);
	if (!ctr)
		return -1;
	name = rstr(ctr, "Name");
	lock = net_lock(c, err);
	if (lock < 0)
		return -1;
	if (fs_exists(recp))
		return 0; /* already up */
	recs = records_load(c);
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "Id", id);
	cJSON_AddStringToObject(rec, "Name", name);
	cJSON_AddStringToObject(rec, "Network", net);
	cJSON_AddStringToObject(rec, "Hostname", rstr(cfg, "hostname"));
	cJSON_AddItemToObject(rec, "ExtraHosts", ann_array(ann, "io.kist.extra-hosts"));
	cJSON_AddItemToObject(rec, "Dns", ann_array(ann, "io.kist.dns"));
	cJSON_AddItemToObject(rec, "DnsSearch", ann_array(ann, "io.kist.dns-search"));
	cJSON_AddItemToObject(rec, "DnsOptions", ann_array(ann, "io.kist.dns-option"));
	if (streq(net, "none") || streq(net, "host") || str_has_prefix(net, "container:")) {
		cJSON_AddStringToObject(rec, "Mode",
					str_has_prefix(net, "container:") ? "container" : net);
	} else {
		cJSON_AddStringToObject(rec, "Mode", "bridge");
		if (network_load(c, net, &list, err) < 0)
			return -1;
		if (resolve_ports(ann, recs, name, id, &ports, &maps, err) < 0)
			return -1;
		if (fs_exists(nsp))
			netns_remove(nsp); /* left by a crash */
		if (netns_create(nsp, err) < 0)
			return -1;
		att = attach_conflist(list, maps);
		rtconf = cJSON_CreateObject();
		cJSON_AddItemToObject(rtconf, "portMappings", cJSON_Duplicate(maps, true));
		if (cni_add(att, id, nsp, IFNAME, rtconf, &res, err) < 0)
			goto fail;
		take_result(rec, res);
		cJSON_AddStringToObject(rec, "NetworkID", network_id(list));
		cJSON_AddStringToObject(rec, "SandboxKey", nsp);
		cJSON_AddItemToObject(rec, "Ports", cJSON_Duplicate(ports, true));
		cJSON_AddItemToObject(rec, "Conflist", cJSON_Duplicate(att, true));
		cJSON_AddItemToObject(rec, "RuntimeConfig", cJSON_Duplicate(rtconf, true));
		cJSON_AddItemToObject(rec, "Result", cJSON_Duplicate(res, true));
	}
	if (etc_write_hostname(c, rec, err) < 0 || etc_write_resolv(c, rec, err) < 0 ||
	    etc_write_hosts(c, rec, recs, err) < 0)
		goto undo;
	if (json_write_file(recp, rec, 0600, err) < 0)
		goto undo;
	refresh_peers(c, net, id);
	return 0;
undo:
	if (att && res)
		cni_del(att, id, nsp, IFNAME, rtconf, res, NULL);
fail:
	if (list) {
		netns_remove(nsp);
		err_free(e2);
	}
	return -1;
}

static int down(const struct net_ctx *c, const char *id, struct err **err)
{
	cleanup_free char *recp = record_path(c, id), *nsp = xasprintf("%s/netns/%s", c->run, id);
	cleanup_json cJSON *rec = NULL;
	cleanup_close int lock = net_lock(c, err);
	int ret = 0;

	if (lock < 0)
		return -1;
	rec = json_load_file(recp, 0, NULL);
	if (cJSON_IsObject(rec) && streq(rstr(rec, "Mode"), "bridge")) {
		const cJSON *list = cJSON_GetObjectItemCaseSensitive(rec, "Conflist");

		ret = cni_del(list, id, nsp, IFNAME,
			      cJSON_GetObjectItemCaseSensitive(rec, "RuntimeConfig"),
			      cJSON_GetObjectItemCaseSensitive(rec, "Result"), err);
	}
	if (fs_exists(nsp))
		netns_remove(nsp);
	unlink(recp);
	if (cJSON_IsObject(rec))
		refresh_peers(c, rstr(rec, "Network"), id);
	return ret;
}

int cmd_up(const struct net_ctx *c, int argc, char **argv, struct err **err)
{
	if (argc != 2 || !valid_id(argv[1]))
		cli_usage_error("up: want a container's full ID");
	return up(c, argv[1], err) < 0 ? -1 : EXIT_OK;
}

int cmd_down(const struct net_ctx *c, int argc, char **argv, struct err **err)
{
	if (argc != 2 || !valid_id(argv[1]))
		cli_usage_error("down: want a container's full ID");
	return down(c, argv[1], err) < 0 ? -1 : EXIT_OK;
}

/* port ID [PORT[/PROTO]]: docker port's lines */
int cmd_port(const struct net_ctx *c, int argc, char **argv, struct err **err)
{
	cleanup_free char *recp = NULL;
	cleanup_json cJSON *rec = NULL;
	cleanup_free char *want = NULL;
	const cJSON *list, *b;
	bool found = false;

	(void)err;
	if (argc < 2 || argc > 3 || !valid_id(argv[1]))
		cli_usage_error("port: want a container's full ID and optional PORT[/PROTO]");
	recp = record_path(c, argv[1]);
	rec = json_load_file(recp, 0, NULL);
	if (argc == 3)
		want = strchr(argv[2], '/') ? xstrdup(argv[2]) : xasprintf("%s/tcp", argv[2]);
	cJSON_ArrayForEach(list, cJSON_GetObjectItemCaseSensitive(rec, "Ports"))
	{
		if (want && !streq(want, list->string))
			continue;
		cJSON_ArrayForEach(b, list)
		{
			found = true;
			if (want)
				printf("%s:%s\n", rstr(b, "HostIp"), rstr(b, "HostPort"));
			else
				printf("%s -> %s:%s\n", list->string, rstr(b, "HostIp"),
				       rstr(b, "HostPort"));
		}
	}
	if (want && !found) {
		fprintf(stderr, "kist-net: No public port '%s' published for %.12s\n", want,
			argv[1]);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
