/* bundle.c: bundle/config.json for a container, converted by spec/ from the
 * image config plus the user's overrides with docker's defaults. */
#define _GNU_SOURCE
#include <string.h>
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/util.h"
#include "spec/convert.h"
#include "spec/image.h"
#include "store/store.h"

/* A container kist networks (annotation io.kist.network, see kist-net):
 * its /etc/hosts, /etc/resolv.conf and /etc/hostname are files of its own
 * directory, which kist-net writes before each start, and on a bridge
 * network it joins the namespace kist-net keeps at RUN/netns/<id>. */
static const char *kist_network(const cJSON *overrides)
{
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(overrides, "Annotations");

	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ann, "io.kist.network"));
}

int bundle_config(struct store *s, const struct image *img, const cJSON *overrides,
		  const char *rootfs, const char *hostname, cJSON **out, struct err **err)
{
	struct spec_image_config cfg = SPEC_IMAGE_CONFIG_INIT;
	struct spec_convert_opts opts = SPEC_CONVERT_OPTS_INIT;
	const char *net = kist_network(overrides);
	cleanup_json cJSON *ov = NULL;
	cleanup_free char *dir = NULL, *hosts = NULL, *resolv = NULL, *hname = NULL;
	int r;

	if (spec_image_config_from_json(img->config, &cfg, err) < 0)
		return err_wrap(err, "image config %s", img->id);
	opts.rootfs = rootfs;
	opts.root_path = "rootfs";
	opts.hostname = hostname;
	if (net && str_has_suffix(rootfs, "/bundle/rootfs")) {
		const char *id;

		dir = xstrndup(rootfs, strlen(rootfs) - strlen("/bundle/rootfs"));
		id = strrchr(dir, '/') + 1;
		hosts = xasprintf("%s/hosts", dir);
		resolv = xasprintf("%s/resolv.conf", dir);
		hname = xasprintf("%s/hostname", dir);
		opts.hosts = hosts;
		opts.resolv_conf = resolv;
		opts.hostname_file = hname;
		if (!streq(net, "none") && !streq(net, "host") &&
		    !str_has_prefix(net, "container:") &&
		    !cJSON_GetObjectItemCaseSensitive(overrides, "NetworkNamespacePath")) {
			cleanup_free char *ns = xasprintf("%s/netns/%s", s->run, id);

			ov = cJSON_Duplicate(overrides, true);
			cJSON_AddStringToObject(ov, "NetworkNamespacePath", ns);
			overrides = ov;
		}
	}
	r = spec_convert(&cfg, overrides, &opts, out, err);
	spec_image_config_release(&cfg);
	return r;
}
