/* mount.h: the container's file system, built in its own mount namespace:
 * the rootfs bind, config mounts (destinations resolved inside the rootfs so
 * a symlink cannot send a mount outside it), default and configured devices,
 * pivot_root, masked and read-only paths, a read-only root.
 * All functions run in the container init.  <0 with *err set on failure. */
#ifndef KIST_RUNTIME_MOUNT_H
#define KIST_RUNTIME_MOUNT_H

#include <stdbool.h>             /* bool */
#include "spec/runtime_config.h" /* struct spec_config */

struct err;

/* Set "/" propagation (linux.rootfsPropagation, default rslave) and bind the
 * rootfs onto itself so it is a mount point. */
int rt_mount_prepare_root(const struct spec_config *c, const char *rootfs, struct err **err);
/* Every config mount, then /dev's default nodes, links and linux.devices.
 * userns: bind host device nodes instead of mknod.  cgroup_path: the
 * container's cgroup, bound in place of whole hierarchies when the container
 * has no cgroup namespace of its own (or may not mount them). */
int rt_mount_all(const struct spec_config *c, const char *rootfs, bool userns,
		 const char *cgroup_path, struct err **err);
/* pivot_root into rootfs and detach the old root (no_pivot: MS_MOVE + chroot). */
int rt_mount_pivot(const char *rootfs, bool no_pivot, struct err **err);
/* After pivot and sysctl: maskedPaths, readonlyPaths. */
int rt_mount_protect(const struct spec_config *c, struct err **err);
/* Last: remount "/" read-only when root.readonly. */
int rt_mount_finish_root(const struct spec_config *c, struct err **err);
/* Bind the pty slave (path in the container) onto /dev/console. */
int rt_mount_console(const char *slave_path, struct err **err);

/* Parse mount options into flags, propagation flags and data (for tests and
 * validation in the parent).  Returns -1 on an unknown "r"-recursive option. */
struct rt_mount_opts {
	unsigned long flags;       /* MS_* set */
	unsigned long clear;       /* MS_* explicitly cleared (rw, suid...) */
	unsigned long propagation; /* MS_PRIVATE|MS_REC ... or 0 */
	bool bind, rbind;
	bool tmpcopyup;                      /* tmpfs: copy in what it hides */
	unsigned long long rec_set, rec_clr; /* MOUNT_ATTR_* for rro, rnosuid...:
						 applied to every submount */
	char *data; /* comma-joined fs-specific options, malloc'd, may be NULL */
};
void rt_mount_parse_options(char *const *options, struct rt_mount_opts *out);

#endif
