/* test_log.c: log sinks (stderr text, file text, file JSON lines), levels, die. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "tests/unit/unit.h"

/* Log state is global: every test puts it back the way main() set it. */
struct saved_log {
	char *prog;
	enum log_level level;
};

static struct saved_log save_log(void)
{
	struct saved_log s = {xstrdup(log_progname()), log_get_level()};

	return s;
}

static void restore_log(struct saved_log *s)
{
	log_close();
	log_set_format(LOG_FORMAT_TEXT);
	log_set_level(s->level);
	log_init(s->prog);
	free(s->prog);
}

static int stderr_to(const char *path)
{
	int saved, fd;

	fflush(stderr);
	saved = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	dup2(fd, 2);
	close(fd);
	return saved;
}

static void stderr_back(int saved)
{
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
}

static char *slurp(const char *path)
{
	char *text = NULL;

	if (fs_read_all(path, 0, &text, NULL, NULL) < 0)
		return xstrdup("(unreadable)");
	return text;
}

TEST(log_init_basename)
{
	struct saved_log s = save_log();
	char prog1[64], prog2[64], prog3[64], prog4[64];

	log_init("/usr/local/bin/kist-store");
	snprintf(prog1, sizeof(prog1), "%s", log_progname());
	log_init("kist-runtime");
	snprintf(prog2, sizeof(prog2), "%s", log_progname());
	log_init("");
	snprintf(prog3, sizeof(prog3), "%s", log_progname());
	log_init(NULL);
	log_init("dir/");
	snprintf(prog4, sizeof(prog4), "%s", log_progname());
	restore_log(&s);
	CHECK_STR(prog1, "kist-store");
	CHECK_STR(prog2, "kist-runtime");
	CHECK_STR(prog3, "kist-runtime");
	CHECK_STR(prog4, "kist-runtime");
}

TEST(log_levels)
{
	struct saved_log s = save_log();
	enum log_level got_default = s.level, l1, l2;

	log_set_level(LOG_LEVEL_DEBUG);
	l1 = log_get_level();
	log_set_level(LOG_LEVEL_ERROR);
	l2 = log_get_level();
	restore_log(&s);
	CHECK_INT(got_default, LOG_LEVEL_WARN);
	CHECK_INT(l1, LOG_LEVEL_DEBUG);
	CHECK_INT(l2, LOG_LEVEL_ERROR);
}

TEST(log_parse_format_and_level)
{
	cleanup_err struct err *e = NULL;
	enum log_format f = LOG_FORMAT_TEXT;
	enum log_level l = LOG_LEVEL_ERROR;

	CHECK_INT(log_parse_format("json", &f, &e), 0);
	CHECK_INT(f, LOG_FORMAT_JSON);
	CHECK_INT(log_parse_format("text", &f, &e), 0);
	CHECK_INT(f, LOG_FORMAT_TEXT);
	CHECK_INT(log_parse_format("JSON", &f, &e), -1);
	CHECK_ERR(e, "invalid log format 'JSON'");
	CHECK_INT(log_parse_format("", &f, &e), -1);
	CHECK_ERR(e, "invalid log format ''");
	CHECK_INT(log_parse_format(NULL, &f, &e), -1);
	CHECK_INT(log_parse_level("debug", &l, &e), 0);
	CHECK_INT(l, LOG_LEVEL_DEBUG);
	CHECK_INT(log_parse_level("warning", &l, &e), 0);
	CHECK_INT(l, LOG_LEVEL_WARN);
	CHECK_INT(log_parse_level("warn", &l, &e), 0);
	CHECK_INT(log_parse_level("info", &l, &e), 0);
	CHECK_INT(l, LOG_LEVEL_INFO);
	CHECK_INT(log_parse_level("error", &l, &e), 0);
	CHECK_INT(l, LOG_LEVEL_ERROR);
	CHECK_INT(log_parse_level("trace", &l, &e), -1);
	CHECK_ERR(e, "invalid log level 'trace'");
}

TEST(log_stderr_text)
{
	struct saved_log s = save_log();
	cleanup_free char *path = xasprintf("%s/stderr", unit_tmpdir());
	cleanup_free char *text = NULL;
	int saved;

	log_init("/bin/kist-test");
	saved = stderr_to(path);
	errno = ENOSPC;
	log_error("failed '%s'", "x");
	log_warn("careful");
	log_info("hidden info");
	log_debug("hidden debug");
	log_set_level(LOG_LEVEL_DEBUG);
	log_debug("shown %d", 4);
	stderr_back(saved);
	restore_log(&s);
	CHECK_INT(errno, ENOSPC);
	text = slurp(path);
	CHECK_STR(text, "kist-test: failed 'x'\nkist-test: careful\nkist-test: shown 4\n");
}

TEST(log_file_text_logrus)
{
	struct saved_log s = save_log();
	cleanup_free char *path = xasprintf("%s/log.txt", unit_tmpdir());
	cleanup_free char *text = NULL;
	struct stat st;
	int r;

	r = log_set_file(path, NULL);
	log_error("a \"quoted\" \\ thing\nsecond\tline\x01");
	log_info("not at warn");
	log_set_level(LOG_LEVEL_INFO);
	log_info("info line");
	restore_log(&s);
	CHECK_INT(r, 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	text = slurp(path);
	CHECK(strncmp(text, "time=\"", 6) == 0);
	/* time="YYYY-MM-DDTHH:MM:SSZ" */
	CHECK(text[10] == '-' && text[16] == 'T' && text[25] == 'Z' && text[26] == '"');
	CHECK(strstr(text,
		     "\" level=error msg=\"a \\\"quoted\\\" \\\\ thing\\nsecond\\tline\\x01\"\n"));
	CHECK(strstr(text, " level=info msg=\"info line\"\n"));
	CHECK(!strstr(text, "not at warn"));
	CHECK_INT(text[strlen(text) - 1], '\n');
}

/* Each line must be exactly one JSON object with level, msg and time. */
static int check_json_line(const char *line, size_t len, const char *level, const char *msg)
{
	cleanup_json cJSON *j = json_parse(line, len, "log line", NULL);
	const cJSON *it;
	int n = 0;

	if (!j || !cJSON_IsObject(j))
		return -1;
	cJSON_ArrayForEach(it, j) n++;
	if (n != 3)
		return -2;
	it = cJSON_GetObjectItemCaseSensitive(j, "level");
	if (!cJSON_IsString(it) || strcmp(it->valuestring, level) != 0)
		return -3;
	it = cJSON_GetObjectItemCaseSensitive(j, "msg");
	if (!cJSON_IsString(it) || strcmp(it->valuestring, msg) != 0)
		return -4;
	it = cJSON_GetObjectItemCaseSensitive(j, "time");
	if (!cJSON_IsString(it) || strlen(it->valuestring) != 20 || it->valuestring[19] != 'Z')
		return -5;
	return 0;
}

TEST(log_file_json_lines)
{
	struct saved_log s = save_log();
	cleanup_free char *path = xasprintf("%s/log.json", unit_tmpdir());
	cleanup_free char *text = NULL;
	const char *hostile = "q\"uote \\ nl\n tab\t ctl\x1f utf8 \xc3\xa9 } {\"level\":\"x\"}";
	char *nl1, *nl2, *nl3;

	log_set_file(path, NULL);
	log_set_format(LOG_FORMAT_JSON);
	log_error("%s", hostile);
	log_warn("w");
	log_debug("filtered");
	log_set_level(LOG_LEVEL_DEBUG);
	log_debug("d %s", "x");
	restore_log(&s);
	text = slurp(path);
	nl1 = strchr(text, '\n');
	CHECK(nl1);
	nl2 = strchr(nl1 + 1, '\n');
	CHECK(nl2);
	nl3 = strchr(nl2 + 1, '\n');
	CHECK(nl3);
	CHECK_INT(nl3[1], '\0');
	CHECK_INT(check_json_line(text, (size_t)(nl1 - text), "error", hostile), 0);
	CHECK_INT(check_json_line(nl1 + 1, (size_t)(nl2 - nl1 - 1), "warning", "w"), 0);
	CHECK_INT(check_json_line(nl2 + 1, (size_t)(nl3 - nl2 - 1), "debug", "d x"), 0);
	CHECK(strncmp(text, "{\"level\":\"error\",\"msg\":", 23) == 0);
}

TEST(log_file_appends)
{
	struct saved_log s = save_log();
	cleanup_free char *path = xasprintf("%s/append.log", unit_tmpdir());
	cleanup_free char *text = NULL;
	cleanup_close int other = -1;

	CHECK_INT(fs_write_file_atomic(path, "existing\n", 9, 0600, NULL), 0);
	log_set_file(path, NULL);
	log_set_format(LOG_FORMAT_JSON);
	log_error("one");
	/* Another writer in between (an OCI runtime's caller may share the file). */
	other = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (other >= 0)
		(void)fs_write_all(other, "other\n", 6);
	log_error("two");
	/* Switching files closes the first. */
	log_set_file(path, NULL);
	log_error("three");
	restore_log(&s);
	text = slurp(path);
	CHECK(strncmp(text, "existing\n{", 10) == 0);
	CHECK(strstr(text, "\"msg\":\"one\""));
	CHECK(strstr(text, "}\nother\n{"));
	CHECK(strstr(text, "\"msg\":\"two\""));
	CHECK(strstr(text, "\"msg\":\"three\""));
}

TEST(log_json_lines_from_two_processes)
{
	struct saved_log s = save_log();
	cleanup_free char *path = xasprintf("%s/shared.json", unit_tmpdir());
	cleanup_free char *text = NULL;
	char *line, *nl;
	int i, n = 0, bad = 0, status = -1;
	pid_t pid;

	log_set_file(path, NULL);
	log_set_format(LOG_FORMAT_JSON);
	fflush(stdout);
	pid = fork();
	for (i = 0; i < 300 && pid >= 0; i++)
		log_error("%s line %d with \"quotes\" and a long tail "
			  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
			  pid == 0 ? "child" : "parent", i);
	if (pid == 0) {
		free(s.prog);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	restore_log(&s);
	CHECK(pid > 0);
	text = slurp(path);
	for (line = text; (nl = strchr(line, '\n')); line = nl + 1) {
		cleanup_json cJSON *j = json_parse(line, (size_t)(nl - line), "line", NULL);

		if (!j)
			bad++;
		n++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(n, 600);
	CHECK_INT(*line, '\0');
}

TEST(log_file_is_cloexec)
{
	struct saved_log s = save_log();
	cleanup_free char *path = xasprintf("%s/ce.log", unit_tmpdir());
	cleanup_free char *link = NULL;
	char target[4096];
	int fd, flags = -1, found = 0;
	ssize_t n;

	log_set_file(path, NULL);
	for (fd = 3; fd < 1024; fd++) {
		free(link);
		link = xasprintf("/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, path) == 0) {
			flags = fcntl(fd, F_GETFD);
			found = 1;
			break;
		}
	}
	restore_log(&s);
	CHECK(found);
	CHECK(flags & FD_CLOEXEC);
}

TEST(log_set_file_error)
{
	cleanup_err struct err *e = NULL;

	CHECK_INT(log_set_file("/nonexistent-dir/x/log", &e), -1);
	CHECK_ERR(e, "open log file '/nonexistent-dir/x/log': No such file or directory");
}

TEST(log_close_back_to_stderr)
{
	struct saved_log s = save_log();
	cleanup_free char *path = xasprintf("%s/f.log", unit_tmpdir());
	cleanup_free char *errpath = xasprintf("%s/stderr", unit_tmpdir());
	cleanup_free char *a = NULL;
	cleanup_free char *b = NULL;
	int saved;

	log_init("t");
	log_set_file(path, NULL);
	log_error("to file");
	log_close();
	log_close();
	saved = stderr_to(errpath);
	log_error("to stderr");
	stderr_back(saved);
	restore_log(&s);
	a = slurp(path);
	b = slurp(errpath);
	CHECK(strstr(a, "msg=\"to file\""));
	CHECK(!strstr(a, "to stderr"));
	CHECK_STR(b, "t: to stderr\n");
}

static int marker_fd = -1;

static void write_marker(void)
{
	if (marker_fd >= 0)
		(void)fs_write_all(marker_fd, "atexit", 6);
}

/* Runs fn in a child with stderr to errpath; returns its wait status. */
static int in_child(void (*fn)(void), const char *errpath, const char *markpath)
{
	int status = -1;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		dup2(fd, 2);
		marker_fd = open(markpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		atexit(write_marker);
		fn();
		_exit(99);
	}
	waitpid(pid, &status, 0);
	return status;
}

static void call_die(void)
{
	log_init("kist-x");
	die("bad option '%s'", "--x");
}

static void call_die_errno(void)
{
	log_init("kist-x");
	errno = ENOENT;
	die_errno("open '%s'", "f");
}

static void call_die_forked(void)
{
	log_init("kist-x");
	log_set_forked_child();
	die("in child");
}

TEST(log_die)
{
	cleanup_free char *errpath = xasprintf("%s/die.err", unit_tmpdir());
	cleanup_free char *mark = xasprintf("%s/mark", unit_tmpdir());
	cleanup_free char *t1 = NULL;
	cleanup_free char *m1 = NULL;
	cleanup_free char *t2 = NULL;
	cleanup_free char *t3 = NULL;
	cleanup_free char *m3 = NULL;
	int st;

	st = in_child(call_die, errpath, mark);
	CHECK(WIFEXITED(st));
	CHECK_INT(WEXITSTATUS(st), 1);
	t1 = slurp(errpath);
	m1 = slurp(mark);
	CHECK_STR(t1, "kist-x: bad option '--x'\n");
	CHECK_STR(m1, "atexit"); /* exit(), not _exit() */

	st = in_child(call_die_errno, errpath, mark);
	CHECK(WIFEXITED(st));
	CHECK_INT(WEXITSTATUS(st), 1);
	t2 = slurp(errpath);
	CHECK_STR(t2, "kist-x: open 'f': No such file or directory\n");

	st = in_child(call_die_forked, errpath, mark);
	CHECK(WIFEXITED(st));
	CHECK_INT(WEXITSTATUS(st), 1);
	t3 = slurp(errpath);
	m3 = slurp(mark);
	CHECK_STR(t3, "kist-x: in child\n");
	CHECK_STR(m3, ""); /* _exit(): atexit handlers did not run */
}

TEST(log_long_message)
{
	struct saved_log s = save_log();
	cleanup_free char *path = xasprintf("%s/long.json", unit_tmpdir());
	cleanup_free char *big = xmalloc(200001);
	cleanup_free char *text = NULL;

	memset(big, 'm', 200000);
	big[200000] = '\0';
	log_set_file(path, NULL);
	log_set_format(LOG_FORMAT_JSON);
	log_error("%s", big);
	restore_log(&s);
	text = slurp(path);
	CHECK_INT(check_json_line(text, strlen(text) - 1, "error", big), 0);
}

TEST(log_json_to_stderr)
{
	struct saved_log s = save_log();
	cleanup_free char *errpath = xasprintf("%s/stderr.json", unit_tmpdir());
	cleanup_free char *text = NULL;
	int saved;

	log_set_format(LOG_FORMAT_JSON);
	saved = stderr_to(errpath);
	log_warn("no file: %s", "json on stderr");
	stderr_back(saved);
	restore_log(&s);
	text = slurp(errpath);
	CHECK(strlen(text) > 1);
	CHECK_INT(check_json_line(text, strlen(text) - 1, "warning", "no file: json on stderr"), 0);
}

static void vlog(enum log_level level, const char *fmt, ...) PRINTF(2, 3);
static void vlog(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

TEST(log_vmsg)
{
	struct saved_log s = save_log();
	cleanup_free char *errpath = xasprintf("%s/stderr.v", unit_tmpdir());
	cleanup_free char *text = NULL;
	int saved;

	log_init("v");
	saved = stderr_to(errpath);
	vlog(LOG_LEVEL_ERROR, "%s=%d", "x", 1);
	vlog(LOG_LEVEL_INFO, "%s", "filtered");
	log_msg(LOG_LEVEL_WARN, "%s", "warned");
	stderr_back(saved);
	restore_log(&s);
	text = slurp(errpath);
	CHECK_STR(text, "v: x=1\nv: warned\n");
}
