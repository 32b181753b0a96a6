/* json.c: cJSON helpers: parse with a byte position in errors, load and
 * write files (atomically), typed getters that name the JSON path. */
#define _GNU_SOURCE
#include <errno.h>  /* EFBIG */
#include <fcntl.h>  /* AT_FDCWD */
#include <math.h>   /* isfinite, trunc */
#include <stdint.h> /* int64_t */
#include <stdlib.h> /* free */
#include <string.h> /* strlen */

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"

void cleanup_jsonp(cJSON **j)
{
	cJSON_Delete(*j);
	*j = NULL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The offset of the first NUL a string of the JSON text holds (a raw 0 byte
 * or a \u0000 escape), or -1.  cJSON decodes both into its C strings,
 * which then end there: "/bin/tr\u0000ue" would read as "/bin/tr". */
static ssize_t nul_in_strings(const char *text, size_t len)
{
	bool in_string = false;

	if (!memchr(text, '\0', len) && !memmem(text, len, "u0000", 5))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\0')
			return (ssize_t)i;
		if (!in_string) {
			in_string = text[i] == '"';
			continue;
		}
		if (text[i] == '"') {
			in_string = false;
		} else if (text[i] == '\\' && i + 1 < len) {
			if (text[i + 1] == 'u' && i + 5 < len &&
			    memcmp(text + i + 2, "0000", 4) == 0)
				return (ssize_t)i;
			i++; /* the escaped character */
		}
	}
	return -1;
}

cJSON *json_parse(const char *text, size_t len, const char *what, struct err **err)
{
	ssize_t nul;
	const char *end = NULL;
	cJSON *doc;
	size_t pos;

	if (!what)
		what = "JSON";
	if (!text || len == 0) {
		err_set(err, 0, "%s: invalid JSON near byte 0: empty input", what);
		return NULL;
	}
	doc = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!doc) {
		pos = end && end >= text ? (size_t)(end - text) : 0;
		if (pos > len)
			pos = len;
		err_set(err, 0, "%s: invalid JSON near byte %zu", what, pos);
		return NULL;
	}
	pos = end && end >= text ? (size_t)(end - text) : len;
	while (pos < len && is_space(text[pos]))
		pos++;
	if (pos < len) {
		cJSON_Delete(doc);
		err_set(err, 0, "%s: invalid JSON near byte %zu: trailing data", what, pos);
		return NULL;
	}
	/* refused for the whole document: such strings become paths, argv, env */
	nul = nul_in_strings(text, len);
	if (nul >= 0) {
		cJSON_Delete(doc);
		err_set_code(err, EINVAL, "%s: a string holds a NUL character near byte %zd", what,
			     nul);
		return NULL;
	}
	return doc;
}

static cJSON *load(int dirfd, const char *path, size_t max, struct err **err)
{
	cleanup_free char *text = NULL;
	cleanup_free char *what = NULL;
	size_t len = 0;

	if (max == 0)
		max = JSON_MAX_SIZE;
	if (fs_read_allat(dirfd, path, max, &text, &len, err) < 0) {
		if (err && *err && (*err)->code == EFBIG) {
			err_set(err, 0, "'%s' is too large: larger than %zu bytes", path, max);
			(*err)->code = EFBIG;
		}
		return NULL;
	}
	what = xasprintf("parse '%s'", path);
	return json_parse(text, len, what, err);
}

cJSON *json_load_file(const char *path, size_t max, struct err **err)
{
	return load(AT_FDCWD, path, max, err);
}

cJSON *json_load_fileat(int dirfd, const char *path, size_t max, struct err **err)
{
	return load(dirfd, path, max, err);
}

char *json_print(const cJSON *doc, bool pretty)
{
	char *s = pretty ? cJSON_Print(doc) : cJSON_PrintUnformatted(doc);

	if (!s) {
		/* cJSON fails only on allocation (or a NULL doc). */
		if (!doc)
			return xstrdup("null");
		die_oom();
	}
	return s;
}

int json_write_fileat(int dirfd, const char *path, const cJSON *doc, mode_t mode, struct err **err)
{
	cleanup_free char *text = json_print(doc, true);
	size_t len = strlen(text);

	text = xrealloc(text, len + 2);
	text[len++] = '\n';
	text[len] = '\0';
	return fs_write_file_atomicat(dirfd, path, text, len, mode, err);
}

int json_write_file(const char *path, const cJSON *doc, mode_t mode, struct err **err)
{
	return json_write_fileat(AT_FDCWD, path, doc, mode, err);
}

/* ---- typed getters ---- */

static char *field_path(const char *path, const char *key)
{
	if (!path || !*path)
		return xstrdup(key);
	return xasprintf("%s.%s", path, key);
}

/* 1 and *item when present, 0 when absent (or null), -1 when obj is not an object
 * or the field is required and absent. */
static int lookup(const cJSON *obj, const char *path, const char *key, bool required,
		  const cJSON **item, struct err **err)
{
	const cJSON *it = NULL;

	if (obj && !cJSON_IsObject(obj))
		return err_set(err, 0, "'%s' must be an object", path && *path ? path : "(root)");
	if (obj)
		it = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!it || cJSON_IsNull(it)) {
		if (required) {
			cleanup_free char *fp = field_path(path, key);
			return err_set(err, 0, "'%s' is required", fp);
		}
		return 0;
	}
	*item = it;
	return 1;
}

static int type_error(const char *path, const char *key, const char *what, struct err **err)
{
	cleanup_free char *fp = field_path(path, key);

	return err_set(err, 0, "'%s' must be %s", fp, what);
}

int json_get_string(const cJSON *obj, const char *path, const char *key, bool required,
		    const char **out, struct err **err)
{
	const cJSON *it = NULL;
	int r = lookup(obj, path, key, required, &it, err);

	if (r <= 0)
		return r;
	if (!cJSON_IsString(it) || !it->valuestring)
		return type_error(path, key, "a string", err);
	*out = it->valuestring;
	return 1;
}

int json_get_bool(const cJSON *obj, const char *path, const char *key, bool required, bool *out,
		  struct err **err)
{
	const cJSON *it = NULL;
	int r = lookup(obj, path, key, required, &it, err);

	if (r <= 0)
		return r;
	if (!cJSON_IsBool(it))
		return type_error(path, key, "a boolean", err);
	*out = cJSON_IsTrue(it);
	return 1;
}

static int get_integer(const cJSON *obj, const char *path, const char *key, bool required,
		       double lo, double hi_excl, const char *what, double *out, struct err **err)
{
	const cJSON *it = NULL;
	int r = lookup(obj, path, key, required, &it, err);
	double v;

	if (r <= 0)
		return r;
	if (!cJSON_IsNumber(it))
		return type_error(path, key, what, err);
	v = it->valuedouble;
	if (!isfinite(v) || trunc(v) != v || v < lo || v >= hi_excl)
		return type_error(path, key, what, err);
	*out = v;
	return 1;
}

int json_get_int64(const cJSON *obj, const char *path, const char *key, bool required, int64_t *out,
		   struct err **err)
{
	double v = 0;
	/* A double cannot hold INT64_MAX: 9223372036854775807 arrives as 2^63,
	 * which is accepted and read back as INT64_MAX. */
	int r = get_integer(obj, path, key, required, -9223372036854775808.0,
			    9223372036854775808.0 * (1 + 0x1p-52), "an integer", &v, err);

	if (r == 1)
		*out = v >= 9223372036854775808.0 ? INT64_MAX : (int64_t)v;
	return r;
}

int json_get_uint32(const cJSON *obj, const char *path, const char *key, bool required,
		    uint32_t *out, struct err **err)
{
	double v = 0;
	int r = get_integer(obj, path, key, required, 0.0, 4294967296.0,
			    "an integer between 0 and 4294967295", &v, err);

	if (r == 1)
		*out = (uint32_t)v;
	return r;
}

int json_get_object(const cJSON *obj, const char *path, const char *key, bool required,
		    const cJSON **out, struct err **err)
{
	const cJSON *it = NULL;
	int r = lookup(obj, path, key, required, &it, err);

	if (r <= 0)
		return r;
	if (!cJSON_IsObject(it))
		return type_error(path, key, "an object", err);
	*out = it;
	return 1;
}

int json_get_array(const cJSON *obj, const char *path, const char *key, bool required,
		   const cJSON **out, struct err **err)
{
	const cJSON *it = NULL;
	int r = lookup(obj, path, key, required, &it, err);

	if (r <= 0)
		return r;
	if (!cJSON_IsArray(it))
		return type_error(path, key, "an array", err);
	*out = it;
	return 1;
}

int json_get_strv(const cJSON *obj, const char *path, const char *key, bool required, char ***out,
		  struct err **err)
{
	const cJSON *it = NULL, *el;
	cleanup_strv char **v = NULL;
	size_t n = 0;
	int r = lookup(obj, path, key, required, &it, err);

	if (r <= 0)
		return r;
	if (!cJSON_IsArray(it))
		return type_error(path, key, "an array of strings", err);
	v = xcalloc((size_t)cJSON_GetArraySize(it) + 1, sizeof(*v));
	cJSON_ArrayForEach(el, it)
	{
		if (!cJSON_IsString(el) || !el->valuestring)
			return type_error(path, key, "an array of strings", err);
		v[n++] = xstrdup(el->valuestring);
	}
	*out = steal_pointer(&v);
	return 1;
}

int json_get_string_map(const cJSON *obj, const char *path, const char *key, bool required,
			char ***out, struct err **err)
{
	const cJSON *it = NULL, *el;
	cleanup_strv char **v = NULL;
	size_t n = 0;
	int r = lookup(obj, path, key, required, &it, err);

	if (r <= 0)
		return r;
	if (!cJSON_IsObject(it))
		return type_error(path, key, "an object of strings", err);
	v = xcalloc((size_t)cJSON_GetArraySize(it) + 1, sizeof(*v));
	cJSON_ArrayForEach(el, it)
	{
		if (!cJSON_IsString(el) || !el->valuestring || !el->string) {
			cleanup_free char *fp = field_path(path, key);
			return err_set(err, 0, "'%s.%s' must be a string", fp,
				       el->string ? el->string : "");
		}
		v[n++] = xasprintf("%s=%s", el->string, el->valuestring);
	}
	*out = steal_pointer(&v);
	return 1;
}

cJSON *json_strv_to_array(char *const *v)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	if (!a)
		die_oom();
	for (i = 0; v && v[i]; i++) {
		cJSON *s = cJSON_CreateString(v[i]);

		if (!s || !cJSON_AddItemToArray(a, s))
			die_oom();
	}
	return a;
}
