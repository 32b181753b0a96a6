/* container.c: create, start and delete (the runtime side of container.h). */
#define _GNU_SOURCE
#include "runtime/container.h"

#include <errno.h>       /* errno */
#include <fcntl.h>       /* open */
#include <limits.h>      /* PATH_MAX */
#include <poll.h>        /* poll */
#include <sched.h>       /* CLONE_* */
#include <signal.h>      /* kill */
#include <stdio.h>       /* snprintf */
#include <stdlib.h>      /* realpath */
#include <string.h>      /* strcmp */
#include <sys/mman.h>    /* mmap */
#include <sys/socket.h>  /* socketpair */
#include <sys/stat.h>    /* mkdir */
#include <sys/syscall.h> /* SYS_clone */
#include <sys/wait.h>    /* waitpid */
#include <unistd.h>      /* pipe2 */
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/util.h"
#include "runtime/clone.h"
#include "runtime/ns.h"
#include "runtime/security.h"
#include "runtime/tty.h"

int rt_container_hooks(const cJSON *hooks, const char *kind, const struct rt_state *st,
		       enum rt_status status, struct err **err)
{
	cleanup_json cJSON *j = NULL;
	cleanup_free char *s = NULL;

	if (!hooks || !cJSON_GetObjectItemCaseSensitive(hooks, kind))
		return 0;
	j = rt_state_to_json(st, status);
	s = json_print(j, false);
	return rt_hooks_run(hooks, kind, s, err);
}

void rt_container_free(struct rt_container *c)
{
	if (!c)
		return;
	spec_config_release(&c->cfg);
	cJSON_Delete(c->json);
	rt_state_release(&c->st);
	rt_cgroup_release(&c->cg);
	rt_caps_free(c->caps);
	rt_seccomp_free(c->seccomp);
	rt_ns_close_paths(c->ns_fds);
	fs_close(c->sync_fd);
	fs_close(c->start_r);
	fs_close(c->start_w);
	fs_close(c->console_fd);
	fs_close(c->console_peer);
	fs_close(c->seccomp_sock);
	fs_close(c->trampoline_fd);
	free(c->exec_path);
	strv_free(c->env);
	free(c);
}

/* Checks that need only the config, before anything exists on the host. */
static int validate(struct rt_container *c, struct err **err)
{
	const struct spec_config *cfg = &c->cfg;
	static const char *const ns_prefixes[][2] = {
	    {"kernel.msg", "ipc"}, {"kernel.sem", "ipc"}, {"kernel.shm", "ipc"},
	    {"fs.mqueue.", "ipc"}, {"net.", "network"},
	};

	if (!cfg->has_process)
		return err_set(err, 0, "'process' is required to create a container");
	if (cfg->process.terminal && !c->opts->console_socket && !c->opts->own_console)
		return err_set(err, 0,
			       "'process.terminal' is true but no --console-socket was given to "
			       "receive the pty");
	if (!cfg->process.terminal && c->opts->console_socket)
		return err_set(err, 0, "--console-socket given but 'process.terminal' is false");
	for (size_t i = 0; cfg->sysctl && cfg->sysctl[i]; i++) {
		bool ok = false;
		for (size_t j = 0; j < ARRAY_SIZE(ns_prefixes) && !ok; j++) {
			if (!str_has_prefix(cfg->sysctl[i], ns_prefixes[j][0]))
				continue;
			const struct spec_namespace *n = spec_config_ns(
			    cfg, (enum spec_ns_type)spec_ns_from_name(ns_prefixes[j][1]));
			if (!n)
				return err_set(err, 0,
					       "'linux.sysctl': '%s' needs a %s namespace in "
					       "'linux.namespaces'",
					       cfg->sysctl[i], ns_prefixes[j][1]);
			ok = true;
		}
		/* the names have fields of their own: a sysctl beside them
		 * would race them (crun and runc refuse it) */
		if (str_has_prefix(cfg->sysctl[i], "kernel.hostname="))
			return err_set(
			    err, 0,
			    "'linux.sysctl': '%s' conflicts with the 'hostname' field (set "
			    "that instead)",
			    cfg->sysctl[i]);
		if (str_has_prefix(cfg->sysctl[i], "kernel.domainname=") && cfg->domainname &&
		    !streq(cfg->sysctl[i] + strlen("kernel.domainname="), cfg->domainname))
			return err_set(err, 0,
				       "'linux.sysctl': '%s' conflicts with the 'domainname' field "
				       "(a different name)",
				       cfg->sysctl[i]);
		if (str_has_prefix(cfg->sysctl[i], "kernel.domainname=")) {
			if (!spec_config_ns(cfg, SPEC_NS_UTS))
				return err_set(err, 0, "'linux.sysctl': '%s' needs a uts namespace",
					       cfg->sysctl[i]);
			ok = true;
		}
		if (!ok) {
			cleanup_free char *k = xstrdup(cfg->sysctl[i]);
			*strchr(k, '=') = 0;
			return err_set(err, 0,
				       "'linux.sysctl': '%s' is not namespaced: setting it would "
				       "change the host",
				       k);
		}
	}
	if (spec_config_ns(cfg, SPEC_NS_USER) && !spec_config_ns(cfg, SPEC_NS_USER)->path)
		c->userns = true;
	return 0;
}

/* A mount destination named as a host path under the rootfs is the path
 * below it (runc strips the rootfs lexically: its tests bind parts of the
 * container's tree onto each other by such paths); any other is already a
 * path in the container. */
static void strip_rootfs(const char *rootfs, struct spec_config *cfg)
{
	size_t n = strlen(rootfs);

	if (n <= 1)
		return;
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		char *d = cfg->mounts[i].destination;
		if (strncmp(d, rootfs, n) || (d[n] != '/' && d[n] != 0))
			continue;
		cfg->mounts[i].destination = xstrdup(d[n] ? d + n : "/");
		free(d);
	}
}

static int load_bundle(struct rt_container *c, struct err **err)
{
	char buf[PATH_MAX];
	cleanup_free char *cfgpath = NULL;
	struct stat st;
	const char *bundle = c->opts->bundle ? c->opts->bundle : ".";

	if (!realpath(bundle, buf))
		return err_set(err, errno, "bundle '%s'", bundle);
	c->st.bundle = xstrdup(buf);
	if (c->opts->config) {
		/* crun's --config FILE, relative to the current directory (the
		 * rootfs stays relative to the bundle): kept for start, exec and
		 * delete */
		if (!realpath(c->opts->config, buf))
			return err_set(err, errno, "config '%s'", c->opts->config);
		c->st.config = xstrdup(buf);
	}
	cfgpath = rt_state_config_path(&c->st);
	c->json = json_load_file(cfgpath, 0, err);
	if (!c->json)
		return -1;
	if (spec_config_parse(c->json, &c->cfg, err) < 0)
		return err_wrap(err, "%s", c->opts->config ? c->opts->config : "config.json");
	{
		const struct spec_namespace *pid = spec_config_ns(&c->cfg, SPEC_NS_PID);
		c->st.shared_pidns = !pid || pid->path;
	}
	if (c->cfg.root_path[0] == '/')
		snprintf(buf, sizeof(buf), "%s", c->cfg.root_path);
	else
		snprintf(buf, sizeof(buf), "%s/%s", c->st.bundle, c->cfg.root_path);
	if (stat(buf, &st) < 0)
		return err_set(err, errno, "'root.path': rootfs '%s'", buf);
	if (!S_ISDIR(st.st_mode))
		return err_set(err, 0, "'root.path': rootfs '%s' is not a directory", buf);
	{
		char real[PATH_MAX];
		if (!realpath(buf, real))
			return err_set(err, errno, "'root.path': rootfs '%s'", buf);
		c->st.rootfs = xstrdup(real);
	}
	strip_rootfs(c->st.rootfs, &c->cfg);
	return 0;
}

static int wait_ready(struct rt_container *c, pid_t pid, struct err **err)
{
	char buf[4096];
	ssize_t n;

	for (;;) {
		do
			n = recv(c->sync_fd, buf, sizeof(buf) - 1, 0);
		while (n < 0 && errno == EINTR);
		if (n <= 0) {
			int status = 0;
			if (waitpid(pid, &status, 0) == pid && WIFSIGNALED(status))
				return err_set(
				    err, 0,
				    "container init was killed by signal %d before it was ready",
				    WTERMSIG(status));
			return err_set(err, 0, "container init exited before it was ready");
		}
		buf[n] = 0;
		switch (buf[0]) {
		case 'R':
			return 0;
		case 'E':
			return err_set(err, 0, "%s", buf + 1);
		case 'H':
			/* prestart (runtime-spec lifecycle step 3, after the
			 * environment is made: "created", as runtime-tools checks;
			 * runc says "creating"); createRuntime stays "creating" */
			if (rt_container_hooks(c->cfg.hooks, "prestart", &c->st, RT_STATUS_CREATED,
					       err) < 0 ||
			    rt_container_hooks(c->cfg.hooks, "createRuntime", &c->st,
					       RT_STATUS_CREATING, err) < 0)
				return -1;
			if (send(c->sync_fd, "G", 1, MSG_NOSIGNAL) < 0)
				return err_set(err, errno, "resume container init");
			break;
		default:
			return err_set(err, 0, "unexpected message from container init");
		}
	}
}

/* Move *fd to floor or above (close-on-exec), unless it is there already. */
static int above_passed(int *fd, int floor, struct err **err)
{
	int n;

	if (*fd < 0 || *fd >= floor)
		return 0;
	n = fcntl(*fd, F_DUPFD_CLOEXEC, floor);
	if (n < 0)
		return err_set(err, errno, "move a descriptor above the ones passed on");
	close(*fd);
	*fd = n;
	return 0;
}

/* After 'C' with the trampoline: end of file once the init has exec'd it,
 * or its error. */
static int wait_trampoline(struct rt_container *c, pid_t pid, struct err **err)
{
	char buf[4096];
	ssize_t n;
	int status;

	do
		n = recv(c->sync_fd, buf, sizeof(buf) - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		buf[n] = 0;
		return err_set(err, 0, "%s",
			       buf[0] == 'E' ? buf + 1 : "unexpected message from container init");
	}
	if (waitpid(pid, &status, WNOHANG) != 0)
		return err_set(err, 0, "container init exited before it was created");
	return 0;
}

/* The stack of an init that shares our memory: as much as a main thread
 * gets; only the pages it touches are made. */
#define SHARED_INIT_STACK (8UL << 20)

/* The init's side of a shared clone: its own copy of the container (what
 * it writes stays there) and our end of the sync socket, to close. */
struct rt_shared_init {
	struct rt_container c;
	int close_fd;
	int cgroup_fd; /* rt_cgroup_clone's, inherited */
	void *stack;
};

static void shared_init_main(void *arg)
{
	struct rt_shared_init *s = arg;

	/* plain close: fs_close would write errno, which we share */
	close(s->close_fd);
	if (s->cgroup_fd >= 0)
		close(s->cgroup_fd);
	if (s->c.console_peer >= 0)
		close(s->c.console_peer);
	s->c.console_peer = -1;
	rt_init_main(&s->c);
}

static bool shared_init_prepare(struct rt_container *c, const int sp[2], struct rt_clone_vm *vm)
{
	struct rt_shared_init *s;
	void *stack;

	if (!RT_CLONE_SHARED)
		return false;
	stack = mmap(NULL, SHARED_INIT_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return false;
	/* a guard page below it: an overflow faults instead of writing ours */
	if (mprotect(stack, (size_t)sysconf(_SC_PAGESIZE), PROT_NONE) < 0) {
		munmap(stack, SHARED_INIT_STACK);
		return false;
	}
	s = xcalloc(1, sizeof(*s));
	s->c = *c;
	s->c.sync_fd = sp[1];
	s->close_fd = sp[0];
	s->cgroup_fd = -1;
	s->stack = stack;
	c->shared = s;
	*vm = (struct rt_clone_vm){.stack = stack,
				   .stack_size = SHARED_INIT_STACK,
				   .fn = shared_init_main,
				   .arg = s,
				   .inherited_fd = &s->cgroup_fd};
	return true;
}

/* Once the init has exec'd or is gone: its stack, its copy, and what it
 * allocated for itself in our memory. */
static void shared_init_release(struct rt_container *c)
{
	struct rt_shared_init *s = c->shared;

	if (!s)
		return;
	munmap(s->stack, SHARED_INIT_STACK);
	if (s->c.env != c->env)
		strv_free(s->c.env);
	if (s->c.exec_path != c->exec_path)
		free(s->c.exec_path);
	free(s);
	c->shared = NULL;
}

/* Nothing the init does while it builds the container could run into a
 * limit of the cgroup it would be born in (rt_cgroup_clone_dir): no
 * memory or pids limit, no hooks, no device nodes beyond the defaults. */
static bool setup_unlimited(const struct spec_config *cfg)
{
	const struct spec_resources *r = &cfg->resources;

	if (cfg->hooks || cfg->n_devices)
		return false;
	if (!cfg->has_resources)
		return true;
	return (!r->has_memory_limit || r->memory_limit < 0) &&
	       (!r->has_memory_swap || r->memory_swap < 0) &&
	       (!r->has_pids_limit || r->pids_limit <= 0);
}

static int write_pid_file(const char *path, pid_t pid, struct err **err)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%d", (int)pid);

	if (rt_write_file_replace(path, b, (size_t)n, 0644, err) < 0)
		return err_wrap(err, "--pid-file");
	return 0;
}

/* The last record of create: the start pipe is known, no creator. */
static int record_created(struct rt_container *c, const struct rt_create_opts *o, struct err **err)
{
	c->st.creator_pid = 0;
	c->st.creator_start_time = 0;
	if (rt_state_save(&c->st, false, err) < 0)
		return -1;
	if (o->pid_file && write_pid_file(o->pid_file, c->st.pid, err) < 0)
		return -1;
	return 0;
}

int rt_container_create(const struct rt_create_opts *o, struct rt_container **out, struct err **err)
{
	struct rt_container *c = xcalloc(1, sizeof(*c));
	int sp[2] = {-1, -1}, pp[2] = {-1, -1};
	pid_t pid = -1;
	bool early_exec;
	int flags;
	struct stat pst;
	cleanup_close int own_pidns = -1;

	c->opts = o;
	c->sync_fd = c->start_r = c->start_w = c->console_fd = c->console_peer = -1;
	c->seccomp_sock = c->trampoline_fd = -1;
	c->st = (struct rt_state)RT_STATE_INIT;
	for (int i = 0; i < SPEC_NS_COUNT; i++)
		c->ns_fds[i] = -1;
	if (rt_id_validate(o->id, err) < 0)
		goto fail;
	if (load_bundle(c, err) < 0 || validate(c, err) < 0)
		goto fail;
	if (rt_hooks_validate(c->cfg.hooks, err) < 0)
		goto fail;
	/* CVE-2019-5736 (cloned_binary.c): may re-exec us, nothing exists yet */
	c->trampoline_fd = rt_cloned_binary_trampoline(&c->cfg);
	early_exec = c->trampoline_fd >= 0;
	if (rt_caps_prepare(c->cfg.process.capabilities, &c->caps, err) < 0 ||
	    rt_seccomp_prepare(c->cfg.seccomp, o->root, &c->seccomp, err) < 0)
		goto fail;
	if (rt_ns_open_paths(&c->cfg, c->ns_fds, err) < 0)
		goto fail;
	if (o->no_cgroup)
		c->st.cgroup_path = xstrdup("");
	else if (rt_cgroup_path(c->cfg.cgroups_path, o->id, o->systemd_cgroup, &c->st.cgroup_path,
				err) < 0)
		goto fail;
	if (o->console_socket && (c->console_fd = rt_tty_connect(o->console_socket, err)) < 0)
		goto fail;
	if (rt_seccomp_listener(c->seccomp) &&
	    (c->seccomp_sock = rt_unix_connect(rt_seccomp_listener(c->seccomp),
					       "'linux.seccomp.listenerPath'", err)) < 0)
		goto fail;
	if (o->own_console && !o->console_socket && c->cfg.process.terminal) {
		int cp[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cp) < 0) {
			err_set(err, errno, "create console socket pair");
			goto fail;
		}
		c->console_fd = cp[0];
		c->console_peer = cp[1];
	}

	/* the state dir is the lock on the id: mkdir fails if it exists */
	if (fs_mkdir_p(o->root, 0700, err) < 0)
		goto fail;
	c->st.dir = xasprintf("%s/%s", o->root, o->id);
	if (mkdir(c->st.dir, 0700) < 0) {
		if (errno == EEXIST)
			err_set(err, 0, "container '%s' already exists", o->id);
		else
			err_set(err, errno, "create state dir '%s'", c->st.dir);
		goto fail;
	}
	c->state_dir_made = true;
	c->st.id = xstrdup(o->id);
	c->st.owner = xstrdup("");
	c->st.created = rt_time_now_rfc3339();
	if (c->cfg.annotations)
		c->st.annotations = cJSON_Duplicate(c->cfg.annotations, true);
	/* Recorded before anything exists on the host, and again once the init
	 * is cloned: a create killed at any point leaves a record (status
	 * "creating" while we live, "stopped" after) that names the cgroup and
	 * the init, so delete --force finds what there is to remove. */
	c->st.creator_pid = getpid();
	c->st.creator_start_time = rt_proc_start_time(c->st.creator_pid);
	if (rt_state_save(&c->st, true, err) < 0)
		goto fail;

	if (o->no_cgroup) {
		/* --cgroup-manager disabled: none made, none joined */
	} else if (rt_cgroup_open(c->st.cgroup_path, &c->cg, err) < 0 ||
		   rt_cgroup_create(&c->cg, c->cfg.has_resources ? &c->cfg.resources : NULL, err) <
		       0) {
		rt_cgroup_release(&c->cg);
		/* rootless, as runc: without limits to apply, a cgroup we may
		 * not make is no error; the container stays in ours */
		if (geteuid() == 0 || c->cfg.has_resources || !*err ||
		    ((*err)->code != EACCES && (*err)->code != EPERM && (*err)->code != EROFS))
			goto fail;
		err_free(*err);
		*err = NULL;
		free(c->st.cgroup_path);
		c->st.cgroup_path = xstrdup("");
	}

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0 ||
	    pipe2(pp, O_CLOEXEC) < 0) {
		err_set(err, errno, "create sync socket");
		goto fail;
	}
	{
		/* the fds passed on (3 .. 3+LISTEN_FDS+preserve-fds-1) lose
		 * close-on-exec for the program: none of the init's own may be
		 * among them */
		int floor = 3 + o->listen_fds + o->preserve_fds;
		int *own[] = {
		    &sp[0],         &sp[1],           &pp[0],          &pp[1], &c->trampoline_fd,
		    &c->console_fd, &c->console_peer, &c->seccomp_sock};
		for (size_t i = 0; i < ARRAY_SIZE(own); i++)
			if (above_passed(own[i], floor, err) < 0)
				goto fail;
		for (int i = 0; i < SPEC_NS_COUNT; i++)
			if (above_passed(&c->ns_fds[i], floor, err) < 0)
				goto fail;
	}
	c->start_r = pp[0];
	c->start_w = pp[1];
	/* joining a pid namespace changes where our children go: only the
	 * init is to go there, not what we fork later (hooks) */
	if (c->ns_fds[SPEC_NS_PID] >= 0) {
		own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (own_pidns < 0) {
			err_set(err, errno, "open '/proc/self/ns/pid'");
			goto fail;
		}
	}
	if (rt_ns_join_pid(c->ns_fds, err) < 0)
		goto fail;
	flags = rt_ns_clone_flags(&c->cfg);
	{
		/* The init joins its cgroup itself (init.c), without the
		 * kernel's global lock (cgroup.h); a cgroup2 directory only
		 * with a clone straight into it. */
		const struct spec_namespace *cgns = spec_config_ns(&c->cfg, SPEC_NS_CGROUP);
		c->early_join = (cgns && !cgns->path) || c->cfg.hooks;
	}
	{
		const char *cgdir =
		    c->cg.dirs ? rt_cgroup_clone_dir(&c->cg, setup_unlimited(&c->cfg)) : NULL;
		struct rt_clone_vm vm;

		/* the init shares our memory until it execs the trampoline
		 * (clone.h): nothing of the container runs before, nobody but
		 * us talks to it, and we wait for that exec */
		if (early_exec && !c->cfg.hooks && shared_init_prepare(c, sp, &vm))
			pid = rt_cgroup_clone(flags, cgdir, &vm, &c->cloned_into_cgroup);
		if (c->shared && pid < 0) /* then as a fork, which says why if it fails */
			shared_init_release(c);
		if (!c->shared)
			pid = rt_cgroup_clone(flags, cgdir, NULL, &c->cloned_into_cgroup);
	}
	if (pid != 0 && own_pidns >= 0 && setns(own_pidns, CLONE_NEWPID) < 0) {
		err_set(err, errno, "return to the runtime's pid namespace");
		goto fail; /* kills the init */
	}
	if (pid < 0) {
		err_set(err, errno, "clone container init");
		goto fail;
	}
	if (pid == 0) {
		fs_close(sp[0]);
		fs_close(c->console_peer);
		c->console_peer = -1;
		c->sync_fd = sp[1];
		rt_init_main(c);
	}
	if (c->shared) /* read by the init after 'G' */
		c->shared->c.cloned_into_cgroup = c->cloned_into_cgroup;
	fs_close(sp[1]);
	c->sync_fd = sp[0];
	c->st.pid = pid;
	c->st.start_time = rt_proc_start_time(pid);
	if (rt_state_save(&c->st, true, err) < 0)
		goto fail;
	if (c->userns && rt_ns_write_mappings(&c->cfg, pid, err) < 0)
		goto fail;
	{
		char go[32];
		int n = snprintf(go, sizeof(go), "G%d", (int)pid);
		if (send(c->sync_fd, go, (size_t)n, MSG_NOSIGNAL) < 0) {
			err_set(err, errno, "start container init");
			goto fail;
		}
	}
	if (wait_ready(c, pid, err) < 0)
		goto fail;
	fs_close(c->console_fd);
	c->console_fd = -1;
	fs_close(c->seccomp_sock); /* the init holds its own copy */
	c->seccomp_sock = -1;
	fs_close(c->trampoline_fd);
	c->trampoline_fd = -1;
	fs_close(c->start_r);
	c->start_r = -1;

	if (fstat(c->start_w, &pst) == 0)
		c->st.start_pipe_ino = (unsigned long long)pst.st_ino;
	c->st.start_pipe_fd = pp[1]; /* same number in the init: it is a clone of us */
	/* Without the trampoline the init waits for 'C' before it waits for
	 * `start`: until then it exits when we go away (end of file on the
	 * sync socket), so a create killed half-way leaves no init blocked
	 * forever; it is recorded as created first. */
	if (!early_exec && record_created(c, o, err) < 0)
		goto fail;
	if (send(c->sync_fd, "C", 1, MSG_NOSIGNAL) < 0) {
		err_set(err, errno, "container init exited before it was created");
		goto fail;
	}
	/* With the trampoline the init's last steps come now, and it is
	 * created once it has exec'd it (our sync socket's end of file): only
	 * then does the record say so, so no `exec` joins a container whose
	 * init is still our code (in our memory, clone.h).  A create killed
	 * before leaves the record of the init and the cgroup, as "stopped",
	 * for delete --force. */
	if (early_exec) {
		if (wait_trampoline(c, pid, err) < 0)
			goto fail;
		shared_init_release(c); /* our memory is ours again */
		if (record_created(c, o, err) < 0)
			goto fail;
	}
	fs_close(c->sync_fd);
	c->sync_fd = -1;
	*out = c;
	return 0;
fail:
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	shared_init_release(c);
	if (c->cg.dirs)
		rt_cgroup_destroy(&c->cg, NULL);
	if (c->state_dir_made)
		fs_rm_rf(c->st.dir, NULL);
	fs_close(sp[0]);
	fs_close(sp[1]);
	if (c->sync_fd == sp[0] || c->sync_fd == sp[1])
		c->sync_fd = -1;
	rt_container_free(c);
	return -1;
}

int rt_container_start(const struct rt_state *st, struct err **err)
{
	char path[64];
	cleanup_close int fd = -1;
	struct stat sb;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)st->pid, st->start_pipe_fd);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0 || (unsigned long long)sb.st_ino != st->start_pipe_ino)
		return err_set(err, 0,
			       "cannot start container '%s': it is no longer waiting to start",
			       st->id);
	if (fs_write_all(fd, "s", 1) < 0)
		return err_set(err, errno, "start container '%s'", st->id);
	return 0;
}

void rt_container_wait_exec(pid_t pid, int start_pipe_fd, unsigned long long start_pipe_ino)
{
	char path[64];
	struct stat sb;

	/* The init holds the start pipe until execve closes it (close-on-exec),
	 * or until it exits.  Polled: it is a matter of a millisecond or two
	 * (startContainer hooks aside). */
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, start_pipe_fd);
	for (int i = 0; i < 20000; i++) {
		if (stat(path, &sb) < 0 || (unsigned long long)sb.st_ino != start_pipe_ino)
			return;
		usleep(500);
	}
}

/* Wait until pid exits (it is not our child: poll a pidfd). */
static void wait_gone(const struct rt_state *st)
{
	int pfd = (int)syscall(SYS_pidfd_open, st->pid, 0);

	if (pfd >= 0) {
		if (rt_state_alive(st)) {
			struct pollfd p = {.fd = pfd, .events = POLLIN};
			while (poll(&p, 1, 10000) < 0 && errno == EINTR)
				;
		}
		fs_close(pfd);
		return;
	}
	for (int i = 0; i < 10000 && rt_state_alive(st); i++)
		usleep(1000);
}

int rt_container_delete(const char *root, const char *id, bool force, struct err **err)
{
	struct rt_state st = RT_STATE_INIT;
	struct rt_cgroup cg = RT_CGROUP_INIT;
	enum rt_status status;
	cleanup_json cJSON *cfg = NULL;
	bool salvaged = false;
	int ret = -1;

	if (rt_state_load(root, id, &st, err) < 0) {
		cleanup_free char *dir = NULL;
		if (!force || !err || !*err || rt_id_validate(id, NULL) < 0)
			return -1;
		if ((*err)->code != ENOENT) {
			/* a damaged record: remove what it still names, or
			 * what is named by the id */
			cleanup_err struct err *e2 = NULL;
			if (rt_state_salvage(root, id, &st, &e2) < 0)
				return -1;
			err_free(*err);
			*err = NULL;
			salvaged = true;
		} else {
			/* --force also clears a state dir without state.json
			 * (a create killed before it wrote one) */
			dir = xasprintf("%s/%s", root, id);
			if (!fs_exists(dir))
				return -1;
			err_free(*err);
			*err = NULL;
			return fs_rm_rf(dir, err);
		}
	}
	status = rt_state_status(&st);
	if ((status == RT_STATUS_RUNNING || status == RT_STATUS_PAUSED ||
	     status == RT_STATUS_CREATING) &&
	    !force) {
		err_set(err, 0, "cannot delete container %s that is not stopped: %s", id,
			rt_status_name(status));
		goto out;
	}
	if (st.cgroup_path && *st.cgroup_path && rt_cgroup_open(st.cgroup_path, &cg, err) < 0)
		goto out;
	if (status == RT_STATUS_PAUSED && cg.dirs) {
		rt_cgroup_signal_all(&cg, SIGKILL, NULL);
		kill(st.pid, SIGKILL);
		rt_cgroup_freeze(&cg, false, NULL);
	}
	/* also an init whose create was killed before it joined its cgroup */
	if (rt_state_alive(&st)) {
		kill(st.pid, SIGKILL);
		wait_gone(&st);
	}
	if (cg.dirs && rt_cgroup_destroy(&cg, err) < 0)
		goto out;
	if (!salvaged && st.bundle && *st.bundle) {
		cleanup_free char *p = rt_state_config_path(&st);
		cfg = json_load_file(p, 0, NULL);
		if (cfg) {
			const cJSON *hooks = cJSON_GetObjectItemCaseSensitive(cfg, "hooks");
			cleanup_err struct err *he = NULL;
			/* poststop failures are warnings only (the hooks code logs them) */
			if (cJSON_IsObject(hooks))
				rt_container_hooks(hooks, "poststop", &st, RT_STATUS_STOPPED, &he);
		}
	}
	if (fs_rm_rf(st.dir, err) < 0)
		goto out;
	ret = 0;
out:
	rt_cgroup_release(&cg);
	rt_state_release(&st);
	return ret;
}
