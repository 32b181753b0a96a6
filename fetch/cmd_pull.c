/* cmd_pull.c: kist-fetch pull REF [--platform P] [--all-platforms] [-q]
 *             [--dest oci:DIR[:REF]] */
#define _GNU_SOURCE
#include <getopt.h> /* getopt_long */
#include <stdio.h>  /* printf */
#include <stdlib.h> /* free */

#include "common/cli.h"
#include "common/err.h"
#include "common/util.h"
#include "fetch/fetch.h"

static const char pull_usage[] =
    "usage: kist-fetch pull [OPTIONS] NAME[:TAG|@DIGEST]\n\n"
    "Download an image into the store (or an OCI layout).\n\n"
    "  --platform OS/ARCH[/VARIANT]  pick this platform from a multi-platform image\n"
    "  -a, --all-platforms           pull every platform of an index\n"
    "  --dest oci:DIR[:REF]          write into this OCI layout instead of the store\n"
    "  -q, --quiet                   print only the image name\n";

int cmd_pull(void *gv, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"platform", required_argument, NULL, 'p'}, {"all-platforms", no_argument, NULL, 'a'},
	    {"dest", required_argument, NULL, 'D'},     {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	const struct fetch_global *g = gv;
	struct pull_opts o = {.record = true};
	struct layout l = LAYOUT_INIT;
	struct ref ref = REF_INIT;
	cleanup_free char *dir = NULL, *oref = NULL, *full = NULL;
	const char *dest = NULL;
	int c, ret;

	while ((c = cli_getopt(argc, argv, "aqh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.platform = optarg;
			break;
		case 'a':
			o.all_platforms = true;
			break;
		case 'D':
			dest = optarg;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			fputs(pull_usage, stdout);
			return EXIT_OK;
		default:
			cli_usage_error("pull: unknown option or missing value: '%s'",
					argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		cli_usage_error("pull: expected exactly one image reference, got %d",
				argc - optind);
	if (o.platform && o.all_platforms)
		cli_usage_error("pull: --platform and --all-platforms cannot be used together");
	if (dest && !fetch_parse_oci(dest, &dir, &oref))
		cli_usage_error("pull: --dest must be oci:DIR[:REF], got '%s'", dest);
	if (ref_parse(argv[optind], &ref, err) < 0)
		return -1;
	full = ref_string(&ref);
	if (dir) {
		ret = layout_open(dir, true, &l, err);
		o.ref_name = oref ? oref : full;
	} else {
		ret = fetch_open_store(g, true, &l, err);
	}
	if (ret == 0)
		ret = pull_image(g, &ref, argv[optind], &l, &o, NULL, err);
	if (ret == 0)
		printf("%s\n", o.ref_name ? o.ref_name : full);
	layout_close(&l);
	ref_release(&ref);
	return ret < 0 ? -1 : EXIT_OK;
}
