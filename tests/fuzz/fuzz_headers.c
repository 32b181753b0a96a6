/* fuzz_headers.c: WWW-Authenticate challenges and Link pagination headers. */
#include <stdlib.h>
#include "fetch/fetch.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	static const char *const params[] = {"realm", "service", "scope", "error"};

	free(http_challenge_scheme(s));
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		free(http_challenge_param(s, params[i]));
	free(http_link_next(s));
	free(s);
	return 0;
}
