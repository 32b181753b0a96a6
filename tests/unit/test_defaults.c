/* test_defaults.c: spec/defaults: the config.json of `kist-runtime spec`. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/util.h"
#include "spec/defaults.h"
#include "spec/runtime_config.h"
#include "tests/unit/unit.h"

static const cJSON *at(const cJSON *j, const char *path)
{
	cleanup_free char *copy = xstrdup(path);
	char *save = NULL, *tok;

	for (tok = strtok_r(copy, ".", &save); tok && j; tok = strtok_r(NULL, ".", &save)) {
		if (tok[0] >= '0' && tok[0] <= '9')
			j = cJSON_GetArrayItem(j, atoi(tok));
		else
			j = cJSON_GetObjectItemCaseSensitive(j, tok);
	}
	return j;
}

static const char *str_at(const cJSON *j, const char *path)
{
	const cJSON *v = at(j, path);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The mount with this destination, or NULL. */
static const cJSON *find_mount(const cJSON *root, const char *dst)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, at(root, "mounts"))
	{
		const char *d = str_at(m, "destination");

		if (d && streq(d, dst))
			return m;
	}
	return NULL;
}

static bool strv_json_has(const cJSON *arr, const char *s)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, arr) if (cJSON_IsString(e) && streq(e->valuestring, s)) return true;
	return false;
}

static bool has_ns(const cJSON *root, const char *type)
{
	const cJSON *n;

	cJSON_ArrayForEach(n, at(root, "linux.namespaces"))
	{
		const char *t = str_at(n, "type");

		if (t && streq(t, type))
			return true;
	}
	return false;
}

TEST(defaults_version)
{
	CHECK_STR(spec_runtime_version(), "1.1.0");
}

TEST(defaults_runc_spec_shape)
{
	cleanup_json cJSON *j = spec_runtime_default(false);
	const cJSON *m;
	cleanup_err struct err *err = NULL;
	struct spec_config c;

	CHECK(j != NULL);
	CHECK_STR(str_at(j, "ociVersion"), spec_runtime_version());
	CHECK(cJSON_IsTrue(at(j, "process.terminal")));
	CHECK_INT(at(j, "process.user.uid")->valueint, 0);
	CHECK_INT(at(j, "process.user.gid")->valueint, 0);
	CHECK_STR(str_at(j, "process.args.0"), "sh");
	CHECK_INT(cJSON_GetArraySize(at(j, "process.args")), 1);
	CHECK_STR(str_at(j, "process.env.0"),
		  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	CHECK_STR(str_at(j, "process.env.1"), "TERM=xterm");
	CHECK_STR(str_at(j, "process.cwd"), "/");
	CHECK_INT(cJSON_GetArraySize(at(j, "process.capabilities.bounding")), 3);
	CHECK(strv_json_has(at(j, "process.capabilities.ambient"), "CAP_KILL"));
	CHECK(strv_json_has(at(j, "process.capabilities.effective"), "CAP_NET_BIND_SERVICE"));
	CHECK_STR(str_at(j, "process.rlimits.0.type"), "RLIMIT_NOFILE");
	CHECK_INT(at(j, "process.rlimits.0.hard")->valueint, 1024);
	CHECK(cJSON_IsTrue(at(j, "process.noNewPrivileges")));
	CHECK_STR(str_at(j, "root.path"), "rootfs");
	CHECK(cJSON_IsTrue(at(j, "root.readonly")));
	CHECK_STR(str_at(j, "hostname"), "kist");
	CHECK_INT(cJSON_GetArraySize(at(j, "mounts")), 7);
	m = find_mount(j, "/dev/pts");
	CHECK(m && strv_json_has(at(m, "options"), "gid=5"));
	m = find_mount(j, "/sys");
	CHECK(m != NULL);
	CHECK_STR(str_at(m, "type"), "sysfs");
	CHECK(strv_json_has(at(m, "options"), "ro"));
	CHECK(find_mount(j, "/proc") && !at(find_mount(j, "/proc"), "options"));
	CHECK(find_mount(j, "/sys/fs/cgroup") != NULL);
	CHECK(cJSON_IsFalse(at(j, "linux.resources.devices.0.allow")));
	CHECK_STR(str_at(j, "linux.resources.devices.0.access"), "rwm");
	CHECK(has_ns(j, "pid") && has_ns(j, "network") && has_ns(j, "ipc") && has_ns(j, "uts") &&
	      has_ns(j, "mount"));
	CHECK(!has_ns(j, "user"));
	CHECK(!at(j, "linux.uidMappings"));
	CHECK_INT(cJSON_GetArraySize(at(j, "linux.maskedPaths")), 10);
	CHECK(strv_json_has(at(j, "linux.maskedPaths"), "/proc/kcore"));
	CHECK(strv_json_has(at(j, "linux.readonlyPaths"), "/proc/sysrq-trigger"));
	/* the runtime's own parser accepts it */
	CHECK_INT(spec_config_parse(j, &c, &err), 0);
	spec_config_release(&c);
}

TEST(defaults_rootless)
{
	cleanup_json cJSON *j = spec_runtime_default(true);
	const cJSON *m;
	cleanup_err struct err *err = NULL;
	struct spec_config c;

	CHECK(j != NULL);
	CHECK(has_ns(j, "user"));
	CHECK(!has_ns(j, "network"));
	CHECK_INT(at(j, "linux.uidMappings.0.containerID")->valueint, 0);
	CHECK_INT(at(j, "linux.uidMappings.0.hostID")->valuedouble, getuid());
	CHECK_INT(at(j, "linux.gidMappings.0.hostID")->valuedouble, getgid());
	CHECK_INT(at(j, "linux.gidMappings.0.size")->valueint, 1);
	CHECK(!at(j, "linux.resources"));
	m = find_mount(j, "/sys");
	CHECK(m != NULL);
	CHECK_STR(str_at(m, "type"), "none");
	CHECK_STR(str_at(m, "source"), "/sys");
	CHECK(strv_json_has(at(m, "options"), "rbind"));
	m = find_mount(j, "/dev/pts");
	CHECK(m && !strv_json_has(at(m, "options"), "gid=5"));
	CHECK_INT(spec_config_parse(j, &c, &err), 0);
	spec_config_release(&c);
}

TEST(defaults_fresh_trees)
{
	cleanup_json cJSON *a = spec_runtime_default(false), *b = spec_runtime_default(false);
	cleanup_free char *ta = NULL, *tb = NULL;

	/* each call returns an independent tree */
	CHECK(a != b);
	cJSON_DeleteItemFromObject(a, "hostname");
	ta = json_print(a, false);
	tb = json_print(b, false);
	CHECK(strstr(tb, "\"hostname\":\"kist\"") != NULL);
	CHECK(strstr(ta, "hostname") == NULL);
}
