/* cmd_ps.c: `ps [--format table|json] ID [ps options]`: the container's
 * processes: a JSON array of pids, or ps(1)'s output cut to them. */
#include <getopt.h> /* getopt_long */
#include <stdio.h>  /* printf */
#include <stdlib.h> /* strtol */
#include <string.h> /* strtok_r */
#include "common/cli.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/proc.h"
#include "common/util.h"
#include "runtime/cgroup.h"
#include "runtime/runtime.h"
#include "runtime/state.h"

int cmd_ps(void *gp, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct rt_global *g = gp;
	const char *format = "table";
	struct rt_state st = RT_STATE_INIT;
	struct rt_cgroup cg = RT_CGROUP_INIT;
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	int c, ret = -1;

	optind = 0;
	opterr = 0;
	while ((c = cli_getopt(argc, argv, "+f:h", opts, NULL)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c == 'h') {
			rt_help(
			    "usage: kist-runtime ps [command options] <container-id> [ps options]\n"
			    "  -f, --format FMT         table (default, ps output) or json "
			    "(pids)\n");
			exit(EXIT_OK);
		} else
			cli_usage_error("ps: unknown option '%s'", argv[optind - 1]);
	}
	if (!streq(format, "table") && !streq(format, "json"))
		cli_usage_error("ps: --format must be table or json, not '%s'", format);
	if (argc - optind < 1)
		cli_usage_error("ps: expected a container id");
	if (rt_state_load(g->root, argv[optind], &st, err) < 0)
		return -1;
	if (rt_cgroup_open(st.cgroup_path, &cg, err) < 0 || rt_cgroup_pids(&cg, &pids, &n, err) < 0)
		goto out;
	if (streq(format, "json")) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
	} else {
		/* ps -ef (or the given options), keeping the header and our pids */
		cleanup_free char *out = NULL;
		const char **av = xcalloc((size_t)(argc - optind) + 2, sizeof(char *));
		int k = 0, pid_col = -1, col;
		char *save = NULL, *line;

		av[k++] = "ps";
		if (argc - optind > 1)
			for (int i = optind + 1; i < argc; i++)
				av[k++] = argv[i];
		else
			av[k++] = "-ef";
		c = proc_capture(av, 16 << 20, &out, err);
		free(av);
		if (c < 0)
			goto out;
		if (c != 0) {
			err_set(err, 0, "ps exited with status %d", c);
			goto out;
		}
		for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			if (pid_col < 0) {
				cleanup_free char *hdr = xstrdup(line);
				char *s2 = NULL, *tok;
				col = 0;
				for (tok = strtok_r(hdr, " \t", &s2); tok;
				     tok = strtok_r(NULL, " \t", &s2), col++)
					if (streq(tok, "PID"))
						pid_col = col;
				if (pid_col < 0) {
					err_set(err, 0, "ps output has no PID column");
					goto out;
				}
				printf("%s\n", line);
				continue;
			}
			cleanup_free char *copy = xstrdup(line);
			char *s3 = NULL, *tok = strtok_r(copy, " \t", &s3);
			for (col = 0; tok && col < pid_col; col++)
				tok = strtok_r(NULL, " \t", &s3);
			if (!tok)
				continue;
			long pid = strtol(tok, NULL, 10);
			for (size_t i = 0; i < n; i++)
				if (pids[i] == pid) {
					printf("%s\n", line);
					break;
				}
		}
	}
	ret = EXIT_OK;
out:
	rt_cgroup_release(&cg);
	rt_state_release(&st);
	return ret;
}
