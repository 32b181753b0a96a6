/* test_docker_archive.c: a docker-archive's manifest.json. */
#include <string.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "spec/docker_archive.h"
#include "tests/unit/unit.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static int parse(const char *text, struct spec_archive_manifest *m, struct err **err)
{
	return spec_archive_manifest_parse(text, strlen(text), m, err);
}

TEST(archive_manifest_docker_save)
{
	cleanup_err struct err *err = NULL;
	struct spec_archive_manifest m = SPEC_ARCHIVE_MANIFEST_INIT;
	const char *text =
	    "[{\"Config\":\"./" HEX64 ".json\",\"RepoTags\":[\"busybox:latest\"],"
	    "\"Layers\":[\"/a/layer.tar\",\"./b/layer.tar\"]},"
	    "{\"Config\":\"blobs/sha256/" HEX64 "\",\"RepoTags\":null,\"Layers\":[]}]";

	CHECK_INT(parse(text, &m, &err), 0);
	CHECK_INT(m.n_images, 2);
	CHECK_STR(m.images[0].config, HEX64 ".json");
	CHECK_STR(m.images[0].repo_tags[0], "busybox:latest");
	CHECK(m.images[0].repo_tags[1] == NULL);
	CHECK_INT(m.images[0].n_layers, 2);
	CHECK_STR(m.images[0].layers[0], "a/layer.tar");
	CHECK_STR(m.images[0].layers[1], "b/layer.tar");
	CHECK(m.images[1].repo_tags == NULL);
	CHECK_INT(m.images[1].n_layers, 0);
	spec_archive_manifest_release(&m);
}

TEST(archive_manifest_blob_names)
{
	char d[DIGEST_STR_MAX];

	CHECK(spec_archive_name_blob("blobs/sha256/" HEX64, d));
	CHECK_STR(d, "sha256:" HEX64);
	CHECK(!spec_archive_name_blob("blobs/sha256/../../etc/passwd", d));
	CHECK(!spec_archive_name_blob("blobs/sha256/" HEX64 "/x", d));
	CHECK(!spec_archive_name_blob("blobs/sha512/" HEX64, d));
	CHECK_STR(spec_archive_name_clean("././//x/y"), "x/y");
	CHECK_STR(spec_archive_name_clean("./"), "");
	/* found by fuzzing: a "./" after the slashes stayed */
	CHECK_STR(spec_archive_name_clean("///./ksnlx"), "ksnlx");
	CHECK_STR(spec_archive_name_clean(".//./.x"), ".x");
}

TEST(archive_manifest_refused)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
	    {"{}", "non-empty array"},
	    {"[]", "non-empty array"},
	    {"[1]", "'manifest.json[0]' must be an object"},
	    {"[{\"Layers\":[]}]", "Config"},
	    {"[{\"Config\":\"./\",\"Layers\":[]}]", "'manifest.json[0].Config': empty entry name"},
	    {"[{\"Config\":\"c\"}]", "Layers"},
	    {"[{\"Config\":\"c\",\"Layers\":[\"a\",2]}]", "Layers"},
	    {"[{\"Config\":\"c\",\"Layers\":[\"a\",\"/\"]}]", "Layers[1]': empty entry name"},
	    {"[{\"Config\":\"c\",\"Layers\":[],\"RepoTags\":[{}]}]", "RepoTags"},
	    {"[{\"Config\":\"c\",\"Layers\":[]},{\"Config\":7,\"Layers\":[]}]",
	     "manifest.json[1].Config"},
	    {"[{\"Config\":\"c\\u0000.json\",\"Layers\":[]}]", "NUL"},
	    {"[{\"Config\":", "manifest.json"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_err struct err *err = NULL;
		struct spec_archive_manifest m = SPEC_ARCHIVE_MANIFEST_INIT;

		if (parse(bad[i].text, &m, &err) == 0) {
			unit_fail(__FILE__, __LINE__, "'%s' was accepted", bad[i].text);
			spec_archive_manifest_release(&m);
			return;
		}
		CHECK_ERR(err, bad[i].msg);
		CHECK(m.images == NULL);
	}
}
