/* hooks.c: OCI hooks (config "hooks"): each hook is a program run with the
 * container state on stdin, its own args and env, and an optional timeout
 * after which it is killed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/util.h"
#include "runtime/security.h"

#define OUTPUT_MAX 4096 /* of a failing hook's output kept for the error */

extern char **environ;

static const char *const kinds[] = {"prestart",       "createRuntime", "createContainer",
				    "startContainer", "poststart",     "poststop"};

struct hook {
	const char *path;
	char **args;     /* owned; argv (defaults to { path }) */
	char **env;      /* owned; NULL inherits */
	int64_t timeout; /* seconds, 0 = none */
};

static void hook_release(struct hook *h)
{
	strv_free(h->args);
	strv_free(h->env);
}

static int hook_parse(const cJSON *j, const char *path, struct hook *h, struct err **err)
{
	int r;

	*h = (struct hook){0};
	if (!cJSON_IsObject(j))
		return err_set(err, 0, "'%s' must be an object", path);
	if (json_get_string(j, path, "path", true, &h->path, err) < 0)
		return -1;
	if (h->path[0] != '/')
		return err_set(err, 0, "'%s.path' must be an absolute path, not '%s'", path,
			       h->path);
	if (json_get_strv(j, path, "args", false, &h->args, err) < 0 ||
	    json_get_strv(j, path, "env", false, &h->env, err) < 0)
		goto fail;
	r = json_get_int64(j, path, "timeout", false, &h->timeout, err);
	if (r < 0)
		goto fail;
	if (r > 0 && h->timeout <= 0) {
		err_set(err, 0, "'%s.timeout' must be greater than zero", path);
		goto fail;
	}
	if (!h->args || !h->args[0]) {
		strv_free(h->args);
		h->args = NULL;
		strv_push(&h->args, h->path);
	}
	return 0;
fail:
	hook_release(h);
	return -1;
}

int rt_hooks_validate(const cJSON *hooks, struct err **err)
{
	const cJSON *kind;

	if (!hooks || cJSON_IsNull(hooks))
		return 0;
	if (!cJSON_IsObject(hooks))
		return err_set(err, 0, "'hooks' must be an object");
	cJSON_ArrayForEach(kind, hooks)
	{
		const cJSON *h;
		size_t k;
		int i = 0;

		for (k = 0; k < ARRAY_SIZE(kinds); k++)
			if (streq(kinds[k], kind->string))
				break;
		if (k == ARRAY_SIZE(kinds))
			return err_set(err, 0, "unknown hook kind 'hooks.%s'", kind->string);
		if (cJSON_IsNull(kind))
			continue;
		if (!cJSON_IsArray(kind))
			return err_set(err, 0, "'hooks.%s' must be an array", kind->string);
		cJSON_ArrayForEach(h, kind)
		{
			cleanup_free char *path = xasprintf("hooks.%s[%d]", kind->string, i++);
			struct hook hk;

			if (hook_parse(h, path, &hk, err) < 0)
				return -1;
			hook_release(&hk);
		}
	}
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child: never returns.  Reports an exec failure's errno on errfd. */
static void NORETURN hook_child(const struct hook *h, int in, int out, int errfd)
{
	int e;

	/* The runtime may have blocked or ignored signals; the hook starts clean. */
	proc_signals_default();
	/* Move the pipes above 0-2 first (the runtime may run with closed
	 * stdio) so that no dup2 clobbers another's source. */
	in = fcntl(in, F_DUPFD_CLOEXEC, 3);
	out = fcntl(out, F_DUPFD_CLOEXEC, 3);
	errfd = fcntl(errfd, F_DUPFD_CLOEXEC, 3);
	if (in < 0 || out < 0 || errfd < 0)
		goto fail;
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		goto fail;
	/* Only 0, 1, 2 and the exec error pipe (close-on-exec) survive. */
	if (errfd != 3) {
		if (dup3(errfd, 3, O_CLOEXEC) < 0)
			goto fail;
		errfd = 3;
	}
	if (syscall(SYS_close_range, 4, ~0U, 0) < 0) {
		for (int fd = 4; fd < 1024; fd++)
			close(fd);
	}
	execve(h->path, h->args, h->env ? h->env : environ);
fail:
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0) {
		/* nothing more to do */
	}
	_exit(127);
}

static const char *trim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static int run_one(const struct hook *h, const char *kind, const char *state_json, struct err **err)
{
	cleanup_close int in_r = -1, in_w = -1, out_r = -1, out_w = -1, ex_r = -1, ex_w = -1;
	cleanup_close int pidfd = -1;
	cleanup_buf struct buf output = BUF_INIT;
	int fds[2], status, exec_errno = 0;
	int64_t deadline = h->timeout > 0 ? now_ms() + h->timeout * 1000 : -1;
	bool exited = false, timed_out = false, out_open = true;
	pid_t pid;
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_set(err, errno, "pipe");
	in_r = fds[0], in_w = fds[1];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_set(err, errno, "pipe");
	out_r = fds[0], out_w = fds[1];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_set(err, errno, "pipe");
	ex_r = fds[0], ex_w = fds[1];

	pid = fork();
	if (pid < 0)
		return err_set(err, errno, "fork %s hook '%s'", kind, h->path);
	if (pid == 0)
		hook_child(h, in_r, out_w, ex_w);
	fs_close(steal_fd(&in_r));
	fs_close(steal_fd(&out_w));
	fs_close(steal_fd(&ex_w));

	n = fs_read_full(ex_r, &exec_errno, sizeof(exec_errno));
	if (n == (ssize_t)sizeof(exec_errno)) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		return err_set(err, exec_errno, "exec %s hook '%s'", kind, h->path);
	}

	/* The state goes in a single write (it is far below the pipe
	 * buffer); a hook that does not read it must not kill us with
	 * SIGPIPE, so the write goes through send-like semantics. */
	{
		sigset_t pipe_set, old;
		struct timespec zero = {0, 0};

		sigemptyset(&pipe_set);
		sigaddset(&pipe_set, SIGPIPE);
		pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
		if (state_json && fs_write_all(in_w, state_json, strlen(state_json)) < 0 &&
		    errno != EPIPE)
			log_debug("%s hook '%s': write state: %m", kind, h->path);
		/* Discard a SIGPIPE this raised, before unblocking. */
		if (!sigismember(&old, SIGPIPE))
			while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
				;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	fs_close(steal_fd(&in_w));

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return err_set(err, errno, "pidfd_open");

	/* Collect output until the hook exits (a hook may leave a daemon
	 * holding its stdout: we stop at the exit, not at EOF). */
	while (!exited) {
		struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN},
				      {.fd = out_open ? out_r : -1, .events = POLLIN}};
		int timeout = -1;
		int r;

		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			timeout = left > 0 ? (int)left : 0;
		}
		r = poll(p, 2, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_set(err, errno, "poll");
		if (r == 0) {
			timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		if (p[1].revents) {
			char chunk[1024];

			n = read(out_r, chunk, sizeof(chunk));
			if (n > 0 && output.len < OUTPUT_MAX)
				buf_add(&output, chunk, (size_t)n);
			else if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				out_open = false;
		}
		if (p[0].revents)
			exited = true;
	}
	/* Whatever the hook wrote before exiting is in the pipe now. */
	if (out_open && fcntl(out_r, F_SETFL, O_NONBLOCK) == 0) {
		char chunk[1024];

		while (output.len < OUTPUT_MAX && (n = read(out_r, chunk, sizeof(chunk))) > 0)
			buf_add(&output, chunk, (size_t)n);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return err_set(err, errno, "wait for %s hook '%s'", kind, h->path);
	}
	if (output.len > OUTPUT_MAX) {
		output.len = OUTPUT_MAX;
		output.data[OUTPUT_MAX] = '\0';
	}
	if (timed_out)
		return err_set(err, 0, "'%s' timed out after %lld seconds", h->path,
			       (long long)h->timeout);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		return err_set(err, 0, "'%s' was killed by signal %d%s%s", h->path,
			       WTERMSIG(status), output.len ? ": " : "", trim(output.data));
	return err_set(err, 0, "'%s' exited with status %d%s%s", h->path, WEXITSTATUS(status),
		       output.len ? ": " : "", trim(output.data));
}

int rt_hooks_run(const cJSON *hooks, const char *kind, const char *state_json, struct err **err)
{
	const cJSON *list, *j;
	bool warn_only = streq(kind, "poststart") || streq(kind, "poststop");
	int i = 0;

	if (!hooks || !cJSON_IsObject(hooks))
		return 0;
	list = cJSON_GetObjectItemCaseSensitive(hooks, kind);
	if (!list || cJSON_IsNull(list))
		return 0;
	if (!cJSON_IsArray(list))
		return err_set(err, 0, "'hooks.%s' must be an array", kind);
	cJSON_ArrayForEach(j, list)
	{
		cleanup_free char *path = xasprintf("hooks.%s[%d]", kind, i++);
		struct hook h;
		struct err *e = NULL;
		int r;

		if (hook_parse(j, path, &h, &e) == 0) {
			r = run_one(&h, kind, state_json, &e);
			hook_release(&h);
		} else {
			r = -1;
		}
		if (r == 0)
			continue;
		/* runc's wording, the hook counted from 0 */
		err_wrap(&e, "error running %s hook #%d", kind, i - 1);
		if (!warn_only) {
			if (err) {
				err_free(*err);
				*err = e;
			} else {
				err_free(e);
			}
			return -1;
		}
		/* The spec: poststart and poststop failures are warnings only. */
		log_warn("%s", e->msg);
		err_free(e);
	}
	return 0;
}
