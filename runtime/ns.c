/* ns.c: create, join and map namespaces. */
#define _GNU_SOURCE
#include "runtime/ns.h"

#include <errno.h>      /* errno */
#include <fcntl.h>      /* open */
#include <linux/nsfs.h> /* NS_GET_NSTYPE */
#include <net/if.h>     /* struct ifreq, IFF_UP */
#include <sched.h>      /* CLONE_NEW*, setns, unshare */
#include <sys/socket.h> /* socket */
#include <stdio.h>      /* snprintf */
#include <sys/ioctl.h>  /* ioctl, SIOCSIFFLAGS */
#include <unistd.h>     /* close */
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const int ns_flag[SPEC_NS_COUNT] = {
    [SPEC_NS_PID] = CLONE_NEWPID,       [SPEC_NS_NETWORK] = CLONE_NEWNET,
    [SPEC_NS_MOUNT] = CLONE_NEWNS,      [SPEC_NS_IPC] = CLONE_NEWIPC,
    [SPEC_NS_UTS] = CLONE_NEWUTS,       [SPEC_NS_USER] = CLONE_NEWUSER,
    [SPEC_NS_CGROUP] = CLONE_NEWCGROUP, [SPEC_NS_TIME] = CLONE_NEWTIME,
};

int rt_ns_clone_flags(const struct spec_config *c)
{
	int flags = 0;

	for (size_t i = 0; i < c->n_namespaces; i++) {
		const struct spec_namespace *n = &c->namespaces[i];
		if (n->path || n->type == SPEC_NS_CGROUP || n->type == SPEC_NS_TIME)
			continue;
		flags |= ns_flag[n->type];
	}
	return flags;
}

int rt_ns_open_paths(const struct spec_config *c, int fds[SPEC_NS_COUNT], struct err **err)
{
	for (int i = 0; i < SPEC_NS_COUNT; i++)
		fds[i] = -1;
	for (size_t i = 0; i < c->n_namespaces; i++) {
		const struct spec_namespace *n = &c->namespaces[i];
		int fd, t;

		if (!n->path)
			continue;
		fd = open(n->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			err_set(err, errno, "'linux.namespaces[%zu].path': open '%s'", i, n->path);
			goto fail;
		}
		fds[n->type] = fd;
		t = ioctl(fd, NS_GET_NSTYPE);
		if (t < 0 || t != ns_flag[n->type]) {
			err_set(err, 0, "'linux.namespaces[%zu].path': '%s' is not a %s namespace",
				i, n->path, spec_ns_name(n->type));
			goto fail;
		}
	}
	return 0;
fail:
	rt_ns_close_paths(fds);
	return -1;
}

void rt_ns_close_paths(int fds[SPEC_NS_COUNT])
{
	for (int i = 0; i < SPEC_NS_COUNT; i++) {
		fs_close(fds[i]);
		fds[i] = -1;
	}
}

int rt_ns_join_pid(int fds[SPEC_NS_COUNT], struct err **err)
{
	if (fds[SPEC_NS_PID] >= 0 && setns(fds[SPEC_NS_PID], CLONE_NEWPID) < 0)
		return err_set(err, errno, "join pid namespace");
	return 0;
}

int rt_ns_join(int fds[SPEC_NS_COUNT], struct err **err)
{
	static const enum spec_ns_type order[] = {SPEC_NS_USER,    SPEC_NS_IPC,    SPEC_NS_UTS,
						  SPEC_NS_NETWORK, SPEC_NS_CGROUP, SPEC_NS_TIME,
						  SPEC_NS_MOUNT};

	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		int fd = fds[order[i]];
		if (fd < 0)
			continue;
		if (setns(fd, ns_flag[order[i]]) < 0)
			return err_set(err, errno, "join %s namespace", spec_ns_name(order[i]));
	}
	return 0;
}

int rt_ns_unshare_late(const struct spec_config *c, struct err **err)
{
	const struct spec_namespace *n;

	n = spec_config_ns(c, SPEC_NS_CGROUP);
	if (n && !n->path && unshare(CLONE_NEWCGROUP) < 0)
		return err_set(err, errno, "create cgroup namespace");
	n = spec_config_ns(c, SPEC_NS_TIME);
	if (n && !n->path) {
		if (unshare(CLONE_NEWTIME) < 0)
			return err_set(err, errno, "create time namespace");
		if (c->has_time_offsets) {
			char buf[128];
			int len =
			    snprintf(buf, sizeof(buf), "monotonic %lld %u\nboottime %lld %u\n",
				     (long long)c->monotonic_secs, c->monotonic_nsecs,
				     (long long)c->boottime_secs, c->boottime_nsecs);
			cleanup_close int fd =
			    open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
			if (fd < 0 || fs_write_all(fd, buf, (size_t)len) < 0)
				return err_set(err, errno,
					       "'linux.timeOffsets': write timens_offsets");
		}
	}
	return 0;
}

int rt_ns_loopback_up(const struct spec_config *c, struct err **err)
{
	const struct spec_namespace *n = spec_config_ns(c, SPEC_NS_NETWORK);
	struct ifreq ifr = {0};
	cleanup_close int fd = -1;

	if (!n || n->path)
		return 0; /* the host's, or one made by whoever gave the path */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(err, errno, "bring up loopback: socket");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return err_set(err, errno, "bring up loopback: get flags of 'lo'");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return err_set(err, errno, "bring up loopback: set flags of 'lo'");
	return 0;
}

static int write_map(pid_t pid, const char *file, const struct spec_id_mapping *m, size_t n,
		     struct err **err)
{
	cleanup_buf struct buf b = BUF_INIT;
	char path[64];
	cleanup_close int fd = -1;

	for (size_t i = 0; i < n; i++)
		buf_addf(&b, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || fs_write_all(fd, b.data, b.len) < 0)
		return err_set(err, errno, "'linux.%s': write %s",
			       streq(file, "uid_map") ? "uidMappings" : "gidMappings", path);
	return 0;
}

int rt_ns_write_mappings(const struct spec_config *c, pid_t pid, struct err **err)
{
	if (geteuid() != 0) {
		/* unprivileged (rootless): the kernel takes a gid_map from us
		 * only once setgroups is denied in the namespace */
		char path[64];
		cleanup_close int fd = -1;
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || fs_write_all(fd, "deny", 4) < 0)
			return err_set(err, errno, "write %s", path);
	}
	if (write_map(pid, "uid_map", c->uid_mappings, c->n_uid_mappings, err) < 0 ||
	    write_map(pid, "gid_map", c->gid_mappings, c->n_gid_mappings, err) < 0)
		return -1;
	return 0;
}
