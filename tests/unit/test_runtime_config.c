/* test_runtime_config.c: config.json -> struct spec_config, and the errors
 * that name the field at fault. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "spec/runtime_config.h"
#include "tests/unit/unit.h"

static const char good[] =
    "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
    "\"process\":{\"terminal\":false,\"user\":{\"uid\":1000,\"gid\":100,\"umask\":18,"
    "\"additionalGids\":[5,6]},\"args\":[\"sh\",\"-c\",\"true\"],\"env\":[\"A=1\"],"
    "\"cwd\":\"/"
    "tmp\",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1024,\"hard\":18446744073709551615}],"
    "\"noNewPrivileges\":true,\"oomScoreAdj\":-500,\"capabilities\":{\"bounding\":[\"CAP_KILL\"]}},"
    "\"hostname\":\"box\",\"mounts\":[{\"destination\":\"/"
    "proc\",\"type\":\"proc\",\"source\":\"proc\"},"
    "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/"
    "tmp\",\"options\":[\"rbind\",\"ro\"]}],"
    "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"uts\"},"
    "{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"},{\"type\":\"user\"}],"
    "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
    "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
    "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},\"cgroupsPath\":\"/x/y\","
    "\"resources\":{\"memory\":{\"limit\":268435456,\"swap\":-1},\"cpu\":{\"shares\":512,"
    "\"quota\":50000,\"period\":100000,\"realtimeRuntime\":20000,\"realtimePeriod\":500000,"
    "\"cpus\":\"0\"},\"pids\":{\"limit\":64},"
    "\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,"
    "\"minor\":3}],"
    "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":0}]},"
    "\"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\"],"
    "\"devices\":[{\"path\":\"/dev/"
    "fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,\"fileMode\":438}],"
    "\"rootfsPropagation\":\"rslave\"},\"annotations\":{\"a\":\"b\"}}";

TEST(runtime_config_parse_full)
{
	cleanup_json cJSON *j = json_parse(good, strlen(good), "config.json", NULL);
	cleanup_err struct err *e = NULL;
	struct spec_config c;

	CHECK(j != NULL);
	CHECK_INT(spec_config_parse(j, &c, &e), 0);
	CHECK(e == NULL);
	CHECK_STR(c.root_path, "rootfs");
	CHECK(c.root_readonly);
	CHECK(c.has_process);
	CHECK_INT(c.process.uid, 1000);
	CHECK_INT(c.process.gid, 100);
	CHECK(c.process.has_umask);
	CHECK_INT(c.process.umask, 18);
	CHECK_INT(c.process.n_additional_gids, 2);
	CHECK_INT(c.process.additional_gids[1], 6);
	CHECK_STR(c.process.args[2], "true");
	CHECK_STR(c.process.env[0], "A=1");
	CHECK_STR(c.process.cwd, "/tmp");
	CHECK_INT(c.process.n_rlimits, 1);
	CHECK_INT(c.process.rlimits[0].resource, RLIMIT_NOFILE);
	CHECK(c.process.rlimits[0].hard == UINT64_MAX);
	CHECK(c.process.no_new_privileges);
	CHECK_INT(c.process.oom_score_adj, -500);
	CHECK(c.process.capabilities != NULL);
	CHECK_STR(c.hostname, "box");
	CHECK_INT(c.n_mounts, 2);
	CHECK_STR(c.mounts[1].source, "/tmp");
	CHECK_STR(c.mounts[1].options[1], "ro");
	CHECK_INT(c.n_namespaces, 5);
	CHECK_STR(spec_config_ns(&c, SPEC_NS_NETWORK)->path, "/proc/1/ns/net");
	CHECK(spec_config_ns(&c, SPEC_NS_PID)->path == NULL);
	CHECK(spec_config_ns(&c, SPEC_NS_IPC) == NULL);
	CHECK_INT(c.n_uid_mappings, 1);
	CHECK_INT(c.uid_mappings[0].host_id, 100000);
	CHECK_STR(c.sysctl[0], "net.ipv4.ip_forward=1");
	CHECK_STR(c.cgroups_path, "/x/y");
	CHECK(c.has_resources);
	CHECK(c.resources.has_memory_limit);
	CHECK_INT(c.resources.memory_limit, 268435456);
	CHECK_INT(c.resources.memory_swap, -1);
	CHECK_INT(c.resources.cpu_shares, 512);
	CHECK_INT(c.resources.cpu_quota, 50000);
	CHECK(c.resources.has_cpu_rt_runtime && c.resources.has_cpu_rt_period);
	CHECK_INT(c.resources.cpu_rt_runtime, 20000);
	CHECK_INT(c.resources.cpu_rt_period, 500000);
	CHECK_STR(c.resources.cpus, "0");
	CHECK_INT(c.resources.pids_limit, 64);
	CHECK_INT(c.resources.n_devices, 2);
	CHECK_INT(c.resources.devices[0].type, 'a');
	CHECK_INT(c.resources.devices[1].major, 1);
	CHECK_STR(c.resources.devices[1].access, "rwm");
	CHECK_INT(c.resources.n_hugepages, 1);
	CHECK_STR(c.resources.hugepages[0].page_size, "2MB");
	CHECK_STR(c.masked_paths[0], "/proc/kcore");
	CHECK_INT(c.n_devices, 1);
	CHECK_INT(c.devices[0].file_mode, 0666);
	CHECK_STR(c.rootfs_propagation, "rslave");
	CHECK(c.annotations != NULL);
	spec_config_release(&c);
}

/* Replace the first occurrence of `from` in the good config with `to` and
 * expect an error containing `want`. */
static int bad(const char *from, const char *to, const char *want, char **got)
{
	const char *at = strstr(good, from);
	char buf[sizeof(good) + 512];
	cleanup_json cJSON *j = NULL;
	cleanup_err struct err *e = NULL;
	struct spec_config c;

	*got = NULL;
	if (!at)
		return -2;
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
	j = json_parse(buf, strlen(buf), "config.json", NULL);
	if (!j)
		return -3;
	if (spec_config_parse(j, &c, &e) == 0) {
		spec_config_release(&c);
		return -4;
	}
	*got = strdup(e && e->msg ? e->msg : "");
	return strstr(*got, want) ? 0 : -1;
}

#define CHECK_BAD(from, to, want)                                                                  \
	do {                                                                                       \
		char *got_ = NULL;                                                                 \
		int r_ = bad(from, to, want, &got_);                                               \
		if (r_ != 0)                                                                       \
			unit_fail(__FILE__, __LINE__, "bad(%s -> %s): %d, error \"%s\"", from, to, \
				  r_, got_ ? got_ : "(none)");                                     \
		free(got_);                                                                        \
		if (r_ != 0)                                                                       \
			return;                                                                    \
	} while (0)

TEST(runtime_config_bad_fields)
{
	CHECK_BAD("{\"type\":\"uts\"}", "{\"type\":\"foo\"}",
		  "'linux.namespaces[2].type': unknown namespace 'foo'");
	CHECK_BAD("{\"type\":\"uts\"}", "{\"type\":\"pid\"}",
		  "'linux.namespaces[2].type': duplicate namespace 'pid'");
	CHECK_BAD("\"args\":[\"sh\",\"-c\",\"true\"]", "\"args\":\"sh\"",
		  "'process.args' must be an array of strings");
	CHECK_BAD("\"args\":[\"sh\",\"-c\",\"true\"]", "\"args\":[]",
		  "'process.args' must not be empty");
	CHECK_BAD("{\"destination\":\"/proc\",", "{", "'mounts[0].destination' is required");
	CHECK_BAD("\"destination\":\"/proc\"", "\"destination\":\"proc\"",
		  "'mounts[0].destination' must be an absolute path");
	CHECK_BAD("\"uid\":1000", "\"uid\":\"root\"", "'process.user.uid' must be an integer");
	CHECK_BAD("\"uid\":1000", "\"uid\":-1", "'process.user.uid'");
	CHECK_BAD("\"RLIMIT_NOFILE\"", "\"RLIMIT_BOGUS\"",
		  "'process.rlimits[0].type': unknown rlimit");
	CHECK_BAD("\"soft\":1024", "\"soft\":-5",
		  "'process.rlimits[0].soft' must be a non-negative integer");
	CHECK_BAD("\"hard\":18446744073709551615", "\"hard\":10",
		  "soft limit 1024 is above hard limit 10");
	CHECK_BAD("\"cwd\":\"/tmp\"", "\"cwd\":\"tmp\"", "'process.cwd' must be an absolute path");
	CHECK_BAD("\"ociVersion\":\"1.0.2\"", "\"ociVersion\":\"2.0\"", "'ociVersion'");
	CHECK_BAD("\"root\":{\"path\":\"rootfs\",", "\"root\":{", "'root.path' is required");
	CHECK_BAD("\"limit\":268435456", "\"limit\":\"lots\"",
		  "'linux.resources.memory.limit' must be an integer");
	CHECK_BAD("\"pids\":{\"limit\":64}", "\"pids\":{}",
		  "'linux.resources.pids.limit' is required");
	CHECK_BAD("\"type\":\"c\",\"major\":1", "\"type\":\"x\",\"major\":1",
		  "'linux.resources.devices[1].type': unknown device type 'x'");
	CHECK_BAD("\"rootfsPropagation\":\"rslave\"", "\"rootfsPropagation\":\"sideways\"",
		  "'linux.rootfsPropagation': unknown propagation 'sideways'");
	CHECK_BAD("\"oomScoreAdj\":-500", "\"oomScoreAdj\":5000", "'process.oomScoreAdj'");
	CHECK_BAD("{\"type\":\"user\"}", "{\"type\":\"ipc\"}",
		  "mappings need a new user namespace");
	CHECK_BAD("\"hostname\":\"box\"", "\"hostname\":7", "'hostname' must be a string");
	CHECK_BAD("\"mounts\":[", "\"mounts\":{\"x\":1},\"m\":[", "'mounts' must be an array");
	CHECK_BAD("\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}", "\"sysctl\":{\"a\":1}",
		  "'linux.sysctl.a' must be a string");
	CHECK_BAD("\"fileMode\":438", "\"fileMode\":true", "'linux.devices[0].fileMode'");
	CHECK_BAD("\"swap\":-1", "\"swap\":1000", "'linux.resources.memory.swap' must be at least");
}

TEST(runtime_config_not_an_object)
{
	cleanup_json cJSON *j = json_parse("[1]", 3, "config.json", NULL);
	cleanup_err struct err *e = NULL;
	struct spec_config c;

	CHECK(spec_config_parse(j, &c, &e) < 0);
	CHECK_ERR(e, "must be a JSON object");
}

TEST(runtime_config_minimal)
{
	static const char s[] = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"}}";
	cleanup_json cJSON *j = json_parse(s, strlen(s), "config.json", NULL);
	cleanup_err struct err *e = NULL;
	struct spec_config c;

	CHECK_INT(spec_config_parse(j, &c, &e), 0);
	CHECK(!c.has_process);
	CHECK_INT(c.n_mounts, 0);
	CHECK(c.cgroups_path == NULL);
	spec_config_release(&c);
}

TEST(runtime_resources_update_file)
{
	static const char s[] =
	    "{\"memory\":{\"limit\":1048576,\"reservation\":524288},\"pids\":{\"limit\":-1},"
	    "\"blockIO\":{\"weight\":5}}";
	cleanup_json cJSON *j = json_parse(s, strlen(s), "r", NULL);
	cleanup_err struct err *e = NULL;
	struct spec_resources r;

	CHECK(spec_resources_parse(j, "resources", &r, &e) < 0);
	CHECK_ERR(e, "'resources.blockIO.weight' must be between 10 and 1000");
}

TEST(runtime_config_lookups)
{
	CHECK_INT(spec_ns_from_name("network"), SPEC_NS_NETWORK);
	CHECK_INT(spec_ns_from_name("net"), -1);
	CHECK_STR(spec_ns_name(SPEC_NS_TIME), "time");
	CHECK_INT(spec_rlimit_from_name("RLIMIT_NPROC"), RLIMIT_NPROC);
	CHECK_INT(spec_rlimit_from_name("NOFILE"), -1);
}

/* fuzz_config found it: a number past 2^64 was converted to uint64_t (UB). */
TEST(runtime_resources_huge_numbers)
{
	static const char big[] = "{\"cpu\":{\"shares\":1.0244444444444444e31}}";
	static const char neg[] = "{\"cpu\":{\"shares\":-1e31}}";
	cleanup_json cJSON *j = json_parse(big, strlen(big), "r", NULL);
	cleanup_json cJSON *n = json_parse(neg, strlen(neg), "r", NULL);
	cleanup_err struct err *e = NULL;
	struct spec_resources r;

	CHECK_INT(spec_resources_parse(j, "resources", &r, &e), 0);
	CHECK(r.cpu_shares == UINT64_MAX);
	spec_resources_release(&r);
	CHECK(spec_resources_parse(n, "resources", &r, &e) < 0);
	CHECK_ERR(e, "'resources.cpu.shares' must be a non-negative integer");
}
