/* main.c: the unit test runner.  Usage: unit-tests [NAME-SUBSTRING]. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/log.h"
#include "tests/unit/unit.h"

static struct unit_test *tests;
static int current_failed;
static char tmpdir[64];

void unit_register(struct unit_test *t)
{
	t->next = tests;
	tests = t;
}

void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stdout, "FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	current_failed = 1;
}

const char *unit_tmpdir(void)
{
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/kist-unit.XXXXXX");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			abort();
		}
	}
	return tmpdir;
}

static void reverse(void)
{
	struct unit_test *prev = NULL, *t = tests, *next;

	for (; t; t = next) {
		next = t->next;
		t->next = prev;
		prev = t;
	}
	tests = prev;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	struct unit_test *t;

	log_init(argv[0]);
	reverse();
	for (t = tests; t; t = t->next) {
		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		current_failed = 0;
		t->fn();
		if (tmpdir[0]) {
			fs_rm_rf(tmpdir, NULL);
			tmpdir[0] = '\0';
		}
		if (current_failed) {
			printf("not ok %s (%s)\n", t->name, t->file);
			failed++;
		} else {
			passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
