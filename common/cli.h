/* cli.h: command-line conventions shared by every kist program.
 * Exit codes: 0 success, 1 failure, 2 usage error.  Verbs that pass a
 * container's status through reserve 125/126/127 as docker does; `kist`
 * itself uses 125 for usage errors, as docker does.
 *
 * The one command line (docker's, which every kist program follows; the
 * runtime keeps runc's where runc differs):
 *   - long options match exactly: a unique prefix is refused (`ls --al`)
 *   - "unknown flag: --x", "unknown shorthand flag: 'x' in -x",
 *     "flag needs an argument: --format" / "'f' in -f"
 *   - a usage error ends with "See 'PROG VERB --help'." naming the verb
 *   - every --help documents --root */
#ifndef KIST_CLI_H
#define KIST_CLI_H

#include <getopt.h>      /* struct option */
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
/* "prog: <msg>\nSee 'prog VERB --help'." on stderr (the verb once one
 * runs, see cli_set_verb), exit with the usage code (2, or what
 * cli_set_usage_style chose). */
NORETURN void cli_usage_error(const char *fmt, ...) PRINTF(1, 2);
/* The verb usage errors point to (cli_run sets it). */
void cli_set_verb(const char *verb);
const char *cli_verb(void); /* NULL before a verb runs */
/* docker's style for `kist`: no program prefix on usage errors, exit code. */
void cli_set_usage_style(bool prefix, int code);
/* getopt_long with the convention above: exact long options only, and
 * unknown flags and missing values die with one usage error each.  Never
 * returns '?' or ':'. */
int cli_getopt(int argc, char *const argv[], const char *shortopts, const struct option *longopts,
	       int *longindex);
/* Run a verb and turn its result into an exit code, printing err once. */
int cli_run(const struct cli_cmd *cmd, void *g, int argc, char **argv);
/* Parse a non-negative integer option value; dies with a usage error naming opt. */
long long cli_parse_uint(const char *opt, const char *value);

extern const char kist_version[];

#endif
