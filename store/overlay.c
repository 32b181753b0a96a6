/* overlay.c: overlayfs mounts of a container rootfs.
 *
 * Lower layers are named through layers/l/<short> links.  The new mount API
 * (fsopen + "lowerdir+" per layer, Linux 6.8) has no limit on the total
 * length, so images of up to overlayfs' 500 layers mount; older kernels get
 * a classic mount(2) from inside layers/ with relative short names, which
 * keeps the option string under a page for docker's 127-layer maximum. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"
#include "store/store.h"

bool overlay_supported(void)
{
	cleanup_free char *text = NULL;

	if (fs_read_all("/proc/filesystems", 1 << 16, &text, NULL, NULL) < 0)
		return false;
	return strstr(text, "\toverlay\n") != NULL;
}

bool path_is_mountpoint(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
		return false;
	return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* The mount API: one fsconfig per lower layer.  Returns -2 when the kernel
 * lacks it (fall back), -1 on a real error. */
static int mount_new_api(const char *const *lowers, size_t n, const char *layers_dir,
			 const char *upper, const char *work, const char *target, bool volatile_,
			 struct err **err)
{
	cleanup_close int fsfd = -1, mfd = -1;
	size_t i;

	fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return -2;
	for (i = 0; i < n; i++) {
		cleanup_free char *p = xasprintf("%s/%s", layers_dir, lowers[i]);

		if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", p, 0) < 0) {
			if (i == 0 && errno == EINVAL)
				return -2; /* no lowerdir+ (before 6.8) */
			return err_set(err, errno, "overlay: add lower layer '%s'", p);
		}
	}
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0)
		return err_set(err, errno, "overlay: upperdir '%s'", upper);
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, "workdir", work, 0) < 0)
		return err_set(err, errno, "overlay: workdir '%s'", work);
	/* a kernel without volatile (before 5.10) just syncs */
	if (volatile_)
		(void)fsconfig(fsfd, FSCONFIG_SET_FLAG, "volatile", NULL, 0);
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		char msg[512];
		ssize_t r = read(fsfd, msg, sizeof(msg) - 1);

		if (r > 0) {
			msg[r] = '\0';
			msg[strcspn(msg, "\n")] = '\0';
			return err_set(err, errno, "mount overlay on '%s': %s", target, msg);
		}
		return err_set(err, errno, "mount overlay on '%s'", target);
	}
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
	if (mfd < 0)
		return err_set(err, errno, "mount overlay on '%s'", target);
	if (move_mount(mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return err_set(err, errno, "mount overlay on '%s'", target);
	return 0;
}

static int mount_legacy(const char *const *lowers, size_t n, const char *layers_dir,
			const char *upper, const char *work, const char *target, struct err **err)
{
	struct buf opts = BUF_INIT;
	cleanup_close int cwd = -1;
	int ret = 0;
	size_t i;

	buf_adds(&opts, "lowerdir=");
	for (i = 0; i < n; i++) {
		if (i)
			buf_addch(&opts, ':');
		buf_adds(&opts, lowers[i]);
	}
	buf_addf(&opts, ",upperdir=%s,workdir=%s", upper, work);
	if (opts.len >= (size_t)sysconf(_SC_PAGESIZE)) {
		ret = err_set(err, E2BIG,
			      "mount overlay on '%s': %zu layers do not fit a mount option page "
			      "(this kernel lacks lowerdir+)",
			      target, n);
		goto out;
	}
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (chdir(layers_dir) < 0) {
		ret = err_set(err, errno, "chdir '%s'", layers_dir);
		goto out;
	}
	if (mount("overlay", target, "overlay", 0, opts.data) < 0)
		ret = err_set(err, errno, "mount overlay on '%s'", target);
	if (cwd >= 0 && fchdir(cwd) < 0)
		ret = err_set(err, errno, "return to the working directory");
out:
	buf_release(&opts);
	return ret;
}

int overlay_mount(const char *const *lowers, size_t n, const char *layers_dir, const char *upper,
		  const char *work, const char *target, bool volatile_, struct err **err)
{
	int r = mount_new_api(lowers, n, layers_dir, upper, work, target, volatile_, err);

	if (r != -2)
		return r;
	return mount_legacy(lowers, n, layers_dir, upper, work, target, err);
}

int overlay_umount(const char *target, struct err **err)
{
	if (umount2(target, UMOUNT_NOFOLLOW) == 0)
		return 0;
	if (errno == EINVAL || errno == ENOENT)
		return 0; /* not mounted */
	if (errno == EBUSY && umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
		return 0;
	return err_set(err, errno, "unmount '%s'", target);
}
