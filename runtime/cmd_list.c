/* cmd_list.c: `list [--format table|json] [-q]`. */
#include <dirent.h> /* opendir */
#include <errno.h>  /* errno */
#include <getopt.h> /* getopt_long */
#include <stdio.h>  /* printf */
#include <stdlib.h> /* qsort */
#include "common/cli.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/util.h"
#include "runtime/runtime.h"
#include "runtime/state.h"

#define NCOLS 6

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_list(void *gp, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct rt_global *g = gp;
	const char *format = "table";
	bool quiet = false;
	cleanup_dir DIR *d = NULL;
	cleanup_strv char **ids = NULL, **rows = NULL;
	cleanup_json cJSON *arr = NULL;
	struct dirent *de;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = cli_getopt(argc, argv, "f:qh", opts, NULL)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c == 'q')
			quiet = true;
		else if (c == 'h') {
			rt_help("usage: kist-runtime list [command options]\n"
				"  -f, --format FMT         table (default) or json\n"
				"  -q, --quiet              print the ids only\n");
			exit(EXIT_OK);
		} else
			cli_usage_error("list: unknown option '%s'", argv[optind - 1]);
	}
	if (!streq(format, "table") && !streq(format, "json"))
		cli_usage_error("list: --format must be table or json, not '%s'", format);
	if (optind != argc)
		cli_usage_error("list: unexpected argument '%s'", argv[optind]);
	d = opendir(g->root);
	if (!d && errno != ENOENT)
		return err_set(err, errno, "open state root '%s'", g->root);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		strv_push(&ids, de->d_name);
	}
	if (ids)
		qsort(ids, strv_len(ids), sizeof(char *), cmp_str);
	arr = cJSON_CreateArray();
	for (size_t i = 0; ids && ids[i]; i++) {
		struct rt_state st = RT_STATE_INIT;
		enum rt_status status;
		if (rt_state_load(g->root, ids[i], &st, NULL) < 0)
			continue; /* being created or deleted right now */
		status = rt_state_status(&st);
		if (quiet) {
			printf("%s\n", st.id);
		} else if (streq(format, "table")) {
			char pid[24];
			snprintf(pid, sizeof(pid), "%d",
				 status == RT_STATUS_STOPPED ? 0 : (int)st.pid);
			strv_push(&rows, st.id);
			strv_push(&rows, pid);
			strv_push(&rows, rt_status_name(status));
			strv_push(&rows, st.bundle);
			strv_push(&rows, st.created);
			strv_push(&rows, *st.owner ? st.owner : "root");
		} else {
			cJSON_AddItemToArray(arr, rt_state_to_json(&st, status));
		}
		rt_state_release(&st);
	}
	if (!quiet && streq(format, "table")) {
		/* runc's tabwriter: columns at least 12 wide, 3 spaces of padding */
		static const char *const hdr[NCOLS] = {"ID",     "PID",     "STATUS",
						       "BUNDLE", "CREATED", "OWNER"};
		size_t w[NCOLS], n = strv_len(rows);
		for (size_t k = 0; k < NCOLS; k++) {
			w[k] = strlen(hdr[k]);
			for (size_t r = k; r < n; r += NCOLS)
				if (strlen(rows[r]) > w[k])
					w[k] = strlen(rows[r]);
			w[k] = w[k] + 3 < 12 ? 12 : w[k] + 3;
		}
		for (size_t k = 0; k < NCOLS; k++)
			printf("%-*s%s", k + 1 < NCOLS ? (int)w[k] : 0, hdr[k],
			       k + 1 < NCOLS ? "" : "\n");
		for (size_t r = 0; r < n; r++)
			printf("%-*s%s", (r % NCOLS) + 1 < NCOLS ? (int)w[r % NCOLS] : 0, rows[r],
			       (r % NCOLS) + 1 < NCOLS ? "" : "\n");
	}
	if (!quiet && streq(format, "json")) {
		if (cJSON_GetArraySize(arr) == 0) {
			printf("null\n");
		} else {
			cleanup_free char *s = json_print(arr, false);
			printf("%s\n", s);
		}
	}
	return EXIT_OK;
}
