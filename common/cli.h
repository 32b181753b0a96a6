/* cli.h: command-line conventions shared by every kist program.
 * Exit codes: 0 success, 1 failure, 2 usage error.  Verbs that pass a
 * container's status through reserve 125/126/127 as docker does. */
#ifndef KIST_CLI_H
#define KIST_CLI_H

#include "common/util.h" /* PRINTF, NORETURN */

struct err;

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_RUN_ERROR = 125, /* the tool itself failed */
	EXIT_CANNOT_EXEC = 126,
	EXIT_NOT_FOUND = 127,
};

/* One verb of a program's command table (crun commands[], git cmd_struct). */
struct cli_cmd {
	const char *name;
	int (*fn)(void *g, int argc, char **argv,
		  struct err **err); /* returns exit code, or <0 with err set */
	const char *summary;
};

const struct cli_cmd *cli_find(const struct cli_cmd *table, const char *name);
/* Print "usage: ..." + the table's verbs with summaries to stdout. */
void cli_print_commands(const struct cli_cmd *table);
/* "<prog> version <VERSION>\n" */
void cli_print_version(void);
/* "prog: <msg>\nTry 'prog --help' for more information." on stderr, exit 2. */
NORETURN void cli_usage_error(const char *fmt, ...) PRINTF(1, 2);
/* Run a verb and turn its result into an exit code, printing err once. */
int cli_run(const struct cli_cmd *cmd, void *g, int argc, char **argv);
/* Parse a non-negative integer option value; dies with a usage error naming opt. */
long long cli_parse_uint(const char *opt, const char *value);

extern const char kist_version[];

#endif
