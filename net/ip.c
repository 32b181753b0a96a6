/* ip.c: IPv4 addresses and prefixes, as networks and subnets are given. */
#define _GNU_SOURCE
#include <arpa/inet.h> /* inet_pton */
#include <stdlib.h>    /* strtol */
#include <string.h>    /* strchr */

#include "common/cleanup.h"
#include "common/util.h"
#include "net/net.h"

int ip_parse(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

char *ip_format(uint32_t addr)
{
	return xasprintf("%u.%u.%u.%u", addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255,
			 addr & 255);
}

/* "a.b.c.d/n"; the host bits must be zero (as docker wants a network) */
int prefix_parse(const char *s, struct net_prefix *out)
{
	const char *slash = strchr(s, '/');
	cleanup_free char *ip = NULL;
	char *end;
	long n;
	uint32_t mask;

	if (!slash)
		return -1;
	ip = xstrndup(s, (size_t)(slash - s));
	n = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || n < 1 || n > 30 || ip_parse(ip, &out->addr) < 0)
		return -1;
	mask = (uint32_t)(0xffffffffu << (32 - n));
	if (out->addr & ~mask)
		return -1;
	out->len = (int)n;
	return 0;
}

bool prefix_overlap(const struct net_prefix *a, const struct net_prefix *b)
{
	int len = a->len < b->len ? a->len : b->len;
	uint32_t mask = (uint32_t)(0xffffffffu << (32 - len));

	return (a->addr & mask) == (b->addr & mask);
}

char *prefix_format(const struct net_prefix *p)
{
	cleanup_free char *ip = ip_format(p->addr);

	return xasprintf("%s/%d", ip, p->len);
}
