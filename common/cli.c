/* cli.c: command tables, usage errors, version, running a verb. */
#define _GNU_SOURCE
#include <errno.h>  /* errno */
#include <stdarg.h> /* va_list */
#include <stdio.h>  /* fprintf */
#include <stdlib.h> /* exit, strtoll */

#include "common/cli.h"
#include "common/err.h"
#include "common/log.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

const char kist_version[] = VERSION;

const struct cli_cmd *cli_find(const struct cli_cmd *table, const char *name)
{
	if (!table || !name)
		return NULL;
	for (; table->name; table++)
		if (streq(table->name, name))
			return table;
	return NULL;
}

void cli_print_commands(const struct cli_cmd *table)
{
	printf("usage: %s [global options] COMMAND [options] [args]\n\ncommands:\n",
	       log_progname());
	for (; table && table->name; table++)
		printf("  %-14s %s\n", table->name, table->summary ? table->summary : "");
	fflush(stdout);
}

void cli_print_version(void)
{
	printf("%s version %s\n", log_progname(), kist_version);
	fflush(stdout);
}

void cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", log_progname(), msg,
		log_progname());
	free(msg);
	exit(EXIT_USAGE);
}

int cli_run(const struct cli_cmd *cmd, void *g, int argc, char **argv)
{
	struct err *err = NULL;
	int ret;

	ret = cmd->fn(g, argc, argv, &err);
	fflush(stdout);
	if (ret < 0) {
		if (err)
			err_print(err);
		else
			log_error("%s failed", cmd->name);
		ret = EXIT_FAIL;
	}
	err_free(err);
	return ret;
}

long long cli_parse_uint(const char *opt, const char *value)
{
	long long v;
	char *end = NULL;

	if (!value || !*value || *value < '0' || *value > '9')
		cli_usage_error("invalid value '%s' for %s: must be a non-negative integer",
				value ? value : "", opt);
	errno = 0;
	v = strtoll(value, &end, 10);
	if (errno == ERANGE)
		cli_usage_error("invalid value '%s' for %s: too large", value, opt);
	if (errno || *end)
		cli_usage_error("invalid value '%s' for %s: must be a non-negative integer", value,
				opt);
	return v;
}
