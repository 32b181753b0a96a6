/* buf.h: growable byte buffer (git strbuf invariants).
 * data is never NULL and always NUL-terminated; buf_detach() hands it over. */
#ifndef KIST_BUF_H
#define KIST_BUF_H

#include <stdarg.h>      /* va_list */
#include <stddef.h>      /* size_t */
#include "common/util.h" /* PRINTF */

struct buf {
	char *data;
	size_t len;
	size_t cap; /* 0 while data points at the shared empty string */
};

extern char buf_empty_[];
/* clang-format off */
#define BUF_INIT { .data = buf_empty_, .len = 0, .cap = 0 }
/* clang-format on */

void buf_init(struct buf *b);
void buf_release(struct buf *b);
void buf_reset(struct buf *b); /* len = 0, keeps memory */
void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addch(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...) PRINTF(2, 3);
void buf_vaddf(struct buf *b, const char *fmt, va_list ap) PRINTF(2, 0);
/* Returns malloc'd data (never NULL); stores the length if len != NULL. */
char *buf_detach(struct buf *b, size_t *len);
void cleanup_bufp(struct buf *b);
#define cleanup_buf __attribute__((cleanup(cleanup_bufp)))

#endif
