/* sched.c: scheduler and memory policy of a container process (sched.h). */
#include "runtime/sched.h"

#include <errno.h>       /* errno */
#include <stdint.h>      /* uint32_t */
#include <sys/syscall.h> /* SYS_sched_setattr, SYS_set_mempolicy */
#include <unistd.h>      /* syscall */
#include "common/err.h"

/* sched_setattr(2)'s argument (linux/sched/types.h clashes with glibc's
 * sched.h); SCHED_ATTR_SIZE_VER0 */
struct sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

int rt_sched_apply(const struct spec_config *c, struct err **err)
{
	const struct spec_process *p = &c->process;

	if (p->has_scheduler) {
		struct sched_attr a = {
		    .size = sizeof(a),
		    .sched_policy = p->sched_policy,
		    .sched_flags = p->sched_flags,
		    .sched_nice = p->sched_nice,
		    .sched_priority = p->sched_priority,
		    .sched_runtime = p->sched_runtime,
		    .sched_deadline = p->sched_deadline,
		    .sched_period = p->sched_period,
		};
		if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
			return err_set(err, errno, "'process.scheduler': sched_setattr");
	}
	if (c->has_memory_policy &&
	    syscall(SYS_set_mempolicy, c->mempolicy_mode, c->mempolicy_nodes,
		    (unsigned long)SPEC_MAX_NUMA_NODES + 1) < 0)
		return err_set(err, errno,
			       "'linux.memoryPolicy': set_mempolicy (are the nodes online?)");
	return 0;
}
