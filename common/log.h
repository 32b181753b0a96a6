/* log.h: levelled logging to stderr or a file, as text or JSON lines.
 *
 * JSON lines have runc's shape: {"level":"error","msg":"...","time":"RFC3339"}.
 * Text to stderr is "prog: msg"; text to a file is logrus style
 * time="..." level=error msg="...".  JSON goes to the file, or to stderr
 * when there is none.  Each message is one line written with one write(2)
 * (the file is opened O_APPEND|O_CLOEXEC), so nothing is buffered.
 */
#ifndef KIST_LOG_H
#define KIST_LOG_H

#include <stdarg.h>      /* va_list */
#include "common/util.h" /* PRINTF, NORETURN */

struct err;

enum log_level { LOG_LEVEL_ERROR = 0, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };
enum log_format { LOG_FORMAT_TEXT = 0, LOG_FORMAT_JSON };

/* Remember the program name (basename of argv0). Default level: warn. */
void log_init(const char *argv0);
const char *log_progname(void);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_set_format(enum log_format format);
/* Parse "text"/"json"; returns -1 and sets err on anything else. */
int log_parse_format(const char *s, enum log_format *out, struct err **err);
/* Parse "error"/"warn"/"warning"/"info"/"debug"; -1 and err otherwise. */
int log_parse_level(const char *s, enum log_level *out, struct err **err);
/* Append to path (created 0600 if missing) instead of stderr. */
int log_set_file(const char *path, struct err **err);
/* The fd of the log file set with log_set_file, or -1 (stderr). */
int log_file_fd(void);
/* Close the log file, back to stderr. */
void log_close(void);

void log_msg(enum log_level level, const char *fmt, ...) PRINTF(2, 3);
void log_vmsg(enum log_level level, const char *fmt, va_list ap) PRINTF(2, 0);
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

/* Argument checking in main, or in a forked child before exec (uses _exit). */
/* Call in a forked child before exec: die() then uses _exit, not exit. */
void log_set_forked_child(void);
NORETURN void die(const char *fmt, ...) PRINTF(1, 2);
NORETURN void die_errno(const char *fmt, ...) PRINTF(1, 2);

#endif
