/* fuzz.h: helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.c). */
#ifndef KIST_FUZZ_H
#define KIST_FUZZ_H

#include <stddef.h> /* size_t */
#include <stdint.h> /* uint8_t */
#include <stdlib.h> /* malloc */
#include <string.h> /* memcpy */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (malloc'd; NULs inside cut it). */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
