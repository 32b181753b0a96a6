/* test_names.c: generated container names (cli/names.c). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "cli/kist.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "tests/unit/unit.h"

static bool shaped(const char *n, bool digit)
{
	const char *us = strchr(n, '_');
	size_t len = strlen(n);

	if (!us || us == n || strchr(us + 1, '_') || !us[1])
		return false;
	for (const char *p = n; *p; p++) {
		if (*p == '_')
			continue;
		if (digit && p == n + len - 1)
			return *p >= '0' && *p <= '9';
		if (*p < 'a' || *p > 'z')
			return false;
	}
	return !digit;
}

TEST(names_shape)
{
	for (int i = 0; i < 200; i++) {
		cleanup_free char *a = names_generate(0);
		cleanup_free char *b = names_generate(1);

		CHECK(shaped(a, false));
		CHECK(shaped(b, true));
	}
}

TEST(names_vary)
{
	cleanup_strv char **seen = NULL;
	size_t distinct = 0;

	/* 200 draws from thousands of pairs: far more than a handful differ */
	for (int i = 0; i < 200; i++) {
		cleanup_free char *n = names_generate(0);
		bool dup = false;

		for (size_t j = 0; seen && seen[j]; j++)
			if (streq(seen[j], n))
				dup = true;
		if (!dup) {
			strv_push(&seen, n);
			distinct++;
		}
	}
	CHECK(distinct > 100);
}
