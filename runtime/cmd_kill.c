/* cmd_kill.c: `kill [--all] ID [SIGNAL]`: signal by name or number,
 * SIGTERM by default. */
#include <errno.h>       /* errno */
#include <getopt.h>      /* getopt_long */
#include <signal.h>      /* kill */
#include <stdio.h>       /* fputs */
#include <stdlib.h>      /* exit */
#include <sys/syscall.h> /* SYS_pidfd_open */
#include <unistd.h>      /* syscall */
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/signal.h"
#include "common/util.h"
#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "runtime/runtime.h"

/* Signal the init through a pidfd taken while it is still the process the
 * state names; gone by then (it exited since the status was read) is
 * "container not running", as runc says, not a kill(2) error. */
static int signal_init(const struct rt_state *st, int sig, struct err **err)
{
	cleanup_close int pfd = (int)syscall(SYS_pidfd_open, st->pid, 0);

	if (pfd < 0) {
		if (errno != ENOSYS)
			return errno == ESRCH ? err_set(err, 0, "container not running")
					      : err_set(err, errno, "kill container '%s'", st->id);
		if (kill(st->pid, sig) < 0)
			return errno == ESRCH ? err_set(err, 0, "container not running")
					      : err_set(err, errno, "kill container '%s'", st->id);
		return 0;
	}
	if (!rt_state_alive(st))
		return err_set(err, 0, "container not running");
	if (syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0)
		return errno == ESRCH ? err_set(err, 0, "container not running")
				      : err_set(err, errno, "kill container '%s'", st->id);
	return 0;
}

int cmd_kill(void *gp, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct rt_global *g = gp;
	struct rt_state st = RT_STATE_INIT;
	struct rt_cgroup cg = RT_CGROUP_INIT;
	bool all = false;
	int c, sig = SIGTERM, ret = -1;
	enum rt_status status;

	optind = 0;
	opterr = 0;
	while ((c = cli_getopt(argc, argv, "ah", opts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 'h') {
			rt_help(
			    "usage: kist-runtime kill [command options] <container-id> [signal]\n"
			    "The signal is a name (KILL, SIGKILL) or a number; SIGTERM by "
			    "default, 0 checks that the container runs.\n"
			    "  -a, --all                send it to every process of the "
			    "container\n");
			exit(EXIT_OK);
		} else
			cli_usage_error("kill: unknown option '%s'", argv[optind - 1]);
	}
	if (argc - optind < 1 || argc - optind > 2)
		cli_usage_error("kill: expected a container id and an optional signal");
	if (argc - optind == 2) {
		/* 0: is it running (runc takes any number) */
		sig = streq(argv[optind + 1], "0") ? 0 : signal_parse(argv[optind + 1]);
		if (sig < 0)
			return err_set(err, 0, "unknown signal \"%s\"", argv[optind + 1]);
	}
	if (rt_state_load(g->root, argv[optind], &st, err) < 0) {
		/* a damaged record still names the init (and its cgroup) */
		cleanup_err struct err *e2 = NULL;
		if (!*err || (*err)->code == ENOENT ||
		    rt_state_salvage(g->root, argv[optind], &st, &e2) < 0)
			return -1;
		if (st.pid <= 0 && !all) {
			err_wrap(err, "the init's pid is lost (kill --all or delete --force)");
			goto out;
		}
		err_free(*err);
		*err = NULL;
	}
	/* Without a pid namespace of its own, the init's death ends none of
	 * the other processes: KILL goes to every process of the cgroup, even
	 * once the init is gone (runc) */
	if (sig == SIGKILL && st.shared_pidns)
		all = true;
	status = rt_state_status(&st);
	if (status == RT_STATUS_STOPPED && !all) {
		err_set(err, 0, "container not running");
		goto out;
	}
	if (all && st.cgroup_path && *st.cgroup_path) {
		if (rt_cgroup_open(st.cgroup_path, &cg, err) < 0 ||
		    rt_cgroup_signal_all(&cg, sig, err) < 0)
			goto out;
		if (status == RT_STATUS_PAUSED && sig == SIGKILL)
			rt_cgroup_freeze(&cg, false, NULL);
	} else if (signal_init(&st, sig, err) < 0)
		goto out;
	ret = EXIT_OK;
out:
	rt_cgroup_release(&cg);
	rt_state_release(&st);
	return ret;
}
