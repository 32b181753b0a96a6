/* runtime_config.h: OCI runtime-spec config.json, parsed and validated into
 * typed structs (what kist-runtime works from).  Errors name the JSON field:
 * "'linux.namespaces[2].type': unknown namespace 'foo'".
 *
 * Convention: parse functions return 0, or -1 with *err set.  Pieces the
 * runtime hands on untouched (process.capabilities, linux.seccomp, hooks,
 * annotations) stay as borrowed cJSON pointers into the parsed tree, which
 * must outlive the struct. */
#ifndef KIST_SPEC_RUNTIME_CONFIG_H
#define KIST_SPEC_RUNTIME_CONFIG_H

#include <cjson/cJSON.h> /* cJSON */
#include <stdbool.h>     /* bool */
#include <stddef.h>      /* size_t */
#include <stdint.h>      /* int64_t, uint32_t */
#include <sys/types.h>   /* mode_t */

struct err;

enum spec_ns_type {
	SPEC_NS_PID = 0,
	SPEC_NS_NETWORK,
	SPEC_NS_MOUNT,
	SPEC_NS_IPC,
	SPEC_NS_UTS,
	SPEC_NS_USER,
	SPEC_NS_CGROUP,
	SPEC_NS_TIME,
	SPEC_NS_COUNT
};

struct spec_namespace {
	enum spec_ns_type type;
	char *path; /* join this namespace; NULL: create a new one */
};

struct spec_id_mapping {
	uint32_t container_id, host_id, size;
};

struct spec_mount {
	char *destination;
	char *type;     /* may be NULL (bind mounts) */
	char *source;   /* may be NULL */
	char **options; /* NULL-terminated, may be NULL */
};

struct spec_rlimit {
	int resource; /* RLIMIT_* */
	char *name;   /* "RLIMIT_NOFILE" */
	uint64_t soft, hard;
};

struct spec_device {
	char *path;
	char type; /* 'c', 'b', 'u', 'p' */
	int64_t major, minor;
	bool has_mode, has_uid, has_gid;
	mode_t file_mode;
	uint32_t uid, gid;
};

struct spec_device_rule {
	bool allow;
	char type;            /* 'a', 'c', 'b' */
	int64_t major, minor; /* -1: any */
	char access[4];       /* subset of "rwm" */
};

struct spec_hugepage_limit {
	char *page_size; /* "2MB" */
	uint64_t limit;
};

/* linux.resources.  has_* tells which fields were given; a value of -1 for
 * memory limits means unlimited, as in the spec. */
struct spec_resources {
	bool has_memory_limit, has_memory_reservation, has_memory_swap, has_swappiness;
	bool has_disable_oom_killer;
	int64_t memory_limit, memory_reservation, memory_swap;
	uint64_t swappiness;
	bool disable_oom_killer;

	bool has_cpu_shares, has_cpu_quota, has_cpu_period, has_cpu_idle, has_cpu_burst;
	uint64_t cpu_shares, cpu_period, cpu_burst; /* burst: microseconds, 0 none */
	int64_t cpu_quota, cpu_idle;
	bool has_cpu_rt_runtime, has_cpu_rt_period; /* realtimeRuntime, realtimePeriod */
	int64_t cpu_rt_runtime;
	uint64_t cpu_rt_period;
	char *cpus, *mems; /* cpuset; NULL when absent */

	bool has_pids_limit;
	int64_t pids_limit; /* <= 0: unlimited */

	bool has_blkio_weight;
	uint32_t blkio_weight;

	struct spec_hugepage_limit *hugepages;
	size_t n_hugepages;

	struct spec_device_rule *devices;
	size_t n_devices;

	char **unified; /* "file=value" pairs, NULL-terminated, may be NULL */
};

struct spec_process {
	bool terminal;
	uint32_t uid, gid;
	bool has_umask;
	mode_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char **args; /* non-empty */
	char **env;  /* may be NULL */
	char *cwd;
	struct spec_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	const cJSON *capabilities; /* borrowed, may be NULL */
	/* process.scheduler, for sched_setattr(2) */
	bool has_scheduler;
	uint32_t sched_policy; /* SCHED_* */
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_flags;
	uint64_t sched_runtime, sched_deadline, sched_period; /* ns, SCHED_DEADLINE */
};

#define SPEC_MAX_NUMA_NODES 1024

struct spec_config {
	char *oci_version;
	char *root_path; /* as written (relative to the bundle or absolute) */
	bool root_readonly;
	bool has_process;
	struct spec_process process;
	char *hostname, *domainname; /* NULL when absent */

	struct spec_mount *mounts;
	size_t n_mounts;

	struct spec_namespace *namespaces;
	size_t n_namespaces;
	struct spec_id_mapping *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	/* linux.timeOffsets */
	bool has_time_offsets;
	int64_t boottime_secs, monotonic_secs;
	uint32_t boottime_nsecs, monotonic_nsecs;

	char **sysctl; /* "key=value", may be NULL */
	bool has_resources;
	struct spec_resources resources;
	char *cgroups_path;                    /* NULL when absent */
	char *rootfs_propagation;              /* NULL when absent */
	char **masked_paths, **readonly_paths; /* may be NULL */
	struct spec_device *devices;
	size_t n_devices;

	/* linux.memoryPolicy, for set_mempolicy(2): mode with its flags
	 * or'ed in, and the node mask (bit n: node n) */
	bool has_memory_policy;
	int mempolicy_mode;
	unsigned long mempolicy_nodes[SPEC_MAX_NUMA_NODES / (8 * sizeof(unsigned long))];

	const cJSON *seccomp;     /* borrowed, may be NULL */
	const cJSON *hooks;       /* borrowed, may be NULL */
	const cJSON *annotations; /* borrowed, may be NULL */
};

/* Parse the whole config.  `root` must stay alive while `out` is used. */
int spec_config_parse(const cJSON *root, struct spec_config *out, struct err **err);
void spec_config_release(struct spec_config *c);

/* Parse a LinuxResources object (linux.resources, or the file given to
 * `update -r`); path names it in errors ("linux.resources"). */
int spec_resources_parse(const cJSON *res, const char *path, struct spec_resources *out,
			 struct err **err);
void spec_resources_release(struct spec_resources *r);

/* Lookups shared with the runtime. */
const char *spec_ns_name(enum spec_ns_type t); /* "pid", "network", ... */
/* -1 if unknown. */
int spec_ns_from_name(const char *name);
/* RLIMIT_* by name ("RLIMIT_NOFILE"), or -1. */
int spec_rlimit_from_name(const char *name);
const struct spec_namespace *spec_config_ns(const struct spec_config *c, enum spec_ns_type t);

#endif
