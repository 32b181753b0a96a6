/* util.h: allocation that aborts on OOM, ownership hand-over, small macros. */
#ifndef KIST_UTIL_H
#define KIST_UTIL_H

#include <stdarg.h>  /* va_list */
#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */
#include <string.h>  /* strcmp */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED __attribute__((unused))
#define PRINTF(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))

/* Running out of memory is not an error path: these print and abort. */
NORETURN void die_oom(void); /* prints "out of memory" and aborts */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) PRINTF(1, 0);

static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static inline bool str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_has_suffix(const char *s, const char *suffix);

/* Take ownership out of a cleanup-annotated variable: *out = steal_pointer(&p). */
static inline void *steal_pointer_(void *pp)
{
	void **p = pp;
	void *v = *p;
	*p = NULL;
	return v;
}
#define steal_pointer(pp) ((__typeof__(*(pp)))steal_pointer_(pp))

static inline int steal_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}

/* NULL-terminated string vectors (argv, env). */
/* RFC 3339 ("2024-01-02T03:04:05.678Z", "...+02:00") -> seconds since the
 * epoch in *out.  Returns 1 for a complete time, 0 for one read leniently
 * (no zone: taken as UTC; or something after it, ignored), -1 for none. */
int time_parse_rfc3339(const char *s, double *out);

size_t strv_len(char *const *v);
char **strv_dup(char *const *v);
void strv_free(char **v);
/* Append a copy of s; *v may be NULL. */
void strv_push(char ***v, const char *s);

#endif
