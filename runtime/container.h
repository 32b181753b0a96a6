/* container.h: the container lifecycle (create, start, delete) shared by the
 * cmd_ verbs.  The init protocol:
 *
 *   runtime (parent)                       container init (child of clone)
 *   cgroup made, limits set
 *   clone(new namespaces) ----------------> waits for 'G'
 *   uid/gid maps, ['G' + pid] ------------> joins/unshares namespaces, mounts
 *   [hooks: prestart, createRuntime] <---- 'H' (only when the config has hooks)
 *   'G' ----------------------------------> createContainer hooks, pivot_root,
 *                                           sysctl, paths, tty, finds the program
 *   cgroup.procs, state.json, <----------- 'R' ready (or 'E' + error message)
 *   pid file
 *                                           blocks reading its start pipe
 *   `start` writes one byte into /proc/<pid>/fd/<start pipe> -> user, caps,
 *   seccomp, execve.
 *
 * The init joins its cgroup at 'R' (early, before 'G', when it needs a cgroup
 * namespace or the config has hooks), so building the container is not
 * charged to a small memory limit.
 * The init is the runtime's direct child: when `create` exits, it is
 * reparented to the caller's subreaper (conmon, containerd-shim).
 * <0 with *err set on failure. */
#ifndef KIST_RUNTIME_CONTAINER_H
#define KIST_RUNTIME_CONTAINER_H

#include <stdbool.h>             /* bool */
#include <sys/types.h>           /* pid_t */
#include "common/json.h"         /* cJSON */
#include "runtime/cgroup.h"      /* struct rt_cgroup */
#include "runtime/state.h"       /* struct rt_state */
#include "spec/runtime_config.h" /* struct spec_config */

struct err;
struct rt_caps;
struct rt_seccomp;

struct rt_create_opts {
	const char *root;
	const char *id;
	const char *bundle; /* NULL: the current directory */
	const char *pid_file;
	const char *console_socket;
	bool own_console; /* terminal without --console-socket: the pty master
			     comes back to the runtime (foreground `run`) */
	int preserve_fds;
	int listen_fds; /* socket activation: LISTEN_FDS for us, passed on from fd 3 */
	bool no_pivot;
	bool systemd_cgroup;
	bool no_cgroup; /* --cgroup-manager disabled: the container stays in our cgroup */
	bool no_new_keyring;
	bool keep;          /* run: leave the stopped container for `delete` (runc 1.2) */
	const char *config; /* --config FILE in place of the bundle's config.json */
};

struct rt_container {
	const struct rt_create_opts *opts;
	cJSON *json;
	struct spec_config cfg;
	struct rt_state st;
	struct rt_cgroup cg;
	struct rt_caps *caps;
	struct rt_seccomp *seccomp;
	int ns_fds[SPEC_NS_COUNT];
	int sync_fd;          /* the init's end of the sync socket */
	int start_r, start_w; /* the start pipe */
	int console_fd;       /* connected console socket, or -1 */
	int console_peer;     /* own_console: our end, the master arrives on it */
	int seccomp_sock;     /* connected to linux.seccomp.listenerPath, or -1 */
	int trampoline_fd;    /* sealed exec trampoline the init execs through, or -1 */
	bool userns;
	char *exec_path; /* resolved in the container */
	char **env;      /* the process's (rt_env_build), also the init's own for its hooks */
	bool state_dir_made;
	bool early_join;         /* the init joins its cgroup before it builds the container */
	bool cloned_into_cgroup; /* the init was born in the cgroup2 directory */
	int *cgroup_fds;         /* init: rt_cgroup_open_self's */
	/* runtime: the init shares our memory until it execs (clone.h) */
	struct rt_shared_init *shared;
};

/* Create the container up to the created state.  On success *out holds the
 * container (the parent keeps start_w open: `run` starts through it). */
int rt_container_create(const struct rt_create_opts *o, struct rt_container **out,
			struct err **err);
void rt_container_free(struct rt_container *c);

/* Let a created container run its program. */
int rt_container_start(const struct rt_state *st, struct err **err);
/* Wait (bounded) until the started init has exec'd the program or died:
 * poststart hooks run after the program starts, as the spec orders. */
void rt_container_wait_exec(pid_t pid, int start_pipe_fd, unsigned long long start_pipe_ino);
/* Delete: refuse a running container unless force; kill, wait, remove the
 * cgroup, run poststop hooks, remove the state dir. */
int rt_container_delete(const char *root, const char *id, bool force, struct err **err);
/* Run hooks of kind for the container in state st (config from its bundle or
 * the given tree). */
int rt_container_hooks(const cJSON *hooks, const char *kind, const struct rt_state *st,
		       enum rt_status status, struct err **err);

/* Child side (init.c): never returns. */
void rt_init_main(struct rt_container *c) __attribute__((noreturn));

#endif
