/* bundle.c: bundle/config.json for a container, converted by spec/ from the
 * image config plus the user's overrides with docker's defaults. */
#define _GNU_SOURCE
#include <string.h>
#include "common/err.h"
#include "common/json.h"
#include "common/util.h"
#include "spec/convert.h"
#include "spec/image.h"
#include "store/store.h"

int bundle_config(struct store *s, const struct image *img, const cJSON *overrides,
		  const char *rootfs, const char *hostname, cJSON **out, struct err **err)
{
	struct spec_image_config cfg = SPEC_IMAGE_CONFIG_INIT;
	struct spec_convert_opts opts = SPEC_CONVERT_OPTS_INIT;
	int r;

	(void)s;
	if (spec_image_config_from_json(img->config, &cfg, err) < 0)
		return err_wrap(err, "image config %s", img->id);
	opts.rootfs = rootfs;
	opts.root_path = "rootfs";
	opts.hostname = hostname;
	r = spec_convert(&cfg, overrides, &opts, out, err);
	spec_image_config_release(&cfg);
	return r;
}
