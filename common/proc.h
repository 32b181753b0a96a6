/* proc.h: spawn a child with chosen fds and wait for it (git run-command). */
#ifndef KIST_PROC_H
#define KIST_PROC_H

#include <stdbool.h>   /* bool */
#include <sys/types.h> /* pid_t */

struct err;

/* Values for proc.in/out/err besides a real fd to dup onto 0/1/2. */
#define PROC_FD_INHERIT (-1) /* the parent's fd */
#define PROC_FD_NULL (-2)    /* /dev/null */
#define PROC_FD_PIPE (-3)    /* a pipe; after proc_start the field holds the parent's end */

struct proc {
	const char *const *argv; /* argv[0] looked up in PATH if it has no '/' */
	const char *const *env;  /* NULL: inherit environ */
	const char *dir;         /* chdir before exec, or NULL */
	int in, out, err;        /* see PROC_FD_* */
	const int *keep_fds; /* extra fds kept open (CLOEXEC cleared), -1 terminated, may be NULL */
	bool new_session;    /* setsid() in the child */
	pid_t pid;           /* set by proc_start */
};
/* clang-format off */
#define PROC_INIT { .in = PROC_FD_INHERIT, .out = PROC_FD_INHERIT, .err = PROC_FD_INHERIT, .pid = -1 }
/* clang-format on */

/* Fork and exec.  An exec failure is reported here, not as an exit status:
 * "exec 'x': No such file or directory".  stdio buffers are flushed before
 * the fork; the child gets default signal dispositions and an empty mask. */
int proc_start(struct proc *p, struct err **err);
/* Wait; returns the exit code, or 128+signal if it was killed; -1 on error. */
int proc_wait(struct proc *p, struct err **err);
/* start + wait */
int proc_run(struct proc *p, struct err **err);
/* Run argv, capture stdout (capped at max bytes) into *out (malloc'd, NUL-terminated).
 * stdin is /dev/null, stderr is inherited.  Returns the exit status like
 * proc_wait; past max the child is killed and -1 returned
 * ("output of 'x' is larger than N bytes"). */
int proc_capture(const char *const *argv, size_t max, char **out, struct err **err);
/* Every signal back to its default disposition (glibc's reserved 32 and 33
 * too, which sigaction refuses) and an empty mask: what a child gets before
 * it execs, whatever its parent ignored.  Async-signal-safe. */
void proc_signals_default(void);
/* A program beside this process's own binary (a build tree, an install)
 * when it is there and executable, else its bare name for a PATH lookup.
 * Malloc'd. */
char *proc_sibling_path(const char *prog);
/* Convert a waitpid status to exit code / 128+signal. */
int proc_status_code(int status);

#endif
