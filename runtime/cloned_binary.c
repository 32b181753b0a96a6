/* cloned_binary.c: run from a copy of the runtime binary nobody can write.
 *
 * CVE-2019-5736: a process inside the container can open /proc/<pid>/exe of a
 * runtime process that joined the container (create's init before execve,
 * exec) and, once the runtime has exited, write through it to the binary on
 * the host.  The runtime re-executes itself from the binary seen through a
 * detached, read-only overlayfs mount (its directory over an empty one):
 * /proc/<pid>/exe then names a file on a read-only mount that has no upper
 * layer to copy up into, so it cannot be opened for writing; that takes a few
 * syscalls (~0.1 ms) and no copy of the binary per start.  Where overlayfs
 * or the new mount API is unavailable (no CAP_SYS_ADMIN, older kernels) it
 * falls back to a sealed memfd copy, as runc 1.2 does. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <linux/mount.h> /* FSCONFIG_*, MOUNT_ATTR_* */
#include <limits.h>      /* PATH_MAX */
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>  /* fstatfs */
#include <sys/statvfs.h> /* fstatvfs */
#include <sys/syscall.h>
#include <unistd.h>

#include "common/util.h"
#include "runtime/security.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* Global options that take a value as the next argument. */
static const char *const value_opts[] = {"--root", "--log", "--log-format", "--criu", "--rootless"};

static const char *find_verb(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (streq(a, "--"))
			return i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-')
			return a;
		if (strchr(a, '='))
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(value_opts); k++)
			if (streq(a, value_opts[k])) {
				i++;
				break;
			}
	}
	return NULL;
}

static bool enters_container(const char *verb)
{
	return verb && (streq(verb, "create") || streq(verb, "run") || streq(verb, "exec"));
}

static bool is_sealed_copy(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	return seals >= 0 && (seals & SEALS) == SEALS;
}

#define OVERLAYFS_MAGIC 0x794c7630

/* Already running from a read-only overlay (ours, after the re-exec)? */
static bool is_ro_overlay(int fd)
{
	struct statfs sf;
	struct statvfs sv;

	return fstatfs(fd, &sf) == 0 && sf.f_type == OVERLAYFS_MAGIC && fstatvfs(fd, &sv) == 0 &&
	       (sv.f_flag & ST_RDONLY);
}

/* Re-execute from the binary seen through a detached read-only overlay of
 * its directory; returns only on failure (nothing to undo: fds close). */
static void exec_from_overlay(char **argv, char **envp)
{
	char exe[PATH_MAX], lower[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	int tfs = -1, tmnt = -1, ofs = -1, omnt = -1, bin = -1;

	if (n <= 0)
		return;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	/* lowerdir syntax: ':' ',' '\\' would need escaping; such paths use the memfd */
	if (exe[0] != '/' || !slash || strpbrk(exe, ":,\\") || strstr(exe, " (deleted)"))
		return;
	*slash = 0;
	/* overlayfs without an upper layer wants two lower ones.  The second
	 * is /dev as a data-only layer (Linux 6.5+): nothing of it shows in
	 * the merged directory, and no mount of our own is made, whose
	 * release would cost one more RCU grace period at the exec.  Older
	 * kernels (or a binary under /dev): an empty tmpfs instead. */
	snprintf(lower, sizeof(lower), "%s::/dev", *exe ? exe : "/");
	ofs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (ofs < 0)
		goto out;
	if (syscall(SYS_fsconfig, ofs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0 ||
	    syscall(SYS_fsconfig, ofs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		close(ofs);
		ofs = -1;
		tfs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
		if (tfs < 0 || syscall(SYS_fsconfig, tfs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
			goto out;
		tmnt = (int)syscall(SYS_fsmount, tfs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
		if (tmnt < 0)
			goto out;
		snprintf(lower, sizeof(lower), "%s:/proc/self/fd/%d", *exe ? exe : "/", tmnt);
		ofs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
		if (ofs < 0 ||
		    syscall(SYS_fsconfig, ofs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0 ||
		    syscall(SYS_fsconfig, ofs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
			goto out;
	}
	omnt = (int)syscall(SYS_fsmount, ofs, FSMOUNT_CLOEXEC,
			    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID);
	if (omnt < 0)
		goto out;
	bin = openat(omnt, slash + 1, O_PATH | O_CLOEXEC);
	if (bin < 0)
		goto out;
	syscall(SYS_execveat, bin, "", argv, envp, AT_EMPTY_PATH);
out:
	for (int *fd = (int[]){tfs, tmnt, ofs, omnt, bin, -2}; *fd != -2; fd++)
		if (*fd >= 0)
			close(*fd);
}

static void warn(const char *what)
{
	/* log_init has not run yet: plain stderr, once. */
	fprintf(stderr,
		"kist-runtime: warning: cannot run from a sealed copy (%s: %s): "
		"the runtime binary is not protected against CVE-2019-5736\n",
		what, strerror(errno));
}

void rt_cloned_binary_ensure(int argc, char **argv, char **envp)
{
	struct stat st;
	int exe, mfd;
	off_t left;

	if (!enters_container(find_verb(argc, argv)))
		return;
	exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe < 0) {
		warn("open /proc/self/exe");
		return;
	}
	if (is_sealed_copy(exe) || is_ro_overlay(exe)) {
		close(exe);
		return;
	}
	exec_from_overlay(argv, envp);
	if (fstat(exe, &st) < 0) {
		warn("stat /proc/self/exe");
		close(exe);
		return;
	}
	mfd = memfd_create("kist-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (mfd < 0 && errno == EINVAL)
		mfd = memfd_create("kist-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0) {
		warn("memfd_create");
		close(exe);
		return;
	}
	for (left = st.st_size; left > 0;) {
		ssize_t n = sendfile(mfd, exe, NULL, (size_t)left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			warn("copy /proc/self/exe");
			goto out;
		}
		left -= n;
	}
	if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0) {
		warn("seal the copy");
		goto out;
	}
	close(exe);
	exe = -1;
	syscall(SYS_execveat, mfd, "", argv, envp, AT_EMPTY_PATH);
	warn("execveat the copy");
out:
	if (exe >= 0)
		close(exe);
	close(mfd);
}
