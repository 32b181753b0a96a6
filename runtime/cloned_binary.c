/* cloned_binary.c: run from a sealed in-memory copy of the runtime binary.
 *
 * CVE-2019-5736: a process inside the container can open /proc/<pid>/exe of a
 * runtime process that joined the container (create's init before execve,
 * exec) and, once the runtime has exited, write through it to the binary on
 * the host.  Re-executing from a sealed memfd makes /proc/<pid>/exe point at
 * a private copy that nobody can write, shrink or grow. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
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
	if (is_sealed_copy(exe)) {
		close(exe);
		return;
	}
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
