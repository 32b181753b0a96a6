/* sched.h: process.scheduler and linux.memoryPolicy, applied to the calling
 * process (both survive execve), by the init and by exec.
 * Return convention: <0 with *err set on failure. */
#ifndef KIST_RUNTIME_SCHED_H
#define KIST_RUNTIME_SCHED_H

#include "spec/runtime_config.h" /* struct spec_config */

struct err;

/* sched_setattr(2) for process.scheduler and set_mempolicy(2) for
 * linux.memoryPolicy, each when the config has one (spec/ checked them). */
int rt_sched_apply(const struct spec_config *c, struct err **err);

#endif
