/* shim.h: kist-shim, the per-container monitor (conmon's job).
 *
 * One shim process per running container: it runs the runtime's create and
 * start with pipes (or a pty) for the container's stdio, copies the output
 * into a json-file log and to attached clients, reaps the container as its
 * subreaper, records how it ended in a state file, and restarts it by
 * policy.  Its run directory ($KIST_RUN/shim/<id>/) holds:
 *
 *   lock        flock'd by the live shim (one shim per id)
 *   shim.json   how it was started (runtime, paths): read by the client verbs
 *   shim.pid    the shim's own pid, while it runs
 *   attach      unix socket: output to every client, stdin from one (attach.c)
 *   ctl         unix socket: stop, kill, delete requests (ctl.c)
 *   state.json  the exit record (default --state)
 *   log.json    the json-file log (default --log)
 */
#ifndef KIST_SHIM_H
#define KIST_SHIM_H

#include <stdbool.h>    /* bool */
#include <stdint.h>     /* int64_t */
#include <sys/types.h>  /* pid_t */
#include "common/buf.h" /* struct buf */

struct err;

/* ---- restart policy (docker's --restart) ---- */
enum restart_mode { RESTART_NO, RESTART_ALWAYS, RESTART_UNLESS_STOPPED, RESTART_ON_FAILURE };
struct restart_policy {
	enum restart_mode mode;
	long max_retries; /* on-failure:N; 0 = unlimited */
};
int restart_policy_parse(const char *s, struct restart_policy *out, struct err **err);
const char *restart_policy_name(const struct restart_policy *p);
/* docker's backoff: 100 ms, doubling, capped at 1 minute, back to 100 ms
 * once a run lasted 10 s.  prev_ms is the previous delay (0 for none). */
int64_t restart_delay_ms(int64_t prev_ms, int64_t ran_ms);

/* ---- json-file log (logfile.c) ---- */
struct log_opts {
	int64_t max_size; /* bytes; 0: no rotation */
	int max_file;     /* files kept, log.json included (>= 1) */
};
int log_opts_parse(const char *s, struct log_opts *out, struct err **err);

enum log_stream { STREAM_STDOUT = 1, STREAM_STDERR = 2 };

/* docker's split: a line longer than this is logged in pieces. */
#define LOG_LINE_MAX (16 * 1024)

enum log_format_kind { LOGFMT_JSON_FILE, LOGFMT_K8S_FILE };

struct logfile {
	char *path;
	enum log_format_kind format; /* docker's json-file, or conmon's k8s-file */
	int fd;
	int64_t size;
	struct log_opts opts;
	struct buf out;        /* JSON lines not yet written */
	struct buf partial[3]; /* per stream: text after the last newline */
	/* the end of a record for each stream, with the current chunk's time:
	 * ","stream":"stdout","time":"..."}\n */
	char tail[3][80];
	size_t tail_len[3];
};
int logfile_open(struct logfile *lf, const char *path, enum log_format_kind format,
		 const struct log_opts *opts, struct err **err);
/* Log len bytes the container wrote on stream (complete lines now; the rest
 * waits for its newline or for LOG_LINE_MAX bytes). */
int logfile_add(struct logfile *lf, enum log_stream stream, const char *data, size_t len,
		struct err **err);
/* Log what is pending on stream without a newline (at EOF). */
int logfile_flush_partial(struct logfile *lf, enum log_stream stream, struct err **err);
int logfile_flush(struct logfile *lf, struct err **err);
/* Write what is pending, then open the path again (a log rotated away by
 * another program: conmon's ctl message 2). */
int logfile_reopen(struct logfile *lf, struct err **err);
void logfile_close(struct logfile *lf);
/* "2026-12-05T10:00:00.123456789Z" as Go's RFC3339Nano (trailing zeros cut). */
void log_time_format(const struct timespec *ts, char *out, size_t len);

/* The `logs` verb: print a json-file log as docker logs does. */
struct logs_opts {
	bool follow, timestamps, details;
	double since, until; /* unix time; 0: unset */
	long tail;           /* -1: all */
	int stop_fd;         /* -1, or a pidfd: stop following once it is readable */
};
int logs_print(const char *path, const struct logs_opts *o, struct err **err);

/* ---- the state file (state.c) ---- */
struct shim_state {
	const char *status; /* created running paused restarting exited dead */
	bool paused;
	pid_t pid;
	pid_t shim_pid;
	int exit_code;
	int signal;
	bool oom_killed;
	char *error;
	struct timespec started, finished;
	int restart_count;
	const char *restart_policy;
};
/* Atomic (temp + rename); durable adds the fsyncs. */
int shim_state_write(const char *path, const struct shim_state *s, bool durable, struct err **err);
/* fsync the record at path and its directory (the final exit record, once
 * the waiters have it); a record already removed is fine. */
void shim_state_sync(const char *path);

/* OOM kills counted by the memory cgroup of pid (v1 memory.oom_control or
 * v2 memory.events "oom_kill"); -1 when unknown. */
char *oom_counter_path(pid_t pid);
long oom_count(const char *path);

/* ---- paths ---- */
const char *shim_run_root(void); /* $KIST_RUN or /run/kist */
char *shim_dir(const char *id);  /* $KIST_RUN/shim/<id> */
bool shim_id_valid(const char *id);

/* ---- frames on the attach socket (attach.c) ----
 * Each frame: type (1 byte), 3 zero bytes, payload length (4 bytes, big
 * endian), payload: docker's stdcopy header, with more types.
 * Shim to client: FRAME_STDOUT, FRAME_STDERR, FRAME_EXIT (decimal code),
 * FRAME_ERROR (message).  Client to shim: FRAME_STDIN, FRAME_RESIZE (rows,
 * cols as big-endian u16), FRAME_STDIN_CLOSE (EOF for the container's stdin).
 * A client that just closes the socket detaches (docker's ctrl-p ctrl-q). */
enum frame_type {
	FRAME_STDIN = 0,
	FRAME_STDOUT = 1,
	FRAME_STDERR = 2,
	FRAME_EXIT = 3,
	FRAME_RESIZE = 4,
	FRAME_STDIN_CLOSE = 5,
	FRAME_ERROR = 9,
};
#define FRAME_HEADER 8
#define FRAME_MAX (1u << 20)
void frame_header(unsigned char *h, enum frame_type type, uint32_t len);
int unix_listen(const char *path, struct err **err);
int unix_listen_type(const char *path, int type, struct err **err); /* SOCK_SEQPACKET... */
int unix_connect(const char *path, struct err **err);

/* client verbs (client.c) */
int cmd_attach(int argc, char **argv, struct err **err);
int cmd_ctl(const char *verb, int argc, char **argv, struct err **err);
int cmd_state(int argc, char **argv, struct err **err);
int cmd_logs(int argc, char **argv, struct err **err);
int cmd_wait(int argc, char **argv, struct err **err);

/* conmon's command line and protocol, for podman (conmon.c) */
struct conmon_compat {
	int sync_fd, start_fd; /* _OCI_SYNCPIPE, _OCI_STARTPIPE, or -1 */
	int attach_fd;         /* _OCI_ATTACHPIPE (--exec-attach), or -1 */
	char *exit_dir, *persist_dir, *conmon_pidfile;
	char **runtime_args; /* before the runtime's verb */
};
/* argv[0] is "conmon", or the first argument is conmon's --api-version */
bool conmon_invoked(int argc, char **argv);
int conmon_main(int argc, char **argv, struct err **err);
/* After create: {"data": PID} (or -1 and the message) on the sync pipe;
 * after an exec'd process ended, {"data": EXIT_CODE} too. */
void conmon_report(const struct conmon_compat *c, int pid, const char *error);
/* --exec-attach: {"data": 0} on the attach pipe once the attach socket
 * listens (podman connects, then says start on the start pipe). */
void conmon_attach_ready(struct conmon_compat *c);
/* The exit files podman reads: exit-dir/ID, persist-dir/exit and oom. */
void conmon_exit_files(const struct conmon_compat *c, const char *id, int exit_code,
		       bool oom_killed);

/* the monitor (monitor.c) */
struct shim_config {
	char *id, *bundle, *runtime, *runtime_root, *log_path, *state_path, *pid_file;
	char *dir;
	struct log_opts log_opts;
	struct restart_policy restart;
	bool stdin_open, tty;
	bool no_start; /* create only: `kist-shim start` starts it */
	/* a process.json to run in the running container (`runtime exec
	 * --process`) instead of creating one; the container is not deleted
	 * when it ends */
	char *exec_process;
	char **exit_command;          /* exec'd when the container stopped for good (podman's
				       * cleanup, kist's network release), or NULL */
	struct conmon_compat *conmon; /* started as conmon (by podman), or NULL */
};
/* Daemonize and monitor; returns in the caller with 0 once the container
 * runs, or -1 with err set (the runtime's message) when it failed to start. */
int shim_start(struct shim_config *cfg, struct err **err);
/* Free the paths a command line filled in (id stays borrowed from argv). */
void shim_config_release(struct shim_config *cfg);

#endif
