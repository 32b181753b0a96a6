/* cmd_start.c: `start ID`: let a created container run its program. */
#include <stdio.h>  /* fputs */
#include <stdlib.h> /* exit */
#include "common/cli.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/util.h"
#include "runtime/container.h"
#include "runtime/runtime.h"

int cmd_start(void *gp, int argc, char **argv, struct err **err)
{
	struct rt_global *g = gp;
	struct rt_state st = RT_STATE_INIT;
	enum rt_status status;
	int ret = -1;

	if (argc == 2 && (streq(argv[1], "-h") || streq(argv[1], "--help"))) {
		rt_help("usage: kist-runtime start <container-id>\n");
		return EXIT_OK;
	}
	if (argc != 2)
		cli_usage_error("start: expected exactly one container id");
	if (rt_state_load(g->root, argv[1], &st, err) < 0)
		return -1;
	status = rt_state_status(&st);
	switch (status) {
	case RT_STATUS_CREATED:
		break;
	case RT_STATUS_STOPPED:
		err_set(err, 0, "cannot start a container that has stopped");
		goto out;
	default:
		err_set(err, 0, "cannot start an already %s container", rt_status_name(status));
		goto out;
	}
	if (rt_container_start(&st, err) < 0)
		goto out;
	/* returns once the program runs (or the init gave up): a `state`
	 * right after says running, as with runc */
	rt_container_wait_exec(st.pid, st.start_pipe_fd, st.start_pipe_ino);
	{
		cleanup_free char *p = rt_state_config_path(&st);
		cleanup_json cJSON *cfg = json_load_file(p, 0, NULL);
		const cJSON *hooks = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "hooks") : NULL;
		if (cJSON_IsObject(hooks) && cJSON_GetObjectItemCaseSensitive(hooks, "poststart"))
			rt_container_hooks(hooks, "poststart", &st, RT_STATUS_RUNNING, NULL);
	}
	ret = EXIT_OK;
out:
	rt_state_release(&st);
	return ret;
}
