/* defaults.c: the default config.json of `kist-runtime spec`. */
#define _GNU_SOURCE
#include <stdlib.h> /* abort */
#include <unistd.h> /* getuid, getgid */

#include "common/util.h"
#include "spec/defaults.h"

#define RUNTIME_SPEC_VERSION "1.1.0"

const char *spec_runtime_version(void)
{
	return RUNTIME_SPEC_VERSION;
}

static cJSON *chk(cJSON *j)
{
	if (!j)
		abort();
	return j;
}

static cJSON *add(cJSON *obj, const char *key, cJSON *item)
{
	if (!cJSON_AddItemToObject(obj, key, chk(item)))
		abort();
	return item;
}

static void append(cJSON *arr, cJSON *item)
{
	if (!cJSON_AddItemToArray(arr, chk(item)))
		abort();
}

static cJSON *strings(const char *const *v)
{
	cJSON *a = chk(cJSON_CreateArray());

	for (; *v; v++)
		append(a, cJSON_CreateString(*v));
	return a;
}

static void mount(cJSON *mounts, const char *dst, const char *type, const char *src,
		  const char *const *opts)
{
	cJSON *m = chk(cJSON_CreateObject());

	add(m, "destination", cJSON_CreateString(dst));
	add(m, "type", cJSON_CreateString(type));
	add(m, "source", cJSON_CreateString(src));
	if (opts)
		add(m, "options", strings(opts));
	append(mounts, m);
}

static cJSON *id_map(unsigned host)
{
	cJSON *a = chk(cJSON_CreateArray()), *m = chk(cJSON_CreateObject());

	add(m, "containerID", cJSON_CreateNumber(0));
	add(m, "hostID", cJSON_CreateNumber(host));
	add(m, "size", cJSON_CreateNumber(1));
	append(a, m);
	return a;
}

cJSON *spec_runtime_default(bool rootless)
{
	static const char *const env[] = {
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
	    NULL};
	static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
					   NULL};
	static const char *const capsets[] = {"bounding", "effective", "permitted", "ambient"};
	static const char *const args[] = {"sh", NULL};
	static const char *const o_dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k",
					    NULL};
	static const char *const o_pts[] = {"nosuid",    "noexec", "newinstance", "ptmxmode=0666",
					    "mode=0620", "gid=5",  NULL};
	static const char *const o_pts_rootless[] = {"nosuid",        "noexec",    "newinstance",
						     "ptmxmode=0666", "mode=0620", NULL};
	static const char *const o_shm[] = {"nosuid",    "noexec",      "nodev",
					    "mode=1777", "size=65536k", NULL};
	static const char *const o_mq[] = {"nosuid", "noexec", "nodev", NULL};
	static const char *const o_sys[] = {"nosuid", "noexec", "nodev", "ro", NULL};
	static const char *const o_sys_rootless[] = {"rbind", "nosuid", "noexec",
						     "nodev", "ro",     NULL};
	static const char *const o_cg[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};
	static const char *const masked[] = {"/proc/acpi",
					     "/proc/asound",
					     "/proc/kcore",
					     "/proc/keys",
					     "/proc/latency_stats",
					     "/proc/timer_list",
					     "/proc/timer_stats",
					     "/proc/sched_debug",
					     "/sys/firmware",
					     "/proc/scsi",
					     NULL};
	static const char *const readonly[] = {
	    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};
	static const char *const ns[] = {"pid", "network", "ipc", "uts", "mount", NULL};
	static const char *const ns_rootless[] = {"pid", "ipc", "uts", "mount", "user", NULL};
	cJSON *root = chk(cJSON_CreateObject()), *proc, *user, *capj, *rl, *r, *mounts, *lx, *res,
	      *devs, *nss;
	const char *const *n;
	size_t i;

	add(root, "ociVersion", cJSON_CreateString(RUNTIME_SPEC_VERSION));
	proc = add(root, "process", cJSON_CreateObject());
	add(proc, "terminal", cJSON_CreateTrue());
	user = add(proc, "user", cJSON_CreateObject());
	add(user, "uid", cJSON_CreateNumber(0));
	add(user, "gid", cJSON_CreateNumber(0));
	add(proc, "args", strings(args));
	add(proc, "env", strings(env));
	add(proc, "cwd", cJSON_CreateString("/"));
	capj = add(proc, "capabilities", cJSON_CreateObject());
	for (i = 0; i < ARRAY_SIZE(capsets); i++)
		add(capj, capsets[i], strings(caps));
	rl = chk(cJSON_CreateObject());
	add(rl, "type", cJSON_CreateString("RLIMIT_NOFILE"));
	add(rl, "hard", cJSON_CreateNumber(1024));
	add(rl, "soft", cJSON_CreateNumber(1024));
	append(add(proc, "rlimits", cJSON_CreateArray()), rl);
	add(proc, "noNewPrivileges", cJSON_CreateTrue());

	r = add(root, "root", cJSON_CreateObject());
	add(r, "path", cJSON_CreateString("rootfs"));
	add(r, "readonly", cJSON_CreateTrue());
	add(root, "hostname", cJSON_CreateString("kist"));

	mounts = add(root, "mounts", cJSON_CreateArray());
	mount(mounts, "/proc", "proc", "proc", NULL);
	mount(mounts, "/dev", "tmpfs", "tmpfs", o_dev);
	mount(mounts, "/dev/pts", "devpts", "devpts", rootless ? o_pts_rootless : o_pts);
	mount(mounts, "/dev/shm", "tmpfs", "shm", o_shm);
	mount(mounts, "/dev/mqueue", "mqueue", "mqueue", o_mq);
	if (rootless)
		mount(mounts, "/sys", "none", "/sys", o_sys_rootless);
	else
		mount(mounts, "/sys", "sysfs", "sysfs", o_sys);
	mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", o_cg);

	lx = add(root, "linux", cJSON_CreateObject());
	if (rootless) {
		add(lx, "uidMappings", id_map(getuid()));
		add(lx, "gidMappings", id_map(getgid()));
	} else {
		res = add(lx, "resources", cJSON_CreateObject());
		devs = add(res, "devices", cJSON_CreateArray());
		r = chk(cJSON_CreateObject());
		add(r, "allow", cJSON_CreateFalse());
		add(r, "access", cJSON_CreateString("rwm"));
		append(devs, r);
	}
	nss = add(lx, "namespaces", cJSON_CreateArray());
	for (n = rootless ? ns_rootless : ns; *n; n++) {
		r = chk(cJSON_CreateObject());
		add(r, "type", cJSON_CreateString(*n));
		append(nss, r);
	}
	add(lx, "maskedPaths", strings(masked));
	add(lx, "readonlyPaths", strings(readonly));
	return root;
}
