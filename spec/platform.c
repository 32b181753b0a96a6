/* platform.c: media type helpers and platforms (parse, normalise, match)
 * as docker and containerd do them. */
#define _GNU_SOURCE
#include <ctype.h>       /* tolower, isdigit */
#include <errno.h>       /* EINVAL */
#include <stdarg.h>      /* va_list */
#include <stdlib.h>      /* free, atoi */
#include <string.h>      /* strtok_r, strcasecmp */
#include <sys/utsname.h> /* uname */

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/util.h"
#include "spec/image.h"

/* A string field of a platform object into *out (copied); null is absent. */
static int field_str(const cJSON *obj, const char *path, const char *key, bool required, char **out,
		     struct err **err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!v || cJSON_IsNull(v))
		return required ? err_set_code(err, EINVAL, "'%s.%s' is required", path, key) : 0;
	if (!cJSON_IsString(v))
		return err_set_code(err, EINVAL, "'%s.%s' must be a string", path, key);
	*out = xstrdup(v->valuestring);
	return 1;
}

/* ---- media types ---- */

bool spec_media_type_is_manifest(const char *mt)
{
	return mt && (streq(mt, MT_OCI_MANIFEST) || streq(mt, MT_DOCKER_MANIFEST));
}

bool spec_media_type_is_index(const char *mt)
{
	return mt && (streq(mt, MT_OCI_INDEX) || streq(mt, MT_DOCKER_MANIFEST_LIST));
}

bool spec_media_type_is_config(const char *mt)
{
	return mt && (streq(mt, MT_OCI_CONFIG) || streq(mt, MT_DOCKER_CONFIG));
}

bool spec_media_type_is_schema1(const char *mt)
{
	return mt && (streq(mt, MT_DOCKER_SCHEMA1) || streq(mt, MT_DOCKER_SCHEMA1_SIGNED));
}

static const struct {
	const char *mt;
	enum spec_compression c;
} layer_types[] = {
    {MT_OCI_LAYER, SPEC_COMPRESSION_NONE},
    {MT_OCI_LAYER_GZIP, SPEC_COMPRESSION_GZIP},
    {MT_OCI_LAYER_ZSTD, SPEC_COMPRESSION_ZSTD},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar", SPEC_COMPRESSION_NONE},
    {MT_OCI_LAYER_NONDIST_GZIP, SPEC_COMPRESSION_GZIP},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", SPEC_COMPRESSION_ZSTD},
    {MT_DOCKER_LAYER_GZIP, SPEC_COMPRESSION_GZIP},
    {MT_DOCKER_FOREIGN_LAYER, SPEC_COMPRESSION_GZIP},
    {"application/vnd.docker.image.rootfs.diff.tar", SPEC_COMPRESSION_NONE},
    {"application/vnd.docker.image.rootfs.diff.tar.zstd", SPEC_COMPRESSION_ZSTD}};

bool spec_media_type_is_layer(const char *mt)
{
	size_t i;

	for (i = 0; mt && i < ARRAY_SIZE(layer_types); i++)
		if (streq(mt, layer_types[i].mt))
			return true;
	return false;
}

int spec_layer_compression(const char *mt, enum spec_compression *out, struct err **err)
{
	size_t i;

	for (i = 0; mt && i < ARRAY_SIZE(layer_types); i++) {
		if (streq(mt, layer_types[i].mt)) {
			*out = layer_types[i].c;
			return 0;
		}
	}
	return err_set_code(err, EINVAL, "unsupported layer media type '%s'", mt ? mt : "");
}

const char *spec_compression_name(enum spec_compression c)
{
	switch (c) {
	case SPEC_COMPRESSION_GZIP:
		return "gzip";
	case SPEC_COMPRESSION_ZSTD:
		return "zstd";
	case SPEC_COMPRESSION_NONE:
		break;
	}
	return "none";
}

static const char *const known_types[] = {
    MT_OCI_INDEX,  MT_OCI_MANIFEST,  MT_DOCKER_MANIFEST, MT_DOCKER_MANIFEST_LIST,
    MT_OCI_CONFIG, MT_DOCKER_CONFIG, MT_DOCKER_SCHEMA1,  MT_DOCKER_SCHEMA1_SIGNED};

const char *spec_detect_media_type(const char *data, size_t len)
{
	cleanup_json cJSON *j = NULL;
	const cJSON *mt, *sv;
	size_t i;

	if (len > SPEC_MAX_DOC_SIZE)
		return NULL;
	j = cJSON_ParseWithLength(data, len);
	if (!cJSON_IsObject(j))
		return NULL;
	mt = cJSON_GetObjectItemCaseSensitive(j, "mediaType");
	if (cJSON_IsString(mt)) {
		for (i = 0; i < ARRAY_SIZE(known_types); i++)
			if (streq(mt->valuestring, known_types[i]))
				return known_types[i];
		return NULL;
	}
	sv = cJSON_GetObjectItemCaseSensitive(j, "schemaVersion");
	if (cJSON_IsNumber(sv) && sv->valuedouble == 1)
		return MT_DOCKER_SCHEMA1;
	if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "manifests")))
		return MT_OCI_INDEX;
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(j, "config")) &&
	    cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "layers")))
		return MT_OCI_MANIFEST;
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(j, "rootfs")))
		return MT_OCI_CONFIG;
	return NULL;
}

/* ---- platforms ---- */

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}

static void lower(char *s)
{
	for (; s && *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

void spec_platform_normalize(struct spec_platform *p)
{
	char *a, *v;

	lower(p->os);
	lower(p->architecture);
	lower(p->variant);
	if (p->variant && !p->variant[0])
		set_str(&p->variant, NULL);
	a = p->architecture;
	if (!a)
		return;
	if (streq(a, "x86_64") || streq(a, "x86-64") || streq(a, "amd64")) {
		set_str(&p->architecture, "amd64");
		if (p->variant && streq(p->variant, "v1"))
			set_str(&p->variant, NULL);
	} else if (streq(a, "aarch64") || streq(a, "arm64")) {
		set_str(&p->architecture, "arm64");
		if (p->variant && (streq(p->variant, "8") || streq(p->variant, "v8")))
			set_str(&p->variant, NULL);
	} else if (streq(a, "armhf")) {
		set_str(&p->architecture, "arm");
		set_str(&p->variant, "v7");
	} else if (streq(a, "armel")) {
		set_str(&p->architecture, "arm");
		set_str(&p->variant, "v6");
	} else if (streq(a, "arm") || str_has_prefix(a, "armv")) {
		/* armv7l -> arm/v7 */
		if (str_has_prefix(a, "armv") && isdigit((unsigned char)a[4])) {
			cleanup_free char *var = xasprintf("v%c", a[4]);

			set_str(&p->variant, var);
		}
		set_str(&p->architecture, "arm");
		v = p->variant;
		if (!v)
			set_str(&p->variant, "v7");
		else if (isdigit((unsigned char)v[0]) && !v[1]) {
			cleanup_free char *var = xasprintf("v%s", v);

			set_str(&p->variant, var);
		}
	} else if (streq(a, "i386") || streq(a, "i486") || streq(a, "i586") || streq(a, "i686") ||
		   streq(a, "x86")) {
		set_str(&p->architecture, "386");
	}
}

static bool valid_component(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

static bool is_known_os(const char *s)
{
	static const char *const oses[] = {"linux",   "windows", "darwin",  "freebsd", "netbsd",
					   "openbsd", "solaris", "illumos", "aix",     "android"};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(oses); i++)
		if (strcasecmp(s, oses[i]) == 0)
			return true;
	return false;
}

int spec_platform_parse(const char *s, struct spec_platform *out, struct err **err)
{
	struct spec_platform p = SPEC_PLATFORM_INIT;
	char *parts[4] = {0};
	cleanup_free char *copy = xstrdup(s);
	char *save = NULL, *tok;
	size_t n = 0;

	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (n == 3 || !valid_component(tok))
			return err_set_code(
			    err, EINVAL, "invalid platform '%s' (expected os/arch[/variant])", s);
		parts[n++] = tok;
	}
	if (n == 0 || strstr(s, "//") || s[0] == '/' || s[strlen(s) - 1] == '/')
		return err_set_code(err, EINVAL,
				    "invalid platform '%s' (expected os/arch[/variant])", s);
	if (n == 1) {
		struct spec_platform host = SPEC_PLATFORM_INIT;

		if (is_known_os(parts[0])) {
			spec_platform_host(&host);
			p.os = xstrdup(parts[0]);
			p.architecture = steal_pointer(&host.architecture);
			p.variant = steal_pointer(&host.variant);
		} else {
			p.os = xstrdup("linux");
			p.architecture = xstrdup(parts[0]);
		}
		spec_platform_release(&host);
	} else {
		p.os = xstrdup(parts[0]);
		p.architecture = xstrdup(parts[1]);
		if (n == 3)
			p.variant = xstrdup(parts[2]);
	}
	spec_platform_normalize(&p);
	*out = p;
	return 0;
}

int spec_platform_from_json(const cJSON *j, const char *path, struct spec_platform *out,
			    struct err **err)
{
	struct spec_platform p = SPEC_PLATFORM_INIT;

	if (!cJSON_IsObject(j))
		return err_set_code(err, EINVAL, "'%s' must be an object", path);
	if (field_str(j, path, "architecture", true, &p.architecture, err) < 0 ||
	    field_str(j, path, "os", true, &p.os, err) < 0 ||
	    field_str(j, path, "variant", false, &p.variant, err) < 0) {
		spec_platform_release(&p);
		return -1;
	}
	*out = p;
	return 0;
}

cJSON *spec_platform_to_json(const struct spec_platform *p)
{
	cJSON *o = cJSON_CreateObject();

	if (!o ||
	    !cJSON_AddStringToObject(o, "architecture", p->architecture ? p->architecture : "") ||
	    !cJSON_AddStringToObject(o, "os", p->os ? p->os : "") ||
	    (p->variant && p->variant[0] && !cJSON_AddStringToObject(o, "variant", p->variant)))
		abort();
	return o;
}

void spec_platform_host(struct spec_platform *out)
{
	struct utsname u;

	memset(out, 0, sizeof(*out));
	out->os = xstrdup("linux");
	out->architecture = xstrdup(uname(&u) == 0 ? u.machine : "amd64");
	spec_platform_normalize(out);
}

static bool str_eq_null(const char *a, const char *b)
{
	return streq(a ? a : "", b ? b : "");
}

/* 0 no match, higher is better: 3 exact, 2 older arm variant, ... */
int spec_platform_rank(const struct spec_platform *want, const struct spec_platform *have)
{
	struct spec_platform w = SPEC_PLATFORM_INIT, h = SPEC_PLATFORM_INIT;
	int rank = 0;

	spec_platform_copy(&w, want);
	spec_platform_copy(&h, have);
	spec_platform_normalize(&w);
	spec_platform_normalize(&h);
	if (!str_eq_null(w.os, h.os) || !str_eq_null(w.architecture, h.architecture))
		goto out;
	if (str_eq_null(w.variant, h.variant)) {
		rank = 10;
	} else if (w.architecture && streq(w.architecture, "arm") && w.variant && h.variant &&
		   w.variant[0] == 'v' && h.variant[0] == 'v') {
		/* an arm/v7 host runs v6 and v5 images */
		int wv = atoi(w.variant + 1), hv = atoi(h.variant + 1);

		if (hv > 0 && hv < wv)
			rank = 10 - (wv - hv);
		if (rank < 1)
			rank = 0;
	}
out:
	spec_platform_release(&w);
	spec_platform_release(&h);
	return rank;
}

bool spec_platform_match(const struct spec_platform *want, const struct spec_platform *have)
{
	return spec_platform_rank(want, have) > 0;
}

char *spec_platform_string(const struct spec_platform *p)
{
	const char *os = p->os ? p->os : "", *arch = p->architecture ? p->architecture : "";

	if (p->variant && p->variant[0])
		return xasprintf("%s/%s/%s", os, arch, p->variant);
	return xasprintf("%s/%s", os, arch);
}

void spec_platform_copy(struct spec_platform *dst, const struct spec_platform *src)
{
	dst->os = src->os ? xstrdup(src->os) : NULL;
	dst->architecture = src->architecture ? xstrdup(src->architecture) : NULL;
	dst->variant = src->variant ? xstrdup(src->variant) : NULL;
}

void spec_platform_release(struct spec_platform *p)
{
	free(p->os);
	free(p->architecture);
	free(p->variant);
	memset(p, 0, sizeof(*p));
}
