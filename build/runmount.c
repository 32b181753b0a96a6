/* runmount.c: RUN --mount=... as docker reads it: comma-separated fields
 * (CSV: a field may be double-quoted), each key=value (or a bare ro, rw,
 * required), values expanded; the type's defaults and its checks. */
#define _GNU_SOURCE
#include <ctype.h>   /* isdigit */
#include <errno.h>   /* errno */
#include <stdlib.h>  /* strtoull */
#include <string.h>  /* strlen */
#include <strings.h> /* strcasecmp */

#include "build/df_internal.h"
#include "build/dockerfile.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/util.h"

static const char *const type_names[] = {
    [DF_MOUNT_BIND] = "bind",     [DF_MOUNT_CACHE] = "cache", [DF_MOUNT_TMPFS] = "tmpfs",
    [DF_MOUNT_SECRET] = "secret", [DF_MOUNT_SSH] = "ssh",
};

static const char *const sharing_names[] = {
    [DF_SHARING_DEFAULT] = "",
    [DF_SHARING_SHARED] = "shared",
    [DF_SHARING_PRIVATE] = "private",
    [DF_SHARING_LOCKED] = "locked",
};

void df_mount_release(struct df_mount *m)
{
	free(m->from);
	free(m->source);
	free(m->target);
	free(m->id);
	free(m->env);
	memset(m, 0, sizeof(*m));
}

/* Go's encoding/csv for one record: the fields of s. */
static int csv_fields(const char *s, char ***out, struct err **err)
{
	cleanup_strv char **v = NULL;
	size_t i = 0, n = strlen(s);

	for (;;) {
		cleanup_buf struct buf f = BUF_INIT;
		size_t start = i;

		if (i < n && s[i] == '"') {
			for (i++;; i++) {
				if (i >= n)
					return err_set(err, 0,
						       "failed to parse csv mounts: extraneous or "
						       "missing \" in quoted-field");
				if (s[i] == '"') {
					if (i + 1 < n && s[i + 1] == '"') {
						buf_addch(&f, '"');
						i++;
						continue;
					}
					i++;
					break;
				}
				buf_addch(&f, s[i]);
			}
			if (i < n && s[i] != ',')
				return err_set(
				    err, 0,
				    "failed to parse csv mounts: extraneous or missing \" "
				    "in quoted-field");
		} else {
			while (i < n && s[i] != ',') {
				if (s[i] == '"')
					return err_set(err, 0,
						       "failed to parse csv mounts: bare \" in "
						       "non-quoted-field");
				i++;
			}
			buf_add(&f, s + start, i - start);
		}
		strv_push(&v, f.data);
		if (i >= n)
			break;
		i++; /* the ',' */
	}
	*out = steal_pointer(&v);
	return 0;
}

/* Go's strconv.ParseBool. */
static int parse_bool(const char *s, bool *out)
{
	static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False"};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		if (streq(s, t[i])) {
			*out = true;
			return 0;
		}
		if (streq(s, f[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* docker's units.RAMInBytes: "64m", "1.5GiB", "100" (binary multiples). */
static int parse_ram(const char *s, long long *out)
{
	const char *p = s;
	double v, mult = 1;
	char *end;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p))
		p++;
	while (*p == '.' && isdigit((unsigned char)p[1]))
		for (p++; isdigit((unsigned char)*p); p++)
			;
	v = strtod(s, &end);
	if (end != p && end > p)
		return -1;
	if (*p == ' ')
		p++;
	switch (tolower((unsigned char)*p)) {
	case 'k':
		mult = 1024.0;
		break;
	case 'm':
		mult = 1024.0 * 1024;
		break;
	case 'g':
		mult = 1024.0 * 1024 * 1024;
		break;
	case 't':
		mult = 1024.0 * 1024 * 1024 * 1024;
		break;
	case 'p':
		mult = 1024.0 * 1024 * 1024 * 1024 * 1024;
		break;
	}
	if (mult != 1)
		p++;
	if (*p == 'i' || *p == 'I')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p || v * mult > 9.2e18)
		return -1;
	*out = (long long)(v * mult);
	return 0;
}

static int parse_uint(const char *s, int base, unsigned *out)
{
	unsigned long long v;
	char *end;

	if (!*s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > 0xffffffffULL)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int set_str(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
	return 0;
}

static int lookup(const char *const *names, size_t n, const char *value)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && *names[i] && strcasecmp(names[i], value) == 0)
			return (int)i;
	return -1;
}

static int field(struct df_mount *m, const char *key, const char *value, const char *fld,
		 bool *ro_auto, struct err **err)
{
	int i;

	if (streq(key, "type")) {
		i = lookup(type_names, ARRAY_SIZE(type_names), value);
		if (i < 0)
			return err_set(err, 0,
				       "unsupported mount type \"%s\" (--mount type= takes bind, "
				       "cache, tmpfs, secret or ssh)",
				       value);
		m->type = (enum df_mount_type)i;
	} else if (streq(key, "from")) {
		set_str(&m->from, value);
	} else if (streq(key, "source") || streq(key, "src")) {
		set_str(&m->source, value);
	} else if (streq(key, "target") || streq(key, "dst") || streq(key, "destination")) {
		set_str(&m->target, value);
	} else if (streq(key, "readonly") || streq(key, "ro") || streq(key, "readwrite") ||
		   streq(key, "rw")) {
		bool b;

		if (parse_bool(value, &b) < 0)
			return err_set(err, 0, "invalid value for %s: %s", key, value);
		m->readonly = streq(key, "readwrite") || streq(key, "rw") ? !b : b;
		*ro_auto = false;
	} else if (streq(key, "required")) {
		if (m->type != DF_MOUNT_SECRET && m->type != DF_MOUNT_SSH)
			return err_set(err, 0, "unexpected key '%s' for mount type '%s'", key,
				       type_names[m->type]);
		if (parse_bool(value, &m->required) < 0)
			return err_set(err, 0, "invalid value for %s: %s", key, value);
	} else if (streq(key, "size")) {
		if (m->type != DF_MOUNT_TMPFS)
			return err_set(err, 0, "unexpected key '%s' for mount type '%s'", key,
				       type_names[m->type]);
		if (parse_ram(value, &m->size) < 0)
			return err_set(err, 0, "invalid value for %s: %s", key, value);
	} else if (streq(key, "id")) {
		set_str(&m->id, value);
	} else if (streq(key, "sharing")) {
		i = lookup(sharing_names, ARRAY_SIZE(sharing_names), value);
		if (i < 0)
			return err_set(err, 0,
				       "unsupported sharing value \"%s\" (sharing= takes shared, "
				       "private or locked)",
				       value);
		m->sharing = (enum df_mount_sharing)i;
	} else if (streq(key, "mode")) {
		if (parse_uint(value, 8, &m->mode) < 0)
			return err_set(err, 0, "invalid value %s for mode", value);
		m->has_mode = true;
	} else if (streq(key, "uid")) {
		if (parse_uint(value, 10, &m->uid) < 0)
			return err_set(err, 0, "invalid value %s for uid", value);
		m->has_uid = true;
	} else if (streq(key, "gid")) {
		if (parse_uint(value, 10, &m->gid) < 0)
			return err_set(err, 0, "invalid value %s for gid", value);
		m->has_gid = true;
	} else if (streq(key, "env")) {
		set_str(&m->env, value);
	} else {
		return err_set(err, 0, "unexpected key '%s' in '%s'", key, fld);
	}
	return 0;
}

int df_mount_parse(const char *spec, const char *const *vars, char escape, struct df_mount *out,
		   struct err **err)
{
	cleanup_strv char **fields = NULL;
	struct df_mount m = {.type = DF_MOUNT_BIND};
	bool ro_auto = true;

	if (csv_fields(spec, &fields, err) < 0)
		return -1;
	for (char **f = fields; *f; f++) {
		cleanup_free char *key = NULL;
		cleanup_free char *value = NULL;
		const char *eq = strchr(*f, '=');

		key = xstrndup(*f, eq ? (size_t)(eq - *f) : strlen(*f));
		for (char *c = key; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (!eq) {
			if (streq(key, "readonly") || streq(key, "ro")) {
				m.readonly = true;
				ro_auto = false;
			} else if (streq(key, "readwrite") || streq(key, "rw")) {
				m.readonly = false;
				ro_auto = false;
			} else if (streq(key, "required") &&
				   (m.type == DF_MOUNT_SECRET || m.type == DF_MOUNT_SSH)) {
				m.required = true;
			} else if (streq(key, "required")) {
				err_set(err, 0, "unexpected key '%s' for mount type '%s'", key,
					type_names[m.type]);
				goto fail;
			} else {
				err_set(err, 0, "invalid field '%s' must be a key=value pair", *f);
				goto fail;
			}
			continue;
		}
		if (streq(key, "from") && strchr(eq + 1, '$') && strchr(eq + 1, '$')[1]) {
			err_set(err, 0,
				"'from' doesn't support variable expansion, define alias stage "
				"instead");
			goto fail;
		}
		if (df_expand(eq + 1, vars, escape, &value, err) < 0 ||
		    field(&m, key, value, *f, &ro_auto, err) < 0)
			goto fail;
	}
	if (m.type != DF_MOUNT_SECRET && m.type != DF_MOUNT_SSH && m.type != DF_MOUNT_CACHE) {
		const char *bad = m.has_mode  ? "mode"
				  : m.has_uid ? "uid"
				  : m.has_gid ? "gid"
					      : NULL;

		if (bad) {
			err_set(err, 0, "%s not allowed for \"%s\" type mounts", bad,
				type_names[m.type]);
			goto fail;
		}
	}
	if (ro_auto)
		m.readonly = !(m.type == DF_MOUNT_CACHE || m.type == DF_MOUNT_TMPFS);
	if (m.type == DF_MOUNT_SECRET) {
		const char *bad = NULL;

		if (m.from)
			bad = "secret mount should not have a from";
		else if (m.sharing)
			bad = "secret mount should not define sharing";
		else if (!m.source && !m.target && !m.id)
			bad = "invalid secret mount. one of source, target required";
		else if (m.source && m.id)
			bad = "both source and id can't be set";
		if (bad) {
			err_set(err, 0, "%s", bad);
			goto fail;
		}
	}
	if (m.sharing && m.type != DF_MOUNT_CACHE) {
		err_set(err, 0, "invalid cache sharing set for %s mount", type_names[m.type]);
		goto fail;
	}
	*out = m;
	return 0;
fail:
	df_mount_release(&m);
	return -1;
}

const char *df_mount_type_name(enum df_mount_type t)
{
	return (size_t)t < ARRAY_SIZE(type_names) ? type_names[t] : "?";
}

int df_mount_precheck(const char *spec, struct err **err)
{
	cleanup_strv char **fields = NULL;

	if (csv_fields(spec, &fields, err) < 0)
		return -1;
	for (char **f = fields; *f; f++) {
		const char *eq = strchr(*f, '=');

		if (eq && (size_t)(eq - *f) == 4 && strncasecmp(*f, "from", 4) == 0 &&
		    strchr(eq + 1, '$') && strchr(eq + 1, '$')[1])
			return err_set(err, 0,
				       "'from' doesn't support variable expansion, define alias "
				       "stage instead");
	}
	return 0;
}
