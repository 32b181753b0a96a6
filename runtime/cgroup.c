/* cgroup.c: container cgroups on v1, v2 and hybrid hosts. */
#include "runtime/cgroup.h"

#include <errno.h>       /* errno */
#include <fcntl.h>       /* open */
#include <poll.h>        /* poll */
#include <signal.h>      /* kill */
#include <stdint.h>      /* uintptr_t */
#include <stdio.h>       /* FILE */
#include <stdlib.h>      /* free */
#include <string.h>      /* strchr */
#include <strings.h>     /* strcasecmp */
#include <linux/sched.h> /* struct clone_args, CLONE_INTO_CGROUP */
#include <sys/syscall.h> /* SYS_clone3 */
#include <sys/stat.h>    /* mkdir */
#include <time.h>        /* nanosleep */
#include <unistd.h>      /* rmdir */
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"
#include "runtime/clone.h"
#include "runtime/devices_bpf.h"
#include "spec/runtime_config.h"

static struct rt_cgroup_hier *hiers;
static size_t n_hiers;
static bool hiers_loaded;

static void load_hierarchies(void)
{
	cleanup_file FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0;

	if (hiers_loaded)
		return;
	hiers_loaded = true;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		/* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
		char *fields[6] = {0}, *sep, *save = NULL, *tok, *fstype, *super;
		int i = 0;

		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = 0;
		for (tok = strtok_r(line, " ", &save); tok && i < 6;
		     tok = strtok_r(NULL, " ", &save))
			fields[i++] = tok;
		if (i < 5)
			continue;
		save = NULL;
		fstype = strtok_r(sep + 3, " ", &save);
		strtok_r(NULL, " ", &save); /* source */
		super = strtok_r(NULL, " \n", &save);
		if (!fstype || (!streq(fstype, "cgroup") && !streq(fstype, "cgroup2")))
			continue;
		if (!streq(fields[3], "/"))
			continue; /* a bind of a sub-cgroup, not a hierarchy root */
		hiers = xrealloc(hiers, (n_hiers + 1) * sizeof(*hiers));
		hiers[n_hiers].mountpoint = xstrdup(fields[4]);
		hiers[n_hiers].v2 = streq(fstype, "cgroup2");
		hiers[n_hiers].options = NULL;
		if (!hiers[n_hiers].v2 && super) {
			/* keep the controller names (and name=), drop rw/relatime/... */
			struct buf b = BUF_INIT;
			char *save2 = NULL;
			for (tok = strtok_r(super, ",", &save2); tok;
			     tok = strtok_r(NULL, ",", &save2)) {
				if (streq(tok, "rw") || streq(tok, "ro") ||
				    str_has_prefix(tok, "release_agent") ||
				    streq(tok, "clone_children") || streq(tok, "noprefix") ||
				    streq(tok, "xattr") || streq(tok, "cpuset_v2_mode"))
					continue;
				if (b.len)
					buf_addch(&b, ',');
				buf_adds(&b, tok);
			}
			hiers[n_hiers].options = buf_detach(&b, NULL);
		}
		n_hiers++;
	}
	free(line);
}

const struct rt_cgroup_hier *rt_cgroup_hierarchies(size_t *n)
{
	load_hierarchies();
	*n = n_hiers;
	return hiers;
}

bool rt_cgroup_has_v1(void)
{
	load_hierarchies();
	for (size_t i = 0; i < n_hiers; i++)
		if (!hiers[i].v2)
			return true;
	return false;
}

bool rt_cgroup_has_v2(void)
{
	load_hierarchies();
	for (size_t i = 0; i < n_hiers; i++)
		if (hiers[i].v2)
			return true;
	return false;
}

static bool has_controller(const char *options, const char *ctrl)
{
	size_t n = strlen(ctrl);
	const char *p = options;

	while (p && *p) {
		if (strncmp(p, ctrl, n) == 0 && (p[n] == ',' || p[n] == 0))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

/* The directory for a v1 controller, or NULL if none mounts it. */
static const char *v1_dir(const struct rt_cgroup *cg, const char *ctrl)
{
	for (size_t i = 0, d = 0; i < n_hiers; i++) {
		if (hiers[i].v2)
			continue;
		if (hiers[i].options && !str_has_prefix(hiers[i].options, "name=")) {
			if (has_controller(hiers[i].options, ctrl))
				return cg->dirs[d];
			d++;
		}
	}
	return NULL;
}

static const char *hiers_v2_mount(void)
{
	for (size_t i = 0; i < n_hiers; i++)
		if (hiers[i].v2)
			return hiers[i].mountpoint;
	return NULL;
}

static bool v2_has_controller(const char *ctrl)
{
	static char *controllers;
	static bool loaded;

	if (!loaded) {
		loaded = true;
		for (size_t i = 0; i < n_hiers; i++) {
			if (hiers[i].v2) {
				cleanup_free char *p =
				    xasprintf("%s/cgroup.controllers", hiers[i].mountpoint);
				if (fs_read_all(p, 4096, &controllers, NULL, NULL) < 0)
					controllers = NULL;
				break;
			}
		}
	}
	if (!controllers)
		return false;
	for (char *p = controllers; (p = strstr(p, ctrl)); p++) {
		size_t n = strlen(ctrl);
		if ((p == controllers || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\n' || p[n] == 0))
			return true;
	}
	return false;
}

const char *rt_cgroup_controller_dir(const struct rt_cgroup *cg, const char *ctrl)
{
	const char *d;

	load_hierarchies();
	d = v1_dir(cg, ctrl);
	if (!d && cg->v2_dir && v2_has_controller(ctrl))
		d = cg->v2_dir;
	return d;
}

static int write_file(const char *dir, const char *file, const char *value, struct err **err)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, file);
	cleanup_close int fd = open(p, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return err_set(err, errno, "open '%s'", p);
	if (fs_write_all(fd, value, strlen(value)) < 0) {
		return err_set(err, errno, "write '%s' to '%s'", value, p);
	}
	return 0;
}

static int write_u64(const char *dir, const char *file, uint64_t v, struct err **err)
{
	char b[32];

	snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	return write_file(dir, file, b, err);
}

static int write_i64(const char *dir, const char *file, int64_t v, struct err **err)
{
	char b[32];

	snprintf(b, sizeof(b), "%lld", (long long)v);
	return write_file(dir, file, b, err);
}

int rt_cgroup_path(const char *cgroups_path, const char *id, bool systemd, char **out,
		   struct err **err)
{
	if (systemd) {
		cleanup_free char *slice = NULL, *prefix = NULL, *name = NULL;
		cleanup_buf struct buf path = BUF_INIT;
		const char *c1, *c2;

		if (!fs_exists("/run/systemd/system"))
			return err_set(err, 0,
				       "--systemd-cgroup: systemd is not running on this host (no "
				       "/run/systemd/system)");
		if (!cgroups_path)
			cgroups_path = "system.slice:kist:";
		c1 = strchr(cgroups_path, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c1 || !c2)
			return err_set(err, 0,
				       "'linux.cgroupsPath': expected \"slice:prefix:name\" with "
				       "--systemd-cgroup, got '%s'",
				       cgroups_path);
		slice = xstrndup(cgroups_path, (size_t)(c1 - cgroups_path));
		prefix = xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
		name = xstrdup(*(c2 + 1) ? c2 + 1 : id);
		if (*slice && !streq(slice, "-")) {
			/* a-b-c.slice lives at /a.slice/a-b.slice/a-b-c.slice */
			cleanup_free char *base = xstrdup(slice);
			char *dot = strstr(base, ".slice");
			if (dot)
				*dot = 0;
			for (char *d = strchr(base, '-'); d; d = strchr(d + 1, '-'))
				buf_addf(&path, "/%.*s.slice", (int)(d - base), base);
			buf_addf(&path, "/%s.slice", base);
		}
		*out = xasprintf("%s/%s%s%s.scope", path.data, prefix, *prefix ? "-" : "", name);
		return 0;
	}
	if (!cgroups_path) {
		*out = xasprintf("/%s", id); /* as runc: nothing left above it */
		return 0;
	}
	if (strstr(cgroups_path, "..") || strchr(cgroups_path, ':'))
		return err_set(err, 0,
			       "'linux.cgroupsPath': invalid path '%s' (no '..'; "
			       "\"slice:prefix:name\" needs --systemd-cgroup)",
			       cgroups_path);
	*out = xasprintf("%s%s", cgroups_path[0] == '/' ? "" : "/", cgroups_path);
	return 0;
}

int rt_cgroup_open(const char *path, struct rt_cgroup *cg, struct err **err)
{
	size_t d = 0;

	load_hierarchies();
	if (n_hiers == 0)
		return err_set(err, 0, "no cgroup file system is mounted on this host");
	cg->path = xstrdup(path);
	cg->dirs = xcalloc(n_hiers + 1, sizeof(char *));
	/* v1 controller hierarchies first (v1_dir counts on that order), then v2 */
	for (size_t i = 0; i < n_hiers; i++)
		if (!hiers[i].v2 && hiers[i].options && !str_has_prefix(hiers[i].options, "name="))
			cg->dirs[d++] = xasprintf("%s%s", hiers[i].mountpoint, path);
	for (size_t i = 0; i < n_hiers; i++)
		if (hiers[i].v2 && !cg->v2_dir) {
			cg->dirs[d] = xasprintf("%s%s", hiers[i].mountpoint, path);
			cg->v2_dir = cg->dirs[d++];
		}
	return 0;
}

void rt_cgroup_release(struct rt_cgroup *cg)
{
	free(cg->path);
	strv_free(cg->dirs);
	*cg = (struct rt_cgroup)RT_CGROUP_INIT;
}

/* v1 cpuset: a new directory starts with empty cpus/mems; copy the parent's. */
static int cpuset_init(const char *dir, struct err **err)
{
	const char *files[] = {"cpuset.cpus", "cpuset.mems"};

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		cleanup_free char *cur = NULL, *parent_val = NULL, *p = NULL, *pp = NULL;
		cleanup_free char *parent = xstrdup(dir);
		char *slash = strrchr(parent, '/');

		*slash = 0;
		p = xasprintf("%s/%s", dir, files[i]);
		if (fs_read_all(p, 65536, &cur, NULL, NULL) < 0 || (*cur && *cur != '\n'))
			continue;
		pp = xasprintf("%s/%s", parent, files[i]);
		if (fs_read_all(pp, 65536, &parent_val, NULL, err) < 0)
			return -1;
		if (!*parent_val || *parent_val == '\n') {
			if (cpuset_init(parent, err) < 0)
				return -1;
			free(parent_val);
			parent_val = NULL;
			if (fs_read_all(pp, 65536, &parent_val, NULL, err) < 0)
				return -1;
		}
		if (write_file(dir, files[i], parent_val, err) < 0)
			return -1;
	}
	return 0;
}

/* v2: enable the controllers we need in every ancestor's subtree_control. */
static int v2_enable(const char *mount, const char *path, struct err **err)
{
	static const char *const want[] = {"cpu", "cpuset", "io", "memory", "pids", "hugetlb"};
	cleanup_free char *rel = xstrdup(path);
	cleanup_free char *dir = xstrdup(mount);
	char *save = NULL, *comp, *next;

	comp = strtok_r(rel, "/", &save);
	while (comp) {
		cleanup_free char *sc = NULL;
		char *n;
		next = strtok_r(NULL, "/", &save);
		if (fs_read_all((n = xasprintf("%s/cgroup.subtree_control", dir)), 4096, &sc, NULL,
				NULL) == 0) {
			for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
				char v[32];
				if (!v2_has_controller(want[i]))
					continue;
				bool on = false;
				for (char *q = sc; (q = strstr(q, want[i])); q++)
					if ((q == sc || q[-1] == ' ') &&
					    (q[strlen(want[i])] == ' ' ||
					     q[strlen(want[i])] == '\n' || !q[strlen(want[i])]))
						on = true;
				if (on)
					continue;
				snprintf(v, sizeof(v), "+%s", want[i]);
				write_file(dir, "cgroup.subtree_control", v,
					   NULL); /* best effort */
			}
		}
		free(n);
		n = xasprintf("%s/%s", dir, comp);
		free(dir);
		dir = n;
		comp = next;
	}
	(void)err;
	return 0;
}

int rt_cgroup_create(struct rt_cgroup *cg, const struct spec_resources *res, struct err **err)
{
	for (size_t i = 0; cg->dirs[i]; i++) {
		const char *dir = cg->dirs[i];
		if (mkdir(dir, 0755) < 0) {
			if (errno == ENOENT) {
				if (fs_mkdir_p(dir, 0755, err) < 0)
					goto fail;
			} else if (errno != EEXIST) {
				err_set(err, errno, "create cgroup '%s'", dir);
				goto fail;
			}
		}
		if (dir == cg->v2_dir) {
			if (v2_enable(hiers_v2_mount(), cg->path, err) < 0)
				goto fail;
		}
	}
	{
		const char *cs = v1_dir(cg, "cpuset");
		if (cs && cpuset_init(cs, err) < 0)
			goto fail;
	}
	if (res && rt_cgroup_apply(cg, res, err) < 0)
		goto fail;
	return 0;
fail:
	rt_cgroup_destroy(cg, NULL);
	return -1;
}

/* cpu.shares (2..262144) -> cpu.weight (1..10000), as runc converts. */
static uint64_t shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

static int apply_memory(const struct rt_cgroup *cg, const struct spec_resources *r,
			struct err **err)
{
	const char *d = v1_dir(cg, "memory");

	if (d) {
		/* memsw must stay >= limit: order the writes so each one is valid */
		bool swap_first = false;
		if (r->has_memory_limit && r->memory_limit == -1 && !r->has_memory_swap) {
			/* no memory limit leaves no room for a memory+swap one
			 * (runc lifts both) */
			cleanup_free char *p = xasprintf("%s/memory.memsw.limit_in_bytes", d);
			if (fs_exists(p) &&
			    write_i64(d, "memory.memsw.limit_in_bytes", -1, err) < 0)
				return -1;
		}
		if (r->has_memory_swap && r->has_memory_limit && r->memory_swap != 0) {
			cleanup_free char *cur = NULL,
					  *p = xasprintf("%s/memory.memsw.limit_in_bytes", d);
			if (fs_read_all(p, 64, &cur, NULL, NULL) == 0 && r->memory_limit >= 0 &&
			    (unsigned long long)r->memory_limit > strtoull(cur, NULL, 10))
				swap_first = true;
		}
		if (swap_first &&
		    write_i64(d, "memory.memsw.limit_in_bytes", r->memory_swap, err) < 0)
			return -1;
		if (r->has_memory_limit && r->memory_limit != 0 &&
		    write_i64(d, "memory.limit_in_bytes", r->memory_limit, err) < 0)
			return -1;
		if (!swap_first && r->has_memory_swap && r->memory_swap != 0) {
			cleanup_free char *p = xasprintf("%s/memory.memsw.limit_in_bytes", d);
			if (!fs_exists(p))
				return err_set(err, ENOTSUP,
					       "'linux.resources.memory.swap': swap accounting is "
					       "off on this host (no memory.memsw.limit_in_bytes)");
			if (write_i64(d, "memory.memsw.limit_in_bytes", r->memory_swap, err) < 0)
				return -1;
		}
		if (r->has_memory_reservation && r->memory_reservation != 0 &&
		    write_i64(d, "memory.soft_limit_in_bytes", r->memory_reservation, err) < 0)
			return -1;
		if (r->has_swappiness && write_u64(d, "memory.swappiness", r->swappiness, err) < 0)
			return -1;
		if (r->has_disable_oom_killer && r->disable_oom_killer &&
		    write_file(d, "memory.oom_control", "1", err) < 0)
			return -1;
		return 0;
	}
	if (cg->v2_dir && v2_has_controller("memory")) {
		d = cg->v2_dir;
		if (r->has_memory_limit && r->memory_limit != 0 &&
		    (r->memory_limit < 0 ? write_file(d, "memory.max", "max", err)
					 : write_i64(d, "memory.max", r->memory_limit, err)) < 0)
			return -1;
		if (r->has_memory_reservation && r->memory_reservation != 0 &&
		    (r->memory_reservation < 0
			 ? write_file(d, "memory.low", "max", err)
			 : write_i64(d, "memory.low", r->memory_reservation, err)) < 0)
			return -1;
		if (r->has_memory_swap && r->memory_swap != 0) {
			if (r->memory_swap < 0) {
				if (write_file(d, "memory.swap.max", "max", err) < 0)
					return -1;
			} else if (r->has_memory_limit && r->memory_limit > 0) {
				if (write_i64(d, "memory.swap.max",
					      r->memory_swap - r->memory_limit, err) < 0)
					return -1;
			}
		}
		return 0;
	}
	if (r->has_memory_limit || r->has_memory_reservation || r->has_memory_swap)
		return err_set(
		    err, 0, "'linux.resources.memory': no memory cgroup controller on this host");
	return 0;
}

/* A v1 period and the amount of it a group may use (cfs quota, real-time
 * runtime), each written when given (nonzero period).  The period goes
 * first, unless the kernel refuses it under the old amount (EINVAL: a
 * shorter period can exceed a parent's limit, or fall below the runtime)
 * and a new amount is to be written: then it goes after that. */
static int write_period_and_amount(const char *d, const char *pfile, bool has_period,
				   uint64_t period, const char *afile, bool has_amount,
				   int64_t amount, struct err **err)
{
	bool period_later = false;
	cleanup_err struct err *pe = NULL;

	if (has_period && period && write_u64(d, pfile, period, &pe) < 0) {
		if (pe->code != EINVAL || !has_amount)
			return err_set_code(err, pe->code, "%s", pe->msg);
		period_later = true;
	}
	if (has_amount && write_i64(d, afile, amount, err) < 0)
		return -1;
	if (period_later && write_u64(d, pfile, period, err) < 0)
		return -1;
	return 0;
}

static int apply_cpu(const struct rt_cgroup *cg, const struct spec_resources *r, struct err **err)
{
	const char *d = v1_dir(cg, "cpu");

	if (d) {
		if (r->has_cpu_shares && r->cpu_shares &&
		    write_u64(d, "cpu.shares", r->cpu_shares, err) < 0)
			return -1;
		if (write_period_and_amount(d, "cpu.cfs_period_us", r->has_cpu_period,
					    r->cpu_period, "cpu.cfs_quota_us",
					    r->has_cpu_quota && r->cpu_quota, r->cpu_quota,
					    err) < 0)
			return -1;
		if (r->has_cpu_burst && write_u64(d, "cpu.cfs_burst_us", r->cpu_burst, err) < 0)
			return -1;
		if (r->has_cpu_idle && write_i64(d, "cpu.idle", r->cpu_idle, err) < 0)
			return -1;
		/* real-time bandwidth: a task with a real-time policy may only
		 * be in a group that has runtime */
		if (write_period_and_amount(d, "cpu.rt_period_us", r->has_cpu_rt_period,
					    r->cpu_rt_period, "cpu.rt_runtime_us",
					    r->has_cpu_rt_runtime, r->cpu_rt_runtime, err) < 0)
			return err_wrap(err, "'linux.resources.cpu'");
	} else if (r->has_cpu_rt_runtime || r->has_cpu_rt_period) {
		/* cgroup v2 has no real-time bandwidth */
		return err_set(
		    err, 0,
		    "'linux.resources.cpu': realtimeRuntime and realtimePeriod need a v1 "
		    "cpu controller, this host has none");
	} else if (cg->v2_dir && v2_has_controller("cpu")) {
		d = cg->v2_dir;
		if (r->has_cpu_shares && r->cpu_shares &&
		    write_u64(d, "cpu.weight", shares_to_weight(r->cpu_shares), err) < 0)
			return -1;
		if ((r->has_cpu_quota && r->cpu_quota) || (r->has_cpu_period && r->cpu_period)) {
			char v[64];
			uint64_t period =
			    r->has_cpu_period && r->cpu_period ? r->cpu_period : 100000;
			if (r->has_cpu_quota && r->cpu_quota > 0)
				snprintf(v, sizeof(v), "%lld %llu", (long long)r->cpu_quota,
					 (unsigned long long)period);
			else
				snprintf(v, sizeof(v), "max %llu", (unsigned long long)period);
			if (write_file(d, "cpu.max", v, err) < 0)
				return -1;
		}
		if (r->has_cpu_burst && write_u64(d, "cpu.max.burst", r->cpu_burst, err) < 0)
			return -1;
		if (r->has_cpu_idle && write_i64(d, "cpu.idle", r->cpu_idle, err) < 0)
			return -1;
	} else if (r->has_cpu_shares || r->has_cpu_quota || r->has_cpu_period) {
		return err_set(err, 0,
			       "'linux.resources.cpu': no cpu cgroup controller on this host");
	}
	if (r->cpus || r->mems) {
		d = v1_dir(cg, "cpuset");
		if (!d && cg->v2_dir && v2_has_controller("cpuset"))
			d = cg->v2_dir;
		if (!d)
			return err_set(
			    err, 0,
			    "'linux.resources.cpu.cpus': no cpuset cgroup controller on this host");
		if (r->cpus && write_file(d, "cpuset.cpus", r->cpus, err) < 0)
			return err_wrap(err, "'linux.resources.cpu.cpus'");
		if (r->mems && write_file(d, "cpuset.mems", r->mems, err) < 0)
			return err_wrap(err, "'linux.resources.cpu.mems'");
	}
	return 0;
}

/* The devices every container gets after its own rules (runc's list):
 * null, zero, full, random, urandom, tty, ptmx, the ptys, tun. */
static const struct spec_device_rule default_devices[] = {
    {true, 'c', 1, 3, "rwm"}, {true, 'c', 1, 5, "rwm"},    {true, 'c', 1, 7, "rwm"},
    {true, 'c', 1, 8, "rwm"}, {true, 'c', 1, 9, "rwm"},    {true, 'c', 5, 0, "rwm"},
    {true, 'c', 5, 2, "rwm"}, {true, 'c', 136, -1, "rwm"}, {true, 'c', 10, 200, "rwm"},
};

/* One rule to the v1 devices controller in d.  fds[0] and fds[1] are its
 * devices.deny and devices.allow, opened at their first rule: every write
 * to them is a rule of its own. */
static int write_device_rule(const char *d, int fds[2], const struct spec_device_rule *dr,
			     struct err **err)
{
	const char *file = dr->allow ? "devices.allow" : "devices.deny";
	int *fd = &fds[dr->allow ? 1 : 0];
	char rule[96], maj[24], min[24];

	if (dr->major < 0)
		strcpy(maj, "*");
	else
		snprintf(maj, sizeof(maj), "%lld", (long long)dr->major);
	if (dr->minor < 0)
		strcpy(min, "*");
	else
		snprintf(min, sizeof(min), "%lld", (long long)dr->minor);
	if (dr->type == 'a')
		snprintf(rule, sizeof(rule), "a");
	else
		snprintf(rule, sizeof(rule), "%c %s:%s %s", dr->type, maj, min, dr->access);
	if (*fd < 0) {
		cleanup_free char *p = xasprintf("%s/%s", d, file);
		*fd = open(p, O_WRONLY | O_CLOEXEC);
		if (*fd < 0)
			return err_set(err, errno, "open '%s'", p);
	}
	if (fs_write_all(*fd, rule, strlen(rule)) < 0)
		return err_set(err, errno, "write '%s' to '%s/%s'", rule, d, file);
	return 0;
}

/* linux.resources.devices, then the defaults: the v1 devices controller
 * where there is one, else (cgroup v2) an eBPF program on the container's
 * cgroup2 directory. */
static int apply_devices(const struct rt_cgroup *cg, const struct spec_resources *r,
			 struct err **err)
{
	const char *d = v1_dir(cg, "devices");

	if (!r->n_devices)
		return 0;
	if (!d && cg->v2_dir) {
		size_t n = r->n_devices + ARRAY_SIZE(default_devices);
		cleanup_free struct spec_device_rule *all = xcalloc(n, sizeof(*all));

		memcpy(all, r->devices, r->n_devices * sizeof(*all));
		memcpy(all + r->n_devices, default_devices, sizeof(default_devices));
		if (rt_devices_bpf_apply(cg->v2_dir, all, n, err) < 0)
			return err_wrap(err, "'linux.resources.devices'");
		return 0;
	}
	if (!d)
		return 0;
	int fds[2] = {-1, -1}, ret = -1;
	for (size_t i = 0; i < r->n_devices; i++)
		if (write_device_rule(d, fds, &r->devices[i], err) < 0) {
			err_wrap(err, "'linux.resources.devices[%zu]'", i);
			goto out;
		}
	for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++)
		if (write_device_rule(d, fds, &default_devices[i], err) < 0)
			goto out;
	ret = 0;
out:
	fs_close(fds[0]);
	fs_close(fds[1]);
	return ret;
}

/* pageSize ("2MB", "1GB", "1024MB", "2048kB") named as the kernel names
 * its hugetlb files (in the largest unit it reaches: 1GB, 2MB, 64KB),
 * checked against the page sizes this host has. */
static int hugetlb_name(const char *ps, char *out, size_t n, struct err **err)
{
	unsigned long long v, bytes;
	char *end;
	char sys[80];

	errno = 0;
	v = strtoull(ps, &end, 10);
	if (errno || end == ps || !v)
		return err_set(err, 0, "invalid page size '%s'", ps);
	if (strcasecmp(end, "kB") == 0 || strcasecmp(end, "k") == 0)
		bytes = v << 10;
	else if (strcasecmp(end, "MB") == 0 || strcasecmp(end, "M") == 0)
		bytes = v << 20;
	else if (strcasecmp(end, "GB") == 0 || strcasecmp(end, "G") == 0)
		bytes = v << 30;
	else
		return err_set(err, 0, "invalid page size '%s' (want a number and kB, MB or GB)",
			       ps);
	snprintf(sys, sizeof(sys), "/sys/kernel/mm/hugepages/hugepages-%llukB", bytes >> 10);
	if (!fs_exists(sys))
		return err_set(err, 0, "page size '%s' is not a huge page size of this host", ps);
	if (bytes >= (1ULL << 30))
		snprintf(out, n, "%lluGB", bytes >> 30);
	else if (bytes >= (1ULL << 20))
		snprintf(out, n, "%lluMB", bytes >> 20);
	else
		snprintf(out, n, "%lluKB", bytes >> 10);
	return 0;
}

int rt_cgroup_apply(const struct rt_cgroup *cg, const struct spec_resources *r, struct err **err)
{
	const char *d;

	if (apply_memory(cg, r, err) < 0 || apply_cpu(cg, r, err) < 0 ||
	    apply_devices(cg, r, err) < 0)
		return -1;
	if (r->has_pids_limit) {
		d = v1_dir(cg, "pids");
		if (!d && cg->v2_dir && v2_has_controller("pids"))
			d = cg->v2_dir;
		if (!d)
			return err_set(
			    err, 0,
			    "'linux.resources.pids': no pids cgroup controller on this host");
		if ((r->pids_limit > 0 ? write_i64(d, "pids.max", r->pids_limit, err)
				       : write_file(d, "pids.max", "max", err)) < 0)
			return -1;
	}
	if (r->has_blkio_weight) {
		const char *v1 = v1_dir(cg, "blkio");
		bool done = false;
		if (v1) {
			const char *files[] = {"blkio.weight", "blkio.bfq.weight"};
			for (size_t i = 0; i < ARRAY_SIZE(files) && !done; i++) {
				cleanup_free char *p = xasprintf("%s/%s", v1, files[i]);
				if (fs_exists(p)) {
					if (write_u64(v1, files[i], r->blkio_weight, err) < 0)
						return -1;
					done = true;
				}
			}
		} else if (cg->v2_dir && v2_has_controller("io")) {
			const char *files[] = {"io.weight", "io.bfq.weight"};
			for (size_t i = 0; i < ARRAY_SIZE(files) && !done; i++) {
				cleanup_free char *p = xasprintf("%s/%s", cg->v2_dir, files[i]);
				if (fs_exists(p)) {
					char v[32];
					snprintf(v, sizeof(v), "default %u", r->blkio_weight);
					if (write_file(cg->v2_dir, files[i], i ? v : v + 8, err) <
					    0)
						return -1;
					done = true;
				}
			}
		}
		if (!done)
			return err_set(
			    err, ENOTSUP,
			    "'linux.resources.blockIO.weight': the host's io scheduler has no "
			    "weights (no blkio.weight, blkio.bfq.weight or io.weight)");
	}
	for (size_t i = 0; i < r->n_hugepages; i++) {
		const struct spec_hugepage_limit *h = &r->hugepages[i];
		cleanup_free char *f = NULL;
		char name[32];
		if (hugetlb_name(h->page_size, name, sizeof(name), err) < 0)
			return err_wrap(err, "'linux.resources.hugepageLimits[%zu].pageSize'", i);
		d = v1_dir(cg, "hugetlb");
		if (d)
			f = xasprintf("hugetlb.%s.limit_in_bytes", name);
		else if (cg->v2_dir && v2_has_controller("hugetlb")) {
			d = cg->v2_dir;
			f = xasprintf("hugetlb.%s.max", name);
		} else
			return err_set(err, 0,
				       "'linux.resources.hugepageLimits': no hugetlb cgroup "
				       "controller on this host");
		if (write_u64(d, f, h->limit, err) < 0)
			return err_wrap(err, "'linux.resources.hugepageLimits[%zu]'", i);
	}
	for (size_t i = 0; r->unified && r->unified[i]; i++) {
		cleanup_free char *k = xstrdup(r->unified[i]);
		char *eq = strchr(k, '=');
		*eq = 0;
		if (!cg->v2_dir)
			return err_set(
			    err, 0, "'linux.resources.unified': no cgroup2 hierarchy on this host");
		if (strchr(k, '/') || streq(k, "..") || streq(k, "."))
			return err_set(err, 0, "'linux.resources.unified': invalid file name '%s'",
				       k);
		if (write_file(cg->v2_dir, k, eq + 1, err) < 0)
			return err_wrap(err, "'linux.resources.unified.%s'", k);
	}
	return 0;
}

/* Point *dir at its existing sub-cgroup sub. */
static int descend(char **dir, const char *sub, struct err **err)
{
	char *p = xasprintf("%s/%s", *dir, sub);

	if (!fs_exists(p)) {
		err_set(err, 0, "--cgroup: sub-cgroup '%s' does not exist", p);
		free(p);
		return -1;
	}
	free(*dir);
	*dir = p;
	return 0;
}

int rt_cgroup_use_sub(struct rt_cgroup *cg, const char *spec, struct err **err)
{
	const char *colon = strchr(spec, ':');
	cleanup_free char *ctrl = colon ? xstrndup(spec, (size_t)(colon - spec)) : NULL;
	const char *sub = colon ? colon + 1 : spec;
	bool matched = false;
	size_t d = 0;

	while (*sub == '/')
		sub++;
	if (!*sub || strstr(sub, ".."))
		return err_set(err, 0, "--cgroup: invalid sub-cgroup '%s'", spec);
	/* the v1 controller hierarchies, in rt_cgroup_open's order */
	for (size_t i = 0; i < n_hiers; i++) {
		if (hiers[i].v2 || !hiers[i].options || str_has_prefix(hiers[i].options, "name="))
			continue;
		if (!ctrl || (*ctrl && has_controller(hiers[i].options, ctrl))) {
			if (descend(&cg->dirs[d], sub, err) < 0)
				return -1;
			matched = true;
		}
		d++;
	}
	/* then the cgroup2 one: without a controller, or with an empty one */
	if (cg->v2_dir && (!ctrl || !*ctrl)) {
		if (descend(&cg->dirs[d], sub, err) < 0)
			return -1;
		cg->v2_dir = cg->dirs[d];
		matched = true;
	}
	if (!matched)
		return err_set(err, 0, "--cgroup: no cgroup hierarchy on this host has '%s'",
			       ctrl ? ctrl : spec);
	return 0;
}

const char *rt_cgroup_clone_dir(const struct rt_cgroup *cg, bool setup_unlimited)
{
	if (!cg->v2_dir)
		return NULL;
	if (v1_dir(cg, "memory") && v1_dir(cg, "devices"))
		return cg->v2_dir;
	return setup_unlimited ? cg->v2_dir : NULL;
}

pid_t rt_cgroup_clone(int flags, const char *cgdir, const struct rt_clone_vm *vm, bool *into)
{
	struct clone_args a = {.flags = (uint64_t)(unsigned)flags, .exit_signal = SIGCHLD};
	int fd = cgdir ? open(cgdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	pid_t pid = -1;

	*into = false;
	if (vm) {
		*vm->inherited_fd = fd;
		a.flags |= CLONE_VM;
		a.stack = (uint64_t)(uintptr_t)vm->stack;
		a.stack_size = vm->stack_size;
	}
	if (fd >= 0) {
		a.flags |= CLONE_INTO_CGROUP;
		a.cgroup = (uint64_t)fd;
		pid = (pid_t)(vm ? rt_clone3_shared(&a, vm->fn, vm->arg)
				 : syscall(SYS_clone3, &a, sizeof(a)));
		fs_close(fd);
		if (pid >= 0) {
			/* the shared child reads it only after the first message */
			*into = true;
			return pid;
		}
		a.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
		a.cgroup = 0;
		if (vm)
			*vm->inherited_fd = -1;
	}
	if (vm)
		return (pid_t)rt_clone3_shared(&a, vm->fn, vm->arg);
	return (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

int rt_cgroup_open_self(const struct rt_cgroup *cg, bool skip_v2, int **fds, struct err **err)
{
	size_t n = 0;
	int *v;

	while (cg->dirs && cg->dirs[n])
		n++;
	v = xcalloc(n + 1, sizeof(*v));
	n = 0;
	for (size_t i = 0; cg->dirs && cg->dirs[i]; i++) {
		bool v2 = cg->v2_dir && streq(cg->dirs[i], cg->v2_dir);
		cleanup_free char *p = NULL;

		if (v2 && skip_v2)
			continue;
		p = xasprintf("%s/%s", cg->dirs[i], v2 ? "cgroup.procs" : "tasks");
		v[n] = open(p, O_WRONLY | O_CLOEXEC);
		if (v[n] < 0) {
			err_set(err, errno, "join cgroup: open '%s'", p);
			v[n] = -1;
			rt_cgroup_close_self(v);
			return -1;
		}
		n++;
	}
	v[n] = -1;
	*fds = v;
	return 0;
}

int rt_cgroup_enter_self(int *fds, struct err **err)
{
	int ret = 0;

	for (size_t i = 0; fds && fds[i] >= 0; i++)
		if (ret == 0 && write(fds[i], "0", 1) < 0)
			ret = err_set(err, errno, "join cgroup");
	rt_cgroup_close_self(fds);
	return ret;
}

void rt_cgroup_close_self(int *fds)
{
	for (size_t i = 0; fds && fds[i] >= 0; i++)
		close(fds[i]);
	free(fds);
}

/* The directory whose cgroup.procs we read: pids or memory, else v2, else the first. */
static const char *procs_dir(const struct rt_cgroup *cg)
{
	const char *d = v1_dir(cg, "pids");

	if (!d)
		d = v1_dir(cg, "memory");
	if (!d)
		d = cg->v2_dir;
	if (!d)
		d = cg->dirs[0];
	return d;
}

int rt_cgroup_pids(const struct rt_cgroup *cg, pid_t **out, size_t *n, struct err **err)
{
	const char *d = procs_dir(cg);
	cleanup_free char *p = NULL, *text = NULL;
	pid_t *v = NULL;
	size_t k = 0, cap = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return 0;
	p = xasprintf("%s/cgroup.procs", d);
	if (fs_read_all(p, 16 << 20, &text, NULL, err) < 0)
		return -1;
	for (char *s = text; *s;) {
		char *end;
		long pid = strtol(s, &end, 10);
		if (end == s)
			break;
		if (k == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[k++] = (pid_t)pid;
		s = end;
		while (*s == '\n')
			s++;
	}
	*out = v;
	*n = k;
	return 0;
}

int rt_cgroup_signal_all(const struct rt_cgroup *cg, int sig, struct err **err)
{
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;

	if (rt_cgroup_pids(cg, &pids, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			return err_set(err, errno, "kill %d", (int)pids[i]);
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

bool rt_cgroup_is_frozen(const struct rt_cgroup *cg)
{
	const char *d = v1_dir(cg, "freezer");
	cleanup_free char *v = NULL, *p = NULL;

	if (d) {
		p = xasprintf("%s/freezer.state", d);
		if (fs_read_all(p, 64, &v, NULL, NULL) < 0)
			return false;
		return str_has_prefix(v, "FROZEN") || str_has_prefix(v, "FREEZING");
	}
	if (cg->v2_dir) {
		p = xasprintf("%s/cgroup.freeze", cg->v2_dir);
		if (fs_read_all(p, 64, &v, NULL, NULL) < 0)
			return false;
		return v[0] == '1';
	}
	return false;
}

int rt_cgroup_freeze(const struct rt_cgroup *cg, bool freeze, struct err **err)
{
	const char *d = v1_dir(cg, "freezer");

	if (d) {
		const char *want = freeze ? "FROZEN" : "THAWED";
		for (int i = 0; i < 2000; i++) {
			cleanup_free char *v = NULL, *p = xasprintf("%s/freezer.state", d);
			if (write_file(d, "freezer.state", want, err) < 0)
				return -1;
			if (fs_read_all(p, 64, &v, NULL, err) < 0)
				return -1;
			if (str_has_prefix(v, want))
				return 0;
			sleep_ms(1);
		}
		return err_set(err, 0, "freezer of '%s' did not reach %s", d, want);
	}
	if (cg->v2_dir) {
		if (write_file(cg->v2_dir, "cgroup.freeze", freeze ? "1" : "0", err) < 0)
			return -1;
		for (int i = 0; i < 2000; i++) {
			cleanup_free char *v = NULL, *p = xasprintf("%s/cgroup.events", cg->v2_dir);
			if (fs_read_all(p, 4096, &v, NULL, err) < 0)
				return -1;
			char *f = strstr(v, "frozen ");
			if (f && f[7] == (freeze ? '1' : '0'))
				return 0;
			sleep_ms(1);
		}
		return err_set(err, 0, "cgroup '%s' did not %s", cg->v2_dir,
			       freeze ? "freeze" : "thaw");
	}
	return err_set(err, 0, "no freezer cgroup controller on this host");
}

/* The sub-cgroups of dir (names of its directories), or NULL. */
static char **sub_cgroups(const char *dir)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names, **subs = NULL;

	if (fd < 0 || !(names = fs_dir_names(fd, true)))
		return NULL;
	for (size_t i = 0; names[i]; i++) {
		struct stat sb;
		if (fstatat(fd, names[i], &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode))
			strv_push(&subs, names[i]);
	}
	strv_free(names);
	return subs;
}

/* Thaw dir itself (v1 freezer.state or v2 cgroup.freeze), if it has one. */
static void thaw_one(const char *dir)
{
	cleanup_free char *v1 = xasprintf("%s/freezer.state", dir);
	cleanup_free char *v2 = xasprintf("%s/cgroup.freeze", dir);

	if (fs_exists(v1))
		write_file(dir, "freezer.state", "THAWED", NULL);
	else if (fs_exists(v2))
		write_file(dir, "cgroup.freeze", "0", NULL);
}

/* SIGKILL every process in dir and its sub-cgroups, and thaw each level (a
 * frozen task dies only once thawed; a sub-cgroup may be frozen on its own).
 * Returns how many processes were signalled. */
static size_t kill_tree(const char *dir, int depth)
{
	cleanup_free char *procs = xasprintf("%s/cgroup.procs", dir), *text = NULL;
	char **subs;
	size_t n = 0;

	if (fs_read_all(procs, 16 << 20, &text, NULL, NULL) == 0) {
		for (char *s = text, *end; *s; s = end) {
			long pid = strtol(s, &end, 10);
			if (end == s)
				break;
			if (pid > 0 && kill((pid_t)pid, SIGKILL) == 0)
				n++;
			while (*end == '\n')
				end++;
		}
	}
	thaw_one(dir);
	if (depth > 32 || !(subs = sub_cgroups(dir)))
		return n;
	for (size_t i = 0; subs[i]; i++) {
		cleanup_free char *sub = xasprintf("%s/%s", dir, subs[i]);
		n += kill_tree(sub, depth + 1);
	}
	strv_free(subs);
	return n;
}

/* rmdir dir after its sub-cgroups, deepest first; EBUSY is retried while
 * the killed processes are being reaped. */
static int rmdir_tree(const char *dir, int depth, struct err **err)
{
	char **subs = depth <= 32 ? sub_cgroups(dir) : NULL;
	int tries = 0;

	for (size_t i = 0; subs && subs[i]; i++) {
		cleanup_free char *sub = xasprintf("%s/%s", dir, subs[i]);
		if (rmdir_tree(sub, depth + 1, err) < 0) {
			strv_free(subs);
			return -1;
		}
	}
	strv_free(subs);
	while (rmdir(dir) < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == EBUSY && tries++ < 500) {
			if (tries % 50 == 0)
				kill_tree(dir, depth);
			sleep_ms(2);
			continue;
		}
		return err_set(err, errno, "remove cgroup '%s'", dir);
	}
	return 0;
}

int rt_cgroup_destroy(const struct rt_cgroup *cg, struct err **err)
{
	int ret = 0;

	if (!cg->dirs)
		return 0;
	/* The common case: the init is reaped, its pid namespace took every
	 * other process with it and nothing made sub-cgroups, so each
	 * directory goes with one rmdir (the kernel refuses it while a task
	 * or a child cgroup is left).  Only when one is refused does the walk
	 * below look inside. */
	{
		bool all = true;
		for (size_t i = 0; cg->dirs[i]; i++)
			if (rmdir(cg->dirs[i]) < 0 && errno != ENOENT)
				all = false;
		if (all)
			return 0;
	}
	/* anything left (in the container's cgroup or below) gets SIGKILL */
	for (int round = 0; round < 1000; round++) {
		size_t n = 0;
		for (size_t i = 0; cg->dirs[i]; i++)
			n += kill_tree(cg->dirs[i], 0);
		if (n == 0)
			break;
		sleep_ms(round < 10 ? 1 : 5);
	}
	for (size_t i = 0; cg->dirs[i]; i++)
		if (rmdir_tree(cg->dirs[i], 0, ret < 0 ? NULL : err) < 0)
			ret = -1;
	return ret;
}
