/* test_convert.c: spec/convert: image config + overrides -> config.json. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "spec/convert.h"
#include "spec/image.h"
#include "spec/runtime_config.h"
#include "spec/seccomp_default.h"
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

static double num_at(const cJSON *j, const char *path)
{
	const cJSON *v = at(j, path);

	return cJSON_IsNumber(v) ? v->valuedouble : -12345;
}

/* The JSON array at path printed compactly, e.g. ["a","b"] (malloc'd). */
static char *print_at(const cJSON *j, const char *path)
{
	const cJSON *v = at(j, path);

	return v ? json_print(v, false) : xstrdup("(missing)");
}

static bool arr_has(const cJSON *arr, const char *s)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, arr)
	{
		if (cJSON_IsString(e) && streq(e->valuestring, s))
			return true;
	}
	return false;
}

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

static const cJSON *find_ns(const cJSON *root, const char *type)
{
	const cJSON *n;

	cJSON_ArrayForEach(n, at(root, "linux.namespaces"))
	{
		const char *t = str_at(n, "type");

		if (t && streq(t, type))
			return n;
	}
	return NULL;
}

static int count_mounts(const cJSON *root, const char *dst)
{
	const cJSON *m;
	int n = 0;

	cJSON_ArrayForEach(m, at(root, "mounts"))
	{
		const char *d = str_at(m, "destination");

		if (d && streq(d, dst))
			n++;
	}
	return n;
}

/* An image config from JSON text (aborts the test run on a bad fixture). */
static void load_image(const char *text, struct spec_image_config *img)
{
	struct err *err = NULL;

	if (spec_image_config_parse(text, strlen(text), img, &err) < 0) {
		fprintf(stderr, "bad fixture: %s\n", err->msg);
		abort();
	}
}

/* the test profile names x86_64 as the native architecture */
#define NATIVE_SCMP "SCMP_ARCH_X86_64"

#define IMG(config)                                                                                \
	"{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":" config                          \
	",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"

/* Convert with overrides given as JSON text (NULL: none). */
static cJSON *convert(const struct spec_image_config *img, const char *overrides,
		      const struct spec_convert_opts *opts, struct err **err)
{
	cleanup_json cJSON *ov = NULL;
	cJSON *out = NULL;

	if (overrides) {
		ov = cJSON_Parse(overrides);
		if (!ov) {
			fprintf(stderr, "bad overrides fixture: %s\n", overrides);
			abort();
		}
	}
	if (spec_convert(img, ov, opts, &out, err) < 0)
		return NULL;
	return out;
}

/* Expect conversion to fail with an error containing want. */
static bool convert_fails(const struct spec_image_config *img, const char *overrides,
			  const char *want)
{
	cleanup_err struct err *err = NULL;
	cJSON *out = convert(img, overrides, NULL, &err);

	if (out) {
		cJSON_Delete(out);
		unit_fail(__FILE__, __LINE__, "overrides accepted: %s", overrides);
		return false;
	}
	if (!err || !strstr(err->msg, want)) {
		unit_fail(__FILE__, __LINE__, "overrides %s: error \"%s\" lacks \"%s\"", overrides,
			  err ? err->msg : "(none)", want);
		return false;
	}
	return true;
}

TEST(convert_docker_defaults)
{
	struct spec_image_config img = SPEC_IMAGE_CONFIG_INIT;
	struct spec_convert_opts opts = SPEC_CONVERT_OPTS_INIT;
	cleanup_err struct err *err = NULL;
	cleanup_json cJSON *j = NULL, *want_seccomp = NULL;
	cleanup_free char *caps = NULL, *ns = NULL, *sc = NULL, *want_sc = NULL;
	struct spec_config parsed;
	const cJSON *m;
	struct rlimit rl;
	double nofile = SPEC_DEFAULT_NOFILE;

	load_image(IMG("{\"Cmd\":[\"sh\"]}"), &img);
	opts.hostname = "0123456789ab";
	j = convert(&img, NULL, &opts, &err);
	CHECK(j != NULL);
	CHECK_STR(str_at(j, "ociVersion"), "1.1.0");
	CHECK(cJSON_IsFalse(at(j, "process.terminal")));
	CHECK_INT(num_at(j, "process.user.uid"), 0);
	CHECK_INT(num_at(j, "process.user.gid"), 0);
	CHECK(!at(j, "process.user.additionalGids"));
	CHECK_STR(str_at(j, "process.args.0"), "sh");
	CHECK_STR(str_at(j, "process.env.0"), "PATH=" SPEC_DEFAULT_PATH);
	CHECK_STR(str_at(j, "process.env.1"), "HOSTNAME=0123456789ab");
	CHECK_STR(str_at(j, "process.env.2"), "HOME=/");
	CHECK_STR(str_at(j, "process.cwd"), "/");
	CHECK_STR(str_at(j, "hostname"), "0123456789ab");
	caps = print_at(j, "process.capabilities.bounding");
	CHECK_STR(caps,
		  "[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_FSETID\",\"CAP_FOWNER\","
		  "\"CAP_MKNOD\",\"CAP_NET_RAW\",\"CAP_SETGID\",\"CAP_SETUID\",\"CAP_SETFCAP\","
		  "\"CAP_SETPCAP\",\"CAP_NET_BIND_SERVICE\",\"CAP_SYS_CHROOT\",\"CAP_KILL\","
		  "\"CAP_AUDIT_WRITE\"]");
	CHECK_INT(cJSON_GetArraySize(at(j, "process.capabilities.effective")), 14);
	CHECK_INT(cJSON_GetArraySize(at(j, "process.capabilities.permitted")), 14);
	CHECK(!at(j, "process.capabilities.ambient"));
	CHECK(!at(j, "process.noNewPrivileges"));
	/* RLIMIT_NOFILE: docker's 1048576 unless this process's hard limit is lower */
	CHECK_INT(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max != RLIM_INFINITY && (double)rl.rlim_max < nofile)
		nofile = (double)rl.rlim_max;
	CHECK_STR(str_at(j, "process.rlimits.0.type"), "RLIMIT_NOFILE");
	CHECK(num_at(j, "process.rlimits.0.hard") == nofile);
	CHECK(num_at(j, "process.rlimits.0.soft") == nofile);
	CHECK_STR(str_at(j, "root.path"), "rootfs");
	CHECK(!at(j, "root.readonly"));
	/* docker's mounts */
	CHECK_INT(cJSON_GetArraySize(at(j, "mounts")), 7);
	m = find_mount(j, "/proc");
	CHECK(m && streq(str_at(m, "type"), "proc"));
	m = find_mount(j, "/dev/shm");
	CHECK(m && streq(str_at(m, "source"), "shm"));
	CHECK(arr_has(at(m, "options"), "size=67108864"));
	m = find_mount(j, "/sys");
	CHECK(m && arr_has(at(m, "options"), "ro"));
	m = find_mount(j, "/sys/fs/cgroup");
	CHECK(m && arr_has(at(m, "options"), "ro"));
	CHECK(find_mount(j, "/dev/pts") && find_mount(j, "/dev/mqueue") && find_mount(j, "/dev"));
	/* namespaces */
	ns = print_at(j, "linux.namespaces");
	CHECK_STR(ns, "[{\"type\":\"mount\"},{\"type\":\"network\"},{\"type\":\"uts\"},"
		      "{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"cgroup\"}]");
	CHECK(arr_has(at(j, "linux.maskedPaths"), "/proc/kcore"));
	CHECK(arr_has(at(j, "linux.maskedPaths"), "/sys/firmware"));
	CHECK(arr_has(at(j, "linux.readonlyPaths"), "/proc/sys"));
	CHECK(cJSON_IsFalse(at(j, "linux.resources.devices.0.allow")));
	CHECK(cJSON_IsTrue(at(j, "linux.resources.devices.1.allow")));
	CHECK(!at(j, "linux.resources.memory"));
	/* docker's default seccomp profile for the default capabilities */
	want_seccomp = spec_seccomp_default();
	sc = print_at(j, "linux.seccomp");
	want_sc = json_print(want_seccomp, false);
	CHECK_STR(sc, want_sc);
	CHECK(!at(j, "annotations.io.kist.image.volumes"));
	/* the runtime's parser accepts the result */
	CHECK_INT(spec_config_parse(j, &parsed, &err), 0);
	spec_config_release(&parsed);
	spec_image_config_release(&img);
}

static char *args_of(const struct spec_image_config *img, const char *ov)
{
	cleanup_err struct err *err = NULL;
	cleanup_json cJSON *j = convert(img, ov, NULL, &err);

	if (!j)
		return xasprintf("error: %s", err->msg);
	return print_at(j, "process.args");
}

TEST(convert_entrypoint_cmd_rules)
{
	struct spec_image_config img = SPEC_IMAGE_CONFIG_INIT, bare = SPEC_IMAGE_CONFIG_INIT;
	static const struct {
		const char *ov, *want;
	} cases[] = {
	    {NULL, "[\"/entry\",\"a\"]"},
	    {"{}", "[\"/entry\",\"a\"]"},
	    {"{\"Cmd\":[\"b\",\"c\"]}", "[\"/entry\",\"b\",\"c\"]"},
	    {"{\"Cmd\":\"b\"}", "[\"/entry\",\"b\"]"},
	    /* a new entrypoint clears the image's Cmd */
	    {"{\"Entrypoint\":[\"/x\"]}", "[\"/x\"]"},
	    {"{\"Entrypoint\":\"/x\"}", "[\"/x\"]"},
	    {"{\"Entrypoint\":[\"/x\"],\"Cmd\":[\"c\"]}", "[\"/x\",\"c\"]"},
	    /* an empty entrypoint means none */
	    {"{\"Entrypoint\":\"\",\"Cmd\":[\"sh\"]}", "[\"sh\"]"},
	    {"{\"Entrypoint\":[],\"Cmd\":[\"sh\"]}", "[\"sh\"]"},
	    {"{\"Entrypoint\":[\"\"],\"Cmd\":[\"sh\"]}", "[\"sh\"]"},
	    {"{\"Entrypoint\":[]}", "error: no command specified"},
	    {"{\"Cmd\":null}", "[\"/entry\",\"a\"]"},
	};
	size_t i;

	load_image(IMG("{\"Entrypoint\":[\"/entry\"],\"Cmd\":[\"a\"]}"), &img);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		cleanup_free char *got = args_of(&img, cases[i].ov);

		if (!streq(got, cases[i].want)) {
			unit_fail(__FILE__, __LINE__, "overrides %s: args %s, expected %s",
				  cases[i].ov ? cases[i].ov : "(none)", got, cases[i].want);
			break;
		}
	}
	spec_image_config_release(&img);

	load_image(IMG("{}"), &bare);
	CHECK(convert_fails(&bare, NULL, "no command specified"));
	CHECK(convert_fails(NULL, "{}", "no command specified"));
	{
		cleanup_free char *got = args_of(&bare, "{\"Cmd\":[\"true\"]}");

		CHECK_STR(got, "[\"true\"]");
	}
	{
		/* no image config at all */
		cleanup_free char *got = args_of(NULL, "{\"Cmd\":[\"/bin/sh\",\"-c\",\"x\"]}");

		CHECK_STR(got, "[\"/bin/sh\",\"-c\",\"x\"]");
	}
	spec_image_config_release(&bare);
}

TEST(convert_env_overriding)
{
	struct spec_image_config img = SPEC_IMAGE_CONFIG_INIT;
	struct spec_convert_opts opts = SPEC_CONVERT_OPTS_INIT;
	cleanup_err struct err *err = NULL;
	cleanup_json cJSON *j = NULL, *k = NULL;
	cleanup_free char *env = NULL, *env2 = NULL;

	load_image(IMG("{\"Cmd\":[\"sh\"],\"Env\":[\"PATH=/img/bin\",\"A=1\",\"B=2\",\"D=x=y\"]}"),
		   &img);
	opts.hostname = "host1";
	j = convert(&img, "{\"Env\":[\"A=override\",\"C=3\",\"B\",\"HOME=/custom\"],\"Tty\":true}",
		    &opts, &err);
	CHECK(j != NULL);
	env = print_at(j, "process.env");
	/* image PATH replaces the default in place, user env by key, "B" removes B */
	CHECK_STR(env, "[\"PATH=/img/bin\",\"HOSTNAME=host1\",\"TERM=xterm\",\"A=override\","
		       "\"D=x=y\",\"C=3\",\"HOME=/custom\"]");
	CHECK(cJSON_IsTrue(at(j, "process.terminal")));
	/* a Hostname override wins over the default and shows in HOSTNAME */
	k = convert(&img, "{\"Hostname\":\"web\",\"Domainname\":\"example.com\"}", &opts, &err);
	CHECK(k != NULL);
	env2 = print_at(k, "process.env");
	CHECK_STR(env2,
		  "[\"PATH=/img/bin\",\"HOSTNAME=web\",\"A=1\",\"B=2\",\"D=x=y\",\"HOME=/\"]");
	CHECK_STR(str_at(k, "hostname"), "web");
	CHECK_STR(str_at(k, "domainname"), "example.com");
	CHECK(
	    convert_fails(&img, "{\"Env\":\"A=1\"}", "override 'Env' must be an array of strings"));
	CHECK(convert_fails(&img, "{\"Env\":[\"A=1\",7]}", "override 'Env[1]' must be a string"));
	spec_image_config_release(&img);
}

/* A rootfs with /etc/passwd and /etc/group. */
static char *make_rootfs(void)
{
	char *root = xasprintf("%s/rootfs", unit_tmpdir());
	cleanup_free char *etc = xasprintf("%s/etc", root);
	cleanup_free char *pw = xasprintf("%s/passwd", etc), *gr = xasprintf("%s/group", etc);
	static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
				     "# a comment\n"
				     "broken line\n"
				     "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
				     "app:x:1000:1001:App:/home/app:/bin/sh\n"
				     "bad:x:notanumber:1::/:/bin/sh\n";
	static const char group[] = "root:x:0:\n"
				    "wheel:x:10:root\n"
				    "audio:x:29:app,daemon\n"
				    "video:x:44:other,app\n"
				    "appgrp:x:1001:\n"
				    "staff:x:50:\n";

	if (fs_mkdir_p(etc, 0755, NULL) < 0 ||
	    fs_write_file_atomic(pw, passwd, sizeof(passwd) - 1, 0644, NULL) < 0 ||
	    fs_write_file_atomic(gr, group, sizeof(group) - 1, 0644, NULL) < 0)
		abort();
	return root;
}

static char *user_of(const char *rootfs, const char *ov)
{
	struct spec_image_config img = SPEC_IMAGE_CONFIG_INIT;
	struct spec_convert_opts opts = SPEC_CONVERT_OPTS_INIT;
	cleanup_err struct err *err = NULL;
	cleanup_json cJSON *j = NULL;
	cleanup_free char *user = NULL;
	const char *home;
	char *r;

	load_image(IMG("{\"Cmd\":[\"sh\"]}"), &img);
	opts.rootfs = rootfs;
	j = convert(&img, ov, &opts, &err);
	spec_image_config_release(&img);
	if (!j)
		return xasprintf("error: %s", err->msg);
	user = print_at(j, "process.user");
	home = NULL;
	{
		const cJSON *e;

		cJSON_ArrayForEach(
		    e, at(j, "process.env")) if (str_has_prefix(e->valuestring, "HOME=")) home =
		    e->valuestring;
	}
	r = xasprintf("%s %s", user, home ? home : "(no HOME)");
	return r;
}

TEST(convert_user_resolution)
{
	cleanup_free char *rootfs = make_rootfs();
	static const struct {
		const char *ov, *want;
	} cases[] = {
	    {"{}", "{\"uid\":0,\"gid\":0,\"additionalGids\":[10]} HOME=/root"},
	    {"{\"User\":\"app\"}", "{\"uid\":1000,\"gid\":1001,\"additionalGids\":[29,44]} "
				   "HOME=/home/app"},
	    {"{\"User\":\"1000\"}", "{\"uid\":1000,\"gid\":1001,\"additionalGids\":[29,44]} "
				    "HOME=/home/app"},
	    {"{\"User\":\"app:audio\"}", "{\"uid\":1000,\"gid\":29,\"additionalGids\":[44]} "
					 "HOME=/home/app"},
	    {"{\"User\":\"app:50\"}", "{\"uid\":1000,\"gid\":50,\"additionalGids\":[29,44]} "
				      "HOME=/home/app"},
	    {"{\"User\":\"4242\"}", "{\"uid\":4242,\"gid\":0} HOME=/"},
	    {"{\"User\":\"4242:4343\"}", "{\"uid\":4242,\"gid\":4343} HOME=/"},
	    {"{\"User\":\"4242:staff\"}", "{\"uid\":4242,\"gid\":50} HOME=/"},
	    {"{\"User\":\"daemon\",\"GroupAdd\":[\"video\",\"777\"]}",
	     "{\"uid\":1,\"gid\":1,\"additionalGids\":[29,44,777]} HOME=/usr/sbin"},
	    {"{\"User\":\"nobody\"}",
	     "error: unable to find user nobody: no matching entries in passwd file"},
	    {"{\"User\":\"bad\"}",
	     "error: unable to find user bad: no matching entries in passwd file"},
	    {"{\"User\":\"app:nogroup\"}",
	     "error: unable to find group nogroup: no matching entries in group file"},
	    {"{\"User\":\"app\",\"GroupAdd\":[\"nogroup\"]}",
	     "error: unable to find group nogroup"},
	    {"{\"User\":\"app:\"}", "error: invalid user 'app:'"},
	    {"{\"User\":\":1\"}", "error: invalid user ':1'"},
	    {"{\"User\":\"99999999999\"}", "error: unable to find user 99999999999"},
	    {"{\"User\":5}", "error: override 'User' must be a string"},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		cleanup_free char *got = user_of(rootfs, cases[i].ov);

		if (!str_has_prefix(got, cases[i].want)) {
			unit_fail(__FILE__, __LINE__, "overrides %s: got %s, expected %s",
				  cases[i].ov, got, cases[i].want);
			return;
		}
	}
}

TEST(convert_user_without_rootfs)
{
	cleanup_free char *a = user_of(NULL, "{\"User\":\"12:34\"}");
	cleanup_free char *b = user_of(NULL, "{\"User\":\"app\"}");
	cleanup_free char *c = user_of(NULL, "{}");

	CHECK_STR(a, "{\"uid\":12,\"gid\":34} HOME=/");
	CHECK_STR(b, "error: unable to find user app: no rootfs to look the name up in");
	CHECK_STR(c, "{\"uid\":0,\"gid\":0} HOME=/");
}

TEST(convert_user_files_cannot_escape_rootfs)
{
	cleanup_free char *root = xasprintf("%s/evil", unit_tmpdir());
	cleanup_free char *etc = xasprintf("%s/etc", root);
	cleanup_free char *outside = xasprintf("%s/outside-passwd", unit_tmpdir());
	cleanup_free char *link = xasprintf("%s/passwd", etc), *got = NULL, *got2 = NULL;
	cleanup_free char *link2 = xasprintf("%s/group", etc);
	static const char hostile[] = "evil:x:0:0::/:/bin/sh\n";

	CHECK_INT(fs_mkdir_p(etc, 0755, NULL), 0);
	CHECK_INT(fs_write_file_atomic(outside, hostile, sizeof(hostile) - 1, 0644, NULL), 0);
	/* an absolute symlink to a host file resolves inside the rootfs instead */
	CHECK_INT(symlink(outside, link), 0);
	CHECK_INT(symlink("../../../../../../../../etc/no-such-group", link2), 0);
	got = user_of(root, "{\"User\":\"evil\"}");
	CHECK_STR(got, "error: unable to find user evil: no matching entries in passwd file");
	/* a missing /etc/group (the link leads nowhere inside) is no error for numeric ids */
	got2 = user_of(root, "{\"User\":\"5:6\"}");
	CHECK_STR(got2, "{\"uid\":5,\"gid\":6} HOME=/");
}

static char *caps_of(const char *ov)
{
	struct spec_image_config img = SPEC_IMAGE_CONFIG_INIT;
	cleanup_err struct err *err = NULL;
	cleanup_json cJSON *j = NULL;
	cleanup_free char *b = NULL, *e = NULL, *p = NULL;

	load_image(IMG("{\"Cmd\":[\"sh\"]}"), &img);
	j = convert(&img, ov, NULL, &err);
	spec_image_config_release(&img);
	if (!j)
		return xasprintf("error: %s", err->msg);
	b = print_at(j, "process.capabilities.bounding");
	e = print_at(j, "process.capabilities.effective");
	p = print_at(j, "process.capabilities.permitted");
	if (!streq(b, e) || !streq(b, p))
		return xasprintf("sets differ: %s %s %s", b, e, p);
	return steal_pointer(&b);
}

/* How many capabilities this process can give a container: its bounding
 * set, up to the kernel's last capability. */
static int host_caps(void)
{
	cleanup_free char *status = NULL;
	cleanup_free char *last = NULL;
	uint64_t bnd = ~0ULL, mask = ~0ULL;
	const char *line;
	long top = 40;
	int n = 0;

	if (fs_read_all("/proc/self/status", 1u << 16, &status, NULL, NULL) == 0 &&
	    (line = strstr(status, "\nCapBnd:")))
		bnd = strtoull(line + 8, NULL, 16);
	if (fs_read_all("/proc/sys/kernel/cap_last_cap", 64, &last, NULL, NULL) == 0)
		top = strtol(last, NULL, 10);
	if (top < 63)
		mask = (1ULL << (top + 1)) - 1;
	for (uint64_t b = bnd & mask; b; b &= b - 1)
		n++;
	return n;
}

TEST(convert_capabilities)
{
	cleanup_free char *add = caps_of("{\"CapAdd\":[\"NET_ADMIN\",\"cap_sys_ptrace\"]}");
	cleanup_free char *drop = caps_of("{\"CapDrop\":[\"chown\",\"CAP_KILL\",\"MKNOD\"]}");
	cleanup_free char *only = caps_of("{\"CapDrop\":[\"ALL\"],\"CapAdd\":[\"CHOWN\"]}");
	cleanup_free char *none = caps_of("{\"CapDrop\":[\"all\"]}");
	cleanup_free char *all = caps_of("{\"CapAdd\":[\"ALL\"]}");
	cleanup_free char *all_but = caps_of("{\"CapAdd\":[\"ALL\"],\"CapDrop\":[\"NET_ADMIN\"]}");
	cleanup_free char *priv = caps_of("{\"Privileged\":true,\"CapDrop\":[\"ALL\"]}");
	cleanup_json cJSON *ja = NULL;

	CHECK(str_has_suffix(add, "\"CAP_AUDIT_WRITE\",\"CAP_NET_ADMIN\",\"CAP_SYS_PTRACE\"]"));
	CHECK(str_has_prefix(add, "[\"CAP_CHOWN\","));
	CHECK(!strstr(drop, "CAP_CHOWN") && !strstr(drop, "CAP_KILL") && !strstr(drop, "MKNOD"));
	CHECK(strstr(drop, "CAP_SETUID") != NULL);
	CHECK_STR(only, "[\"CAP_CHOWN\"]");
	CHECK_STR(none, "[]");
	ja = cJSON_Parse(all);
	CHECK(ja != NULL);
	CHECK_INT(cJSON_GetArraySize(ja), host_caps());
	CHECK(strstr(all, "CAP_SYS_ADMIN") != NULL);
	CHECK(strstr(all_but, "CAP_SYS_ADMIN") != NULL);
	CHECK(strstr(all_but, "CAP_NET_ADMIN") == NULL);
	CHECK_STR(priv, all);
	CHECK(convert_fails(NULL, "{\"Cmd\":[\"sh\"],\"CapAdd\":[\"FOO\"]}",
			    "unknown capability 'FOO' in CapAdd"));
	CHECK(convert_fails(NULL, "{\"Cmd\":[\"sh\"],\"CapDrop\":[\"CAP_\"]}",
			    "unknown capability 'CAP_' in CapDrop"));
	CHECK(convert_fails(NULL, "{\"Cmd\":[\"sh\"],\"CapAdd\":\"NET_ADMIN\"}",
			    "override 'CapAdd' must be an array of strings"));
}

TEST(convert_caps_apply_direct)
{
	cleanup_err struct err *err = NULL;
	char **caps = NULL;
	char *add[] = {"net_raw", NULL}, *drop[] = {"NET_RAW", NULL}, *bad[] = {"x", NULL};

	/* adding and dropping the same capability: the add wins, as in docker */
	CHECK_INT(spec_caps_apply(add, drop, false, &caps, &err), 0);
	CHECK_INT(strv_len(caps), 14);
	strv_free(caps);
	CHECK_INT(spec_caps_apply(NULL, drop, false, &caps, &err), 0);
	CHECK_INT(strv_len(caps), 13);
	strv_free(caps);
	CHECK_INT(spec_caps_apply(bad, NULL, false, &caps, &err), -1);
	CHECK_ERR(err, "unknown capability 'x' in CapAdd");
}

TEST(convert_seccomp_follows_caps)
{
	struct spec_image_config img = SPEC_IMAGE_CONFIG_INIT;
	cleanup_err struct err *err = NULL;
	cleanup_json cJSON *j = NULL, *want = NULL;
	cleanup_free char *got = NULL, *exp = NULL;
	char **caps = NULL;
	char *add[] = {"SYS_ADMIN", NULL};

	load_image(IMG("{\"Cmd\":[\"sh\"]}"), &img);
	j = convert(&img, "{\"CapAdd\":[\"SYS_ADMIN\"]}", NULL, &err);
	CHECK(j != NULL);
	CHECK_INT(spec_caps_apply(add, NULL, false, &caps, &err), 0);
	want = spec_seccomp_default_for_caps((const char *const *)caps);
	strv_free(caps);
	got = print_at(j, "linux.seccomp");
	exp = json_print(want, false);
	CHECK_STR(got, exp);
	spec_image_config_release(&img);
}

TEST(convert_privileged)
{
	struct spec_image_config img = SPEC_IMAGE_CONFIG_INIT;
	cleanup_err struct err *err = NULL;
	cleanup_json cJSON *j = NULL;
	const cJSON *m;

	load_image(IMG("{\"Cmd\":[\"sh\"]}"), &img);
	j = convert(&img, "{\"Privileged\":true}", NULL, &err);
	CHECK(j != NULL);
	CHECK(!at(j, "linux.seccomp"));
	CHECK(!at(j, "linux.maskedPaths"));
	CHECK(!at(j, "linux.readonlyPaths"));
	CHECK(cJSON_IsTrue(at(j, "linux.resources.devices.0.allow")));
	CHECK_INT(cJSON_GetArraySize(at(j, "linux.resources.devices")), 1);
	m = find_mount(j, "/sys");
	CHECK(m && arr_has(at(m, "options"), "rw") && !arr_has(at(m, "options"), "ro"));
	m = find_mount(j, "/sys/fs/cgroup");
	CHECK(m && arr_has(at(m, "options"), "rw"));
	/* every capability this process can give, and none it cannot */
	CHECK_INT(cJSON_GetArraySize(at(j, "process.capabilities.bounding")), host_caps());
	CHECK_INT(cJSON_GetArraySize(at(j, "process.capabilities.effective")), host_caps());
	spec_image_config_release(&img);
}

TEST(convert_bad_overrides)
{
	struct spec_image_config img = SPEC_IMAGE_CONFIG_INIT;

	load_image(IMG("{\"Cmd\":[\"sh\"]}"), &img);
	CHECK(convert_fails(&img, "{\"Foo\":1}", "unknown override key 'Foo'"));
	CHECK(convert_fails(&img, "{\"cmd\":[\"x\"]}", "unknown override key 'cmd'"));
	CHECK(convert_fails(&img, "{\"Cmd\":[\"x\"],\"HostConfig\":{}}",
			    "unknown override key 'HostConfig'"));
	CHECK(convert_fails(&img, "[1]", "overrides must be a JSON object"));
	CHECK(convert_fails(&img, "{\"Tty\":\"yes\"}", "override 'Tty' must be a boolean"));
	CHECK(convert_fails(&img, "{\"Cmd\":[1]}", "override 'Cmd[0]' must be a string"));
	CHECK(convert_fails(&img, "{\"Cmd\":{}}", "override 'Cmd' must be an array of strings"));
	CHECK(convert_fails(&img, "{\"Memory\":\"1g\"}", "override 'Memory' must be an integer"));
	CHECK(convert_fails(&img, "{\"Memory\":1.5}", "override 'Memory' must be an integer"));
	CHECK(
	    convert_fails(&img, "{\"Labels\":{\"a\":1}}", "override 'Labels.a' must be a string"));
	CHECK(convert_fails(&img, "{\"Labels\":[]}", "override 'Labels' must be an object"));
	CHECK(convert_fails(&img, "{\"WorkingDir\":\"rel/dir\"}",
			    "the working directory 'rel/dir' is invalid"));
	CHECK(convert_fails(&img, "{\"OomScoreAdj\":1001}", "outside -1000..1000"));
	CHECK(convert_fails(&img, "{\"ShmSize\":0}", "override 'ShmSize' must be positive"));
	spec_image_config_release(&img);
}

TEST(convert_init)
{
	struct spec_image_config img = SPEC_IMAGE_CONFIG_INIT;
	cleanup_err struct err *err = NULL, *err2 = NULL;
	cleanup_json cJSON *j = NULL, *bad = NULL;
	const cJSON *m;

	load_image(IMG("{\"Entrypoint\":[\"/ep\"],\"Cmd\":[\"a\"]}"), &img);
	j = convert(&img, "{\"Init\":\"/usr/bin/kist-init\"}", NULL, &err);
	CHECK(j != NULL);
	/* the init runs the image's command */
	CHECK_STR(str_at(j, "process.args.0"), SPEC_INIT_PATH);
	CHECK_STR(str_at(j, "process.args.1"), "--");
	CHECK_STR(str_at(j, "process.args.2"), "/ep");
	CHECK_STR(str_at(j, "process.args.3"), "a");
	m = find_mount(j, SPEC_INIT_PATH);
	CHECK(m && streq(str_at(m, "source"), "/usr/bin/kist-init"));
	{
		const cJSON *o, *opts = m ? cJSON_GetObjectItem(m, "options") : NULL;
		bool ro = false;
		cJSON_ArrayForEach(o, opts)
		{
			ro = ro || (cJSON_IsString(o) && streq(o->valuestring, "ro"));
		}
		CHECK(ro);
	}
	bad = convert(&img, "{\"Init\":\"kist-init\"}", NULL, &err2);
	CHECK(bad == NULL);
	CHECK(err2 && strstr(err2->msg, "'Init'"));
	spec_image_config_release(&img);
}

TEST(convert_workdir_root_hostname)
{
	struct spec_image_config img = SPEC_IMAGE_CONFIG_INIT;
	struct spec_convert_opts opts = SPEC_CONVERT_OPTS_INIT;
	cleanup_err struct err *err = NULL;
	cleanup_json cJSON *j = NULL, *k = NULL;

	load_image(IMG("{\"Cmd\":[\"sh\"],\"WorkingDir\":\"/srv\"}"), &img);
	opts.root_path = "/abs/rootfs";
	j = convert(&img, "{\"ReadonlyRootfs\":true,\"OpenStdin\":true,\"OomScoreAdj\":-500}",
		    &opts, &err);
	CHECK(j != NULL);
	CHECK_STR(str_at(j, "process.cwd"), "/srv");
	CHECK_STR(str_at(j, "root.path"), "/abs/rootfs");
	CHECK(cJSON_IsTrue(at(j, "root.readonly")));
	CHECK(!at(j, "hostname")); /* no default given, none asked */
	CHECK_INT(num_at(j, "process.oomScoreAdj"), -500);
	k = convert(&img, "{\"WorkingDir\":\"/other\"}", NULL, &err);
	CHECK(k != NULL);
	CHECK_STR(str_at(k, "process.cwd"), "/other");
	spec_image_config_release(&img);
}

TEST(convert_resources)
{
	struct spec_image_config img = SPEC_IMAGE_CONFIG_INIT;
	cleanup_err struct err *err = NULL;
	cleanup_json cJSON *j = NULL, *k = NULL;
	struct spec_config parsed;

	load_image(IMG("{\"Cmd\":[\"sh\"]}"), &img);
	j = convert(
	    &img,
	    "{\"Memory\":104857600,\"MemoryReservation\":52428800,\"NanoCpus\":1500000000,"
	    "\"CpuShares\":512,\"CpusetCpus\":\"0\",\"CpusetMems\":\"0\",\"PidsLimit\":100}",
	    NULL, &err);
	CHECK(j != NULL);
	CHECK(num_at(j, "linux.resources.memory.limit") == 104857600);
	CHECK(num_at(j, "linux.resources.memory.swap") == 2 * 104857600.0);
	CHECK(num_at(j, "linux.resources.memory.reservation") == 52428800);
	CHECK(num_at(j, "linux.resources.cpu.quota") == 150000);
	CHECK(num_at(j, "linux.resources.cpu.period") == 100000);
	CHECK(num_at(j, "linux.resources.cpu.shares") == 512);
	CHECK_STR(str_at(j, "linux.resources.cpu.cpus"), "0");
	CHECK_STR(str_at(j, "linux.resources.cpu.mems"), "0");
	CHECK(num_at(j, "linux.resources.pids.limit") == 100);
	CHECK_INT(spec_config_parse(j, &parsed, &err), 0);
	spec_config_release(&parsed);

	k = convert(&img,
		    "{\"Memory\":104857600,\"MemorySwap\":-1,\"CpuQuota\":50000,\"CpuPeriod\":"
		    "200000,\"PidsLimit\":0}",
		    NULL, &err);
	CHECK(k != NULL);
	CHECK(num_at(k, "linux.resources.memory.swap") == -1);
	CHECK(num_at(k, "linux.resources.cpu.quota") == 50000);
	CHECK(num_at(k, "linux.resources.cpu.period") == 200000);
	CHECK(!at(k, "linux.resources.pids"));

	CHECK(convert_fails(&img, "{\"Memory\":1000}", "minimum memory limit allowed is 6MB"));
	CHECK(convert_fails(&img, "{\"Memory\":104857600,\"MemorySwap\":1048576}",
			    "minimum memoryswap limit should be larger than memory limit"));
	CHECK(convert_fails(&img, "{\"MemorySwap\":104857600}",
			    "always set the memory limit when using memoryswap limit"));
	CHECK(convert_fails(&img, "{\"NanoCpus\":1000000000,\"CpuQuota\":50000}",
			    "conflicting options: NanoCpus and CpuQuota/CpuPeriod"));
	CHECK(convert_fails(&img, "{\"NanoCpus\":-1}", "range of CPUs"));
	CHECK(convert_fails(&img, "{\"CpuPeriod\":10}", "'CpuPeriod' must be between"));
	CHECK(convert_fails(&img, "{\"CpuShares\":-2}", "'CpuShares' must not be negative"));
	spec_image_config_release(&img);
}

TEST(convert_mounts)
{
	struct spec_image_config img = SPEC_IMAGE_CONFIG_INIT;
	cleanup_err struct err *err = NULL;
	cleanup_json cJSON *j = NULL;
	cleanup_free char *o1 = NULL, *o2 = NULL, *o3 = NULL;
	const cJSON *m;

	load_image(IMG("{\"Cmd\":[\"sh\"]}"), &img);
	j = convert(&img,
		    "{\"Binds\":[\"/src:/dst:ro\",\"/a:/b\",\"/c:/d:rshared,z\",\"/e:/dev/shm\"],"
		    "\"Tmpfs\":{\"/run\":\"size=1m,exec\",\"/tmp\":\"\"},\"ShmSize\":1048576}",
		    NULL, &err);
	CHECK(j != NULL);
	m = find_mount(j, "/dst");
	CHECK(m != NULL);
	CHECK_STR(str_at(m, "type"), "bind");
	CHECK_STR(str_at(m, "source"), "/src");
	o1 = print_at(m, "options");
	CHECK_STR(o1, "[\"rbind\",\"ro\",\"rprivate\"]");
	m = find_mount(j, "/b");
	CHECK(m && arr_has(at(m, "options"), "rw"));
	m = find_mount(j, "/d");
	CHECK(m && arr_has(at(m, "options"), "rshared"));
	/* a bind on /dev/shm replaces docker's shm mount */
	CHECK_INT(count_mounts(j, "/dev/shm"), 1);
	CHECK_STR(str_at(find_mount(j, "/dev/shm"), "type"), "bind");
	m = find_mount(j, "/run");
	CHECK(m != NULL);
	CHECK_STR(str_at(m, "type"), "tmpfs");
	o2 = print_at(m, "options");
	CHECK_STR(o2, "[\"nosuid\",\"nodev\",\"size=1m\",\"exec\"]");
	m = find_mount(j, "/tmp");
	o3 = print_at(m, "options");
	CHECK_STR(o3, "[\"nosuid\",\"noexec\",\"nodev\"]");
	cJSON_Delete(j);
	j = convert(&img, "{\"ShmSize\":1048576}", NULL, &err);
	CHECK(j != NULL);
	CHECK(arr_has(at(find_mount(j, "/dev/shm"), "options"), "size=1048576"));

	CHECK(convert_fails(&img, "{\"Binds\":[\"/src\"]}", "invalid bind '/src'"));
	CHECK(convert_fails(&img, "{\"Binds\":[\"rel:/dst\"]}",
			    "source 'rel' must be an absolute path"));
	CHECK(convert_fails(&img, "{\"Binds\":[\"/src:dst\"]}",
			    "destination 'dst' must be an absolute path"));
	CHECK(convert_fails(&img, "{\"Binds\":[\"/src:/../etc\"]}", "must be an absolute path"));
	CHECK(convert_fails(&img, "{\"Binds\":[\"/src:/\"]}", "destination can't be '/'"));
	CHECK(convert_fails(&img, "{\"Binds\":[\"/src:/dst:rx\"]}",
			    "invalid mode 'rx' in bind '/src:/dst:rx'"));
	CHECK(convert_fails(&img, "{\"Tmpfs\":{\"run\":\"\"}}", "invalid tmpfs destination 'run'"));
	CHECK(convert_fails(&img, "{\"Tmpfs\":{\"/run\":1}}",
			    "override 'Tmpfs./run' must be a string"));
	spec_image_config_release(&img);
}

TEST(convert_namespaces)
{
	struct spec_image_config img = SPEC_IMAGE_CONFIG_INIT;
	cleanup_err struct err *err = NULL;
	cleanup_json cJSON *j = NULL, *k = NULL;

	load_image(IMG("{\"Cmd\":[\"sh\"]}"), &img);
	j = convert(&img, "{\"NetworkNamespacePath\":\"/run/kist/netns/abc\"}", NULL, &err);
	CHECK(j != NULL);
	CHECK_STR(str_at(find_ns(j, "network"), "path"), "/run/kist/netns/abc");
	CHECK(!at(find_ns(j, "pid"), "path"));
	k = convert(
	    &img,
	    "{\"NetworkMode\":\"host\",\"PidMode\":\"host\",\"IpcMode\":\"host\",\"UTSMode\":"
	    "\"host\",\"CgroupnsMode\":\"host\",\"Hostname\":\"ignored\"}",
	    NULL, &err);
	CHECK(k != NULL);
	CHECK(!find_ns(k, "network") && !find_ns(k, "pid") && !find_ns(k, "ipc") &&
	      !find_ns(k, "uts") && !find_ns(k, "cgroup"));
	CHECK(find_ns(k, "mount") != NULL);
	CHECK(!at(k, "hostname"));
	cJSON_Delete(k);
	k = convert(&img, "{\"NetworkMode\":\"bridge\",\"PidMode\":\"\"}", NULL, &err);
	CHECK(k != NULL);
	CHECK(find_ns(k, "network") && find_ns(k, "pid"));
	CHECK(convert_fails(&img, "{\"NetworkMode\":\"container:x\"}",
			    "override 'NetworkMode': unsupported mode 'container:x'"));
	CHECK(convert_fails(&img, "{\"NetworkMode\":\"host\",\"NetworkNamespacePath\":\"/x\"}",
			    "conflicting options"));
	CHECK(convert_fails(&img, "{\"NetworkNamespacePath\":\"x\"}", "is not absolute"));
	spec_image_config_release(&img);
}

TEST(convert_annotations)
{
	struct spec_image_config img = SPEC_IMAGE_CONFIG_INIT;
	cleanup_err struct err *err = NULL;
	cleanup_json cJSON *j = NULL, *k = NULL;

	load_image(IMG("{\"Cmd\":[\"sh\"],\"Labels\":{\"a\":\"1\",\"b\":\"2\"},\"StopSignal\":"
		       "\"SIGQUIT\",\"Volumes\":{\"/data\":{}},\"ExposedPorts\":{\"80/tcp\":{}}}"),
		   &img);
	j = convert(
	    &img,
	    "{\"Labels\":{\"b\":\"override\",\"c\":\"3\"},\"Volumes\":{\"/more\":{},"
	    "\"/data\":{}},\"ExposedPorts\":{\"53/udp\":{}},\"Annotations\":{\"x.y\":\"z\"}}",
	    NULL, &err);
	CHECK(j != NULL);
	CHECK_STR(str_at(j, "annotations.a"), "1");
	CHECK_STR(str_at(j, "annotations.b"), "override");
	CHECK_STR(str_at(j, "annotations.c"), "3");
	CHECK_STR(cJSON_GetObjectItem(at(j, "annotations"), "x.y")->valuestring, "z");
	CHECK_STR(
	    cJSON_GetObjectItem(at(j, "annotations"), SPEC_ANNOTATION_STOP_SIGNAL)->valuestring,
	    "SIGQUIT");
	CHECK_STR(cJSON_GetObjectItem(at(j, "annotations"), SPEC_ANNOTATION_VOLUMES)->valuestring,
		  "[\"/data\",\"/more\"]");
	CHECK_STR(cJSON_GetObjectItem(at(j, "annotations"), SPEC_ANNOTATION_PORTS)->valuestring,
		  "[\"80/tcp\",\"53/udp\"]");
	k = convert(&img, "{\"StopSignal\":\"SIGTERM\"}", NULL, &err);
	CHECK(k != NULL);
	CHECK_STR(
	    cJSON_GetObjectItem(at(k, "annotations"), SPEC_ANNOTATION_STOP_SIGNAL)->valuestring,
	    "SIGTERM");
	spec_image_config_release(&img);
}

TEST(convert_sysctls_ulimits)
{
	struct spec_image_config img = SPEC_IMAGE_CONFIG_INIT;
	cleanup_err struct err *err = NULL;
	cleanup_json cJSON *j = NULL;
	cleanup_free char *rl = NULL;

	load_image(IMG("{\"Cmd\":[\"sh\"]}"), &img);
	j = convert(&img,
		    "{\"Sysctls\":{\"net.ipv4.ip_forward\":\"1\",\"kernel.shmmax\":\"1000000\"},"
		    "\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":100,\"Hard\":200},{\"Name\":"
		    "\"nproc\",\"Soft\":50,\"Hard\":50}]}",
		    NULL, &err);
	CHECK(j != NULL);
	CHECK_STR(cJSON_GetObjectItem(at(j, "linux.sysctl"), "net.ipv4.ip_forward")->valuestring,
		  "1");
	CHECK_STR(cJSON_GetObjectItem(at(j, "linux.sysctl"), "kernel.shmmax")->valuestring,
		  "1000000");
	rl = print_at(j, "process.rlimits");
	CHECK_STR(rl, "[{\"type\":\"RLIMIT_NOFILE\",\"hard\":200,\"soft\":100},"
		      "{\"type\":\"RLIMIT_NPROC\",\"hard\":50,\"soft\":50}]");
	CHECK(convert_fails(&img, "{\"Sysctls\":{\"kernel.hostname\":\"x\"}}",
			    "sysctl 'kernel.hostname' is not allowed in a container"));
	CHECK(convert_fails(&img, "{\"Sysctls\":{\"vm.swappiness\":\"1\"}}",
			    "sysctl 'vm.swappiness' is not allowed"));
	CHECK(convert_fails(&img,
			    "{\"NetworkMode\":\"host\",\"Sysctls\":{\"net.ipv4.ip_forward\":"
			    "\"1\"}}",
			    "sharing the host's network namespace"));
	CHECK(convert_fails(&img, "{\"Ulimits\":[{\"Name\":\"bogus\",\"Soft\":1,\"Hard\":1}]}",
			    "unknown ulimit 'bogus'"));
	CHECK(convert_fails(&img, "{\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":10,\"Hard\":1}]}",
			    "invalid nofile limits"));
	CHECK(convert_fails(&img, "{\"Ulimits\":[{\"Name\":\"nofile\"}]}",
			    "override 'Ulimits[0]' must be"));
	CHECK(convert_fails(&img, "{\"Ulimits\":{}}", "override 'Ulimits' must be an array"));
	spec_image_config_release(&img);
}

TEST(convert_security_opts)
{
	struct spec_image_config img = SPEC_IMAGE_CONFIG_INIT;
	cleanup_err struct err *err = NULL;
	cleanup_json cJSON *j = NULL, *k = NULL;
	cleanup_free char *profile = xasprintf("%s/profile.json", unit_tmpdir());
	cleanup_free char *docker = xasprintf("%s/docker.json", unit_tmpdir());
	cleanup_free char *ov = NULL, *ov2 = NULL, *ov3 = NULL;
	static const char oci[] = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
				  "[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\"}]}";
	static const char dock[] =
	    "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,\"archMap\":["
	    "{\"architecture\":\"SCMP_ARCH_OTHER\",\"subArchitectures\":[]},"
	    "{\"architecture\":\"" NATIVE_SCMP "\",\"subArchitectures\":[\"SCMP_ARCH_SUB\"]}],"
	    "\"syscalls\":["
	    "{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\",\"comment\":\"x\"},"
	    "{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":"
	    "[\"CAP_SYS_ADMIN\"]}},"
	    "{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":"
	    "[\"CAP_SYS_PTRACE\"]}},"
	    "{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38,"
	    "\"excludes\":{\"caps\":[\"CAP_NET_ADMIN\"]}},"
	    "{\"names\":[\"chown\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"caps\":"
	    "[\"CAP_SYS_ADMIN\"]}},"
	    "{\"names\":[\"ioperm\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"arches\":"
	    "[\"no-such-arch\"]}},"
	    "{\"names\":[\"future\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":"
	    "\"99.0\"}},"
	    "{\"name\":\"personality\",\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
	    "\"value\":8,\"op\":\"SCMP_CMP_EQ\"}]}]}";
	static const char bad_rule[] = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
				       "[{\"names\":[\"x\"]}]}";
	struct spec_platform host = SPEC_PLATFORM_INIT;
	cleanup_free char *rules = NULL;
	const char *native = NULL;

	spec_platform_host(&host);
	if (streq(host.architecture, "amd64"))
		native = NATIVE_SCMP;
	spec_platform_release(&host);
	load_image(IMG("{\"Cmd\":[\"sh\"]}"), &img);
	j = convert(&img, "{\"SecurityOpt\":[\"seccomp=unconfined\",\"no-new-privileges\"]}", NULL,
		    &err);
	CHECK(j != NULL);
	CHECK(!at(j, "linux.seccomp"));
	CHECK(cJSON_IsTrue(at(j, "process.noNewPrivileges")));

	CHECK_INT(fs_write_file_atomic(profile, oci, sizeof(oci) - 1, 0644, &err), 0);
	ov = xasprintf("{\"SecurityOpt\":[\"seccomp=%s\",\"no-new-privileges:false\"]}", profile);
	k = convert(&img, ov, NULL, &err);
	CHECK(k != NULL);
	CHECK_STR(str_at(k, "linux.seccomp.defaultAction"), "SCMP_ACT_ALLOW");
	CHECK_STR(str_at(k, "linux.seccomp.syscalls.0.names.0"), "chmod");
	CHECK(!at(k, "process.noNewPrivileges"));

	CHECK_INT(fs_write_file_atomic(docker, dock, sizeof(dock) - 1, 0644, &err), 0);
	ov2 = xasprintf("{\"SecurityOpt\":[\"seccomp=%s\"],\"CapAdd\":[\"SYS_ADMIN\"]}", docker);
	cJSON_Delete(k);
	k = convert(&img, ov2, NULL, &err);
	CHECK(k != NULL);
	CHECK_STR(str_at(k, "linux.seccomp.defaultAction"), "SCMP_ACT_ERRNO");
	CHECK(num_at(k, "linux.seccomp.defaultErrnoRet") == 1);
	if (native) {
		CHECK_STR(str_at(k, "linux.seccomp.architectures.0"), native);
		CHECK_STR(str_at(k, "linux.seccomp.architectures.1"), "SCMP_ARCH_SUB");
	}
	rules = print_at(k, "linux.seccomp.syscalls");
	/* kept: unconditional, needs SYS_ADMIN (added), excludes NET_ADMIN (absent);
	 * dropped: needs SYS_PTRACE, excludes SYS_ADMIN, another arch, a future kernel */
	CHECK_STR(rules, "[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
			 "{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ALLOW\"},"
			 "{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38},"
			 "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":"
			 "[{\"index\":0,\"value\":8,\"op\":\"SCMP_CMP_EQ\"}]}]");
	CHECK_INT(fs_write_file_atomic(docker, "{\"syscalls\":[]}", 15, 0644, &err), 0);
	CHECK(convert_fails(&img, ov2, "'defaultAction' is required"));
	CHECK_INT(fs_write_file_atomic(docker, bad_rule, sizeof(bad_rule) - 1, 0644, &err), 0);
	CHECK(convert_fails(&img, ov2, "'syscalls[0].action' must be a string"));
	CHECK_INT(fs_write_file_atomic(docker, "{\"defaultAction\":", 17, 0644, &err), 0);
	CHECK(convert_fails(&img, ov2, "invalid JSON"));
	ov3 = xasprintf("{\"SecurityOpt\":[\"seccomp=%s/missing.json\"]}", unit_tmpdir());
	CHECK(convert_fails(&img, ov3, "missing.json"));
	CHECK(convert_fails(&img, "{\"SecurityOpt\":[\"apparmor=foo\"]}",
			    "unsupported security option 'apparmor=foo'"));
	CHECK(convert_fails(&img, "{\"SecurityOpt\":\"seccomp=unconfined\"}",
			    "override 'SecurityOpt' must be an array of strings"));
	spec_image_config_release(&img);
}

TEST(convert_full_parses_in_runtime)
{
	struct spec_image_config img = SPEC_IMAGE_CONFIG_INIT;
	struct spec_convert_opts opts = SPEC_CONVERT_OPTS_INIT;
	cleanup_err struct err *err = NULL;
	cleanup_json cJSON *j = NULL;
	cleanup_free char *rootfs = make_rootfs();
	struct spec_config parsed;

	load_image(IMG("{\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"Cmd\":[\"echo hi\"],\"User\":"
		       "\"app\",\"Env\":[\"X=1\"],\"WorkingDir\":\"/home/app\"}"),
		   &img);
	opts.rootfs = rootfs;
	opts.hostname = "abcdef012345";
	j = convert(
	    &img,
	    "{\"Tty\":true,\"Memory\":67108864,\"CapAdd\":[\"NET_ADMIN\"],\"Binds\":[\"/tmp:"
	    "/hosttmp:ro\"],\"Tmpfs\":{\"/run\":\"size=1m\"},\"Sysctls\":{\"net.ipv4.ip_"
	    "forward\":\"1\"},\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":64,\"Hard\":64}],"
	    "\"ReadonlyRootfs\":true,\"PidsLimit\":64,\"SecurityOpt\":[\"no-new-privileges\"]"
	    ",\"NetworkNamespacePath\":\"/proc/self/ns/net\"}",
	    &opts, &err);
	CHECK(j != NULL);
	CHECK_INT(spec_config_parse(j, &parsed, &err), 0);
	spec_config_release(&parsed);
	CHECK_INT(num_at(j, "process.user.uid"), 1000);
	spec_image_config_release(&img);
}

TEST(convert_etc_files)
{
	struct spec_image_config img = SPEC_IMAGE_CONFIG_INIT;
	struct spec_convert_opts opts = SPEC_CONVERT_OPTS_INIT;
	cleanup_err struct err *err = NULL;
	cleanup_json cJSON *j = NULL, *k = NULL;
	cleanup_free char *o = NULL;
	const cJSON *m;

	load_image(IMG("{\"Cmd\":[\"sh\"]}"), &img);
	opts.resolv_conf = "/c/resolv.conf";
	opts.hosts = "/c/hosts";
	opts.hostname_file = "/c/hostname";
	j = convert(&img, NULL, &opts, &err);
	CHECK(j != NULL);
	m = find_mount(j, "/etc/resolv.conf");
	CHECK(m != NULL);
	CHECK_STR(str_at(m, "source"), "/c/resolv.conf");
	CHECK_STR(str_at(m, "type"), "bind");
	o = print_at(m, "options");
	CHECK_STR(o, "[\"rbind\",\"rprivate\"]");
	CHECK_STR(str_at(find_mount(j, "/etc/hosts"), "source"), "/c/hosts");
	CHECK_STR(str_at(find_mount(j, "/etc/hostname"), "source"), "/c/hostname");
	/* a user bind on the same destination wins */
	k = convert(&img, "{\"Binds\":[\"/mine:/etc/hosts:ro\"]}", &opts, &err);
	CHECK(k != NULL);
	CHECK_INT(count_mounts(k, "/etc/hosts"), 1);
	CHECK_STR(str_at(find_mount(k, "/etc/hosts"), "source"), "/mine");
	/* none given: none mounted */
	cJSON_Delete(j);
	j = convert(&img, NULL, NULL, &err);
	CHECK(j != NULL);
	CHECK(!find_mount(j, "/etc/resolv.conf") && !find_mount(j, "/etc/hosts"));
	spec_image_config_release(&img);
}
