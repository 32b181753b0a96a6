/* exec.c: a new process in a running container.
 *
 * The runtime (parent) prepares everything that can fail cleanly: the
 * process spec, capabilities, the seccomp program, fds on the container's
 * namespaces and root.  A first child enters the container's cgroup and
 * namespaces (user first), chroots to the container's root and forks the
 * process itself (now in the container's pid namespace), then exits.  The
 * process reaches the parent either as a reparented orphan (the parent is a
 * subreaper while it waits in the foreground) or, with --detach, goes to
 * the caller's subreaper, which is what conmon and containerd-shim expect.
 *
 *   parent ──fork──> joiner: cgroup, setns*, chroot ──fork──> process: pty,
 *     fds, rlimits, caps, uid/gid, cwd, NNP, seccomp, execve
 *
 * Errors in the children travel back as text on a close-on-exec pipe; EOF
 * without text means execve succeeded. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/util.h"
#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "runtime/exec.h"
#include "runtime/security.h"
#include "runtime/state.h"
#include "runtime/env.h"
#include "runtime/sched.h"
#include "runtime/tty.h"
#include "spec/runtime_config.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Namespaces in the order they are joined: the user namespace first (it
 * grants the rights to join the others), the mount namespace last. */
static const struct {
	const char *name;
	int flag;
} ns_order[] = {
    {"user", CLONE_NEWUSER}, {"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC},
    {"uts", CLONE_NEWUTS},   {"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID},
    {"time", CLONE_NEWTIME}, {"mnt", CLONE_NEWNS},
};
#define N_NS ARRAY_SIZE(ns_order)

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Everything the children need, prepared by the parent. */
struct exec_ctx {
	struct spec_config spec; /* .process and linux.memoryPolicy are used */
	struct rt_caps *caps;
	struct rt_seccomp *seccomp;
	char **envp;
	int ns_fds[N_NS]; /* -1: same namespace as the runtime */
	int root_fd;
	struct rt_cgroup cg;
	bool has_cgroup;
	bool cloned_into_cgroup;  /* the joiner was born in the cgroup2 directory */
	int console_fd;           /* connected console socket, or -1 */
	int console_peer;         /* our end when we hold the pty ourselves, or -1 */
	int seccomp_sock;         /* connected to linux.seccomp.listenerPath, or -1 */
	int hostpid_r, hostpid_w; /* the joiner tells the process its host pid */
	pid_t host_pid;
	cJSON *state; /* the container's state, for the seccomp listener */
	bool tty;
	unsigned short rows, cols;
	int preserve_fds;
	int err_w; /* error text, close-on-exec */
	int pid_w; /* the process's pid, from the joiner */
};

/* ---- in the children: only report and _exit on failure ---- */

static NORETURN PRINTF(3, 4) void child_fail(int fd, int errnum, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	if (errnum && (size_t)n + 2 < sizeof(msg))
		n += snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(errnum));
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	(void)fs_write_all(fd, msg, (size_t)n);
	_exit(1);
}

/* runc's wording for exec failures; callers (podman) match on it. */
static const char *exec_errstr(int e)
{
	switch (e) {
	case ENOENT:
		return "no such file or directory";
	case EACCES:
		return "permission denied";
	case ENOEXEC:
		return "exec format error";
	case ENOTDIR:
		return "not a directory";
	default:
		return strerror(e);
	}
}

static bool is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

static const char *env_get(char **envp, const char *key)
{
	size_t n = strlen(key);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, key, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* Resolve argv[0] in the container's PATH (the process env's). */
static char *lookup(const char *name, char **envp, int errfd)
{
	const char *path = env_get(envp, "PATH");
	char buf[PATH_MAX];

	if (strchr(name, '/'))
		return xstrdup(name);
	if (!path)
		path = DEFAULT_PATH;
	while (*path) {
		const char *end = strchrnul(path, ':');
		int len = (int)(end - path);

		if (len == 0)
			snprintf(buf, sizeof(buf), "./%s", name);
		else
			snprintf(buf, sizeof(buf), "%.*s/%s", len, path, name);
		if (is_executable(buf))
			return xstrdup(buf);
		path = *end ? end + 1 : end;
	}
	child_fail(errfd, 0, "exec: \"%s\": executable file not found in $PATH", name);
}

/* New pty inside the container; the master goes to the console socket. */
static void setup_tty(const struct exec_ctx *c, int errfd)
{
	struct err *e = NULL;
	int master, slave;
	char name[64];

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		child_fail(errfd, errno, "open /dev/ptmx in the container");
	if (grantpt(master) < 0 || unlockpt(master) < 0 ||
	    ptsname_r(master, name, sizeof(name)) != 0)
		child_fail(errfd, errno, "set up the pty");
	slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		child_fail(errfd, errno, "open '%s'", name);
	if (c->rows || c->cols) {
		struct winsize ws = {.ws_row = c->rows, .ws_col = c->cols};
		(void)ioctl(slave, TIOCSWINSZ, &ws);
	}
	if (rt_tty_prepare_slave(slave, c->console_peer >= 0, c->spec.process.uid,
				 c->spec.process.gid, &e) < 0)
		child_fail(errfd, 0, "%s", e->msg);
	if (rt_tty_send_fd(c->console_fd, master, name, &e) < 0)
		child_fail(errfd, 0, "%s", e->msg);
	close(master);
	close(c->console_fd);
	if (setsid() < 0)
		child_fail(errfd, errno, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		child_fail(errfd, errno, "make '%s' the controlling terminal", name);
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			child_fail(errfd, errno, "dup2 the pty");
	if (slave > 2)
		close(slave);
}

/* Close every fd but 0-2, the preserved ones, errfd and *keep (when >= 0;
 * both move above the preserved ones).  Done for real, not just marked
 * close-on-exec, before the cwd is resolved: a host fd must never be
 * reachable through /proc/self/fd (CVE-2024-21626). */
static int close_fds(int preserve, int errfd, int *keep)
{
	int first = 3 + preserve;
	int fd = errfd, k = keep ? *keep : -1, lo = first, hi[2];

	if (fd < first) {
		fd = fcntl(errfd, F_DUPFD_CLOEXEC, first);
		if (fd < 0)
			child_fail(errfd, errno, "dup the error pipe");
	}
	if (k >= 0 && k < first) {
		k = fcntl(k, F_DUPFD_CLOEXEC, first);
		if (k < 0)
			child_fail(fd, errno, "dup the seccomp listener socket");
	}
	hi[0] = k >= 0 && k < fd ? k : fd;
	hi[1] = k >= 0 && k < fd ? fd : k;
	for (int i = 0; i < 2; i++) {
		if (hi[i] < 0)
			continue;
		if (hi[i] > lo)
			syscall(SYS_close_range, (unsigned)lo, (unsigned)hi[i] - 1, 0);
		lo = hi[i] + 1;
	}
	syscall(SYS_close_range, (unsigned)lo, ~0U, 0);
	/* The preserved fds are the caller's: they go through execve. */
	for (int i = 3; i < first; i++) {
		int fl = fcntl(i, F_GETFD);
		if (fl >= 0)
			(void)fcntl(i, F_SETFD, fl & ~FD_CLOEXEC);
	}
	if (keep)
		*keep = k;
	return fd;
}

/* Install the seccomp filter; a notifying profile's listener fd goes to
 * linux.seccomp.listenerPath with the container's state and our host pid. */
static void load_seccomp(struct exec_ctx *c, int errfd)
{
	struct err *e = NULL;

	if (rt_seccomp_load(c->seccomp, c->seccomp_sock, c->state, c->host_pid, &e) < 0)
		child_fail(errfd, 0, "%s", e->msg);
}

static NORETURN void process_child(struct exec_ctx *c)
{
	const struct spec_process *p = &c->spec.process;
	struct err *e = NULL;
	char *path;
	bool cwd_done = false;
	int errfd = c->err_w;

	log_set_forked_child();
	proc_signals_default();

	if (c->hostpid_r >= 0) {
		/* the joiner forked us in the host's pid namespace: it knows */
		if (fs_read_full(c->hostpid_r, &c->host_pid, sizeof(c->host_pid)) !=
		    (ssize_t)sizeof(c->host_pid))
			child_fail(errfd, 0, "learn the process's pid");
		close(c->hostpid_r);
		c->hostpid_r = -1;
	}
	if (c->tty)
		setup_tty(c, errfd);
	errfd = close_fds(c->preserve_fds, errfd, &c->seccomp_sock);

	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = {.rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard};
		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			child_fail(errfd, errno, "set rlimit %s%s", p->rlimits[i].name,
				   errno == EPERM ? " (raising a hard limit needs CAP_SYS_RESOURCE)"
						  : "");
	}
	if (p->has_oom_score_adj) {
		char v[16];
		int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
		int n = snprintf(v, sizeof(v), "%d", p->oom_score_adj);

		if (fd < 0 || fs_write_all(fd, v, (size_t)n) < 0)
			child_fail(errfd, errno, "set oom_score_adj");
		close(fd);
	}

	if (rt_sched_apply(&c->spec, &e) < 0)
		child_fail(errfd, 0, "%s", e->msg);
	rt_stdio_give(p->uid, p->gid);
	if (rt_caps_before_setuid(c->caps, &e) < 0)
		child_fail(errfd, 0, "%s", e->msg);
	/* Without no_new_privs, installing a filter needs CAP_SYS_ADMIN, which
	 * setuid to a non-root user takes away: install it while still root
	 * (runc does the same; the filter must then allow setuid & co). */
	if (!p->no_new_privileges)
		load_seccomp(c, errfd);
	/* cwd first as root (the user may not reach it: runc lets the process
	 * start there anyway), again as the user when root may not (a volume
	 * owned by the user on a root-squashing file system) */
	if (chdir(p->cwd) == 0)
		cwd_done = true;
	else if (errno != EACCES && errno != EPERM)
		child_fail(errfd, errno, "chdir to cwd '%s' in the container", p->cwd);
	if (p->n_additional_gids > 0) {
		gid_t *g = xcalloc(p->n_additional_gids, sizeof(gid_t));
		for (size_t i = 0; i < p->n_additional_gids; i++)
			g[i] = p->additional_gids[i];
		if (setgroups(p->n_additional_gids, g) < 0)
			child_fail(errfd, errno, "setgroups");
		free(g);
	} else if (setgroups(0, NULL) < 0 && errno != EPERM) {
		/* EPERM: a user namespace with setgroups denied; nothing to drop */
		child_fail(errfd, errno, "setgroups");
	}
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		child_fail(errfd, errno, "setgid %u", p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		child_fail(errfd, errno, "setuid %u", p->uid);
	if (rt_caps_after_setuid(c->caps, &e) < 0)
		child_fail(errfd, 0, "%s", e->msg);
	umask(p->has_umask ? p->umask : 022);
	if (!cwd_done && chdir(p->cwd) < 0)
		child_fail(errfd, errno, "chdir to cwd '%s' in the container", p->cwd);
	path = lookup(p->args[0], c->envp, errfd);
	if (p->no_new_privileges) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			child_fail(errfd, errno, "prctl PR_SET_NO_NEW_PRIVS");
		load_seccomp(c, errfd);
	}
	execve(path, p->args, c->envp);
	/* found, yet execve failed (a missing interpreter, a bad format):
	 * Go's PathError wording, as runc */
	child_fail(errfd, 0, "exec %s: %s", path, exec_errstr(errno));
}

static NORETURN void joiner_child(struct exec_ctx *c)
{
	struct err *e = NULL;
	pid_t pid;

	log_set_forked_child();
	if (c->has_cgroup) {
		int *fds = NULL;
		if (rt_cgroup_open_self(&c->cg, c->cloned_into_cgroup, &fds, &e) < 0 ||
		    rt_cgroup_enter_self(fds, &e) < 0)
			child_fail(c->err_w, 0, "join the container's cgroup: %s", e->msg);
	}
	for (size_t i = 0; i < N_NS; i++) {
		if (c->ns_fds[i] < 0)
			continue;
		if (setns(c->ns_fds[i], ns_order[i].flag) < 0)
			child_fail(c->err_w, errno, "join the container's %s namespace",
				   ns_order[i].name);
		close(c->ns_fds[i]);
		c->ns_fds[i] = -1;
	}
	/* The root of the init, whether it got there by pivot_root or chroot. */
	if (fchdir(c->root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		child_fail(c->err_w, errno, "enter the container's root");
	close(c->root_fd);
	c->root_fd = -1;

	pid = fork();
	if (pid < 0)
		child_fail(c->err_w, errno, "fork");
	if (pid == 0) {
		close(c->pid_w);
		if (c->hostpid_w >= 0)
			close(c->hostpid_w);
		process_child(c);
	}
	if (c->hostpid_w >= 0)
		(void)fs_write_all(c->hostpid_w, &pid, sizeof(pid));
	(void)fs_write_all(c->pid_w, &pid, sizeof(pid));
	_exit(0);
}

/* ---- parent ---- */

static void ctx_release(struct exec_ctx *c)
{
	spec_config_release(&c->spec);
	rt_caps_free(c->caps);
	rt_seccomp_free(c->seccomp);
	strv_free(c->envp);
	for (size_t i = 0; i < N_NS; i++)
		fs_close(c->ns_fds[i]);
	fs_close(c->root_fd);
	fs_close(c->console_fd);
	fs_close(c->console_peer);
	fs_close(c->seccomp_sock);
	fs_close(c->hostpid_r);
	fs_close(c->hostpid_w);
	cJSON_Delete(c->state);
	rt_cgroup_release(&c->cg);
}

static void env_set(cJSON *env, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	cJSON *it;
	int i = 0;

	cJSON_ArrayForEach(it, env)
	{
		if (cJSON_IsString(it) && strncmp(it->valuestring, kv, klen) == 0 &&
		    (it->valuestring[klen] == '=' || it->valuestring[klen] == '\0')) {
			cJSON_ReplaceItemInArray(env, i, cJSON_CreateString(kv));
			return;
		}
		i++;
	}
	cJSON_AddItemToArray(env, cJSON_CreateString(kv));
}

static cJSON *obj_child(cJSON *obj, const char *key, bool array)
{
	cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (c && (array ? cJSON_IsArray(c) : cJSON_IsObject(c)))
		return c;
	if (c)
		cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	c = array ? cJSON_CreateArray() : cJSON_CreateObject();
	cJSON_AddItemToObject(obj, key, c);
	return c;
}

static void set_number(cJSON *obj, const char *key, double v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	cJSON_AddNumberToObject(obj, key, v);
}

/* The process JSON: --process FILE, or the container's process with ARGS;
 * then the command-line overrides (runc's order). */
static cJSON *build_process(const struct rt_exec_opts *o, const cJSON *config, struct err **err)
{
	cleanup_json cJSON *proc = NULL;
	const cJSON *cproc = cJSON_GetObjectItemCaseSensitive(config, "process");

	if (o->process_path) {
		proc = json_load_file(o->process_path, 0, err);
		if (!proc)
			return NULL;
		if (!cJSON_IsObject(proc)) {
			err_set(err, 0, "process file '%s' must hold a JSON object",
				o->process_path);
			return NULL;
		}
	} else {
		cJSON *args;

		proc = cproc && cJSON_IsObject(cproc) ? cJSON_Duplicate(cproc, true)
						      : cJSON_CreateObject();
		/* a process of its own: no_new_privs only with --no-new-privs
		 * (crun), whatever the container's init has */
		cJSON_DeleteItemFromObjectCaseSensitive(proc, "noNewPrivileges");
		args = json_strv_to_array(o->args);
		cJSON_DeleteItemFromObjectCaseSensitive(proc, "args");
		cJSON_AddItemToObject(proc, "args", args);
		cJSON_DeleteItemFromObjectCaseSensitive(proc, "terminal");
		cJSON_AddBoolToObject(proc, "terminal", o->tty);
		if (!cJSON_GetObjectItemCaseSensitive(proc, "cwd"))
			cJSON_AddStringToObject(proc, "cwd", "/");
	}
	if (o->tty) {
		cJSON_DeleteItemFromObjectCaseSensitive(proc, "terminal");
		cJSON_AddBoolToObject(proc, "terminal", true);
	}
	if (o->cwd) {
		cJSON_DeleteItemFromObjectCaseSensitive(proc, "cwd");
		cJSON_AddStringToObject(proc, "cwd", o->cwd);
	}
	for (char **e = o->env; e && *e; e++)
		env_set(obj_child(proc, "env", true), *e);
	if (o->has_user || o->n_additional_gids) {
		cJSON *user = obj_child(proc, "user", false);

		if (o->has_user) {
			set_number(user, "uid", o->uid);
			set_number(user, "gid", o->has_gid ? o->gid : 0);
		}
		if (o->n_additional_gids) {
			cJSON *g = cJSON_CreateArray();
			for (size_t i = 0; i < o->n_additional_gids; i++)
				cJSON_AddItemToArray(g, cJSON_CreateNumber(o->additional_gids[i]));
			cJSON_DeleteItemFromObjectCaseSensitive(user, "additionalGids");
			cJSON_AddItemToObject(user, "additionalGids", g);
		}
	}
	if (o->no_new_privs) {
		cJSON_DeleteItemFromObjectCaseSensitive(proc, "noNewPrivileges");
		cJSON_AddBoolToObject(proc, "noNewPrivileges", true);
	}
	if (o->caps && o->caps[0]) {
		static const char *const sets[] = {"bounding", "effective", "permitted",
						   "inheritable", "ambient"};
		cJSON *caps = obj_child(proc, "capabilities", false);

		for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
			cJSON *set = obj_child(caps, sets[i], true);

			for (char **c = o->caps; *c; c++) {
				bool have = false;
				const cJSON *it;

				cJSON_ArrayForEach(it, set) if (cJSON_IsString(it) &&
								streq(it->valuestring, *c)) have =
				    true;
				if (!have)
					cJSON_AddItemToArray(set, cJSON_CreateString(*c));
			}
		}
	}
	return steal_pointer(&proc);
}

static int open_namespaces(pid_t pid, struct exec_ctx *c, struct err **err)
{
	for (size_t i = 0; i < N_NS; i++) {
		char path[64];
		struct stat theirs, ours;
		int fd;

		c->ns_fds[i] = -1;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_order[i].name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT && !streq(ns_order[i].name, "mnt"))
				continue; /* the kernel lacks this namespace type */
			return err_set(err, errno, "open '%s'", path);
		}
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_order[i].name);
		if (fstat(fd, &theirs) == 0 && stat(path, &ours) == 0 &&
		    theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev) {
			close(fd); /* shared with the host: nothing to join */
			continue;
		}
		c->ns_fds[i] = fd;
	}
	return 0;
}

static volatile pid_t forward_pid = -1;

static void forward_signal(int sig)
{
	if (forward_pid > 0)
		kill(forward_pid, sig);
}

static int wait_code(pid_t pid, struct err **err)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_set(err, errno, "wait for process %d", (int)pid);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

static int prepare(const struct rt_exec_opts *o, const struct rt_state *st, struct exec_ctx *c,
		   struct err **err)
{
	cleanup_json cJSON *config = NULL, *proc = NULL, *wrapper = NULL;
	cleanup_free char *config_path = rt_state_config_path(st);
	const cJSON *lin;
	int ret;

	config = json_load_file(config_path, 0, err);
	if (!config)
		return err_wrap(err, "read the container's config");
	proc = build_process(o, config, err);
	if (!proc)
		return -1;
	/* Reuse the config parser for the process: wrap it in a minimal config. */
	wrapper = cJSON_CreateObject();
	cJSON_AddStringToObject(wrapper, "ociVersion", "1.0.2");
	cJSON_AddItemToObject(cJSON_AddObjectToObject(wrapper, "root"), "path",
			      cJSON_CreateString("/"));
	cJSON_AddItemToObject(wrapper, "process", steal_pointer(&proc));
	{
		/* the container's memory policy applies to its exec'd processes */
		const cJSON *mp = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(config, "linux"), "memoryPolicy");
		if (mp)
			cJSON_AddItemToObject(cJSON_AddObjectToObject(wrapper, "linux"),
					      "memoryPolicy", cJSON_Duplicate(mp, true));
	}
	if (spec_config_parse(wrapper, &c->spec, err) < 0)
		return o->process_path ? err_wrap(err, "process '%s'", o->process_path) : -1;
	if (c->spec.process.args == NULL || c->spec.process.args[0] == NULL)
		return err_set(err, 0, "exec needs a command to run");
	c->tty = c->spec.process.terminal;
	if (c->tty && !o->console_socket && o->detach)
		return err_set(err, 0,
			       "a detached process with a terminal (--tty or process.terminal) "
			       "needs --console-socket");
	if (!c->tty && o->console_socket)
		log_debug("--console-socket given without a terminal: ignored");
	{
		const cJSON *pj = cJSON_GetObjectItemCaseSensitive(wrapper, "process");
		const cJSON *cs = cJSON_GetObjectItemCaseSensitive(pj, "consoleSize");
		int64_t h = 0, w = 0;

		if (cs &&
		    json_get_int64(cs, "process.consoleSize", "height", false, &h, NULL) >= 0 &&
		    json_get_int64(cs, "process.consoleSize", "width", false, &w, NULL) >= 0) {
			c->rows = (unsigned short)h;
			c->cols = (unsigned short)w;
		}
		if (rt_caps_prepare(cJSON_GetObjectItemCaseSensitive(pj, "capabilities"), &c->caps,
				    err) < 0)
			return -1;
	}
	lin = cJSON_GetObjectItemCaseSensitive(config, "linux");
	if (lin && rt_seccomp_prepare(cJSON_GetObjectItemCaseSensitive(lin, "seccomp"), NULL,
				      &c->seccomp, err) < 0)
		return -1;

	ret = open_namespaces(st->pid, c, err);
	if (ret < 0)
		return -1;
	{
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/root", (int)st->pid);
		c->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (c->root_fd < 0)
			return err_set(err, errno, "open '%s'", path);
	}
	/* The pid was checked against its start time by the state; check again
	 * now that the fds are open, so they belong to the container's init. */
	if (rt_proc_start_time(st->pid) != st->start_time)
		return err_set(err, ESRCH, "container '%s' stopped", st->id);

	c->envp = rt_env_build(c->spec.process.env, c->root_fd, c->spec.process.uid);
	if (st->cgroup_path && st->cgroup_path[0]) {
		if (rt_cgroup_open(st->cgroup_path, &c->cg, err) < 0)
			return -1;
		c->has_cgroup = true;
		for (size_t i = 0; o->cgroups && o->cgroups[i]; i++)
			if (rt_cgroup_use_sub(&c->cg, o->cgroups[i], err) < 0)
				return -1;
	} else if (o->cgroups)
		return err_set(err, 0, "--cgroup: container '%s' has no cgroup", st->id);
	if (c->tty && o->console_socket) {
		c->console_fd = rt_tty_connect(o->console_socket, err);
		if (c->console_fd < 0)
			return -1;
	} else if (c->tty) {
		/* in the foreground without a console socket we hold the pty,
		 * as runc exec -t does: the master comes back over a pair */
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return err_set(err, errno, "socketpair");
		c->console_fd = sv[0];
		c->console_peer = sv[1];
	}
	if (rt_seccomp_listener(c->seccomp)) {
		int hp[2];

		c->seccomp_sock = rt_unix_connect(rt_seccomp_listener(c->seccomp),
						  "'linux.seccomp.listenerPath'", err);
		if (c->seccomp_sock < 0)
			return -1;
		if (pipe2(hp, O_CLOEXEC) < 0)
			return err_set(err, errno, "pipe");
		c->hostpid_r = hp[0];
		c->hostpid_w = hp[1];
		c->state = rt_state_to_json(st, RT_STATUS_RUNNING);
	}
	c->preserve_fds = o->preserve_fds;
	return 0;
}

int rt_exec(const struct rt_exec_opts *o, int *exit_code, struct err **err)
{
	struct rt_state st = RT_STATE_INIT;
	struct exec_ctx c = {.root_fd = -1,
			     .console_fd = -1,
			     .console_peer = -1,
			     .seccomp_sock = -1,
			     .hostpid_r = -1,
			     .hostpid_w = -1,
			     .err_w = -1,
			     .pid_w = -1};
	cleanup_close int err_r = -1, pid_r = -1;
	cleanup_free char *msg = NULL;
	enum rt_status status;
	pid_t joiner, pid = -1;
	int fds[2], ret = -1, code;
	size_t len = 0;

	for (size_t i = 0; i < N_NS; i++)
		c.ns_fds[i] = -1;
	*exit_code = 0;
	if (rt_state_load(o->root, o->id, &st, err) < 0)
		return -1;
	status = rt_state_status(&st);
	if (status == RT_STATUS_STOPPED) {
		err_set(err, 0, "cannot exec in a stopped container '%s'", o->id);
		goto out;
	}
	if (status == RT_STATUS_PAUSED) {
		err_set(err, 0, "cannot exec in a paused container '%s'", o->id);
		goto out;
	}
	/* its init may still be the runtime (the container's processes must
	 * not see it before it has exec'd: cloned_binary.c, clone.h) */
	if (status == RT_STATUS_CREATING) {
		err_set(err, 0, "cannot exec in container '%s' while it is being created", o->id);
		goto out;
	}
	if (prepare(o, &st, &c, err) < 0)
		goto out;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		err_set(err, errno, "pipe");
		goto out;
	}
	err_r = fds[0], c.err_w = fds[1];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		err_set(err, errno, "pipe");
		goto out;
	}
	pid_r = fds[0], c.pid_w = fds[1];

	/* In the foreground the process comes back to us when the joiner
	 * exits; detached, it goes to the caller's subreaper. */
	if (!o->detach && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		err_set(err, errno, "prctl PR_SET_CHILD_SUBREAPER");
		goto out;
	}
	/* the joiner joins the cgroup itself, without the global lock
	 * (cgroup.h): born in the cgroup2 directory where it can be */
	joiner = rt_cgroup_clone(0, c.has_cgroup ? c.cg.v2_dir : NULL, NULL, &c.cloned_into_cgroup);
	if (joiner < 0) {
		err_set(err, errno, "fork");
		goto out;
	}
	if (joiner == 0)
		joiner_child(&c);
	fs_close(steal_fd(&c.err_w));
	fs_close(steal_fd(&c.pid_w));
	fs_close(steal_fd(&c.console_fd));
	fs_close(steal_fd(&c.seccomp_sock));
	fs_close(steal_fd(&c.hostpid_r));
	fs_close(steal_fd(&c.hostpid_w));

	if (fs_read_full(pid_r, &pid, sizeof(pid)) != (ssize_t)sizeof(pid))
		pid = -1;
	code = wait_code(joiner, NULL);
	if (fs_read_fd(err_r, 64 * 1024, &msg, &len, err) < 0)
		goto out;
	if (len > 0 || pid <= 0 || code != 0) {
		if (pid > 0 && !o->detach)
			(void)wait_code(pid, NULL);
		err_set(err, 0, "%s", len > 0 ? msg : "exec: the process could not be started");
		goto out;
	}
	/* execve succeeded. */
	if (o->pid_file) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

		if (fs_write_file_atomic(o->pid_file, buf, (size_t)n, 0644, err) < 0) {
			if (!o->detach) {
				kill(pid, SIGKILL);
				(void)wait_code(pid, NULL);
			}
			goto out;
		}
	}
	if (o->detach) {
		ret = 0;
		goto out;
	}
	if (c.console_peer >= 0) {
		cleanup_close int master = rt_tty_recv_fd(c.console_peer, err);

		if (master < 0) {
			kill(pid, SIGKILL);
			(void)wait_code(pid, NULL);
			goto out;
		}
		code = rt_tty_wait_forwarding(pid, master, err);
		if (code < 0)
			goto out;
		*exit_code = code;
		ret = 0;
		goto out;
	}
	{
		static const int sigs[] = {SIGINT,  SIGTERM, SIGHUP,   SIGQUIT,
					   SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};
		struct sigaction sa = {.sa_handler = forward_signal};

		forward_pid = pid;
		for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
			sigaction(sigs[i], &sa, NULL);
	}
	code = wait_code(pid, err);
	if (code < 0)
		goto out;
	*exit_code = code;
	ret = 0;
out:
	ctx_release(&c);
	fs_close(c.err_w);
	fs_close(c.pid_w);
	rt_state_release(&st);
	return ret;
}
