/* test_image.c: spec/image: manifests, indexes, configs, platforms, media types. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/util.h"
#include "spec/image.h"
#include "tests/unit/unit.h"

#define EMPTY_INDEX "{\"schemaVersion\":2,\"manifests\":[]}"
#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static const char oci_manifest[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST "\","
    "\"config\":{\"mediaType\":\"" MT_OCI_CONFIG "\",\"digest\":\"" D1 "\",\"size\":123},"
    "\"layers\":[{\"mediaType\":\"" MT_OCI_LAYER_GZIP "\",\"digest\":\"" D2 "\",\"size\":4},"
    "{\"mediaType\":\"" MT_OCI_LAYER "\",\"digest\":\"" D3 "\",\"size\":5,"
    "\"annotations\":{\"a\":\"b\"}}],"
    "\"annotations\":{\"org.opencontainers.image.created\":\"2024-01-01T00:00:00Z\"}}";

static const char docker_manifest[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" MT_DOCKER_MANIFEST "\","
    "\"config\":{\"mediaType\":\"" MT_DOCKER_CONFIG "\",\"digest\":\"" D1 "\",\"size\":7},"
    "\"layers\":[{\"mediaType\":\"" MT_DOCKER_LAYER_GZIP "\",\"digest\":\"" D2 "\",\"size\":9}]}";

/* Parse s as a manifest and expect an error containing want. */
static int manifest_fails(const char *s, const char *want)
{
	cleanup_err struct err *err = NULL;
	struct spec_manifest m = SPEC_MANIFEST_INIT;

	if (spec_manifest_parse(s, strlen(s), &m, &err) == 0) {
		spec_manifest_release(&m);
		unit_fail(__FILE__, __LINE__, "manifest accepted: %s", s);
		return 0;
	}
	if (!err || !strstr(err->msg, want)) {
		unit_fail(__FILE__, __LINE__, "error \"%s\" lacks \"%s\"", err ? err->msg : "",
			  want);
		return 0;
	}
	return 1;
}

TEST(image_manifest_parse_oci)
{
	cleanup_err struct err *err = NULL;
	struct spec_manifest m = SPEC_MANIFEST_INIT;

	CHECK_INT(spec_manifest_parse(oci_manifest, strlen(oci_manifest), &m, &err), 0);
	CHECK_INT(m.schema_version, 2);
	CHECK_STR(m.media_type, MT_OCI_MANIFEST);
	CHECK_STR(m.config.digest, D1);
	CHECK_INT(m.config.size, 123);
	CHECK_STR(m.config.media_type, MT_OCI_CONFIG);
	CHECK_INT(m.n_layers, 2);
	CHECK_STR(m.layers[0].digest, D2);
	CHECK_STR(m.layers[1].media_type, MT_OCI_LAYER);
	CHECK_STR(spec_descriptor_annotation(&m.layers[1], "a"), "b");
	CHECK(spec_descriptor_annotation(&m.layers[0], "a") == NULL);
	CHECK(m.annotations != NULL);
	spec_manifest_release(&m);
}

TEST(image_manifest_roundtrip)
{
	cleanup_err struct err *err = NULL;
	struct spec_manifest m = SPEC_MANIFEST_INIT, m2 = SPEC_MANIFEST_INIT;
	cleanup_free char *text = NULL, *text2 = NULL;
	size_t len = 0;

	CHECK_INT(spec_manifest_parse(docker_manifest, strlen(docker_manifest), &m, &err), 0);
	CHECK_STR(m.media_type, MT_DOCKER_MANIFEST);
	text = spec_manifest_print(&m, &len);
	CHECK_INT(len, strlen(text));
	/* the emitted document has the same fields and order as docker's */
	CHECK_STR(text, docker_manifest);
	CHECK_INT(spec_manifest_parse(text, len, &m2, &err), 0);
	text2 = spec_manifest_print(&m2, NULL);
	CHECK_STR(text2, text);
	spec_manifest_release(&m);
	spec_manifest_release(&m2);
}

TEST(image_manifest_without_media_type)
{
	static const char s[] = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" MT_OCI_CONFIG
				"\",\"digest\":\"" D1 "\",\"size\":1},\"layers\":[]}";
	cleanup_err struct err *err = NULL;
	struct spec_manifest m = SPEC_MANIFEST_INIT;
	cleanup_free char *out = NULL;

	CHECK_INT(spec_manifest_parse(s, strlen(s), &m, &err), 0);
	CHECK(m.media_type == NULL);
	CHECK_INT(m.n_layers, 0);
	out = spec_manifest_print(&m, NULL);
	CHECK(strstr(out, "mediaType\":\"" MT_OCI_CONFIG) != NULL);
	CHECK(strstr(out, "\"layers\":[]") != NULL);
	spec_manifest_release(&m);
}

TEST(image_manifest_bad_inputs)
{
	char big_digest[256];

	CHECK(manifest_fails("", "invalid JSON"));
	CHECK(manifest_fails("{\"schemaVersion\":2,", "invalid JSON"));
	CHECK(manifest_fails("[1,2]", "must be a JSON object"));
	CHECK(manifest_fails("{}", "'schemaVersion' is required"));
	CHECK(manifest_fails("{\"schemaVersion\":\"2\"}", "'schemaVersion' must be an integer"));
	CHECK(manifest_fails("{\"schemaVersion\":2.5}", "'schemaVersion' must be an integer"));
	CHECK(manifest_fails("{\"schemaVersion\":3}", "unsupported value 3"));
	CHECK(manifest_fails("{\"schemaVersion\":2}", "'config' is required"));
	CHECK(manifest_fails("{\"schemaVersion\":2,\"mediaType\":7}",
			     "'mediaType' must be a string"));
	CHECK(manifest_fails("{\"schemaVersion\":2,\"mediaType\":\"text/plain\"}",
			     "unsupported manifest media type 'text/plain'"));
	CHECK(manifest_fails("{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_INDEX
			     "\",\"manifests\":[]}",
			     "is an index, not an image manifest"));
	CHECK(manifest_fails("{\"schemaVersion\":2,\"manifests\":[]}", "is an index"));
	CHECK(manifest_fails("{\"schemaVersion\":2,\"config\":[]}", "'config' must be an object"));
	CHECK(manifest_fails("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"size\":1}}",
			     "'config.digest' is required"));
	CHECK(manifest_fails("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1
			     "\"}}",
			     "'config.size' is required"));
	CHECK(manifest_fails("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1
			     "\",\"size\":-1}}",
			     "'config.size': invalid size -1"));
	CHECK(manifest_fails("{\"schemaVersion\":2,\"config\":{\"digest\":\"" D1 "\",\"size\":1}}",
			     "'config.mediaType' is required"));
	CHECK(manifest_fails("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1
			     "\",\"size\":1}}",
			     "'layers' is required"));
	CHECK(manifest_fails("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1
			     "\",\"size\":1},\"layers\":{}}",
			     "'layers' must be an array"));
	CHECK(manifest_fails("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1
			     "\",\"size\":1},\"layers\":[{\"mediaType\":\"x\",\"digest\":\"" D1
			     "\",\"size\":1},"
			     "{\"mediaType\":\"x\",\"digest\":\"" D1 "\",\"size\":1},"
			     "{\"mediaType\":\"x\",\"digest\":\"sha256:zz\",\"size\":1}]}",
			     "'layers[2].digest': invalid digest 'sha256:zz'"));
	CHECK(manifest_fails("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1
			     "\",\"size\":1},\"layers\":[\"x\"]}",
			     "'layers[0]' must be an object"));
	CHECK(manifest_fails("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1
			     "\",\"size\":1},\"layers\":[],\"annotations\":{\"k\":1}}",
			     "'annotations.k' must be a string"));
	CHECK(manifest_fails("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1
			     "\",\"size\":1,\"platform\":{\"os\":\"linux\"}},\"layers\":[]}",
			     "'config.platform.architecture' is required"));
	/* digest with upper-case hex, other algorithms, path tricks */
	CHECK(manifest_fails(
	    "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":"
	    "\"sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
	    "\"size\":1},\"layers\":[]}",
	    "'config.digest': invalid digest"));
	snprintf(big_digest, sizeof(big_digest),
		 "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":"
		 "\"sha256:../../etc/passwd\",\"size\":1},\"layers\":[]}");
	CHECK(manifest_fails(big_digest, "invalid digest 'sha256:../../etc/passwd'"));
	CHECK(manifest_fails("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":"
			     "\"md5:d41d8cd98f00b204e9800998ecf8427e\",\"size\":1},\"layers\":[]}",
			     "invalid digest"));
}

TEST(image_manifest_schema1_refused)
{
	CHECK(manifest_fails("{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}",
			     "schema1 manifests are not supported"));
	CHECK(manifest_fails("{\"schemaVersion\":2,\"mediaType\":\"" MT_DOCKER_SCHEMA1_SIGNED "\"}",
			     "schema1 manifests are not supported"));
	CHECK(manifest_fails("{\"mediaType\":\"" MT_DOCKER_SCHEMA1 "\"}",
			     "schema1 manifests are not supported"));
}

TEST(image_manifest_oversized)
{
	cleanup_err struct err *err = NULL;
	struct spec_manifest m = SPEC_MANIFEST_INIT;
	struct spec_image_config c = SPEC_IMAGE_CONFIG_INIT;
	struct spec_index idx = SPEC_INDEX_INIT;
	size_t len = 5u << 20;
	cleanup_free char *big = xmalloc(len + 1);

	/* valid JSON: a manifest padded with a huge annotation */
	memset(big, ' ', len);
	memcpy(big, oci_manifest, strlen(oci_manifest));
	big[len] = '\0';
	CHECK_INT(spec_manifest_parse(big, len, &m, &err), -1);
	CHECK_ERR(err, "manifest is too large");
	CHECK_INT(spec_image_config_parse(big, len, &c, &err), -1);
	CHECK_ERR(err, "image config is too large");
	CHECK_INT(spec_index_parse(big, len, &idx, &err), -1);
	CHECK_ERR(err, "index is too large");
	/* exactly at the limit is accepted */
	CHECK_INT(spec_manifest_parse(big, SPEC_MAX_DOC_SIZE, &m, &err), 0);
	spec_manifest_release(&m);
	CHECK(spec_detect_media_type(big, len) == NULL);
}

TEST(image_manifest_deep_nesting)
{
	cleanup_err struct err *err = NULL;
	struct spec_manifest m = SPEC_MANIFEST_INIT;
	size_t n = 100000, i;
	cleanup_free char *s = xmalloc(2 * n + 1);

	for (i = 0; i < n; i++) {
		s[i] = '[';
		s[2 * n - 1 - i] = ']';
	}
	s[2 * n] = '\0';
	CHECK_INT(spec_manifest_parse(s, 2 * n, &m, &err), -1);
	CHECK_ERR(err, "manifest");
}

static const char index_json[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" MT_DOCKER_MANIFEST_LIST "\",\"manifests\":["
    "{\"mediaType\":\"" MT_DOCKER_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":10,"
    "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
    "{\"mediaType\":\"" MT_DOCKER_MANIFEST "\",\"digest\":\"" D2 "\",\"size\":11,"
    "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v6\"}},"
    "{\"mediaType\":\"" MT_DOCKER_MANIFEST "\",\"digest\":\"" D3 "\",\"size\":12,"
    "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}}]}";

TEST(image_index_parse_select)
{
	cleanup_err struct err *err = NULL;
	struct spec_index idx = SPEC_INDEX_INIT;
	struct spec_platform p = SPEC_PLATFORM_INIT, host = SPEC_PLATFORM_INIT;
	const struct spec_descriptor *d = NULL;
	cleanup_free char *text = NULL;

	CHECK_INT(spec_index_parse(index_json, strlen(index_json), &idx, &err), 0);
	CHECK_INT(idx.n_manifests, 3);
	CHECK_STR(idx.manifests[1].platform->variant, "v6");
	text = spec_index_print(&idx, NULL);
	CHECK_STR(text, index_json);

	CHECK_INT(spec_platform_parse("linux/amd64", &p, &err), 0);
	CHECK_INT(spec_index_select(&idx, &p, &d, &err), 0);
	CHECK_STR(d->digest, D1);
	spec_platform_release(&p);

	/* arm64 without variant matches arm64/v8 */
	CHECK_INT(spec_platform_parse("linux/arm64", &p, &err), 0);
	CHECK_INT(spec_index_select(&idx, &p, &d, &err), 0);
	CHECK_STR(d->digest, D3);
	spec_platform_release(&p);
	CHECK_INT(spec_platform_parse("linux/aarch64/v8", &p, &err), 0);
	CHECK_INT(spec_index_select(&idx, &p, &d, &err), 0);
	CHECK_STR(d->digest, D3);
	spec_platform_release(&p);

	/* an arm/v7 host runs the v6 image */
	CHECK_INT(spec_platform_parse("linux/arm/v7", &p, &err), 0);
	CHECK_INT(spec_index_select(&idx, &p, &d, &err), 0);
	CHECK_STR(d->digest, D2);
	spec_platform_release(&p);
	/* ... but an arm/v5 host does not */
	CHECK_INT(spec_platform_parse("linux/arm/v5", &p, &err), 0);
	CHECK_INT(spec_index_select(&idx, &p, &d, &err), -1);
	CHECK_ERR(err, "no matching manifest for linux/arm/v5 in the manifest list entries");
	spec_platform_release(&p);

	CHECK_INT(spec_platform_parse("linux/s390x", &p, &err), 0);
	CHECK_INT(spec_index_select(&idx, &p, &d, &err), -1);
	CHECK_ERR(err, "no matching manifest for linux/s390x in the manifest list entries");
	spec_platform_release(&p);
	CHECK_INT(spec_platform_parse("windows/amd64", &p, &err), 0);
	CHECK_INT(spec_index_select(&idx, &p, &d, &err), -1);
	CHECK_ERR(err, "no matching manifest for windows/amd64");
	spec_platform_release(&p);

	/* NULL = this host */
	spec_platform_host(&host);
	if (streq(host.architecture, "amd64")) {
		CHECK_INT(spec_index_select(&idx, NULL, &d, &err), 0);
		CHECK_STR(d->digest, D1);
	}
	spec_platform_release(&host);
	spec_index_release(&idx);
}

TEST(image_index_select_exact_beats_compatible)
{
	static const char s[] =
	    "{\"schemaVersion\":2,\"manifests\":["
	    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":1,"
	    "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v6\"}},"
	    "{\"mediaType\":\"" MT_OCI_INDEX "\",\"digest\":\"" D3 "\",\"size\":1,"
	    "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}},"
	    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" D2 "\",\"size\":1,"
	    "\"platform\":{\"architecture\":\"armhf\",\"os\":\"Linux\"}}]}";
	cleanup_err struct err *err = NULL;
	struct spec_index idx = SPEC_INDEX_INIT;
	struct spec_platform p = SPEC_PLATFORM_INIT;
	const struct spec_descriptor *d = NULL;

	CHECK_INT(spec_index_parse(s, strlen(s), &idx, &err), 0);
	CHECK(idx.media_type == NULL);
	CHECK_INT(spec_platform_parse("linux/arm/v7", &p, &err), 0);
	/* the nested index entry is skipped; armhf normalises to arm/v7 */
	CHECK_INT(spec_index_select(&idx, &p, &d, &err), 0);
	CHECK_STR(d->digest, D2);
	spec_platform_release(&p);
	spec_index_release(&idx);
}

TEST(image_index_without_platforms)
{
	static const char s[] =
	    "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_INDEX "\",\"manifests\":["
	    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":1}]}";
	cleanup_err struct err *err = NULL;
	struct spec_index idx = SPEC_INDEX_INIT;
	struct spec_descriptor add = SPEC_DESCRIPTOR_INIT;
	const struct spec_descriptor *d = NULL;

	CHECK_INT(spec_index_parse(s, strlen(s), &idx, &err), 0);
	CHECK_INT(spec_index_select(&idx, NULL, &d, &err), 0);
	CHECK_STR(d->digest, D1);
	/* spec_index_add copies */
	add.media_type = xstrdup(MT_OCI_MANIFEST);
	strcpy(add.digest, D2);
	add.size = 3;
	spec_descriptor_set_annotation(&add, "k", "v");
	spec_index_add(&idx, &add);
	spec_descriptor_release(&add);
	CHECK_INT(idx.n_manifests, 2);
	CHECK_STR(spec_descriptor_annotation(&idx.manifests[1], "k"), "v");
	spec_index_release(&idx);
	/* empty index: nothing to choose */
	CHECK_INT(spec_index_parse(EMPTY_INDEX, strlen(EMPTY_INDEX), &idx, &err), 0);
	CHECK_INT(spec_index_select(&idx, NULL, &d, &err), -1);
	CHECK_ERR(err, "no matching manifest for linux/");
	spec_index_release(&idx);
}

static int index_fails(const char *s, const char *want)
{
	cleanup_err struct err *err = NULL;
	struct spec_index idx = SPEC_INDEX_INIT;

	if (spec_index_parse(s, strlen(s), &idx, &err) == 0) {
		spec_index_release(&idx);
		unit_fail(__FILE__, __LINE__, "index accepted: %s", s);
		return 0;
	}
	if (!err || !strstr(err->msg, want)) {
		unit_fail(__FILE__, __LINE__, "error \"%s\" lacks \"%s\"", err ? err->msg : "",
			  want);
		return 0;
	}
	return 1;
}

TEST(image_index_bad_inputs)
{
	CHECK(index_fails("{\"schemaVersion\":2}", "'manifests' is required"));
	CHECK(
	    index_fails("{\"schemaVersion\":2,\"manifests\":{}}", "'manifests' must be an array"));
	CHECK(index_fails(docker_manifest, "is an image manifest, not an index"));
	CHECK(
	    index_fails("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"x\",\"digest\":\"" D1
			"\",\"size\":1,\"platform\":{\"architecture\":\"amd64\",\"os\":1}}]}",
			"'manifests[0].platform.os' must be a string"));
	CHECK(
	    index_fails("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"x\",\"digest\":\"" D1
			"\",\"size\":\"1\"}]}",
			"'manifests[0].size' must be an integer"));
	CHECK(index_fails("{\"schemaVersion\":1}", "schema1 manifests are not supported"));
	CHECK(index_fails("{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST "\"}",
			  "is an image manifest, not an index"));
	CHECK(index_fails("{\"schemaVersion\":2,\"mediaType\":\"foo\"}",
			  "unsupported index media type 'foo'"));
	CHECK(index_fails("{\"schemaVersion\":2,\"layers\":[]}", "not an index"));
}

TEST(image_platform_parse_normalise)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"linux/amd64", "linux/amd64"},     {"linux/x86_64", "linux/amd64"},
	    {"Linux/X86_64", "linux/amd64"},    {"linux/aarch64", "linux/arm64"},
	    {"linux/arm64/v8", "linux/arm64"},  {"linux/arm64/8", "linux/arm64"},
	    {"linux/arm", "linux/arm/v7"},      {"linux/arm/7", "linux/arm/v7"},
	    {"linux/armhf", "linux/arm/v7"},    {"linux/armel", "linux/arm/v6"},
	    {"linux/armv6l", "linux/arm/v6"},   {"linux/i386", "linux/386"},
	    {"linux/amd64/v1", "linux/amd64"},  {"linux/amd64/v3", "linux/amd64/v3"},
	    {"arm64", "linux/arm64"},           {"s390x", "linux/s390x"},
	    {"windows/amd64", "windows/amd64"},
	};
	cleanup_err struct err *err = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct spec_platform p = SPEC_PLATFORM_INIT;
		cleanup_free char *s = NULL;

		CHECK_INT(spec_platform_parse(cases[i].in, &p, &err), 0);
		s = spec_platform_string(&p);
		CHECK_STR(s, cases[i].out);
		spec_platform_release(&p);
	}
}

TEST(image_platform_parse_bad)
{
	static const char *const bad[] = {
	    "",        "/", "linux/", "/amd64", "linux//amd64", "linux/amd64/v8/x", "linux/am d64",
	    "linux/$x"};
	cleanup_err struct err *err = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct spec_platform p = SPEC_PLATFORM_INIT;

		if (spec_platform_parse(bad[i], &p, &err) == 0) {
			unit_fail(__FILE__, __LINE__, "accepted platform '%s'", bad[i]);
			spec_platform_release(&p);
			return;
		}
		CHECK_ERR(err, "invalid platform");
	}
}

TEST(image_platform_host_match)
{
	struct spec_platform host = SPEC_PLATFORM_INIT, p = SPEC_PLATFORM_INIT;
	cleanup_err struct err *err = NULL;
	cleanup_free char *s = NULL;
	cJSON *j;

	spec_platform_host(&host);
	CHECK_STR(host.os, "linux");
	CHECK(!streq(host.architecture, "x86_64") && !streq(host.architecture, "aarch64"));
	CHECK(spec_platform_match(&host, &host));
	s = spec_platform_string(&host);
	/* a single OS component takes this host's architecture */
	CHECK_INT(spec_platform_parse("linux", &p, &err), 0);
	CHECK(spec_platform_match(&host, &p));
	spec_platform_release(&p);

	/* un-normalised values still match */
	p.os = xstrdup("linux");
	p.architecture = xstrdup("aarch64");
	host.architecture = (free(host.architecture), xstrdup("arm64"));
	free(host.variant);
	host.variant = xstrdup("v8");
	CHECK(spec_platform_match(&host, &p));
	free(p.architecture);
	p.architecture = xstrdup("amd64");
	CHECK(!spec_platform_match(&host, &p));
	j = spec_platform_to_json(&p);
	CHECK_STR(cJSON_GetObjectItem(j, "architecture")->valuestring, "amd64");
	CHECK(cJSON_GetObjectItem(j, "variant") == NULL);
	cJSON_Delete(j);
	spec_platform_release(&p);
	spec_platform_release(&host);
}

TEST(image_media_types)
{
	cleanup_err struct err *err = NULL;
	enum spec_compression c;

	CHECK(spec_media_type_is_manifest(MT_OCI_MANIFEST));
	CHECK(spec_media_type_is_manifest(MT_DOCKER_MANIFEST));
	CHECK(!spec_media_type_is_manifest(MT_OCI_INDEX));
	CHECK(!spec_media_type_is_manifest(NULL));
	CHECK(spec_media_type_is_index(MT_OCI_INDEX));
	CHECK(spec_media_type_is_index(MT_DOCKER_MANIFEST_LIST));
	CHECK(!spec_media_type_is_index(MT_DOCKER_MANIFEST));
	CHECK(spec_media_type_is_config(MT_OCI_CONFIG));
	CHECK(spec_media_type_is_config(MT_DOCKER_CONFIG));
	CHECK(!spec_media_type_is_config(MT_OCI_LAYER));
	CHECK(spec_media_type_is_schema1(MT_DOCKER_SCHEMA1));
	CHECK(spec_media_type_is_schema1(MT_DOCKER_SCHEMA1_SIGNED));
	CHECK(!spec_media_type_is_schema1(MT_DOCKER_MANIFEST));
	CHECK(spec_media_type_is_layer(MT_OCI_LAYER));
	CHECK(spec_media_type_is_layer(MT_DOCKER_FOREIGN_LAYER));
	CHECK(!spec_media_type_is_layer(MT_OCI_CONFIG));
	CHECK(!spec_media_type_is_layer(NULL));

	CHECK_INT(spec_layer_compression(MT_OCI_LAYER, &c, &err), 0);
	CHECK_INT(c, SPEC_COMPRESSION_NONE);
	CHECK_INT(spec_layer_compression(MT_OCI_LAYER_GZIP, &c, &err), 0);
	CHECK_INT(c, SPEC_COMPRESSION_GZIP);
	CHECK_INT(spec_layer_compression(MT_DOCKER_LAYER_GZIP, &c, &err), 0);
	CHECK_INT(c, SPEC_COMPRESSION_GZIP);
	CHECK_INT(spec_layer_compression(MT_OCI_LAYER_ZSTD, &c, &err), 0);
	CHECK_INT(c, SPEC_COMPRESSION_ZSTD);
	CHECK_STR(spec_compression_name(c), "zstd");
	CHECK_STR(spec_compression_name(SPEC_COMPRESSION_GZIP), "gzip");
	CHECK_STR(spec_compression_name(SPEC_COMPRESSION_NONE), "none");
	CHECK_INT(spec_layer_compression("application/vnd.oci.image.layer.v1.tar+bzip2", &c, &err),
		  -1);
	CHECK_ERR(err,
		  "unsupported layer media type 'application/vnd.oci.image.layer.v1.tar+bzip2'");
	CHECK_INT(spec_layer_compression(MT_OCI_CONFIG, &c, &err), -1);
}

static const char *detect(const char *s)
{
	return spec_detect_media_type(s, strlen(s));
}

TEST(image_detect_media_type)
{
	CHECK_STR(spec_detect_media_type(oci_manifest, strlen(oci_manifest)), MT_OCI_MANIFEST);
	CHECK_STR(spec_detect_media_type(docker_manifest, strlen(docker_manifest)),
		  MT_DOCKER_MANIFEST);
	CHECK_STR(spec_detect_media_type(index_json, strlen(index_json)), MT_DOCKER_MANIFEST_LIST);
	CHECK_STR(detect("{\"schemaVersion\":2,\"manifests\":[]}"), MT_OCI_INDEX);
	CHECK_STR(detect("{\"schemaVersion\":1}"), MT_DOCKER_SCHEMA1);
	CHECK_STR(detect("{\"config\":{},\"layers\":[]}"), MT_OCI_MANIFEST);
	CHECK_STR(detect("{\"rootfs\":{}}"), MT_OCI_CONFIG);
	CHECK(detect("{\"mediaType\":\"text/html\"}") == NULL);
	CHECK(detect("{}") == NULL);
	CHECK(detect("nonsense") == NULL);
	CHECK(detect("{\"config\":{}") == NULL);
}

static const char image_config[] =
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-02T03:04:05Z\","
    "\"author\":\"me\",\"config\":{\"User\":\"1000:1000\","
    "\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}},\"Env\":[\"PATH=/bin\",\"A=b=c\"],"
    "\"Entrypoint\":[\"/entry\"],\"Cmd\":[\"-x\",\"y\"],\"Volumes\":{\"/data\":{}},"
    "\"WorkingDir\":\"/work\",\"Labels\":{\"l1\":\"v1\",\"l2\":\"\"},\"StopSignal\":\"SIGQUIT\","
    "\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"]}},"
    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"" D2 "\"]},"
    "\"history\":[{\"created\":\"2024-01-01T00:00:00Z\",\"created_by\":\"ADD x /\"},"
    "{\"created_by\":\"ENV A=b\",\"empty_layer\":true,\"comment\":\"c\",\"author\":\"a\"}]}";

TEST(image_config_parse)
{
	cleanup_err struct err *err = NULL;
	struct spec_image_config c = SPEC_IMAGE_CONFIG_INIT, c2 = SPEC_IMAGE_CONFIG_INIT;
	cleanup_free char *text = NULL, *text2 = NULL;
	size_t len;

	CHECK_INT(spec_image_config_parse(image_config, strlen(image_config), &c, &err), 0);
	CHECK_STR(c.architecture, "amd64");
	CHECK_STR(c.os, "linux");
	CHECK_STR(c.created, "2024-01-02T03:04:05Z");
	CHECK_STR(c.author, "me");
	CHECK_STR(c.config.user, "1000:1000");
	CHECK_INT(strv_len(c.config.exposed_ports), 2);
	CHECK_STR(c.config.exposed_ports[0], "80/tcp");
	CHECK_STR(spec_strv_lookup(c.config.env, "A"), "b=c");
	CHECK_STR(spec_strv_lookup(c.config.env, "PATH"), "/bin");
	CHECK(spec_strv_lookup(c.config.env, "PAT") == NULL);
	CHECK_STR(c.config.entrypoint[0], "/entry");
	CHECK_INT(strv_len(c.config.cmd), 2);
	CHECK_STR(c.config.volumes[0], "/data");
	CHECK_STR(c.config.working_dir, "/work");
	CHECK_STR(spec_strv_lookup(c.config.labels, "l1"), "v1");
	CHECK_STR(spec_strv_lookup(c.config.labels, "l2"), "");
	CHECK_STR(c.config.stop_signal, "SIGQUIT");
	CHECK(c.config.healthcheck != NULL);
	CHECK_STR(c.rootfs_type, "layers");
	CHECK_INT(strv_len(c.diff_ids), 2);
	CHECK_STR(c.diff_ids[1], D2);
	CHECK_INT(c.n_history, 2);
	CHECK_STR(c.history[0].created_by, "ADD x /");
	CHECK(!c.history[0].empty_layer);
	CHECK(c.history[1].empty_layer);
	CHECK_STR(c.history[1].comment, "c");
	CHECK_STR(c.history[1].author, "a");

	text = spec_image_config_print(&c, &len);
	CHECK_INT(spec_image_config_parse(text, len, &c2, &err), 0);
	text2 = spec_image_config_print(&c2, NULL);
	CHECK_STR(text2, text);
	CHECK(strstr(text, "\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}}") != NULL);
	CHECK(strstr(text, "\"Labels\":{\"l1\":\"v1\",\"l2\":\"\"}") != NULL);

	spec_strv_set(&c2.config.env, "A", "new");
	spec_strv_set(&c2.config.env, "B", "1");
	CHECK_STR(spec_strv_lookup(c2.config.env, "A"), "new");
	CHECK_STR(spec_strv_lookup(c2.config.env, "B"), "1");
	CHECK_INT(strv_len(c2.config.env), 3);
	spec_image_config_release(&c);
	spec_image_config_release(&c2);
}

TEST(image_config_docker_nulls)
{
	/* docker writes null for unset fields and a string Cmd is a one-element list */
	static const char s[] =
	    "{\"architecture\":\"arm64\",\"variant\":\"v8\",\"os\":\"linux\",\"config\":{"
	    "\"Cmd\":\"sh\",\"Entrypoint\":null,\"Volumes\":null,\"Labels\":null,\"Env\":null,"
	    "\"OnBuild\":null,\"User\":\"\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
	cleanup_err struct err *err = NULL;
	struct spec_image_config c = SPEC_IMAGE_CONFIG_INIT;
	cleanup_free char *text = NULL;

	CHECK_INT(spec_image_config_parse(s, strlen(s), &c, &err), 0);
	CHECK(c.config.entrypoint == NULL);
	CHECK(c.config.volumes == NULL);
	CHECK(c.config.labels == NULL);
	CHECK_STR(c.config.cmd[0], "sh");
	CHECK_INT(strv_len(c.config.cmd), 1);
	CHECK_STR(c.variant, "v8");
	CHECK_INT(strv_len(c.diff_ids), 0);
	CHECK_INT(c.n_history, 0);
	text = spec_image_config_print(&c, NULL);
	CHECK(strstr(text, "Entrypoint") == NULL);
	CHECK(strstr(text, "\"diff_ids\":[]") != NULL);
	spec_image_config_release(&c);
}

static int config_fails(const char *s, const char *want)
{
	cleanup_err struct err *err = NULL;
	struct spec_image_config c = SPEC_IMAGE_CONFIG_INIT;

	if (spec_image_config_parse(s, strlen(s), &c, &err) == 0) {
		spec_image_config_release(&c);
		unit_fail(__FILE__, __LINE__, "config accepted: %s", s);
		return 0;
	}
	if (!err || !strstr(err->msg, want)) {
		unit_fail(__FILE__, __LINE__, "error \"%s\" lacks \"%s\"", err ? err->msg : "",
			  want);
		return 0;
	}
	return 1;
}

#define ROOTFS "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}"

TEST(image_config_bad_inputs)
{
	CHECK(config_fails("{\"os\":\"linux\"," ROOTFS "}", "'architecture' is required"));
	CHECK(config_fails("{\"architecture\":\"amd64\"," ROOTFS "}", "'os' is required"));
	CHECK(
	    config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\"}", "'rootfs' is required"));
	CHECK(
	    config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"x\","
			 "\"diff_ids\":[]}}",
			 "'rootfs.type': unsupported value 'x'"));
	CHECK(config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
			   "\"layers\"}}",
			   "'rootfs.diff_ids' is required"));
	CHECK(config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
			   "\"layers\",\"diff_ids\":[\"" D1 "\",\"sha256:zz\"]}}",
			   "'rootfs.diff_ids[1]': invalid digest 'sha256:zz'"));
	CHECK(config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
			   "\"layers\",\"diff_ids\":[1]}}",
			   "'rootfs.diff_ids[0]' must be a string"));
	CHECK(config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\"," ROOTFS
			   ",\"config\":{\"Env\":[\"A=1\",2]}}",
			   "'config.Env[1]' must be a string"));
	CHECK(config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\"," ROOTFS
			   ",\"config\":{\"Cmd\":{}}}",
			   "'config.Cmd' must be an array of strings"));
	CHECK(config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\"," ROOTFS
			   ",\"config\":{\"ExposedPorts\":[\"80\"]}}",
			   "'config.ExposedPorts' must be an object"));
	CHECK(config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\"," ROOTFS
			   ",\"config\":{\"Volumes\":{\"/d\":1}}}",
			   "'config.Volumes./d' must be an object"));
	CHECK(config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\"," ROOTFS
			   ",\"config\":{\"Labels\":{\"a\":true}}}",
			   "'config.Labels.a' must be a string"));
	CHECK(config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\"," ROOTFS
			   ",\"config\":{\"User\":0}}",
			   "'config.User' must be a string"));
	CHECK(config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\"," ROOTFS
			   ",\"config\":\"x\"}",
			   "'config' must be an object"));
	CHECK(config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\"," ROOTFS
			   ",\"history\":[{\"empty_layer\":\"yes\"}]}",
			   "'history[0].empty_layer' must be a boolean"));
	CHECK(config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\"," ROOTFS
			   ",\"history\":[{},3]}",
			   "'history[1]' must be an object"));
	CHECK(config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\"," ROOTFS
			   ",\"history\":{}}",
			   "'history' must be an array"));
	CHECK(config_fails("\"string\"", "image config must be a JSON object"));
	CHECK(config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\"," ROOTFS "} x",
			   "trailing data"));
}

TEST(image_descriptor_copy_json)
{
	cleanup_err struct err *err = NULL;
	struct spec_descriptor d = SPEC_DESCRIPTOR_INIT, c = SPEC_DESCRIPTOR_INIT;
	cleanup_json cJSON *j = NULL, *j2 = NULL;
	cleanup_free char *a = NULL, *b = NULL;

	j = cJSON_Parse("{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":5,"
			"\"annotations\":{\"org.opencontainers.image.ref.name\":\"x\"},"
			"\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":"
			"\"v7\"},\"urls\":[\"http://x\"]}");
	CHECK(j != NULL);
	CHECK_INT(spec_descriptor_parse(j, "d", &d, &err), 0);
	spec_descriptor_copy(&c, &d);
	spec_descriptor_release(&d);
	CHECK_STR(c.digest, D1);
	CHECK_INT(c.size, 5);
	CHECK_STR(c.platform->variant, "v7");
	CHECK_STR(spec_descriptor_annotation(&c, "org.opencontainers.image.ref.name"), "x");
	spec_descriptor_set_annotation(&c, "org.opencontainers.image.ref.name", "y");
	CHECK_STR(spec_descriptor_annotation(&c, "org.opencontainers.image.ref.name"), "y");
	j2 = spec_descriptor_to_json(&c);
	a = json_print(j2, false);
	CHECK_STR(a,
		  "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" D1
		  "\",\"size\":5,\"urls\":[\"http://x\"],"
		  "\"annotations\":{\"org.opencontainers.image.ref.name\":\"y\"},"
		  "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}}");
	spec_descriptor_release(&c);
	CHECK_INT(spec_descriptor_parse(cJSON_GetObjectItem(j, "urls"), "d", &d, &err), -1);
	CHECK_ERR(err, "'d' must be an object");
	/* a huge size that does not fit a double exactly */
	cJSON_ReplaceItemInObject(j, "size", cJSON_CreateNumber(1e300));
	CHECK_INT(spec_descriptor_parse(j, "d", &d, &err), -1);
	CHECK_ERR(err, "'d.size' must be an integer");
	(void)b;
}

TEST(image_descriptor_foreign_layer_roundtrip)
{
	static const char s[] =
	    "{\"schemaVersion\":2,\"mediaType\":\"" MT_DOCKER_MANIFEST "\","
	    "\"config\":{\"mediaType\":\"" MT_DOCKER_CONFIG "\",\"digest\":\"" D1 "\",\"size\":7},"
	    "\"layers\":[{\"mediaType\":\"" MT_DOCKER_FOREIGN_LAYER "\",\"digest\":\"" D2 "\","
	    "\"size\":9,\"urls\":[\"https://example.com/layer\"]},"
	    "{\"mediaType\":\"" MT_OCI_LAYER "\",\"digest\":\"" D3 "\",\"size\":2,"
	    "\"data\":\"aGk=\",\"artifactType\":\"application/x-test\"}]}";
	cleanup_err struct err *err = NULL;
	struct spec_manifest m = SPEC_MANIFEST_INIT;
	struct spec_descriptor c = SPEC_DESCRIPTOR_INIT;
	cleanup_free char *text = NULL;

	CHECK_INT(spec_manifest_parse(s, strlen(s), &m, &err), 0);
	CHECK_STR(m.layers[0].urls[0], "https://example.com/layer");
	CHECK_STR(m.layers[1].data, "aGk=");
	CHECK_STR(m.layers[1].artifact_type, "application/x-test");
	text = spec_manifest_print(&m, NULL);
	CHECK_STR(text, s);
	spec_descriptor_copy(&c, &m.layers[1]);
	CHECK_STR(c.data, "aGk=");
	spec_descriptor_release(&c);
	spec_manifest_release(&m);
	CHECK(manifest_fails("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1
			     "\",\"size\":1,\"urls\":[3]},\"layers\":[]}",
			     "'config.urls[0]' must be a string"));
}

TEST(image_from_json_direct)
{
	cleanup_err struct err *err = NULL;
	cleanup_json cJSON *j = cJSON_Parse(oci_manifest), *arr = cJSON_CreateArray();
	cleanup_json cJSON *mj = NULL, *pj = NULL;
	struct spec_manifest m = SPEC_MANIFEST_INIT;
	struct spec_index idx = SPEC_INDEX_INIT;
	struct spec_image_config c = SPEC_IMAGE_CONFIG_INIT;
	struct spec_platform p = SPEC_PLATFORM_INIT;

	CHECK_INT(spec_manifest_from_json(j, &m, &err), 0);
	mj = spec_manifest_to_json(&m);
	CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(mj, "layers")), 2);
	spec_manifest_release(&m);
	CHECK_INT(spec_manifest_from_json(arr, &m, &err), -1);
	CHECK_ERR(err, "manifest must be a JSON object");
	CHECK_INT(spec_index_from_json(arr, &idx, &err), -1);
	CHECK_ERR(err, "index must be a JSON object");
	CHECK_INT(spec_image_config_from_json(arr, &c, &err), -1);
	CHECK_ERR(err, "image config must be a JSON object");
	CHECK_INT(spec_platform_from_json(arr, "p", &p, &err), -1);
	CHECK_ERR(err, "'p' must be an object");
	pj = cJSON_Parse("{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}");
	CHECK_INT(spec_platform_from_json(pj, "p", &p, &err), 0);
	CHECK_STR(p.variant, "v7");
	spec_platform_release(&p);
}

TEST(image_platform_rank)
{
	cleanup_err struct err *err = NULL;
	struct spec_platform v7 = SPEC_PLATFORM_INIT, v6 = SPEC_PLATFORM_INIT,
			     v5 = SPEC_PLATFORM_INIT, amd = SPEC_PLATFORM_INIT;

	CHECK_INT(spec_platform_parse("linux/arm/v7", &v7, &err), 0);
	CHECK_INT(spec_platform_parse("linux/arm/v6", &v6, &err), 0);
	CHECK_INT(spec_platform_parse("linux/arm/v5", &v5, &err), 0);
	CHECK_INT(spec_platform_parse("linux/amd64", &amd, &err), 0);
	CHECK_INT(spec_platform_rank(&v7, &v7), 10);
	CHECK_INT(spec_platform_rank(&v7, &v6), 9);
	CHECK_INT(spec_platform_rank(&v7, &v5), 8);
	CHECK_INT(spec_platform_rank(&v6, &v7), 0);
	CHECK_INT(spec_platform_rank(&v7, &amd), 0);
	CHECK(!spec_platform_match(&amd, &v7));
	spec_platform_release(&v7);
	spec_platform_release(&v6);
	spec_platform_release(&v5);
	spec_platform_release(&amd);
}

/* fuzz_image found it: a size past int64_t's range was converted (UB). */
TEST(image_descriptor_huge_size)
{
	static const char s[] = "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST "\","
				"\"config\":{\"mediaType\":\"" MT_OCI_CONFIG "\",\"digest\":\"" D1
				"\",\"size\":11111111111111111111111110},\"layers\":[]}";

	CHECK(manifest_fails(s, "size"));
}
