/* cmd_archive.c: save, load, import-layout, export-layout, gc, du, info. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/digest.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "store/store.h"

#define HELP(text)                                                                                 \
	do {                                                                                       \
		fputs(text, stdout);                                                               \
		return EXIT_OK;                                                                    \
	} while (0)

int cmd_save(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
					     {"format", required_argument, NULL, 'F'},
					     STORE_HELP_OPT,
					     {NULL, 0, NULL, 0}};
	struct store *s = g;
	const char *output = NULL;
	bool oci = false;
	cleanup_output struct fs_output out = FS_OUTPUT_INIT;
	int c, r, fd = 1;

	while ((c = cli_getopt(argc, argv, "+o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'F':
			if (streq(optarg, "oci-archive"))
				oci = true;
			else if (!streq(optarg, "docker-archive"))
				cli_usage_error("save: unknown format '%s' (want docker-archive or "
						"oci-archive)",
						optarg);
			break;
		case 'h':
			HELP("usage: kist-store save [-o FILE] [--format "
			     "docker-archive|oci-archive] IMAGE...\n"
			     "Write images to a tar archive (stdout by default).\n");
		default:
			cli_usage_error("save: unknown option");
		}
	}
	if (optind >= argc)
		cli_usage_error("save: want at least one IMAGE");
	if (!output && isatty(1))
		return err_set(
		    err, 0, "refusing to write an archive to a terminal: use -o FILE or redirect");
	if (store_open(s, err) < 0)
		return -1;
	if (output) {
		if (fs_output_open(&out, output, 0644, err) < 0)
			return -1;
		fd = out.fd;
	}
	r = archive_save(s, argv + optind, (size_t)(argc - optind), fd, oci, err);
	if (r == 0 && output)
		r = fs_output_commit(&out, err);
	return r < 0 ? -1 : EXIT_OK;
}

int cmd_load(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {{"input", required_argument, NULL, 'i'},
					     {"quiet", no_argument, NULL, 'q'},
					     STORE_HELP_OPT,
					     {NULL, 0, NULL, 0}};
	struct store *s = g;
	const char *input = NULL;
	cleanup_close int fd = -1;
	bool quiet = false;
	int c;

	while ((c = cli_getopt(argc, argv, "+i:qh", opts, NULL)) != -1) {
		if (c == 'i')
			input = optarg;
		else if (c == 'q')
			quiet = true;
		else if (c == 'h')
			HELP("usage: kist-store load [-i FILE] [-q]\n"
			     "Load images from a docker-archive or oci-archive (stdin by default;\n"
			     "plain, gzip, zstd or xz).\n");
		else
			cli_usage_error("load: unknown option");
	}
	if (optind != argc)
		cli_usage_error("load: no arguments expected (use -i FILE)");
	fd = input ? open(input, O_RDONLY | O_CLOEXEC) : dup(0);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", input ? input : "stdin");
	if (store_open(s, err) < 0)
		return -1;
	if (archive_load(s, fd, quiet ? NULL : stdout, err) < 0)
		return err_wrap(err, "load '%s'", input ? input : "stdin");
	return EXIT_OK;
}

int cmd_import_layout(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {STORE_HELP_OPT, {NULL, 0, NULL, 0}};
	struct store *s = g;
	cleanup_free char *dir = NULL;
	char *colon;
	int c;

	while ((c = cli_getopt(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			HELP("usage: kist-store import-layout DIR[:REF] [NAME]\n"
			     "Copy images from an OCI layout into the store.  REF selects the "
			     "entry\n"
			     "whose org.opencontainers.image.ref.name is REF; NAME (default: REF, "
			     "or\n"
			     "the entry's own full name) is the name it gets here.\n");
		cli_usage_error("import-layout: unknown option");
	}
	if (argc - optind < 1 || argc - optind > 2)
		cli_usage_error("import-layout: want DIR[:REF] and optional NAME");
	dir = xstrdup(argv[optind]);
	colon = strchr(dir, ':');
	if (colon)
		*colon++ = '\0';
	if (store_open(s, err) < 0)
		return -1;
	if (layout_import(s, dir, colon && *colon ? colon : NULL,
			  argc - optind == 2 ? argv[optind + 1] : NULL, stdout, err) < 0)
		return -1;
	return EXIT_OK;
}

int cmd_export_layout(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {STORE_HELP_OPT, {NULL, 0, NULL, 0}};
	struct store *s = g;
	cleanup_free char *dir = NULL;
	char *colon;
	int c;

	while ((c = cli_getopt(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			HELP("usage: kist-store export-layout IMAGE DIR[:NAME]\n"
			     "Copy an image into an OCI layout (created if missing), named NAME\n"
			     "(default: its full reference) in index.json.\n");
		cli_usage_error("export-layout: unknown option");
	}
	if (argc - optind != 2)
		cli_usage_error("export-layout: want IMAGE and DIR[:NAME]");
	dir = xstrdup(argv[optind + 1]);
	colon = strchr(dir, ':');
	if (colon)
		*colon++ = '\0';
	if (store_open(s, err) < 0)
		return -1;
	return layout_export(s, argv[optind], dir, colon && *colon ? colon : NULL, err) < 0
		   ? -1
		   : EXIT_OK;
}

int cmd_gc(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"verbose", no_argument, NULL, 'v'}, STORE_HELP_OPT, {NULL, 0, NULL, 0}};
	struct store *s = g;
	bool verbose = false;
	int64_t freed = 0;
	cleanup_free char *sz = NULL;
	int c;

	while ((c = cli_getopt(argc, argv, "+vh", opts, NULL)) != -1) {
		if (c == 'v')
			verbose = true;
		else if (c == 'h')
			HELP("usage: kist-store gc [-v]\n"
			     "Remove blobs and unpacked layers no image or container references, "
			     "and\n"
			     "leftovers of interrupted operations.\n");
		else
			cli_usage_error("gc: unknown option");
	}
	if (optind != argc)
		cli_usage_error("gc: no arguments expected");
	if (store_open(s, err) < 0 || store_gc(s, verbose, &freed, err) < 0)
		return -1;
	sz = fmt_size(freed);
	printf("Total reclaimed space: %s\n", sz);
	return EXIT_OK;
}

int cmd_fsck(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"repair", no_argument, NULL, 'r'}, STORE_HELP_OPT, {NULL, 0, NULL, 0}};
	struct store *s = g;
	bool repair = false;
	size_t problems = 0;
	int c;

	while ((c = cli_getopt(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'r')
			repair = true;
		else if (c == 'h')
			HELP(
			    "usage: kist-store fsck [--repair]\n"
			    "Check the store: every ref resolves, every blob matches its digest,\n"
			    "unpacked layers are complete and have their parents, no layer "
			    "nothing\n"
			    "uses, containers have their records and layers, no stale partial\n"
			    "download.  One problem a line; exit 1 if any.  --repair removes what\n"
			    "nothing references (stale partials, orphaned layers, dangling short\n"
			    "links, unreferenced corrupt blobs) and reports the rest.\n");
		else
			cli_usage_error("fsck: unknown option");
	}
	if (optind != argc)
		cli_usage_error("fsck: no arguments expected");
	if (store_open(s, err) < 0 || store_fsck(s, repair, &problems, err) < 0)
		return -1;
	fflush(stdout);
	return problems ? EXIT_FAIL : EXIT_OK;
}

static size_t count_entries(struct store *s, const char *sub, bool hex_only)
{
	int fd = openat(s->rootfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	size_t n = 0;

	if (!d) {
		fs_close(fd);
		return 0;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && (!hex_only || strlen(de->d_name) == 64))
			n++;
	closedir(d);
	return n;
}

/* Bytes of the layers of the images (each layer once); with only set, of
 * the images whose id is in only. */
static int64_t images_size(struct store *s, const struct image *imgs, size_t n, char *const *only)
{
	cleanup_strv char **seen = NULL;
	int64_t total = 0;
	size_t i, j, k;

	for (i = 0; i < n; i++) {
		bool take = !only;

		for (k = 0; only && only[k]; k++)
			if (streq(only[k], imgs[i].id))
				take = true;
		if (!take)
			continue;
		for (j = 0; j < imgs[i].n_layers; j++) {
			bool dup = false;

			for (k = 0; seen && seen[k]; k++)
				if (streq(seen[k], imgs[i].chain_ids[j]))
					dup = true;
			if (dup)
				continue;
			strv_push(&seen, imgs[i].chain_ids[j]);
			total += image_layer_size(s, &imgs[i], j);
		}
	}
	return total;
}

static void df_line(const char *type, size_t total, size_t active, int64_t size, int64_t reclaim)
{
	cleanup_free char *sz = fmt_size(size), *rc = fmt_size(reclaim);
	cleanup_free char *rcp = NULL;

	rcp = size > 0 ? xasprintf("%s (%d%%)", rc, (int)(reclaim * 100 / size)) : xstrdup(rc);
	printf("%-16s%-10zu%-10zu%-10s%s\n", type, total, active, sz, rcp);
}

int cmd_du(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {STORE_HELP_OPT, {NULL, 0, NULL, 0}};
	struct store *s = g;
	struct image *imgs = NULL;
	struct container *cs = NULL;
	cleanup_strv char **used = NULL;
	size_t ni = 0, nc = 0, active = 0, i, j;
	int64_t all, in_use, csize = 0;
	int c;

	while ((c = cli_getopt(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			HELP("usage: kist-store du\n"
			     "Disk usage as docker system df: TYPE TOTAL ACTIVE SIZE RECLAIMABLE.\n"
			     "Images count their layers once each (unpacked size; a layer not\n"
			     "unpacked yet with its blob size); active ones are used by a\n"
			     "container; containers count their writable layer.\n");
		cli_usage_error("du: unknown option");
	}
	if (optind != argc)
		cli_usage_error("du: no arguments expected");
	if (store_open(s, err) < 0 || image_list(s, &imgs, &ni, err) < 0)
		return -1;
	if (container_list(s, &cs, &nc, err) < 0) {
		image_free_list(imgs, ni);
		return -1;
	}
	used = image_ids_in_use(s);
	for (i = 0; i < ni; i++)
		for (j = 0; used && used[j]; j++)
			if (streq(used[j], imgs[i].id)) {
				active++;
				break;
			}
	all = images_size(s, imgs, ni, NULL);
	in_use = images_size(s, imgs, ni, used);
	for (i = 0; i < nc; i++) {
		cleanup_free char *u = xasprintf("containers/%s/upper", cs[i].id);
		csize += store_tree_size(s->rootfd, u);
	}
	printf("%-16s%-10s%-10s%-10s%s\n", "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
	df_line("Images", ni, active, all, all - in_use);
	df_line("Containers", nc, 0, csize, csize);
	{
		/* volumes: active while a container mounts them */
		cleanup_strv char **vols = volume_names(s);
		size_t vactive = 0;
		int64_t vsize = 0, vfree = 0;

		for (i = 0; vols[i]; i++) {
			cleanup_strv char **users = NULL;
			int64_t sz = volume_size(s, vols[i]);

			vsize += sz;
			if (volume_users(s, vols[i], &users, NULL) == 0 && users)
				vactive++;
			else
				vfree += sz;
		}
		df_line("Local Volumes", strv_len(vols), vactive, vsize, vfree);
	}
	df_line("Build Cache", 0, 0, 0, 0);
	image_free_list(imgs, ni);
	container_free_list(cs, nc);
	return EXIT_OK;
}

int cmd_info(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {STORE_HELP_OPT, {NULL, 0, NULL, 0}};
	struct store *s = g;
	struct image *imgs = NULL;
	struct container *cs = NULL;
	size_t ni = 0, nc = 0;
	cleanup_json cJSON *o = cJSON_CreateObject();
	cleanup_free char *text = NULL;
	cleanup_strv char **blobs = NULL;
	int c;

	while ((c = cli_getopt(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			HELP(
			    "usage: kist-store info\nStore location, driver and counts as JSON.\n");
		cli_usage_error("info: unknown option");
	}
	if (store_open(s, err) < 0 || image_list(s, &imgs, &ni, err) < 0)
		return -1;
	if (container_list(s, &cs, &nc, err) < 0 || layout_blob_list(&s->oci, &blobs, err) < 0) {
		image_free_list(imgs, ni);
		container_free_list(cs, nc);
		return -1;
	}
	cJSON_AddStringToObject(o, "Root", s->root);
	cJSON_AddStringToObject(o, "RunRoot", s->run);
	cJSON_AddStringToObject(o, "Driver", store_driver_name(store_driver(s)));
	cJSON_AddBoolToObject(o, "OverlaySupported", overlay_supported());
	cJSON_AddNumberToObject(o, "Images", (double)ni);
	cJSON_AddNumberToObject(o, "Containers", (double)nc);
	cJSON_AddNumberToObject(o, "Layers", (double)count_entries(s, "layers", true));
	cJSON_AddNumberToObject(o, "Blobs", (double)strv_len(blobs));
	cJSON_AddNumberToObject(o, "BlobsSize", (double)store_tree_size(s->rootfd, "oci"));
	cJSON_AddNumberToObject(o, "LayersSize", (double)store_tree_size(s->rootfd, "layers"));
	text = json_print(o, true);
	printf("%s\n", text);
	image_free_list(imgs, ni);
	container_free_list(cs, nc);
	return EXIT_OK;
}
