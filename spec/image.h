/* image.h: OCI image-spec and Docker schema2 types: descriptors, manifests,
 * indexes / manifest lists, image configs, media types, platform matching.
 *
 * Parsers take raw bytes (capped at SPEC_MAX_DOC_SIZE) or a cJSON tree and
 * fill typed structs; errors name the JSON path at fault, e.g.
 * "'layers[2].digest': invalid digest 'sha256:zz'".  Emitters build a cJSON
 * tree (caller owns it) or compact text ready to be hashed and stored.
 * All functions that can fail return <0 (or NULL) and set *err. */
#ifndef KIST_SPEC_IMAGE_H
#define KIST_SPEC_IMAGE_H

#include <cjson/cJSON.h>   /* cJSON */
#include <stdbool.h>       /* bool */
#include <stddef.h>        /* size_t */
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

/* Manifests, indexes and configs larger than this are refused. */
#define SPEC_MAX_DOC_SIZE (4u << 20)

/* ---- media types ---- */

enum spec_compression {
	SPEC_COMPRESSION_NONE = 0,
	SPEC_COMPRESSION_GZIP,
	SPEC_COMPRESSION_ZSTD,
};

bool spec_media_type_is_manifest(const char *mt); /* OCI or Docker schema2 image manifest */
bool spec_media_type_is_index(const char *mt);    /* OCI index or Docker manifest list */
bool spec_media_type_is_config(const char *mt);
bool spec_media_type_is_layer(const char *mt); /* any OCI / Docker layer type */
bool spec_media_type_is_schema1(const char *mt);
/* Compression of a layer media type; -1 and an error naming mt when it is
 * not a layer type or uses an unknown compression. */
int spec_layer_compression(const char *mt, enum spec_compression *out, struct err **err);
const char *spec_compression_name(enum spec_compression c); /* "none", "gzip", "zstd" */

/* Guess the media type of a JSON document: its "mediaType" field, else from
 * its shape (manifests -> OCI index, config+layers -> OCI manifest,
 * schemaVersion 1 -> Docker schema1).  Returns a static string or NULL when
 * the document is not recognisable. */
const char *spec_detect_media_type(const char *data, size_t len);

/* ---- platforms ---- */

struct spec_platform {
	char *os;
	char *architecture;
	char *variant; /* may be NULL */
};
#define SPEC_PLATFORM_INIT                                                                         \
	{                                                                                          \
		0                                                                                  \
	}

/* Parse "os[/arch[/variant]]" (docker --platform) or a bare architecture
 * ("arm64" -> linux/arm64); the result is normalised. */
int spec_platform_parse(const char *s, struct spec_platform *out, struct err **err);
/* Parse a JSON platform object ({"os":..,"architecture":..,"variant":..}). */
int spec_platform_from_json(const cJSON *j, const char *path, struct spec_platform *out,
			    struct err **err);
cJSON *spec_platform_to_json(const struct spec_platform *p);
/* Docker/containerd normalisation: x86_64/x86-64 -> amd64, aarch64 -> arm64
 * (variant v8 dropped), armhf -> arm/v7, armel -> arm/v6, i386/i686 -> 386,
 * arm without variant -> arm/v7; lower-cases os and architecture. */
void spec_platform_normalize(struct spec_platform *p);
/* The platform of this host: linux/<GOARCH>[/variant]. */
void spec_platform_host(struct spec_platform *out);
/* True when an image for `have` runs on `want` (both normalised first):
 * same os and architecture, and the variant equal (missing variants match
 * the architecture's default, e.g. arm64 and arm64/v8). */
bool spec_platform_match(const struct spec_platform *want, const struct spec_platform *have);
/* How well `have` suits `want`: 0 no match, 10 exact, less for older arm
 * variants an arm host still runs (v7 host: v6 is 9, v5 is 8). */
int spec_platform_rank(const struct spec_platform *want, const struct spec_platform *have);
/* "os/arch[/variant]", malloc'd. */
char *spec_platform_string(const struct spec_platform *p);
void spec_platform_copy(struct spec_platform *dst, const struct spec_platform *src);
void spec_platform_release(struct spec_platform *p);

/* ---- descriptors ---- */

struct spec_descriptor {
	char *media_type;
	char digest[DIGEST_STR_MAX];
	int64_t size;
	cJSON *annotations;             /* owned object or NULL */
	struct spec_platform *platform; /* owned or NULL */
	char **urls;                    /* NULL-terminated, or NULL (foreign layers) */
	char *artifact_type;            /* OCI 1.1, or NULL */
	char *data;                     /* OCI 1.1 embedded base64 content, or NULL */
};
#define SPEC_DESCRIPTOR_INIT                                                                       \
	{                                                                                          \
		0                                                                                  \
	}

/* Parse/validate a descriptor at JSON path `path` (for errors). */
int spec_descriptor_parse(const cJSON *j, const char *path, struct spec_descriptor *out,
			  struct err **err);
cJSON *spec_descriptor_to_json(const struct spec_descriptor *d);
void spec_descriptor_copy(struct spec_descriptor *dst, const struct spec_descriptor *src);
void spec_descriptor_release(struct spec_descriptor *d);
/* An annotation's value, or NULL. */
const char *spec_descriptor_annotation(const struct spec_descriptor *d, const char *key);
/* Set (copying) an annotation, creating the object as needed. */
void spec_descriptor_set_annotation(struct spec_descriptor *d, const char *key, const char *value);

/* ---- manifests (OCI image manifest, Docker schema2) ----
 * Emitted text keeps every field these types know (descriptor urls, data,
 * artifactType included) but is not byte-identical to what was parsed:
 * store the bytes you fetched or read, never a re-emitted copy, when the
 * digest must stay the same. */

struct spec_manifest {
	int schema_version;  /* always 2 */
	char *media_type;    /* NULL when the document had none (OCI allows it) */
	char *artifact_type; /* OCI 1.1, or NULL */
	struct spec_descriptor config;
	struct spec_descriptor *layers;
	size_t n_layers;
	struct spec_descriptor *subject; /* OCI 1.1, or NULL */
	cJSON *annotations;              /* owned object or NULL */
};
#define SPEC_MANIFEST_INIT                                                                         \
	{                                                                                          \
		0                                                                                  \
	}

/* Parse and validate (schemaVersion 2, a known manifest media type,
 * descriptors); schema1 is refused with "schema1 manifests are not
 * supported", an index with a message saying so. */
int spec_manifest_parse(const char *data, size_t len, struct spec_manifest *out, struct err **err);
int spec_manifest_from_json(const cJSON *j, struct spec_manifest *out, struct err **err);
cJSON *spec_manifest_to_json(const struct spec_manifest *m);
/* Compact JSON text (malloc'd), the bytes to hash and store. */
char *spec_manifest_print(const struct spec_manifest *m, size_t *len);
void spec_manifest_release(struct spec_manifest *m);

/* ---- indexes (OCI image index, Docker manifest list) ---- */

struct spec_index {
	int schema_version; /* always 2 */
	char *media_type;   /* NULL when the document had none */
	struct spec_descriptor *manifests;
	size_t n_manifests;
	cJSON *annotations; /* owned object or NULL */
};
#define SPEC_INDEX_INIT                                                                            \
	{                                                                                          \
		0                                                                                  \
	}

int spec_index_parse(const char *data, size_t len, struct spec_index *out, struct err **err);
int spec_index_from_json(const cJSON *j, struct spec_index *out, struct err **err);
cJSON *spec_index_to_json(const struct spec_index *idx);
char *spec_index_print(const struct spec_index *idx, size_t *len);
void spec_index_release(struct spec_index *idx);
/* Append a copy of d. */
void spec_index_add(struct spec_index *idx, const struct spec_descriptor *d);
/* Choose the manifest for `want` (NULL: this host).  Entries without a
 * platform are skipped, as are non-manifest entries; an exact variant match
 * beats a default-variant match.  *out points into idx.  Error when none:
 * "no matching manifest for linux/amd64 in the manifest list entries". */
int spec_index_select(const struct spec_index *idx, const struct spec_platform *want,
		      const struct spec_descriptor **out, struct err **err);

/* ---- image configs ---- */

struct spec_history {
	char *created; /* RFC 3339, or NULL */
	char *created_by;
	char *author;
	char *comment;
	bool empty_layer;
};

/* The "config" object: docker's container Config subset that images carry.
 * Vectors are NULL-terminated and NULL when absent (an absent Entrypoint
 * differs from an empty one only in emit: NULL is omitted). */
struct spec_container_config {
	char *user;
	char **exposed_ports; /* "80/tcp" keys */
	char **env;           /* "K=V" */
	char **entrypoint;
	char **cmd;
	char **volumes; /* "/data" keys */
	char *working_dir;
	char **labels; /* "k=v" */
	char *stop_signal;
	char **shell;    /* docker SHELL */
	char **on_build; /* docker ONBUILD */
	bool args_escaped;
	cJSON *healthcheck; /* owned object or NULL, kept verbatim */
};

struct spec_image_config {
	char *architecture;
	char *os;
	char *variant; /* may be NULL */
	char *os_version;
	char *created; /* RFC 3339, or NULL */
	char *author;
	struct spec_container_config config;
	char *rootfs_type; /* "layers" */
	char **diff_ids;   /* layer digests of the uncompressed tars */
	struct spec_history *history;
	size_t n_history;
};
#define SPEC_IMAGE_CONFIG_INIT                                                                     \
	{                                                                                          \
		0                                                                                  \
	}

int spec_image_config_parse(const char *data, size_t len, struct spec_image_config *out,
			    struct err **err);
int spec_image_config_from_json(const cJSON *j, struct spec_image_config *out, struct err **err);
cJSON *spec_image_config_to_json(const struct spec_image_config *c);
char *spec_image_config_print(const struct spec_image_config *c, size_t *len);
void spec_image_config_release(struct spec_image_config *c);
/* The value of a "K=V" entry in v for key, or NULL. */
const char *spec_strv_lookup(char *const *v, const char *key);
/* Set key=value in v, replacing an existing entry for key. */
void spec_strv_set(char ***v, const char *key, const char *value);

#endif
