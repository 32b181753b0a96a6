/* fuzz_tarpath.c: tar entry path resolution inside a root (fs_open_in_root,
 * both the openat2 path and the userspace walk; fs_resolve_in_root).  The
 * root holds symlinks that try to leave it; nothing resolved may be outside
 * (the resolved path must start with the root). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/err.h"
#include "common/fs.h"
#include "tests/fuzz/fuzz.h"

static char root[64];
static int rootfd = -1;

static void make_root(void)
{
	char p[128];

	snprintf(root, sizeof(root), "/tmp/kist-fuzz-root-%d", (int)getpid());
	mkdir(root, 0755);
	snprintf(p, sizeof(p), "%s/dir", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/up", root);
	symlink("../../..", p);
	snprintf(p, sizeof(p), "%s/abs", root);
	symlink("/etc", p);
	snprintf(p, sizeof(p), "%s/dir/loop", root);
	symlink("loop", p);
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	char *out = NULL;
	struct err *e = NULL;
	int fd;

	if (rootfd < 0)
		make_root();
	if (size < 1)
		return 0;
	s = fuzz_str(data + 1, size - 1);
	fs_set_force_fallback(data[0] & 1);
	/* read-only opens: the fuzzer must not create files */
	fd = fs_open_in_root(rootfd, s, O_RDONLY | O_PATH, 0, &e);
	if (fd >= 0)
		close(fd);
	err_free(e);
	e = NULL;
	if (fs_resolve_in_root(root, s, true, &out, &e) == 0) {
		if (strncmp(out, root, strlen(root)) != 0 ||
		    (out[strlen(root)] != '/' && out[strlen(root)] != '\0'))
			abort(); /* escaped the root */
		free(out);
	}
	err_free(e);
	free(s);
	return 0;
}
