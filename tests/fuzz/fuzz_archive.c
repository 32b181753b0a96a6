/* fuzz_archive.c: a docker-archive's manifest.json (what kist-store load
 * reads) and the entry names it gives. */
#include "common/err.h"
#include "spec/docker_archive.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec_archive_manifest m = SPEC_ARCHIVE_MANIFEST_INIT;
	struct err *e = NULL;
	char d[DIGEST_STR_MAX];

	if (spec_archive_manifest_parse((const char *)data, size, &m, &e) == 0) {
		for (size_t i = 0; i < m.n_images; i++) {
			const struct spec_archive_image *im = &m.images[i];

			if (!im->config[0] || !im->layers)
				abort(); /* parse promised a name and a layer vector */
			(void)spec_archive_name_blob(im->config, d);
			for (size_t k = 0; k < im->n_layers; k++)
				if (!im->layers[k][0] ||
				    spec_archive_name_clean(im->layers[k]) != im->layers[k])
					abort(); /* names come out clean and non-empty */
		}
		spec_archive_manifest_release(&m);
	}
	err_free(e);
	return 0;
}
