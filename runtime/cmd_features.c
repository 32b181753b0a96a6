/* cmd_features.c: `features`: the runtime-spec Features structure, in the
 * shape `runc features` prints. */
#include <seccomp.h> /* seccomp_version */
#include <stdio.h>   /* printf */
#include "common/cli.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "runtime/cgroup.h"
#include "runtime/runtime.h"
#include "spec/defaults.h"

static cJSON *strings(const char *const *v)
{
	cJSON *a = cJSON_CreateArray();

	for (; *v; v++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*v));
	return a;
}

int cmd_features(void *g, int argc, char **argv, struct err **err)
{
	static const char *const hooks[] = {"prestart",
					    "createRuntime",
					    "createContainer",
					    "startContainer",
					    "poststart",
					    "poststop",
					    NULL};
	static const char *const mount_opts[] = {
	    "async",         "atime",       "bind",        "defaults",     "dev",
	    "diratime",      "dirsync",     "exec",        "iversion",     "lazytime",
	    "loud",          "mand",        "noatime",     "nodev",        "nodiratime",
	    "noexec",        "noiversion",  "nolazytime",  "nomand",       "norelatime",
	    "nostrictatime", "nosuid",      "nosymfollow", "private",      "rbind",
	    "relatime",      "remount",     "ro",          "rprivate",     "rshared",
	    "rslave",        "runbindable", "rw",          "shared",       "silent",
	    "slave",         "strictatime", "suid",        "symfollow",    "sync",
	    "unbindable",    "rro",         "rrw",         "rnosuid",      "rsuid",
	    "rnodev",        "rdev",        "rnoexec",     "rexec",        "rnodiratime",
	    "rdiratime",     "rrelatime",   "rnoatime",    "rstrictatime", "rnosymfollow",
	    "rsymfollow",    "tmpcopyup",   NULL};
	static const char *const namespaces[] = {"cgroup", "ipc",  "mount", "network", "pid",
						 "time",   "user", "uts",   NULL};
	static const char *const actions[] = {"SCMP_ACT_ALLOW",       "SCMP_ACT_ERRNO",
					      "SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
					      "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
					      "SCMP_ACT_NOTIFY",      "SCMP_ACT_TRACE",
					      "SCMP_ACT_TRAP",        NULL};
	static const char *const operators[] = {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
						"SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
						"SCMP_CMP_NE", NULL};
	static const char *const archs[] = {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",
					    "SCMP_ARCH_X32",     "SCMP_ARCH_X86",
					    "SCMP_ARCH_X86_64",  NULL};
	cleanup_json cJSON *j = cJSON_CreateObject();
	cJSON *linux_, *cg, *sc, *ann;
	cleanup_free char *s = NULL;
	const struct scmp_version *ver = seccomp_version();

	(void)g;
	(void)err;
	if (argc > 1 && (streq(argv[1], "-h") || streq(argv[1], "--help"))) {
		rt_help("usage: kist-runtime features\n");
		return EXIT_OK;
	}
	if (argc != 1)
		cli_usage_error("features: takes no arguments");
	cJSON_AddStringToObject(j, "ociVersionMin", "1.0.0");
	cJSON_AddStringToObject(j, "ociVersionMax", spec_runtime_version());
	cJSON_AddItemToObject(j, "hooks", strings(hooks));
	cJSON_AddItemToObject(j, "mountOptions", strings(mount_opts));
	linux_ = cJSON_AddObjectToObject(j, "linux");
	cJSON_AddItemToObject(linux_, "namespaces", strings(namespaces));
	{
		/* every capability libcap knows by name */
		cJSON *caps = cJSON_AddArrayToObject(linux_, "capabilities");
		static const char *const names[] = {"CAP_CHOWN",
						    "CAP_DAC_OVERRIDE",
						    "CAP_DAC_READ_SEARCH",
						    "CAP_FOWNER",
						    "CAP_FSETID",
						    "CAP_KILL",
						    "CAP_SETGID",
						    "CAP_SETUID",
						    "CAP_SETPCAP",
						    "CAP_LINUX_IMMUTABLE",
						    "CAP_NET_BIND_SERVICE",
						    "CAP_NET_BROADCAST",
						    "CAP_NET_ADMIN",
						    "CAP_NET_RAW",
						    "CAP_IPC_LOCK",
						    "CAP_IPC_OWNER",
						    "CAP_SYS_MODULE",
						    "CAP_SYS_RAWIO",
						    "CAP_SYS_CHROOT",
						    "CAP_SYS_PTRACE",
						    "CAP_SYS_PACCT",
						    "CAP_SYS_ADMIN",
						    "CAP_SYS_BOOT",
						    "CAP_SYS_NICE",
						    "CAP_SYS_RESOURCE",
						    "CAP_SYS_TIME",
						    "CAP_SYS_TTY_CONFIG",
						    "CAP_MKNOD",
						    "CAP_LEASE",
						    "CAP_AUDIT_WRITE",
						    "CAP_AUDIT_CONTROL",
						    "CAP_SETFCAP",
						    "CAP_MAC_OVERRIDE",
						    "CAP_MAC_ADMIN",
						    "CAP_SYSLOG",
						    "CAP_WAKE_ALARM",
						    "CAP_BLOCK_SUSPEND",
						    "CAP_AUDIT_READ",
						    "CAP_PERFMON",
						    "CAP_BPF",
						    "CAP_CHECKPOINT_RESTORE",
						    NULL};
		for (size_t i = 0; names[i]; i++)
			cJSON_AddItemToArray(caps, cJSON_CreateString(names[i]));
	}
	cg = cJSON_AddObjectToObject(linux_, "cgroup");
	cJSON_AddBoolToObject(cg, "v1", true);
	cJSON_AddBoolToObject(cg, "v2", true);
	cJSON_AddBoolToObject(cg, "systemd", false);
	cJSON_AddBoolToObject(cg, "systemdUser", false);
	sc = cJSON_AddObjectToObject(linux_, "seccomp");
	cJSON_AddBoolToObject(sc, "enabled", true);
	cJSON_AddItemToObject(sc, "actions", strings(actions));
	cJSON_AddItemToObject(sc, "operators", strings(operators));
	cJSON_AddItemToObject(sc, "archs", strings(archs));
	cJSON_AddObjectToObject(linux_, "apparmor");
	cJSON_AddBoolToObject(cJSON_GetObjectItem(linux_, "apparmor"), "enabled", false);
	cJSON_AddObjectToObject(linux_, "selinux");
	cJSON_AddBoolToObject(cJSON_GetObjectItem(linux_, "selinux"), "enabled", false);
	ann = cJSON_AddObjectToObject(j, "annotations");
	{
		char v[64];
		snprintf(v, sizeof(v), "%u.%u.%u", ver->major, ver->minor, ver->micro);
		cJSON_AddStringToObject(ann, "io.github.seccomp.libseccomp.version", v);
	}
	cJSON_AddStringToObject(ann, "org.opencontainers.runc.checkpoint.enabled", "false");
	s = json_print(j, true);
	printf("%s\n", s);
	return EXIT_OK;
}
