/* runtime.h: what main.c hands every cmd_ verb. */
#ifndef KIST_RUNTIME_RUNTIME_H
#define KIST_RUNTIME_RUNTIME_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */

struct err;

struct rt_global {
	const char *root; /* state root (--root) */
	bool systemd_cgroup;
	bool no_cgroup; /* --cgroup-manager disabled */
	bool debug;
};

/* Each verb: argv[0] is the verb; returns an exit code, or <0 with *err set. */
int cmd_spec(void *g, int argc, char **argv, struct err **err);
int cmd_create(void *g, int argc, char **argv, struct err **err);
int cmd_run(void *g, int argc, char **argv, struct err **err);
int cmd_start(void *g, int argc, char **argv, struct err **err);
int cmd_state(void *g, int argc, char **argv, struct err **err);
int cmd_kill(void *g, int argc, char **argv, struct err **err);
int cmd_delete(void *g, int argc, char **argv, struct err **err);
int cmd_list(void *g, int argc, char **argv, struct err **err);
int cmd_ps(void *g, int argc, char **argv, struct err **err);
int cmd_pause(void *g, int argc, char **argv, struct err **err);
int cmd_resume(void *g, int argc, char **argv, struct err **err);
int cmd_update(void *g, int argc, char **argv, struct err **err);
int cmd_features(void *g, int argc, char **argv, struct err **err);
int cmd_exec(void *g, int argc, char **argv, struct err **err);
int cmd_events(void *g, int argc, char **argv, struct err **err);

/* The one-line summary of a verb (main.c's command table), or "". */
const char *rt_command_summary_n(const char *verb, size_t n);
/* Print a verb's usage text ("usage: kist-runtime VERB ARGS\n", then
 * description and option lines) in runc's help layout. */
void rt_help(const char *usage_text);

#endif
