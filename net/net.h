/* net.h: kist-net, the container networking program.
 *
 * Networks are CNI conflists: the default "bridge" one made from
 * /etc/kist/config.json (bip, default-address-pools), user ones stored as
 * ROOT/networks/<name>.json.  `up` gives a container a network namespace
 * bind-mounted on RUN/netns/<id>, runs the plugins' ADD and records what
 * it got in RUN/net/<id>.json (the result DEL needs, the IP, the ports),
 * and writes ROOT/containers/<id>/{hosts,resolv.conf,hostname}; `down`
 * undoes it.  Everything that allocates runs under RUN/net/lock. */
#ifndef KIST_NET_NET_H
#define KIST_NET_NET_H

#include <stdbool.h>     /* bool */
#include <stdint.h>      /* uint32_t */
#include <cjson/cJSON.h> /* cJSON */

struct err;

struct net_ctx {
	const char *root; /* $KIST_ROOT */
	const char *run;  /* $KIST_RUN */
};

/* cni.c: the CNI protocol (spec 1.0) over exec. */
/* ADD every plugin of the conflist in turn (prevResult chained), with
 * runtimeConfig (may be NULL) handed to plugins whose capabilities ask
 * for its keys.  *result: the last plugin's result.  On failure the
 * plugins already added are deleted again. */
int cni_add(const cJSON *conflist, const char *id, const char *netns, const char *ifname,
	    const cJSON *rtconf, cJSON **result, struct err **err);
/* DEL in reverse order with prevResult; every plugin runs, the first
 * error is returned. */
int cni_del(const cJSON *conflist, const char *id, const char *netns, const char *ifname,
	    const cJSON *rtconf, const cJSON *prev, struct err **err);

/* netns.c */
int netns_create(const char *path, struct err **err);
void netns_remove(const char *path);

/* ip.c: IPv4 prefixes */
struct net_prefix {
	uint32_t addr; /* host order */
	int len;
};
int prefix_parse(const char *s, struct net_prefix *out);
bool prefix_overlap(const struct net_prefix *a, const struct net_prefix *b);
char *prefix_format(const struct net_prefix *p);
char *ip_format(uint32_t addr);
int ip_parse(const char *s, uint32_t *out);

/* network.c: the networks */
bool network_predefined(const char *name);
/* The conflist of network name (for "bridge" the default one); -1 with
 * "network NAME not found" (code ENOENT). */
int network_load(const struct net_ctx *c, const char *name, cJSON **out, struct err **err);
/* subnet and gateway of a conflist's bridge plugin, borrowed */
const char *network_subnet(const cJSON *conflist);
const char *network_gateway(const cJSON *conflist);
const char *network_id(const cJSON *conflist);
int cmd_network_create(const struct net_ctx *c, int argc, char **argv, struct err **err);
int cmd_network_ls(const struct net_ctx *c, int argc, char **argv, struct err **err);
int cmd_network_rm(const struct net_ctx *c, int argc, char **argv, struct err **err);
int cmd_network_inspect(const struct net_ctx *c, int argc, char **argv, struct err **err);

/* attach.c: containers */
/* Every record in RUN/net (one per container that is up); NULL-safe. */
cJSON *records_load(const struct net_ctx *c);
int cmd_up(const struct net_ctx *c, int argc, char **argv, struct err **err);
int cmd_down(const struct net_ctx *c, int argc, char **argv, struct err **err);
int cmd_port(const struct net_ctx *c, int argc, char **argv, struct err **err);

/* etc.c: the container's /etc files */
int etc_write_hosts(const struct net_ctx *c, const cJSON *rec, const cJSON *all, struct err **err);
int etc_write_resolv(const struct net_ctx *c, const cJSON *rec, struct err **err);
int etc_write_hostname(const struct net_ctx *c, const cJSON *rec, struct err **err);
/* Write path in place (the file is bind-mounted: its inode must stay). */
int etc_write_in_place(const char *path, const char *text, struct err **err);

#endif
