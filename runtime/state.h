/* state.h: a container's record under the state root (--root), and how its
 * status is read back from the kernel.
 *
 *   ROOT/<id>/state.json   written atomically by create; runc's state fields
 *                          plus what the runtime needs later (cgroup path,
 *                          init start time, the start pipe's inode)
 *
 * Status is never stored: it is read from /proc and the cgroup each time
 * (created while the init still holds its start pipe, running after that,
 * paused when the freezer says so, stopped once the init is gone or a
 * zombie).
 *
 * cmd_exec.c uses rt_state_load, rt_state_status, rt_state_release and the
 * cgroup of the container (rt_cgroup_open(st.cgroup_path, ...), then the
 * joiner moves itself in: see cgroup.h) to join a running container; the
 * namespaces to join are /proc/<st.pid>/ns/<type>.
 *
 * Return convention: <0 with *err set on failure. */
#ifndef KIST_RUNTIME_STATE_H
#define KIST_RUNTIME_STATE_H

#include <stdbool.h>     /* bool */
#include <stddef.h>      /* size_t */
#include <sys/types.h>   /* pid_t, mode_t */
#include "common/json.h" /* cJSON */

struct err;

enum rt_status {
	RT_STATUS_CREATING = 0,
	RT_STATUS_CREATED,
	RT_STATUS_RUNNING,
	RT_STATUS_PAUSED,
	RT_STATUS_STOPPED,
};

struct rt_state {
	char *dir; /* ROOT/<id> */
	char *id;
	pid_t pid;                     /* container init, in the runtime's pid namespace */
	unsigned long long start_time; /* /proc/<pid>/stat starttime: guards against pid reuse */
	char *bundle;                  /* absolute */
	char *config;                  /* create --config FILE (absolute), or NULL */
	char *rootfs;                  /* absolute */
	char *created;                 /* RFC 3339 with nanoseconds, UTC */
	char *owner;                   /* "" as runc */
	char *cgroup_path; /* the container's cgroup, relative to each hierarchy's root */
	unsigned long long start_pipe_ino; /* inode of the pipe the init waits on */
	int start_pipe_fd;                 /* that pipe's write end, as numbered in the init */
	/* no pid namespace of its own (the host's, or one joined): killing
	 * the init does not end the other processes (kill KILL, delete) */
	bool shared_pidns;
	cJSON *annotations; /* owned, may be NULL */
	/* while create runs: the creating runtime (pid and start time); 0 once
	 * the container is created.  A record whose creator is gone is stopped. */
	pid_t creator_pid;
	unsigned long long creator_start_time;
};
#define RT_STATE_INIT                                                                              \
	{                                                                                          \
		.pid = -1, .start_pipe_fd = -1                                                     \
	}

/* The state root: --root, else $XDG_RUNTIME_DIR/kist-runtime for non-root,
 * else /run/kist/runtime. */
const char *rt_state_default_root(void);

/* Container ids: [A-Za-z0-9][A-Za-z0-9_.+-]{0,1023}; "." "..", '/' rejected
 * with an error naming the id. */
int rt_id_validate(const char *id, struct err **err);

/* Load ROOT/<id>/state.json.  A missing container fails with
 * "container 'ID' does not exist" and code ENOENT. */
int rt_state_load(const char *root, const char *id, struct rt_state *out, struct err **err);
/* What can be read from a damaged ROOT/<id>/state.json (truncated, not
 * JSON): the id, the init's pid and start time and the cgroup path where
 * they are still there (pid 0 and cgroup "/<id>" otherwise), enough for
 * delete --force and kill to find the container's processes and cgroups.
 * Fails (ENOENT) only when there is no state file at all. */
int rt_state_salvage(const char *root, const char *id, struct rt_state *out, struct err **err);
/* The container's config.json: --config's file, else the bundle's (malloc'd). */
char *rt_state_config_path(const struct rt_state *s);
/* Write s->dir/state.json atomically (the fields salvage reads first).
 * keep_spare: a save that another of this process follows (create writes
 * three) keeps the replaced file beside it to write the next one in; the
 * last save removes it. */
int rt_state_save(const struct rt_state *s, bool keep_spare, struct err **err);
void rt_state_release(struct rt_state *s);

/* Status read from the kernel now. */
enum rt_status rt_state_status(const struct rt_state *s);
const char *rt_status_name(enum rt_status st);
/* True while the init process exists and is not a zombie. */
bool rt_state_alive(const struct rt_state *s);

/* runc's `state` object: ociVersion, id, pid (0 when stopped), status,
 * bundle, rootfs, created, owner, annotations (when any). */
cJSON *rt_state_to_json(const struct rt_state *s, enum rt_status st);

/* /proc/<pid>/stat starttime, or 0 if the process is gone. */
unsigned long long rt_proc_start_time(pid_t pid);

/* Replace path atomically (temp file + rename) for readers, without fsync:
 * run-time state is as volatile as the processes it describes, and an
 * fsync costs more than a whole container start on a disk-backed /run. */
int rt_write_file_replace(const char *path, const void *data, size_t len, mode_t mode,
			  struct err **err);

/* "2024-01-02T03:04:05.123456789Z" for now, malloc'd. */
char *rt_time_now_rfc3339(void);

#endif
