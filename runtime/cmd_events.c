/* cmd_events.c: `events [--stats] [--interval D] ID [ID...]`: runc's stats
 * events, one JSON line {"type":"stats","id":ID,"data":{...}} per running
 * container.  With --stats each container is read once; without, every
 * interval (default 5s) until none of them runs.  A container that does
 * not exist or does not run is reported on stderr, the others are still
 * printed, and the exit code is then 1. */
#include <getopt.h> /* struct option */
#include <stdio.h>  /* printf */
#include <stdlib.h> /* strtod */
#include <time.h>   /* nanosleep */
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/json.h"
#include "common/log.h"
#include "common/util.h"
#include "runtime/cgroup.h"
#include "runtime/cgroup_stats.h"
#include "runtime/runtime.h"
#include "runtime/state.h"

static const char usage_text[] =
    "usage: kist-runtime events [command options] <container-id> [<container-id>...]\n"
    "Print the resource usage of containers as JSON lines, as runc's events.\n"
    "  --stats                  print each container's stats once and exit\n"
    "  --interval DURATION      time between stats (default 5s): 500ms, 1s, 2m\n";

/* A Go duration of one unit: "500ms", "1s", "1.5s", "2m"; ms or <0. */
static long parse_interval(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v <= 0)
		return -1;
	if (streq(end, "ms"))
		return (long)v;
	if (streq(end, "s"))
		return (long)(v * 1000);
	if (streq(end, "m"))
		return (long)(v * 60000);
	return -1;
}

/* One stats line for id; 1 if it runs, 0 if not (reported), <0 on error. */
static int stats_one(const struct rt_global *g, const char *id)
{
	struct rt_state st = RT_STATE_INIT;
	struct rt_cgroup cg = RT_CGROUP_INIT;
	struct err *err = NULL;
	enum rt_status status;
	int ret = 0;

	if (rt_state_load(g->root, id, &st, &err) < 0) {
		err_print(err);
		err_free(err);
		return 0;
	}
	status = rt_state_status(&st);
	if (status != RT_STATUS_RUNNING && status != RT_STATUS_PAUSED &&
	    status != RT_STATUS_CREATED) {
		log_error("container with id %s is not running", id);
		goto out;
	}
	if (rt_cgroup_open(st.cgroup_path, &cg, &err) < 0) {
		err_print(err);
		err_free(err);
		goto out;
	}
	{
		cleanup_json cJSON *ev = cJSON_CreateObject();
		cleanup_free char *text = NULL;

		cJSON_AddStringToObject(ev, "type", "stats");
		cJSON_AddStringToObject(ev, "id", id);
		cJSON_AddItemToObject(ev, "data", rt_cgroup_stats(&cg, st.pid));
		text = json_print(ev, false);
		printf("%s\n", text);
	}
	ret = 1;
out:
	rt_cgroup_release(&cg);
	rt_state_release(&st);
	return ret;
}

int cmd_events(void *gp, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"stats", no_argument, NULL, 's'},
	    {"interval", required_argument, NULL, 'i'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const struct rt_global *g = gp;
	bool once = false, failed = false;
	long interval = 5000;
	int c;

	(void)err;
	optind = 0;
	opterr = 0;
	while ((c = cli_getopt(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 's')
			once = true;
		else if (c == 'i') {
			interval = parse_interval(optarg);
			if (interval < 0)
				cli_usage_error("events: invalid --interval '%s'", optarg);
		} else if (c == 'h') {
			rt_help(usage_text);
			return EXIT_OK;
		} else
			cli_usage_error("events: unknown option '%s'", argv[optind - 1]);
	}
	if (optind >= argc)
		cli_usage_error("events: expected a container id");
	for (;;) {
		int running = 0;

		for (int i = optind; i < argc; i++) {
			int r = stats_one(g, argv[i]);
			if (r > 0)
				running++;
			else
				failed = true;
		}
		fflush(stdout);
		if (once || running == 0)
			break;
		{
			struct timespec ts = {interval / 1000, (interval % 1000) * 1000000L};
			nanosleep(&ts, NULL);
		}
	}
	return failed ? EXIT_FAIL : EXIT_OK;
}
