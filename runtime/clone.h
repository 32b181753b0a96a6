/* clone.h: a child that shares the runtime's memory until it execs.
 *
 * A container's init is a clone of the runtime.  As a fork it costs a copy
 * of the runtime's page tables and then a page fault for each page either
 * process writes (both copy on write): on a host where faults are dear (a
 * guest whose page tables the hypervisor shadows) 1-2 ms of a 12 ms `run`.
 * A child made with CLONE_VM, on a stack of its own, costs neither: it runs
 * in our memory until its execve gives it its own.
 *
 * The price is discipline, which container.c keeps: the two never run our
 * code at once.  The child starts by waiting for the runtime's first
 * message, and from then on each side waits on the sync socket while the
 * other works, until the child's exec (the socket's end of file).  The
 * child works on a copy of the container (its writes are its own), leaves
 * the globals alone (environ), and only where nothing of the container's
 * can run before that exec (the init execs the trampoline, no hooks).
 *
 * x86_64 only (RT_CLONE_SHARED); elsewhere the init is a fork, as before. */
#ifndef KIST_RUNTIME_CLONE_H
#define KIST_RUNTIME_CLONE_H

#include <linux/sched.h> /* struct clone_args */

#if defined(__x86_64__)
#define RT_CLONE_SHARED 1
#else
#define RT_CLONE_SHARED 0
#endif

/* clone3(a) whose child (a->flags has CLONE_VM and a stack) runs fn(arg)
 * and never returns here; exits 1 if fn returns.  Returns the child's pid,
 * or -1 with errno (ENOSYS where RT_CLONE_SHARED is 0). */
long rt_clone3_shared(struct clone_args *a, void (*fn)(void *), void *arg);

#endif
