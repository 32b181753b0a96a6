/* image.h: OCI image-spec and Docker schema2 types: descriptors, manifests,
 * indexes / manifest lists, image configs, media types, platform matching.
 * (The spec/ helper fills in the rest of this header; the descriptor below is
 * the shared contract.) */
#ifndef KIST_SPEC_IMAGE_H
#define KIST_SPEC_IMAGE_H

#include <cjson/cJSON.h>   /* cJSON */
#include <stdbool.h>       /* bool */
#include <stdint.h>        /* int64_t */
#include "common/digest.h" /* DIGEST_STR_MAX */

struct err;

#define MT_OCI_LAYOUT_VERSION "1.0.0"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define MT_OCI_LAYER_NONDIST_GZIP "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_MANIFEST_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_DOCKER_FOREIGN_LAYER "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define MT_DOCKER_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+json"
#define MT_DOCKER_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

struct spec_platform {
	char *os;
	char *architecture;
	char *variant; /* may be NULL */
};

struct spec_descriptor {
	char *media_type;
	char digest[DIGEST_STR_MAX];
	int64_t size;
	cJSON *annotations;             /* owned object or NULL */
	struct spec_platform *platform; /* owned or NULL */
};
#define SPEC_DESCRIPTOR_INIT { 0 }

/* Parse/validate a descriptor at JSON path `path` (for errors). */
int spec_descriptor_parse(const cJSON *j, const char *path, struct spec_descriptor *out,
			  struct err **err);
cJSON *spec_descriptor_to_json(const struct spec_descriptor *d);
void spec_descriptor_copy(struct spec_descriptor *dst, const struct spec_descriptor *src);
void spec_descriptor_release(struct spec_descriptor *d);

#endif
