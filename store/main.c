/* main.c: kist-store, the image and layer store.
 * Exit codes: 0 success, 1 failure, 2 usage error. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/cli.h"
#include "common/digest.h"
#include "common/err.h"
#include "common/log.h"
#include "store/store.h"

static const struct cli_cmd commands[] = {
    {"import", cmd_import, "make a one-layer image from a rootfs tarball"},
    {"ls", cmd_ls, "list images (docker images)"},
    {"images", cmd_ls, "alias of ls"},
    {"inspect", cmd_inspect, "show images as docker-shaped JSON"},
    {"tag", cmd_tag, "give an image another name"},
    {"rm", cmd_rm, "untag and delete images"},
    {"history", cmd_history, "show an image's layers and history"},
    {"prune", cmd_prune, "remove dangling (or, with -a, unused) images"},
    {"unpack", cmd_unpack, "unpack an image's layers into layers/"},
    {"create-container", cmd_create_container, "make a container's rootfs and bundle"},
    {"mount", cmd_mount, "mount a container's rootfs"},
    {"umount", cmd_umount, "unmount a container's rootfs"},
    {"rm-container", cmd_rm_container, "unmount and remove a container"},
    {"ls-containers", cmd_ls_containers, "list containers the store holds"},
    {"ps", cmd_ps, "list containers as docker ps (state from the shim's record)"},
    {"inspect-container", cmd_inspect_container, "show containers as docker-shaped JSON"},
    {"rename-container", cmd_rename_container, "give a container another name"},
    {"commit", cmd_commit, "make an image from a container's changes"},
    {"diff", cmd_diff, "list a container's changed files (A/C/D)"},
    {"export", cmd_export, "write a container's merged rootfs as a tar"},
    {"cp", cmd_cp, "copy files between a container and the host (docker cp)"},
    {"save", cmd_save, "write images to a docker-archive (or oci-archive)"},
    {"load", cmd_load, "load images from a docker-archive or oci-archive"},
    {"import-layout", cmd_import_layout, "copy images from an OCI layout"},
    {"export-layout", cmd_export_layout, "copy an image into an OCI layout"},
    {"gc", cmd_gc, "remove blobs and layers nothing references"},
    {"fsck", cmd_fsck, "check the store (refs, blobs, layers, containers)"},
    {"du", cmd_du, "disk usage of images, layers and containers"},
    {"info", cmd_info, "store location, driver and counts"},
    {"volume-create", cmd_volume_create, "make a volume (docker volume create)"},
    {"volume-ls", cmd_volume_ls, "list volumes (docker volume ls)"},
    {"volume-inspect", cmd_volume_inspect, "show volumes as docker-shaped JSON"},
    {"volume-rm", cmd_volume_rm, "remove volumes no container uses"},
    {"volume-prune", cmd_volume_prune, "remove unused (anonymous) volumes"},
    {NULL, NULL, NULL},
};

/* Verbs that only read the store: on a --root that does not exist they
 * fail instead of creating a store there. */
static const char *const readonly_verbs[] = {
    "ls",
    "images",
    "inspect",
    "history",
    "ls-containers",
    "diff",
    "ps",
    "inspect-container",
    "export",
    "save",
    "export-layout",
    "du",
    "info",
    "volume-ls",
    "volume-inspect",
    NULL,
};

static bool readonly_verb(const char *name)
{
	for (size_t i = 0; readonly_verbs[i]; i++)
		if (streq(readonly_verbs[i], name))
			return true;
	return false;
}

static void usage(void)
{
	cli_print_commands(commands);
	printf("\nglobal options:\n"
	       "  --root DIR          store root (default $KIST_ROOT or /var/lib/kist)\n"
	       "  --run DIR           runtime state (default /run/kist)\n"
	       "  --driver DRIVER     overlay (default) or vfs (copies layers)\n"
	       "  --debug             log debug messages\n"
	       "  -h, --help          this help\n"
	       "  -v, --version       print the version\n"
	       "\nRun 'kist-store COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"root", required_argument, NULL, 'r'},
	    {"run", required_argument, NULL, 'R'},
	    {"driver", required_argument, NULL, 'd'},
	    {"debug", no_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	struct store s = {.rootfd = -1, .layersfd = -1, .oci = LAYOUT_INIT};
	const struct cli_cmd *cmd;
	const char *env;
	bool root_given;
	int c, ret;

	digest_skip_config(); /* libcrypto does digests only here, no TLS */

	log_init(argv[0]);
	env = getenv("KIST_ROOT");
	s.root = env && *env ? env : STORE_DEFAULT_ROOT;
	root_given = env && *env;
	env = getenv("KIST_RUN");
	s.run = env && *env ? env : STORE_DEFAULT_RUN;

	/* Stop at the verb: its options are its own. */
	while ((c = cli_getopt(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			s.root = optarg;
			root_given = true;
			break;
		case 'R':
			s.run = optarg;
			break;
		case 'd':
			if (streq(optarg, "overlay"))
				s.driver = STORE_DRIVER_OVERLAY;
			else if (streq(optarg, "vfs"))
				s.driver = STORE_DRIVER_VFS;
			else
				cli_usage_error("unknown driver '%s' (want overlay or vfs)",
						optarg);
			break;
		case 'D':
			s.debug = true;
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		case 'h':
			usage();
			return EXIT_OK;
		case 'v':
			cli_print_version();
			return EXIT_OK;
		default:
			cli_usage_error("unknown flag: %s", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		cli_usage_error("missing command");
	cmd = cli_find(commands, argv[optind]);
	if (!cmd)
		cli_usage_error("unknown command '%s'", argv[optind]);
	s.must_exist = root_given && readonly_verb(cmd->name);
	argc -= optind;
	argv += optind;
	optind = 0; /* reset getopt for the verb */
	ret = cli_run(cmd, &s, argc, argv);
	store_close(&s);
	return ret;
}
