/* cgroup_stats.c: a container's resource usage read from its cgroup (v1,
 * v2 or both on a hybrid host) and its network namespace, in the shape of
 * runc's `events --stats` data (cpu, memory, pids, blkio,
 * network_interfaces).  Counters are written as exact unsigned integers. */
#include "runtime/cgroup_stats.h"

#include <inttypes.h> /* PRIu64 */
#include <stdio.h>    /* FILE */
#include <stdlib.h>   /* strtoull */
#include <string.h>   /* strchr */
#include <unistd.h>   /* sysconf */
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/util.h"
#include "runtime/cgroup.h"

#define STAT_MAX (1 << 20)

static void add_u64(cJSON *o, const char *key, uint64_t v)
{
	char text[24];

	snprintf(text, sizeof(text), "%" PRIu64, v);
	cJSON_AddItemToObject(o, key, cJSON_CreateRaw(text));
}

static char *read_text(const char *dir, const char *file)
{
	cleanup_free char *p = NULL;
	char *text = NULL;

	if (!dir)
		return NULL;
	p = xasprintf("%s/%s", dir, file);
	if (fs_read_all(p, STAT_MAX, &text, NULL, NULL) < 0)
		return NULL;
	return text;
}

/* One number from dir/file; "max" (v2's no limit) reads as UINT64_MAX. */
static bool read_u64(const char *dir, const char *file, uint64_t *out)
{
	cleanup_free char *text = read_text(dir, file);
	char *end;

	if (!text)
		return false;
	if (str_has_prefix(text, "max")) {
		*out = UINT64_MAX;
		return true;
	}
	*out = strtoull(text, &end, 10);
	return end != text;
}

/* "key value" lines (memory.stat, cpu.stat) as a cJSON object of numbers. */
static cJSON *read_keyed(const char *dir, const char *file)
{
	cleanup_free char *text = read_text(dir, file);
	cJSON *o = cJSON_CreateObject();
	char *save = NULL;

	if (!text)
		return o;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' '), *end;
		uint64_t v;

		if (!sp)
			continue;
		*sp = '\0';
		v = strtoull(sp + 1, &end, 10);
		if (end != sp + 1)
			add_u64(o, line, v);
	}
	return o;
}

static uint64_t keyed(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return v && v->valuestring ? strtoull(v->valuestring, NULL, 10) : 0;
}

static void cpu_stats(const struct rt_cgroup *cg, cJSON *data)
{
	const char *acct = rt_cgroup_controller_dir(cg, "cpuacct");
	const char *cpu = rt_cgroup_controller_dir(cg, "cpu");
	cJSON *c = cJSON_AddObjectToObject(data, "cpu");
	cJSON *u = cJSON_AddObjectToObject(c, "usage"),
	      *t = cJSON_AddObjectToObject(c, "throttling");
	cJSON *percpu = cJSON_CreateArray();
	uint64_t total = 0, kernel = 0, user = 0;

	if (acct && acct != cg->v2_dir) {
		cleanup_json cJSON *st = read_keyed(acct, "cpuacct.stat");
		cleanup_free char *pc = read_text(acct, "cpuacct.usage_percpu");
		long hz = sysconf(_SC_CLK_TCK);
		uint64_t ns_per_tick = hz > 0 ? 1000000000ULL / (uint64_t)hz : 10000000ULL;

		(void)read_u64(acct, "cpuacct.usage", &total);
		user = keyed(st, "user") * ns_per_tick;
		kernel = keyed(st, "system") * ns_per_tick;
		for (char *p = pc; p && *p;) {
			char *end;
			uint64_t v = strtoull(p, &end, 10);
			char text[24];
			if (end == p)
				break;
			snprintf(text, sizeof(text), "%" PRIu64, v);
			cJSON_AddItemToArray(percpu, cJSON_CreateRaw(text));
			p = end;
		}
	} else if (cg->v2_dir) {
		/* cpu.stat is in every cgroup2 directory */
		cleanup_json cJSON *st = read_keyed(cg->v2_dir, "cpu.stat");
		total = keyed(st, "usage_usec") * 1000;
		user = keyed(st, "user_usec") * 1000;
		kernel = keyed(st, "system_usec") * 1000;
	}
	add_u64(u, "total", total);
	cJSON_AddItemToObject(u, "percpu", percpu);
	add_u64(u, "kernel", kernel);
	add_u64(u, "user", user);
	{
		cleanup_json cJSON *st = read_keyed(cpu ? cpu : cg->v2_dir, "cpu.stat");
		bool v2 = !cpu || cpu == cg->v2_dir;
		add_u64(t, "periods", keyed(st, "nr_periods"));
		add_u64(t, "throttledPeriods", keyed(st, "nr_throttled"));
		add_u64(t, "throttledTime",
			v2 ? keyed(st, "throttled_usec") * 1000 : keyed(st, "throttled_time"));
	}
}

static void memory_entry(cJSON *m, const char *key, const char *dir, const char *usage,
			 const char *max, const char *limit, const char *failcnt)
{
	cJSON *e = cJSON_AddObjectToObject(m, key);
	uint64_t v;

	add_u64(e, "limit", read_u64(dir, limit, &v) ? v : 0);
	add_u64(e, "usage", usage && read_u64(dir, usage, &v) ? v : 0);
	add_u64(e, "max", max && read_u64(dir, max, &v) ? v : 0);
	add_u64(e, "failcnt", failcnt && read_u64(dir, failcnt, &v) ? v : 0);
}

static void memory_stats(const struct rt_cgroup *cg, cJSON *data)
{
	const char *d = rt_cgroup_controller_dir(cg, "memory");
	cJSON *m = cJSON_AddObjectToObject(data, "memory"), *raw;

	if (d && d != cg->v2_dir) {
		memory_entry(m, "usage", d, "memory.usage_in_bytes", "memory.max_usage_in_bytes",
			     "memory.limit_in_bytes", "memory.failcnt");
		memory_entry(m, "swap", d, "memory.memsw.usage_in_bytes",
			     "memory.memsw.max_usage_in_bytes", "memory.memsw.limit_in_bytes",
			     "memory.memsw.failcnt");
		memory_entry(m, "kernel", d, "memory.kmem.usage_in_bytes",
			     "memory.kmem.max_usage_in_bytes", "memory.kmem.limit_in_bytes",
			     "memory.kmem.failcnt");
		raw = read_keyed(d, "memory.stat");
		add_u64(m, "cache", keyed(raw, "cache"));
	} else {
		/* v2: memory.current and memory.max, swap beside them; a
		 * cgroup2 directory without the controller reads as zeros */
		memory_entry(m, "usage", d, "memory.current", "memory.peak", "memory.max", NULL);
		memory_entry(m, "swap", d, "memory.swap.current", "memory.swap.peak",
			     "memory.swap.max", NULL);
		raw = read_keyed(d, "memory.stat");
		add_u64(m, "cache", keyed(raw, "file"));
	}
	cJSON_AddItemToObject(m, "raw", raw);
}

static void pids_stats(const struct rt_cgroup *cg, cJSON *data)
{
	const char *d = rt_cgroup_controller_dir(cg, "pids");
	cJSON *p = cJSON_AddObjectToObject(data, "pids");
	uint64_t v;

	add_u64(p, "current", read_u64(d, "pids.current", &v) ? v : 0);
	/* runc: no limit is 0 */
	add_u64(p, "limit", read_u64(d, "pids.max", &v) && v != UINT64_MAX ? v : 0);
}

static void blkio_entry(cJSON *arr, unsigned maj, unsigned min, const char *op, uint64_t v)
{
	cJSON *e = cJSON_CreateObject();

	add_u64(e, "major", maj);
	add_u64(e, "minor", min);
	cJSON_AddStringToObject(e, "op", op);
	add_u64(e, "value", v);
	cJSON_AddItemToArray(arr, e);
}

/* v1: "MAJ:MIN Op value" lines (the last, "Total value", has no device). */
static bool blkio_v1(const char *dir, const char *file, cJSON *arr)
{
	cleanup_free char *text = read_text(dir, file);
	char *save = NULL;
	bool any = false;

	for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		unsigned maj, min;
		char op[16];
		uint64_t v;

		if (sscanf(l, "%u:%u %15s %" SCNu64, &maj, &min, op, &v) == 4) {
			blkio_entry(arr, maj, min, op, v);
			any = true;
		}
	}
	return any;
}

/* v2: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ..." lines. */
static void blkio_v2(const char *dir, cJSON *arr)
{
	cleanup_free char *text = read_text(dir, "io.stat");
	char *save = NULL;

	for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		unsigned maj, min;
		const char *r = strstr(l, "rbytes="), *w = strstr(l, "wbytes=");

		if (sscanf(l, "%u:%u", &maj, &min) != 2)
			continue;
		blkio_entry(arr, maj, min, "Read", r ? strtoull(r + 7, NULL, 10) : 0);
		blkio_entry(arr, maj, min, "Write", w ? strtoull(w + 7, NULL, 10) : 0);
	}
}

static void blkio_stats(const struct rt_cgroup *cg, cJSON *data)
{
	const char *d = rt_cgroup_controller_dir(cg, "blkio");
	cJSON *b = cJSON_AddObjectToObject(data, "blkio");
	cJSON *arr = cJSON_AddArrayToObject(b, "ioServiceBytesRecursive");

	if (d && d != cg->v2_dir) {
		/* the CFQ counters when the scheduler keeps them, else the
		 * throttle layer's (as runc) */
		if (!blkio_v1(d, "blkio.io_service_bytes_recursive", arr))
			(void)blkio_v1(d, "blkio.throttle.io_service_bytes_recursive", arr);
	} else if ((d = rt_cgroup_controller_dir(cg, "io"))) {
		blkio_v2(d, arr);
	}
}

/* The container's interfaces as its network namespace counts them
 * (/proc/PID/net/dev), loopback left out. */
static void net_stats(pid_t pid, cJSON *data)
{
	static const char *const names[] = {
	    "rx_bytes", "rx_packets", "rx_errors", "rx_dropped", NULL,        NULL,
	    NULL,       NULL,         "tx_bytes",  "tx_packets", "tx_errors", "tx_dropped",
	};
	cJSON *arr = cJSON_AddArrayToObject(data, "network_interfaces");
	cleanup_free char *p = xasprintf("/proc/%d/net/dev", (int)pid);
	cleanup_file FILE *f = pid > 0 ? fopen(p, "re") : NULL;
	cleanup_free char *line = NULL;
	size_t cap = 0;

	while (f && getline(&line, &cap, f) > 0) {
		char *colon = strchr(line, ':'), *name = line, *s;
		cJSON *e;

		if (!colon)
			continue; /* the two header lines */
		*colon = '\0';
		while (*name == ' ')
			name++;
		if (streq(name, "lo"))
			continue;
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "name", name);
		s = colon + 1;
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			char *end;
			uint64_t v = strtoull(s, &end, 10);
			if (end == s)
				break;
			s = end;
			if (names[i])
				add_u64(e, names[i], v);
		}
		cJSON_AddItemToArray(arr, e);
	}
}

cJSON *rt_cgroup_stats(const struct rt_cgroup *cg, pid_t pid)
{
	cJSON *data = cJSON_CreateObject();

	cpu_stats(cg, data);
	memory_stats(cg, data);
	pids_stats(cg, data);
	blkio_stats(cg, data);
	cJSON_AddObjectToObject(data, "hugetlb");
	net_stats(pid, data);
	return data;
}
