/* cloned_binary.c: no container process can reach a writable runtime binary.
 *
 * CVE-2019-5736: a process inside the container can open /proc/<pid>/exe of a
 * runtime process that joined the container (create's init before execve,
 * exec) and, once the runtime has exited, write through it to the binary on
 * the host; or the container's program can itself resolve to that link
 * (/proc/self/exe, as a path, a script's interpreter or an ELF's PT_INTERP)
 * and run the runtime's binary with the container's loader and libraries.
 *
 * Two ways out, the cheaper where it is enough:
 *  - create and run, in the common case: once the init has built the
 *    container and given up its privileges (before `create` returns), it
 *    execs a small static trampoline (runtime/trampoline/) held in a sealed
 *    memfd, which waits for `start` and execs the program.  Until then
 *    nothing else of the container exists to look at the init (a new pid
 *    namespace), and no hook is exec'd in the container; afterwards
 *    /proc/<init>/exe is the sealed copy.  ~0.1 ms for the exec of a 10 KB
 *    program.
 *  - otherwise (exec, a joined or the host's pid namespace, startContainer
 *    hooks, a seccomp listener, a seccomp profile that may refuse the calls
 *    made after it is loaded: see trampoline_fits): the runtime
 *    re-executes itself from the binary seen through a detached, read-only
 *    overlayfs mount (its directory over an empty one), so /proc/<pid>/exe
 *    names a file on a read-only mount with no upper layer to copy up into;
 *    ~1 ms (an exec of the runtime).  Where overlayfs or the new mount API
 *    is unavailable it falls back to a sealed memfd copy of the whole
 *    binary, as runc 1.2 does. */
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

#include "common/fs.h"
#include "common/util.h"
#include "runtime/security.h"
#include "spec/runtime_config.h"

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

/* An empty memfd that may be sealed and exec'd. */
static int sealed_memfd(const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);

	if (fd < 0 && errno == EINVAL) /* a kernel before MFD_EXEC */
		fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	return fd;
}

static void warn(const char *what)
{
	/* log_init has not run yet: plain stderr, once. */
	fprintf(stderr,
		"kist-runtime: warning: cannot run from a sealed copy (%s: %s): "
		"the runtime binary is not protected against CVE-2019-5736\n",
		what, strerror(errno));
}

/* The runtime's own command line, for a re-exec decided later. */
static char **saved_argv, **saved_envp;

/* Re-exec from the read-only overlay, else from a sealed memfd copy;
 * returns when already protected, or with a warning when neither works. */
static void reexec_protected(char **argv, char **envp)
{
	struct stat st;
	int exe, mfd;
	off_t left;

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
	mfd = sealed_memfd("kist-runtime");
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

void rt_cloned_binary_ensure(int argc, char **argv, char **envp)
{
	const char *verb = find_verb(argc, argv);

	saved_argv = argv;
	saved_envp = envp;
	if (!enters_container(verb))
		return;
	/* create and run decide once the config is read */
	if (KIST_TRAMPOLINE && !streq(verb, "exec"))
		return;
	reexec_protected(argv, envp);
}

#if KIST_TRAMPOLINE
extern const unsigned char rt_trampoline_start[], rt_trampoline_end[];

/* Does the trampoline protect this container?  Nothing of the container
 * but the init may exist until it has exec'd the trampoline (which it does
 * before `create` returns), the init execs nothing else there, no seccomp
 * listener is to hear of the filter before `start`, and the container's
 * seccomp profile (loaded before) plainly allows the calls made after it:
 * the init's execveat and the trampoline's read and fcntl (its execve is
 * the program's own). */
static bool trampoline_fits(const struct spec_config *cfg)
{
	const struct spec_namespace *pid = spec_config_ns(cfg, SPEC_NS_PID);

	if (!pid || pid->path)
		return false; /* other processes may watch the init */
	if (cfg->hooks && cJSON_GetObjectItemCaseSensitive(cfg->hooks, "startContainer"))
		return false; /* exec'd by the init, in the container */
	if (cfg->seccomp && cJSON_GetObjectItemCaseSensitive(cfg->seccomp, "listenerPath"))
		return false;
	return rt_seccomp_plainly_allows(cfg->seccomp, "execveat") &&
	       rt_seccomp_plainly_allows(cfg->seccomp, "read") &&
	       rt_seccomp_plainly_allows(cfg->seccomp, "fcntl");
}

int rt_cloned_binary_trampoline(const struct spec_config *cfg)
{
	int fd;

	if (trampoline_fits(cfg)) {
		fd = sealed_memfd("kist-runtime-trampoline");
		if (fd >= 0) {
			if (fs_write_all(fd, rt_trampoline_start,
					 (size_t)(rt_trampoline_end - rt_trampoline_start)) == 0 &&
			    fcntl(fd, F_ADD_SEALS, SEALS) == 0)
				return fd;
			close(fd);
		}
	}
	if (saved_argv)
		reexec_protected(saved_argv, saved_envp);
	return -1;
}
#else
int rt_cloned_binary_trampoline(const struct spec_config *cfg)
{
	(void)cfg;
	return -1; /* rt_cloned_binary_ensure has re-executed */
}
#endif
