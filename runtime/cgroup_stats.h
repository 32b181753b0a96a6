/* cgroup_stats.h: a container's resource usage for `events --stats`. */
#ifndef KIST_RUNTIME_CGROUP_STATS_H
#define KIST_RUNTIME_CGROUP_STATS_H

#include <sys/types.h>   /* pid_t */
#include "common/json.h" /* cJSON */

struct rt_cgroup;

/* runc's stats data for the container in cg whose init is pid (its
 * network namespace gives network_interfaces): cpu (ns), memory (bytes,
 * "raw" is memory.stat), pids, blkio, hugetlb (empty).  A file the host
 * lacks reads as 0.  Never fails; the caller owns the object. */
cJSON *rt_cgroup_stats(const struct rt_cgroup *cg, pid_t pid);

#endif
