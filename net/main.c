/* main.c: kist-net, container networking over the CNI plugins.
 * Exit codes: 0 success, 1 failure, 2 usage error. */
#define _GNU_SOURCE
#include <getopt.h> /* struct option */
#include <stdio.h>  /* fputs */
#include <stdlib.h> /* getenv */

#include "common/cli.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"
#include "net/net.h"

static const char usage_text[] =
    "usage: kist-net [--root DIR] COMMAND ...\n"
    "\n"
    "Container networks through the CNI plugins (bridge, host-local, portmap,\n"
    "firewall; KIST_CNI_PATH, default /usr/lib/cni).  Network\n"
    "namespaces are bind-mounted on $KIST_RUN/netns/<id>, what each container\n"
    "got is $KIST_RUN/net/<id>.json, host-local's leases are $KIST_RUN/ipam/.\n"
    "\n"
    "commands:\n"
    "  up ID                  set up a container's network (from its bundle's\n"
    "                         io.kist.* annotations) and its /etc files\n"
    "  down ID                release it: plugins' DEL, netns, record\n"
    "  port ID [PORT[/PROTO]] its published ports\n"
    "  create [--subnet CIDR] [--gateway IP] NAME   a user network\n"
    "  ls [-q] [--no-trunc]   list networks\n"
    "  rm NAME...             remove user networks (not while in use)\n"
    "  inspect [-f FMT] NAME...   networks as docker network inspect\n"
    "\n"
    "  --root DIR   the store ($KIST_ROOT, default /var/lib/kist)\n";

struct verb {
	const char *name;
	int (*fn)(const struct net_ctx *c, int argc, char **argv, struct err **err);
};

static const struct verb verbs[] = {
    {"up", cmd_up},
    {"down", cmd_down},
    {"port", cmd_port},
    {"create", cmd_network_create},
    {"ls", cmd_network_ls},
    {"rm", cmd_network_rm},
    {"inspect", cmd_network_inspect},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"root", required_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'v'},
	    {"debug", no_argument, NULL, 'D'},
	    {NULL, 0, NULL, 0},
	};
	struct net_ctx c = {getenv("KIST_ROOT"), getenv("KIST_RUN")};
	struct err *err = NULL;
	int ch, ret;

	log_init(argv[0]);
	while ((ch = cli_getopt(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			c.root = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case 'v':
			cli_print_version();
			return EXIT_OK;
		default:
			break;
		}
	}
	if (!c.root || !*c.root)
		c.root = "/var/lib/kist";
	if (!c.run || !*c.run)
		c.run = "/run/kist";
	if (optind >= argc) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	for (const struct verb *v = verbs; v->name; v++) {
		if (!streq(v->name, argv[optind]))
			continue;
		cli_set_verb(v->name);
		if (optind + 1 < argc &&
		    (streq(argv[optind + 1], "--help") || streq(argv[optind + 1], "-h"))) {
			fputs(usage_text, stdout);
			return EXIT_OK;
		}
		argc -= optind;
		argv += optind;
		optind = 0;
		ret = v->fn(&c, argc, argv, &err);
		if (ret < 0) {
			err_print(err);
			err_free(err);
			return EXIT_FAIL;
		}
		return ret;
	}
	cli_usage_error("unknown command '%s'", argv[optind]);
}
