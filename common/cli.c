/* cli.c: command tables, usage errors, version, running a verb. */
#define _GNU_SOURCE
#include <errno.h>  /* errno */
#include <stdarg.h> /* va_list */
#include <stdio.h>  /* fprintf */
#include <stdlib.h> /* exit, strtoll */
#include <string.h> /* strchr, strlen */

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

static const char *usage_verb;
static bool usage_prefix = true;
static int usage_code = EXIT_USAGE;

void cli_set_verb(const char *verb)
{
	usage_verb = verb;
}

const char *cli_verb(void)
{
	return usage_verb;
}

void cli_set_usage_style(bool prefix, int code)
{
	usage_prefix = prefix;
	usage_code = code;
}

void cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	if (usage_prefix)
		fprintf(stderr, "%s: ", log_progname());
	fprintf(stderr, "%s\nSee '%s%s%s --help'.\n", msg, log_progname(), usage_verb ? " " : "",
		usage_verb ? usage_verb : "");
	free(msg);
	exit(usage_code);
}

/* The argument a long option came from: its own word, or the word before
 * its separate value. */
static const char *long_word(char *const argv[])
{
	if (optarg && optind >= 2 && argv[optind - 1] == optarg &&
	    str_has_prefix(argv[optind - 2], "--"))
		return argv[optind - 2];
	return argv[optind - 1];
}

int cli_getopt(int argc, char *const argv[], const char *shortopts, const struct option *longopts,
	       int *longindex)
{
	char spec[128];
	const char *order = "";
	const char *word;
	int idx = -1, c;

	if (*shortopts == '+' || *shortopts == '-') {
		order = *shortopts == '+' ? "+" : "-";
		shortopts++;
	}
	if (*shortopts == ':')
		shortopts++;
	if ((size_t)snprintf(spec, sizeof(spec), "%s:%s", order, shortopts) >= sizeof(spec))
		die("option string too long");
	opterr = 0;
	c = getopt_long(argc, argv, spec, longopts, &idx);
	if (longindex)
		*longindex = idx;
	if (c == -1)
		return c;
	word = optind >= 1 && optind <= argc ? argv[optind - 1] : "";
	if (c == '?' || c == ':') {
		bool is_long = c == '?' ? optopt == 0 : str_has_prefix(word, "--");

		if (is_long) {
			int len = (int)strcspn(word, "=");
			if (c == '?')
				cli_usage_error("unknown flag: %.*s", len, word);
			cli_usage_error("flag needs an argument: %.*s", len, word);
		}
		/* a short option: in word, or in the next one when getopt is
		 * still inside a cluster */
		if (!(word[0] == '-' && strchr(word + 1, optopt)) && optind < argc)
			word = argv[optind];
		if (c == '?')
			cli_usage_error("unknown shorthand flag: '%c' in %s", optopt, word);
		cli_usage_error("flag needs an argument: '%c' in %s", optopt, word);
	}
	if (idx >= 0 && longopts) {
		const char *w = long_word(argv);
		size_t len = strcspn(w + 2, "=");

		if (!str_has_prefix(w, "--") || strlen(longopts[idx].name) != len ||
		    strncmp(longopts[idx].name, w + 2, len))
			cli_usage_error("unknown flag: %.*s", (int)len + 2, w);
	}
	return c;
}

int cli_run(const struct cli_cmd *cmd, void *g, int argc, char **argv)
{
	struct err *err = NULL;
	int ret;

	cli_set_verb(cmd->name);
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
