/* cgroup.h: a container's cgroup on cgroup v1, v2 or the hybrid layout.
 *
 * The layout is read once from /proc/self/mountinfo: every v1 hierarchy
 * (cpu,cpuacct memory pids ...) and the cgroup2 mount (/sys/fs/cgroup on a
 * unified host, /sys/fs/cgroup/unified on a hybrid one).  A container gets a
 * directory at the same path in every v1 hierarchy and in the cgroup2 one;
 * each limit is written where its controller is (v1 if mounted there, else
 * v2).
 *
 * cmd_exec.c joins a container with rt_cgroup_open(state.cgroup_path) and
 * rt_cgroup_enter(&cg, pid).
 *
 * Return convention: <0 with *err set on failure. */
#ifndef KIST_RUNTIME_CGROUP_H
#define KIST_RUNTIME_CGROUP_H

#include <stdbool.h>   /* bool */
#include <stddef.h>    /* size_t */
#include <sys/types.h> /* pid_t */

struct err;
struct spec_resources;

struct rt_cgroup {
	char *path;   /* "/ID" or linux.cgroupsPath, relative to every hierarchy's root */
	char **dirs;  /* absolute directories, NULL-terminated */
	char *v2_dir; /* the directory in the cgroup2 hierarchy, or NULL */
};
#define RT_CGROUP_INIT                                                                             \
	{                                                                                          \
		0                                                                                  \
	}

/* The path for config's linux.cgroupsPath (NULL: "/<id>", as runc).  With
 * systemd=true a "slice:prefix:name" path becomes /slice.../prefix-name.scope;
 * fails clearly when systemd is not running. */
int rt_cgroup_path(const char *cgroups_path, const char *id, bool systemd, char **out,
		   struct err **err);
/* Fill cg->dirs for path on this host (creates nothing). */
int rt_cgroup_open(const char *path, struct rt_cgroup *cg, struct err **err);
/* mkdir every directory (fails with EEXIST naming it if the leaf already has
 * processes), then apply res (may be NULL).  On failure removes what it made. */
int rt_cgroup_create(struct rt_cgroup *cg, const struct spec_resources *res, struct err **err);
/* Write limits (create and update). */
int rt_cgroup_apply(const struct rt_cgroup *cg, const struct spec_resources *res, struct err **err);
/* exec --cgroup: "[controller:]path" moves the directories of that v1
 * controller (all of them, and the cgroup2 one, without a controller; the
 * cgroup2 one only with an empty controller) to the existing sub-cgroup
 * path below them, as runc. */
int rt_cgroup_use_sub(struct rt_cgroup *cg, const char *spec, struct err **err);
/* Move pid into every directory of cg. */
int rt_cgroup_enter(const struct rt_cgroup *cg, pid_t pid, struct err **err);
/* Processes in the container's cgroup (malloc'd array). */
int rt_cgroup_pids(const struct rt_cgroup *cg, pid_t **out, size_t *n, struct err **err);
/* Signal every process in the cgroup. */
int rt_cgroup_signal_all(const struct rt_cgroup *cg, int sig, struct err **err);
/* Freeze (v1 freezer.state / v2 cgroup.freeze) and wait until it is done. */
int rt_cgroup_freeze(const struct rt_cgroup *cg, bool freeze, struct err **err);
bool rt_cgroup_is_frozen(const struct rt_cgroup *cg);
/* The directory holding controller ctrl's files ("memory", "pids"): its v1
 * hierarchy's, else the cgroup2 one when ctrl is enabled there (compare
 * with cg->v2_dir to tell which); NULL when neither has it. */
const char *rt_cgroup_controller_dir(const struct rt_cgroup *cg, const char *ctrl);
/* Kill what is left, wait for it, remove every directory.  Missing dirs are fine. */
int rt_cgroup_destroy(const struct rt_cgroup *cg, struct err **err);
void rt_cgroup_release(struct rt_cgroup *cg);

/* For the `features` verb and the container's cgroup mount. */
bool rt_cgroup_has_v1(void);
bool rt_cgroup_has_v2(void);

/* One mounted hierarchy on the host. */
struct rt_cgroup_hier {
	char *mountpoint; /* /sys/fs/cgroup/cpu,cpuacct */
	char *options; /* v1 super options naming controllers: "cpu,cpuacct", "name=systemd"; NULL
			  for v2 */
	bool v2;
};
/* The host's hierarchies (static storage, read once). */
const struct rt_cgroup_hier *rt_cgroup_hierarchies(size_t *n);

#endif
