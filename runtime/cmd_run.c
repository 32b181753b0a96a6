/* cmd_run.c: `run [create options] [--detach] ID`: create, start, and in
 * the foreground wait for the container, forward signals to it, delete it
 * and exit with its status (128+signal when it was killed). */
#define _GNU_SOURCE
#include <errno.h>  /* errno */
#include <unistd.h> /* read */
#include "common/cli.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/proc.h"
#include "common/util.h"
#include "runtime/container.h"
#include "runtime/runtime.h"
#include "runtime/tty.h"

int rt_parse_create_opts(int argc, char **argv, struct rt_create_opts *o, bool *detach,
			 const char *usage);

static const char usage_text[] =
    "usage: kist-runtime run [options] ID\n"
    "  -b, --bundle DIR         bundle directory (default: current directory)\n"
    "  -d, --detach             return once the container runs\n"
    "      --keep               do not delete the container after it exits\n"
    "      --pid-file FILE      write the init's pid to FILE\n"
    "      --console-socket S   send the pty master to this unix socket\n"
    "      --preserve-fds N     pass N extra fds (from 3) to the container\n"
    "      --no-pivot           use MS_MOVE + chroot instead of pivot_root\n"
    "      --config FILE        config.json in place of the bundle's (crun's option)\n";

int cmd_run(void *gp, int argc, char **argv, struct err **err)
{
	struct rt_global *g = gp;
	struct rt_create_opts o = {
	    .root = g->root, .systemd_cgroup = g->systemd_cgroup, .no_cgroup = g->no_cgroup};
	struct rt_container *c = NULL;
	bool detach = false;
	cleanup_close int master = -1;
	int code;

	rt_parse_create_opts(argc, argv, &o, &detach, usage_text);
	/* a terminal in the foreground without --console-socket: we hold the pty */
	o.own_console = !o.console_socket && !detach;
	if (rt_container_create(&o, &c, err) < 0)
		return -1;
	if (c->console_peer >= 0 && c->cfg.process.terminal) {
		master = rt_tty_recv_fd(c->console_peer, err);
		if (master < 0) {
			rt_container_free(c);
			rt_container_delete(o.root, o.id, true, NULL);
			return -1;
		}
	}
	if (fs_write_all(c->start_w, "s", 1) < 0) {
		err_set(err, errno, "start container '%s'", o.id);
		rt_container_free(c);
		rt_container_delete(o.root, o.id, true, NULL);
		return -1;
	}
	fs_close(c->start_w);
	c->start_w = -1;
	/* detached, we return once the program runs (`state` says running) */
	if (detach || (c->cfg.hooks && cJSON_GetObjectItemCaseSensitive(c->cfg.hooks, "poststart")))
		rt_container_wait_exec(c->st.pid, c->st.start_pipe_fd, c->st.start_pipe_ino);
	if (c->cfg.hooks && cJSON_GetObjectItemCaseSensitive(c->cfg.hooks, "poststart"))
		rt_container_hooks(c->cfg.hooks, "poststart", &c->st, RT_STATUS_RUNNING, NULL);
	if (detach) {
		rt_container_free(c);
		return EXIT_OK;
	}
	code = rt_tty_wait_forwarding(c->st.pid, master, err);
	rt_container_free(c);
	if (o.keep)
		return code; /* stopped, for `state` and `delete` */
	if (rt_container_delete(o.root, o.id, true, code < 0 ? NULL : err) < 0 && code >= 0)
		return -1;
	return code;
}
