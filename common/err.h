/* err.h: errors that carry a message, an errno, and context added on the way up.
 *
 * Convention (crun's error_handling.md): a function that can fail takes
 * `struct err **err` last, returns a negative int (or NULL) on failure and
 * sets *err; on success it leaves *err untouched.  Only main/cmd_ prints.
 */
#ifndef KIST_ERR_H
#define KIST_ERR_H

#include "common/util.h" /* PRINTF */

struct err {
	int code;  /* errno at the failure, or 0 */
	char *msg; /* full message, context first: "pull 'x': open 'y': No such file" */
};

/* err may be NULL: the error is then discarded.
 * Set *err to "<fmt>: strerror(errnum)" (or just <fmt> when errnum is 0).
 * Frees a previous *err.  Always returns -1. */
int err_set(struct err **err, int errnum, const char *fmt, ...) PRINTF(3, 4);

/* Set *err to <fmt> alone (no strerror) with code kept for callers that
 * test it: validation errors ("'process.args' must be an array", EINVAL).
 * Always returns -1. */
int err_set_code(struct err **err, int code, const char *fmt, ...) PRINTF(3, 4);

/* Prefix *err's message with "<fmt>: ".  Keeps the code.  Returns -1.
 * If *err is NULL (caller bug), creates an error with the context alone. */
int err_wrap(struct err **err, const char *fmt, ...) PRINTF(2, 3);

/* Print through log_error (one line). */
void err_print(const struct err *e);
void err_free(struct err *e);
void cleanup_errp(struct err **e);
#define cleanup_err __attribute__((cleanup(cleanup_errp)))

#endif
