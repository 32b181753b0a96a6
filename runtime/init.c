/* init.c: the container init, from clone to execve (see container.h). */
#define _GNU_SOURCE
#include <ctype.h>        /* tolower */
#include <errno.h>        /* errno */
#include <fcntl.h>        /* open */
#include <grp.h>          /* setgroups */
#include <limits.h>       /* PATH_MAX */
#include <sched.h>        /* CLONE_* */
#include <signal.h>       /* sigaction */
#include <stdio.h>        /* snprintf */
#include <stdlib.h>       /* _exit */
#include <string.h>       /* strerror */
#include <sys/prctl.h>    /* prctl */
#include <sys/resource.h> /* setrlimit */
#include <sys/socket.h>   /* send */
#include <sys/stat.h>     /* umask, stat */
#include <sys/syscall.h>  /* SYS_close_range */
#include <unistd.h>       /* execve */
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/util.h"
#include "runtime/container.h"
#include "runtime/env.h"
#include "runtime/mount.h"
#include "runtime/ns.h"
#include "runtime/sched.h"
#include "runtime/security.h"
#include "runtime/tty.h"

extern char **environ;

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static void sync_send(int fd, char type, const char *text)
{
	char buf[4096];
	size_t n = 0;

	buf[n++] = type;
	if (text) {
		size_t l = strlen(text);
		if (l > sizeof(buf) - 2)
			l = sizeof(buf) - 2;
		memcpy(buf + n, text, l);
		n += l;
	}
	while (send(fd, buf, n, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

static char sync_recv(int fd)
{
	char c = 0;
	ssize_t n;

	do
		n = recv(fd, &c, 1, 0);
	while (n < 0 && errno == EINTR);
	return n == 1 ? c : 0;
}

/* Before 'R': report to the parent, which prints it once. */
__attribute__((noreturn)) static void fail(struct rt_container *c, struct err *e)
{
	sync_send(c->sync_fd, 'E', e && e->msg ? e->msg : "container init failed");
	_exit(1);
}

/* After 'R' nobody waits for a message: stderr is all there is. */
__attribute__((noreturn)) static void fail_late(struct err *e)
{
	cleanup_free char *line =
	    xasprintf("kist-runtime: %s\n", e && e->msg ? e->msg : "container init failed");
	fs_write_all(2, line, strlen(line));
	_exit(1);
}

static const char *env_get(char *const *env, const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], key, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

/* Go's exec.LookPath wording, which podman maps to 127 and 126. */
static int find_program(const char *name, char *const *env, char **out, struct err **err)
{
	struct stat st;

	if (strchr(name, '/')) {
		if (stat(name, &st) < 0) {
			/* Go's wording, lowercase: callers match on it */
			char msg[128];
			snprintf(msg, sizeof(msg), "%s", strerror(errno));
			msg[0] = (char)tolower((unsigned char)msg[0]);
			return err_set(err, 0, "exec: \"%s\": stat %s: %s", name, name, msg);
		}
		if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111))
			return err_set(err, 0, "exec: \"%s\": permission denied", name);
		*out = xstrdup(name);
		return 0;
	}
	const char *path = env_get(env, "PATH");
	bool denied = false;
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	cleanup_free char *copy = xstrdup(path);
	char *save = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		cleanup_free char *p = xasprintf("%s/%s", *dir ? dir : ".", name);
		if (stat(p, &st) < 0 || S_ISDIR(st.st_mode))
			continue;
		if (!(st.st_mode & 0111)) {
			denied = true;
			continue;
		}
		*out = steal_pointer(&p);
		return 0;
	}
	if (denied)
		return err_set(err, 0, "exec: \"%s\": permission denied", name);
	return err_set(err, 0, "exec: \"%s\": executable file not found in $PATH", name);
}

/* HOME from the container's /etc/passwd when the config does not set it. */
static int write_sysctls(const struct spec_config *cfg, struct err **err)
{
	for (size_t i = 0; cfg->sysctl && cfg->sysctl[i]; i++) {
		cleanup_free char *kv = xstrdup(cfg->sysctl[i]);
		char *eq = strchr(kv, '=');
		cleanup_free char *path = NULL;
		cleanup_close int fd = -1;

		*eq = 0;
		for (char *p = kv; *p; p++)
			if (*p == '.')
				*p = '/';
		path = xasprintf("/proc/sys/%s", kv);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || fs_write_all(fd, eq + 1, strlen(eq + 1)) < 0) {
			for (char *p = kv; *p; p++)
				if (*p == '/')
					*p = '.';
			return err_set(err, errno, "'linux.sysctl': write '%s' = '%s'", kv, eq + 1);
		}
	}
	return 0;
}

static int set_rlimits(const struct spec_process *p, struct err **err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct spec_rlimit *r = &p->rlimits[i];
		struct rlimit rl = {.rlim_cur = r->soft == UINT64_MAX ? RLIM_INFINITY : r->soft,
				    .rlim_max = r->hard == UINT64_MAX ? RLIM_INFINITY : r->hard};
		if (setrlimit(r->resource, &rl) < 0) {
			if (errno == EPERM)
				return err_set(err, EPERM,
					       "'process.rlimits[%zu]': set %s to soft %llu hard "
					       "%llu: raising a hard limit needs CAP_SYS_RESOURCE, "
					       "which the runtime lacks here",
					       i, r->name, (unsigned long long)r->soft,
					       (unsigned long long)r->hard);
			return err_set(err, errno, "'process.rlimits[%zu]': set %s", i, r->name);
		}
	}
	return 0;
}

static int write_oom_score_adj(int v, struct err **err)
{
	char b[16];
	int n = snprintf(b, sizeof(b), "%d", v);
	cleanup_close int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || fs_write_all(fd, b, (size_t)n) < 0)
		return err_set(err, errno, "'process.oomScoreAdj': write %d", v);
	return 0;
}

/* Install the seccomp filter; a notifying profile's listener fd goes to
 * linux.seccomp.listenerPath (connected by the runtime before the init was
 * made) with the container's state, as the runtime spec describes. */
static int load_seccomp(struct rt_container *c, struct err **err)
{
	cleanup_json cJSON *sj =
	    rt_seccomp_listener(c->seccomp) ? rt_state_to_json(&c->st, RT_STATUS_RUNNING) : NULL;

	return rt_seccomp_load(c->seccomp, c->seccomp_sock, sj, c->st.pid, err);
}

static int switch_user(struct rt_container *c, struct err **err)
{
	const struct spec_process *p = &c->cfg.process;
	gid_t *groups = NULL;

	if (rt_caps_before_setuid(c->caps, err) < 0)
		return -1;
	/* setgroups is denied in a user namespace whose gid_map an
	 * unprivileged runtime wrote (setgroups "deny", as runc rootless):
	 * with no additional gids there is nothing to drop */
	groups = xcalloc(p->n_additional_gids + 1, sizeof(gid_t));
	for (size_t i = 0; i < p->n_additional_gids; i++)
		groups[i] = p->additional_gids[i];
	if (setgroups(p->n_additional_gids, groups) < 0 &&
	    (errno != EPERM || p->n_additional_gids > 0 || !c->userns)) {
		free(groups);
		return err_set(err, errno, "'process.user.additionalGids': setgroups");
	}
	free(groups);
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return err_set(err, errno, "'process.user.gid': setgid %u", p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return err_set(err, errno, "'process.user.uid': setuid %u", p->uid);
	return 0;
}

static void join_cgroup(struct rt_container *c)
{
	cleanup_err struct err *e = NULL;
	int *fds = c->cgroup_fds;

	c->cgroup_fds = NULL;
	if (rt_cgroup_enter_self(fds, &e) < 0)
		fail(c, e);
}

static void setup(struct rt_container *c)
{
	cleanup_err struct err *e = NULL;
	const struct spec_config *cfg = &c->cfg;
	const struct spec_namespace *mnt = spec_config_ns(cfg, SPEC_NS_MOUNT);
	const char *rootfs = c->st.rootfs;

	/* We move ourselves into our cgroup (without the global lock a move
	 * by pid takes: cgroup.h), through files opened now, while we are
	 * still the runtime's user.  A new cgroup namespace is rooted where
	 * we are when we unshare it, and hooks may look at the cgroup: then at
	 * once.  Else as late as we can: what we allocate while building the
	 * container (mounts, page copies) is not charged to a small limit. */
	if (c->cg.dirs &&
	    rt_cgroup_open_self(&c->cg, c->cloned_into_cgroup, &c->cgroup_fds, &e) < 0)
		fail(c, e);
	if (c->early_join)
		join_cgroup(c);
	if (rt_ns_join(c->ns_fds, &e) < 0)
		fail(c, e);
	rt_ns_close_paths(c->ns_fds);
	if (c->userns) {
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
			err_set(&e, errno, "become root in the user namespace (is 0 mapped?)");
			fail(c, e);
		}
	}
	if (rt_ns_unshare_late(cfg, &e) < 0 || rt_ns_loopback_up(cfg, &e) < 0)
		fail(c, e);
	if (setsid() < 0) {
		err_set(&e, errno, "setsid");
		fail(c, e);
	}
	/* relative bind sources are relative to the bundle */
	if (chdir(c->st.bundle) < 0) {
		err_set(&e, errno, "chdir to bundle '%s'", c->st.bundle);
		fail(c, e);
	}
	if (mnt) {
		if (rt_mount_prepare_root(cfg, rootfs, &e) < 0 ||
		    rt_mount_all(cfg, rootfs, c->userns, c->st.cgroup_path, &e) < 0)
			fail(c, e);
	}
	{
		/* the container's passwd gives HOME; the init's hooks see the
		 * process's environment, as runc's (which runs its init with it) */
		cleanup_close int root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root_fd < 0) {
			err_set(&e, errno, "open rootfs '%s'", rootfs);
			fail(c, e);
		}
		char **env = strv_dup(cfg->process.env ? cfg->process.env : (char *[]){NULL});
		if (c->opts->listen_fds > 0) {
			cleanup_free char *lf = xasprintf("LISTEN_FDS=%d", c->opts->listen_fds);
			strv_push(&env, lf);
			strv_push(&env, "LISTEN_PID=1");
		}
		c->env = rt_env_build(env, root_fd, cfg->process.uid);
		strv_free(env);
		if (cfg->hooks)
			environ = c->env;
	}
	if (cfg->hooks) {
		sync_send(c->sync_fd, 'H', NULL);
		if (sync_recv(c->sync_fd) != 'G')
			_exit(1);
		cleanup_json cJSON *sj = rt_state_to_json(&c->st, RT_STATUS_CREATING);
		cleanup_free char *s = json_print(sj, false);
		if (rt_hooks_run(cfg->hooks, "createContainer", s, &e) < 0)
			fail(c, e);
	}
	if (mnt) {
		if (rt_mount_pivot(rootfs, c->opts->no_pivot, &e) < 0)
			fail(c, e);
	} else if (chroot(rootfs) < 0 || chdir("/") < 0) {
		err_set(&e, errno, "chroot into '%s'", rootfs);
		fail(c, e);
	}
	/* a process.cwd that is not in the image is made (as runc), inside
	 * the new root and before it may become read-only */
	if (fs_mkdir_p(cfg->process.cwd, 0755, &e) < 0) {
		err_wrap(&e, "'process.cwd'");
		fail(c, e);
	}
	if (write_sysctls(cfg, &e) < 0)
		fail(c, e);
	if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0) {
		err_set(&e, errno, "'hostname': set '%s'", cfg->hostname);
		fail(c, e);
	}
	if (cfg->domainname && setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0) {
		err_set(&e, errno, "'domainname': set '%s'", cfg->domainname);
		fail(c, e);
	}
	if (cfg->process.terminal && rt_tty_setup(c->console_fd, !c->opts->console_socket,
						  cfg->process.uid, cfg->process.gid, &e) < 0)
		fail(c, e);
	fs_close(c->console_fd);
	c->console_fd = -1;
	if (mnt && (rt_mount_protect(cfg, &e) < 0 || rt_mount_finish_root(cfg, &e) < 0))
		fail(c, e);
	if (set_rlimits(&cfg->process, &e) < 0)
		fail(c, e);
	if (cfg->process.has_oom_score_adj &&
	    write_oom_score_adj(cfg->process.oom_score_adj, &e) < 0)
		fail(c, e);
	if (chdir(cfg->process.cwd) < 0) {
		err_set(&e, errno, "'process.cwd': chdir '%s'", cfg->process.cwd);
		fail(c, e);
	}
	/* CVE-2024-21626: a cwd through /proc/self/fd/N can land on a host
	 * directory the init still holds; the kernel then reports it as
	 * unreachable from the root (glibc: ENOENT). */
	{
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/') {
			err_set(&e, errno ? errno : ENOENT,
				"'process.cwd': '%s' is outside the container", cfg->process.cwd);
			fail(c, e);
		}
	}
	if (find_program(cfg->process.args[0], c->env, &c->exec_path, &e) < 0) {
		err_wrap(&e, "unable to start container process");
		fail(c, e);
	}
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every fd we were cloned with but do not need: the runtime's caller
 * may have left its own open (not close-on-exec), and a container that is
 * only created must not hold them.  Kept: stdio, the fds passed on
 * (LISTEN_FDS, --preserve-fds), the sync socket, the start pipe, the console
 * and seccomp listener sockets, the namespace fds, the log file. */
static void close_inherited_fds(const struct rt_container *c)
{
	int keep[17 + SPEC_NS_COUNT], n = 0, next = 3 + c->opts->listen_fds + c->opts->preserve_fds;
	const int own[] = {c->sync_fd,      c->start_r,    c->start_w,      c->console_fd,
			   c->seccomp_sock, log_file_fd(), c->trampoline_fd};

	for (size_t i = 0; i < ARRAY_SIZE(own); i++)
		if (own[i] >= next)
			keep[n++] = own[i];
	for (int i = 0; i < SPEC_NS_COUNT; i++)
		if (c->ns_fds[i] >= next)
			keep[n++] = c->ns_fds[i];
	qsort(keep, (size_t)n, sizeof(int), cmp_int);
	for (int i = 0; i < n; i++) {
		if (keep[i] > next)
			syscall(SYS_close_range, (unsigned)next, (unsigned)keep[i] - 1, 0);
		if (keep[i] >= next)
			next = keep[i] + 1;
	}
	syscall(SYS_close_range, (unsigned)next, ~0U, 0);
}

/* The trampoline's command line (cloned_binary.c): NAME START_R START_W
 * PATH ARGV...  The trampoline waits for `start` on START_R and keeps
 * START_W open until the program's own exec (`start` and `run` watch it):
 * finish() takes close-on-exec off both, the trampoline sets it back. */
static char **trampoline_argv(const struct rt_container *c)
{
	const struct spec_process *p = &c->cfg.process;
	char **argv;
	size_t n = 0;

	while (p->args[n])
		n++;
	argv = xcalloc(n + 5, sizeof(*argv));
	argv[0] = xstrdup("kist-runtime-init");
	argv[1] = xasprintf("%d", c->start_r);
	argv[2] = xasprintf("%d", c->start_w);
	argv[3] = c->exec_path;
	memcpy(argv + 4, p->args, n * sizeof(*argv));
	return argv;
}

__attribute__((noreturn)) static void fail_at(struct rt_container *c, bool early, struct err *e)
{
	if (early)
		fail(c, e);
	fail_late(e);
}

/* The last steps before the program: umask, signals, fds, the
 * startContainer hooks, seccomp, the user, capabilities.  Through the
 * trampoline (early) they come before `start`, while the runtime still
 * waits for a message; else after it, with stderr for errors. */
static void finish(struct rt_container *c, bool early)
{
	const struct spec_process *p = &c->cfg.process;
	cleanup_err struct err *e = NULL;

	umask(p->has_umask ? p->umask : 022);
	/* the program starts with default signal dispositions and an empty
	 * mask, whatever its caller ignored (a monitor ignoring SIGPIPE would
	 * leave `yes | head` spinning on EPIPE) */
	proc_signals_default();
	/* only stdio and --preserve-fds reach the program; done before the
	 * seccomp filter so that a strict profile need not allow these calls */
	syscall(SYS_close_range, 3 + c->opts->listen_fds + c->opts->preserve_fds, ~0U,
		CLOSE_RANGE_CLOEXEC);
	for (int fd = 3; fd < 3 + c->opts->listen_fds + c->opts->preserve_fds; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0)
			fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
	}
	if (early) {
		fcntl(c->start_r, F_SETFD, 0);
		fcntl(c->start_w, F_SETFD, 0);
	}

	if (c->cfg.hooks) {
		cleanup_json cJSON *sj = rt_state_to_json(&c->st, RT_STATUS_RUNNING);
		cleanup_free char *s = json_print(sj, false);
		if (rt_hooks_run(c->cfg.hooks, "startContainer", s, &e) < 0)
			fail_at(c, early, e);
	}
	rt_stdio_give(p->uid, p->gid);
	/* without no_new_privs loading the filter needs CAP_SYS_ADMIN, which
	 * setuid to a non-root user takes away: load it while still root */
	if (!p->no_new_privileges && load_seccomp(c, &e) < 0)
		fail_at(c, early, e);
	if (switch_user(c, &e) < 0)
		fail_at(c, early, e);
	if (rt_caps_after_setuid(c->caps, &e) < 0)
		fail_at(c, early, e);
	if (p->no_new_privileges) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
			err_set(&e, errno, "set no_new_privs");
			fail_at(c, early, e);
		}
		if (load_seccomp(c, &e) < 0)
			fail_at(c, early, e);
	}
}

void rt_init_main(struct rt_container *c)
{
	const struct spec_process *p = &c->cfg.process;
	bool early = c->trampoline_fd >= 0;
	char **targv = NULL;
	char b;
	ssize_t n;

	{
		/* 'G' carries our pid as the host sees it (for the hooks' state).
		 * Nothing comes before it: a child sharing the runtime's memory
		 * (clone.h) may not run while the runtime works. */
		char msg[32] = {0};
		do
			n = recv(c->sync_fd, msg, sizeof(msg) - 1, 0);
		while (n < 0 && errno == EINTR);
		if (n < 1 || msg[0] != 'G')
			_exit(1);
		c->st.pid = (pid_t)strtol(msg + 1, NULL, 10);
	}
	close_inherited_fds(c);
	setup(c);
	if (!c->early_join)
		join_cgroup(c);
	{
		/* inherited through execve; before a seccomp profile may forbid
		 * it, and in the cgroup: a real-time task may not move into one
		 * that has no real-time runtime (as runc, which sets it there) */
		cleanup_err struct err *e = NULL;
		if (rt_sched_apply(&c->cfg, &e) < 0)
			fail(c, e);
	}
	sync_send(c->sync_fd, 'R', NULL);
	/* the runtime has recorded us (the trampoline: it will once we have
	 * exec'd it, and waits for that): only now may we outlive it */
	if (sync_recv(c->sync_fd) != 'C')
		_exit(1);

	if (early) {
		/* the trampoline waits for `start`: from now on /proc/1/exe of
		 * the created container is its sealed copy, not our binary.
		 * The runtime takes the sync socket's end of file (it closes
		 * at the exec) for "created". */
		targv = trampoline_argv(c);
		finish(c, true);
		syscall(SYS_execveat, c->trampoline_fd, "", targv, c->env, AT_EMPTY_PATH);
		{
			struct err *e = NULL;
			err_set(&e, errno, "exec the init's trampoline");
			fail(c, e);
		}
	}
	fs_close(c->sync_fd);

	/* created: wait for `start` */
	do
		n = read(c->start_r, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(1); /* never started: the runtime went away */
	fs_close(c->start_r);
	/* start_w stays open (close-on-exec) until the program runs: `start`
	 * and `run` watch it to run poststart hooks only after the exec */
	finish(c, false);
	execve(c->exec_path, p->args, c->env);
	{
		char msg[128];
		cleanup_free char *line = NULL;

		snprintf(msg, sizeof(msg), "%s", strerror(errno));
		msg[0] = (char)tolower((unsigned char)msg[0]); /* Go's wording */
		/* found, yet execve failed (a missing interpreter, a bad
		 * format): Go's PathError alone, the one line runc's init
		 * prints on the program's stderr */
		line = xasprintf("exec %s: %s\n", c->exec_path, msg);
		fs_write_all(2, line, strlen(line));
		_exit(1);
	}
}
