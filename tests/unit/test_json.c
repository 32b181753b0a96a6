/* test_json.c: parsing with positions, files, typed getters. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "tests/unit/unit.h"

static cJSON *parse(const char *s)
{
	return json_parse(s, strlen(s), "test", NULL);
}

TEST(json_parse_valid)
{
	cleanup_json cJSON *j = NULL;
	cleanup_err struct err *e = NULL;
	const char *s = "  {\"a\": [1, 2, {\"b\": null}], \"c\": \"\\u00e9\"} \n\t";

	j = json_parse(s, strlen(s), "doc", &e);
	CHECK(j != NULL);
	CHECK(e == NULL);
	CHECK(cJSON_IsArray(cJSON_GetObjectItem(j, "a")));
	CHECK_STR(cJSON_GetObjectItem(j, "c")->valuestring, "\xc3\xa9");
}

TEST(json_parse_not_nul_terminated)
{
	cleanup_json cJSON *j = NULL;
	char text[8];

	/* The length bounds the input: no NUL after it. */
	memcpy(text, "[1,2]XXX", 8);
	j = json_parse(text, 5, "t", NULL);
	CHECK(j != NULL);
	CHECK_INT(cJSON_GetArraySize(j), 2);
}

TEST(json_parse_errors_name_position)
{
	cleanup_err struct err *e = NULL;

	CHECK(json_parse("{\"a\": [1,", 9, "parse config.json", &e) == NULL);
	CHECK_ERR(e, "parse config.json: invalid JSON near byte ");
	CHECK(json_parse("{\"a\": tru}", 10, "x", &e) == NULL);
	CHECK_ERR(e, "x: invalid JSON near byte 6");
	CHECK(json_parse("[1] [2]", 7, "x", &e) == NULL);
	CHECK_ERR(e, "x: invalid JSON near byte 4: trailing data");
	CHECK(json_parse("", 0, "empty", &e) == NULL);
	CHECK_ERR(e, "empty: invalid JSON near byte 0");
	CHECK(json_parse("   ", 3, "blank", &e) == NULL);
	CHECK_ERR(e, "blank: invalid JSON");
	CHECK(json_parse(NULL, 0, NULL, &e) == NULL);
	CHECK_ERR(e, "invalid JSON");
	CHECK(json_parse("{\"a\":1}\0{", 9, "nul", &e) == NULL);
	CHECK_ERR(e, "nul: invalid JSON near byte 7");
	CHECK(json_parse("{'a':1}", 7, "quote", &e) == NULL);
	CHECK_ERR(e, "quote: invalid JSON near byte 2");
	CHECK(json_parse("nul", 3, "x", &e) == NULL);
	CHECK(json_parse("\"abc", 4, "x", &e) == NULL);
	CHECK(json_parse("{\"a\" 1}", 7, "x", &e) == NULL);
	CHECK(json_parse("[1,]", 4, "x", &e) == NULL);
}

TEST(json_parse_every_truncation)
{
	const char *doc = "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\",\"-c\",\"echo "
			  "\\\"hi\\\"\"],\"env\":[],\"user\":{\"uid\":0}},\"root\":{\"path\":"
			  "\"rootfs\",\"readonly\":true},\"n\":-1.5e3}";
	size_t len = strlen(doc), i;
	cleanup_json cJSON *full = NULL;

	full = json_parse(doc, len, "full", NULL);
	CHECK(full != NULL);
	for (i = 0; i < len; i++) {
		cleanup_err struct err *e = NULL;
		char *copy = xstrndup(doc, i); /* exact size: ASan sees any over-read */
		cJSON *j = json_parse(copy, i, "trunc", &e);

		free(copy);
		if (j) {
			cJSON_Delete(j);
			unit_fail(__FILE__, __LINE__, "prefix of %zu bytes parsed", i);
			return;
		}
		CHECK_ERR(e, "trunc: invalid JSON near byte ");
	}
}

TEST(json_parse_deep_nesting)
{
	cleanup_err struct err *e = NULL;
	size_t depth = 100000, i;
	char *s = xmalloc(depth * 2);
	cJSON *j;

	for (i = 0; i < depth; i++) {
		s[i] = '[';
		s[depth * 2 - 1 - i] = ']';
	}
	j = json_parse(s, depth * 2, "deep", &e);
	free(s);
	CHECK(j == NULL);
	CHECK_ERR(e, "deep: invalid JSON near byte ");

	/* Moderate nesting is fine. */
	s = xmalloc(200);
	for (i = 0; i < 100; i++) {
		s[i] = '[';
		s[199 - i] = ']';
	}
	j = json_parse(s, 200, "ok", NULL);
	free(s);
	CHECK(j != NULL);
	cJSON_Delete(j);
}

TEST(json_parse_huge)
{
	struct buf b = BUF_INIT;
	cJSON *j;
	int i;

	buf_addch(&b, '[');
	for (i = 0; i < 200000; i++)
		buf_addf(&b, "%s\"item-%d\"", i ? "," : "", i);
	buf_addch(&b, ']');
	j = json_parse(b.data, b.len, "huge", NULL);
	buf_release(&b);
	CHECK(j != NULL);
	CHECK_INT(cJSON_GetArraySize(j), 200000);
	cJSON_Delete(j);
}

TEST(json_get_string)
{
	cleanup_json cJSON *j = parse("{\"a\":\"x\",\"n\":1,\"z\":null,\"o\":{\"p\":\"\"}}");
	cleanup_err struct err *e = NULL;
	const char *s = "unset";
	const cJSON *o = NULL;

	CHECK_INT(json_get_string(j, "", "a", true, &s, &e), 1);
	CHECK_STR(s, "x");
	s = "unset";
	CHECK_INT(json_get_string(j, "", "missing", false, &s, &e), 0);
	CHECK_STR(s, "unset");
	CHECK_INT(json_get_string(j, "", "z", false, &s, &e), 0);
	CHECK(e == NULL);
	CHECK_INT(json_get_string(j, "", "missing", true, &s, &e), -1);
	CHECK_ERR(e, "'missing' is required");
	CHECK_INT(json_get_string(j, "", "n", false, &s, &e), -1);
	CHECK_ERR(e, "'n' must be a string");
	CHECK_INT(json_get_object(j, "", "o", true, &o, &e), 1);
	CHECK_INT(json_get_string(o, "o", "p", true, &s, &e), 1);
	CHECK_STR(s, "");
	CHECK_INT(json_get_string(o, "root", "path", true, &s, &e), -1);
	CHECK_STR(e->msg, "'root.path' is required");
	/* A NULL object: everything is absent. */
	CHECK_INT(json_get_string(NULL, "x", "y", false, &s, &e), 0);
	CHECK_INT(json_get_string(NULL, "x", "y", true, &s, &e), -1);
	CHECK_STR(e->msg, "'x.y' is required");
	/* Not an object. */
	CHECK_INT(json_get_string(cJSON_GetObjectItem(j, "a"), "a", "b", false, &s, &e), -1);
	CHECK_STR(e->msg, "'a' must be an object");
	/* Keys are case sensitive. */
	CHECK_INT(json_get_string(j, "", "A", false, &s, &e), 0);
}

TEST(json_get_bool)
{
	cleanup_json cJSON *j = parse("{\"t\":true,\"f\":false,\"s\":\"true\",\"n\":0}");
	cleanup_err struct err *e = NULL;
	bool b = false;

	CHECK_INT(json_get_bool(j, "", "t", true, &b, &e), 1);
	CHECK(b);
	CHECK_INT(json_get_bool(j, "", "f", true, &b, &e), 1);
	CHECK(!b);
	CHECK_INT(json_get_bool(j, "root", "readonly", false, &b, &e), 0);
	CHECK_INT(json_get_bool(j, "root", "s", false, &b, &e), -1);
	CHECK_STR(e->msg, "'root.s' must be a boolean");
	CHECK_INT(json_get_bool(j, "", "n", false, &b, &e), -1);
	CHECK_STR(e->msg, "'n' must be a boolean");
	CHECK_INT(json_get_bool(j, "process", "terminal", true, &b, &e), -1);
	CHECK_STR(e->msg, "'process.terminal' is required");
}

TEST(json_get_int64)
{
	cleanup_json cJSON *j =
	    parse("{\"a\":42,\"neg\":-7,\"f\":1.5,\"s\":\"1\",\"big\":1e300,"
		  "\"max\":9007199254740992,\"edge\":9223372036854775807,"
		  "\"over\":18446744073709551616,\"under\":-9223372036854777856,"
		  "\"min\":-9223372036854775808,\"z\":-0}");
	cleanup_err struct err *e = NULL;
	int64_t v = 0;

	CHECK_INT(json_get_int64(j, "", "a", true, &v, &e), 1);
	CHECK_INT(v, 42);
	CHECK_INT(json_get_int64(j, "", "neg", true, &v, &e), 1);
	CHECK_INT(v, -7);
	CHECK_INT(json_get_int64(j, "", "max", true, &v, &e), 1);
	CHECK(v == INT64_C(9007199254740992));
	CHECK_INT(json_get_int64(j, "", "min", true, &v, &e), 1);
	CHECK(v == INT64_MIN);
	CHECK_INT(json_get_int64(j, "", "z", true, &v, &e), 1);
	CHECK_INT(v, 0);
	CHECK_INT(json_get_int64(j, "", "nope", false, &v, &e), 0);
	CHECK_INT(json_get_int64(j, "process.user", "f", false, &v, &e), -1);
	CHECK_STR(e->msg, "'process.user.f' must be an integer");
	CHECK_INT(json_get_int64(j, "", "s", false, &v, &e), -1);
	CHECK_STR(e->msg, "'s' must be an integer");
	CHECK_INT(json_get_int64(j, "", "big", false, &v, &e), -1);
	CHECK_STR(e->msg, "'big' must be an integer");
	/* INT64_MAX (as written by Go for "unlimited") survives the double. */
	CHECK_INT(json_get_int64(j, "", "edge", false, &v, &e), 1);
	CHECK(v == INT64_MAX);
	CHECK_INT(json_get_int64(j, "", "over", false, &v, &e), -1);
	CHECK_STR(e->msg, "'over' must be an integer");
	CHECK_INT(json_get_int64(j, "", "under", false, &v, &e), -1);
	CHECK_STR(e->msg, "'under' must be an integer");
}

TEST(json_get_uint32)
{
	cleanup_json cJSON *j = parse("{\"u\":4294967295,\"over\":4294967296,\"neg\":-1,\"z\":0,"
				      "\"f\":0.5}");
	cleanup_err struct err *e = NULL;
	uint32_t v = 1;

	CHECK_INT(json_get_uint32(j, "", "u", true, &v, &e), 1);
	CHECK(v == UINT32_MAX);
	CHECK_INT(json_get_uint32(j, "", "z", true, &v, &e), 1);
	CHECK_INT(v, 0);
	CHECK_INT(json_get_uint32(j, "process.user", "over", true, &v, &e), -1);
	CHECK_STR(e->msg, "'process.user.over' must be an integer between 0 and 4294967295");
	CHECK_INT(json_get_uint32(j, "", "neg", true, &v, &e), -1);
	CHECK_ERR(e, "'neg' must be an integer between 0 and");
	CHECK_INT(json_get_uint32(j, "", "f", true, &v, &e), -1);
	CHECK_INT(json_get_uint32(j, "", "uid", true, &v, &e), -1);
	CHECK_STR(e->msg, "'uid' is required");
}

TEST(json_get_object_and_array)
{
	cleanup_json cJSON *j = parse("{\"o\":{},\"a\":[],\"s\":\"x\"}");
	cleanup_err struct err *e = NULL;
	const cJSON *o = NULL, *a = NULL;

	CHECK_INT(json_get_object(j, "", "o", true, &o, &e), 1);
	CHECK(cJSON_IsObject(o));
	CHECK_INT(json_get_array(j, "", "a", true, &a, &e), 1);
	CHECK(cJSON_IsArray(a));
	CHECK_INT(json_get_object(j, "", "a", true, &o, &e), -1);
	CHECK_STR(e->msg, "'a' must be an object");
	CHECK_INT(json_get_array(j, "linux", "o", true, &a, &e), -1);
	CHECK_STR(e->msg, "'linux.o' must be an array");
	CHECK_INT(json_get_array(j, "linux", "s", false, &a, &e), -1);
	CHECK_INT(json_get_object(j, "", "none", false, &o, &e), 0);
	CHECK_INT(json_get_array(j, "", "none", true, &a, &e), -1);
	CHECK_STR(e->msg, "'none' is required");
}

TEST(json_get_strv)
{
	cleanup_json cJSON *j = parse("{\"args\":[\"sh\",\"-c\",\"\"],\"empty\":[],"
				      "\"mixed\":[\"a\",1],\"nested\":[[\"a\"]],\"str\":\"sh\"}");
	cleanup_err struct err *e = NULL;
	cleanup_strv char **v = NULL;
	cleanup_strv char **w = NULL;
	char **none = NULL;

	CHECK_INT(json_get_strv(j, "process", "args", true, &v, &e), 1);
	CHECK_INT(strv_len(v), 3);
	CHECK_STR(v[0], "sh");
	CHECK_STR(v[2], "");
	CHECK_INT(json_get_strv(j, "process", "empty", true, &w, &e), 1);
	CHECK(w != NULL && w[0] == NULL);
	CHECK_INT(json_get_strv(j, "process", "mixed", true, &none, &e), -1);
	CHECK_STR(e->msg, "'process.mixed' must be an array of strings");
	CHECK(none == NULL);
	CHECK_INT(json_get_strv(j, "process", "nested", true, &none, &e), -1);
	CHECK_STR(e->msg, "'process.nested' must be an array of strings");
	CHECK_INT(json_get_strv(j, "process", "str", true, &none, &e), -1);
	CHECK_STR(e->msg, "'process.str' must be an array of strings");
	CHECK_INT(json_get_strv(j, "process", "env", false, &none, &e), 0);
	CHECK(none == NULL);
	CHECK_INT(json_get_strv(j, "", "env", true, &none, &e), -1);
	CHECK_STR(e->msg, "'env' is required");
}

TEST(json_get_string_map)
{
	cleanup_json cJSON *j = parse("{\"Labels\":{\"a\":\"1\",\"b.c\":\"x=y\",\"e\":\"\"},"
				      "\"Bad\":{\"a\":\"1\",\"n\":2},\"arr\":[]}");
	cleanup_err struct err *e = NULL;
	cleanup_strv char **v = NULL;
	char **none = NULL;

	CHECK_INT(json_get_string_map(j, "config", "Labels", true, &v, &e), 1);
	CHECK_INT(strv_len(v), 3);
	CHECK_STR(v[0], "a=1");
	CHECK_STR(v[1], "b.c=x=y");
	CHECK_STR(v[2], "e=");
	CHECK_INT(json_get_string_map(j, "config", "Bad", true, &none, &e), -1);
	CHECK_STR(e->msg, "'config.Bad.n' must be a string");
	CHECK(none == NULL);
	CHECK_INT(json_get_string_map(j, "", "arr", true, &none, &e), -1);
	CHECK_STR(e->msg, "'arr' must be an object of strings");
	CHECK_INT(json_get_string_map(j, "", "Annotations", false, &none, &e), 0);
}

TEST(json_strv_to_array)
{
	char *v[] = {"a", "\"q\"", "", NULL};
	cJSON *a = json_strv_to_array(v);
	cJSON *empty = json_strv_to_array(NULL);
	cleanup_free char *text = json_print(a, false);
	cleanup_free char *etext = json_print(empty, false);

	cJSON_Delete(a);
	cJSON_Delete(empty);
	CHECK_STR(text, "[\"a\",\"\\\"q\\\"\",\"\"]");
	CHECK_STR(etext, "[]");
}

TEST(json_print)
{
	cleanup_json cJSON *j = parse("{\"a\":[1,\"x\"],\"b\":{}}");
	cleanup_free char *compact = json_print(j, false);
	cleanup_free char *pretty = json_print(j, true);

	CHECK_STR(compact, "{\"a\":[1,\"x\"],\"b\":{}}");
	CHECK(strchr(pretty, '\n') && strchr(pretty, '\t'));
}

TEST(json_write_and_load_file)
{
	cleanup_free char *path = xasprintf("%s/state.json", unit_tmpdir());
	cleanup_json cJSON *j = parse("{\"status\":\"running\",\"pid\":12}");
	cleanup_json cJSON *back = NULL;
	cleanup_json cJSON *back2 = NULL;
	cleanup_err struct err *e = NULL;
	cleanup_close int dfd = -1;
	const char *s = NULL;
	struct stat st;

	CHECK_INT(json_write_file(path, j, 0640, &e), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0640 & ~022 & 0777);
	back = json_load_file(path, 0, &e);
	CHECK(back != NULL);
	CHECK_INT(json_get_string(back, "", "status", true, &s, &e), 1);
	CHECK_STR(s, "running");
	/* Overwrite through a dirfd. */
	dfd = open(unit_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dfd >= 0);
	cJSON_ReplaceItemInObject(j, "status", cJSON_CreateString("stopped"));
	CHECK_INT(json_write_fileat(dfd, "state.json", j, 0600, &e), 0);
	back2 = json_load_fileat(dfd, "state.json", 1024, &e);
	CHECK(back2 != NULL);
	CHECK_INT(json_get_string(back2, "", "status", true, &s, &e), 1);
	CHECK_STR(s, "stopped");
}

TEST(json_load_file_errors)
{
	cleanup_free char *dir = xstrdup(unit_tmpdir());
	cleanup_free char *missing = xasprintf("%s/missing.json", dir);
	cleanup_free char *bad = xasprintf("%s/bad.json", dir);
	cleanup_free char *big = xasprintf("%s/big.json", dir);
	cleanup_free char *blob = xmalloc(JSON_MAX_SIZE + 10);
	cleanup_err struct err *e = NULL;
	cleanup_free char *msg = NULL;

	CHECK(json_load_file(missing, 0, &e) == NULL);
	msg = xasprintf("open '%s': No such file or directory", missing);
	CHECK_STR(e->msg, msg);
	free(msg);
	msg = NULL;

	CHECK_INT(fs_write_file_atomic(bad, "{\"a\":", 5, 0600, NULL), 0);
	CHECK(json_load_file(bad, 0, &e) == NULL);
	msg = xasprintf("parse '%s': invalid JSON near byte 4", bad);
	CHECK_STR(e->msg, msg);
	free(msg);
	msg = NULL;

	CHECK_INT(fs_write_file_atomic(big, "[1, 2, 3, 4]", 12, 0600, NULL), 0);
	CHECK(json_load_file(big, 11, &e) == NULL);
	msg = xasprintf("'%s' is too large: larger than 11 bytes", big);
	CHECK_STR(e->msg, msg);
	free(msg);
	msg = NULL;
	CHECK_INT(e->code, EFBIG);
	cJSON_Delete(json_load_file(big, 12, &e));

	/* The default cap: JSON_MAX_SIZE. */
	memset(blob, ' ', JSON_MAX_SIZE + 10);
	blob[0] = '1';
	CHECK_INT(fs_write_file_atomic(big, blob, JSON_MAX_SIZE + 1, 0600, NULL), 0);
	CHECK(json_load_file(big, 0, &e) == NULL);
	CHECK_ERR(e, "is too large: larger than 4194304 bytes");
	CHECK_INT(fs_write_file_atomic(big, blob, JSON_MAX_SIZE, 0600, NULL), 0);
	cJSON_Delete(json_load_file(big, 0, &e));
	CHECK_ERR(e, "is too large"); /* e unchanged by success */
	{
		cJSON *ok = json_load_file(big, 0, NULL);

		CHECK(ok != NULL);
		cJSON_Delete(ok);
	}
}

TEST(json_write_file_error_leaves_nothing)
{
	cleanup_free char *path = xasprintf("%s/nodir/x.json", unit_tmpdir());
	cleanup_json cJSON *j = parse("{}");
	cleanup_err struct err *e = NULL;

	CHECK_INT(json_write_file(path, j, 0600, &e), -1);
	CHECK_ERR(e, "nodir/x.json");
	CHECK(!fs_exists(path));
}

static cJSON *parse_str(const char *s, const char *what, struct err **e)
{
	return json_parse(s, strlen(s), what, e);
}

TEST(json_parse_refuses_nul_in_strings)
{
	cleanup_err struct err *e = NULL;
	cleanup_json cJSON *ok1 = NULL, *ok2 = NULL, *ok3 = NULL;
	static const char raw[] = "{\"a\": \"x\0y\"}";

	/* \u0000 would cut "/bin/tr\u0000ue" to "/bin/tr" */
	CHECK(parse_str("{\"args\": [\"/bin/tr\\u0000ue\"]}", "config.json", &e) == NULL);
	CHECK_ERR(e, "config.json: a string holds a NUL character near byte 18");
	CHECK_INT(e->code, EINVAL);
	/* in a key, and a raw 0 byte */
	CHECK(parse_str("{\"a\\u0000b\": 1}", "k", &e) == NULL);
	CHECK_ERR(e, "k: a string holds a NUL character near byte 3");
	CHECK(json_parse(raw, sizeof(raw) - 1, "raw", &e) == NULL);
	CHECK_ERR(e, "raw: ");
	/* an escaped backslash before u0000 is no NUL; nor is \u0001 or u0000 outside strings */
	ok1 = parse_str("[\"a\\\\u0000\"]", "t", &e);
	CHECK(ok1 != NULL);
	CHECK_STR(cJSON_GetArrayItem(ok1, 0)->valuestring, "a\\u0000");
	ok2 = parse_str("[\"\\u0001\", \"u0000\"]", "t", &e);
	CHECK(ok2 != NULL);
	ok3 = parse_str("{\"x\\\"\\u0000\": 1}", "t", NULL);
	CHECK(ok3 == NULL);
}
