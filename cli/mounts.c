/* mounts.c: run and create's -v, --mount and --tmpfs, passed on as docker's
 * command line passes them to its daemon: -v SRC:DST[:MODE] into
 * HostConfig.Binds, a bare -v DST into Config.Volumes, each --mount's
 * key=value list parsed into a HostConfig.Mounts object, --tmpfs
 * DST[:OPTIONS] into HostConfig.Tmpfs and --volumes-from into
 * HostConfig.VolumesFrom.  Checking them against the store
 * and making volumes is kist-store's business (create-container). */
#define _GNU_SOURCE
#include <limits.h> /* PATH_MAX */
#include <stdlib.h> /* strtoll */
#include <string.h> /* strchr */
#include <unistd.h> /* getcwd */

#include "cli/kist.h"
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/json.h"
#include "common/util.h"

/* The values of a repeatable flag in the child's args (before "--"). */
static char **flag_values(char **args, const char *flag)
{
	char **out = NULL;

	for (size_t i = 0; args && args[i] && !streq(args[i], "--"); i++)
		if (streq(args[i], flag) && args[i + 1])
			strv_push(&out, args[++i]);
	return out;
}

/* docker's CLI turns a -v source of "." or "./..." into an absolute path */
static char *bind_value(const char *v)
{
	char cwd[PATH_MAX];
	const char *colon = strchr(v, ':');
	size_t hl = colon ? (size_t)(colon - v) : 0;

	if (!colon || !((hl == 1 && v[0] == '.') || (hl >= 2 && !strncmp(v, "./", 2))))
		return xstrdup(v);
	if (!getcwd(cwd, sizeof(cwd)))
		return xstrdup(v);
	if (hl == 1)
		return xasprintf("%s%s", cwd, colon);
	return xasprintf("%s/%s", streq(cwd, "/") ? "" : cwd, v + 2);
}

static bool parse_flag_bool(const char *v, bool *out)
{
	if (!v || streq(v, "1") || streq(v, "true") || streq(v, "True") || streq(v, "TRUE") ||
	    streq(v, "t") || streq(v, "T")) {
		*out = true;
		return true;
	}
	if (streq(v, "0") || streq(v, "false") || streq(v, "False") || streq(v, "FALSE") ||
	    streq(v, "f") || streq(v, "F")) {
		*out = false;
		return true;
	}
	return false;
}

/* docker's RAMInBytes: a number with an optional k, m, g or t (and b) */
static bool parse_ram(const char *s, long long *out)
{
	char *end;
	double v = strtod(s, &end);
	double mul = 1;

	if (end == s || v < 0)
		return false;
	switch (*end | 0x20) {
	case 'k':
		mul = 1024.0;
		end++;
		break;
	case 'm':
		mul = 1024.0 * 1024;
		end++;
		break;
	case 'g':
		mul = 1024.0 * 1024 * 1024;
		end++;
		break;
	case 't':
		mul = 1024.0 * 1024 * 1024 * 1024;
		end++;
		break;
	default:
		break;
	}
	if ((*end | 0x20) == 'b')
		end++;
	if (*end)
		return false;
	*out = (long long)(v * mul);
	return true;
}

#define mount_error(value, ...)                                                                    \
	do {                                                                                       \
		cleanup_free char *why_ = xasprintf(__VA_ARGS__);                                  \
		cli_usage_error("invalid argument \"%s\" for \"--mount\" flag: %s", value, why_);  \
	} while (0)

static cJSON *sub(cJSON *o, const char *key)
{
	cJSON *s = cJSON_GetObjectItemCaseSensitive(o, key);

	return s ? s : cJSON_AddObjectToObject(o, key);
}

/* One --mount value (docker's csv of key=value fields). */
static cJSON *parse_mount(const char *value)
{
	cJSON *m = cJSON_CreateObject();
	cleanup_free char *copy = xstrdup(value);
	char *save = NULL, *field;
	const char *type = "volume", *target = NULL, *kind = NULL;

	for (field = strtok_r(copy, ",", &save); field; field = strtok_r(NULL, ",", &save)) {
		char *val = strchr(field, '=');
		const char *key = field;
		bool b;

		if (val)
			*val++ = '\0';
		if (!val && !streq(key, "readonly") && !streq(key, "ro") &&
		    !streq(key, "volume-nocopy") && !streq(key, "bind-nonrecursive"))
			mount_error(value, "invalid field '%s' must be a key=value pair", key);
		if (streq(key, "type")) {
			if (!streq(val, "bind") && !streq(val, "volume") && !streq(val, "tmpfs"))
				mount_error(value, "invalid mount type: %s", val);
			type = val;
		} else if (streq(key, "source") || streq(key, "src")) {
			cJSON_DeleteItemFromObjectCaseSensitive(m, "Source");
			cJSON_AddStringToObject(m, "Source", val);
		} else if (streq(key, "target") || streq(key, "dst") || streq(key, "destination")) {
			target = val;
		} else if (streq(key, "readonly") || streq(key, "ro")) {
			if (!parse_flag_bool(val, &b))
				mount_error(value, "invalid value for %s: %s", key, val);
			cJSON_DeleteItemFromObjectCaseSensitive(m, "ReadOnly");
			cJSON_AddBoolToObject(m, "ReadOnly", b);
		} else if (streq(key, "consistency")) {
			continue;
		} else if (streq(key, "bind-propagation")) {
			kind = "bind";
			cJSON_AddStringToObject(sub(m, "BindOptions"), "Propagation", val);
		} else if (streq(key, "bind-nonrecursive")) {
			kind = "bind";
		} else if (streq(key, "volume-nocopy")) {
			kind = "volume";
			if (!parse_flag_bool(val, &b))
				mount_error(value, "invalid value for volume-nocopy: %s", val);
			cJSON_AddBoolToObject(sub(m, "VolumeOptions"), "NoCopy", b);
		} else if (streq(key, "volume-label")) {
			char *eq = strchr(val, '=');
			cJSON *l = sub(sub(m, "VolumeOptions"), "Labels");

			kind = "volume";
			if (eq)
				*eq++ = '\0';
			cJSON_DeleteItemFromObjectCaseSensitive(l, val);
			cJSON_AddStringToObject(l, val, eq ? eq : "");
		} else if (streq(key, "volume-driver")) {
			kind = "volume";
			if (!streq(val, "local"))
				mount_error(value, "volume driver %s is not supported (only local)",
					    val);
		} else if (streq(key, "tmpfs-size")) {
			long long n;

			kind = "tmpfs";
			if (!parse_ram(val, &n))
				mount_error(value, "invalid value for %s: %s", key, val);
			cJSON_AddNumberToObject(sub(m, "TmpfsOptions"), "SizeBytes", (double)n);
		} else if (streq(key, "tmpfs-mode")) {
			char *end;
			long n = strtol(val, &end, 8);

			kind = "tmpfs";
			if (!*val || *end || n < 0 || n > 07777)
				mount_error(value, "invalid value for %s: %s", key, val);
			cJSON_AddNumberToObject(sub(m, "TmpfsOptions"), "Mode", (double)n);
		} else {
			mount_error(value, "unexpected key '%s' in '%s'", key, field);
		}
	}
	if (!target)
		mount_error(value, "target is required");
	if (kind && !streq(kind, type))
		mount_error(value, "cannot mix '%s-*' options with mount type '%s'", kind, type);
	cJSON_AddStringToObject(m, "Type", type);
	cJSON_AddStringToObject(m, "Target", target);
	return m;
}

void kist_mount_overrides(char **args, cJSON *ov)
{
	cleanup_strv char **vols = flag_values(args, "--volume");
	cleanup_strv char **mounts = flag_values(args, "--mount");
	cleanup_strv char **tmpfs = flag_values(args, "--tmpfs");
	cleanup_strv char **from = flag_values(args, "--volumes-from");
	cJSON *binds = NULL, *volumes = NULL, *mnts = NULL, *t = NULL;

	for (char **v = vols; v && *v; v++) {
		if (strchr(*v, ':')) {
			cleanup_free char *b = bind_value(*v);

			if (!binds)
				binds = cJSON_AddArrayToObject(ov, "Binds");
			cJSON_AddItemToArray(binds, cJSON_CreateString(b));
		} else {
			if (!volumes)
				volumes = cJSON_AddObjectToObject(ov, "Volumes");
			if (!cJSON_GetObjectItemCaseSensitive(volumes, *v))
				cJSON_AddObjectToObject(volumes, *v);
		}
	}
	for (char **m = mounts; m && *m; m++) {
		if (!mnts)
			mnts = cJSON_AddArrayToObject(ov, "Mounts");
		cJSON_AddItemToArray(mnts, parse_mount(*m));
	}
	if (from) {
		cJSON *vf = cJSON_AddArrayToObject(ov, "VolumesFrom");

		for (char **f = from; *f; f++)
			cJSON_AddItemToArray(vf, cJSON_CreateString(*f));
	}
	for (char **p = tmpfs; p && *p; p++) {
		const char *colon = strchr(*p, ':');
		cleanup_free char *dst = colon ? xstrndup(*p, (size_t)(colon - *p)) : xstrdup(*p);

		if (!t)
			t = cJSON_AddObjectToObject(ov, "Tmpfs");
		cJSON_DeleteItemFromObjectCaseSensitive(t, dst);
		cJSON_AddStringToObject(t, dst, colon ? colon + 1 : "");
	}
}
