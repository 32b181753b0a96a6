/* fuzz_image.c: manifests, indexes, image configs and media type sniffing. */
#include "common/err.h"
#include "spec/image.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct spec_manifest m = SPEC_MANIFEST_INIT;
	struct spec_index idx = SPEC_INDEX_INIT;
	struct spec_image_config c = SPEC_IMAGE_CONFIG_INIT;
	struct err *e = NULL;

	(void)spec_detect_media_type(text, size);
	if (spec_manifest_parse(text, size, &m, &e) == 0)
		spec_manifest_release(&m);
	err_free(e);
	e = NULL;
	if (spec_index_parse(text, size, &idx, &e) == 0) {
		const struct spec_descriptor *sel;
		struct err *e2 = NULL;

		(void)spec_index_select(&idx, NULL, &sel, &e2);
		err_free(e2);
		spec_index_release(&idx);
	}
	err_free(e);
	e = NULL;
	if (spec_image_config_parse(text, size, &c, &e) == 0)
		spec_image_config_release(&c);
	err_free(e);
	return 0;
}
