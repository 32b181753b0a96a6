/* test_dockerignore.c: .dockerignore patterns with docker's rules
 * (build/dockerignore.c). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/df_internal.h"
#include "build/dockerfile.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "tests/unit/unit.h"

static struct dockerignore *load(const char *text)
{
	struct dockerignore *d = NULL;
	cleanup_err struct err *e = NULL;

	if (dockerignore_parse(text, strlen(text), &d, &e) < 0)
		return NULL;
	return d;
}

/* Each of paths ("a/b,c") excluded (want true) or not. */
static bool all(const struct dockerignore *d, const char *paths, bool want, const char **bad)
{
	static char copy[512];
	char *save = NULL;

	snprintf(copy, sizeof(copy), "%s", paths);
	for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (dockerignore_excluded(d, p) != want) {
			*bad = p;
			return false;
		}
	}
	return true;
}

#define CHECK_IGNORE(text, excluded, kept)                                                         \
	do {                                                                                       \
		struct dockerignore *d_ = load(text);                                              \
		const char *bad_ = NULL;                                                           \
		bool ok1_, ok2_;                                                                   \
		CHECK(d_ != NULL);                                                                 \
		ok1_ = all(d_, excluded, true, &bad_);                                             \
		ok2_ = ok1_ && all(d_, kept, false, &bad_);                                        \
		dockerignore_free(d_);                                                             \
		if (!ok1_)                                                                         \
			unit_fail(__FILE__, __LINE__, "'%s' should be excluded by %s", bad_,       \
				  #text);                                                          \
		if (ok1_ && !ok2_)                                                                 \
			unit_fail(__FILE__, __LINE__, "'%s' should be kept by %s", bad_, #text);   \
		if (!ok1_ || !ok2_)                                                                \
			return;                                                                    \
	} while (0)

TEST(dockerignore_path_clean)
{
	static const char *const cases[][2] = {
	    {"", "."},       {".", "."},       {"a/b/", "a/b"},
	    {"./a", "a"},    {"a//b", "a/b"},  {"a/./b", "a/b"},
	    {"a/../b", "b"}, {"../a", "../a"}, {"a/../../b", "../b"},
	    {"/../a", "/a"}, {"/", "/"},       {"//a/", "/a"},
	    {"a/b/..", "a"}, {"..", ".."},     {"../..", "../.."},
	    {"a/..", "."},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *got = df_path_clean(cases[i][0]);

		CHECK_STR(got, cases[i][1]);
	}
}

TEST(dockerignore_basic)
{
	CHECK_IGNORE("# comment\n\n  *.md  \n", "README.md,a.md", "src/b.md,md,a.mdx,#x");
	CHECK_IGNORE("node_modules\n", "node_modules,node_modules/a/b", "a/node_modules,node");
	CHECK_IGNORE("/build/\n./tmp\n", "build,build/x,tmp/y", "a/build,tmpx");
	CHECK_IGNORE("a/*/c\n", "a/b/c,a/x/c/d", "a/c,a/b/x/c,a/b/cd");
	CHECK_IGNORE("?.txt\n", "a.txt,\xc3\xa9.txt", "ab.txt,.txt,a/b.txt");
	CHECK_IGNORE("[a-c]?\n", "a1,cz", "d1,a,a12");
	CHECK_IGNORE("[^a]x\n", "bx", "ax");
	CHECK_IGNORE("\\*x\n", "*x", "ax");
	CHECK_IGNORE("a.b\n", "a.b", "axb");
	CHECK_IGNORE("a]\n", "a]", "a");
	CHECK_IGNORE("[\\]]x\n", "]x", "x");
	/* a comment only at the line's start */
	CHECK_IGNORE(" #x\n", "#x", "x");
	/* a byte order mark and CRLF */
	CHECK_IGNORE("\xef\xbb\xbf"
		     "a\r\nb\r\n",
		     "a,b", "c");
}

TEST(dockerignore_double_star)
{
	CHECK_IGNORE("**/*.go\n", "a.go,x/a.go,x/y/z.go", "a.gox,go");
	CHECK_IGNORE("**\n", "a,a/b", "");
	CHECK_IGNORE("a/**\n", "a/b,a/b/c", "ab");
	CHECK_IGNORE("a/**/b\n", "a/b,a/x/b,a/x/y/b", "ab,a/xb,x/a/b");
	/* "**foo" is a plain suffix, as patternmatcher has it */
	CHECK_IGNORE("**foo\n", "foo,xfoo,a/xfoo", "foox");
	CHECK_IGNORE("**/foo\n", "foo,a/foo,a/b/foo,foo/x", "xfoo");
	CHECK_IGNORE("x**\n", "x,xy,x/y", "yx");
}

TEST(dockerignore_exceptions)
{
	/* later lines win */
	CHECK_IGNORE("*.md\n!README.md\n", "a.md", "README.md");
	CHECK_IGNORE("!README.md\n*.md\n", "a.md,README.md", "b");
	/* an excluded directory, a file inside it excepted */
	CHECK_IGNORE("docs\n!docs/keep.txt\n", "docs,docs/a.txt", "docs/keep.txt");
	/* an exception for a directory brings back what is below it */
	CHECK_IGNORE("*\n!src\n", "a,b/c", "src,src/a/b");
	CHECK_IGNORE("*\n! src \n", "a", "src/x");
}

TEST(dockerignore_may_hold_exception)
{
	struct dockerignore *d = load("docs\n!docs/keep/*.txt\n");

	CHECK(d != NULL);
	CHECK(dockerignore_may_hold_exception(d, "docs"));
	CHECK(dockerignore_may_hold_exception(d, "docs/keep"));
	CHECK(!dockerignore_may_hold_exception(d, "docs/other"));
	CHECK(!dockerignore_may_hold_exception(d, "src"));
	CHECK(dockerignore_excluded(d, "docs/keep/b.md"));
	CHECK(!dockerignore_excluded(d, "docs/keep/b.txt"));
	dockerignore_free(d);
	d = load("vendor\n");
	CHECK(d != NULL);
	CHECK(!dockerignore_may_hold_exception(d, "vendor"));
	dockerignore_free(d);
	d = load("vendor\n!**/*.go\n");
	CHECK(d != NULL);
	CHECK(dockerignore_may_hold_exception(d, "vendor/x"));
	dockerignore_free(d);
}

TEST(dockerignore_errors)
{
	struct dockerignore *d = NULL;
	cleanup_err struct err *e = NULL;

	CHECK_INT(dockerignore_parse("a\n!\n", 4, &d, &e), -1);
	CHECK_STR(e->msg, ".dockerignore:2: illegal exclusion pattern: \"!\"");
	CHECK(d == NULL);
	err_free(e);
	e = NULL;
	CHECK_INT(dockerignore_parse("[a-\n", 4, &d, &e), -1);
	CHECK_STR(e->msg, ".dockerignore:1: syntax error in pattern \"[a-\"");
	err_free(e);
	e = NULL;
	CHECK_INT(dockerignore_parse("[]a]\n", 5, &d, &e), -1);
	CHECK_ERR(e, "syntax error in pattern");
	err_free(e);
	e = NULL;
	CHECK_INT(dockerignore_parse("[-a]\n", 5, &d, &e), -1);
	CHECK_ERR(e, "syntax error in pattern");
	/* an empty file excludes nothing */
	CHECK_INT(dockerignore_parse("", 0, &d, NULL), 0);
	CHECK(!dockerignore_excluded(d, "a"));
	CHECK(!dockerignore_may_hold_exception(d, "a"));
	dockerignore_free(d);
}
