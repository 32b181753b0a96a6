/* network.c: networks.  "bridge" is made from /etc/kist/config.json
 * (KIST_CONFIG): `bip` (the gateway and prefix, default 172.30.0.1/16) on
 * bridge kist0; user networks are conflists in ROOT/networks/<name>.json
 * with a bridge of their own (kist-<id>), their subnet given or taken from
 * `default-address-pools` (default: 172.18-29.0.0/16, 172.31.0.0/16,
 * 192.168.0.0/16 in /20s) so that no two overlap.  "host" and "none" are
 * modes, not conflists.  Every bridge network chains bridge (host-local
 * IPAM, data under RUN/ipam), portmap (snat) and firewall. */
#define _GNU_SOURCE
#include <errno.h>         /* errno */
#include <fcntl.h>         /* open */
#include <getopt.h>        /* struct option */
#include <stdio.h>         /* printf */
#include <stdlib.h>        /* getenv */
#include <string.h>        /* strcmp */
#include <sys/random.h>    /* getrandom */
#include <time.h>          /* time */
#include <unistd.h>        /* unlinkat */
#include <linux/sockios.h> /* SIOCBRDELBR */
#include <net/if.h>        /* struct ifreq */
#include <sys/ioctl.h>     /* ioctl */
#include <sys/socket.h>    /* socket */

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/format.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/lock.h"
#include "common/template.h"
#include "common/util.h"
#include "net/net.h"

#define DEFAULT_BIP "172.30.0.1/16"

bool network_predefined(const char *name)
{
	return streq(name, "bridge") || streq(name, "host") || streq(name, "none");
}

static cJSON *daemon_config(void)
{
	const char *p = getenv("KIST_CONFIG");

	return json_load_file(p && *p ? p : "/etc/kist/config.json", 0, NULL);
}

/* A fixed id for a predefined network: its name's FNV-1a, spread to 64 hex. */
static char *fixed_id(const char *name)
{
	struct buf b = BUF_INIT;
	uint64_t h = 1469598103934665603ull;

	for (int round = 0; round < 4; round++) {
		char hex[17];

		for (const char *p = name; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		h = (h ^ (uint64_t)round) * 1099511628211ull;
		snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)h);
		buf_add(&b, hex, 16);
	}
	return buf_detach(&b, NULL);
}

static char *random_id(void)
{
	unsigned char r[32];
	char *out = xmalloc(65);

	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		die_oom();
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	return out;
}

static cJSON *make_conflist(const struct net_ctx *c, const char *name, const char *id,
			    const char *bridge, const char *subnet, const char *gateway,
			    const char *created)
{
	cJSON *l = cJSON_CreateObject(), *plugins, *p, *ipam, *ranges, *range, *r;
	cleanup_free char *data = xasprintf("%s/ipam", c->run);
	cJSON *meta;

	cJSON_AddStringToObject(l, "cniVersion", "1.0.0");
	cJSON_AddStringToObject(l, "name", name);
	meta = cJSON_AddObjectToObject(l, "kist");
	cJSON_AddStringToObject(meta, "id", id);
	cJSON_AddStringToObject(meta, "created", created);
	cJSON_AddStringToObject(meta, "subnet", subnet);
	cJSON_AddStringToObject(meta, "gateway", gateway);
	plugins = cJSON_AddArrayToObject(l, "plugins");
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "type", "bridge");
	cJSON_AddStringToObject(p, "bridge", bridge);
	cJSON_AddTrueToObject(p, "isGateway");
	cJSON_AddTrueToObject(p, "ipMasq");
	cJSON_AddTrueToObject(p, "hairpinMode");
	ipam = cJSON_AddObjectToObject(p, "ipam");
	cJSON_AddStringToObject(ipam, "type", "host-local");
	ranges = cJSON_AddArrayToObject(ipam, "ranges");
	range = cJSON_CreateArray();
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "subnet", subnet);
	cJSON_AddStringToObject(r, "gateway", gateway);
	cJSON_AddItemToArray(range, r);
	cJSON_AddItemToArray(ranges, range);
	r = cJSON_AddArrayToObject(ipam, "routes");
	cJSON_AddItemToArray(r, cJSON_CreateObject());
	cJSON_AddStringToObject(cJSON_GetArrayItem(r, 0), "dst", "0.0.0.0/0");
	cJSON_AddStringToObject(ipam, "dataDir", data);
	cJSON_AddItemToArray(plugins, p);
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "type", "portmap");
	cJSON_AddTrueToObject(cJSON_AddObjectToObject(p, "capabilities"), "portMappings");
	cJSON_AddTrueToObject(p, "snat");
	cJSON_AddItemToArray(plugins, p);
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "type", "firewall");
	cJSON_AddStringToObject(p, "backend", "iptables");
	cJSON_AddItemToArray(plugins, p);
	return l;
}

/* The default bridge: bip is "gateway/len" as docker's daemon.json has it. */
static int default_bridge(const struct net_ctx *c, cJSON **out, struct err **err)
{
	cleanup_json cJSON *cfg = daemon_config();
	const cJSON *bip = cJSON_GetObjectItemCaseSensitive(cfg, "bip");
	const char *s = cJSON_IsString(bip) ? bip->valuestring : DEFAULT_BIP;
	const char *slash = strchr(s, '/');
	cleanup_free char *gw = slash ? xstrndup(s, (size_t)(slash - s)) : NULL;
	cleanup_free char *id = fixed_id("bridge"), *subnet = NULL, *gwtext = NULL;
	struct net_prefix p;
	uint32_t g;
	long len;

	if (!slash || ip_parse(gw, &g) < 0 || (len = strtol(slash + 1, NULL, 10)) < 8 || len > 30)
		return err_set_code(err, EINVAL, "/etc/kist/config.json: bip '%s' is not IP/LEN",
				    s);
	p.len = (int)len;
	p.addr = g & (uint32_t)(0xffffffffu << (32 - len));
	subnet = prefix_format(&p);
	gwtext = ip_format(g);
	*out = make_conflist(c, "bridge", id, "kist0", subnet, gwtext, "0001-01-01T00:00:00Z");
	return 0;
}

static bool name_ok(const char *n)
{
	if (!*n ||
	    !((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || (*n >= '0' && *n <= '9')))
		return false;
	for (; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') ||
		      (*n >= '0' && *n <= '9') || *n == '_' || *n == '.' || *n == '-'))
			return false;
	return true;
}

int network_load(const struct net_ctx *c, const char *name, cJSON **out, struct err **err)
{
	cleanup_free char *p = NULL;

	if (streq(name, "bridge"))
		return default_bridge(c, out, err);
	if (!name_ok(name) || network_predefined(name))
		return err_set_code(err, ENOENT, "network %s not found", name);
	p = xasprintf("%s/networks/%s.json", c->root, name);
	if (!fs_exists(p))
		return err_set_code(err, ENOENT, "network %s not found", name);
	*out = json_load_file(p, 0, err);
	return *out ? 0 : -1;
}

static const char *meta_str(const cJSON *l, const char *key)
{
	const cJSON *v =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(l, "kist"), key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

const char *network_subnet(const cJSON *l)
{
	return meta_str(l, "subnet");
}
const char *network_gateway(const cJSON *l)
{
	return meta_str(l, "gateway");
}
const char *network_id(const cJSON *l)
{
	return meta_str(l, "id");
}

/* Every network's conflist, "bridge" first, the others by name. */
static cJSON *all_networks(const struct net_ctx *c)
{
	cJSON *arr = cJSON_CreateArray(), *b = NULL;
	cleanup_free char *dir = xasprintf("%s/networks", c->root);
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_strv char **names = fd >= 0 ? fs_dir_names(fd, true) : NULL;

	if (default_bridge(c, &b, NULL) == 0)
		cJSON_AddItemToArray(arr, b);
	for (char **n = names; n && *n; n++) {
		cleanup_free char *nm = NULL;
		cJSON *l = NULL;

		if (!str_has_suffix(*n, ".json") || (*n)[0] == '.')
			continue;
		nm = xstrndup(*n, strlen(*n) - 5);
		if (network_load(c, nm, &l, NULL) == 0)
			cJSON_AddItemToArray(arr, l);
	}
	return arr;
}

static const cJSON *find_network(const cJSON *all, const char *what)
{
	const cJSON *l;

	cJSON_ArrayForEach(l, all)
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(l, "name");

		if (cJSON_IsString(n) && streq(n->valuestring, what))
			return l;
	}
	/* an id or a unique id prefix */
	if (strlen(what) >= 1) {
		const cJSON *found = NULL;

		cJSON_ArrayForEach(l, all)
		{
			if (str_has_prefix(network_id(l), what)) {
				if (found)
					return NULL;
				found = l;
			}
		}
		return found;
	}
	return NULL;
}

/* The next subnet of the pools that overlaps none of the networks. */
static int pick_subnet(const cJSON *all, struct net_prefix *out, struct err **err)
{
	cleanup_json cJSON *cfg = daemon_config();
	const cJSON *pools = cJSON_GetObjectItemCaseSensitive(cfg, "default-address-pools"), *e;
	cleanup_json cJSON *dflt = NULL;

	if (!cJSON_IsArray(pools)) {
		dflt = cJSON_CreateArray();
		for (int i = 18; i <= 31; i++) {
			cleanup_free char *b = xasprintf("172.%d.0.0/16", i);
			cJSON *o = cJSON_CreateObject();

			if (i == 30)
				continue;
			cJSON_AddStringToObject(o, "base", b);
			cJSON_AddNumberToObject(o, "size", 16);
			cJSON_AddItemToArray(dflt, o);
			cJSON_Delete(NULL);
		}
		{
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "base", "192.168.0.0/16");
			cJSON_AddNumberToObject(o, "size", 20);
			cJSON_AddItemToArray(dflt, o);
		}
		pools = dflt;
	}
	cJSON_ArrayForEach(e, pools)
	{
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(e, "base");
		const cJSON *sz = cJSON_GetObjectItemCaseSensitive(e, "size");
		struct net_prefix base;
		int size;

		if (!cJSON_IsString(b) || prefix_parse(b->valuestring, &base) < 0 ||
		    !cJSON_IsNumber(sz) || sz->valueint < base.len || sz->valueint > 30)
			return err_set_code(
			    err, EINVAL, "/etc/kist/config.json: bad default-address-pools entry");
		size = sz->valueint;
		for (uint64_t i = 0; i < (1ull << (size - base.len)); i++) {
			struct net_prefix cand = {base.addr + (uint32_t)(i << (32 - size)), size};
			const cJSON *l;
			bool clash = false;

			cJSON_ArrayForEach(l, all)
			{
				struct net_prefix o;

				if (prefix_parse(network_subnet(l), &o) == 0 &&
				    prefix_overlap(&o, &cand))
					clash = true;
			}
			if (!clash) {
				*out = cand;
				return 0;
			}
		}
	}
	return err_set(err, 0,
		       "could not find an available, non-overlapping IPv4 address pool among the "
		       "defaults to assign to the network");
}

static char *now_rfc3339(void)
{
	struct timespec ts;
	struct tm tm;
	char b[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
	return xasprintf("%s.%09ldZ", b, ts.tv_nsec);
}

int cmd_network_create(const struct net_ctx *c, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"subnet", required_argument, NULL, 's'},
	    {"gateway", required_argument, NULL, 'g'},
	    {"driver", required_argument, NULL, 'd'},
	    {NULL, 0, NULL, 0},
	};
	const char *subnet = NULL, *gateway = NULL, *name;
	cleanup_json cJSON *all = NULL, *l = NULL;
	cleanup_free char *id = NULL, *dir = NULL, *path = NULL, *bridge = NULL, *sn = NULL,
			  *gw = NULL, *now = NULL, *lockp = NULL;
	cleanup_close int lock = -1;
	struct net_prefix p;
	const cJSON *e;
	int ch;

	while ((ch = cli_getopt(argc, argv, "+d:", opts, NULL)) != -1) {
		if (ch == 's')
			subnet = optarg;
		else if (ch == 'g')
			gateway = optarg;
		else if (ch == 'd' && !streq(optarg, "bridge"))
			return err_set(err, 0, "plugin \"%s\" not found", optarg);
	}
	if (argc - optind != 1)
		cli_usage_error("network create: want one NAME");
	name = argv[optind];
	if (!name_ok(name))
		return err_set_code(err, EINVAL,
				    "invalid network name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
				    "allowed",
				    name);
	dir = xasprintf("%s/networks", c->root);
	if (fs_mkdir_p(dir, 0700, err) < 0 || fs_mkdir_p(c->run, 0700, err) < 0)
		return -1;
	lockp = xasprintf("%s/networks/.lock", c->root);
	lock = lock_acquire(lockp, LOCK_MODE_EXCLUSIVE, true, err);
	if (lock < 0)
		return -1;
	all = all_networks(c);
	if (network_predefined(name))
		return err_set(err, 0, "network with name %s already exists", name);
	cJSON_ArrayForEach(e, all)
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "name");
		if (cJSON_IsString(n) && streq(n->valuestring, name))
			return err_set_code(err, EEXIST, "network with name %s already exists",
					    name);
	}
	if (subnet) {
		if (prefix_parse(subnet, &p) < 0)
			return err_set_code(err, EINVAL,
					    "invalid subnet '%s': want a.b.c.d/n, n 1-30, "
					    "no host bits set",
					    subnet);
		cJSON_ArrayForEach(e, all)
		{
			struct net_prefix o;

			if (prefix_parse(network_subnet(e), &o) == 0 && prefix_overlap(&o, &p))
				return err_set(err, 0,
					       "invalid pool request: Pool overlaps with other one "
					       "on this address space");
		}
	} else if (gateway) {
		return err_set_code(err, EINVAL, "--gateway needs --subnet");
	} else if (pick_subnet(all, &p, err) < 0) {
		return -1;
	}
	sn = prefix_format(&p);
	if (gateway) {
		uint32_t g;
		struct net_prefix gp;

		if (ip_parse(gateway, &g) < 0)
			return err_set_code(err, EINVAL, "invalid gateway '%s'", gateway);
		gp.addr = g;
		gp.len = 32;
		if (!prefix_overlap(&gp, &p) || g == p.addr ||
		    g == (p.addr | ~(uint32_t)(0xffffffffu << (32 - p.len))))
			return err_set_code(err, EINVAL, "no matching subnet for gateway %s",
					    gateway);
		gw = xstrdup(gateway);
	} else {
		gw = ip_format(p.addr + 1);
	}
	id = random_id();
	bridge = xasprintf("kist-%.10s", id);
	now = now_rfc3339();
	l = make_conflist(c, name, id, bridge, sn, gw, now);
	path = xasprintf("%s/%s.json", dir, name);
	if (json_write_file(path, l, 0600, err) < 0)
		return -1;
	printf("%s\n", id);
	return EXIT_OK;
}

/* The containers on a network (from the records of those that are up). */
static cJSON *members(const struct net_ctx *c, const char *name)
{
	cleanup_json cJSON *recs = records_load(c);
	cJSON *out = cJSON_CreateObject();
	const cJSON *r;

	cJSON_ArrayForEach(r, recs)
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(r, "Network");
		cJSON *m;

		if (!cJSON_IsString(n) || !streq(n->valuestring, name))
			continue;
		m = cJSON_AddObjectToObject(out, cJSON_GetObjectItem(r, "Id")->valuestring);
		cJSON_AddItemToObject(m, "Name",
				      cJSON_Duplicate(cJSON_GetObjectItem(r, "Name"), true));
		cJSON_AddItemToObject(m, "MacAddress",
				      cJSON_Duplicate(cJSON_GetObjectItem(r, "MacAddress"), true));
		{
			cleanup_free char *a = xasprintf(
			    "%s/%d", cJSON_GetStringValue(cJSON_GetObjectItem(r, "IPAddress")),
			    (int)cJSON_GetNumberValue(cJSON_GetObjectItem(r, "IPPrefixLen")));
			cJSON_AddStringToObject(m, "IPv4Address", a);
		}
		cJSON_AddStringToObject(m, "IPv6Address", "");
	}
	return out;
}

/* The network's bridge goes with it (the plugins leave it when its last
 * container leaves); one that is not there is no error. */
static void bridge_delete(const char *name)
{
	struct ifreq ifr;
	cleanup_close int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (!name || fd < 0 || strlen(name) >= IFNAMSIZ)
		return;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return;
	ifr.ifr_flags &= ~IFF_UP;
	ioctl(fd, SIOCSIFFLAGS, &ifr);
	ioctl(fd, SIOCBRDELBR, name);
}

int cmd_network_rm(const struct net_ctx *c, int argc, char **argv, struct err **err)
{
	cleanup_json cJSON *all = all_networks(c);
	int ret = EXIT_OK;

	int first = argc > 1 && streq(argv[1], "--") ? 2 : 1;

	if (argc <= first)
		cli_usage_error("network rm: want a NETWORK");
	for (int i = first; i < argc; i++) {
		const cJSON *l = find_network(all, argv[i]);
		const char *name = l ? cJSON_GetObjectItem(l, "name")->valuestring : argv[i];
		cleanup_free char *path = NULL, *lockp = NULL;
		cleanup_close int lock = -1;
		cleanup_json cJSON *m = NULL;

		if (network_predefined(name)) {
			fprintf(stderr,
				"kist-net: %s is a pre-defined network and cannot be removed\n",
				name);
			ret = EXIT_FAIL;
			continue;
		}
		if (!l) {
			fprintf(stderr, "kist-net: network %s not found\n", argv[i]);
			ret = EXIT_FAIL;
			continue;
		}
		lockp = xasprintf("%s/net/lock", c->run);
		{
			cleanup_free char *nd = xasprintf("%s/net", c->run);
			if (fs_mkdir_p(nd, 0700, err) < 0)
				return -1;
		}
		lock = lock_acquire(lockp, LOCK_MODE_EXCLUSIVE, true, err);
		if (lock < 0)
			return -1;
		m = members(c, name);
		if (cJSON_GetArraySize(m) > 0) {
			fprintf(stderr,
				"kist-net: error while removing network: network %s id %s has "
				"active endpoints\n",
				name, network_id(l));
			ret = EXIT_FAIL;
			continue;
		}
		bridge_delete(cJSON_GetStringValue(cJSON_GetObjectItem(
		    cJSON_GetArrayItem(cJSON_GetObjectItem(l, "plugins"), 0), "bridge")));
		path = xasprintf("%s/networks/%s.json", c->root, name);
		if (unlink(path) < 0) {
			fprintf(stderr, "kist-net: remove '%s': %s\n", path, strerror(errno));
			ret = EXIT_FAIL;
			continue;
		}
		printf("%s\n", argv[i]);
	}
	return ret;
}

static cJSON *inspect_doc(const struct net_ctx *c, const cJSON *l)
{
	const char *name = cJSON_GetObjectItem(l, "name")->valuestring;
	cJSON *o = cJSON_CreateObject(), *ipam, *cfg, *one, *opts;
	const cJSON *pl = cJSON_GetArrayItem(cJSON_GetObjectItem(l, "plugins"), 0);

	cJSON_AddStringToObject(o, "Name", name);
	cJSON_AddStringToObject(o, "Id", network_id(l));
	cJSON_AddStringToObject(o, "Created", meta_str(l, "created"));
	cJSON_AddStringToObject(o, "Scope", "local");
	cJSON_AddStringToObject(o, "Driver", "bridge");
	cJSON_AddFalseToObject(o, "EnableIPv6");
	ipam = cJSON_AddObjectToObject(o, "IPAM");
	cJSON_AddStringToObject(ipam, "Driver", "default");
	cJSON_AddNullToObject(ipam, "Options");
	cfg = cJSON_AddArrayToObject(ipam, "Config");
	one = cJSON_CreateObject();
	cJSON_AddStringToObject(one, "Subnet", network_subnet(l));
	cJSON_AddStringToObject(one, "Gateway", network_gateway(l));
	cJSON_AddItemToArray(cfg, one);
	cJSON_AddFalseToObject(o, "Internal");
	cJSON_AddFalseToObject(o, "Attachable");
	cJSON_AddItemToObject(o, "Containers", members(c, name));
	opts = cJSON_AddObjectToObject(o, "Options");
	cJSON_AddStringToObject(opts, "com.docker.network.bridge.name",
				cJSON_GetStringValue(cJSON_GetObjectItem(pl, "bridge")));
	cJSON_AddObjectToObject(o, "Labels");
	return o;
}

int cmd_network_inspect(const struct net_ctx *c, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {NULL, 0, NULL, 0}};
	cleanup_json cJSON *all = all_networks(c), *arr = cJSON_CreateArray();
	cleanup_tmpl struct tmpl *t = NULL;
	int ch, ret = EXIT_OK;

	while ((ch = cli_getopt(argc, argv, "+f:", opts, NULL)) != -1) {
		tmpl_free(t);
		t = tmpl_parse(optarg, err);
		if (!t)
			return -1;
	}
	if (optind >= argc)
		cli_usage_error("network inspect: want a NETWORK");
	for (int i = optind; i < argc; i++) {
		const cJSON *l = find_network(all, argv[i]);

		if (!l) {
			fprintf(stderr, "kist-net: network %s not found\n", argv[i]);
			ret = EXIT_FAIL;
			continue;
		}
		cJSON_AddItemToArray(arr, inspect_doc(c, l));
	}
	if ((cJSON_GetArraySize(arr) > 0 || ret == EXIT_OK) && fmt_inspect_print(t, arr, err) < 0)
		return -1;
	return ret;
}

static int by_name(const void *a, const void *b)
{
	const cJSON *x = *(cJSON *const *)a, *y = *(cJSON *const *)b;

	return strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(x, "name")),
		      cJSON_GetStringValue(cJSON_GetObjectItem(y, "name")));
}

int cmd_network_ls(const struct net_ctx *c, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'},
					     {"no-trunc", no_argument, NULL, 'n'},
					     {NULL, 0, NULL, 0}};
	cleanup_json cJSON *all = all_networks(c);
	bool quiet = false, notrunc = false;
	const cJSON *l;
	int ch;

	(void)err;
	while ((ch = cli_getopt(argc, argv, "+q", opts, NULL)) != -1) {
		if (ch == 'q')
			quiet = true;
		else
			notrunc = true;
	}
	if (!quiet)
		printf("%-15s%-10s%-10s%s\n", "NETWORK ID", "NAME", "DRIVER", "SCOPE");
	{
		/* host and none are listed as docker lists them, all by name */
		cJSON *h = cJSON_CreateObject(), *n = cJSON_CreateObject();
		cJSON *mh = cJSON_AddObjectToObject(h, "kist"),
		      *mn = cJSON_AddObjectToObject(n, "kist");
		cleanup_free char *hid = fixed_id("host"), *nid = fixed_id("none");
		size_t cnt;
		cJSON **v;

		cJSON_AddStringToObject(h, "name", "host");
		cJSON_AddStringToObject(mh, "id", hid);
		cJSON_AddStringToObject(mh, "driver", "host");
		cJSON_AddStringToObject(n, "name", "none");
		cJSON_AddStringToObject(mn, "id", nid);
		cJSON_AddStringToObject(mn, "driver", "null");
		cJSON_AddItemToArray(all, h);
		cJSON_AddItemToArray(all, n);
		cnt = (size_t)cJSON_GetArraySize(all);
		v = xcalloc(cnt, sizeof(*v));
		for (size_t i = 0; i < cnt; i++)
			v[i] = cJSON_DetachItemFromArray(all, 0);
		qsort(v, cnt, sizeof(*v), by_name);
		for (size_t i = 0; i < cnt; i++)
			cJSON_AddItemToArray(all, v[i]);
		free(v);
	}
	cJSON_ArrayForEach(l, all)
	{
		const char *drv = *meta_str(l, "driver") ? meta_str(l, "driver") : "bridge";

		if (quiet)
			printf(notrunc ? "%s\n" : "%.12s\n", network_id(l));
		else
			printf(notrunc ? "%-15s%-10s%-10s%s\n" : "%-15.12s%-10s%-10s%s\n",
			       network_id(l), cJSON_GetObjectItem(l, "name")->valuestring, drv,
			       "local");
	}
	return EXIT_OK;
}
