/* help.c: `-h` for the runtime and its verbs, in runc's layout (NAME,
 * USAGE, a description, OPTIONS), made from each verb's usage text. */
#include <stdio.h>  /* printf */
#include <string.h> /* strchr */
#include "common/util.h"
#include "runtime/runtime.h"

/* An option line of a usage text: "  -x, --xx ..." or "      --xx ...". */
static bool is_option_line(const char *l, size_t n)
{
	size_t i = 0;

	while (i < n && l[i] == ' ')
		i++;
	return i >= 2 && i < n && l[i] == '-';
}

void rt_help(const char *text)
{
	const char *usage = strstr(text, "kist-runtime ");
	const char *eol = strchr(text, '\n');
	const char *verb, *p;
	size_t vlen;
	bool described = false, options = false;

	if (!usage || !eol || usage > eol) {
		fputs(text, stdout);
		return;
	}
	verb = usage + strlen("kist-runtime ");
	vlen = strcspn(verb, " \n");
	printf("NAME:\n   kist-runtime %.*s - %s\n\nUSAGE:\n   %.*s\n", (int)vlen, verb,
	       rt_command_summary_n(verb, vlen), (int)(eol - usage), usage);
	for (p = eol + 1; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (is_option_line(p, n) || (options && n > 4 && !strncmp(p, "    ", 4))) {
			/* an option, or the continuation of one */
			if (!options)
				printf("\nOPTIONS:\n");
			options = true;
			printf("   %.*s\n", (int)(n - 2), p + 2);
		} else {
			if (!described)
				printf("\n");
			described = true;
			printf("%.*s\n", (int)n, p);
		}
		p += n + (e ? 1 : 0);
	}
	fflush(stdout);
}
