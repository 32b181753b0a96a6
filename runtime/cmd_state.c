/* cmd_state.c: `state ID`: runc's state JSON on stdout. */
#include <stdio.h>  /* fputs */
#include <stdlib.h> /* free */
#include "common/cli.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/util.h"
#include "runtime/runtime.h"
#include "runtime/state.h"

int cmd_state(void *gp, int argc, char **argv, struct err **err)
{
	struct rt_global *g = gp;
	struct rt_state st = RT_STATE_INIT;
	cleanup_json cJSON *j = NULL;
	cleanup_free char *s = NULL;

	if (argc == 2 && (streq(argv[1], "-h") || streq(argv[1], "--help"))) {
		rt_help("usage: kist-runtime state <container-id>\n");
		return EXIT_OK;
	}
	if (argc != 2)
		cli_usage_error("state: expected exactly one container id");
	if (rt_state_load(g->root, argv[1], &st, err) < 0)
		return -1;
	j = rt_state_to_json(&st, rt_state_status(&st));
	s = json_print(j, true);
	printf("%s\n", s);
	rt_state_release(&st);
	return EXIT_OK;
}
