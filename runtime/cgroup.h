/* cgroup.h: a container's cgroup on cgroup v1, v2 or the hybrid layout.
 *
 * The layout is read once from /proc/self/mountinfo: every v1 hierarchy
 * (cpu,cpuacct memory pids ...) and the cgroup2 mount (/sys/fs/cgroup on a
 * unified host, /sys/fs/cgroup/unified on a hybrid one).  A container gets a
 * directory at the same path in every v1 hierarchy and in the cgroup2 one;
 * each limit is written where its controller is (v1 if mounted there, else
 * v2).
 *
 * A container's init (init.c) and exec's joiner (exec.c) move themselves in
 * with rt_cgroup_clone, rt_cgroup_open_self and rt_cgroup_enter_self.
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
/* Joining without the kernel's global lock.  A write of a pid to
 * cgroup.procs takes cgroup_threadgroup_rwsem, whose first writer after an
 * idle spell waits for an RCU grace period (5-20 ms on an idle host, the
 * whole cost of starting a container several times over).  A thread that
 * moves itself alone through a v1 "tasks" file ("0"), and a child cloned
 * straight into a cgroup2 directory (CLONE_INTO_CGROUP), do not take it.
 *
 * rt_cgroup_clone_dir: the cgroup2 directory a child may be cloned into,
 * or NULL: only where it holds no limit the child's own setup could run
 * into: on a hybrid host (memory and devices on v1) always, on a pure v2
 * one when setup_unlimited (the caller's word: no memory or pids limit,
 * no device node beyond the default ones, which the rules always allow).
 * rt_cgroup_open_self: the files a single-threaded process writes "0" into
 * to move itself: every v1 hierarchy's tasks and, unless skip_v2,
 * cgroup.procs of the cgroup2 directory.  Opened ahead (the write may come
 * after the process changed user); *fds ends in -1.
 * rt_cgroup_enter_self: write "0" into each and close them. */
const char *rt_cgroup_clone_dir(const struct rt_cgroup *cg, bool setup_unlimited);
/* clone(2) with flags (CLONE_NEW*; SIGCHLD is added), straight into the
 * cgroup2 directory cgdir when it is not NULL and the kernel can: *into
 * says whether it did.  Without vm it returns as fork does; with vm the
 * child shares our memory and runs vm->fn(vm->arg) on vm->stack (clone.h):
 * -1 with ENOSYS where that cannot be done, for the caller to fork. */
struct rt_clone_vm {
	void *stack;
	size_t stack_size;
	void (*fn)(void *arg);
	void *arg;
	int *inherited_fd; /* set to the cgroup2 directory's fd, which the
			      child inherits without a copy of our code to
			      close it (it must), or -1 */
};
pid_t rt_cgroup_clone(int flags, const char *cgdir, const struct rt_clone_vm *vm, bool *into);
int rt_cgroup_open_self(const struct rt_cgroup *cg, bool skip_v2, int **fds, struct err **err);
int rt_cgroup_enter_self(int *fds, struct err **err);
void rt_cgroup_close_self(int *fds);
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
