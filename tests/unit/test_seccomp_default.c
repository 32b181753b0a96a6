/* test_seccomp_default.c: docker's default profile as spec/ builds it. */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <string.h>

#include "spec/seccomp_default.h"
#include "tests/unit/unit.h"

/* The rule (action, args) under which name appears; NULL if none. With
 * several rules, the n-th (0-based). */
static const cJSON *find_rule(const cJSON *profile, const char *name, int n)
{
	const cJSON *r, *s;

	cJSON_ArrayForEach(r, cJSON_GetObjectItem(profile, "syscalls"))
	{
		cJSON_ArrayForEach(s, cJSON_GetObjectItem(r, "names"))
		{
			if (cJSON_IsString(s) && strcmp(s->valuestring, name) == 0 && n-- == 0)
				return r;
		}
	}
	return NULL;
}

static bool allowed_plainly(const cJSON *profile, const char *name)
{
	for (int i = 0;; i++) {
		const cJSON *r = find_rule(profile, name, i);

		if (!r)
			return false;
		if (strcmp(cJSON_GetObjectItem(r, "action")->valuestring, "SCMP_ACT_ALLOW") == 0 &&
		    !cJSON_GetObjectItem(r, "args"))
			return true;
	}
}

static int count_rules(const cJSON *profile, const char *name)
{
	int n = 0;

	while (find_rule(profile, name, n))
		n++;
	return n;
}

TEST(seccomp_default_shape)
{
	cJSON *p = spec_seccomp_default();
	const cJSON *archs = cJSON_GetObjectItem(p, "architectures");

	CHECK_STR(cJSON_GetObjectItem(p, "defaultAction")->valuestring, "SCMP_ACT_ERRNO");
	CHECK_INT(cJSON_GetObjectItem(p, "defaultErrnoRet")->valueint, 1);
	CHECK(cJSON_IsArray(archs));
#if defined(__x86_64__) && !defined(__ILP32__)
	CHECK_INT(cJSON_GetArraySize(archs), 3);
	CHECK_STR(cJSON_GetArrayItem(archs, 0)->valuestring, "SCMP_ARCH_X86_64");
	CHECK_STR(cJSON_GetArrayItem(archs, 1)->valuestring, "SCMP_ARCH_X86");
	CHECK_STR(cJSON_GetArrayItem(archs, 2)->valuestring, "SCMP_ARCH_X32");
	CHECK(allowed_plainly(p, "arch_prctl"));
	CHECK(allowed_plainly(p, "modify_ldt"));
	CHECK(!find_rule(p, "set_tls", 0));
#endif
	CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(p, "syscalls")) > 5);
	cJSON_Delete(p);
}

TEST(seccomp_default_allow_list)
{
	cJSON *p = spec_seccomp_default();

	CHECK(allowed_plainly(p, "read"));
	CHECK(allowed_plainly(p, "execve"));
	CHECK(allowed_plainly(p, "exit_group"));
	CHECK(allowed_plainly(p, "writev"));
	/* CAP_SYS_CHROOT is in docker's default set */
	CHECK(allowed_plainly(p, "chroot"));
	/* the minKernel 4.8 entry: ptrace is allowed on current kernels */
	CHECK(allowed_plainly(p, "ptrace"));
	/* not allowed with the default capabilities */
	CHECK(!find_rule(p, "mount", 0));
	CHECK(!find_rule(p, "unshare", 0));
	CHECK(!find_rule(p, "setns", 0));
	CHECK(!find_rule(p, "reboot", 0));
	CHECK(!find_rule(p, "init_module", 0));
	CHECK(!find_rule(p, "kexec_load", 0));
	CHECK(!find_rule(p, "open_by_handle_at", 0));
	CHECK(!find_rule(p, "bpf", 0));
	cJSON_Delete(p);
}

TEST(seccomp_default_conditional_rules)
{
	cJSON *p = spec_seccomp_default();
	const cJSON *r, *arg;

	/* clone: only without namespace flags */
	r = find_rule(p, "clone", 0);
	CHECK(r != NULL);
	CHECK_INT(count_rules(p, "clone"), 1);
	arg = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "args"), 0);
	CHECK(arg != NULL);
	CHECK_STR(cJSON_GetObjectItem(arg, "op")->valuestring, "SCMP_CMP_MASKED_EQ");
	CHECK(cJSON_GetObjectItem(arg, "value")->valuedouble == 2114060288.0);
	CHECK_INT(cJSON_GetObjectItem(arg, "valueTwo")->valueint, 0);
	/* clone3 answers ENOSYS so that libc falls back to clone */
	r = find_rule(p, "clone3", 0);
	CHECK(r != NULL);
	CHECK_STR(cJSON_GetObjectItem(r, "action")->valuestring, "SCMP_ACT_ERRNO");
	CHECK_INT(cJSON_GetObjectItem(r, "errnoRet")->valueint, 38);
	/* socket: anything but AF_VSOCK */
	r = find_rule(p, "socket", 0);
	CHECK(r != NULL);
	arg = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "args"), 0);
	CHECK_STR(cJSON_GetObjectItem(arg, "op")->valuestring, "SCMP_CMP_NE");
	CHECK_INT(cJSON_GetObjectItem(arg, "value")->valueint, 40);
	/* personality: five separate values */
	CHECK_INT(count_rules(p, "personality"), 5);
	CHECK(find_rule(p, "personality", 4) != NULL);
	arg = cJSON_GetArrayItem(cJSON_GetObjectItem(find_rule(p, "personality", 4), "args"), 0);
	CHECK(cJSON_GetObjectItem(arg, "value")->valuedouble == 4294967295.0);
	cJSON_Delete(p);
}

TEST(seccomp_default_follows_caps)
{
	static const char *const admin[] = {"CAP_SYS_ADMIN", "CAP_SYS_PTRACE", NULL};
	static const char *const none[] = {NULL};
	cJSON *p = spec_seccomp_default_for_caps(admin);

	CHECK(allowed_plainly(p, "mount"));
	CHECK(allowed_plainly(p, "unshare"));
	CHECK(allowed_plainly(p, "clone"));
	CHECK(allowed_plainly(p, "clone3"));
	CHECK(allowed_plainly(p, "kcmp"));
	/* no ENOSYS rule for clone3 and no masked clone rule with SYS_ADMIN */
	CHECK_INT(count_rules(p, "clone3"), 1);
	CHECK_INT(count_rules(p, "clone"), 1);
	/* CAP_SYS_CHROOT not held here */
	CHECK(!find_rule(p, "chroot", 0));
	cJSON_Delete(p);

	p = spec_seccomp_default_for_caps(none);
	CHECK(!find_rule(p, "chroot", 0));
	CHECK(!find_rule(p, "mount", 0));
	CHECK(allowed_plainly(p, "read"));
	cJSON_Delete(p);
}

TEST(seccomp_default_caps_list)
{
	int n = 0;

	for (const char *const *c = spec_default_caps; *c; c++)
		n++;
	CHECK_INT(n, 14);
	CHECK_STR(spec_default_caps[0], "CAP_CHOWN");
	CHECK_STR(spec_default_caps[13], "CAP_AUDIT_WRITE");
}
