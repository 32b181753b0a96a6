/* unit.h: a tiny test framework.  Each test_<module>.c defines TEST(name)
 * functions; they register themselves and main.c runs them all, printing one
 * line per failure and a closing "N passed, N failed". */
#ifndef KIST_UNIT_H
#define KIST_UNIT_H

#include <stdint.h> /* intmax_t */
#include <string.h> /* strcmp */

struct unit_test {
	const char *name;
	const char *file;
	void (*fn)(void);
	struct unit_test *next;
};

void unit_register(struct unit_test *t);
void unit_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A scratch directory for the current test (removed after it). */
const char *unit_tmpdir(void);

#define TEST(n)                                                                 \
	static void test_##n(void);                                             \
	static struct unit_test unit_##n = { #n, __FILE__, test_##n, NULL };    \
	__attribute__((constructor)) static void unit_reg_##n(void)             \
	{                                                                       \
		unit_register(&unit_##n);                                       \
	}                                                                       \
	static void test_##n(void)

#define CHECK(c)                                                        \
	do {                                                            \
		if (!(c)) {                                             \
			unit_fail(__FILE__, __LINE__, "CHECK(%s)", #c); \
			return;                                         \
		}                                                       \
	} while (0)

#define CHECK_INT(a, b)                                                                  \
	do {                                                                             \
		intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                         \
		if (a_ != b_) {                                                          \
			unit_fail(__FILE__, __LINE__, "%s == %jd, expected %s == %jd", #a, \
				  a_, #b, b_);                                           \
			return;                                                          \
		}                                                                        \
	} while (0)

#define CHECK_STR(a, b)                                                                   \
	do {                                                                              \
		const char *a_ = (a), *b_ = (b);                                          \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                  \
			unit_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a, \
				  a_ ? a_ : "(null)", b_ ? b_ : "(null)");                 \
			return;                                                           \
		}                                                                         \
	} while (0)

/* err must contain the substring s (checks an error message). */
#define CHECK_ERR(e, s)                                                                    \
	do {                                                                               \
		if (!(e) || !(e)->msg || !strstr((e)->msg, (s))) {                         \
			unit_fail(__FILE__, __LINE__, "error \"%s\" lacks \"%s\"",          \
				  (e) && (e)->msg ? (e)->msg : "(no error)", (s));         \
			return;                                                            \
		}                                                                          \
	} while (0)

#endif
