/* test_buf.c: growable buffer invariants. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "tests/unit/unit.h"

TEST(buf_init_invariants)
{
	struct buf b = BUF_INIT;
	struct buf c;

	CHECK(b.data != NULL);
	CHECK_INT(b.data[0], 0);
	CHECK_INT(b.len, 0);
	CHECK_INT(b.cap, 0);
	buf_init(&c);
	CHECK(c.data == buf_empty_);
	buf_release(&b);
	CHECK(b.data != NULL && b.len == 0);
	buf_reset(&b);
	CHECK(b.data[0] == '\0');
}

TEST(buf_add_and_grow)
{
	cleanup_buf struct buf b = BUF_INIT;
	int i;

	buf_add(&b, "abc", 3);
	buf_add(&b, "", 0);
	buf_adds(&b, "def");
	buf_addch(&b, 'g');
	CHECK_STR(b.data, "abcdefg");
	CHECK_INT(b.len, 7);
	CHECK(b.cap > b.len);
	for (i = 0; i < 10000; i++)
		buf_addch(&b, 'x');
	CHECK_INT(b.len, 10007);
	CHECK_INT(strlen(b.data), 10007);
	buf_grow(&b, 100000);
	CHECK(b.cap >= b.len + 100000 + 1);
	CHECK_INT(b.len, 10007);
}

TEST(buf_binary)
{
	cleanup_buf struct buf b = BUF_INIT;

	buf_add(&b, "a\0b", 3);
	CHECK_INT(b.len, 3);
	CHECK(memcmp(b.data, "a\0b", 4) == 0);
}

TEST(buf_addf)
{
	cleanup_buf struct buf b = BUF_INIT;
	cleanup_free char *big = xmalloc(5001);

	buf_addf(&b, "%d-%s", 12, "x");
	buf_addf(&b, "%s", "");
	CHECK_STR(b.data, "12-x");
	memset(big, 'y', 5000);
	big[5000] = '\0';
	buf_addf(&b, "[%s]", big);
	CHECK_INT(b.len, 4 + 5002);
	CHECK(b.data[b.len] == '\0');
	CHECK(b.data[4] == '[' && b.data[b.len - 1] == ']');
}

static void vadd(struct buf *b, const char *fmt, ...) PRINTF(2, 3);
static void vadd(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

TEST(buf_vaddf)
{
	cleanup_buf struct buf b = BUF_INIT;

	vadd(&b, "%s=%u", "k", 7u);
	vadd(&b, ";%c", 'z');
	CHECK_STR(b.data, "k=7;z");
}

TEST(buf_reset_keeps_memory)
{
	cleanup_buf struct buf b = BUF_INIT;
	char *before;
	size_t cap;

	buf_adds(&b, "hello world");
	before = b.data;
	cap = b.cap;
	buf_reset(&b);
	CHECK_INT(b.len, 0);
	CHECK_STR(b.data, "");
	CHECK(b.data == before);
	CHECK_INT(b.cap, cap);
	buf_adds(&b, "x");
	CHECK_STR(b.data, "x");
}

TEST(buf_detach)
{
	struct buf b = BUF_INIT;
	size_t len = 99;
	char *s;

	s = buf_detach(&b, &len);
	CHECK(s != NULL && s != buf_empty_);
	CHECK_STR(s, "");
	CHECK_INT(len, 0);
	free(s);
	buf_adds(&b, "owned");
	s = buf_detach(&b, NULL);
	CHECK_STR(s, "owned");
	CHECK(b.data == buf_empty_ && b.len == 0 && b.cap == 0);
	free(s);
	buf_add(&b, "ab", 2);
	s = buf_detach(&b, &len);
	CHECK_INT(len, 2);
	free(s);
}
