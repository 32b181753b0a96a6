/* convert.c: image config + overrides -> OCI runtime config.json, docker's way.
 */
#define _GNU_SOURCE
#include <ctype.h>        /* toupper */
#include <errno.h>        /* EINVAL, ENOENT */
#include <fcntl.h>        /* open */
#include <stdarg.h>       /* va_list */
#include <stdint.h>       /* int64_t, uint64_t */
#include <stdio.h>        /* snprintf */
#include <stdlib.h>       /* free, strtoull */
#include <string.h>       /* strchr, strcmp */
#include <sys/resource.h> /* getrlimit */

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "spec/convert.h"
#include "spec/defaults.h"
#include "spec/image.h"
#include "spec/seccomp_default.h"

/* ---- cJSON building (aborts on OOM) ---- */

static cJSON *obj_new(void)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		abort();
	return o;
}

static cJSON *arr_new(void)
{
	cJSON *a = cJSON_CreateArray();

	if (!a)
		abort();
	return a;
}

static cJSON *put(cJSON *obj, const char *key, cJSON *item)
{
	if (!item)
		abort();
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	if (!cJSON_AddItemToObject(obj, key, item))
		abort();
	return item;
}

static void put_str(cJSON *obj, const char *key, const char *s)
{
	put(obj, key, cJSON_CreateString(s));
}

static void put_num(cJSON *obj, const char *key, double v)
{
	put(obj, key, cJSON_CreateNumber(v));
}

static void put_bool(cJSON *obj, const char *key, bool v)
{
	put(obj, key, cJSON_CreateBool(v));
}

static cJSON *sub(cJSON *obj, const char *key)
{
	cJSON *o = cJSON_GetObjectItemCaseSensitive(obj, key);

	return o ? o : put(obj, key, obj_new());
}

static void push(cJSON *arr, cJSON *item)
{
	if (!item || !cJSON_AddItemToArray(arr, item))
		abort();
}

static void push_str(cJSON *arr, const char *s)
{
	push(arr, cJSON_CreateString(s));
}

/* "a,b,c" -> ["a","b","c"] appended to arr. */
static void push_csv(cJSON *arr, const char *csv)
{
	cleanup_free char *copy = xstrdup(csv);
	char *save = NULL, *tok;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		push_str(arr, tok);
}

/* ---- overrides access ---- */

struct ov {
	const cJSON *j;
};

static const cJSON *ov_get(const struct ov *o, const char *key)
{
	const cJSON *v = o->j ? cJSON_GetObjectItemCaseSensitive(o->j, key) : NULL;

	return v && !cJSON_IsNull(v) ? v : NULL;
}

static int ov_str(const struct ov *o, const char *key, const char **out, struct err **err)
{
	const cJSON *v = ov_get(o, key);

	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return err_set_code(err, EINVAL, "override '%s' must be a string", key);
	*out = v->valuestring;
	return 1;
}

static int ov_bool(const struct ov *o, const char *key, bool *out, struct err **err)
{
	const cJSON *v = ov_get(o, key);

	if (!v)
		return 0;
	if (!cJSON_IsBool(v))
		return err_set_code(err, EINVAL, "override '%s' must be a boolean", key);
	*out = cJSON_IsTrue(v);
	return 1;
}

static int ov_int(const struct ov *o, const char *key, int64_t *out, struct err **err)
{
	const cJSON *v = ov_get(o, key);
	double d;

	if (!v)
		return 0;
	d = v->valuedouble;
	if (!cJSON_IsNumber(v) || d != (double)(int64_t)d || d > 9007199254740992.0 ||
	    d < -9007199254740992.0)
		return err_set_code(err, EINVAL, "override '%s' must be an integer", key);
	*out = (int64_t)d;
	return 1;
}

/* Array of strings, or (as docker's strslice) a single string. */
static int ov_strv(const struct ov *o, const char *key, bool allow_string, char ***out,
		   struct err **err)
{
	const cJSON *v = ov_get(o, key), *e;
	char **r = NULL;
	size_t i = 0;

	if (!v)
		return 0;
	if (allow_string && cJSON_IsString(v)) {
		r = xcalloc(2, sizeof(*r));
		r[0] = xstrdup(v->valuestring);
		*out = r;
		return 1;
	}
	if (!cJSON_IsArray(v))
		return err_set_code(err, EINVAL, "override '%s' must be an array of strings", key);
	r = xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*r));
	cJSON_ArrayForEach(e, v)
	{
		if (!cJSON_IsString(e)) {
			strv_free(r);
			return err_set_code(err, EINVAL, "override '%s[%zu]' must be a string", key,
					    i);
		}
		r[i++] = xstrdup(e->valuestring);
	}
	*out = r;
	return 1;
}

/* Object; with strings=true all values must be strings. */
static int ov_obj(const struct ov *o, const char *key, bool strings, const cJSON **out,
		  struct err **err)
{
	const cJSON *v = ov_get(o, key), *e;

	if (!v)
		return 0;
	if (!cJSON_IsObject(v))
		return err_set_code(err, EINVAL, "override '%s' must be an object", key);
	cJSON_ArrayForEach(e, v)
	{
		if (strings && !cJSON_IsString(e))
			return err_set_code(err, EINVAL, "override '%s.%s' must be a string", key,
					    e->string);
	}
	*out = v;
	return 1;
}

/* clang-format off */
static const char *const known_keys[] = {
	"Cmd", "Entrypoint", "Env", "WorkingDir",
	"User", "Tty", "OpenStdin", "Hostname",
	"Domainname", "Labels", "StopSignal", "Volumes",
	"ExposedPorts", "Memory", "MemorySwap", "MemoryReservation",
	"NanoCpus", "CpuShares", "CpuQuota", "CpuPeriod",
	"CpusetCpus", "CpusetMems", "PidsLimit", "CapAdd",
	"CapDrop", "Privileged", "ReadonlyRootfs", "Binds",
	"Tmpfs", "ShmSize", "NetworkNamespacePath", "NetworkMode",
	"PidMode", "IpcMode", "UTSMode", "CgroupnsMode",
	"Sysctls", "Ulimits", "SecurityOpt", "GroupAdd",
	"OomScoreAdj", "Annotations", "Init",
};
/* clang-format on */

static int check_keys(const cJSON *j, struct err **err)
{
	const cJSON *e;
	size_t i;

	if (!j)
		return 0;
	if (!cJSON_IsObject(j))
		return err_set_code(err, EINVAL, "overrides must be a JSON object");
	cJSON_ArrayForEach(e, j)
	{
		for (i = 0; i < ARRAY_SIZE(known_keys); i++)
			if (streq(e->string, known_keys[i]))
				break;
		if (i == ARRAY_SIZE(known_keys))
			return err_set_code(err, EINVAL, "unknown override key '%s'", e->string);
	}
	return 0;
}

/* ---- env ---- */

static ssize_t env_find(char *const *env, const char *entry)
{
	const char *eq = strchr(entry, '=');
	size_t kl = eq ? (size_t)(eq - entry) : strlen(entry), i;

	for (i = 0; env && env[i]; i++)
		if (strncmp(env[i], entry, kl) == 0 && (env[i][kl] == '=' || env[i][kl] == '\0'))
			return (ssize_t)i;
	return -1;
}

/* docker's ReplaceOrAppendEnvValues: "K=V" replaces or appends, "K" removes. */
static void env_apply(char ***env, char *const *changes)
{
	for (; changes && *changes; changes++) {
		ssize_t i = env_find(*env, *changes);

		if (!strchr(*changes, '=')) {
			if (i >= 0) {
				size_t n = strv_len(*env);

				free((*env)[i]);
				memmove(&(*env)[i], &(*env)[i + 1],
					(n - (size_t)i) * sizeof(char *));
			}
			continue;
		}
		if (i >= 0) {
			free((*env)[i]);
			(*env)[i] = xstrdup(*changes);
		} else {
			strv_push(env, *changes);
		}
	}
}

/* ---- mounts ---- */

static void mount_add(cJSON *mounts, const char *dst, const char *type, const char *src,
		      const char *opts)
{
	cJSON *m = obj_new(), *e, *next;

	/* a later mount on the same destination replaces the earlier one */
	for (e = mounts->child; e; e = next) {
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "destination");

		next = e->next;
		if (cJSON_IsString(d) && streq(d->valuestring, dst))
			cJSON_Delete(cJSON_DetachItemViaPointer(mounts, e));
	}
	put_str(m, "destination", dst);
	put_str(m, "type", type);
	put_str(m, "source", src);
	if (opts)
		push_csv(put(m, "options", arr_new()), opts);
	push(mounts, m);
}

static bool clean_abs(const char *p)
{
	return p[0] == '/' && !strstr(p, "/../") && !str_has_suffix(p, "/..");
}

static int add_bind(cJSON *mounts, const char *spec, struct err **err)
{
	cleanup_free char *copy = xstrdup(spec);
	char *src = copy, *dst, *mode, *save = NULL, *tok;
	const char *prop = "rprivate", *rw = "rw";
	cJSON *m, *opts;

	dst = strchr(src, ':');
	if (!dst)
		return err_set_code(err, EINVAL, "invalid bind '%s': want src:dst[:opts]", spec);
	*dst++ = '\0';
	mode = strchr(dst, ':');
	if (mode)
		*mode++ = '\0';
	if (!*src || !clean_abs(src))
		return err_set_code(err, EINVAL,
				    "invalid bind '%s': source '%s' must be an absolute path", spec,
				    src);
	if (!*dst || !clean_abs(dst))
		return err_set_code(err, EINVAL,
				    "invalid bind '%s': destination '%s' must be an absolute path",
				    spec, dst);
	if (streq(dst, "/"))
		return err_set_code(err, EINVAL, "invalid bind '%s': destination can't be '/'",
				    spec);
	for (tok = mode ? strtok_r(mode, ",", &save) : NULL; tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (streq(tok, "ro") || streq(tok, "rw"))
			rw = streq(tok, "ro") ? "ro" : "rw";
		else if (streq(tok, "z") || streq(tok, "Z") || streq(tok, "nocopy"))
			continue;
		else if (streq(tok, "private") || streq(tok, "rprivate") || streq(tok, "shared") ||
			 streq(tok, "rshared") || streq(tok, "slave") || streq(tok, "rslave"))
			prop = tok;
		else
			return err_set_code(err, EINVAL, "invalid mode '%s' in bind '%s'", tok,
					    spec);
	}
	mount_add(mounts, dst, "bind", src, NULL);
	m = cJSON_GetArrayItem(mounts, cJSON_GetArraySize(mounts) - 1);
	opts = put(m, "options", arr_new());
	push_str(opts, "rbind");
	push_str(opts, rw);
	push_str(opts, prop);
	return 0;
}

static void etc_mount(cJSON *mounts, const char *dst, const char *src)
{
	if (src)
		mount_add(mounts, dst, "bind", src, "rbind,rprivate");
}

static int add_tmpfs(cJSON *mounts, const char *dst, const char *user_opts, struct err **err)
{
	cleanup_free char *copy = xstrdup(user_opts);
	bool noexec = true, nosuid = true, nodev = true;
	char *save = NULL, *tok;
	cJSON *m, *opts;

	if (!clean_abs(dst) || streq(dst, "/"))
		return err_set_code(err, EINVAL, "invalid tmpfs destination '%s'", dst);
	mount_add(mounts, dst, "tmpfs", "tmpfs", NULL);
	m = cJSON_GetArrayItem(mounts, cJSON_GetArraySize(mounts) - 1);
	opts = put(m, "options", arr_new());
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (streq(tok, "exec"))
			noexec = false;
		else if (streq(tok, "suid"))
			nosuid = false;
		else if (streq(tok, "dev"))
			nodev = false;
	}
	if (nosuid)
		push_str(opts, "nosuid");
	if (noexec)
		push_str(opts, "noexec");
	if (nodev)
		push_str(opts, "nodev");
	push_csv(opts, user_opts);
	return 0;
}

static void default_mounts(cJSON *mounts, bool privileged, int64_t shm_size)
{
	char shm[80];

	snprintf(shm, sizeof(shm), "nosuid,noexec,nodev,mode=1777,size=%lld", (long long)shm_size);
	mount_add(mounts, "/proc", "proc", "proc", "nosuid,noexec,nodev");
	mount_add(mounts, "/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k");
	mount_add(mounts, "/dev/pts", "devpts", "devpts",
		  "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5");
	mount_add(mounts, "/sys", "sysfs", "sysfs",
		  privileged ? "nosuid,noexec,nodev,rw" : "nosuid,noexec,nodev,ro");
	mount_add(mounts, "/sys/fs/cgroup", "cgroup", "cgroup",
		  privileged ? "rw,nosuid,noexec,nodev,relatime"
			     : "ro,nosuid,noexec,nodev,relatime");
	mount_add(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev");
	mount_add(mounts, "/dev/shm", "tmpfs", "shm", shm);
}

/* ---- linux section ---- */

static const char *const masked_paths[] = {"/proc/asound",
					   "/proc/acpi",
					   "/proc/kcore",
					   "/proc/keys",
					   "/proc/latency_stats",
					   "/proc/timer_list",
					   "/proc/timer_stats",
					   "/proc/sched_debug",
					   "/proc/scsi",
					   "/sys/firmware",
					   "/sys/devices/virtual/powercap"};

static const char *const readonly_paths[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
					     "/proc/sysrq-trigger"};

static void device_rule(cJSON *devs, bool allow, const char *type, int64_t major, int64_t minor,
			const char *access)
{
	cJSON *d = obj_new();

	put_bool(d, "allow", allow);
	if (type)
		put_str(d, "type", type);
	if (major >= 0)
		put_num(d, "major", (double)major);
	if (minor >= 0)
		put_num(d, "minor", (double)minor);
	put_str(d, "access", access);
	push(devs, d);
}

static void default_devices(cJSON *devs, bool privileged)
{
	if (privileged) {
		device_rule(devs, true, NULL, -1, -1, "rwm");
		return;
	}
	device_rule(devs, false, NULL, -1, -1, "rwm");
	device_rule(devs, true, "c", -1, -1, "m");
	device_rule(devs, true, "b", -1, -1, "m");
	device_rule(devs, true, "c", 1, 3, "rwm");    /* /dev/null */
	device_rule(devs, true, "c", 1, 8, "rwm");    /* /dev/random */
	device_rule(devs, true, "c", 1, 7, "rwm");    /* /dev/full */
	device_rule(devs, true, "c", 5, 0, "rwm");    /* /dev/tty */
	device_rule(devs, true, "c", 1, 5, "rwm");    /* /dev/zero */
	device_rule(devs, true, "c", 1, 9, "rwm");    /* /dev/urandom */
	device_rule(devs, true, "c", 5, 1, "rwm");    /* /dev/console */
	device_rule(devs, true, "c", 136, -1, "rwm"); /* /dev/pts/ */
	device_rule(devs, true, "c", 5, 2, "rwm");    /* /dev/ptmx */
	device_rule(devs, true, "c", 10, 200, "rwm"); /* /dev/net/tun */
}

/* "host" shares the host's namespace; anything else listed keeps a new one. */
static int ns_mode(const struct ov *o, const char *key, bool *host, struct err **err)
{
	const char *s = NULL;
	static const char *const private_modes[] = {"",       "private", "none",
						    "bridge", "default", "shareable"};
	size_t i;
	int r;

	*host = false;
	r = ov_str(o, key, &s, err);
	if (r <= 0)
		return r;
	if (streq(s, "host")) {
		*host = true;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(private_modes); i++)
		if (streq(s, private_modes[i]))
			return 0;
	return err_set_code(err, EINVAL, "override '%s': unsupported mode '%s'", key, s);
}

static void add_ns(cJSON *nss, const char *type, const char *path)
{
	cJSON *n = obj_new();

	put_str(n, "type", type);
	if (path)
		put_str(n, "path", path);
	push(nss, n);
}

static bool sysctl_allowed(const char *k, bool host_net)
{
	static const char *const exact[] = {
	    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
	    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(exact); i++)
		if (streq(k, exact[i]))
			return true;
	if (str_has_prefix(k, "fs.mqueue."))
		return true;
	return str_has_prefix(k, "net.") && !host_net;
}

static const char *const rlimit_names[] = {
    "as",   "core",   "cpu",   "data", "fsize",  "locks",  "memlock",    "msgqueue",
    "nice", "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack"};

static void set_rlimit(cJSON *rlimits, const char *type, uint64_t soft, uint64_t hard)
{
	cJSON *e, *r = NULL;

	cJSON_ArrayForEach(e, rlimits)
	{
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "type");

		if (cJSON_IsString(t) && streq(t->valuestring, type))
			r = e;
	}
	if (!r) {
		r = obj_new();
		push(rlimits, r);
		put_str(r, "type", type);
	}
	put_num(r, "hard", (double)hard);
	put_num(r, "soft", (double)soft);
}

static int apply_ulimits(const struct ov *o, cJSON *rlimits, struct err **err)
{
	const cJSON *v = ov_get(o, "Ulimits"), *e;
	size_t idx = 0, i;

	if (!v)
		return 0;
	if (!cJSON_IsArray(v))
		return err_set_code(err, EINVAL, "override 'Ulimits' must be an array");
	cJSON_ArrayForEach(e, v)
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "Name");
		const cJSON *soft = cJSON_GetObjectItemCaseSensitive(e, "Soft");
		const cJSON *hard = cJSON_GetObjectItemCaseSensitive(e, "Hard");
		char type[32];

		if (!cJSON_IsObject(e) || !cJSON_IsString(name) || !cJSON_IsNumber(soft) ||
		    !cJSON_IsNumber(hard))
			return err_set_code(err, EINVAL,
					    "override 'Ulimits[%zu]' must be {\"Name\":string, "
					    "\"Soft\":integer, \"Hard\":integer}",
					    idx);
		for (i = 0; i < ARRAY_SIZE(rlimit_names); i++)
			if (streq(name->valuestring, rlimit_names[i]))
				break;
		if (i == ARRAY_SIZE(rlimit_names))
			return err_set_code(err, EINVAL,
					    "override 'Ulimits[%zu]': unknown ulimit '%s'", idx,
					    name->valuestring);
		if (soft->valuedouble < 0 || hard->valuedouble < 0 ||
		    soft->valuedouble > hard->valuedouble)
			return err_set_code(
			    err, EINVAL,
			    "override 'Ulimits[%zu]': invalid %s limits soft %.0f hard %.0f", idx,
			    name->valuestring, soft->valuedouble, hard->valuedouble);
		snprintf(type, sizeof(type), "RLIMIT_%s", name->valuestring);
		for (i = 7; type[i]; i++)
			type[i] = (char)toupper((unsigned char)type[i]);
		set_rlimit(rlimits, type, (uint64_t)soft->valuedouble, (uint64_t)hard->valuedouble);
		idx++;
	}
	return 0;
}

struct resources {
	int64_t memory, swap, reservation, nano_cpus, shares, quota, period, pids;
	bool has_memory, has_swap, has_reservation, has_nano, has_shares, has_quota, has_period,
	    has_pids;
	const char *cpus, *mems;
};

static int read_resources(const struct ov *o, struct resources *r, struct err **err)
{
	int x;

	memset(r, 0, sizeof(*r));
#define GET(key, field, flag)                                                                      \
	do {                                                                                       \
		x = ov_int(o, key, &r->field, err);                                                \
		if (x < 0)                                                                         \
			return -1;                                                                 \
		r->flag = x > 0;                                                                   \
	} while (0)
	GET("Memory", memory, has_memory);
	GET("MemorySwap", swap, has_swap);
	GET("MemoryReservation", reservation, has_reservation);
	GET("NanoCpus", nano_cpus, has_nano);
	GET("CpuShares", shares, has_shares);
	GET("CpuQuota", quota, has_quota);
	GET("CpuPeriod", period, has_period);
	GET("PidsLimit", pids, has_pids);
#undef GET
	if (ov_str(o, "CpusetCpus", &r->cpus, err) < 0 ||
	    ov_str(o, "CpusetMems", &r->mems, err) < 0)
		return -1;
	if (r->has_memory && r->memory != 0 && r->memory < (6 << 20))
		return err_set_code(err, EINVAL, "minimum memory limit allowed is 6MB");
	if (r->has_memory && r->memory < 0)
		return err_set_code(err, EINVAL, "override 'Memory' must not be negative");
	if (r->has_swap && r->swap < -1)
		return err_set_code(err, EINVAL,
				    "override 'MemorySwap' must be -1 or a byte count");
	if (r->has_swap && r->swap > 0 && r->has_memory && r->memory > 0 && r->swap < r->memory)
		return err_set_code(err, EINVAL,
				    "minimum memoryswap limit should be larger than memory limit");
	if (r->has_swap && r->swap > 0 && !(r->has_memory && r->memory > 0))
		return err_set_code(
		    err, EINVAL,
		    "you should always set the memory limit when using memoryswap limit");
	if (r->has_reservation && r->reservation < 0)
		return err_set_code(err, EINVAL,
				    "override 'MemoryReservation' must not be negative");
	if (r->has_nano && (r->has_quota || r->has_period) && r->nano_cpus)
		return err_set_code(err, EINVAL,
				    "conflicting options: NanoCpus and CpuQuota/CpuPeriod cannot "
				    "both be set");
	if (r->has_nano && (r->nano_cpus < 0 || (r->nano_cpus > 0 && r->nano_cpus < 10000000)))
		return err_set_code(err, EINVAL, "override 'NanoCpus': range of CPUs is from 0.01");
	if (r->has_shares && r->shares < 0)
		return err_set_code(err, EINVAL, "override 'CpuShares' must not be negative");
	if (r->has_period && r->period != 0 && (r->period < 1000 || r->period > 1000000))
		return err_set_code(err, EINVAL,
				    "override 'CpuPeriod' must be between 1000 and 1000000");
	if (r->has_quota && r->quota != 0 && r->quota < 1000 && r->quota != -1)
		return err_set_code(err, EINVAL, "override 'CpuQuota' must be at least 1000");
	return 0;
}

static void emit_resources(const struct resources *r, cJSON *res)
{
	cJSON *mem = NULL, *cpu = NULL;

	if ((r->has_memory && r->memory > 0) || (r->has_reservation && r->reservation > 0) ||
	    (r->has_swap && r->swap != 0)) {
		mem = sub(res, "memory");
		if (r->has_memory && r->memory > 0) {
			put_num(mem, "limit", (double)r->memory);
			if (!r->has_swap || r->swap == 0)
				put_num(mem, "swap", (double)(2 * r->memory));
		}
		if (r->has_swap && r->swap != 0)
			put_num(mem, "swap", (double)r->swap);
		if (r->has_reservation && r->reservation > 0)
			put_num(mem, "reservation", (double)r->reservation);
	}
	if ((r->has_shares && r->shares) || (r->has_quota && r->quota) ||
	    (r->has_period && r->period) || (r->has_nano && r->nano_cpus) || r->cpus || r->mems) {
		cpu = sub(res, "cpu");
		if (r->has_shares && r->shares)
			put_num(cpu, "shares", (double)r->shares);
		if (r->has_nano && r->nano_cpus) {
			put_num(cpu, "quota", (double)(r->nano_cpus / 10000));
			put_num(cpu, "period", 100000);
		}
		if (r->has_quota && r->quota)
			put_num(cpu, "quota", (double)r->quota);
		if (r->has_period && r->period)
			put_num(cpu, "period", (double)r->period);
		if (r->cpus)
			put_str(cpu, "cpus", r->cpus);
		if (r->mems)
			put_str(cpu, "mems", r->mems);
	}
	if (r->has_pids && r->pids > 0)
		put_num(sub(res, "pids"), "limit", (double)r->pids);
}

struct security {
	bool unconfined, no_new_privs;
	const char *profile; /* seccomp=FILE */
};

static int read_security(const struct ov *o, struct security *s, struct err **err)
{
	const cJSON *v = ov_get(o, "SecurityOpt"), *j;
	size_t i = 0;

	memset(s, 0, sizeof(*s));
	if (!v)
		return 0;
	if (!cJSON_IsArray(v))
		return err_set_code(err, EINVAL,
				    "override 'SecurityOpt' must be an array of strings");
	cJSON_ArrayForEach(j, v)
	{
		const char *e = cJSON_IsString(j) ? j->valuestring : NULL;

		if (!e)
			return err_set_code(err, EINVAL,
					    "override 'SecurityOpt[%zu]' must be a string", i);
		i++;
		if (streq(e, "seccomp=unconfined") || streq(e, "seccomp:unconfined"))
			s->unconfined = true;
		else if ((str_has_prefix(e, "seccomp=") || str_has_prefix(e, "seccomp:")) && e[8])
			s->profile = e + 8; /* borrowed from the overrides tree */
		else if (streq(e, "no-new-privileges") || streq(e, "no-new-privileges:true") ||
			 streq(e, "no-new-privileges=true"))
			s->no_new_privs = true;
		else if (streq(e, "no-new-privileges:false") || streq(e, "no-new-privileges=false"))
			s->no_new_privs = false;
		else
			return err_set_code(err, EINVAL, "unsupported security option '%s'", e);
	}
	return 0;
}

/* ---- process ---- */

static const char *stop_signal_of(const struct spec_image_config *img)
{
	return img ? img->config.stop_signal : NULL;
}

static bool is_empty_entrypoint(char *const *v)
{
	return !v[0] || (!v[1] && !v[0][0]);
}

static int build_args(const struct spec_image_config *img, const struct ov *o, cJSON *proc,
		      struct err **err)
{
	cleanup_strv char **ep = NULL, **cmd = NULL;
	char *const *entry = img ? img->config.entrypoint : NULL;
	char *const *c = img ? img->config.cmd : NULL;
	cJSON *args;
	int r;

	r = ov_strv(o, "Entrypoint", true, &ep, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		entry = is_empty_entrypoint(ep) ? NULL : ep;
		c = NULL; /* a new entrypoint drops the image's Cmd */
	}
	r = ov_strv(o, "Cmd", true, &cmd, err);
	if (r < 0)
		return -1;
	if (r > 0)
		c = cmd;
	if (strv_len(entry) + strv_len(c) == 0)
		return err_set_code(err, EINVAL, "no command specified");
	args = put(proc, "args", arr_new());
	for (; entry && *entry; entry++)
		push_str(args, *entry);
	for (; c && *c; c++)
		push_str(args, *c);
	return 0;
}

static int build_env(const struct spec_image_config *img, const struct ov *o, const char *hostname,
		     bool tty, const char *home, cJSON *proc, struct err **err)
{
	cleanup_strv char **env = NULL, **user = NULL, **cfg = NULL;
	char *h;

	if (ov_strv(o, "Env", false, &user, err) < 0)
		return -1;
	/* the container's Config.Env: image env with the user's on top */
	cfg = strv_dup(img ? img->config.env : NULL);
	env_apply(&cfg, user);
	strv_push(&env, "PATH=" SPEC_DEFAULT_PATH);
	if (hostname) {
		h = xasprintf("HOSTNAME=%s", hostname);
		strv_push(&env, h);
		free(h);
	}
	if (tty)
		strv_push(&env, "TERM=xterm");
	env_apply(&env, cfg);
	if (env_find(env, "HOME") < 0) {
		h = xasprintf("HOME=%s", home && home[0] ? home : "/");
		strv_push(&env, h);
		free(h);
	}
	put(proc, "env", json_strv_to_array(env));
	return 0;
}

static int build_user(const char *rootfs, const char *user, const struct ov *o, cJSON *proc,
		      char **home, struct err **err)
{
	cleanup_strv char **groups = NULL;
	cleanup_free unsigned *gids = NULL;
	unsigned uid = 0, gid = 0;
	size_t n = 0, i;
	cJSON *u;

	if (ov_strv(o, "GroupAdd", false, &groups, err) < 0)
		return -1;
	if (spec_resolve_user(rootfs, user, groups, &uid, &gid, &gids, &n, home, err) < 0)
		return -1;
	u = put(proc, "user", obj_new());
	put_num(u, "uid", uid);
	put_num(u, "gid", gid);
	if (n) {
		cJSON *a = put(u, "additionalGids", arr_new());

		for (i = 0; i < n; i++)
			push(a, cJSON_CreateNumber(gids[i]));
	}
	return 0;
}

static void add_annotation_list(cJSON *ann, const char *key, char *const *a, char *const *b)
{
	cleanup_strv char **all = NULL;
	cJSON *arr;
	char *text;

	for (; a && *a; a++)
		if (env_find(all, *a) < 0)
			strv_push(&all, *a);
	for (; b && *b; b++)
		if (env_find(all, *b) < 0)
			strv_push(&all, *b);
	if (!all)
		return;
	arr = json_strv_to_array(all);
	text = json_print(arr, false);
	put_str(ann, key, text);
	free(text);
	cJSON_Delete(arr);
}

static int keys_of(const struct ov *o, const char *key, char ***out, struct err **err)
{
	const cJSON *v = NULL, *e;
	int r = ov_obj(o, key, false, &v, err);

	if (r <= 0)
		return r;
	cJSON_ArrayForEach(e, v) strv_push(out, e->string);
	return 0;
}

static int build_annotations(const struct spec_image_config *img, const struct ov *o, cJSON *root,
			     struct err **err)
{
	cleanup_strv char **vols = NULL, **ports = NULL;
	const cJSON *labels = NULL, *extra = NULL, *e;
	const char *stop = stop_signal_of(img);
	cJSON *ann = obj_new();
	char **l;

	put(root, "annotations", ann);
	for (l = img ? img->config.labels : NULL; l && *l; l++) {
		const char *eq = strchr(*l, '=');
		cleanup_free char *k = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);

		put_str(ann, k, eq ? eq + 1 : "");
	}
	if (ov_obj(o, "Labels", true, &labels, err) < 0 ||
	    ov_obj(o, "Annotations", true, &extra, err) < 0 ||
	    ov_str(o, "StopSignal", &stop, err) < 0)
		return -1;
	cJSON_ArrayForEach(e, labels) put_str(ann, e->string, e->valuestring);
	if (stop && stop[0])
		put_str(ann, SPEC_ANNOTATION_STOP_SIGNAL, stop);
	if (keys_of(o, "Volumes", &vols, err) < 0 || keys_of(o, "ExposedPorts", &ports, err) < 0)
		return -1;
	add_annotation_list(ann, SPEC_ANNOTATION_VOLUMES, img ? img->config.volumes : NULL, vols);
	add_annotation_list(ann, SPEC_ANNOTATION_PORTS, img ? img->config.exposed_ports : NULL,
			    ports);
	cJSON_ArrayForEach(e, extra) put_str(ann, e->string, e->valuestring);
	return 0;
}

static void default_rlimits(cJSON *rlimits)
{
	struct rlimit rl;
	uint64_t v = SPEC_DEFAULT_NOFILE;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY && rl.rlim_max < v)
		v = rl.rlim_max;
	set_rlimit(rlimits, "RLIMIT_NOFILE", v, v);
}

int spec_convert(const struct spec_image_config *img, const cJSON *overrides,
		 const struct spec_convert_opts *opts, cJSON **out, struct err **err)
{
	struct spec_convert_opts none = SPEC_CONVERT_OPTS_INIT;
	struct ov o = {overrides};
	cleanup_json cJSON *root = NULL, *profile = NULL;
	cleanup_strv char **cap_add = NULL, **cap_drop = NULL, **caps = NULL, **binds = NULL;
	cleanup_free char *home = NULL;
	const char *user = img ? img->config.user : NULL, *cwd = NULL, *hostname = NULL,
		   *domain = NULL, *netns = NULL, *init = NULL;
	bool tty = false, privileged = false, ro = false, open_stdin = false;
	bool host_net = false, host_pid = false, host_ipc = false, host_uts = false,
	     host_cgroup = false;
	int64_t shm = SPEC_DEFAULT_SHM_SIZE, oom = 0;
	struct resources res;
	struct security sec;
	cJSON *proc, *capj, *linux_, *mounts, *nss, *r, *e;
	const cJSON *tmpfs = NULL, *sysctls = NULL;
	const char *const capsets[] = {"bounding", "effective", "permitted"};
	size_t i;

	if (!opts)
		opts = &none;
	if (check_keys(overrides, err) < 0)
		return -1;
	if (ov_str(&o, "User", &user, err) < 0 || ov_str(&o, "WorkingDir", &cwd, err) < 0 ||
	    ov_str(&o, "Hostname", &hostname, err) < 0 ||
	    ov_str(&o, "Domainname", &domain, err) < 0 ||
	    ov_str(&o, "NetworkNamespacePath", &netns, err) < 0 ||
	    ov_bool(&o, "Tty", &tty, err) < 0 || ov_bool(&o, "OpenStdin", &open_stdin, err) < 0 ||
	    ov_bool(&o, "Privileged", &privileged, err) < 0 ||
	    ov_bool(&o, "ReadonlyRootfs", &ro, err) < 0 ||
	    ov_strv(&o, "CapAdd", false, &cap_add, err) < 0 ||
	    ov_strv(&o, "CapDrop", false, &cap_drop, err) < 0 ||
	    ov_strv(&o, "Binds", false, &binds, err) < 0 ||
	    ov_obj(&o, "Tmpfs", true, &tmpfs, err) < 0 ||
	    ov_obj(&o, "Sysctls", true, &sysctls, err) < 0 ||
	    ov_int(&o, "ShmSize", &shm, err) < 0 || ov_int(&o, "OomScoreAdj", &oom, err) < 0)
		return -1;
	if (ns_mode(&o, "NetworkMode", &host_net, err) < 0 ||
	    ns_mode(&o, "PidMode", &host_pid, err) < 0 ||
	    ns_mode(&o, "IpcMode", &host_ipc, err) < 0 ||
	    ns_mode(&o, "UTSMode", &host_uts, err) < 0 ||
	    ns_mode(&o, "CgroupnsMode", &host_cgroup, err) < 0)
		return -1;
	if (read_resources(&o, &res, err) < 0 || read_security(&o, &sec, err) < 0)
		return -1;
	if (host_net && netns)
		return err_set_code(
		    err, EINVAL,
		    "conflicting options: NetworkMode 'host' and NetworkNamespacePath");
	if (netns && !clean_abs(netns))
		return err_set_code(err, EINVAL,
				    "override 'NetworkNamespacePath': '%s' is not absolute", netns);
	if (shm <= 0)
		return err_set_code(err, EINVAL, "override 'ShmSize' must be positive");
	if (oom < -1000 || oom > 1000)
		return err_set_code(err, EINVAL,
				    "override 'OomScoreAdj': %lld is outside -1000..1000",
				    (long long)oom);
	if (!hostname || !hostname[0])
		hostname = opts->hostname;
	if (!cwd || !cwd[0])
		cwd = img && img->config.working_dir && img->config.working_dir[0]
			  ? img->config.working_dir
			  : "/";
	if (cwd[0] != '/')
		return err_set_code(err, EINVAL,
				    "the working directory '%s' is invalid, it needs to be an "
				    "absolute path",
				    cwd);

	root = obj_new();
	put_str(root, "ociVersion", spec_runtime_version());
	proc = put(root, "process", obj_new());
	put_bool(proc, "terminal", tty);
	if (build_user(opts->rootfs, user, &o, proc, &home, err) < 0)
		return -1;
	if (build_args(img, &o, proc, err) < 0 ||
	    build_env(img, &o, host_uts ? NULL : hostname, tty, home, proc, err) < 0)
		return -1;
	if (ov_str(&o, "Init", &init, err) < 0)
		return -1;
	if (init) {
		/* docker's --init: the init runs the command as its child */
		cJSON *args = cJSON_GetObjectItemCaseSensitive(proc, "args");
		if (!clean_abs(init))
			return err_set_code(err, EINVAL, "override 'Init': '%s' is not absolute",
					    init);
		cJSON_InsertItemInArray(args, 0, cJSON_CreateString("--"));
		cJSON_InsertItemInArray(args, 0, cJSON_CreateString(SPEC_INIT_PATH));
	}
	put_str(proc, "cwd", cwd);
	if (spec_caps_apply(cap_add, cap_drop, privileged, &caps, err) < 0)
		return -1;
	capj = put(proc, "capabilities", obj_new());
	for (i = 0; i < ARRAY_SIZE(capsets); i++)
		put(capj, capsets[i], json_strv_to_array(caps));
	r = put(proc, "rlimits", arr_new());
	default_rlimits(r);
	if (apply_ulimits(&o, r, err) < 0)
		return -1;
	if (sec.no_new_privs)
		put_bool(proc, "noNewPrivileges", true);
	if (oom)
		put_num(proc, "oomScoreAdj", (double)oom);

	r = put(root, "root", obj_new());
	put_str(r, "path", opts->root_path ? opts->root_path : "rootfs");
	if (ro)
		put_bool(r, "readonly", true);
	if (hostname && !host_uts)
		put_str(root, "hostname", hostname);
	if (domain && domain[0] && !host_uts)
		put_str(root, "domainname", domain);

	mounts = put(root, "mounts", arr_new());
	default_mounts(mounts, privileged, shm);
	etc_mount(mounts, "/etc/resolv.conf", opts->resolv_conf);
	etc_mount(mounts, "/etc/hostname", opts->hostname_file);
	etc_mount(mounts, "/etc/hosts", opts->hosts);
	cJSON_ArrayForEach(e, tmpfs)
	{
		if (add_tmpfs(mounts, e->string, e->valuestring, err) < 0)
			return -1;
	}
	for (i = 0; binds && binds[i]; i++)
		if (add_bind(mounts, binds[i], err) < 0)
			return -1;
	if (init) {
		cleanup_free char *b = xasprintf("%s:" SPEC_INIT_PATH ":ro", init);
		if (add_bind(mounts, b, err) < 0)
			return -1;
	}
	if (build_annotations(img, &o, root, err) < 0)
		return -1;

	linux_ = put(root, "linux", obj_new());
	r = put(linux_, "resources", obj_new());
	default_devices(put(r, "devices", arr_new()), privileged);
	emit_resources(&res, r);
	nss = put(linux_, "namespaces", arr_new());
	add_ns(nss, "mount", NULL);
	if (!host_net)
		add_ns(nss, "network", netns);
	if (!host_uts)
		add_ns(nss, "uts", NULL);
	if (!host_pid)
		add_ns(nss, "pid", NULL);
	if (!host_ipc)
		add_ns(nss, "ipc", NULL);
	if (!host_cgroup)
		add_ns(nss, "cgroup", NULL);
	if (sysctls) {
		r = put(linux_, "sysctl", obj_new());
		cJSON_ArrayForEach(e, sysctls)
		{
			if (!sysctl_allowed(e->string, host_net))
				return err_set_code(err, EINVAL,
						    "sysctl '%s' is not allowed in a container%s",
						    e->string,
						    host_net && str_has_prefix(e->string, "net.")
							? " sharing the host's network namespace"
							: "");
			put_str(r, e->string, e->valuestring);
		}
	}
	if (!privileged) {
		r = put(linux_, "maskedPaths", arr_new());
		for (i = 0; i < ARRAY_SIZE(masked_paths); i++)
			push_str(r, masked_paths[i]);
		r = put(linux_, "readonlyPaths", arr_new());
		for (i = 0; i < ARRAY_SIZE(readonly_paths); i++)
			push_str(r, readonly_paths[i]);
	}
	if (!privileged && !sec.unconfined) {
		if (sec.profile) {
			if (spec_seccomp_load(sec.profile, caps, &profile, err) < 0)
				return -1;
		} else {
			profile = spec_seccomp_default_for_caps((const char *const *)caps);
		}
		if (profile)
			put(linux_, "seccomp", steal_pointer(&profile));
	}
	*out = steal_pointer(&root);
	return 0;
}
