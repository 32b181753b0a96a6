/* docker_archive.h: the manifest.json of a docker-archive (`docker save`),
 * the parser `kist-store load` reads it with:
 *
 *   [{"Config": "<entry>", "RepoTags": ["repo:tag", ...],
 *     "Layers": ["<entry>", ...]}, ...]
 *
 * Entry names are tar member names, cleaned of leading "./" and "/"; docker
 * 25 and later name blobs of the archive's OCI layout ("blobs/sha256/<hex>").
 * Functions that can fail return <0 and set *err; errors name the field
 * ("'manifest.json[1].Layers' must be an array of strings"). */
#ifndef KIST_SPEC_DOCKER_ARCHIVE_H
#define KIST_SPEC_DOCKER_ARCHIVE_H

#include <stdbool.h>       /* bool */
#include <stddef.h>        /* size_t */
#include "common/digest.h" /* DIGEST_STR_MAX */

struct err;

struct spec_archive_image {
	char *config;     /* entry name of the image config */
	char **repo_tags; /* NULL-terminated as written (not normalised), or NULL */
	char **layers;    /* NULL-terminated entry names, bottom layer first */
	size_t n_layers;
};

struct spec_archive_manifest {
	struct spec_archive_image *images;
	size_t n_images; /* at least 1 */
};
#define SPEC_ARCHIVE_MANIFEST_INIT                                                                 \
	{                                                                                          \
		0                                                                                  \
	}

/* Parse len bytes of manifest.json: a non-empty array of images, each with
 * a non-empty Config, an array of strings Layers and an optional array of
 * strings RepoTags; names are cleaned (an empty name is refused). */
int spec_archive_manifest_parse(const char *data, size_t len, struct spec_archive_manifest *out,
				struct err **err);
void spec_archive_manifest_release(struct spec_archive_manifest *m);

/* name without its leading "./" and "/" (a pointer into name). */
const char *spec_archive_name_clean(const char *name);
/* True when name is "blobs/sha256/<64 hex>": out is then its digest. */
bool spec_archive_name_blob(const char *name, char out[DIGEST_STR_MAX]);

#endif
