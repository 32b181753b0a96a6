/* test_err.c: error values. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/log.h"
#include "tests/unit/unit.h"

TEST(err_set_without_errno)
{
	cleanup_err struct err *e = NULL;

	CHECK_INT(err_set(&e, 0, "bad '%s' (%d)", "thing", 3), -1);
	CHECK(e != NULL);
	CHECK_STR(e->msg, "bad 'thing' (3)");
	CHECK_INT(e->code, 0);
}

TEST(err_set_with_errno)
{
	cleanup_err struct err *e = NULL;

	CHECK_INT(err_set(&e, ENOENT, "open '%s'", "/x"), -1);
	CHECK_STR(e->msg, "open '/x': No such file or directory");
	CHECK_INT(e->code, ENOENT);
}

TEST(err_set_replaces_previous)
{
	cleanup_err struct err *e = NULL;

	err_set(&e, EACCES, "first");
	err_set(&e, 0, "second");
	CHECK_STR(e->msg, "second");
	CHECK_INT(e->code, 0);
}

TEST(err_set_code_keeps_code_without_strerror)
{
	cleanup_err struct err *e = NULL;

	CHECK_INT(err_set_code(&e, EINVAL, "'%s' must be an array", "process.args"), -1);
	CHECK_STR(e->msg, "'process.args' must be an array");
	CHECK_INT(e->code, EINVAL);
	CHECK_INT(err_set_code(NULL, EINVAL, "discarded"), -1);
}

TEST(err_set_null_and_errno_kept)
{
	errno = EPERM;
	CHECK_INT(err_set(NULL, ENOENT, "discarded %s", "x"), -1);
	CHECK_INT(errno, EPERM);
	CHECK_INT(err_wrap(NULL, "ctx"), -1);
	CHECK_INT(errno, EPERM);
}

TEST(err_set_keeps_errno)
{
	cleanup_err struct err *e = NULL;

	errno = EEXIST;
	err_set(&e, ENOENT, "x");
	CHECK_INT(errno, EEXIST);
	errno = EBUSY;
	err_wrap(&e, "y");
	CHECK_INT(errno, EBUSY);
}

TEST(err_set_percent_in_args)
{
	cleanup_err struct err *e = NULL;

	err_set(&e, 0, "open '%s'", "%s%n%d");
	CHECK_STR(e->msg, "open '%s%n%d'");
	err_wrap(&e, "pull '%s'", "%x");
	CHECK_STR(e->msg, "pull '%x': open '%s%n%d'");
}

TEST(err_wrap_chain)
{
	cleanup_err struct err *e = NULL;

	err_set(&e, ENOENT, "open 'y'");
	CHECK_INT(err_wrap(&e, "read config '%s'", "c.json"), -1);
	CHECK_INT(err_wrap(&e, "pull '%s'", "x"), -1);
	CHECK_STR(e->msg, "pull 'x': read config 'c.json': open 'y': No such file or directory");
	CHECK_INT(e->code, ENOENT);
}

TEST(err_wrap_without_error)
{
	cleanup_err struct err *e = NULL;

	CHECK_INT(err_wrap(&e, "context %d", 1), -1);
	CHECK(e != NULL);
	CHECK_STR(e->msg, "context 1");
	CHECK_INT(e->code, 0);
}

TEST(err_long_message)
{
	cleanup_err struct err *e = NULL;
	cleanup_free char *big = xmalloc(70001);

	memset(big, 'q', 70000);
	big[70000] = '\0';
	err_set(&e, EIO, "%s", big);
	CHECK_INT(strlen(e->msg), 70000 + strlen(": Input/output error"));
}

TEST(err_print_through_log)
{
	cleanup_err struct err *e = NULL;
	cleanup_free char *path = xasprintf("%s/log", unit_tmpdir());
	cleanup_free char *text = NULL;
	enum log_format saved_format = LOG_FORMAT_TEXT;

	CHECK_INT(log_set_file(path, NULL), 0);
	log_set_format(saved_format);
	err_set(&e, ENOENT, "open 'a\"b'");
	err_print(e);
	err_print(NULL);
	log_close();
	CHECK_INT(fs_read_all(path, 0, &text, NULL, NULL), 0);
	CHECK(strstr(text, "level=error msg=\"open 'a\\\"b': No such file or directory\"\n"));
	/* exactly one line */
	CHECK(strchr(text, '\n') == text + strlen(text) - 1);
}

TEST(err_free_null)
{
	struct err *e = NULL;

	err_free(NULL);
	cleanup_errp(&e);
	CHECK(e == NULL);
}
