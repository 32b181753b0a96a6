/* cmd_change.c: commit, diff, export of a container's changes. */
#define _GNU_SOURCE
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
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"
#include "store/store.h"

static const char commit_usage[] =
    "usage: kist-store commit [-c CHANGE]... [-m MESSAGE] [-a AUTHOR] CONTAINER [REF]\n"
    "Make an image of the container's image plus its changes (one new layer).\n"
    "  -c, --change   Dockerfile instruction to apply (CMD, ENTRYPOINT, ENV, LABEL, ...)\n"
    "  -m, --message  history comment\n"
    "  -a, --author   author\n"
    "      --created-by TEXT  the history entry's created_by (default: kist-store commit NAME)\n"
    "      --timestamp SECS   created times from SECS since the epoch, layer mtimes clamped\n"
    "                         to it, no atime/ctime (reproducible; default: now, as is)\n"
    "      --print-manifest   print the new manifest's digest instead of the image id\n";

int cmd_commit(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {{"change", required_argument, NULL, 'c'},
					     {"message", required_argument, NULL, 'm'},
					     {"author", required_argument, NULL, 'a'},
					     {"created-by", required_argument, NULL, 'B'},
					     {"timestamp", required_argument, NULL, 'T'},
					     {"print-manifest", no_argument, NULL, 'P'},
					     STORE_HELP_OPT,
					     {NULL, 0, NULL, 0}};
	struct store *s = g;
	cleanup_strv char **changes = NULL;
	struct commit_opts o = COMMIT_OPTS_INIT;
	struct container c;
	char id[DIGEST_STR_MAX], man[DIGEST_STR_MAX];
	bool print_manifest = false;
	int ch, r;

	while ((ch = cli_getopt(argc, argv, "+c:m:a:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			strv_push(&changes, optarg);
			break;
		case 'm':
			o.message = optarg;
			break;
		case 'a':
			o.author = optarg;
			break;
		case 'B':
			o.created_by = optarg;
			break;
		case 'T': {
			char *end;
			long long t;

			errno = 0;
			t = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || t < 0)
				cli_usage_error(
				    "commit: invalid --timestamp '%s' (want seconds since "
				    "the epoch)",
				    optarg);
			o.timestamp = t;
			break;
		}
		case 'P':
			print_manifest = true;
			break;
		case 'h':
			fputs(commit_usage, stdout);
			return EXIT_OK;
		default:
			cli_usage_error("commit: unknown option");
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		cli_usage_error("commit: want CONTAINER and optional REF");
	if (store_open(s, err) < 0 || container_find(s, argv[optind], &c, err) < 0)
		return -1;
	o.changes = changes;
	r = container_commit(s, &c, argc - optind == 2 ? argv[optind + 1] : NULL, &o, id, man, err);
	container_release(&c);
	if (r < 0)
		return -1;
	printf("%s\n", print_manifest ? man : id);
	return EXIT_OK;
}

int cmd_diff(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {STORE_HELP_OPT, {NULL, 0, NULL, 0}};
	struct store *s = g;
	struct container c;
	int ch, r;

	while ((ch = cli_getopt(argc, argv, "+h", opts, NULL)) != -1) {
		if (ch == 'h') {
			fputs("usage: kist-store diff CONTAINER\n"
			      "List changed files: A added, C changed, D deleted.\n",
			      stdout);
			return EXIT_OK;
		}
		cli_usage_error("diff: unknown option");
	}
	if (argc - optind != 1)
		cli_usage_error("diff: want one CONTAINER");
	if (store_open(s, err) < 0 || container_find(s, argv[optind], &c, err) < 0)
		return -1;
	r = container_diff(s, &c, stdout, err);
	container_release(&c);
	return r < 0 ? -1 : EXIT_OK;
}

int cmd_export(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'}, STORE_HELP_OPT, {NULL, 0, NULL, 0}};
	struct store *s = g;
	const char *output = NULL;
	cleanup_output struct fs_output out = FS_OUTPUT_INIT;
	struct container c;
	int ch, r, fd = 1;

	while ((ch = cli_getopt(argc, argv, "+o:h", opts, NULL)) != -1) {
		if (ch == 'o')
			output = optarg;
		else if (ch == 'h') {
			fputs("usage: kist-store export [-o FILE] CONTAINER\n"
			      "Write the container's merged rootfs as a tar (stdout by default).\n",
			      stdout);
			return EXIT_OK;
		} else
			cli_usage_error("export: unknown option");
	}
	if (argc - optind != 1)
		cli_usage_error("export: want one CONTAINER");
	if (!output && isatty(1))
		return err_set(err, 0,
			       "refusing to write a tar to a terminal: use -o FILE or redirect");
	if (store_open(s, err) < 0 || container_find(s, argv[optind], &c, err) < 0)
		return -1;
	if (output) {
		if (fs_output_open(&out, output, 0644, err) < 0) {
			container_release(&c);
			return -1;
		}
		fd = out.fd;
	}
	r = container_export(s, &c, fd, err);
	container_release(&c);
	if (r == 0 && output)
		r = fs_output_commit(&out, err);
	return r < 0 ? -1 : EXIT_OK;
}
