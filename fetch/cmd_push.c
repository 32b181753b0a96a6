/* cmd_push.c: kist-fetch push [-q] SRC [REF]
 * SRC is a store image name or oci:DIR:REF; REF defaults to SRC's name. */
#define _GNU_SOURCE
#include <getopt.h> /* getopt_long */
#include <stdio.h>  /* fputs */
#include <stdlib.h> /* free */

#include "common/cli.h"
#include "common/err.h"
#include "common/util.h"
#include "fetch/fetch.h"

static const char push_usage[] =
    "usage: kist-fetch push [OPTIONS] SRC [NAME[:TAG]]\n\n"
    "Upload an image from the store (SRC a name) or an OCI layout\n"
    "(SRC oci:DIR:REF) to a registry.  NAME defaults to SRC's name.\n\n"
    "  -q, --quiet   print only the pushed manifest digest\n";

int cmd_push(void *gv, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const struct fetch_global *g = gv;
	struct push_opts o = {0};
	struct layout l = LAYOUT_INIT;
	struct ref src = REF_INIT, dst = REF_INIT;
	cleanup_free char *dir = NULL, *oref = NULL, *src_name = NULL;
	char digest[DIGEST_STR_MAX];
	const char *dst_s;
	int c, ret = -1;

	while ((c = cli_getopt(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			fputs(push_usage, stdout);
			return EXIT_OK;
		default:
			cli_usage_error("push: unknown option or missing value: '%s'",
					argv[optind - 1]);
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		cli_usage_error("push: expected SRC [NAME[:TAG]], got %d arguments", argc - optind);
	if (fetch_parse_oci(argv[optind], &dir, &oref)) {
		if (!oref)
			cli_usage_error("push: '%s' names no image: use oci:DIR:REF", argv[optind]);
		if (argc - optind != 2)
			cli_usage_error(
			    "push: a destination NAME[:TAG] is needed with an oci: source");
		src_name = xstrdup(oref);
		if (layout_open(dir, false, &l, err) < 0)
			goto out;
	} else {
		if (ref_parse(argv[optind], &src, err) < 0)
			goto out;
		src_name = ref_string(&src);
		if (fetch_open_store(g, false, &l, err) < 0)
			goto out;
	}
	dst_s = argc - optind == 2 ? argv[optind + 1] : argv[optind];
	if (ref_parse(dst_s, &dst, err) < 0)
		goto out;
	ret = push_image(g, &l, src_name, &dst, &o, digest, err);
	if (ret == 0 && o.quiet)
		printf("%s\n", digest);
out:
	layout_close(&l);
	ref_release(&src);
	ref_release(&dst);
	return ret < 0 ? -1 : EXIT_OK;
}
