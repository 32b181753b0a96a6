/* test_cli.c: command tables, usage errors, running verbs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/log.h"
#include "tests/unit/unit.h"

static int calls;

static int cmd_ok(void *g, int argc, char **argv, struct err **err)
{
	(void)err;
	calls++;
	return g ? *(int *)g + argc + (argv ? 0 : 100) : 0;
}

static int cmd_fail(void *g, int argc, char **argv, struct err **err)
{
	(void)g;
	(void)argc;
	calls++;
	return err_set(err, ENOENT, "open '%s'", argv[0]);
}

static int cmd_fail_silent(void *g, int argc, char **argv, struct err **err)
{
	(void)g;
	(void)argc;
	(void)argv;
	(void)err;
	calls++;
	return -5;
}

static const struct cli_cmd table[] = {
    {"run", cmd_ok, "run a thing"},
    {"fail", cmd_fail, "always fails"},
    {"quiet", cmd_fail_silent, NULL},
    {NULL, NULL, NULL},
};

/* Run fn in a child with stdout and stderr sent to files; returns wait status. */
static int in_child(void (*fn)(const char *), const char *arg, const char *out, const char *err)
{
	int status = -1;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		dup2(o, 1);
		dup2(e, 2);
		log_init("kist-cli");
		cli_set_verb(NULL);
		fn(arg);
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return status;
}

static char *slurp(const char *path)
{
	char *text = NULL;

	if (fs_read_all(path, 0, &text, NULL, NULL) < 0)
		return xstrdup("(unreadable)");
	return text;
}

TEST(cli_find)
{
	CHECK(cli_find(table, "run") == &table[0]);
	CHECK(cli_find(table, "quiet") == &table[2]);
	CHECK(cli_find(table, "ru") == NULL);
	CHECK(cli_find(table, "") == NULL);
	CHECK(cli_find(table, NULL) == NULL);
	CHECK(cli_find(NULL, "run") == NULL);
}

static void do_print_commands(const char *arg)
{
	(void)arg;
	cli_print_commands(table);
}

static void do_print_version(const char *arg)
{
	(void)arg;
	cli_print_version();
}

TEST(cli_print_commands_and_version)
{
	cleanup_free char *out = xasprintf("%s/out", unit_tmpdir());
	cleanup_free char *err = xasprintf("%s/err", unit_tmpdir());
	cleanup_free char *t1 = NULL;
	cleanup_free char *t2 = NULL;
	cleanup_free char *want = NULL;
	int st;

	st = in_child(do_print_commands, NULL, out, err);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	t1 = slurp(out);
	CHECK(strncmp(t1, "usage: kist-cli ", 16) == 0);
	CHECK(strstr(t1, "\n  run            run a thing\n"));
	CHECK(strstr(t1, "\n  fail           always fails\n"));
	CHECK(strstr(t1, "\n  quiet"));
	st = in_child(do_print_version, NULL, out, err);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	t2 = slurp(out);
	want = xasprintf("kist-cli version %s\n", kist_version);
	CHECK_STR(t2, want);
	CHECK(kist_version[0] != '\0');
}

static void do_usage_error(const char *arg)
{
	printf("buffered stdout\n");
	cli_usage_error("unknown option '%s'", arg);
}

TEST(cli_usage_error)
{
	cleanup_free char *out = xasprintf("%s/out", unit_tmpdir());
	cleanup_free char *err = xasprintf("%s/err", unit_tmpdir());
	cleanup_free char *t = NULL;
	cleanup_free char *o = NULL;
	int st;

	st = in_child(do_usage_error, "--bogus", out, err);
	CHECK(WIFEXITED(st));
	CHECK_INT(WEXITSTATUS(st), EXIT_USAGE);
	t = slurp(err);
	CHECK_STR(t, "kist-cli: unknown option '--bogus'\n"
		     "See 'kist-cli --help'.\n");
	o = slurp(out);
	CHECK_STR(o, "buffered stdout\n");
}

TEST(cli_run)
{
	struct saved {
		char *prog;
	} s = {xstrdup(log_progname())};
	cleanup_free char *logp = xasprintf("%s/log", unit_tmpdir());
	cleanup_free char *text = NULL;
	char *argv[] = {"missing-file", NULL};
	int g = 7, r1, r2, r3, r4;

	calls = 0;
	log_set_file(logp, NULL);
	r1 = cli_run(cli_find(table, "run"), &g, 1, argv);
	r2 = cli_run(cli_find(table, "run"), NULL, 1, argv);
	r3 = cli_run(cli_find(table, "fail"), NULL, 1, argv);
	r4 = cli_run(cli_find(table, "quiet"), NULL, 1, argv);
	log_close();
	log_init(s.prog);
	free(s.prog);
	CHECK_INT(r1, 8);
	CHECK_INT(r2, 0);
	CHECK_INT(r3, EXIT_FAIL);
	CHECK_INT(r4, EXIT_FAIL);
	CHECK_INT(calls, 4);
	text = slurp(logp);
	/* The error printed exactly once, and a fallback for a silent failure. */
	CHECK(strstr(text, "level=error msg=\"open 'missing-file': No such file or directory\"\n"));
	CHECK(strstr(strstr(text, "open 'missing-file'") + 1, "open 'missing-file'") == NULL);
	CHECK(strstr(text, "level=error msg=\"quiet failed\"\n"));
}

static void do_parse_uint(const char *arg)
{
	long long v = cli_parse_uint("--timeout", arg);

	printf("%lld\n", v);
}

TEST(cli_parse_uint)
{
	static const struct {
		const char *in;
		const char *out; /* stdout when ok */
		const char *err; /* stderr substring when a usage error */
	} cases[] = {
	    {"0", "0\n", NULL},
	    {"42", "42\n", NULL},
	    {"9223372036854775807", "9223372036854775807\n", NULL},
	    {"007", "7\n", NULL},
	    {"", NULL, "invalid value '' for --timeout: must be a non-negative integer"},
	    {"-1", NULL, "invalid value '-1' for --timeout"},
	    {"+1", NULL, "invalid value '+1' for --timeout"},
	    {" 1", NULL, "invalid value ' 1' for --timeout"},
	    {"1 ", NULL, "invalid value '1 ' for --timeout"},
	    {"12x", NULL, "invalid value '12x' for --timeout"},
	    {"0x10", NULL, "invalid value '0x10' for --timeout"},
	    {"9223372036854775808", NULL,
	     "invalid value '9223372036854775808' for --timeout: too large"},
	    {"99999999999999999999999", NULL, "too large"},
	};
	cleanup_free char *out = xasprintf("%s/out", unit_tmpdir());
	cleanup_free char *err = xasprintf("%s/err", unit_tmpdir());
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int st = in_child(do_parse_uint, cases[i].in, out, err);
		cleanup_free char *o = slurp(out);
		cleanup_free char *e = slurp(err);

		if (cases[i].out) {
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !streq(o, cases[i].out)) {
				unit_fail(__FILE__, __LINE__, "'%s': status %d out '%s' err '%s'",
					  cases[i].in, st, o, e);
				return;
			}
		} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 2 || !strstr(e, cases[i].err) ||
			   !strstr(e, "See 'kist-cli --help'.")) {
			unit_fail(__FILE__, __LINE__, "'%s': status %d err '%s'", cases[i].in, st,
				  e);
			return;
		}
	}
	CHECK_INT(cli_parse_uint("--n", "5"), 5);
}

TEST(cli_exit_codes)
{
	CHECK_INT(EXIT_OK, 0);
	CHECK_INT(EXIT_FAIL, 1);
	CHECK_INT(EXIT_USAGE, 2);
	CHECK_INT(EXIT_RUN_ERROR, 125);
	CHECK_INT(EXIT_CANNOT_EXEC, 126);
	CHECK_INT(EXIT_NOT_FOUND, 127);
}

/* "ARG1 ARG2 ...": run cli_getopt over "ls" + the words, print what it saw. */
static void do_getopt(const char *words)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
					     {"format", required_argument, NULL, 'F'},
					     {"filter", required_argument, NULL, 'f'},
					     {NULL, 0, NULL, 0}};
	cleanup_free char *copy = xstrdup(words);
	char *argv[16] = {"ls"}, *save = NULL, *w;
	int argc = 1, c;

	for (w = strtok_r(copy, " ", &save); w && argc < 15; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	optind = 0;
	cli_set_verb("ls");
	while ((c = cli_getopt(argc, argv, "+af:", opts, NULL)) != -1)
		printf("%c=%s ", c, optarg ? optarg : "");
	printf("rest=%d\n", argc - optind);
}

TEST(cli_getopt_convention)
{
	static const struct {
		const char *in, *out, *err;
	} cases[] = {
	    {"-a --format x --filter=y -f z q", "a= F=x f=y f=z rest=1\n", NULL},
	    {"--all", "a= rest=0\n", NULL},
	    {"--al", NULL, "kist-cli: unknown flag: --al\nSee 'kist-cli ls --help'.\n"},
	    {"--form x", NULL, "kist-cli: unknown flag: --form\nSee 'kist-cli ls --help'.\n"},
	    {"--form=x", NULL, "kist-cli: unknown flag: --form\nSee 'kist-cli ls --help'.\n"},
	    {"--f", NULL, "kist-cli: unknown flag: --f\nSee 'kist-cli ls --help'.\n"},
	    {"--nope=1", NULL, "kist-cli: unknown flag: --nope\nSee 'kist-cli ls --help'.\n"},
	    {"--format", NULL,
	     "kist-cli: flag needs an argument: --format\nSee 'kist-cli ls --help'.\n"},
	    {"-f", NULL,
	     "kist-cli: flag needs an argument: 'f' in -f\nSee 'kist-cli ls --help'.\n"},
	    {"-az", NULL,
	     "kist-cli: unknown shorthand flag: 'z' in -az\nSee 'kist-cli ls --help'.\n"},
	    {"-za", NULL,
	     "kist-cli: unknown shorthand flag: 'z' in -za\nSee 'kist-cli ls --help'.\n"},
	};
	cleanup_free char *out = xasprintf("%s/out", unit_tmpdir());
	cleanup_free char *err = xasprintf("%s/err", unit_tmpdir());

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int st = in_child(do_getopt, cases[i].in, out, err);
		cleanup_free char *o = slurp(out);
		cleanup_free char *e = slurp(err);

		if (cases[i].out
			? !(WIFEXITED(st) && WEXITSTATUS(st) == 0 && streq(o, cases[i].out))
			: !(WIFEXITED(st) && WEXITSTATUS(st) == EXIT_USAGE &&
			    streq(e, cases[i].err))) {
			unit_fail(__FILE__, __LINE__, "'%s': status %d out '%s' err '%s'",
				  cases[i].in, st, o, e);
			return;
		}
	}
}
