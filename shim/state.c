/* state.c: the exit record (docker's State field names), OOM counters,
 * restart policies and the shim's paths. */
#define _GNU_SOURCE
#include <errno.h>  /* errno */
#include <fcntl.h>  /* open */
#include <stdio.h>  /* fopen */
#include <stdlib.h> /* getenv */
#include <string.h> /* strncmp */
#include <unistd.h> /* fsync */
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "shim/shim.h"

const char *shim_run_root(void)
{
	const char *r = getenv("KIST_RUN");

	return r && *r ? r : "/run/kist";
}

char *shim_dir(const char *id)
{
	return xasprintf("%s/shim/%s", shim_run_root(), id);
}

/* runc's rule for container ids */
bool shim_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 1024 || streq(id, ".") || streq(id, ".."))
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.' || *p == '+'))
			return false;
	return true;
}

/* ---- restart policies ---- */

int restart_policy_parse(const char *s, struct restart_policy *out, struct err **err)
{
	out->max_retries = 0;
	if (streq(s, "no") || !*s) {
		out->mode = RESTART_NO;
	} else if (streq(s, "always")) {
		out->mode = RESTART_ALWAYS;
	} else if (streq(s, "unless-stopped")) {
		out->mode = RESTART_UNLESS_STOPPED;
	} else if (streq(s, "on-failure")) {
		out->mode = RESTART_ON_FAILURE;
	} else if (str_has_prefix(s, "on-failure:")) {
		const char *n = s + strlen("on-failure:");
		char *end;

		errno = 0;
		out->max_retries = strtol(n, &end, 10);
		if (errno || end == n || *end || out->max_retries < 0)
			return err_set(err, 0,
				       "invalid restart policy '%s': maximum retry count must be a "
				       "non-negative integer",
				       s);
		out->mode = RESTART_ON_FAILURE;
	} else {
		return err_set(err, 0,
			       "invalid restart policy '%s': expected no, always, unless-stopped "
			       "or on-failure[:N]",
			       s);
	}
	return 0;
}

const char *restart_policy_name(const struct restart_policy *p)
{
	switch (p->mode) {
	case RESTART_ALWAYS:
		return "always";
	case RESTART_UNLESS_STOPPED:
		return "unless-stopped";
	case RESTART_ON_FAILURE:
		return "on-failure";
	default:
		return "no";
	}
}

int64_t restart_delay_ms(int64_t prev_ms, int64_t ran_ms)
{
	if (ran_ms >= 10000 || prev_ms <= 0)
		return 100;
	return prev_ms * 2 > 60000 ? 60000 : prev_ms * 2;
}

/* ---- the state file ---- */

static cJSON *time_json(const struct timespec *ts)
{
	char s[48];

	if (ts->tv_sec == 0 && ts->tv_nsec == 0)
		return cJSON_CreateString("0001-01-01T00:00:00Z");
	log_time_format(ts, s, sizeof(s));
	return cJSON_CreateString(s);
}

int shim_state_write(const char *path, const struct shim_state *s, bool durable, struct err **err)
{
	cleanup_free char *text = NULL;
	cleanup_json cJSON *j = cJSON_CreateObject();
	bool running = streq(s->status, "running") || streq(s->status, "paused");

	if (!j)
		die_oom();
	cJSON_AddStringToObject(j, "Status", s->status);
	cJSON_AddBoolToObject(j, "Running", running);
	cJSON_AddBoolToObject(j, "Paused", s->paused);
	cJSON_AddBoolToObject(j, "Restarting", streq(s->status, "restarting"));
	cJSON_AddBoolToObject(j, "OOMKilled", s->oom_killed);
	cJSON_AddBoolToObject(j, "Dead", streq(s->status, "dead"));
	cJSON_AddNumberToObject(j, "Pid", running ? s->pid : 0);
	cJSON_AddNumberToObject(j, "ExitCode", s->exit_code);
	cJSON_AddNumberToObject(j, "Signal", s->signal);
	cJSON_AddStringToObject(j, "Error", s->error ? s->error : "");
	cJSON_AddItemToObject(j, "StartedAt", time_json(&s->started));
	cJSON_AddItemToObject(j, "FinishedAt", time_json(&s->finished));
	cJSON_AddNumberToObject(j, "RestartCount", s->restart_count);
	cJSON_AddStringToObject(j, "RestartPolicy", s->restart_policy ? s->restart_policy : "no");
	cJSON_AddNumberToObject(j, "ShimPid", s->shim_pid);
	if (durable)
		return json_write_file(path, j, 0644, err);
	text = json_print(j, true);
	return fs_replace_file(path, text, strlen(text), 0644, err);
}

void shim_state_sync(const char *path)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	cleanup_free char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');

	if (fd < 0)
		return;
	(void)fsync(fd);
	if (slash) {
		*slash = '\0';
		(void)fs_fsync_dir(*dir ? dir : "/", NULL);
	}
}

/* ---- OOM kills ---- */

/* The memory cgroup of pid as a file that counts OOM kills. */
char *oom_counter_path(pid_t pid)
{
	cleanup_free char *p = xasprintf("/proc/%d/cgroup", (int)pid);
	cleanup_file FILE *f = fopen(p, "re");
	cleanup_free char *line = NULL;
	cleanup_free char *v2 = NULL;
	size_t cap = 0;

	if (!f)
		return NULL;
	while (getline(&line, &cap, f) > 0) {
		char *ctl = strchr(line, ':'), *path;

		line[strcspn(line, "\n")] = '\0';
		if (!ctl || !(path = strchr(ctl + 1, ':')))
			continue;
		*path++ = '\0';
		ctl++;
		for (char *c = ctl, *save = NULL, *t; (t = strtok_r(c, ",", &save)); c = NULL)
			if (streq(t, "memory"))
				return xasprintf("/sys/fs/cgroup/memory%s/memory.oom_control",
						 path);
		if (!*ctl && !v2)
			v2 = xstrdup(path);
	}
	if (v2) {
		static const char *const roots[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};

		for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
			char *ev = xasprintf("%s%s/memory.events", roots[i], v2);

			if (fs_exists(ev))
				return ev;
			free(ev);
		}
	}
	return NULL;
}

long oom_count(const char *path)
{
	cleanup_file FILE *f = path ? fopen(path, "re") : NULL;
	char key[64];
	long v;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &v) == 2)
		if (streq(key, "oom_kill"))
			return v;
	return -1;
}
