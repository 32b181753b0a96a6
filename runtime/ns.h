/* ns.h: namespaces from linux.namespaces: which to create, which to join
 * by path, and the user namespace id mappings.
 * Return convention: <0 with *err set on failure. */
#ifndef KIST_RUNTIME_NS_H
#define KIST_RUNTIME_NS_H

#include <sys/types.h>           /* pid_t */
#include "spec/runtime_config.h" /* struct spec_config, SPEC_NS_COUNT */

struct err;

/* CLONE_NEW* flags for clone(2): the namespaces created at clone time
 * (cgroup and time are unshared later by the init, see rt_ns_unshare_late). */
int rt_ns_clone_flags(const struct spec_config *c);
/* Parent: open every namespace path (fds[type] = fd, else -1), checking
 * that each is a namespace of the declared type. */
int rt_ns_open_paths(const struct spec_config *c, int fds[SPEC_NS_COUNT], struct err **err);
void rt_ns_close_paths(int fds[SPEC_NS_COUNT]);
/* Parent, before clone: join a pid namespace by path (affects children only). */
int rt_ns_join_pid(int fds[SPEC_NS_COUNT], struct err **err);
/* Child: setns into every other opened namespace, user first. */
int rt_ns_join(int fds[SPEC_NS_COUNT], struct err **err);
/* Child, after it was put in its cgroup: new cgroup and time namespaces. */
int rt_ns_unshare_late(const struct spec_config *c, struct err **err);
/* Child, in its namespaces: a network namespace it created gets its
 * loopback interface up (as runc and crun). */
int rt_ns_loopback_up(const struct spec_config *c, struct err **err);
/* Parent: write /proc/<pid>/uid_map and gid_map. */
int rt_ns_write_mappings(const struct spec_config *c, pid_t pid, struct err **err);

#endif
