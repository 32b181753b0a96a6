/* test_fs.c: file system helpers, rm -rf across mounts, resolution in a root
 * (both the openat2 path and the userspace fallback). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "tests/unit/unit.h"

static char *tpath(const char *rel)
{
	return xasprintf("%s/%s", unit_tmpdir(), rel);
}

static int put(const char *rel, const char *content)
{
	cleanup_free char *p = tpath(rel);

	return fs_write_file_atomic(p, content, strlen(content), 0644, NULL);
}

static int mk(const char *rel)
{
	cleanup_free char *p = tpath(rel);

	return fs_mkdir_p(p, 0755, NULL);
}

static int ln(const char *target, const char *rel)
{
	cleanup_free char *p = tpath(rel);

	return symlink(target, p);
}

static char *read_fd_text(int fd)
{
	char *s = NULL;

	if (fs_read_fd(fd, 4096, &s, NULL, NULL) < 0)
		return xstrdup("(read failed)");
	return s;
}

TEST(fs_close_keeps_errno)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	errno = EXDEV;
	fs_close(fd);
	CHECK_INT(errno, EXDEV);
	fs_close(-1);
	fs_close(fd); /* already closed: EBADF is swallowed */
	CHECK_INT(errno, EXDEV);
}

TEST(fs_write_all_read_full_pipe)
{
	char *big = xmalloc(300000), *back = xmalloc(300001);
	int pfd[2];
	pid_t pid;
	ssize_t n;
	size_t i;

	for (i = 0; i < 300000; i++)
		big[i] = (char)i;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		free(big);
		free(back);
		CHECK(0);
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		_exit(fs_write_all(pfd[1], big, 300000) == 0 ? 0 : 1);
	}
	close(pfd[1]);
	n = fs_read_full(pfd[0], back, 300001);
	close(pfd[0]);
	waitpid(pid, NULL, 0);
	i = n == 300000 && memcmp(big, back, 300000) == 0;
	free(big);
	free(back);
	CHECK_INT(n, 300000);
	CHECK(i);
	CHECK_INT(fs_write_all(-1, "x", 1), -1);
	CHECK_INT(errno, EBADF);
	CHECK_INT(fs_read_full(-1, &i, 1), -1);
	CHECK_INT(fs_write_all(1, "", 0), 0);
}

TEST(fs_mkdir_p)
{
	cleanup_free char *deep = tpath("a/b//c/d/");
	cleanup_free char *file = tpath("f");
	cleanup_free char *under = tpath("f/x/y");
	cleanup_free char *msg = NULL;
	cleanup_err struct err *e = NULL;
	cleanup_close int dfd = -1;
	struct stat st;

	CHECK_INT(fs_mkdir_p(deep, 0700, &e), 0);
	CHECK_INT(stat(deep, &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_INT(st.st_mode & 0777, 0700);
	CHECK_INT(fs_mkdir_p(deep, 0700, &e), 0); /* exists: fine */
	CHECK_INT(put("f", "x"), 0);
	CHECK_INT(fs_mkdir_p(file, 0755, &e), -1);
	msg = xasprintf("mkdir '%s': Not a directory", file);
	CHECK_STR(e->msg, msg);
	CHECK_INT(fs_mkdir_p(under, 0755, &e), -1);
	CHECK_ERR(e, "Not a directory");
	CHECK_INT(fs_mkdir_p("", 0755, &e), -1);
	CHECK_ERR(e, "mkdir ''");
	dfd = open(unit_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK_INT(fs_mkdir_pat(dfd, "rel/x/../y", 0755, &e), 0);
	CHECK(fs_exists(deep));
	{
		cleanup_free char *y = tpath("rel/y");

		CHECK(fs_exists(y));
	}
	CHECK_INT(fs_mkdir_p("/", 0755, &e), 0);
}

TEST(fs_dir_names)
{
	cleanup_free char *dir = tpath("names");
	cleanup_close int dfd = -1, file = -1;
	cleanup_strv char **sorted = NULL, **any = NULL;
	const char *want[] = {"a", "b.txt", "c", "z"};

	CHECK_INT(mkdir(dir, 0755), 0);
	CHECK_INT(put("names/z", "1"), 0);
	CHECK_INT(put("names/b.txt", "2"), 0);
	CHECK_INT(put("names/a", "3"), 0);
	{
		cleanup_free char *sub = tpath("names/c");
		CHECK_INT(mkdir(sub, 0755), 0);
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dfd >= 0);
	sorted = fs_dir_names(dfd, true);
	CHECK(sorted != NULL);
	CHECK_INT((int)strv_len(sorted), 4);
	for (size_t i = 0; i < 4; i++)
		CHECK_STR(sorted[i], want[i]);
	/* again on the same fd: read from the start, "." and ".." left out */
	any = fs_dir_names(dfd, false);
	CHECK_INT((int)strv_len(any), 4);
	/* not a directory: NULL with errno */
	{
		cleanup_free char *f = tpath("names/a");
		file = open(f, O_RDONLY | O_CLOEXEC);
	}
	errno = 0;
	CHECK(fs_dir_names(file, true) == NULL);
	CHECK_INT(errno, ENOTDIR);
}

TEST(fs_write_file_atomic)
{
	cleanup_free char *p = tpath("state.json");
	cleanup_free char *text = NULL;
	cleanup_err struct err *e = NULL;
	cleanup_dir DIR *d = NULL;
	struct dirent *de;
	struct stat st;
	size_t len = 0;
	int n = 0;

	CHECK_INT(fs_write_file_atomic(p, "one", 3, 0600, &e), 0);
	CHECK_INT(fs_read_all(p, 0, &text, &len, &e), 0);
	CHECK_STR(text, "one");
	free(text);
	text = NULL;
	CHECK_INT(fs_write_file_atomic(p, "", 0, 0644, &e), 0);
	CHECK_INT(fs_read_all(p, 0, &text, &len, &e), 0);
	CHECK_INT(len, 0);
	CHECK_INT(stat(p, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0644 & ~022);
	/* No temporary file remains. */
	d = opendir(unit_tmpdir());
	CHECK(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' || strlen(de->d_name) > 2)
			n++;
	CHECK_INT(n, 1);
}

TEST(fs_write_file_atomic_failure_keeps_old)
{
	cleanup_free char *dir = tpath("target");
	cleanup_free char *inner = tpath("target/keep");
	cleanup_free char *missing = tpath("nodir/file");
	cleanup_err struct err *e = NULL;
	cleanup_dir DIR *d = NULL;
	struct dirent *de;
	int n = 0;

	/* rename over a non-empty directory fails after the temp was written. */
	CHECK_INT(mk("target"), 0);
	CHECK_INT(put("target/keep", "old"), 0);
	CHECK_INT(fs_write_file_atomic(dir, "new", 3, 0644, &e), -1);
	CHECK_ERR(e, "rename");
	CHECK(fs_exists(inner));
	d = opendir(unit_tmpdir());
	CHECK(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	CHECK_INT(n, 1); /* only target/: the temp file was removed */
	CHECK_INT(fs_write_file_atomic(missing, "x", 1, 0644, &e), -1);
	CHECK_ERR(e, "nodir/file");
	CHECK_INT(fs_write_file_atomic("", "x", 1, 0644, &e), -1);
	CHECK_INT(fs_write_file_atomic(unit_tmpdir(), "x", 1, 0644, &e), -1);
	{
		cleanup_free char *slash = tpath("target/");

		CHECK_INT(fs_write_file_atomic(slash, "x", 1, 0644, &e), -1);
		CHECK_ERR(e, "Is a directory");
	}
}

TEST(fs_write_file_atomicat_long_name)
{
	cleanup_close int dfd = open(unit_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_err struct err *e = NULL;
	cleanup_free char *text = NULL;
	char name[256];

	memset(name, 'n', 255);
	name[255] = '\0';
	CHECK(dfd >= 0);
	CHECK_INT(fs_write_file_atomicat(dfd, name, "long", 4, 0600, &e), 0);
	CHECK_INT(fs_read_allat(dfd, name, 10, &text, NULL, &e), 0);
	CHECK_STR(text, "long");
	CHECK_INT(fs_write_file_atomicat(dfd, "sub/x", "x", 1, 0600, &e), -1);
}

TEST(fs_write_file_atomic_concurrent_readers)
{
	cleanup_free char *p = tpath("shared");
	char *a = xmalloc(20000), *b = xmalloc(20000);
	int i, bad = 0, status = -1;
	pid_t pid;

	memset(a, 'A', 20000);
	memset(b, 'B', 20000);
	if (fs_write_file_atomic(p, a, 20000, 0644, NULL) < 0)
		bad = -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < 300; i++)
			if (fs_write_file_atomic(p, i % 2 ? a : b, 20000, 0644, NULL) < 0)
				_exit(1);
		_exit(0);
	}
	/* A reader never sees a partial or mixed file. */
	for (i = 0; i < 300 && pid > 0; i++) {
		char *text = NULL;
		size_t len = 0, k;

		if (fs_read_all(p, 0, &text, &len, NULL) < 0 || len != 20000) {
			bad++;
		} else {
			for (k = 1; k < len; k++)
				if (text[k] != text[0])
					break;
			if (k != len)
				bad++;
		}
		free(text);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	free(a);
	free(b);
	CHECK(pid > 0);
	CHECK_INT(bad, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(fs_fsync_dir)
{
	cleanup_err struct err *e = NULL;
	cleanup_free char *none = tpath("none");

	CHECK_INT(fs_fsync_dir(unit_tmpdir(), &e), 0);
	CHECK_INT(fs_fsync_dir(none, &e), -1);
	CHECK_ERR(e, "No such file or directory");
}

TEST(fs_read_all_caps)
{
	cleanup_free char *p = tpath("ten");
	cleanup_free char *text = NULL;
	cleanup_free char *msg = NULL;
	cleanup_err struct err *e = NULL;
	size_t len = 0;

	CHECK_INT(put("ten", "0123456789"), 0);
	CHECK_INT(fs_read_all(p, 10, &text, &len, &e), 0);
	CHECK_STR(text, "0123456789");
	CHECK_INT(len, 10);
	free(text);
	text = NULL;
	CHECK_INT(fs_read_all(p, 9, &text, &len, &e), -1);
	CHECK(text == NULL);
	msg = xasprintf("'%s' is larger than 9 bytes", p);
	CHECK_STR(e->msg, msg);
	CHECK_INT(e->code, EFBIG);
	CHECK_INT(fs_read_all(p, 1, &text, NULL, &e), -1);
	CHECK_INT(fs_read_all(unit_tmpdir(), 100, &text, NULL, &e), -1);
	CHECK_ERR(e, "Is a directory");
	free(msg);
	msg = tpath("nothing");
	CHECK_INT(fs_read_all(msg, 100, &text, NULL, &e), -1);
	CHECK_ERR(e, "No such file or directory");
}

TEST(fs_read_all_empty_and_large)
{
	cleanup_free char *p = tpath("empty");
	cleanup_free char *q = tpath("large");
	cleanup_free char *text = NULL;
	cleanup_free char *big = xmalloc(1 << 20);
	cleanup_err struct err *e = NULL;
	size_t len = 99;

	CHECK_INT(put("empty", ""), 0);
	CHECK_INT(fs_read_all(p, 0, &text, &len, &e), 0);
	CHECK_STR(text, "");
	CHECK_INT(len, 0);
	free(text);
	text = NULL;
	memset(big, 'b', 1 << 20);
	CHECK_INT(fs_write_file_atomic(q, big, 1 << 20, 0600, &e), 0);
	CHECK_INT(fs_read_all(q, 1 << 20, &text, &len, &e), 0);
	CHECK_INT(len, 1 << 20);
	CHECK(memcmp(text, big, 1 << 20) == 0 && text[len] == '\0');
}

TEST(fs_read_fd_pipe_cap)
{
	cleanup_err struct err *e = NULL;
	cleanup_free char *text = NULL;
	char chunk[1000];
	int pfd[2];
	pid_t pid;
	int i;

	memset(chunk, 'p', sizeof(chunk));
	CHECK(pipe2(pfd, O_CLOEXEC) == 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		for (i = 0; i < 100; i++)
			if (fs_write_all(pfd[1], chunk, sizeof(chunk)) < 0)
				_exit(0);
		_exit(0);
	}
	close(pfd[1]);
	CHECK_INT(fs_read_fd(pfd[0], 50000, &text, NULL, &e), -1);
	close(pfd[0]);
	waitpid(pid, NULL, 0);
	CHECK_STR(e->msg, "'input' is larger than 50000 bytes");
}

TEST(fs_rm_rf_tree)
{
	cleanup_free char *top = tpath("tree");
	cleanup_free char *outside = tpath("outside/precious");
	cleanup_err struct err *e = NULL;
	char name[64];
	int i;

	CHECK_INT(mk("tree/a/b/c/d/e/f"), 0);
	CHECK_INT(mk("outside"), 0);
	CHECK_INT(put("outside/precious", "keep"), 0);
	CHECK_INT(put("tree/a/file", "x"), 0);
	CHECK_INT(put("tree/a/b/c/d/e/f/deep", "x"), 0);
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "tree/many/%03d", i);
		CHECK_INT(mk(name), 0);
	}
	/* Symlinks are removed, never followed. */
	CHECK_INT(ln("../../outside", "tree/a/link-dir"), 0);
	CHECK_INT(ln("../../outside/precious", "tree/a/link-file"), 0);
	CHECK_INT(ln("/nonexistent", "tree/dangling"), 0);
	{
		cleanup_free char *fifo = tpath("tree/a/fifo");

		CHECK_INT(mkfifo(fifo, 0600), 0);
	}
	{
		/* A directory without permissions (root still removes it). */
		cleanup_free char *locked = tpath("tree/a/b/c");

		CHECK_INT(chmod(locked, 0), 0);
	}
	CHECK_INT(fs_rm_rf(top, &e), 0);
	CHECK(!fs_exists(top));
	CHECK(fs_exists(outside));
	CHECK_INT(fs_rm_rf(top, &e), 0); /* missing: fine */
}

TEST(fs_rm_rf_deep)
{
	cleanup_free char *top = tpath("deep");
	cleanup_err struct err *e = NULL;
	char rel[2048];
	size_t n = 0;
	int i;

	n += (size_t)snprintf(rel + n, sizeof(rel) - n, "deep");
	for (i = 0; i < 600; i++)
		n += (size_t)snprintf(rel + n, sizeof(rel) - n, "/d");
	CHECK(n < sizeof(rel) - 1);
	CHECK_INT(mk(rel), 0);
	CHECK_INT(fs_rm_rf(top, &e), 0);
	CHECK(!fs_exists(top));
}

TEST(fs_rm_rf_file_and_symlink)
{
	cleanup_free char *f = tpath("plain");
	cleanup_free char *l = tpath("link");
	cleanup_free char *d = tpath("dir");
	cleanup_free char *inside = tpath("dir/x");
	cleanup_close int dfd = -1;
	cleanup_err struct err *e = NULL;

	CHECK_INT(put("plain", "x"), 0);
	CHECK_INT(mk("dir"), 0);
	CHECK_INT(put("dir/x", "x"), 0);
	CHECK_INT(ln("dir", "link"), 0);
	CHECK_INT(fs_rm_rf(f, &e), 0);
	CHECK(!fs_exists(f));
	CHECK_INT(fs_rm_rf(l, &e), 0);
	CHECK(fs_exists(inside)); /* the link went, not what it points to */
	dfd = open(unit_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK_INT(fs_rm_rfat(dfd, "dir", &e), 0);
	CHECK(!fs_exists(d));
	CHECK_INT(fs_rm_rfat(dfd, "dir", &e), 0);
	CHECK_INT(fs_rm_rf("", &e), -1);
}

TEST(fs_rm_rf_stops_at_mounts)
{
	cleanup_free char *top = tpath("m");
	cleanup_free char *mnt = tpath("m/sub/mnt");
	cleanup_free char *inmnt = tpath("m/sub/mnt/data");
	cleanup_free char *bind = tpath("m/bind");
	cleanup_free char *bindsrc = tpath("bindsrc");
	cleanup_free char *msg = NULL;
	cleanup_err struct err *e = NULL;
	int r;

	CHECK_INT(mk("m/sub/mnt"), 0);
	CHECK_INT(mk("bindsrc"), 0);
	CHECK_INT(mk("m/bind"), 0);
	CHECK_INT(put("bindsrc/keep", "x"), 0);
	if (mount("kist-unit", mnt, "tmpfs", 0, "size=1m") < 0) {
		printf("note: fs_rm_rf_stops_at_mounts needs mount(2) (%s); not checked\n",
		       strerror(errno));
		return;
	}
	(void)put("m/sub/mnt/data", "x");
	r = fs_rm_rf(top, &e);
	msg = xasprintf("remove '%s/sub/mnt': a mount point: Device or resource busy", top);
	CHECK_INT(r, -1);
	CHECK_STR(e->msg, msg);
	CHECK_INT(e->code, EBUSY);
	CHECK(fs_exists(inmnt));
	/* The mount point itself as the top. */
	CHECK_INT(fs_rm_rf(mnt, &e), -1);
	CHECK_INT(e->code, EBUSY);
	CHECK(fs_exists(inmnt));
	CHECK_INT(umount2(mnt, MNT_DETACH), 0);

	/* A bind mount of the same file system has the same st_dev. */
	if (mount(bindsrc, bind, "none", MS_BIND, NULL) == 0) {
		cleanup_free char *keep = tpath("bindsrc/keep");

		CHECK_INT(fs_rm_rf(top, &e), -1);
		CHECK_INT(e->code, EBUSY);
		CHECK(fs_exists(keep));
		CHECK_INT(umount2(bind, MNT_DETACH), 0);
	}
	CHECK_INT(fs_rm_rf(top, &e), 0);
	CHECK(!fs_exists(top));
}

TEST(fs_exists_and_fd_path)
{
	cleanup_free char *p = tpath("e");
	cleanup_free char *fp = NULL;

	CHECK(!fs_exists(p));
	CHECK_INT(put("e", ""), 0);
	CHECK(fs_exists(p));
	CHECK(!fs_exists(NULL));
	fp = fs_fd_path(42);
	CHECK_STR(fp, "/proc/self/fd/42");
}

/* ---- fs_open_in_root ---- */

/* A root with traps:
 *   root/etc/passwd            "inside"
 *   root/abs -> /etc           (absolute: must land on root/etc)
 *   root/rel -> ../../../../../etc
 *   root/a/b/chain -> ../../rel
 *   root/loop1 -> loop2, root/loop2 -> loop1, root/self -> self
 *   root/dangling -> /newdir/new  (root/newdir exists)
 *   root/file, root/dir/
 * and next to it tmp/etc/passwd "outside" (what an escape would reach). */
static int make_root(int *rootfd)
{
	if (mk("root/etc") || mk("root/a/b") || mk("root/dir") || mk("root/newdir") || mk("etc") ||
	    put("root/etc/passwd", "inside") || put("etc/passwd", "outside") ||
	    put("root/file", "file") || ln("/etc", "root/abs") ||
	    ln("../../../../../etc", "root/rel") || ln("../../rel", "root/a/b/chain") ||
	    ln("loop2", "root/loop1") || ln("loop1", "root/loop2") || ln("self", "root/self") ||
	    ln("/newdir/new", "root/dangling") || ln("/", "root/toroot") ||
	    ln("/proc/self/root/etc", "root/magic"))
		return -1;
	{
		cleanup_free char *r = tpath("root");

		*rootfd = open(r, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	return *rootfd < 0 ? -1 : 0;
}

static void open_in_root_cases(bool fallback)
{
	static const char *const inside[] = {
	    "etc/passwd",
	    "/etc/passwd",
	    "../../etc/passwd",
	    "../../../../../../../../etc/passwd",
	    "abs/passwd",
	    "/abs/../abs/passwd",
	    "rel/passwd",
	    "a/b/chain/passwd",
	    "a/../a/b/../../etc/./passwd",
	    "toroot/toroot/etc/passwd",
	    "dir/../../etc//passwd",
	};
	cleanup_close int rootfd = -1;
	cleanup_err struct err *e = NULL;
	size_t i;
	int fd;

	fs_set_force_fallback(fallback);
	CHECK_INT(make_root(&rootfd), 0);
	for (i = 0; i < sizeof(inside) / sizeof(inside[0]); i++) {
		cleanup_free char *text = NULL;

		fd = fs_open_in_root(rootfd, inside[i], O_RDONLY, 0, &e);
		if (fd < 0) {
			unit_fail(__FILE__, __LINE__, "%s: open '%s': %s",
				  fallback ? "fallback" : "openat2", inside[i], e ? e->msg : "?");
			return;
		}
		text = read_fd_text(fd);
		close(fd);
		if (!streq(text, "inside")) {
			unit_fail(__FILE__, __LINE__, "%s: '%s' read \"%s\"",
				  fallback ? "fallback" : "openat2", inside[i], text);
			return;
		}
	}
	/* The fd is CLOEXEC. */
	fd = fs_open_in_root(rootfd, "file", O_RDONLY, 0, &e);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);

	/* A link's text naming /proc is re-rooted too: there is no root/proc. */
	CHECK_INT(fs_open_in_root(rootfd, "magic/passwd", O_RDONLY, 0, &e), -1);
	CHECK_INT(e->code, ENOENT);
	CHECK_INT(fs_open_in_root(rootfd, "loop1", O_RDONLY, 0, &e), -1);
	CHECK_STR(e->msg, "open 'loop1': Too many levels of symbolic links");
	CHECK_INT(e->code, ELOOP);
	CHECK_INT(fs_open_in_root(rootfd, "self/x", O_RDONLY, 0, &e), -1);
	CHECK_INT(e->code, ELOOP);
	CHECK_INT(fs_open_in_root(rootfd, "nope", O_RDONLY, 0, &e), -1);
	CHECK_STR(e->msg, "open 'nope': No such file or directory");
	CHECK_INT(fs_open_in_root(rootfd, "file/x", O_RDONLY, 0, &e), -1);
	CHECK_INT(e->code, ENOTDIR);
	CHECK_INT(fs_open_in_root(rootfd, "file/", O_RDONLY, 0, &e), -1);
	CHECK_INT(e->code, ENOTDIR);
	CHECK_INT(fs_open_in_root(rootfd, "file", O_RDONLY | O_DIRECTORY, 0, &e), -1);
	CHECK_INT(e->code, ENOTDIR);
	CHECK_INT(fs_open_in_root(rootfd, "abs", O_RDONLY | O_NOFOLLOW, 0, &e), -1);
	CHECK_INT(e->code, ELOOP);

	/* Directories, the root itself. */
	fd = fs_open_in_root(rootfd, "abs", O_RDONLY | O_DIRECTORY, 0, &e);
	CHECK(fd >= 0);
	{
		struct stat a, b;
		cleanup_free char *etc = tpath("root/etc");

		CHECK_INT(fstat(fd, &a), 0);
		CHECK_INT(stat(etc, &b), 0);
		CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	}
	close(fd);
	for (i = 0; i < 4; i++) {
		static const char *const roots[] = {"", "/", "..", "a/b/../../.."};
		struct stat a, b;

		fd = fs_open_in_root(rootfd, roots[i], O_RDONLY | O_DIRECTORY, 0, &e);
		CHECK(fd >= 0);
		CHECK_INT(fstat(fd, &a), 0);
		CHECK_INT(fstat(rootfd, &b), 0);
		close(fd);
		CHECK(a.st_ino == b.st_ino);
	}

	/* O_PATH|O_NOFOLLOW gives the link itself. */
	fd = fs_open_in_root(rootfd, "abs", O_PATH | O_NOFOLLOW, 0, &e);
	CHECK(fd >= 0);
	{
		struct stat st;

		CHECK_INT(fstat(fd, &st), 0);
		CHECK(S_ISLNK(st.st_mode));
	}
	close(fd);

	/* Creating: inside the root, also through a dangling absolute link. */
	fd = fs_open_in_root(rootfd, "../../created", O_WRONLY | O_CREAT | O_EXCL, 0600, &e);
	CHECK(fd >= 0);
	close(fd);
	{
		cleanup_free char *p = tpath("root/created");
		cleanup_free char *q = tpath("created");

		CHECK(fs_exists(p));
		CHECK(!fs_exists(q));
	}
	fd = fs_open_in_root(rootfd, "dangling", O_WRONLY | O_CREAT, 0600, &e);
	CHECK(fd >= 0);
	close(fd);
	{
		cleanup_free char *p = tpath("root/newdir/new");

		CHECK(fs_exists(p));
		CHECK(!fs_exists("/newdir/new"));
	}
	/* O_EXCL on an existing symlink: EEXIST, never follows. */
	CHECK_INT(fs_open_in_root(rootfd, "abs", O_WRONLY | O_CREAT | O_EXCL, 0600, &e), -1);
	CHECK_INT(e->code, EEXIST);
	CHECK_INT(fs_open_in_root(rootfd, "dir/", O_WRONLY | O_CREAT, 0600, &e), -1);
	fs_set_force_fallback(false);
}

/* valgrind, old kernels and some seccomp profiles have no openat2. */
static bool have_openat2(void)
{
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC};
	long fd = syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof(how));

	if (fd >= 0)
		close((int)fd);
	return fd >= 0 || errno != ENOSYS;
}

TEST(fs_open_in_root_openat2)
{
	cleanup_close int rootfd = -1;
	cleanup_err struct err *e = NULL;

	/* Without openat2 this runs the fallback (as fs_open_in_root does). */
	open_in_root_cases(false);
	if (!have_openat2()) {
		printf("note: no openat2 here (ENOSYS): the fallback was tested instead\n");
		return;
	}
	/* Magic links are refused by openat2 (RESOLVE_NO_MAGICLINKS). */
	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK_INT(fs_open_in_root(rootfd, "proc/self/root/etc/hostname", O_RDONLY, 0, &e), -1);
	CHECK_INT(e->code, ELOOP);
}

TEST(fs_open_in_root_fallback)
{
	cleanup_close int rootfd = -1;
	cleanup_err struct err *e = NULL;
	int fd;

	open_in_root_cases(true);
	/* The fallback re-roots a magic link's text instead of following it. */
	fs_set_force_fallback(true);
	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	fd = fs_open_in_root(rootfd, "proc/self/root/etc/hostname", O_RDONLY, 0, &e);
	fs_set_force_fallback(false);
	if (fd >= 0)
		close(fd);
	if (fd < 0)
		unit_fail(__FILE__, __LINE__, "%s", e->msg);
}

/* A child keeps swapping root/x between a directory and a symlink that
 * climbs out with "..": no open through x may ever reach the outside. */
TEST(fs_open_in_root_swap_race)
{
	cleanup_close int rootfd = -1;
	cleanup_free char *x = tpath("root/x");
	cleanup_free char *y = tpath("root/y");
	int mode, i, outside = 0, inside = 0;
	pid_t pid;

	CHECK_INT(make_root(&rootfd), 0);
	CHECK_INT(mk("root/x/etc"), 0);
	CHECK_INT(put("root/x/etc/passwd", "inside"), 0);
	CHECK_INT(ln("../../../../../../../../../..", "root/y"), 0);
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		for (;;)
			(void)renameat2(AT_FDCWD, x, AT_FDCWD, y, RENAME_EXCHANGE);
	}
	for (mode = 0; mode < 2; mode++) {
		fs_set_force_fallback(mode);
		for (i = 0; i < 2000; i++) {
			int fd = fs_open_in_root(rootfd, "x/etc/passwd", O_RDONLY, 0, NULL);
			char buf[16] = "";

			if (fd < 0)
				continue;
			(void)fs_read_full(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (streq(buf, "outside"))
				outside++;
			else if (streq(buf, "inside"))
				inside++;
		}
	}
	fs_set_force_fallback(false);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	CHECK_INT(outside, 0);
	CHECK(inside > 0);
}

/* n links: l0 -> l1 -> ... -> l(n-1) -> file */
static int make_chain(int n)
{
	char name[32], target[32];
	int i;

	if (mk("chain") || put("chain/file", "end"))
		return -1;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "chain/l%d", i);
		if (i == n - 1)
			snprintf(target, sizeof(target), "file");
		else
			snprintf(target, sizeof(target), "/l%d", i + 1);
		if (ln(target, name) < 0)
			return -1;
	}
	return 0;
}

TEST(fs_open_in_root_symlink_limit)
{
	cleanup_free char *root = tpath("chain");
	cleanup_close int rootfd = -1;
	cleanup_err struct err *e = NULL;
	int mode, fd;

	CHECK_INT(make_chain(41), 0);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(rootfd >= 0);
	for (mode = 0; mode < 2; mode++) {
		fs_set_force_fallback(mode);
		/* l1 is 40 links from file: allowed; l0 is 41: ELOOP, like the kernel. */
		fd = fs_open_in_root(rootfd, "l1", O_RDONLY, 0, &e);
		if (fd < 0) {
			fs_set_force_fallback(false);
			unit_fail(__FILE__, __LINE__, "mode %d: %s", mode, e->msg);
			return;
		}
		close(fd);
		fd = fs_open_in_root(rootfd, "l0", O_RDONLY, 0, &e);
		fs_set_force_fallback(false);
		CHECK_INT(fd, -1);
		CHECK_INT(e->code, ELOOP);
	}
}

TEST(fs_open_in_root_long_names)
{
	cleanup_close int rootfd = -1;
	cleanup_err struct err *e = NULL;
	char name[300];
	int mode;

	CHECK_INT(make_root(&rootfd), 0);
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	for (mode = 0; mode < 2; mode++) {
		fs_set_force_fallback(mode);
		CHECK_INT(fs_open_in_root(rootfd, name, O_RDONLY, 0, &e), -1);
		fs_set_force_fallback(false);
		CHECK_INT(e->code, ENAMETOOLONG);
	}
}

TEST(fs_mkdir_p_in_root)
{
	cleanup_close int rootfd = -1;
	cleanup_err struct err *e = NULL;
	cleanup_free char *escaped = tpath("escaped");
	int fd;
	struct stat st;

	CHECK_INT(make_root(&rootfd), 0);
	fd = fs_mkdir_p_in_root(rootfd, "../../escaped/x/y", 0755, &e);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK_INT(fstat(fd, &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	close(fd);
	CHECK(!fs_exists(escaped));
	{
		cleanup_free char *p = tpath("root/escaped/x/y");

		CHECK(fs_exists(p));
	}
	/* Through an absolute and a relative escaping link. */
	fd = fs_mkdir_p_in_root(rootfd, "abs/sub", 0755, &e);
	CHECK(fd >= 0);
	close(fd);
	fd = fs_mkdir_p_in_root(rootfd, "a/b/chain/sub2/deeper", 0700, &e);
	CHECK(fd >= 0);
	close(fd);
	{
		cleanup_free char *p = tpath("root/etc/sub");
		cleanup_free char *q = tpath("root/etc/sub2/deeper");
		cleanup_free char *outside = tpath("etc/sub");

		CHECK(fs_exists(p));
		CHECK(fs_exists(q));
		CHECK(!fs_exists(outside));
	}
	/* Through a dangling link: the target is made inside. */
	fd = fs_mkdir_p_in_root(rootfd, "dangling/z", 0755, &e);
	CHECK(fd >= 0);
	close(fd);
	{
		cleanup_free char *p = tpath("root/newdir/new/z");

		CHECK(fs_exists(p));
	}
	/* Existing: fine; the root itself. */
	fd = fs_mkdir_p_in_root(rootfd, "etc", 0755, &e);
	CHECK(fd >= 0);
	close(fd);
	fd = fs_mkdir_p_in_root(rootfd, "/", 0755, &e);
	CHECK(fd >= 0);
	close(fd);
	CHECK_INT(fs_mkdir_p_in_root(rootfd, "file/x", 0755, &e), -1);
	CHECK_STR(e->msg, "mkdir 'file/x': Not a directory");
	CHECK_INT(fs_mkdir_p_in_root(rootfd, "file", 0755, &e), -1);
	CHECK_INT(e->code, ENOTDIR);
	CHECK_INT(fs_mkdir_p_in_root(rootfd, "loop1/x", 0755, &e), -1);
	CHECK_INT(e->code, ELOOP);
}

TEST(fs_resolve_in_root)
{
	cleanup_close int rootfd = -1;
	cleanup_err struct err *e = NULL;
	cleanup_free char *root = tpath("root");
	cleanup_free char *rootslash = tpath("root///");
	char *out = NULL;
	static const struct {
		const char *in;
		bool missing;
		const char *want; /* relative to root, NULL: error */
	} cases[] = {
	    {"etc/passwd", false, "/etc/passwd"},
	    {"../../../etc", false, "/etc"},
	    {"abs", false, "/etc"},
	    {"abs/passwd", false, "/etc/passwd"},
	    {"a/b/chain", false, "/etc"},
	    {"dangling", true, "/newdir/new"},
	    {"dangling", false, NULL},
	    {"etc/new-target", true, "/etc/new-target"},
	    {"etc/new-target/x", true, NULL},
	    {"", false, ""},
	    {"/", false, ""},
	    {"..", false, ""},
	    {"dir/", false, "/dir"},
	    {"loop1", true, NULL},
	    {"file/x", true, NULL},
	    {"file", false, "/file"},
	};
	size_t i;

	CHECK_INT(make_root(&rootfd), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *want = NULL;
		int r = fs_resolve_in_root(i % 2 ? rootslash : root, cases[i].in, cases[i].missing,
					   &out, &e);

		if (!cases[i].want) {
			if (r != -1) {
				unit_fail(__FILE__, __LINE__, "'%s' resolved to %s", cases[i].in,
					  out);
				free(out);
				return;
			}
			CHECK_ERR(e, "resolve '");
			continue;
		}
		if (r < 0) {
			unit_fail(__FILE__, __LINE__, "'%s': %s", cases[i].in, e->msg);
			return;
		}
		want = xasprintf("%s%s", root, cases[i].want);
		if (!streq(out, want)) {
			unit_fail(__FILE__, __LINE__, "'%s' -> %s, expected %s", cases[i].in, out,
				  want);
			free(out);
			return;
		}
		free(out);
	}
	CHECK_INT(fs_resolve_in_root("/nonexistent-root", "x", true, &out, &e), -1);
	CHECK_ERR(e, "open root '/nonexistent-root'");
	CHECK_INT(fs_resolve_in_root("/", "etc/../etc", false, &out, &e), 0);
	CHECK_STR(out, "/etc");
	free(out);
}

TEST(fs_output_refuses_special_files)
{
	cleanup_err struct err *e = NULL;
	cleanup_free char *fifo = tpath("fifo"), *dir = tpath("d"), *out = NULL;

	CHECK(mkfifo(fifo, 0644) == 0);
	CHECK(mk("d") == 0);
	CHECK(ln("/dev/null", "devlink") == 0);
	CHECK(fs_output_resolve("/dev/null", &out, NULL, &e) < 0);
	CHECK_ERR(e, "cannot write '/dev/null': is a device");
	CHECK(fs_output_resolve(fifo, &out, NULL, &e) < 0);
	CHECK_ERR(e, "is a named pipe");
	CHECK(fs_output_resolve(dir, &out, NULL, &e) < 0);
	CHECK_ERR(e, "is a directory");
	{
		cleanup_free char *l = tpath("devlink");
		struct fs_output o = FS_OUTPUT_INIT;

		CHECK(fs_output_open(&o, l, 0644, &e) < 0);
		CHECK_ERR(e, "its target '/dev/null' is a device");
		CHECK(o.fd < 0 && o.tmp == NULL);
		fs_output_release(&o);
	}
}

TEST(fs_output_follows_symlinks)
{
	cleanup_err struct err *e = NULL;
	cleanup_free char *link = tpath("link"), *target = tpath("sub/t.tar"), *out = NULL;
	struct fs_output o = FS_OUTPUT_INIT;
	struct stat st;
	char buf[16] = "";

	CHECK(mk("sub") == 0);
	CHECK(ln("hop", "link") == 0);
	CHECK(ln("sub/t.tar", "hop") == 0);
	/* a dangling chain: its final target is where the file goes */
	CHECK_INT(fs_output_resolve(link, &out, NULL, &e), 0);
	CHECK_STR(out, target);
	CHECK_INT(fs_output_open(&o, link, 0600, &e), 0);
	CHECK(fs_write_all(o.fd, "data", 4) == 0);
	CHECK_INT(fs_output_commit(&o, &e), 0);
	fs_output_release(&o);
	CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(stat(target, &st) == 0 && S_ISREG(st.st_mode));
	CHECK_INT(st.st_mode & 0777, 0600);
	{
		cleanup_close int fd = open(target, O_RDONLY | O_CLOEXEC);

		CHECK(fs_read_full(fd, buf, sizeof(buf) - 1) == 4);
		CHECK_STR(buf, "data");
	}
	/* not committed: the temporary file goes, the target stays */
	CHECK_INT(fs_output_open(&o, link, 0644, &e), 0);
	CHECK(fs_write_all(o.fd, "other", 5) == 0);
	{
		cleanup_free char *tmp = xstrdup(o.tmp);

		fs_output_release(&o);
		CHECK(access(tmp, F_OK) < 0);
	}
	CHECK(stat(target, &st) == 0 && st.st_size == 4);
}
