/* cmd_stats.c: `kist stats`: docker's table of resource usage.  kist reads
 * no cgroup: the containers come from kist-store (ps, or inspect-container
 * for the ones named), their usage from one `kist-runtime events --stats
 * ID...` per sample; kist only turns two samples into docker's columns
 * (CPU % over the wall time between them, memory less the inactive page
 * cache, the limit capped at the host's memory, as docker's daemon does). */
#define _GNU_SOURCE
#include <stdint.h>      /* uint64_t */
#include <stdio.h>       /* printf */
#include <stdlib.h>      /* strtoull */
#include <string.h>      /* strchr */
#include <sys/sysinfo.h> /* sysinfo */
#include <time.h>        /* clock_gettime */
#include <unistd.h>      /* isatty */

#include "cli/kist.h"
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/format.h"
#include "common/json.h"
#include "common/util.h"

#define OUT_MAX (64 << 20)

enum { S_ALL, S_FORMAT, S_NO_STREAM, S_NO_TRUNC };

static const struct kflag stats_flags[] = {
    {"all", 'a', KF_BOOL, NULL, "Show all containers (default shows just running)", ""},
    {"format", 0, KF_STRING, "string",
     "Format output using a custom template: 'table', 'json' or a Go template", ""},
    {"no-stream", 0, KF_BOOL, NULL, "Disable streaming stats and only pull the first result", ""},
    {"no-trunc", 0, KF_BOOL, NULL, "Do not truncate output", ""},
    {NULL, 0, KF_BOOL, NULL, NULL, NULL},
};

const struct kverb kist_v_stats = {
    "stats",
    "[OPTIONS] [CONTAINER...]",
    "Display a live stream of container(s) resource usage statistics",
    "kist container stats, kist stats",
    NULL,
    NULL,
    stats_flags,
    0,
    -1,
    kist_stats,
    NULL,
};

enum { F_CONTAINER, F_NAME, F_ID, F_CPU, F_MEM, F_MEMPERC, F_NET, F_BLOCK, F_PIDS, F_N };
static const struct fmt_field fields[F_N] = {
    [F_CONTAINER] = {"Container", "CONTAINER"},
    [F_NAME] = {"Name", "NAME"},
    [F_ID] = {"ID", "CONTAINER ID"},
    [F_CPU] = {"CPUPerc", "CPU %"},
    [F_MEM] = {"MemUsage", "MEM USAGE / LIMIT"},
    [F_MEMPERC] = {"MemPerc", "MEM %"},
    [F_NET] = {"NetIO", "NET I/O"},
    [F_BLOCK] = {"BlockIO", "BLOCK I/O"},
    [F_PIDS] = {"PIDs", "PIDS"},
};
static const char default_table[] = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t"
				    "{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";

/* One container followed, and its previous CPU sample. */
struct target {
	char *id, *name, *as_given;
	bool running;
	uint64_t cpu_prev; /* ns, 0: none yet */
	double t_prev;     /* seconds (monotonic) */
	cJSON *data;       /* the last stats data, owned */
};

static void targets_free(struct target *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(t[i].id);
		free(t[i].name);
		free(t[i].as_given);
		cJSON_Delete(t[i].data);
	}
	free(t);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A counter of runc's stats (written as exact integers) at a dotted path. */
static uint64_t num(const cJSON *o, const char *path)
{
	cleanup_free char *p = xstrdup(path);
	char *save = NULL;

	for (char *k = strtok_r(p, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		o = cJSON_GetObjectItemCaseSensitive(o, k);
	if (cJSON_IsNumber(o))
		return o->valuedouble > 0 ? (uint64_t)o->valuedouble : 0;
	return 0;
}

/* docker's BytesSize: binary units, 4 significant digits. */
static char *bytes_binary(double v)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	size_t i = 0;

	while (v >= 1024.0 && i < ARRAY_SIZE(units) - 1) {
		v /= 1024.0;
		i++;
	}
	return xasprintf("%.4g%s", v, units[i]);
}

static char *pair(char *a, char *b)
{
	char *s = xasprintf("%s / %s", a, b);

	free(a);
	free(b);
	return s;
}

static uint64_t host_memory(void)
{
	struct sysinfo si;

	if (sysinfo(&si) < 0)
		return 0;
	return (uint64_t)si.totalram * si.mem_unit;
}

/* The containers to show: those named (all must exist), else kist-store's
 * listing (running ones, or all with -a).  <0 when a name is unknown. */
static int list_targets(const struct kist *k, char **names, bool all, struct target **out,
			size_t *n_out)
{
	cleanup_strv char **args = NULL;
	cleanup_free char *text = NULL, *errtext = NULL;
	struct err *err = NULL;
	struct target *t = NULL;
	size_t n = 0;
	char *save = NULL;
	int r;

	if (names && *names) {
		strv_push(&args, "inspect-container");
		strv_push(&args, "--format");
		strv_push(&args, "{{.Id}}\t{{.Name}}\t{{.State.Status}}");
		strv_push(&args, "--");
		for (char **p = names; *p; p++)
			strv_push(&args, *p);
	} else {
		strv_push(&args, "ps");
		strv_push(&args, "--no-trunc");
		if (all)
			strv_push(&args, "--all");
		strv_push(&args, "--format");
		strv_push(&args, "{{.ID}}\t{{.Names}}\t{{.State}}");
	}
	r = kist_capture_err(k, "kist-store", args, OUT_MAX, &text, &errtext, &err);
	if (r < 0) {
		fprintf(stderr, "Error: %s\n", err->msg);
		err_free(err);
		return -1;
	}
	if (r != 0) {
		kist_print_error("kist-store", errtext, NULL);
		return -1;
	}
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *f[3] = {l, NULL, NULL};

		for (int i = 1; i < 3; i++) {
			f[i] = f[i - 1] ? strchr(f[i - 1], '\t') : NULL;
			if (f[i])
				*f[i]++ = '\0';
		}
		if (!f[2])
			continue;
		t = xrealloc(t, (n + 1) * sizeof(*t));
		t[n] = (struct target){
		    .id = xstrdup(f[0]),
		    .name = xstrdup(f[1][0] == '/' ? f[1] + 1 : f[1]),
		    .as_given = xstrdup(names && names[n] ? names[n] : f[0]),
		    .running = streq(f[2], "running") || streq(f[2], "paused"),
		};
		n++;
	}
	*out = t;
	*n_out = n;
	return 0;
}

/* Keep the previous samples of the containers still listed. */
static void carry_over(struct target *old, size_t n_old, struct target *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n_old; j++)
			if (streq(t[i].id, old[j].id)) {
				t[i].cpu_prev = old[j].cpu_prev;
				t[i].t_prev = old[j].t_prev;
			}
}

/* One `kist-runtime events --stats` over the running targets. */
static void sample(struct target *t, size_t n)
{
	cleanup_free char *rtroot = xasprintf("%s/runtime", kist_run_dir());
	cleanup_strv char **args = NULL;
	cleanup_free char *text = NULL, *errtext = NULL;
	struct kist bare = {.debug = false};
	struct err *err = NULL;
	char *save = NULL;
	double at;
	bool any = false;

	strv_push(&args, "--root");
	strv_push(&args, rtroot);
	strv_push(&args, "events");
	strv_push(&args, "--stats");
	for (size_t i = 0; i < n; i++) {
		cJSON_Delete(t[i].data);
		t[i].data = NULL;
		if (t[i].running) {
			strv_push(&args, t[i].id);
			any = true;
		}
	}
	if (!any)
		return;
	/* a container that stopped since the listing is reported on stderr
	 * and left out: it shows as stopped */
	(void)kist_capture_err(&bare, "kist-runtime", args, OUT_MAX, &text, &errtext, &err);
	err_free(err);
	at = now_s();
	for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		cJSON *ev = cJSON_Parse(l);
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(ev, "id");

		for (size_t i = 0; cJSON_IsString(id) && i < n; i++) {
			if (!streq(t[i].id, id->valuestring))
				continue;
			t[i].data = cJSON_DetachItemFromObjectCaseSensitive(ev, "data");
			break;
		}
		cJSON_Delete(ev);
	}
	for (size_t i = 0; i < n; i++) {
		if (!t[i].data) {
			t[i].cpu_prev = 0;
			continue;
		}
		/* CPU % is over the time between this sample and the last */
		uint64_t cpu = num(t[i].data, "cpu.usage.total");
		double dt = at - t[i].t_prev;
		cJSON *d = t[i].data;

		if (t[i].cpu_prev && dt > 0 && cpu >= t[i].cpu_prev)
			cJSON_AddNumberToObject(d, "kist_cpu_perc",
						(double)(cpu - t[i].cpu_prev) / (dt * 1e9) * 100.0);
		t[i].cpu_prev = cpu;
		t[i].t_prev = at;
	}
}

static int print_frame(const char *format, bool no_trunc, struct target *t, size_t n)
{
	struct fmt_table *tab;
	struct err *err = NULL;
	uint64_t host = host_memory();

	tab = fmt_table_new(format, default_table, fields, F_N, &err);
	if (!tab) {
		fprintf(stderr, "%s\n", err->msg);
		err_free(err);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const cJSON *d = t[i].data, *e,
			    *perc = cJSON_GetObjectItemCaseSensitive(d, "kist_cpu_perc");
		char *v[F_N] = {0};
		uint64_t mem = num(d, "memory.usage.usage"), limit = num(d, "memory.usage.limit");
		uint64_t rx = 0, tx = 0, rd = 0, wr = 0;
		const cJSON *raw = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(d, "memory"), "raw");
		int r;

		/* docker: usage less the inactive page cache (v1's total_, v2's own) */
		{
			const cJSON *inact =
			    cJSON_GetObjectItemCaseSensitive(raw, "total_inactive_file");
			uint64_t ia;
			if (!inact)
				inact = cJSON_GetObjectItemCaseSensitive(raw, "inactive_file");
			ia = cJSON_IsNumber(inact) ? (uint64_t)inact->valuedouble : 0;
			if (ia < mem)
				mem -= ia;
		}
		if (d && host && (!limit || limit > host))
			limit = host;
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(d, "network_interfaces"))
		{
			rx += num(e, "rx_bytes");
			tx += num(e, "tx_bytes");
		}
		cJSON_ArrayForEach(
		    e, cJSON_GetObjectItemCaseSensitive(
			   cJSON_GetObjectItemCaseSensitive(d, "blkio"), "ioServiceBytesRecursive"))
		{
			const cJSON *op = cJSON_GetObjectItemCaseSensitive(e, "op");
			if (!cJSON_IsString(op))
				continue;
			if (!strcasecmp(op->valuestring, "read"))
				rd += num(e, "value");
			else if (!strcasecmp(op->valuestring, "write"))
				wr += num(e, "value");
		}
		v[F_CONTAINER] = xstrdup(t[i].as_given);
		v[F_NAME] = xstrdup(d || !t[i].running ? t[i].name : "--");
		v[F_ID] = no_trunc ? xstrdup(t[i].id) : xstrndup(t[i].id, 12);
		v[F_CPU] = xasprintf("%.2f%%", cJSON_IsNumber(perc) ? perc->valuedouble : 0.0);
		v[F_MEM] = pair(bytes_binary((double)mem), bytes_binary((double)(d ? limit : 0)));
		v[F_MEMPERC] =
		    xasprintf("%.2f%%", limit && d ? (double)mem / (double)limit * 100.0 : 0.0);
		v[F_NET] = pair(fmt_size((int64_t)rx), fmt_size((int64_t)tx));
		v[F_BLOCK] = pair(fmt_size((int64_t)rd), fmt_size((int64_t)wr));
		v[F_PIDS] = xasprintf("%llu", (unsigned long long)num(d, "pids.current"));
		r = fmt_table_row(tab, v, &err);
		for (size_t f = 0; f < F_N; f++)
			free(v[f]);
		if (r < 0) {
			fprintf(stderr, "%s\n", err->msg);
			err_free(err);
			fmt_table_free(tab);
			return -1;
		}
	}
	fmt_table_flush(tab, stdout);
	fmt_table_free(tab);
	fflush(stdout);
	return 0;
}

int kist_stats(const struct kist *k, const struct kverb *v, char **args, const char *const *vals,
	       struct err **err)
{
	char **names = NULL;
	struct target *t = NULL;
	size_t n = 0;
	bool live = !vals[S_NO_STREAM], tty = isatty(STDOUT_FILENO);
	int ret = EXIT_OK;

	(void)v;
	(void)err;
	for (size_t i = 0; args && args[i]; i++)
		if (streq(args[i], "--")) {
			names = &args[i + 1];
			break;
		}
	{
		/* a bad template fails before anything is sampled */
		struct err *e2 = NULL;
		struct fmt_table *check =
		    fmt_table_new(vals[S_FORMAT], default_table, fields, F_N, &e2);
		if (!check) {
			/* as kist ps (kist-store's listing) says it */
			fprintf(stderr, "%s\n", e2->msg);
			err_free(e2);
			return EXIT_FAIL;
		}
		fmt_table_free(check);
	}
	if (list_targets(k, names, vals[S_ALL] != NULL, &t, &n) < 0)
		return EXIT_FAIL;
	/* CPU % needs two samples: the first a second before the table */
	sample(t, n);
	for (;;) {
		struct timespec second = {1, 0};

		nanosleep(&second, NULL);
		if (live) {
			/* containers come and go (or stop) while the table runs */
			struct target *next = NULL;
			size_t n_next = 0;
			if (list_targets(k, names, vals[S_ALL] != NULL, &next, &n_next) < 0) {
				ret = EXIT_FAIL;
				break;
			}
			carry_over(t, n, next, n_next);
			targets_free(t, n);
			t = next;
			n = n_next;
		}
		sample(t, n);
		if (live && tty)
			fputs("\033[2J\033[H", stdout); /* docker: clear, home */
		if (print_frame(vals[S_FORMAT], vals[S_NO_TRUNC] != NULL, t, n) < 0) {
			ret = EXIT_FAIL;
			break;
		}
		if (!live)
			break;
	}
	targets_free(t, n);
	return ret;
}
