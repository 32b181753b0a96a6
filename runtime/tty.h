/* tty.h: process.terminal: a pty made inside the container, its master
 * handed to the caller over --console-socket with SCM_RIGHTS (runc's
 * protocol: one message, the pty's path as data, the fd as ancillary data).
 * <0 with *err set on failure. */
#ifndef KIST_RUNTIME_TTY_H
#define KIST_RUNTIME_TTY_H

#include <stdbool.h>   /* bool */
#include <sys/types.h> /* pid_t, uid_t */

struct err;

/* Connect to the unix socket at path; returns the fd.  what names it in
 * errors ("--console-socket"). */
int rt_unix_connect(const char *path, const char *what, struct err **err);
/* Parent: connect to the --console-socket at path; returns the fd. */
int rt_tty_connect(const char *path, struct err **err);
/* Send fd over the connected socket sock, with name as the payload. */
int rt_tty_send_fd(int sock, int fd, const char *name, struct err **err);
/* Receive one fd (for `run` with a terminal and no console socket). */
int rt_tty_recv_fd(int sock, struct err **err);
/* A new pty's slave: chowned to the process's uid (and gid when devpts
 * left it to group 0); with held (the runtime itself forwards the pty, no
 * --console-socket) ONLCR is cleared, as runc, so output comes back "X\n"
 * and not "X\r\n" (or "X\r\r\n" through a second terminal). */
int rt_tty_prepare_slave(int slave, bool held, uid_t uid, gid_t gid, struct err **err);
/* Container init: open a pty from the container's /dev/ptmx, send its master
 * over sock, bind the slave on /dev/console, make it the controlling
 * terminal and stdin/out/err (rt_tty_prepare_slave first). */
int rt_tty_setup(int sock, bool held, uid_t uid, gid_t gid, struct err **err);

/* Give stdin, stdout and stderr to the process's user (uid, gid), as runc
 * and crun do, so that it can reopen them (/dev/stdout, /proc/self/fd/1):
 * not those on /dev/null or already its uid's, a terminal only its uid,
 * nothing where the owner cannot be changed (an unmapped id, a read-only
 * file system: left as they are).
 * Called as root, before the user changes, after the root is the
 * container's (/dev/null is its own). */
void rt_stdio_give(uid_t uid, gid_t gid);

/* Wait for pid (a child or a reaped-by-us process), forwarding signals to
 * it; with a pty master (>= 0), copy stdin into it and its output to stdout
 * with the caller's terminal in raw mode and its size passed on, as `runc
 * run`/`runc exec -t` do without --console-socket.  Returns the exit code
 * (128+signal when killed). */
int rt_tty_wait_forwarding(pid_t pid, int master, struct err **err);

#endif
