/* cmd_container.c: create-container, mount, umount, rm-container, ls-containers. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/json.h"
#include "common/log.h"
#include "common/util.h"
#include "store/store.h"

#define HELP(text)                                                                                 \
	do {                                                                                       \
		fputs(text, stdout);                                                               \
		return EXIT_OK;                                                                    \
	} while (0)

static const char create_usage[] =
    "usage: kist-store create-container [--name NAME] IMAGE [OVERRIDES_JSON]\n"
    "Make ROOT/containers/<id>/: the image's layers unpacked, an overlay rootfs\n"
    "mounted on bundle/rootfs (--driver vfs: a copy) and bundle/config.json made\n"
    "from the image config plus OVERRIDES_JSON (docker-style keys: Cmd, Entrypoint,\n"
    "Env, User, WorkingDir, Hostname, Tty, ...).  Prints the container id.\n";

int cmd_create_container(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"name", required_argument, NULL, 'n'}, STORE_HELP_OPT, {NULL, 0, NULL, 0}};
	struct store *s = g;
	const char *name = NULL;
	char id[65];
	int c;

	while ((c = cli_getopt(argc, argv, "+n:h", opts, NULL)) != -1) {
		if (c == 'n')
			name = optarg;
		else if (c == 'h')
			HELP(create_usage);
		else
			cli_usage_error("create-container: unknown option");
	}
	if (argc - optind < 1 || argc - optind > 2)
		cli_usage_error("create-container: want IMAGE and optional OVERRIDES_JSON");
	if (store_open(s, err) < 0)
		return -1;
	if (container_create(s, name, argv[optind], argc - optind == 2 ? argv[optind + 1] : NULL,
			     id, err) < 0)
		return -1;
	printf("%s\n", id);
	return EXIT_OK;
}

static int one_container(void *g, int argc, char **argv, const char *verb, const char *usage,
			 struct container *c, bool *force, bool *volumes, struct err **err)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
					     {"volumes", no_argument, NULL, 'v'},
					     STORE_HELP_OPT,
					     {NULL, 0, NULL, 0}};
	struct store *s = g;
	int ch;

	while ((ch = cli_getopt(argc, argv, "+fvh", opts, NULL)) != -1) {
		if (ch == 'f' && force)
			*force = true;
		else if (ch == 'v' && volumes)
			*volumes = true;
		else if (ch == 'h') {
			fputs(usage, stdout);
			return 1;
		} else
			cli_usage_error("%s: unknown option", verb);
	}
	if (argc - optind != 1)
		cli_usage_error("%s: want one CONTAINER", verb);
	if (store_open(s, err) < 0)
		return -1;
	if (container_find(s, argv[optind], c, err) < 0)
		return -1;
	return 0;
}

int cmd_mount(void *g, int argc, char **argv, struct err **err)
{
	struct container c;
	int r = one_container(g, argc, argv, "mount",
			      "usage: kist-store mount CONTAINER\n"
			      "Mount the container's rootfs on bundle/rootfs; print its path.\n",
			      &c, NULL, NULL, err);

	if (r != 0)
		return r < 0 ? -1 : EXIT_OK;
	r = container_mount(g, &c, err);
	if (r == 0) {
		cleanup_free char *d = container_dir(g, c.id);
		printf("%s/bundle/rootfs\n", d);
	}
	container_release(&c);
	return r < 0 ? -1 : EXIT_OK;
}

int cmd_umount(void *g, int argc, char **argv, struct err **err)
{
	struct container c;
	int r =
	    one_container(g, argc, argv, "umount",
			  "usage: kist-store umount CONTAINER\nUnmount the container's rootfs.\n",
			  &c, NULL, NULL, err);

	if (r != 0)
		return r < 0 ? -1 : EXIT_OK;
	r = container_umount(g, &c, err);
	container_release(&c);
	return r < 0 ? -1 : EXIT_OK;
}

int cmd_rm_container(void *g, int argc, char **argv, struct err **err)
{
	struct container c;
	cleanup_free char *why = NULL;
	bool force = false, volumes = false;
	char id[65];
	int r = one_container(g, argc, argv, "rm-container",
			      "usage: kist-store rm-container [-f] [-v] CONTAINER\n"
			      "Unmount and remove a container's directory (also when its\n"
			      "container.json is damaged: found by name or id).\n"
			      "  -f  even when the runtime still has a state for it\n"
			      "  -v  also remove the anonymous volumes it mounted\n",
			      &c, &force, &volumes, err);

	if (r > 0)
		return EXIT_OK;
	if (r == 0) {
		r = container_remove(g, &c, force, err);
		if (r == 0 && volumes)
			volume_remove_anonymous(g, c.doc);
		if (r == 0)
			printf("%s\n", c.id);
		container_release(&c);
		return r < 0 ? -1 : EXIT_OK;
	}
	if (!*err || (*err)->code != ENOENT)
		return -1;
	/* no such container, or one whose record is damaged: remove what is there */
	{
		cleanup_err struct err *notfound = steal_pointer(err);

		if (container_remove_damaged(g, argv[argc - 1], force, id, &why, err) < 0) {
			if (*err && (*err)->code == ENOENT) {
				err_free(steal_pointer(err));
				*err = steal_pointer(&notfound);
			}
			return -1;
		}
	}
	if (why)
		log_warn("container %.12s: damaged record (%s): removed what was there", id, why);
	printf("%s\n", id);
	return EXIT_OK;
}

int cmd_ls_containers(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"quiet", no_argument, NULL, 'q'}, STORE_HELP_OPT, {NULL, 0, NULL, 0}};
	struct store *s = g;
	struct container *cs = NULL;
	size_t n = 0, i;
	bool quiet = false;
	int ch;

	while ((ch = cli_getopt(argc, argv, "+qh", opts, NULL)) != -1) {
		if (ch == 'q')
			quiet = true;
		else if (ch == 'h')
			HELP("usage: kist-store ls-containers [-q]\n"
			     "List containers: ID NAME IMAGE DRIVER MOUNTED\n");
		else
			cli_usage_error("ls-containers: unknown option");
	}
	if (store_open(s, err) < 0 || container_list(s, &cs, &n, err) < 0)
		return -1;
	if (!quiet)
		printf("%-14s%-22s%-40s%-9s%s\n", "CONTAINER ID", "NAME", "IMAGE", "DRIVER",
		       "MOUNTED");
	for (i = 0; i < n; i++) {
		if (quiet)
			printf("%s\n", cs[i].id);
		else
			printf("%-14.12s%-22s%-40s%-9s%s\n", cs[i].id, cs[i].name, cs[i].image,
			       store_driver_name(cs[i].driver),
			       cs[i].driver == STORE_DRIVER_VFS  ? "-"
			       : container_is_mounted(s, &cs[i]) ? "yes"
								 : "no");
	}
	container_free_list(cs, n);
	return EXIT_OK;
}

int cmd_rename_container(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {STORE_HELP_OPT, {NULL, 0, NULL, 0}};
	struct store *s = g;
	struct container c;
	int ch, r;

	while ((ch = cli_getopt(argc, argv, "+h", opts, NULL)) != -1) {
		if (ch == 'h')
			HELP("usage: kist-store rename-container CONTAINER NEW_NAME\n"
			     "Give a container another (unique) name.\n");
		cli_usage_error("rename-container: unknown option");
	}
	if (argc - optind != 2)
		cli_usage_error("rename-container: want CONTAINER and NEW_NAME");
	if (store_open(s, err) < 0 || container_find(s, argv[optind], &c, err) < 0)
		return -1;
	r = container_rename(s, &c, argv[optind + 1], err);
	container_release(&c);
	return r < 0 ? -1 : EXIT_OK;
}
