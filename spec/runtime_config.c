/* runtime_config.c: config.json -> struct spec_config, validated. */
#include "spec/runtime_config.h"

#include <errno.h>        /* EINVAL */
#include <math.h>         /* isfinite */
#include <stdlib.h>       /* free */
#include <string.h>       /* strcmp */
#include <sys/resource.h> /* RLIMIT_* */
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/util.h"

static const char *const ns_names[SPEC_NS_COUNT] = {
    [SPEC_NS_PID] = "pid",       [SPEC_NS_NETWORK] = "network", [SPEC_NS_MOUNT] = "mount",
    [SPEC_NS_IPC] = "ipc",       [SPEC_NS_UTS] = "uts",         [SPEC_NS_USER] = "user",
    [SPEC_NS_CGROUP] = "cgroup", [SPEC_NS_TIME] = "time",
};

const char *spec_ns_name(enum spec_ns_type t)
{
	return (unsigned)t < SPEC_NS_COUNT ? ns_names[t] : "?";
}

int spec_ns_from_name(const char *name)
{
	for (int i = 0; i < SPEC_NS_COUNT; i++)
		if (streq(ns_names[i], name))
			return i;
	return -1;
}

static const struct {
	const char *name;
	int res;
} rlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

int spec_rlimit_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(rlimits); i++)
		if (streq(rlimits[i].name, name))
			return rlimits[i].res;
	return -1;
}

const struct spec_namespace *spec_config_ns(const struct spec_config *c, enum spec_ns_type t)
{
	for (size_t i = 0; i < c->n_namespaces; i++)
		if (c->namespaces[i].type == t)
			return &c->namespaces[i];
	return NULL;
}

/* A non-negative integer up to 2^64-1 (JSON numbers are doubles: anything at
 * or above 2^64 saturates, which is what RLIM_INFINITY written as
 * 18446744073709551615 becomes). */
static int get_uint64(const cJSON *obj, const char *path, const char *key, bool required,
		      uint64_t *out, struct err **err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	double v;

	if (!it || cJSON_IsNull(it)) {
		if (required)
			return err_set(err, 0, "'%s.%s' is required", path, key);
		return 0;
	}
	v = cJSON_IsNumber(it) ? it->valuedouble : -1;
	/* range first: converting a double at or past 2^64 is undefined */
	if (!(v >= 0))
		return err_set(err, 0, "'%s.%s' must be a non-negative integer", path, key);
	if (v >= 18446744073709551615.0) {
		*out = UINT64_MAX;
		return 1;
	}
	if (v != (double)(uint64_t)v)
		return err_set(err, 0, "'%s.%s' must be a non-negative integer", path, key);
	*out = (uint64_t)v;
	return 1;
}

/* ---- resources ---- */

static int parse_memory(const cJSON *res, const char *path, struct spec_resources *r,
			struct err **err)
{
	const cJSON *m = NULL;
	cleanup_free char *p = xasprintf("%s.memory", path);
	int ret;

	if ((ret = json_get_object(res, path, "memory", false, &m, err)) <= 0)
		return ret;
	if ((ret = json_get_int64(m, p, "limit", false, &r->memory_limit, err)) < 0)
		return -1;
	r->has_memory_limit = ret;
	if ((ret = json_get_int64(m, p, "reservation", false, &r->memory_reservation, err)) < 0)
		return -1;
	r->has_memory_reservation = ret;
	if ((ret = json_get_int64(m, p, "swap", false, &r->memory_swap, err)) < 0)
		return -1;
	r->has_memory_swap = ret;
	if ((ret = get_uint64(m, p, "swappiness", false, &r->swappiness, err)) < 0)
		return -1;
	r->has_swappiness = ret;
	if (ret && r->swappiness > 100)
		return err_set(err, 0, "'%s.swappiness' must be between 0 and 100", p);
	if ((ret = json_get_bool(m, p, "disableOOMKiller", false, &r->disable_oom_killer, err)) < 0)
		return -1;
	r->has_disable_oom_killer = ret;
	if (r->has_memory_limit && r->memory_limit < -1)
		return err_set(err, 0, "'%s.limit' must be -1 (unlimited) or a size in bytes", p);
	if (r->has_memory_limit && r->memory_limit > 0 && r->has_memory_swap &&
	    r->memory_swap > 0 && r->memory_swap < r->memory_limit)
		return err_set(err, 0,
			       "'%s.swap' must be at least '%s.limit' (it counts memory plus swap)",
			       p, p);
	return 0;
}

static int parse_cpu(const cJSON *res, const char *path, struct spec_resources *r, struct err **err)
{
	const cJSON *c = NULL;
	const char *s = NULL;
	cleanup_free char *p = xasprintf("%s.cpu", path);
	int ret;

	if ((ret = json_get_object(res, path, "cpu", false, &c, err)) <= 0)
		return ret;
	if ((ret = get_uint64(c, p, "shares", false, &r->cpu_shares, err)) < 0)
		return -1;
	r->has_cpu_shares = ret;
	if ((ret = json_get_int64(c, p, "quota", false, &r->cpu_quota, err)) < 0)
		return -1;
	r->has_cpu_quota = ret;
	if ((ret = get_uint64(c, p, "period", false, &r->cpu_period, err)) < 0)
		return -1;
	r->has_cpu_period = ret;
	if ((ret = json_get_int64(c, p, "idle", false, &r->cpu_idle, err)) < 0)
		return -1;
	r->has_cpu_idle = ret;
	if ((ret = get_uint64(c, p, "burst", false, &r->cpu_burst, err)) < 0)
		return -1;
	r->has_cpu_burst = ret;
	if ((ret = json_get_int64(c, p, "realtimeRuntime", false, &r->cpu_rt_runtime, err)) < 0)
		return -1;
	r->has_cpu_rt_runtime = ret;
	if ((ret = get_uint64(c, p, "realtimePeriod", false, &r->cpu_rt_period, err)) < 0)
		return -1;
	r->has_cpu_rt_period = ret;
	if ((ret = json_get_string(c, p, "cpus", false, &s, err)) < 0)
		return -1;
	if (ret && *s)
		r->cpus = xstrdup(s);
	if ((ret = json_get_string(c, p, "mems", false, &s, err)) < 0)
		return -1;
	if (ret && *s)
		r->mems = xstrdup(s);
	return 0;
}

static int parse_device_rules(const cJSON *res, const char *path, struct spec_resources *r,
			      struct err **err)
{
	const cJSON *arr = NULL, *el;
	size_t i = 0;
	int ret;

	if ((ret = json_get_array(res, path, "devices", false, &arr, err)) <= 0)
		return ret;
	r->devices = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*r->devices));
	cJSON_ArrayForEach(el, arr)
	{
		struct spec_device_rule *d = &r->devices[i];
		cleanup_free char *p = xasprintf("%s.devices[%zu]", path, i);
		const char *type = NULL, *access = NULL;

		if ((ret = json_get_bool(el, p, "allow", true, &d->allow, err)) < 0)
			return -1;
		d->type = 'a';
		d->major = d->minor = -1;
		if ((ret = json_get_string(el, p, "type", false, &type, err)) < 0)
			return -1;
		if (ret) {
			if (strlen(type) != 1 || !strchr("acb", type[0]))
				return err_set(err, 0, "'%s.type': unknown device type '%s'", p,
					       type);
			d->type = type[0];
		}
		if (json_get_int64(el, p, "major", false, &d->major, err) < 0 ||
		    json_get_int64(el, p, "minor", false, &d->minor, err) < 0)
			return -1;
		if ((ret = json_get_string(el, p, "access", false, &access, err)) < 0)
			return -1;
		if (!ret || !*access)
			access = "rwm";
		/* 'a' (runc's tests write "rwa") grants nothing the kernel
		 * knows: it is dropped, as runc's rule emulator drops it */
		if (strspn(access, "rwma") != strlen(access))
			return err_set(err, 0,
				       "'%s.access': invalid access '%s' (want letters of \"rwm\")",
				       p, access);
		{
			size_t k = 0;
			for (const char *l = "rwm"; *l; l++)
				if (strchr(access, *l))
					d->access[k++] = *l;
			d->access[k] = 0;
			if (!k)
				return err_set(err, 0,
					       "'%s.access': invalid access '%s' (want letters of "
					       "\"rwm\")",
					       p, access);
		}
		i++;
	}
	r->n_devices = i;
	return 0;
}

int spec_resources_parse(const cJSON *res, const char *path, struct spec_resources *r,
			 struct err **err)
{
	const cJSON *o = NULL, *arr = NULL, *el;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!cJSON_IsObject(res))
		return err_set(err, 0, "'%s' must be an object", path);
	if (parse_memory(res, path, r, err) < 0 || parse_cpu(res, path, r, err) < 0 ||
	    parse_device_rules(res, path, r, err) < 0)
		goto fail;
	if ((ret = json_get_object(res, path, "pids", false, &o, err)) < 0)
		goto fail;
	if (ret) {
		cleanup_free char *p = xasprintf("%s.pids", path);
		if ((ret = json_get_int64(o, p, "limit", true, &r->pids_limit, err)) < 0)
			goto fail;
		r->has_pids_limit = true;
	}
	if ((ret = json_get_object(res, path, "blockIO", false, &o, err)) < 0)
		goto fail;
	if (ret) {
		cleanup_free char *p = xasprintf("%s.blockIO", path);
		if ((ret = json_get_uint32(o, p, "weight", false, &r->blkio_weight, err)) < 0)
			goto fail;
		r->has_blkio_weight = ret;
		if (ret && (r->blkio_weight < 10 || r->blkio_weight > 1000)) {
			err_set(err, 0, "'%s.weight' must be between 10 and 1000", p);
			goto fail;
		}
	}
	if ((ret = json_get_array(res, path, "hugepageLimits", false, &arr, err)) < 0)
		goto fail;
	if (ret) {
		size_t i = 0;
		r->hugepages = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*r->hugepages));
		cJSON_ArrayForEach(el, arr)
		{
			cleanup_free char *p = xasprintf("%s.hugepageLimits[%zu]", path, i);
			const char *ps = NULL;
			if (json_get_string(el, p, "pageSize", true, &ps, err) < 0 ||
			    get_uint64(el, p, "limit", true, &r->hugepages[i].limit, err) < 0) {
				r->n_hugepages = i;
				goto fail;
			}
			r->hugepages[i].page_size = xstrdup(ps);
			i++;
		}
		r->n_hugepages = i;
	}
	if (json_get_string_map(res, path, "unified", false, &r->unified, err) < 0)
		goto fail;
	return 0;
fail:
	spec_resources_release(r);
	return -1;
}

void spec_resources_release(struct spec_resources *r)
{
	free(r->cpus);
	free(r->mems);
	for (size_t i = 0; i < r->n_hugepages; i++)
		free(r->hugepages[i].page_size);
	free(r->hugepages);
	free(r->devices);
	strv_free(r->unified);
	memset(r, 0, sizeof(*r));
}

/* ---- process ---- */

static int parse_rlimits(const cJSON *proc, struct spec_process *p, struct err **err)
{
	const cJSON *arr = NULL, *el;
	size_t i = 0;
	int ret;

	if ((ret = json_get_array(proc, "process", "rlimits", false, &arr, err)) <= 0)
		return ret;
	p->rlimits = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*p->rlimits));
	cJSON_ArrayForEach(el, arr)
	{
		cleanup_free char *path = xasprintf("process.rlimits[%zu]", i);
		struct spec_rlimit *rl = &p->rlimits[i];
		const char *type = NULL;

		if (json_get_string(el, path, "type", true, &type, err) < 0)
			return -1;
		rl->resource = spec_rlimit_from_name(type);
		if (rl->resource < 0)
			return err_set(err, 0, "'%s.type': unknown rlimit '%s'", path, type);
		for (size_t j = 0; j < i; j++)
			if (p->rlimits[j].resource == rl->resource)
				return err_set(err, 0, "'%s.type': duplicate rlimit '%s'", path,
					       type);
		rl->name = xstrdup(type);
		p->n_rlimits = ++i;
		if (get_uint64(el, path, "soft", true, &rl->soft, err) < 0 ||
		    get_uint64(el, path, "hard", true, &rl->hard, err) < 0)
			return -1;
		if (rl->soft > rl->hard)
			return err_set(err, 0, "'%s': soft limit %llu is above hard limit %llu",
				       path, (unsigned long long)rl->soft,
				       (unsigned long long)rl->hard);
	}
	return 0;
}

/* process.scheduler, checked as runc and the kernel would (so that a bad
 * one fails create with a message, not sched_setattr with EINVAL). */
static int parse_scheduler(const cJSON *proc, struct spec_process *p, struct err **err)
{
	static const char *const policies[] = {"SCHED_OTHER",   "SCHED_FIFO", "SCHED_RR",
					       "SCHED_BATCH",   "SCHED_ISO",  "SCHED_IDLE",
					       "SCHED_DEADLINE"};
	static const char *const flags[] = {
	    "SCHED_FLAG_RESET_ON_FORK",  "SCHED_FLAG_RECLAIM",     "SCHED_FLAG_DL_OVERRUN",
	    "SCHED_FLAG_KEEP_POLICY",    "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
	    "SCHED_FLAG_UTIL_CLAMP_MAX",
	};
	const char *const w = "process.scheduler";
	const cJSON *s = NULL;
	const char *policy = NULL;
	cleanup_strv char **fl = NULL;
	int64_t v = 0;
	size_t i;
	int ret;
	bool deadline;

	if ((ret = json_get_object(proc, "process", "scheduler", false, &s, err)) <= 0)
		return ret;
	if (json_get_string(s, w, "policy", true, &policy, err) < 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(policies) && !streq(policies[i], policy); i++)
		;
	if (i == ARRAY_SIZE(policies))
		return err_set_code(err, EINVAL, "'process.scheduler.policy': unknown policy '%s'",
				    policy);
	p->sched_policy = (uint32_t)i; /* SCHED_OTHER 0 ... SCHED_DEADLINE 6 */
	deadline = i == 6;
	if ((ret = json_get_int64(s, w, "nice", false, &v, err)) < 0)
		return -1;
	if (ret && (v < -20 || v > 19))
		return err_set_code(err, EINVAL,
				    "'process.scheduler.nice': %lld is not between -20 and 19",
				    (long long)v);
	p->sched_nice = (int32_t)v;
	v = 0;
	if ((ret = json_get_int64(s, w, "priority", false, &v, err)) < 0)
		return -1;
	if (ret && v != 0 && i != 1 && i != 2)
		return err_set_code(err, EINVAL,
				    "'process.scheduler.priority': only SCHED_FIFO and SCHED_RR "
				    "take a priority");
	if (ret && (v < 0 || v > 99))
		return err_set_code(err, EINVAL,
				    "'process.scheduler.priority': %lld is not between 1 and 99",
				    (long long)v);
	p->sched_priority = (uint32_t)v;
	if (get_uint64(s, w, "runtime", false, &p->sched_runtime, err) < 0 ||
	    get_uint64(s, w, "deadline", false, &p->sched_deadline, err) < 0 ||
	    get_uint64(s, w, "period", false, &p->sched_period, err) < 0)
		return -1;
	if (!deadline && (p->sched_runtime || p->sched_deadline || p->sched_period))
		return err_set_code(err, EINVAL,
				    "'process.scheduler': runtime, deadline and period are for "
				    "SCHED_DEADLINE only, not %s",
				    policy);
	if (deadline) {
		uint64_t period = p->sched_period ? p->sched_period : p->sched_deadline;
		if (p->sched_runtime < 1024 || p->sched_runtime > p->sched_deadline ||
		    p->sched_deadline > period)
			return err_set_code(
			    err, EINVAL,
			    "'process.scheduler': SCHED_DEADLINE needs 1024 <= runtime <= deadline "
			    "<= period (ns), got runtime %llu, deadline %llu, period %llu",
			    (unsigned long long)p->sched_runtime,
			    (unsigned long long)p->sched_deadline,
			    (unsigned long long)p->sched_period);
	}
	if (json_get_strv(s, w, "flags", false, &fl, err) < 0)
		return -1;
	for (size_t k = 0; fl && fl[k]; k++) {
		size_t f;
		for (f = 0; f < ARRAY_SIZE(flags) && !streq(flags[f], fl[k]); f++)
			;
		if (f == ARRAY_SIZE(flags))
			return err_set_code(err, EINVAL,
					    "'process.scheduler.flags': unknown flag '%s'", fl[k]);
		p->sched_flags |= 1ULL << f; /* the kernel's bit order */
	}
	p->has_scheduler = true;
	return 0;
}

static int parse_process(const cJSON *proc, struct spec_process *p, struct err **err)
{
	const cJSON *user = NULL, *arr = NULL, *el;
	const char *cwd = NULL;
	int64_t v;
	int ret;

	if (json_get_bool(proc, "process", "terminal", false, &p->terminal, err) < 0)
		return -1;
	if (json_get_object(proc, "process", "user", false, &user, err) < 0)
		return -1;
	if (user) {
		uint32_t umask = 0;
		if (json_get_uint32(user, "process.user", "uid", false, &p->uid, err) < 0 ||
		    json_get_uint32(user, "process.user", "gid", false, &p->gid, err) < 0)
			return -1;
		if ((ret = json_get_uint32(user, "process.user", "umask", false, &umask, err)) < 0)
			return -1;
		if (ret) {
			if (umask > 0777)
				return err_set(err, 0,
					       "'process.user.umask' must be at most 0777 (511)");
			p->has_umask = true;
			p->umask = (mode_t)umask;
		}
		if ((ret = json_get_array(user, "process.user", "additionalGids", false, &arr,
					  err)) < 0)
			return -1;
		if (ret) {
			p->additional_gids =
			    xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(uint32_t));
			cJSON_ArrayForEach(el, arr)
			{
				if (!cJSON_IsNumber(el) || el->valuedouble < 0 ||
				    el->valuedouble > 4294967295.0 ||
				    el->valuedouble != (double)(uint32_t)el->valuedouble)
					return err_set(err, 0,
						       "'process.user.additionalGids' must be an "
						       "array of gids");
				p->additional_gids[p->n_additional_gids++] =
				    (uint32_t)el->valuedouble;
			}
		}
	}
	if (json_get_strv(proc, "process", "args", true, &p->args, err) < 0)
		return -1;
	if (!p->args[0] || !*p->args[0])
		return err_set(err, 0, "'process.args' must not be empty");
	if (json_get_strv(proc, "process", "env", false, &p->env, err) < 0)
		return -1;
	if (json_get_string(proc, "process", "cwd", true, &cwd, err) < 0)
		return -1;
	if (cwd[0] != '/')
		return err_set(err, 0, "'process.cwd' must be an absolute path, not '%s'", cwd);
	p->cwd = xstrdup(cwd);
	if (parse_rlimits(proc, p, err) < 0)
		return -1;
	if (json_get_bool(proc, "process", "noNewPrivileges", false, &p->no_new_privileges, err) <
	    0)
		return -1;
	if ((ret = json_get_int64(proc, "process", "oomScoreAdj", false, &v, err)) < 0)
		return -1;
	if (ret) {
		if (v < -1000 || v > 1000)
			return err_set(err, 0,
				       "'process.oomScoreAdj' must be between -1000 and 1000");
		p->has_oom_score_adj = true;
		p->oom_score_adj = (int)v;
	}
	if (json_get_object(proc, "process", "capabilities", false, &p->capabilities, err) < 0)
		return -1;
	return parse_scheduler(proc, p, err);
}

static void process_release(struct spec_process *p)
{
	free(p->additional_gids);
	strv_free(p->args);
	strv_free(p->env);
	free(p->cwd);
	for (size_t i = 0; i < p->n_rlimits; i++)
		free(p->rlimits[i].name);
	free(p->rlimits);
	memset(p, 0, sizeof(*p));
}

/* ---- mounts ---- */

static int parse_mounts(const cJSON *root, struct spec_config *c, struct err **err)
{
	const cJSON *arr = NULL, *el;
	size_t i = 0;
	int ret;

	if ((ret = json_get_array(root, "", "mounts", false, &arr, err)) <= 0)
		return ret;
	c->mounts = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*c->mounts));
	cJSON_ArrayForEach(el, arr)
	{
		cleanup_free char *p = xasprintf("mounts[%zu]", i);
		struct spec_mount *m = &c->mounts[i];
		const char *s = NULL;

		if (!cJSON_IsObject(el))
			return err_set(err, 0, "'%s' must be an object", p);
		c->n_mounts = ++i;
		if (json_get_string(el, p, "destination", true, &s, err) < 0)
			return -1;
		if (!*s)
			return err_set(err, 0, "'%s.destination' must not be empty", p);
		if (s[0] != '/')
			return err_set(err, 0,
				       "'%s.destination' must be an absolute path, not '%s'", p, s);
		m->destination = xstrdup(s);
		if ((ret = json_get_string(el, p, "type", false, &s, err)) < 0)
			return -1;
		if (ret && *s)
			m->type = xstrdup(s);
		if ((ret = json_get_string(el, p, "source", false, &s, err)) < 0)
			return -1;
		if (ret && *s)
			m->source = xstrdup(s);
		if (json_get_strv(el, p, "options", false, &m->options, err) < 0)
			return -1;
		if (!m->source && (!m->type || streq(m->type, "bind")))
			return err_set(err, 0, "'%s.source' is required for a bind mount", p);
	}
	return 0;
}

/* ---- linux ---- */

static int parse_namespaces(const cJSON *linux_, struct spec_config *c, struct err **err)
{
	const cJSON *arr = NULL, *el;
	size_t i = 0;
	int ret;

	if ((ret = json_get_array(linux_, "linux", "namespaces", false, &arr, err)) <= 0)
		return ret;
	c->namespaces = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*c->namespaces));
	cJSON_ArrayForEach(el, arr)
	{
		cleanup_free char *p = xasprintf("linux.namespaces[%zu]", i);
		const char *type = NULL, *path = NULL;
		int t;

		if (json_get_string(el, p, "type", true, &type, err) < 0)
			return -1;
		t = spec_ns_from_name(type);
		if (t < 0)
			return err_set(err, 0, "'%s.type': unknown namespace '%s'", p, type);
		if (spec_config_ns(c, (enum spec_ns_type)t))
			return err_set(err, 0, "'%s.type': duplicate namespace '%s'", p, type);
		if ((ret = json_get_string(el, p, "path", false, &path, err)) < 0)
			return -1;
		if (ret && *path && path[0] != '/')
			return err_set(err, 0, "'%s.path' must be an absolute path, not '%s'", p,
				       path);
		c->namespaces[i].type = (enum spec_ns_type)t;
		c->namespaces[i].path = ret && *path ? xstrdup(path) : NULL;
		c->n_namespaces = ++i;
	}
	return 0;
}

static int parse_mappings(const cJSON *linux_, const char *key, struct spec_id_mapping **out,
			  size_t *n, struct err **err)
{
	const cJSON *arr = NULL, *el;
	int ret;

	if ((ret = json_get_array(linux_, "linux", key, false, &arr, err)) <= 0)
		return ret;
	*out = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(**out));
	cJSON_ArrayForEach(el, arr)
	{
		cleanup_free char *p = xasprintf("linux.%s[%zu]", key, *n);
		struct spec_id_mapping *m = &(*out)[*n];

		if (json_get_uint32(el, p, "containerID", true, &m->container_id, err) < 0 ||
		    json_get_uint32(el, p, "hostID", true, &m->host_id, err) < 0 ||
		    json_get_uint32(el, p, "size", true, &m->size, err) < 0)
			return -1;
		if (m->size == 0)
			return err_set(err, 0, "'%s.size' must be at least 1", p);
		(*n)++;
	}
	return 0;
}

static int parse_devices(const cJSON *linux_, struct spec_config *c, struct err **err)
{
	const cJSON *arr = NULL, *el;
	int ret;

	if ((ret = json_get_array(linux_, "linux", "devices", false, &arr, err)) <= 0)
		return ret;
	c->devices = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*c->devices));
	cJSON_ArrayForEach(el, arr)
	{
		cleanup_free char *p = xasprintf("linux.devices[%zu]", c->n_devices);
		struct spec_device *d = &c->devices[c->n_devices];
		const char *s = NULL;
		uint32_t mode = 0;

		if (json_get_string(el, p, "path", true, &s, err) < 0)
			return -1;
		if (s[0] != '/')
			return err_set(err, 0, "'%s.path' must be an absolute path, not '%s'", p,
				       s);
		d->path = xstrdup(s);
		c->n_devices++;
		if (json_get_string(el, p, "type", true, &s, err) < 0)
			return -1;
		if (strlen(s) != 1 || !strchr("cbup", s[0]))
			return err_set(err, 0, "'%s.type': unknown device type '%s'", p, s);
		d->type = s[0];
		if (json_get_int64(el, p, "major", d->type != 'p', &d->major, err) < 0 ||
		    json_get_int64(el, p, "minor", d->type != 'p', &d->minor, err) < 0)
			return -1;
		if ((ret = json_get_uint32(el, p, "fileMode", false, &mode, err)) < 0)
			return -1;
		d->has_mode = ret;
		d->file_mode = (mode_t)(mode & 07777);
		if ((ret = json_get_uint32(el, p, "uid", false, &d->uid, err)) < 0)
			return -1;
		d->has_uid = ret;
		if ((ret = json_get_uint32(el, p, "gid", false, &d->gid, err)) < 0)
			return -1;
		d->has_gid = ret;
	}
	return 0;
}

static int parse_time_offsets(const cJSON *linux_, struct spec_config *c, struct err **err)
{
	const cJSON *o = NULL, *t = NULL;
	int ret;

	if ((ret = json_get_object(linux_, "linux", "timeOffsets", false, &o, err)) <= 0)
		return ret;
	c->has_time_offsets = true;
	if ((ret = json_get_object(o, "linux.timeOffsets", "boottime", false, &t, err)) < 0)
		return -1;
	if (ret && (json_get_int64(t, "linux.timeOffsets.boottime", "secs", false,
				   &c->boottime_secs, err) < 0 ||
		    json_get_uint32(t, "linux.timeOffsets.boottime", "nanosecs", false,
				    &c->boottime_nsecs, err) < 0))
		return -1;
	t = NULL;
	if ((ret = json_get_object(o, "linux.timeOffsets", "monotonic", false, &t, err)) < 0)
		return -1;
	if (ret && (json_get_int64(t, "linux.timeOffsets.monotonic", "secs", false,
				   &c->monotonic_secs, err) < 0 ||
		    json_get_uint32(t, "linux.timeOffsets.monotonic", "nanosecs", false,
				    &c->monotonic_nsecs, err) < 0))
		return -1;
	return 0;
}

/* "0-3,7" into mask; -1 naming what is wrong. */
static int parse_nodes(const char *s, unsigned long *mask, struct err **err)
{
	const size_t bits = 8 * sizeof(unsigned long);
	const char *p = s;

	while (*p) {
		char *end;
		unsigned long a, b;
		if (*p < '0' || *p > '9')
			goto bad;
		a = strtoul(p, &end, 10);
		b = a;
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9')
				goto bad;
			b = strtoul(p, &end, 10);
		}
		if (a > b || b >= SPEC_MAX_NUMA_NODES)
			return err_set_code(err, EINVAL,
					    "'linux.memoryPolicy.nodes': invalid range in '%s' "
					    "(nodes 0 to %d, low-high)",
					    s, SPEC_MAX_NUMA_NODES - 1);
		for (unsigned long n = a; n <= b; n++)
			mask[n / bits] |= 1UL << (n % bits);
		p = end;
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			goto bad;
	}
	return 0;
bad:
	return err_set_code(
	    err, EINVAL, "'linux.memoryPolicy.nodes': invalid node list '%s' (want e.g. 0-3,7)", s);
}

static int parse_memory_policy(const cJSON *linux_, struct spec_config *c, struct err **err)
{
	static const struct {
		const char *name;
		int mode;
		int nodes; /* 1 required, 0 optional, -1 refused */
	} modes[] = {
	    {"MPOL_DEFAULT", 0, -1},
	    {"MPOL_PREFERRED", 1, 0},
	    {"MPOL_BIND", 2, 1},
	    {"MPOL_INTERLEAVE", 3, 1},
	    {"MPOL_LOCAL", 4, -1},
	    {"MPOL_PREFERRED_MANY", 5, 1},
	    {"MPOL_WEIGHTED_INTERLEAVE", 6, 1},
	};
	static const struct {
		const char *name;
		int flag;
	} flags[] = {
	    {"MPOL_F_NUMA_BALANCING", 1 << 13},
	    {"MPOL_F_RELATIVE_NODES", 1 << 14},
	    {"MPOL_F_STATIC_NODES", 1 << 15},
	};
	const cJSON *mp = NULL;
	const char *mode = NULL, *nodes = NULL;
	cleanup_strv char **fl = NULL;
	size_t i;
	bool empty = true;
	int ret;

	if ((ret = json_get_object(linux_, "linux", "memoryPolicy", false, &mp, err)) <= 0)
		return ret;
	if (json_get_string(mp, "linux.memoryPolicy", "mode", true, &mode, err) < 0 ||
	    json_get_string(mp, "linux.memoryPolicy", "nodes", false, &nodes, err) < 0 ||
	    json_get_strv(mp, "linux.memoryPolicy", "flags", false, &fl, err) < 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(modes) && !streq(modes[i].name, mode); i++)
		;
	if (i == ARRAY_SIZE(modes))
		return err_set_code(err, EINVAL, "'linux.memoryPolicy.mode': unknown mode '%s'",
				    mode);
	c->mempolicy_mode = modes[i].mode;
	if (nodes && parse_nodes(nodes, c->mempolicy_nodes, err) < 0)
		return -1;
	for (size_t k = 0; k < ARRAY_SIZE(c->mempolicy_nodes); k++)
		empty = empty && !c->mempolicy_nodes[k];
	if (modes[i].nodes > 0 && empty)
		return err_set_code(err, EINVAL, "'linux.memoryPolicy.nodes': %s needs nodes",
				    mode);
	if (modes[i].nodes < 0 && !empty)
		return err_set_code(err, EINVAL,
				    "'linux.memoryPolicy.nodes': %s takes no nodes, got '%s'", mode,
				    nodes);
	for (size_t k = 0; fl && fl[k]; k++) {
		size_t f;
		for (f = 0; f < ARRAY_SIZE(flags) && !streq(flags[f].name, fl[k]); f++)
			;
		if (f == ARRAY_SIZE(flags))
			return err_set_code(err, EINVAL,
					    "'linux.memoryPolicy.flags': unknown flag '%s'", fl[k]);
		c->mempolicy_mode |= flags[f].flag;
	}
	c->has_memory_policy = true;
	return 0;
}

static int parse_linux(const cJSON *root, struct spec_config *c, struct err **err)
{
	const cJSON *linux_ = NULL, *res = NULL;
	const char *s = NULL;
	int ret;

	if ((ret = json_get_object(root, "", "linux", false, &linux_, err)) <= 0)
		return ret;
	if (parse_namespaces(linux_, c, err) < 0 ||
	    parse_mappings(linux_, "uidMappings", &c->uid_mappings, &c->n_uid_mappings, err) < 0 ||
	    parse_mappings(linux_, "gidMappings", &c->gid_mappings, &c->n_gid_mappings, err) < 0 ||
	    parse_devices(linux_, c, err) < 0 || parse_time_offsets(linux_, c, err) < 0 ||
	    parse_memory_policy(linux_, c, err) < 0)
		return -1;
	if (json_get_string_map(linux_, "linux", "sysctl", false, &c->sysctl, err) < 0)
		return -1;
	if ((ret = json_get_object(linux_, "linux", "resources", false, &res, err)) < 0)
		return -1;
	if (ret) {
		if (spec_resources_parse(res, "linux.resources", &c->resources, err) < 0)
			return -1;
		c->has_resources = true;
	}
	if ((ret = json_get_string(linux_, "linux", "cgroupsPath", false, &s, err)) < 0)
		return -1;
	if (ret && *s)
		c->cgroups_path = xstrdup(s);
	if ((ret = json_get_string(linux_, "linux", "rootfsPropagation", false, &s, err)) < 0)
		return -1;
	if (ret && *s) {
		static const char *const props[] = {"private",    "rprivate",   "slave",
						    "rslave",     "shared",     "rshared",
						    "unbindable", "runbindable"};
		bool ok = false;
		for (size_t i = 0; i < ARRAY_SIZE(props); i++)
			ok = ok || streq(props[i], s);
		if (!ok)
			return err_set(err, 0,
				       "'linux.rootfsPropagation': unknown propagation '%s'", s);
		c->rootfs_propagation = xstrdup(s);
	}
	if (json_get_strv(linux_, "linux", "maskedPaths", false, &c->masked_paths, err) < 0 ||
	    json_get_strv(linux_, "linux", "readonlyPaths", false, &c->readonly_paths, err) < 0)
		return -1;
	if (json_get_object(linux_, "linux", "seccomp", false, &c->seccomp, err) < 0)
		return -1;
	return 0;
}

static int validate(struct spec_config *c, struct err **err)
{
	const struct spec_namespace *user = spec_config_ns(c, SPEC_NS_USER);
	bool new_user = user && !user->path;

	if ((c->n_uid_mappings || c->n_gid_mappings) && !new_user)
		return err_set(err, 0,
			       "'linux.uidMappings': mappings need a new user namespace in "
			       "'linux.namespaces'");
	if (new_user && (!c->n_uid_mappings || !c->n_gid_mappings))
		return err_set(
		    err, 0,
		    "'linux.uidMappings': a new user namespace needs uidMappings and gidMappings");
	if (c->hostname && !spec_config_ns(c, SPEC_NS_UTS))
		return err_set(err, 0, "'hostname': setting it needs a uts namespace");
	if (c->has_time_offsets) {
		const struct spec_namespace *t = spec_config_ns(c, SPEC_NS_TIME);
		if (!t || t->path)
			return err_set(err, 0, "'linux.timeOffsets': needs a new time namespace");
	}
	return 0;
}

int spec_config_parse(const cJSON *root, struct spec_config *c, struct err **err)
{
	const cJSON *o = NULL;
	const char *s = NULL;
	int ret;

	memset(c, 0, sizeof(*c));
	if (!cJSON_IsObject(root))
		return err_set(err, 0, "config.json must be a JSON object");
	if (json_get_string(root, "", "ociVersion", true, &s, err) < 0)
		goto fail;
	if (!str_has_prefix(s, "1.")) {
		err_set(err, 0, "'ociVersion': unsupported version '%s' (want 1.x)", s);
		goto fail;
	}
	c->oci_version = xstrdup(s);
	if (json_get_object(root, "", "root", true, &o, err) < 0 ||
	    json_get_string(o, "root", "path", true, &s, err) < 0)
		goto fail;
	if (!*s) {
		err_set(err, 0, "'root.path' must not be empty");
		goto fail;
	}
	c->root_path = xstrdup(s);
	if (json_get_bool(o, "root", "readonly", false, &c->root_readonly, err) < 0)
		goto fail;
	o = NULL;
	if ((ret = json_get_object(root, "", "process", false, &o, err)) < 0)
		goto fail;
	if (ret) {
		c->has_process = true;
		if (parse_process(o, &c->process, err) < 0)
			goto fail;
	}
	if ((ret = json_get_string(root, "", "hostname", false, &s, err)) < 0)
		goto fail;
	if (ret && *s)
		c->hostname = xstrdup(s);
	if ((ret = json_get_string(root, "", "domainname", false, &s, err)) < 0)
		goto fail;
	if (ret && *s)
		c->domainname = xstrdup(s);
	if (parse_mounts(root, c, err) < 0 || parse_linux(root, c, err) < 0)
		goto fail;
	if (json_get_object(root, "", "hooks", false, &c->hooks, err) < 0 ||
	    json_get_object(root, "", "annotations", false, &c->annotations, err) < 0)
		goto fail;
	if (validate(c, err) < 0)
		goto fail;
	return 0;
fail:
	spec_config_release(c);
	return -1;
}

void spec_config_release(struct spec_config *c)
{
	free(c->oci_version);
	free(c->root_path);
	process_release(&c->process);
	free(c->hostname);
	free(c->domainname);
	for (size_t i = 0; i < c->n_mounts; i++) {
		free(c->mounts[i].destination);
		free(c->mounts[i].type);
		free(c->mounts[i].source);
		strv_free(c->mounts[i].options);
	}
	free(c->mounts);
	for (size_t i = 0; i < c->n_namespaces; i++)
		free(c->namespaces[i].path);
	free(c->namespaces);
	free(c->uid_mappings);
	free(c->gid_mappings);
	strv_free(c->sysctl);
	spec_resources_release(&c->resources);
	free(c->cgroups_path);
	free(c->rootfs_propagation);
	strv_free(c->masked_paths);
	strv_free(c->readonly_paths);
	for (size_t i = 0; i < c->n_devices; i++)
		free(c->devices[i].path);
	free(c->devices);
	memset(c, 0, sizeof(*c));
}
