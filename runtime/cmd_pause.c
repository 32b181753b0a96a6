/* cmd_pause.c: `pause ID` and `resume ID` (the freezer). */
#include <stdio.h> /* fputs */
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/util.h"
#include "runtime/cgroup.h"
#include "runtime/runtime.h"
#include "runtime/state.h"

static int freeze(struct rt_global *g, int argc, char **argv, bool on, struct err **err)
{
	struct rt_state st = RT_STATE_INIT;
	struct rt_cgroup cg = RT_CGROUP_INIT;
	enum rt_status status;
	int ret = -1;

	if (argc == 2 && (streq(argv[1], "-h") || streq(argv[1], "--help"))) {
		cleanup_free char *u =
		    xasprintf("usage: kist-runtime %s <container-id>\n", argv[0]);
		rt_help(u);
		return EXIT_OK;
	}
	if (argc != 2)
		cli_usage_error("%s: expected exactly one container id", argv[0]);
	if (rt_state_load(g->root, argv[1], &st, err) < 0)
		return -1;
	status = rt_state_status(&st);
	if (on && status != RT_STATUS_RUNNING && status != RT_STATUS_CREATED) {
		err_set(err, 0, "container not running");
		goto out;
	}
	if (!on && status != RT_STATUS_PAUSED) {
		err_set(err, 0, "container not paused");
		goto out;
	}
	if (rt_cgroup_open(st.cgroup_path, &cg, err) < 0 || rt_cgroup_freeze(&cg, on, err) < 0)
		goto out;
	ret = EXIT_OK;
out:
	rt_cgroup_release(&cg);
	rt_state_release(&st);
	return ret;
}

int cmd_pause(void *g, int argc, char **argv, struct err **err)
{
	return freeze(g, argc, argv, true, err);
}

int cmd_resume(void *g, int argc, char **argv, struct err **err)
{
	return freeze(g, argc, argv, false, err);
}
