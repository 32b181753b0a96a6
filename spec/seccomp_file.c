/* seccomp_file.c: a seccomp profile file (docker's format, as `docker run
 * --security-opt seccomp=FILE` takes, or an OCI linux.seccomp object) ->
 * the OCI linux.seccomp object for this machine and capability set. */
#define _GNU_SOURCE
#include <errno.h>       /* EINVAL */
#include <stdarg.h>      /* va_list */
#include <stdio.h>       /* sscanf */
#include <stdlib.h>      /* free */
#include <string.h>      /* strcmp */
#include <sys/utsname.h> /* uname */

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/util.h"
#include "spec/convert.h"
#include "spec/image.h"

/* libseccomp's name of the native architecture (docker archMap keys). */
static const char *native_scmp_arch(const char *goarch)
{
	static const char *const map[][2] = {
	    {"amd64", "SCMP_ARCH_X86_64"},    {"arm64", "SCMP_ARCH_AARCH64"},
	    {"386", "SCMP_ARCH_X86"},         {"arm", "SCMP_ARCH_ARM"},
	    {"ppc64le", "SCMP_ARCH_PPC64LE"}, {"s390x", "SCMP_ARCH_S390X"},
	    {"riscv64", "SCMP_ARCH_RISCV64"}, {"mips64le", "SCMP_ARCH_MIPSEL64"},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (streq(goarch, map[i][0]))
			return map[i][1];
	return NULL;
}

static bool json_has_str(const cJSON *arr, const char *s)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, arr)
	{
		if (cJSON_IsString(e) && streq(e->valuestring, s))
			return true;
	}
	return false;
}

static bool strv_has(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (streq(*v, s))
			return true;
	return false;
}

/* docker's arches use GOARCH names, its caps "CAP_*" names. */
static bool caps_all_in(const cJSON *arr, char *const *caps)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, arr)
	{
		if (!cJSON_IsString(e) || !strv_has(caps, e->valuestring))
			return false;
	}
	return true;
}

static bool caps_any_in(const cJSON *arr, char *const *caps)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, arr)
	{
		if (cJSON_IsString(e) && strv_has(caps, e->valuestring))
			return true;
	}
	return false;
}

static bool kernel_at_least(const char *min)
{
	struct utsname u;
	int kmaj = 0, kmin = 0, wmaj = 0, wmin = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &kmaj, &kmin) < 1 ||
	    sscanf(min, "%d.%d", &wmaj, &wmin) < 1)
		return true;
	return kmaj > wmaj || (kmaj == wmaj && kmin >= wmin);
}

/* Does a docker syscall rule apply to this machine and capability set? */
static bool rule_applies(const cJSON *rule, const char *goarch, char *const *caps)
{
	const cJSON *inc = cJSON_GetObjectItemCaseSensitive(rule, "includes");
	const cJSON *exc = cJSON_GetObjectItemCaseSensitive(rule, "excludes");
	const cJSON *v;

	if (cJSON_IsObject(inc)) {
		v = cJSON_GetObjectItemCaseSensitive(inc, "arches");
		if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0 && !json_has_str(v, goarch))
			return false;
		v = cJSON_GetObjectItemCaseSensitive(inc, "caps");
		if (cJSON_IsArray(v) && !caps_all_in(v, caps))
			return false;
		v = cJSON_GetObjectItemCaseSensitive(inc, "minKernel");
		if (cJSON_IsString(v) && !kernel_at_least(v->valuestring))
			return false;
	}
	if (cJSON_IsObject(exc)) {
		v = cJSON_GetObjectItemCaseSensitive(exc, "arches");
		if (cJSON_IsArray(v) && json_has_str(v, goarch))
			return false;
		v = cJSON_GetObjectItemCaseSensitive(exc, "caps");
		if (cJSON_IsArray(v) && caps_any_in(v, caps))
			return false;
	}
	return true;
}

static cJSON *dup(const cJSON *j)
{
	cJSON *r = cJSON_Duplicate(j, true);

	if (!r)
		abort();
	return r;
}

static void add(cJSON *obj, const char *key, cJSON *item)
{
	if (!item || !cJSON_AddItemToObject(obj, key, item))
		abort();
}

static int convert_rule(const cJSON *rule, size_t i, const char *path, cJSON *out, struct err **err)
{
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(rule, "names");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(rule, "name");
	const cJSON *action = cJSON_GetObjectItemCaseSensitive(rule, "action");
	static const char *const copy[] = {"errnoRet", "args"};
	cJSON *r;
	size_t k;

	if (!cJSON_IsObject(rule))
		return err_set_code(err, EINVAL,
				    "seccomp profile '%s': 'syscalls[%zu]' must be an object", path,
				    i);
	if (!cJSON_IsString(action))
		return err_set_code(err, EINVAL,
				    "seccomp profile '%s': 'syscalls[%zu].action' must be a string",
				    path, i);
	if (!cJSON_IsArray(names) && !cJSON_IsString(name))
		return err_set_code(err, EINVAL,
				    "seccomp profile '%s': 'syscalls[%zu]' needs 'names' or 'name'",
				    path, i);
	r = cJSON_CreateObject();
	if (!r)
		abort();
	if (cJSON_IsArray(names)) {
		add(r, "names", dup(names));
	} else {
		cJSON *a = cJSON_CreateArray();

		if (!a || !cJSON_AddItemToArray(a, cJSON_CreateString(name->valuestring)))
			abort();
		add(r, "names", a);
	}
	add(r, "action", dup(action));
	for (k = 0; k < ARRAY_SIZE(copy); k++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(rule, copy[k]);

		if (v && !cJSON_IsNull(v))
			add(r, copy[k], dup(v));
	}
	if (!cJSON_AddItemToArray(out, r))
		abort();
	return 0;
}

int spec_seccomp_load(const char *path, char *const *caps, cJSON **out, struct err **err)
{
	cleanup_json cJSON *p = json_load_file(path, 0, err), *res = NULL;
	struct spec_platform host = SPEC_PLATFORM_INIT;
	const cJSON *v, *rule;
	const char *native;
	cJSON *syscalls;
	size_t i = 0;
	int ret = -1;

	if (!p)
		return err_wrap(err, "seccomp profile");
	v = cJSON_GetObjectItemCaseSensitive(p, "defaultAction");
	if (!cJSON_IsObject(p) || !cJSON_IsString(v))
		return err_set_code(err, EINVAL,
				    "seccomp profile '%s': 'defaultAction' is required", path);
	res = cJSON_CreateObject();
	if (!res)
		abort();
	add(res, "defaultAction", dup(v));
	v = cJSON_GetObjectItemCaseSensitive(p, "defaultErrnoRet");
	if (v && !cJSON_IsNull(v))
		add(res, "defaultErrnoRet", dup(v));
	spec_platform_host(&host);
	native = native_scmp_arch(host.architecture);
	v = cJSON_GetObjectItemCaseSensitive(p, "architectures");
	if (cJSON_IsArray(v)) {
		add(res, "architectures", dup(v));
	} else if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(p, "archMap")) && native) {
		/* docker: the native architecture and its sub-architectures */
		cJSON_ArrayForEach(rule, cJSON_GetObjectItemCaseSensitive(p, "archMap"))
		{
			const cJSON *a = cJSON_GetObjectItemCaseSensitive(rule, "architecture");
			cJSON *arches;

			if (!cJSON_IsString(a) || !streq(a->valuestring, native))
				continue;
			arches = cJSON_CreateArray();
			if (!arches || !cJSON_AddItemToArray(arches, cJSON_CreateString(native)))
				abort();
			cJSON_ArrayForEach(
			    a, cJSON_GetObjectItemCaseSensitive(rule, "subArchitectures"))
			{
				if (cJSON_IsString(a) && !cJSON_AddItemToArray(arches, dup(a)))
					abort();
			}
			add(res, "architectures", arches);
			break;
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(p, "flags");
	if (cJSON_IsArray(v))
		add(res, "flags", dup(v));
	v = cJSON_GetObjectItemCaseSensitive(p, "listenerPath");
	if (cJSON_IsString(v))
		add(res, "listenerPath", dup(v));
	syscalls = cJSON_CreateArray();
	if (!syscalls)
		abort();
	add(res, "syscalls", syscalls);
	v = cJSON_GetObjectItemCaseSensitive(p, "syscalls");
	if (v && !cJSON_IsNull(v) && !cJSON_IsArray(v)) {
		err_set_code(err, EINVAL, "seccomp profile '%s': 'syscalls' must be an array",
			     path);
		goto out;
	}
	cJSON_ArrayForEach(rule, v)
	{
		if (cJSON_IsObject(rule) && !rule_applies(rule, host.architecture, caps)) {
			i++;
			continue;
		}
		if (convert_rule(rule, i++, path, syscalls, err) < 0)
			goto out;
	}
	*out = steal_pointer(&res);
	ret = 0;
out:
	spec_platform_release(&host);
	return ret;
}
