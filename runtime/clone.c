/* clone.c: a child that shares the runtime's memory (see clone.h). */
#define _GNU_SOURCE
#include "runtime/clone.h"

#include <errno.h>       /* errno */
#include <sys/syscall.h> /* SYS_clone3 */

#if RT_CLONE_SHARED
long rt_clone3_shared(struct clone_args *a, void (*fn)(void *), void *arg)
{
	long ret;
	register void (*entry)(void *) __asm__("r12") = fn;
	register void *param __asm__("r13") = arg;

	/* The child comes back from the syscall on the stack of a->stack
	 * (16-byte aligned: the call leaves it as a function expects), with
	 * our registers: it calls fn(arg) and, should fn return, exits. */
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "mov %%r13, %%rdi\n\t"
			 "call *%%r12\n\t"
			 "mov $231, %%eax\n\t" /* exit_group(1) */
			 "mov $1, %%edi\n\t"
			 "syscall\n\t"
			 "hlt\n"
			 "1:"
			 : "=a"(ret)
			 : "a"((long)SYS_clone3), "D"(a), "S"(sizeof(*a)), "r"(entry), "r"(param)
			 : "rcx", "r11", "memory", "cc");
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

#else
long rt_clone3_shared(struct clone_args *a, void (*fn)(void *), void *arg)
{
	(void)a;
	(void)fn;
	(void)arg;
	errno = ENOSYS;
	return -1;
}
#endif
