/* fuzz_config.c: runtime config.json parsing (json_parse, NUL check,
 * spec_config_parse). */
#include <string.h>
#include "common/err.h"
#include "common/json.h"
#include "spec/runtime_config.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err *e = NULL;
	cJSON *j = json_parse((const char *)data, size, "config.json", &e);
	struct spec_config c;

	if (j) {
		memset(&c, 0, sizeof(c));
		if (spec_config_parse(j, &c, &e) == 0)
			spec_config_release(&c);
		cJSON_Delete(j);
	}
	err_free(e);
	return 0;
}
