/* signal.h: parse signal names as kill(1), runc and docker accept them. */
#ifndef KIST_SIGNAL_H
#define KIST_SIGNAL_H

/* "TERM", "SIGTERM", "term", "15", "RTMIN+2", "SIGRTMAX-1" -> the number,
 * or -1 when s names no signal. */
int signal_parse(const char *s);

#endif
