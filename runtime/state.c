/* state.c: ROOT/<id>/state.json and the status read back from the kernel. */
#define _GNU_SOURCE /* renameat2 */
#include "runtime/state.h"

#include <errno.h>    /* errno */
#include <fcntl.h>    /* open */
#include <stdio.h>    /* snprintf, renameat2 */
#include <stdlib.h>   /* free, getenv */
#include <string.h>   /* strrchr */
#include <sys/stat.h> /* stat */
#include <time.h>     /* clock_gettime */
#include <unistd.h>   /* readlink, geteuid */
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"
#include "runtime/cgroup.h"
#include "spec/defaults.h"

/* the runtime-spec version implemented (`--version`, `features`) */
#define OCI_VERSION spec_runtime_version()

const char *rt_state_default_root(void)
{
	static char *root;
	const char *xdg;

	if (root)
		return root;
	if (geteuid() != 0 && (xdg = getenv("XDG_RUNTIME_DIR")) && *xdg)
		root = xasprintf("%s/kist-runtime", xdg);
	else
		root = xstrdup("/run/kist/runtime");
	return root;
}

int rt_id_validate(const char *id, struct err **err)
{
	size_t n = strlen(id);

	if (n == 0)
		return err_set(err, 0, "invalid container id: empty");
	if (n > 1024)
		return err_set(err, 0, "invalid container id '%.32s...': longer than 1024", id);
	if (streq(id, ".") || streq(id, "..") || strchr(id, '/'))
		return err_set(err, 0,
			       "invalid container id '%s': must not contain '/' or be '.' or '..'",
			       id);
	for (const char *p = id; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') ||
			  (p != id && (c == '_' || c == '-' || c == '.' || c == '+'));
		if (!ok)
			return err_set(
			    err, EINVAL,
			    "invalid container id '%s': use letters, digits and _.+- (not first)",
			    id);
	}
	return 0;
}

static int get_str(const cJSON *j, const char *key, char **out, bool required, struct err **err)
{
	const char *s = NULL;
	int r = json_get_string(j, "state.json", key, required, &s, err);

	if (r < 0)
		return -1;
	*out = xstrdup(r ? s : "");
	return 0;
}

int rt_state_load(const char *root, const char *id, struct rt_state *out, struct err **err)
{
	cleanup_free char *dir = NULL, *path = NULL;
	cleanup_json cJSON *j = NULL;
	const cJSON *it;
	struct rt_state s = RT_STATE_INIT;
	int64_t v = 0;

	if (rt_id_validate(id, err) < 0)
		return -1;
	dir = xasprintf("%s/%s", root, id);
	path = xasprintf("%s/state.json", dir);
	j = json_load_file(path, 0, err);
	if (!j && err && *err && (*err)->code != ENOENT) {
		/* a reader that opened the file just before a create replaced it
		 * twice can read the spare being written over (rt_state_save):
		 * the file now in place is whole */
		err_free(*err);
		*err = NULL;
		j = json_load_file(path, 0, err);
	}
	if (!j) {
		if (err && *err && (*err)->code == ENOENT) {
			err_set(err, 0, "container '%s' does not exist", id);
			(*err)->code = ENOENT; /* delete --force looks at it */
			return -1;
		}
		return err_wrap(err, "load state of container '%s'", id);
	}
	s.dir = steal_pointer(&dir);
	{
		/* only where create had --config: NULL otherwise */
		const char *cf = NULL;
		if (json_get_string(j, "state.json", "config", false, &cf, err) < 0)
			goto fail;
		if (cf && *cf)
			s.config = xstrdup(cf);
	}
	if (get_str(j, "id", &s.id, true, err) < 0 ||
	    get_str(j, "bundle", &s.bundle, true, err) < 0 ||
	    get_str(j, "rootfs", &s.rootfs, false, err) < 0 ||
	    get_str(j, "created", &s.created, false, err) < 0 ||
	    get_str(j, "owner", &s.owner, false, err) < 0 ||
	    get_str(j, "cgroupPath", &s.cgroup_path, false, err) < 0 ||
	    json_get_int64(j, "state.json", "pid", true, &v, err) < 0)
		goto fail;
	s.pid = (pid_t)v;
	v = 0;
	if (json_get_int64(j, "state.json", "initStartTime", false, &v, err) < 0)
		goto fail;
	s.start_time = (unsigned long long)v;
	v = 0;
	if (json_get_int64(j, "state.json", "startPipeIno", false, &v, err) < 0)
		goto fail;
	s.start_pipe_ino = (unsigned long long)v;
	v = -1;
	if (json_get_int64(j, "state.json", "startPipeFd", false, &v, err) < 0)
		goto fail;
	s.start_pipe_fd = (int)v;
	v = 0;
	if (json_get_int64(j, "state.json", "creatorPid", false, &v, err) < 0)
		goto fail;
	s.creator_pid = (pid_t)v;
	v = 0;
	if (json_get_int64(j, "state.json", "creatorStartTime", false, &v, err) < 0)
		goto fail;
	s.creator_start_time = (unsigned long long)v;
	s.shared_pidns = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "sharedPidNamespace"));
	it = cJSON_GetObjectItemCaseSensitive(j, "annotations");
	if (cJSON_IsObject(it))
		s.annotations = cJSON_Duplicate(it, true);
	*out = s;
	return 0;
fail:
	rt_state_release(&s);
	return err_wrap(err, "load state of container '%s'", id);
}

/* The digits after "key": in text, or 0. */
static unsigned long long scan_number(const char *text, const char *key)
{
	cleanup_free char *pat = xasprintf("\"%s\":", key);
	const char *p = strstr(text, pat);
	unsigned long long v = 0;
	char *end;

	if (!p)
		return 0;
	p += strlen(pat);
	v = strtoull(p, &end, 10);
	/* a number cut short by the truncation is no number */
	return end > p && *end && strchr(",}", *end) ? v : 0;
}

/* The string after "key": in text when complete and plain, or NULL. */
static char *scan_string(const char *text, const char *key)
{
	cleanup_free char *pat = xasprintf("\"%s\":\"", key);
	const char *p = strstr(text, pat), *q;

	if (!p)
		return NULL;
	p += strlen(pat);
	q = strchr(p, '"');
	if (!q || memchr(p, '\\', (size_t)(q - p)))
		return NULL;
	return xstrndup(p, (size_t)(q - p));
}

int rt_state_salvage(const char *root, const char *id, struct rt_state *out, struct err **err)
{
	cleanup_free char *dir = NULL, *path = NULL, *text = NULL;
	struct rt_state s = RT_STATE_INIT;

	if (rt_id_validate(id, err) < 0)
		return -1;
	dir = xasprintf("%s/%s", root, id);
	path = xasprintf("%s/state.json", dir);
	if (fs_read_all(path, 1 << 20, &text, NULL, err) < 0)
		return err_wrap(err, "load state of container '%s'", id);
	s.dir = steal_pointer(&dir);
	s.id = xstrdup(id);
	s.bundle = xstrdup("");
	s.start_time = scan_number(text, "initStartTime");
	/* without its start time the pid may name another process by now */
	s.pid = s.start_time ? (pid_t)scan_number(text, "pid") : 0;
	if (s.pid <= 0)
		s.pid = 0;
	s.creator_pid = (pid_t)scan_number(text, "creatorPid");
	s.creator_start_time = scan_number(text, "creatorStartTime");
	if (!s.creator_start_time)
		s.creator_pid = 0;
	s.cgroup_path = scan_string(text, "cgroupPath");
	if (!s.cgroup_path || !*s.cgroup_path || s.cgroup_path[0] != '/' ||
	    strstr(s.cgroup_path, "..")) {
		free(s.cgroup_path);
		s.cgroup_path = xasprintf("/%s", id); /* runc's default, named by id */
	}
	*out = s;
	return 0;
}

/* Replace path with data through path.tmp-<pid>.  A file already there
 * (the one a keep_spare replace left) is written over in place: no new
 * inode, whose allocation on an ext4 where many were just freed costs 0.1
 * ms.  keep_spare: the old content stays there for the next replace;
 * else it goes. */
static int write_replace(const char *path, const void *data, size_t len, mode_t mode,
			 bool keep_spare, struct err **err)
{
	cleanup_free char *tmp = xasprintf("%s.tmp-%d", path, (int)getpid());
	cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);

	if (fd < 0)
		return err_set(err, errno, "create '%s'", tmp);
	errno = 0;
	if (pwrite(fd, data, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) < 0) {
		err_set(err, errno ? errno : EIO, "write '%s'", tmp);
		unlink(tmp);
		return -1;
	}
	/* Over an existing file: exchange the two, then unlink the old one.
	 * ext4 (auto_da_alloc) writes out a file renamed over another at once,
	 * so every state.json replaced later freed a block, which costs a
	 * synchronous discard on a disk mounted with it (two per run); an
	 * exchanged one stays in the page cache until it is gone. */
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
		if (!keep_spare)
			unlink(tmp);
		return 0;
	}
	if (rename(tmp, path) < 0) {
		err_set(err, errno, "rename '%s' to '%s'", tmp, path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

int rt_write_file_replace(const char *path, const void *data, size_t len, mode_t mode,
			  struct err **err)
{
	return write_replace(path, data, len, mode, false, err);
}

char *rt_state_config_path(const struct rt_state *s)
{
	return s->config ? xstrdup(s->config) : xasprintf("%s/config.json", s->bundle);
}

int rt_state_save(const struct rt_state *s, bool keep_spare, struct err **err)
{
	cleanup_json cJSON *j = cJSON_CreateObject();
	cleanup_free char *path = xasprintf("%s/state.json", s->dir);
	cleanup_free char *text = NULL;

	/* what finds the container's processes first: rt_state_salvage reads
	 * them from a truncated file */
	cJSON_AddNumberToObject(j, "pid", s->pid);
	cJSON_AddNumberToObject(j, "initStartTime", (double)s->start_time);
	cJSON_AddStringToObject(j, "cgroupPath", s->cgroup_path ? s->cgroup_path : "");
	if (s->creator_pid > 0) {
		cJSON_AddNumberToObject(j, "creatorPid", s->creator_pid);
		cJSON_AddNumberToObject(j, "creatorStartTime", (double)s->creator_start_time);
	}
	cJSON_AddStringToObject(j, "ociVersion", OCI_VERSION);
	cJSON_AddStringToObject(j, "id", s->id);
	cJSON_AddStringToObject(j, "bundle", s->bundle);
	if (s->config)
		cJSON_AddStringToObject(j, "config", s->config);
	cJSON_AddStringToObject(j, "rootfs", s->rootfs ? s->rootfs : "");
	cJSON_AddStringToObject(j, "created", s->created ? s->created : "");
	cJSON_AddStringToObject(j, "owner", s->owner ? s->owner : "");
	cJSON_AddNumberToObject(j, "startPipeIno", (double)s->start_pipe_ino);
	cJSON_AddNumberToObject(j, "startPipeFd", s->start_pipe_fd);
	if (s->shared_pidns)
		cJSON_AddBoolToObject(j, "sharedPidNamespace", true);
	if (s->annotations)
		cJSON_AddItemToObject(j, "annotations", cJSON_Duplicate(s->annotations, true));
	text = json_print(j, false);
	if (write_replace(path, text, strlen(text), 0600, keep_spare, err) < 0)
		return err_wrap(err, "write state of container '%s'", s->id);
	return 0;
}

void rt_state_release(struct rt_state *s)
{
	free(s->dir);
	free(s->id);
	free(s->bundle);
	free(s->config);
	free(s->rootfs);
	free(s->created);
	free(s->owner);
	free(s->cgroup_path);
	cJSON_Delete(s->annotations);
	*s = (struct rt_state)RT_STATE_INIT;
}

/* Field 3 (state) and 22 (starttime) of /proc/<pid>/stat. */
static int proc_stat(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], buf[1024];
	cleanup_close int fd = -1;
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = fs_read_full(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	if (sscanf(
		p + 2,
		"%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		state, start) != 2)
		return -1;
	return 0;
}

unsigned long long rt_proc_start_time(pid_t pid)
{
	char st;
	unsigned long long start = 0;

	if (proc_stat(pid, &st, &start) < 0)
		return 0;
	return start;
}

static bool proc_alive(pid_t pid, unsigned long long start_time)
{
	char st = 0;
	unsigned long long start = 0;

	if (pid <= 0 || proc_stat(pid, &st, &start) < 0)
		return false;
	if (start_time && start != start_time)
		return false;
	return st != 'Z' && st != 'X';
}

bool rt_state_alive(const struct rt_state *s)
{
	return proc_alive(s->pid, s->start_time);
}

enum rt_status rt_state_status(const struct rt_state *s)
{
	char path[80], link[64];
	ssize_t n;

	/* a create killed half-way left a record that nothing will finish */
	if (s->creator_pid > 0)
		return proc_alive(s->creator_pid, s->creator_start_time) ? RT_STATUS_CREATING
									 : RT_STATUS_STOPPED;
	if (!rt_state_alive(s))
		return RT_STATUS_STOPPED;
	if (s->start_pipe_fd >= 0) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)s->pid, s->start_pipe_fd);
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			char want[64];
			link[n] = 0;
			snprintf(want, sizeof(want), "pipe:[%llu]", s->start_pipe_ino);
			if (streq(link, want))
				return RT_STATUS_CREATED;
		}
	}
	if (s->cgroup_path && *s->cgroup_path) {
		struct rt_cgroup cg = RT_CGROUP_INIT;
		bool frozen = false;
		if (rt_cgroup_open(s->cgroup_path, &cg, NULL) == 0)
			frozen = rt_cgroup_is_frozen(&cg);
		rt_cgroup_release(&cg);
		if (frozen)
			return RT_STATUS_PAUSED;
	}
	return RT_STATUS_RUNNING;
}

const char *rt_status_name(enum rt_status st)
{
	switch (st) {
	case RT_STATUS_CREATING:
		return "creating";
	case RT_STATUS_CREATED:
		return "created";
	case RT_STATUS_RUNNING:
		return "running";
	case RT_STATUS_PAUSED:
		return "paused";
	case RT_STATUS_STOPPED:
		return "stopped";
	}
	return "unknown";
}

cJSON *rt_state_to_json(const struct rt_state *s, enum rt_status st)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "ociVersion", OCI_VERSION);
	cJSON_AddStringToObject(j, "id", s->id);
	cJSON_AddNumberToObject(j, "pid", st == RT_STATUS_STOPPED ? 0 : s->pid);
	cJSON_AddStringToObject(j, "status", rt_status_name(st));
	cJSON_AddStringToObject(j, "bundle", s->bundle);
	cJSON_AddStringToObject(j, "rootfs", s->rootfs ? s->rootfs : "");
	cJSON_AddStringToObject(j, "created", s->created ? s->created : "");
	cJSON_AddStringToObject(j, "owner", s->owner ? s->owner : "");
	if (s->annotations && cJSON_GetArraySize(s->annotations) > 0)
		cJSON_AddItemToObject(j, "annotations", cJSON_Duplicate(s->annotations, true));
	return j;
}

char *rt_time_now_rfc3339(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}
