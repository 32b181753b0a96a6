/* cmd_update.c: `update [flags] [-r FILE|-] ID`: change the cgroup limits of
 * a container.  Flags as runc: --memory, --memory-reservation, --memory-swap,
 * --cpu-share, --cpu-quota, --cpu-period, --cpuset-cpus, --cpuset-mems,
 * --pids-limit, --blkio-weight, --cpu-idle, --cpu-burst; -r reads a LinuxResources JSON object
 * (from stdin with "-"); flags given as well win. */
#include <ctype.h>  /* tolower */
#include <errno.h>  /* errno */
#include <getopt.h> /* getopt_long */
#include <stdio.h>  /* fputs */
#include <stdlib.h> /* strtoll */
#include "common/cli.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "runtime/cgroup.h"
#include "runtime/runtime.h"
#include "runtime/state.h"
#include "spec/runtime_config.h"

static const char usage_text[] =
    "usage: kist-runtime update [options] ID\n"
    "  -r, --resources FILE       LinuxResources JSON (\"-\" for stdin)\n"
    "      --memory N             memory limit (bytes, or 100k/100m/1g; -1 unlimited)\n"
    "      --memory-reservation N soft limit\n"
    "      --memory-swap N        memory plus swap limit\n"
    "      --cpu-share N          relative cpu weight (cpu.shares)\n"
    "      --cpu-quota N          cfs quota in microseconds per period\n"
    "      --cpu-period N         cfs period in microseconds\n"
    "      --cpuset-cpus LIST     cpus the container may use\n"
    "      --cpuset-mems LIST     memory nodes the container may use\n"
    "      --pids-limit N         maximum number of processes\n"
    "      --blkio-weight N       block io weight (10..1000)\n"
    "      --cpu-idle 0|1         cpu.idle: the group runs as SCHED_IDLE\n"
    "      --cpu-burst N          cfs burst in microseconds (0: none)\n"
    "      --cpu-rt-period N      real-time period in microseconds (cgroup v1)\n"
    "      --cpu-rt-runtime N     real-time runtime in microseconds per period (v1)\n";

/* "512", "100k", "64m", "1g", "-1" */
static int parse_size(const char *opt, const char *s, int64_t *out, struct err **err)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	long long mul = 1;

	if (end == s)
		return err_set(err, 0, "%s: invalid size '%s'", opt, s);
	if (*end) {
		switch (tolower((unsigned char)*end)) {
		case 'b':
			break;
		case 'k':
			mul = 1LL << 10;
			break;
		case 'm':
			mul = 1LL << 20;
			break;
		case 'g':
			mul = 1LL << 30;
			break;
		case 't':
			mul = 1LL << 40;
			break;
		default:
			return err_set(err, 0, "%s: invalid size '%s'", opt, s);
		}
		end++;
		if (*end == 'b' || *end == 'B' || (*end == 'i' && (end[1] == 'b' || end[1] == 'B')))
			end += *end == 'i' ? 2 : 1;
		if (*end)
			return err_set(err, 0, "%s: invalid size '%s'", opt, s);
	}
	if (v < -1)
		return err_set(err, 0, "%s: invalid size '%s'", opt, s);
	*out = v < 0 ? -1 : v * mul;
	return 0;
}

static int parse_int(const char *opt, const char *s, int64_t *out, struct err **err)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (end == s || *end)
		return err_set(err, 0, "%s: invalid number '%s'", opt, s);
	*out = v;
	return 0;
}

int cmd_update(void *gp, int argc, char **argv, struct err **err)
{
	enum {
		O_MEM = 256,
		O_MEMRES,
		O_SWAP,
		O_SHARES,
		O_QUOTA,
		O_PERIOD,
		O_CPUS,
		O_MEMS,
		O_PIDS,
		O_BLKIO,
		O_IDLE,
		O_BURST,
		O_RT_PERIOD,
		O_RT_RUNTIME
	};
	static const struct option opts[] = {
	    {"resources", required_argument, NULL, 'r'},
	    {"memory", required_argument, NULL, O_MEM},
	    {"memory-reservation", required_argument, NULL, O_MEMRES},
	    {"memory-swap", required_argument, NULL, O_SWAP},
	    {"cpu-share", required_argument, NULL, O_SHARES},
	    {"cpu-shares", required_argument, NULL, O_SHARES},
	    {"cpu-quota", required_argument, NULL, O_QUOTA},
	    {"cpu-period", required_argument, NULL, O_PERIOD},
	    {"cpuset-cpus", required_argument, NULL, O_CPUS},
	    {"cpuset-mems", required_argument, NULL, O_MEMS},
	    {"pids-limit", required_argument, NULL, O_PIDS},
	    {"blkio-weight", required_argument, NULL, O_BLKIO},
	    {"cpu-idle", required_argument, NULL, O_IDLE},
	    {"cpu-burst", required_argument, NULL, O_BURST},
	    {"cpu-rt-period", required_argument, NULL, O_RT_PERIOD},
	    {"cpu-rt-runtime", required_argument, NULL, O_RT_RUNTIME},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct rt_global *g = gp;
	struct spec_resources r = {0};
	struct rt_state st = RT_STATE_INIT;
	struct rt_cgroup cg = RT_CGROUP_INIT;
	const char *file = NULL;
	int c, ret = -1;
	int64_t v = 0;
	bool any = false;
	struct {
		int opt;
		const char *arg;
	} given[32];
	size_t n_given = 0;

	optind = 0;
	opterr = 0;
	while ((c = cli_getopt(argc, argv, "r:h", opts, NULL)) != -1) {
		if (c == 'h') {
			rt_help(usage_text);
			exit(EXIT_OK);
		}
		if (c == 'r') {
			file = optarg;
			continue;
		}
		if (c == '?' || c == ':')
			cli_usage_error("update: unknown option or missing value '%s'",
					argv[optind - 1]);
		if (n_given < ARRAY_SIZE(given))
			given[n_given++] = (typeof(given[0])){c, optarg};
	}
	if (argc - optind != 1)
		cli_usage_error("update: expected exactly one container id");
	if (file) {
		cleanup_free char *text = NULL;
		cleanup_json cJSON *j = NULL;
		size_t len = 0;
		if (streq(file, "-")) {
			if (fs_read_fd(0, JSON_MAX_SIZE, &text, &len, err) < 0)
				return err_wrap(err, "--resources: read stdin");
		} else if (fs_read_all(file, JSON_MAX_SIZE, &text, &len, err) < 0) {
			return err_wrap(err, "--resources");
		}
		j = json_parse(text, len, "--resources", err);
		if (!j || spec_resources_parse(j, "resources", &r, err) < 0)
			return -1;
		any = true;
	}
	for (size_t i = 0; i < n_given; i++) {
		const char *a = given[i].arg;
		any = true;
		switch (given[i].opt) {
		case O_MEM:
			if (parse_size("--memory", a, &r.memory_limit, err) < 0)
				goto out;
			r.has_memory_limit = true;
			break;
		case O_MEMRES:
			if (parse_size("--memory-reservation", a, &r.memory_reservation, err) < 0)
				goto out;
			r.has_memory_reservation = true;
			break;
		case O_SWAP:
			if (parse_size("--memory-swap", a, &r.memory_swap, err) < 0)
				goto out;
			r.has_memory_swap = true;
			break;
		case O_SHARES:
			if (parse_int("--cpu-share", a, &v, err) < 0)
				goto out;
			r.cpu_shares = (uint64_t)v;
			r.has_cpu_shares = true;
			break;
		case O_QUOTA:
			if (parse_int("--cpu-quota", a, &r.cpu_quota, err) < 0)
				goto out;
			r.has_cpu_quota = true;
			break;
		case O_PERIOD:
			if (parse_int("--cpu-period", a, &v, err) < 0)
				goto out;
			r.cpu_period = (uint64_t)v;
			r.has_cpu_period = true;
			break;
		case O_CPUS:
			free(r.cpus);
			r.cpus = xstrdup(a);
			break;
		case O_MEMS:
			free(r.mems);
			r.mems = xstrdup(a);
			break;
		case O_PIDS:
			if (parse_int("--pids-limit", a, &r.pids_limit, err) < 0)
				goto out;
			r.has_pids_limit = true;
			break;
		case O_IDLE:
			if (parse_int("--cpu-idle", a, &r.cpu_idle, err) < 0)
				goto out;
			r.has_cpu_idle = true;
			break;
		case O_BURST:
			if (parse_int("--cpu-burst", a, &v, err) < 0)
				goto out;
			if (v < 0) {
				err_set(err, 0, "--cpu-burst: must not be negative");
				goto out;
			}
			r.cpu_burst = (uint64_t)v;
			r.has_cpu_burst = true;
			break;
		case O_RT_PERIOD:
			if (parse_int("--cpu-rt-period", a, &v, err) < 0)
				goto out;
			if (v <= 0) {
				err_set(err, 0, "--cpu-rt-period: must be positive");
				goto out;
			}
			r.cpu_rt_period = (uint64_t)v;
			r.has_cpu_rt_period = true;
			break;
		case O_RT_RUNTIME:
			if (parse_int("--cpu-rt-runtime", a, &r.cpu_rt_runtime, err) < 0)
				goto out;
			r.has_cpu_rt_runtime = true;
			break;
		case O_BLKIO:
			if (parse_int("--blkio-weight", a, &v, err) < 0)
				goto out;
			if (v < 10 || v > 1000) {
				err_set(err, 0, "--blkio-weight: must be between 10 and 1000");
				goto out;
			}
			r.blkio_weight = (uint32_t)v;
			r.has_blkio_weight = true;
			break;
		}
	}
	if (!any)
		cli_usage_error("update: nothing to change (give -r FILE or a limit flag)");
	if (rt_state_load(g->root, argv[optind], &st, err) < 0)
		goto out;
	if (rt_state_status(&st) == RT_STATUS_STOPPED) {
		err_set(err, 0, "container '%s' is stopped: nothing to update", st.id);
		goto out;
	}
	if (rt_cgroup_open(st.cgroup_path, &cg, err) < 0 || rt_cgroup_apply(&cg, &r, err) < 0)
		goto out;
	ret = EXIT_OK;
out:
	rt_cgroup_release(&cg);
	rt_state_release(&st);
	spec_resources_release(&r);
	return ret;
}
