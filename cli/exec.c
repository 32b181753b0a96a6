/* exec.c: run one kist program for a verb, with docker's error wording. */
#define _GNU_SOURCE
#include <errno.h>  /* errno */
#include <limits.h> /* PATH_MAX */
#include <poll.h>   /* poll */
#include <stdio.h>  /* fprintf */
#include <stdlib.h> /* free */
#include <string.h> /* strrchr */
#include <unistd.h> /* read, access, readlink */

#include "cli/kist.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/proc.h"
#include "common/util.h"

/* "kist-store: no such image: 'x'" -> "Error: No such image: x" */
static void translate(const char *prog, const char *verb, const char *line, const char *noun,
		      FILE *out)
{
	size_t pl = strlen(prog);
	const char *msg = line, *what;

	if (str_has_prefix(line, "See '") && !strncmp(line + 5, prog, pl)) {
		/* a usage error of the child: point to kist's help for the verb */
		fprintf(out, "See 'kist%s%s --help'.\n", cli_verb() ? " " : "",
			cli_verb() ? cli_verb() : "");
		return;
	}
	if (strncmp(line, prog, pl) || strncmp(line + pl, ": ", 2)) {
		fprintf(out, "%s\n", line); /* not an error line: as it is */
		return;
	}
	msg = line + pl + 2;
	/* "kist-store: ls: bad filter ..." -> "bad filter ..." */
	if (verb && str_has_prefix(msg, verb) && str_has_prefix(msg + strlen(verb), ": "))
		msg += strlen(verb) + 2;
	if (str_has_prefix(msg, "no such image: ") || str_has_prefix(msg, "no such container: ") ||
	    str_has_prefix(msg, "no such volume: ")) {
		bool image = msg[8] == 'i';
		size_t len;

		what = strchr(msg, ':') + 2;
		len = strlen(what);
		if (len >= 2 && what[0] == '\'' && what[len - 1] == '\'') {
			what++;
			len -= 2;
		}
		fprintf(out, "Error: No such %s: %.*s\n",
			noun            ? noun
			: image         ? "image"
			: msg[8] == 'v' ? "volume"
					: "container",
			(int)len, what);
		return;
	}
	if (str_has_prefix(msg, "container name '") &&
	    strstr(msg, "' is already in use by container ")) {
		const char *q = strstr(msg, "' is already in use by container ");

		fprintf(out,
			"Error: Conflict. The container name \"/%.*s\" is already in use by "
			"container \"%s\". You have to remove (or rename) that container to be "
			"able to reuse that name.\n",
			(int)(q - msg - 16), msg + 16,
			q + strlen("' is already in use by container "));
		return;
	}
	if (str_has_prefix(msg, "template"))
		fprintf(out, "%s\n", msg); /* docker prints template errors bare */
	else
		fprintf(out, "Error: %s\n", msg);
}

/* Feed complete lines of b to translate(); keep a partial last line. */
static void drain_lines(const char *prog, const char *verb, struct buf *b, const char *noun,
			bool all)
{
	char *start = b->data, *nl;
	size_t rest;

	while ((nl = memchr(start, '\n', b->len - (size_t)(start - b->data)))) {
		*nl = '\0';
		translate(prog, verb, start, noun, stderr);
		start = nl + 1;
	}
	rest = b->len - (size_t)(start - b->data);
	if (all && rest) {
		translate(prog, verb, start, noun, stderr);
		rest = 0;
	}
	memmove(b->data, start, rest);
	b->len = rest;
	b->data[rest] = '\0';
	fflush(stderr);
}

static int run(const struct kist *k, const char *prog, char *const *args, const char *noun,
	       size_t max, char **out, char **errtext, struct err **err)
{
	struct buf raw = BUF_INIT;
	cleanup_free char *path = proc_sibling_path(prog);
	cleanup_strv char **argv = NULL;
	struct proc p = PROC_INIT;
	struct buf eb = BUF_INIT, ob = BUF_INIT;
	struct pollfd fds[2];
	int code, open_fds;

	strv_push(&argv, path);
	if (k->root) {
		strv_push(&argv, "--root");
		strv_push(&argv, k->root);
	}
	if (k->debug)
		strv_push(&argv, "--debug");
	for (size_t i = 0; args && args[i]; i++)
		strv_push(&argv, args[i]);
	p.argv = (const char *const *)argv;
	/* With --debug the child's stderr stays its own: its debug lines
	 * would otherwise read as errors. */
	p.err = k->debug ? PROC_FD_INHERIT : PROC_FD_PIPE;
	if (out)
		p.out = PROC_FD_PIPE;
	if (proc_start(&p, err) < 0)
		return -1;
	fds[0] = (struct pollfd){.fd = k->debug ? -1 : p.err, .events = POLLIN};
	fds[1] = (struct pollfd){.fd = out ? p.out : -1, .events = POLLIN};
	open_fds = (k->debug ? 0 : 1) + (out ? 1 : 0);
	while (open_fds > 0) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			char chunk[8192];
			ssize_t n;

			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			n = read(fds[i].fd, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				fs_close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
				continue;
			}
			if (!i && errtext) {
				buf_add(&raw, chunk, (size_t)n);
				continue;
			}
			buf_add(i ? &ob : &eb, chunk, (size_t)n);
			if (!i)
				drain_lines(prog, args ? args[0] : NULL, &eb, noun, false);
		}
	}
	drain_lines(prog, args ? args[0] : NULL, &eb, noun, true);
	buf_release(&eb);
	if (errtext)
		*errtext = raw.data ? buf_detach(&raw, NULL) : xstrdup("");
	code = proc_wait(&p, err);
	if (code < 0) {
		buf_release(&ob);
		return -1;
	}
	if (out) {
		if (ob.len > max) {
			buf_release(&ob);
			return err_set(err, 0, "output of '%s' is larger than %zu bytes", prog,
				       max);
		}
		*out = buf_detach(&ob, NULL);
	}
	return code == EXIT_USAGE ? EXIT_RUN_ERROR : code;
}

int kist_run(const struct kist *k, const char *prog, char *const *args, const char *noun,
	     struct err **err)
{
	return run(k, prog, args, noun, 0, NULL, NULL, err);
}

int kist_capture(const struct kist *k, const char *prog, char *const *args, const char *noun,
		 size_t max, char **out, struct err **err)
{
	return run(k, prog, args, noun, max, out, NULL, err);
}

int kist_capture_err(const struct kist *k, const char *prog, char *const *args, size_t max,
		     char **out, char **errtext, struct err **err)
{
	return run(k, prog, args, NULL, max, out, errtext, err);
}

void kist_print_error(const char *prog, const char *errtext, const char *noun)
{
	struct buf b = BUF_INIT;

	buf_add(&b, errtext, strlen(errtext));
	drain_lines(prog, NULL, &b, noun, true);
	buf_release(&b);
}

int kist_spawn(const char *prog, char *const *args, struct err **err)
{
	cleanup_free char *path = proc_sibling_path(prog);
	cleanup_strv char **argv = NULL;
	struct proc p = PROC_INIT;

	strv_push(&argv, path);
	for (size_t i = 0; args && args[i]; i++)
		strv_push(&argv, args[i]);
	p.argv = (const char *const *)argv;
	if (proc_start(&p, err) < 0)
		return -1;
	return proc_wait(&p, err);
}
