/* fuzz_ref.c: image references (docker's grammar) and digests. */
#include <stdlib.h>
#include "common/digest.h"
#include "common/err.h"
#include "common/ref.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	struct ref r = REF_INIT;
	struct err *e = NULL;

	if (ref_parse(s, &r, &e) == 0) {
		struct ref again = REF_INIT;
		char *full = ref_string(&r), *fam = ref_familiar(&r), *name = ref_name(&r);

		/* the normalised form parses to itself */
		if (ref_parse(full, &again, NULL) < 0)
			abort();
		ref_release(&again);
		free(full);
		free(fam);
		free(name);
		ref_release(&r);
	}
	err_free(e);
	e = NULL;
	if (digest_validate(s, &e) == 0 && !digest_is_valid(s))
		abort();
	err_free(e);
	free(s);
	return 0;
}
