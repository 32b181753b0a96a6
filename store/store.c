/* store.c: open the store's directories; small shared helpers. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"
#include "store/store.h"

int store_open(struct store *s, struct err **err)
{
	static const char *const dirs[] = {"layers", "layers/l", "containers", "volumes", "tmp"};
	cleanup_free char *oci = NULL;
	size_t i;

	if (s->opened)
		return 0;
	if (s->must_exist && access(s->root, F_OK) < 0)
		return err_set_code(err, ENOENT, "no store at '%s' (see --root and $KIST_ROOT)",
				    s->root);
	if (fs_mkdir_p(s->root, 0711, err) < 0)
		return err_wrap(err, "open store '%s'", s->root);
	s->rootfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0)
		return err_set(err, errno, "open store '%s'", s->root);
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (mkdirat(s->rootfd, dirs[i], 0700) < 0 && errno != EEXIST)
			return err_set(err, errno, "create '%s/%s'", s->root, dirs[i]);
	}
	s->layersfd = openat(s->rootfd, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->layersfd < 0)
		return err_set(err, errno, "open '%s/layers'", s->root);
	oci = xasprintf("%s/oci", s->root);
	if (layout_open(oci, true, &s->oci, err) < 0)
		return -1;
	s->opened = true;
	return 0;
}

void store_close(struct store *s)
{
	if (s->opened)
		layout_close(&s->oci);
	fs_close(s->rootfd);
	fs_close(s->layersfd);
	s->rootfd = s->layersfd = -1;
	s->opened = false;
}

enum store_driver store_driver(struct store *s)
{
	if (s->driver == STORE_DRIVER_DEFAULT)
		s->driver = overlay_supported() ? STORE_DRIVER_OVERLAY : STORE_DRIVER_VFS;
	return s->driver;
}

const char *store_driver_name(enum store_driver d)
{
	return d == STORE_DRIVER_VFS ? "vfs" : "overlay";
}

char *store_mkdtemp(struct store *s, const char *prefix, struct err **err)
{
	char *p = xasprintf("%s/tmp/%sXXXXXX", s->root, prefix);

	if (!mkdtemp(p)) {
		err_set(err, errno, "create temporary directory in '%s/tmp'", s->root);
		free(p);
		return NULL;
	}
	return p;
}

char *store_time_now(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

int64_t store_time_parse(const char *s)
{
	double t;

	return time_parse_rfc3339(s, &t) < 0 ? -1 : (int64_t)t;
}

void store_random_hex(char out[65])
{
	unsigned char raw[32];
	size_t got = 0, i;

	while (got < sizeof(raw)) {
		ssize_t r = getrandom(raw + got, sizeof(raw) - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			abort();
		}
		got += (size_t)r;
	}
	for (i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}
