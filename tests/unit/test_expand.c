/* test_expand.c: docker's variable expansion and word splitting of
 * Dockerfile arguments (build/expand.c). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/dockerfile.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "tests/unit/unit.h"

static const char *const vars[] = {
    "A=a",           "B=b b",   "EMPTY=", "PATH=/usr/bin:/bin", "A=alpha", "F=file.tar.gz",
    "DQ=say \"hi\"", "BR=a[x]", NULL,
};

static char *expand(const char *word, char escape)
{
	cleanup_err struct err *e = NULL;
	char *out = NULL;

	if (df_expand(word, vars, escape, &out, &e) < 0)
		return xasprintf("error: %s", e->msg);
	return out;
}

static char *words(const char *text)
{
	cleanup_err struct err *e = NULL;
	cleanup_strv char **w = NULL;
	struct buf b = BUF_INIT;

	if (df_words(text, vars, '\\', &w, &e) < 0)
		return xasprintf("error: %s", e->msg);
	for (char **p = w; *p; p++)
		buf_addf(&b, "<%s>", *p);
	return buf_detach(&b, NULL);
}

#define CHECK_EXPAND(in, want)                                                                     \
	do {                                                                                       \
		cleanup_free char *got_ = expand(in, '\\');                                        \
		CHECK_STR(got_, want);                                                             \
	} while (0)

#define CHECK_WORDS(in, want)                                                                      \
	do {                                                                                       \
		cleanup_free char *got_ = words(in);                                               \
		CHECK_STR(got_, want);                                                             \
	} while (0)

TEST(expand_plain)
{
	CHECK_EXPAND("", "");
	CHECK_EXPAND("plain text", "plain text");
	CHECK_EXPAND("$A", "alpha"); /* the later A wins */
	CHECK_EXPAND("${A}x", "alphax");
	CHECK_EXPAND("$Ax", "");
	CHECK_EXPAND("x$NOPE-y", "x-y");
	CHECK_EXPAND("$", "$");
	CHECK_EXPAND("a$ b", "a$ b");
	CHECK_EXPAND("$PATH:/x", "/usr/bin:/bin:/x");
	CHECK_EXPAND("$1x", "x");
}

TEST(expand_quotes_and_escapes)
{
	CHECK_EXPAND("\"$A\"", "alpha");
	CHECK_EXPAND("'$A'", "$A");
	CHECK_EXPAND("\\$A", "$A");
	CHECK_EXPAND("\\\\$A", "\\alpha");
	CHECK_EXPAND("a\\ b", "a b");
	CHECK_EXPAND("\"a\\\"b\\$A\\\\c\\d\"", "a\"b$A\\c\\d");
	CHECK_EXPAND("'a\\b'", "a\\b");
	CHECK_EXPAND("it's\"\"", "error: failed to process \"it's\"\"\": unexpected end of "
				 "statement while looking for matching single-quote");
	CHECK_EXPAND("\"open", "error: failed to process \"\"open\": unexpected end of statement "
			       "while looking for matching double-quote");
	CHECK_EXPAND("trailing\\", "trailing");
	CHECK_EXPAND("$DQ", "say \"hi\""); /* a value's quotes stay */
	/* the escape directive's backtick */
	{
		cleanup_free char *got = expand("`$A \\x c:\\dir", '`');

		CHECK_STR(got, "$A \\x c:\\dir");
	}
}

TEST(expand_modifiers)
{
	CHECK_EXPAND("${NOPE:-def}", "def");
	CHECK_EXPAND("${EMPTY:-def}", "def");
	CHECK_EXPAND("${EMPTY-def}", "");
	CHECK_EXPAND("${A:-def}", "alpha");
	CHECK_EXPAND("${NOPE:-${A:-x}y}", "alphay");
	CHECK_EXPAND("${NOPE:-\"a b\"}", "a b");
	CHECK_EXPAND("${NOPE:-'$A'}", "$A");
	CHECK_EXPAND("${NOPE:-a\\}b}", "a}b");
	CHECK_EXPAND("${A:+set}", "set");
	CHECK_EXPAND("${EMPTY:+set}", "");
	CHECK_EXPAND("${EMPTY+set}", "set");
	CHECK_EXPAND("${NOPE+set}", "");
	CHECK_EXPAND("${A:?}", "alpha");
	CHECK_EXPAND("${NOPE:?}", "error: failed to process \"${NOPE:?}\": NOPE: is not allowed "
				  "to be unset");
	CHECK_EXPAND("${EMPTY:?}", "error: failed to process \"${EMPTY:?}\": EMPTY: is not "
				   "allowed to be empty");
	CHECK_EXPAND("${EMPTY?}", "");
	CHECK_EXPAND("${NOPE?set it}", "error: failed to process \"${NOPE?set it}\": NOPE: set it");
	CHECK_EXPAND("${F%.*}", "file.tar");
	CHECK_EXPAND("${F%%.*}", "file");
	CHECK_EXPAND("${F#*.}", "tar.gz");
	CHECK_EXPAND("${F##*.}", "gz");
	CHECK_EXPAND("${F#nomatch}", "file.tar.gz");
	CHECK_EXPAND("${PATH/bin/sbin}", "/usr/sbin:/bin");
	CHECK_EXPAND("${PATH//bin/sbin}", "/usr/sbin:/sbin");
	CHECK_EXPAND("${NOPE/a/b}", "");
	CHECK_EXPAND("${BR/[x]/y}", "ay");
	CHECK_EXPAND("${BR#?}", "[x]");
	CHECK_EXPAND("${PATH/\\/usr/}", "/bin:/bin");
	CHECK_EXPAND("${F%\\*}", "file.tar.gz");
	CHECK_EXPAND("${F#*\\.}", "error: failed to process \"${F#*\\.}\": invalid pattern (*\\.) "
				  "in substitution: invalid escape '\\.'");
	CHECK_EXPAND("${F/x", "error: failed to process \"${F/x\": syntax error: missing '/' in "
			      "${}");
	CHECK_EXPAND("${F/x/", "error: failed to process \"${F/x/\": syntax error: missing '}'");
}

TEST(expand_errors)
{
	CHECK_EXPAND("${", "error: failed to process \"${\": syntax error: missing '}'");
	CHECK_EXPAND("${A", "error: failed to process \"${A\": syntax error: missing '}'");
	CHECK_EXPAND("${A:-x", "error: failed to process \"${A:-x\": syntax error: missing '}'");
	CHECK_EXPAND("${}", "error: failed to process \"${}\": syntax error: bad substitution");
	CHECK_EXPAND("${:-x}", "error: failed to process \"${:-x}\": syntax error: bad "
			       "substitution");
	CHECK_EXPAND("${A!}", "error: failed to process \"${A!}\": unsupported modifier (!) in "
			      "substitution");
	CHECK_EXPAND("${A:%x}", "error: failed to process \"${A:%x}\": unsupported modifier "
				"(:%) in substitution");
}

TEST(expand_words)
{
	CHECK_WORDS("", "");
	CHECK_WORDS("  a  b\tc ", "<a><b><c>");
	CHECK_WORDS("\"a b\" 'c d' e\\ f", "<a b><c d><e f>");
	CHECK_WORDS("$B x", "<b><b><x>");
	CHECK_WORDS("\"$B\" x", "<b b><x>");
	CHECK_WORDS("80/tcp ${NOPE} \"\" 443", "<80/tcp><443>");
	CHECK_WORDS("cat <<  EOF > x << y", "<cat><<<  EOF><>><x><<< y>");
	CHECK_WORDS("'unterminated", "error: failed to process \"'unterminated\": unexpected end "
				     "of statement while looking for matching single-quote");
}

TEST(expand_heredoc_content)
{
	cleanup_err struct err *e = NULL;
	cleanup_free char *out = NULL;

	CHECK_INT(df_expand_heredoc("echo \"$A\" '$B' \\$A ${NOPE:-d}\n", vars, &out, &e), 0);
	CHECK_STR(out, "echo \"alpha\" 'b b' $A d\n");
}

TEST(expand_kvs_see_old_values)
{
	const char *t = "ARG X Y=${A}2\nFROM a\nENV A=1 B=$A C=\"$B d\" 'E'='$A' F=a\\ b\n"
			"ENV PATH /x:$PATH\nENV G=${NOPE:?unset}\n";
	struct dockerfile *df = NULL;
	cleanup_err struct err *e = NULL;
	cleanup_strv char **v = NULL;
	cleanup_strv char **w = NULL;
	cleanup_strv char **x = NULL;
	cleanup_strv char **y = NULL;

	CHECK_INT(dockerfile_parse(t, strlen(t), "Dockerfile", &df, &e), 0);
	CHECK_INT(df_expand_kvs(&df->instrs[0], vars, df->escape, &x, &e), 0);
	CHECK_STR(x[0], "X");
	CHECK_STR(x[1], "Y=alpha2");
	CHECK(x[2] == NULL);
	CHECK_INT(df_expand_kvs(&df->instrs[2], vars, df->escape, &v, &e), 0);
	/* B sees the A from before the instruction, not 1 */
	CHECK_STR(v[0], "A=1");
	CHECK_STR(v[1], "B=alpha");
	CHECK_STR(v[2], "C=b b d");
	CHECK_STR(v[3], "E=$A");
	CHECK_STR(v[4], "F=a b");
	CHECK(v[5] == NULL);
	CHECK_INT(df_expand_kvs(&df->instrs[3], vars, df->escape, &w, &e), 0);
	CHECK_STR(w[0], "PATH=/x:/usr/bin:/bin");
	CHECK_INT(df_expand_kvs(&df->instrs[4], vars, df->escape, &y, &e), -1);
	CHECK_ERR(e, "NOPE: unset");
	dockerfile_free(df);
}

TEST(expand_used_names)
{
	cleanup_err struct err *e = NULL;
	cleanup_strv char **used = NULL;
	cleanup_free char *a = NULL;
	cleanup_free char *b = NULL;

	CHECK_INT(df_expand_used("$A/${NOPE:-${B}}/'$C'/\\$D/$A", vars, '\\', &a, &used, &e), 0);
	CHECK_STR(a, "alpha/b b/$C/$D/alpha");
	CHECK_INT(strv_len(used), 3);
	CHECK_STR(used[0], "A");
	CHECK_STR(used[1], "NOPE");
	CHECK_STR(used[2], "B");
	CHECK_INT(df_expand_used("${F%.*}$A", vars, '\\', &b, &used, &e), 0);
	CHECK_INT(strv_len(used), 4);
	CHECK_STR(used[3], "F");
}
