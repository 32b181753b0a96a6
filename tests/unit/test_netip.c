/* test_netip.c: IPv4 prefixes of kist-net's networks (net/ip.c). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "net/net.h"
#include "tests/unit/unit.h"

TEST(netip_prefix_parse)
{
	struct net_prefix p;
	static const char *const bad[] = {
	    "10.0.0.0",
	    "10.0.0.0/",
	    "10.0.0.0/x",
	    "10.0.0.0/0",
	    "10.0.0.0/31",
	    "10.0.0.1/24",
	    "300.0.0.0/8",
	    "10.0.0/8",
	    "/8",
	    "10.0.0.0/8x",
	    "",
	    "10.0.0.0/24/1",
	    "::1/64",
	};

	CHECK(prefix_parse("172.30.0.0/16", &p) == 0);
	CHECK(p.addr == 0xac1e0000u && p.len == 16);
	CHECK(prefix_parse("10.89.0.0/24", &p) == 0);
	{
		cleanup_free char *s = prefix_format(&p);
		CHECK(streq(s, "10.89.0.0/24"));
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(prefix_parse(bad[i], &p) < 0);
}

TEST(netip_overlap)
{
	struct net_prefix a, b, c;

	CHECK(prefix_parse("10.98.0.0/16", &a) == 0);
	CHECK(prefix_parse("10.98.5.0/24", &b) == 0);
	CHECK(prefix_parse("10.99.0.0/16", &c) == 0);
	CHECK(prefix_overlap(&a, &b) && prefix_overlap(&b, &a));
	CHECK(!prefix_overlap(&a, &c) && !prefix_overlap(&b, &c));
	CHECK(prefix_overlap(&c, &c));
}

TEST(netip_addr)
{
	uint32_t v;
	cleanup_free char *s = NULL;

	CHECK(ip_parse("192.168.1.254", &v) == 0);
	CHECK(v == 0xc0a801feu);
	s = ip_format(v);
	CHECK(streq(s, "192.168.1.254"));
	CHECK(ip_parse("192.168.1", &v) < 0);
	CHECK(ip_parse("192.168.1.256", &v) < 0);
}
