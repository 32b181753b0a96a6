/* test_util.c: allocators, string helpers, string vectors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/util.h"
#include "tests/unit/unit.h"

TEST(util_xalloc)
{
	cleanup_free char *a = xmalloc(0);
	cleanup_free char *b = xcalloc(4, 8);
	cleanup_free char *c = NULL;
	size_t i;

	CHECK(a != NULL);
	for (i = 0; i < 32; i++)
		CHECK_INT(b[i], 0);
	c = xrealloc(NULL, 10);
	memcpy(c, "123456789", 10);
	c = xrealloc(c, 100000);
	CHECK_STR(c, "123456789");
	c = xrealloc(c, 0);
	CHECK(c != NULL);
	free(xcalloc(0, 0));
}

TEST(util_xstr)
{
	cleanup_free char *a = xstrdup("hello");
	cleanup_free char *b = xstrndup("hello", 3);
	cleanup_free char *c = xstrndup("hi", 10);
	cleanup_free char *d = xasprintf("%s-%d-%05.1f", "x", 42, 3.14159);
	cleanup_free char *e = xstrdup("");
	cleanup_free char *big = NULL;
	char *fill = xmalloc(100001);

	CHECK_STR(a, "hello");
	CHECK_STR(b, "hel");
	CHECK_STR(c, "hi");
	CHECK_STR(d, "x-42-003.1");
	CHECK_STR(e, "");
	memset(fill, 'z', 100000);
	fill[100000] = '\0';
	big = xasprintf("<%s>", fill);
	free(fill);
	CHECK_INT(strlen(big), 100002);
	CHECK(big[0] == '<' && big[100001] == '>');
}

static char *vfmt(const char *fmt, ...) PRINTF(1, 2);
static char *vfmt(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

TEST(util_xvasprintf)
{
	cleanup_free char *a = vfmt("%s:%d:%c", "v", -3, 'z');
	cleanup_free char *b = vfmt("%s", "");

	CHECK_STR(a, "v:-3:z");
	CHECK_STR(b, "");
}

TEST(util_die_oom_aborts)
{
	int pfd[2], status;
	char msg[64] = "";
	pid_t pid;

	CHECK(pipe2(pfd, O_CLOEXEC) == 0);
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		dup2(pfd[1], 2);
		signal(SIGABRT, SIG_DFL);
		die_oom();
	}
	close(pfd[1]);
	CHECK(fs_read_full(pfd[0], msg, sizeof(msg) - 1) > 0);
	close(pfd[0]);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status));
	CHECK_INT(WTERMSIG(status), SIGABRT);
	CHECK_STR(msg, "out of memory\n");
}

TEST(util_str_helpers)
{
	CHECK(streq("a", "a"));
	CHECK(!streq("a", "ab"));
	CHECK(str_has_prefix("sha256:abc", "sha256:"));
	CHECK(str_has_prefix("abc", ""));
	CHECK(!str_has_prefix("sha", "sha256:"));
	CHECK(str_has_suffix("file.json", ".json"));
	CHECK(str_has_suffix("x", ""));
	CHECK(str_has_suffix("", ""));
	CHECK(!str_has_suffix("json", ".json"));
	CHECK(!str_has_suffix("a.jso", ".json"));
}

TEST(util_steal)
{
	cleanup_free char *p = xstrdup("x");
	cleanup_free char *q = NULL;
	int fd = 7, got;

	q = steal_pointer(&p);
	CHECK(p == NULL);
	CHECK_STR(q, "x");
	got = steal_fd(&fd);
	CHECK_INT(got, 7);
	CHECK_INT(fd, -1);
}

TEST(util_strv)
{
	cleanup_strv char **v = NULL;
	cleanup_strv char **d = NULL;
	cleanup_strv char **e = NULL;
	char *lit[] = {"a", "bb", NULL};

	CHECK_INT(strv_len(NULL), 0);
	strv_push(&v, "one");
	strv_push(&v, "");
	strv_push(&v, "three");
	CHECK_INT(strv_len(v), 3);
	CHECK_STR(v[0], "one");
	CHECK_STR(v[1], "");
	CHECK_STR(v[2], "three");
	CHECK(v[3] == NULL);
	d = strv_dup(v);
	CHECK(d != v && d[0] != v[0]);
	CHECK_INT(strv_len(d), 3);
	CHECK_STR(d[2], "three");
	e = strv_dup(NULL);
	CHECK(e != NULL && e[0] == NULL);
	CHECK_INT(strv_len(lit), 2);
	strv_free(NULL);
}

TEST(util_strv_many)
{
	cleanup_strv char **v = NULL;
	char tmp[16];
	int i;

	for (i = 0; i < 1000; i++) {
		snprintf(tmp, sizeof(tmp), "%d", i);
		strv_push(&v, tmp);
	}
	CHECK_INT(strv_len(v), 1000);
	CHECK_STR(v[999], "999");
}

TEST(util_cleanup_attrs)
{
	cleanup_file FILE *f = NULL;
	cleanup_dir DIR *d = NULL;
	cleanup_close int fd = -1;
	cleanup_close int none = -1;
	cleanup_free char *nothing = NULL;
	cleanup_strv char **nov = NULL;

	f = fopen("/dev/null", "re");
	d = opendir("/");
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(f && d && fd >= 0);
	/* The attributes close and free on scope exit; valgrind/ASan check. */
	{
		cleanup_close int inner = open("/dev/null", O_RDONLY | O_CLOEXEC);
		cleanup_file FILE *inner_f = fopen("/dev/null", "re");

		CHECK(inner >= 0 && inner_f);
	}
}

TEST(util_cleanup_pid)
{
	pid_t seen;
	int status = 0;

	{
		cleanup_pid pid_t pid = -1;

		fflush(stdout);
		pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			pause();
			_exit(0);
		}
		seen = pid;
	}
	/* Killed and reaped at scope exit: nothing left to wait for. */
	CHECK_INT(waitpid(seen, &status, WNOHANG), -1);
	CHECK_INT(errno, ECHILD);
	{
		cleanup_pid pid_t none = -1;
		cleanup_pid pid_t zero = 0;

		(void)none;
		(void)zero;
	}
}

TEST(time_parse_rfc3339)
{
	double t = 0;

	CHECK_INT(time_parse_rfc3339("2024-01-02T03:04:05Z", &t), 1);
	CHECK(t == 1704164645.0);
	CHECK_INT(time_parse_rfc3339("2024-01-02T03:04:05.25Z", &t), 1);
	CHECK(t == 1704164645.25);
	CHECK_INT(time_parse_rfc3339("2024-01-02T05:04:05+02:00", &t), 1);
	CHECK(t == 1704164645.0);
	CHECK_INT(time_parse_rfc3339("2024-01-01T23:04:05.5-04:00", &t), 1);
	CHECK(t == 1704164645.5);
	/* read leniently: no zone (UTC), junk after the zone, a bad offset */
	CHECK_INT(time_parse_rfc3339("2024-01-02T03:04:05", &t), 0);
	CHECK(t == 1704164645.0);
	CHECK_INT(time_parse_rfc3339("2024-01-02T03:04:05Zjunk", &t), 0);
	CHECK_INT(time_parse_rfc3339("2024-01-02T03:04:05+25:00", &t), 0);
	CHECK_INT(time_parse_rfc3339("2024-01-02T03:04:05+0200", &t), 0);
	/* not a time at all */
	CHECK_INT(time_parse_rfc3339("yesterday", &t), -1);
	CHECK_INT(time_parse_rfc3339("", &t), -1);
	CHECK_INT(time_parse_rfc3339(NULL, &t), -1);
}
