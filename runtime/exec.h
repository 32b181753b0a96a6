/* exec.h: run a new process inside a running container (`exec`).
 *
 * The process joins every namespace of the container init that differs from
 * the runtime's own (the user namespace first), the container's cgroup, and
 * gets the same confinement as the init: capabilities from its process spec,
 * the container's seccomp filter, noNewPrivileges, rlimits.
 *
 * Return convention: <0 with *err set on failure. */
#ifndef KIST_RUNTIME_EXEC_H
#define KIST_RUNTIME_EXEC_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */
#include <stdint.h>  /* uint32_t */

struct err;

struct rt_exec_opts {
	const char *root;           /* state root (--root) */
	const char *id;             /* container id */
	const char *process_path;   /* --process FILE, or NULL */
	char **args;                /* ARGS when no --process (NULL-terminated) */
	bool tty;                   /* --tty */
	const char *console_socket; /* --console-socket */
	bool detach;                /* --detach */
	const char *pid_file;       /* --pid-file */
	const char *cwd;            /* --cwd */
	char **env;                 /* --env K=V ... (NULL-terminated, may be NULL) */
	bool has_user;
	uint32_t uid, gid; /* --user uid[:gid] */
	bool has_gid;
	char **caps;               /* --cap CAP_X ... (may be NULL) */
	uint32_t *additional_gids; /* --additional-gids */
	size_t n_additional_gids;
	bool no_new_privs; /* --no-new-privs */
	int preserve_fds;  /* --preserve-fds N */
	char **cgroups;    /* --cgroup [CONTROLLER:]PATH ... (may be NULL) */
};
#define RT_EXEC_OPTS_INIT                                                                          \
	{                                                                                          \
		0                                                                                  \
	}

/* Start the process.  With detach, returns 0 once it runs (the pid file is
 * written and the process is left to the caller's subreaper); otherwise
 * waits and stores its exit code (128+signal if killed) in *exit_code.
 * A failure to start the program is reported in runc's words ("exec:
 * \"x\": executable file not found in $PATH", "permission denied") because
 * callers map them to 127/126. */
int rt_exec(const struct rt_exec_opts *o, int *exit_code, struct err **err);

#endif
