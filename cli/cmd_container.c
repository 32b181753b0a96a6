/* cmd_container.c: the container verbs.  kist holds no container logic:
 * kist-store makes, lists and removes containers (create-container, ps,
 * inspect-container, rm-container), kist-shim runs and stops them and keeps
 * their logs, kist-runtime execs into them.  The store's 64-hex id is the
 * shim's and the runtime's id; the shim's log and state records live in
 * the container's directory (containers/<id>/log.json, state.json). */
#define _GNU_SOURCE
#include <errno.h>    /* errno */
#include <fcntl.h>    /* open */
#include <stdio.h>    /* printf */
#include <stdlib.h>   /* getenv */
#include <string.h>   /* strcmp */
#include <sys/file.h> /* flock */
#include <unistd.h>   /* close */

#include "cli/kist.h"
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/json.h"
#include "common/proc.h"
#include "common/signal.h"
#include "common/util.h"

#define ID_MAX (64 * 1024)

/* ---- helpers ---- */

const char *kist_run_dir(void)
{
	const char *r = getenv("KIST_RUN");

	return r && *r ? r : "/run/kist";
}

static const char *run_root(void)
{
	return kist_run_dir();
}

/* The values of a repeatable flag (--env) in the child's args (before "--"). */
static char **list_vals(char **args, const char *flag)
{
	char **out = NULL;

	for (size_t i = 0; args && args[i] && !streq(args[i], "--"); i++)
		if (streq(args[i], flag) && args[i + 1])
			strv_push(&out, args[++i]);
	return out;
}

/* The operands: what follows "--" in the child's args. */
static char **operands(char **args)
{
	for (size_t i = 0; args && args[i]; i++)
		if (streq(args[i], "--"))
			return &args[i + 1];
	return &args[strv_len(args)];
}

/* One container as kist-store inspect-container shows it; NULL when it
 * does not exist (the error printed as docker's). */
static cJSON *container_get(const struct kist *k, const char *what, int *code)
{
	char *args[] = {"inspect-container", "--", (char *)what, NULL};
	cleanup_free char *out = NULL, *errtext = NULL;
	struct err *err = NULL;
	cJSON *arr, *doc;
	int r = kist_capture_err(k, "kist-store", args, ID_MAX, &out, &errtext, &err);

	if (r < 0) {
		fprintf(stderr, "Error: %s\n", err->msg);
		err_free(err);
		*code = EXIT_RUN_ERROR;
		return NULL;
	}
	if (r != 0) {
		kist_print_error("kist-store", errtext, NULL);
		*code = r;
		return NULL;
	}
	arr = cJSON_Parse(out);
	doc = cJSON_DetachItemFromArray(arr, 0);
	cJSON_Delete(arr);
	if (!doc) {
		fprintf(stderr, "Error: cannot read the record of container %s\n", what);
		*code = EXIT_FAIL;
	}
	return doc;
}

static const char *jstr(const cJSON *o, const char *path)
{
	cleanup_free char *p = xstrdup(path);
	char *save = NULL, *key;
	const cJSON *v = o;

	for (key = strtok_r(p, ".", &save); key && v; key = strtok_r(NULL, ".", &save))
		v = cJSON_GetObjectItemCaseSensitive(v, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static bool jbool(const cJSON *o, const char *obj, const char *key)
{
	return cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, obj), key));
}

static int jint(const cJSON *o, const char *obj, const char *key, int dflt)
{
	const cJSON *v =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, obj), key);

	return cJSON_IsNumber(v) ? v->valueint : dflt;
}

static bool is_running(const cJSON *doc)
{
	const char *st = jstr(doc, "State.Status");

	return streq(st, "running") || streq(st, "paused") || streq(st, "restarting");
}

/* containers/<id>: the directory of LogPath */
static char *container_path(const cJSON *doc, const char *leaf)
{
	const char *lp = jstr(doc, "LogPath");
	const char *slash = strrchr(lp, '/');

	return xasprintf("%.*s/%s", slash ? (int)(slash - lp) : 0, lp, leaf);
}

/* A paused (frozen) container takes no signal: thaw it first, as docker
 * does before a stop or a forced removal (a container not paused is left
 * as it is; the runtime's error is not kist's). */
static void thaw(const char *id)
{
	char *args[] = {"resume", (char *)id, NULL};
	cleanup_free char *out = NULL, *errtext = NULL;
	struct kist bare = {.debug = false};
	struct err *err = NULL;

	(void)kist_capture_err(&bare, "kist-shim", args, 4096, &out, &errtext, &err);
	err_free(err);
}

/* Start the container's shim (it returns once the container runs).
 * detached: no kist waits for its end, so a --rm container's shim removes
 * it when it exits for good (docker's daemon does). */
static int shim_start(const cJSON *doc, bool no_start, bool detached)
{
	cleanup_free char *rt = proc_sibling_path("kist-runtime");
	cleanup_free char *rtroot = xasprintf("%s/runtime", run_root());
	cleanup_free char *bundle = container_path(doc, "bundle");
	cleanup_free char *state = container_path(doc, "state.json");
	cleanup_free char *errtext = NULL, *out = NULL;
	cleanup_strv char **args = NULL;
	const char *logopt = jstr(doc, "HostConfig.LogOpt");
	const cJSON *rp = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(doc, "HostConfig"), "RestartPolicy");
	const char *policy = jstr(rp, "Name");
	struct err *err = NULL;
	int r;

	strv_push(&args, "--id");
	strv_push(&args, jstr(doc, "Id"));
	strv_push(&args, "--bundle");
	strv_push(&args, bundle);
	strv_push(&args, "--runtime");
	strv_push(&args, rt);
	strv_push(&args, "--runtime-root");
	strv_push(&args, rtroot);
	strv_push(&args, "--log");
	strv_push(&args, jstr(doc, "LogPath"));
	strv_push(&args, "--state");
	strv_push(&args, state);
	if (*logopt) {
		strv_push(&args, "--log-opt");
		strv_push(&args, logopt);
	}
	if (*policy && !streq(policy, "no")) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(rp, "MaximumRetryCount");
		cleanup_free char *p =
		    streq(policy, "on-failure") && cJSON_IsNumber(n) && n->valueint > 0
			? xasprintf("%s:%d", policy, n->valueint)
			: xstrdup(policy);
		strv_push(&args, "--restart");
		strv_push(&args, p);
	}
	if (jbool(doc, "Config", "OpenStdin"))
		strv_push(&args, "--interactive");
	if (jbool(doc, "Config", "Tty"))
		strv_push(&args, "--tty");
	if (no_start)
		strv_push(&args, "--no-start");
	if (kist_net_up(doc) < 0)
		return EXIT_RUN_ERROR;
	kist_exit_command(doc, detached && jbool(doc, "HostConfig", "AutoRemove"), &args);
	{
		/* the shim takes no --root: run it directly */
		struct kist bare = {.debug = false};

		r = kist_capture_err(&bare, "kist-shim", args, ID_MAX, &out, &errtext, &err);
	}
	if (r < 0) {
		fprintf(stderr, "Error: %s\n", err->msg);
		err_free(err);
		kist_net_down(doc);
		return EXIT_RUN_ERROR;
	}
	if (r == 0)
		return 0;
	kist_net_down(doc);
	/* docker: 127 when the command is not found, 126 when it cannot run */
	fprintf(stderr, "Error: failed to start container %.12s: ", jstr(doc, "Id"));
	{
		const char *m = errtext;

		if (str_has_prefix(m, "kist-shim: "))
			m += strlen("kist-shim: ");
		fputs(m, stderr);
		if (!*m || m[strlen(m) - 1] != '\n')
			fputc('\n', stderr);
	}
	if (strcasestr(errtext, "no such file or directory") ||
	    strcasestr(errtext, "not found in $PATH"))
		return EXIT_NOT_FOUND;
	if (strcasestr(errtext, "permission denied") || strcasestr(errtext, "is a directory"))
		return EXIT_CANNOT_EXEC;
	return EXIT_RUN_ERROR;
}

static int shim_verb_proxy(char *const *args, bool proxy)
{
	struct err *err = NULL;
	int r =
	    proxy ? kist_spawn_proxy("kist-shim", args, &err) : kist_spawn("kist-shim", args, &err);

	if (r < 0) {
		fprintf(stderr, "Error: %s\n", err->msg);
		err_free(err);
		return EXIT_RUN_ERROR;
	}
	return r;
}

static int shim_verb(char *const *args)
{
	return shim_verb_proxy(args, false);
}

/* Block until the container's shim is gone (it holds its lock while it
 * lives), then read how the container ended. */
static int wait_exit(const struct kist *k, const char *id)
{
	cleanup_free char *lock = xasprintf("%s/shim/%s/lock", run_root(), id);
	cleanup_json cJSON *doc = NULL;
	int fd = open(lock, O_RDONLY | O_CLOEXEC), code = EXIT_FAIL;

	if (fd >= 0) {
		while (flock(fd, LOCK_SH) < 0 && errno == EINTR)
			;
		close(fd);
	}
	doc = container_get(k, id, &code);
	if (!doc)
		return -1;
	return jint(doc, "State", "ExitCode", 0);
}

static char *parse_bytes(const char *flag, const char *s)
{
	char *end;
	double v = strtod(s, &end);
	double mul = 1;

	if (end == s || v < 0)
		goto bad;
	if (*end) {
		switch (*end | 0x20) {
		case 'b':
			mul = 1;
			break;
		case 'k':
			mul = 1024;
			break;
		case 'm':
			mul = 1024.0 * 1024;
			break;
		case 'g':
			mul = 1024.0 * 1024 * 1024;
			break;
		default:
			goto bad;
		}
		end++;
		if ((*end | 0x20) == 'b' && end[-1] != 'b' && end[-1] != 'B')
			end++;
		if (*end)
			goto bad;
	}
	return xasprintf("%.0f", v * mul);
bad:
	cli_usage_error("invalid argument \"%s\" for \"%s\" flag: invalid size: '%s'", s, flag, s);
}

/* ---- create / run ---- */

enum {
	R_CAP_ADD,
	R_CAP_DROP,
	R_CPUS,
	R_DETACH,
	R_ENTRYPOINT,
	R_ENV,
	R_ENV_FILE,
	R_HOSTNAME,
	R_INIT,
	R_INTERACTIVE,
	R_LABEL,
	R_LOG_OPT,
	R_MEMORY,
	R_MOUNT,
	R_NAME,
	R_PIDS_LIMIT,
	R_PRIVILEGED,
	R_PULL,
	R_READ_ONLY,
	R_RESTART,
	R_RM,
	R_SECURITY_OPT,
	R_SIG_PROXY,
	R_STOP_SIGNAL,
	R_STOP_TIMEOUT,
	R_TMPFS,
	R_TTY,
	R_USER,
	R_VOLUME,
	R_VOLUMES_FROM,
	R_WORKDIR,
};

/* A docker env file: KEY=VALUE lines, # comments, a bare KEY takes the
 * caller's value. */
static int env_file(const char *path, cJSON *env)
{
	cleanup_file FILE *f = fopen(path, "re");
	cleanup_free char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f) {
		fprintf(stderr, "Error: open %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		char *l = line;

		while (n > 0 && (l[n - 1] == '\n' || l[n - 1] == '\r'))
			l[--n] = '\0';
		while (*l == ' ' || *l == '\t')
			l++;
		if (!*l || *l == '#')
			continue;
		if (strchr(l, '=')) {
			cJSON_AddItemToArray(env, cJSON_CreateString(l));
		} else if (getenv(l)) {
			cleanup_free char *kv = xasprintf("%s=%s", l, getenv(l));
			cJSON_AddItemToArray(env, cJSON_CreateString(kv));
		}
	}
	return 0;
}

static void add_strv(cJSON *o, const char *key, char **v)
{
	cJSON *a = cJSON_AddArrayToObject(o, key);

	for (; v && *v; v++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*v));
}

/* The overrides create-container takes, from run/create's flags. */
static cJSON *overrides(char **args, const char *const *vals, char **cmd)
{
	cJSON *ov = cJSON_CreateObject(), *ann;
	cleanup_strv char **env = list_vals(args, "--env");
	cleanup_strv char **envf = list_vals(args, "--env-file");
	cleanup_strv char **labels = list_vals(args, "--label");
	cleanup_strv char **capa = list_vals(args, "--cap-add");
	cleanup_strv char **capd = list_vals(args, "--cap-drop");
	cleanup_strv char **secopt = list_vals(args, "--security-opt");

	if (cmd && *cmd)
		add_strv(ov, "Cmd", cmd);
	if (vals[R_ENTRYPOINT]) {
		cJSON *a = cJSON_AddArrayToObject(ov, "Entrypoint");
		if (*vals[R_ENTRYPOINT])
			cJSON_AddItemToArray(a, cJSON_CreateString(vals[R_ENTRYPOINT]));
		if (!(cmd && *cmd))
			cJSON_AddArrayToObject(ov, "Cmd"); /* docker: --entrypoint resets CMD */
	}
	if (env || envf) {
		cJSON *e = cJSON_AddArrayToObject(ov, "Env");
		for (char **f = envf; f && *f; f++)
			if (env_file(*f, e) < 0) {
				cJSON_Delete(ov);
				return NULL;
			}
		for (char **p = env; p && *p; p++) {
			if (strchr(*p, '=')) {
				cJSON_AddItemToArray(e, cJSON_CreateString(*p));
			} else if (getenv(*p)) {
				cleanup_free char *kv = xasprintf("%s=%s", *p, getenv(*p));
				cJSON_AddItemToArray(e, cJSON_CreateString(kv));
			}
		}
	}
	if (vals[R_WORKDIR])
		cJSON_AddStringToObject(ov, "WorkingDir", vals[R_WORKDIR]);
	if (vals[R_USER])
		cJSON_AddStringToObject(ov, "User", vals[R_USER]);
	if (vals[R_HOSTNAME])
		cJSON_AddStringToObject(ov, "Hostname", vals[R_HOSTNAME]);
	if (vals[R_TTY])
		cJSON_AddTrueToObject(ov, "Tty");
	if (vals[R_INTERACTIVE])
		cJSON_AddTrueToObject(ov, "OpenStdin");
	if (labels) {
		cJSON *l = cJSON_AddObjectToObject(ov, "Labels");
		for (char **p = labels; *p; p++) {
			const char *eq = strchr(*p, '=');
			cleanup_free char *key = eq ? xstrndup(*p, (size_t)(eq - *p)) : xstrdup(*p);
			cJSON_DeleteItemFromObjectCaseSensitive(l, key);
			cJSON_AddStringToObject(l, key, eq ? eq + 1 : "");
		}
	}
	if (vals[R_MEMORY]) {
		cleanup_free char *b = parse_bytes("-m, --memory", vals[R_MEMORY]);
		cJSON_AddNumberToObject(ov, "Memory", strtod(b, NULL));
	}
	if (vals[R_CPUS]) {
		char *end;
		double c = strtod(vals[R_CPUS], &end);
		if (*end || end == vals[R_CPUS] || c < 0)
			cli_usage_error(
			    "invalid argument \"%s\" for \"--cpus\" flag: failed to parse "
			    "%s as a rational number",
			    vals[R_CPUS], vals[R_CPUS]);
		cJSON_AddNumberToObject(ov, "NanoCpus", c * 1e9);
	}
	if (vals[R_PIDS_LIMIT])
		cJSON_AddNumberToObject(ov, "PidsLimit", strtod(vals[R_PIDS_LIMIT], NULL));
	if (capa)
		add_strv(ov, "CapAdd", capa);
	if (capd)
		add_strv(ov, "CapDrop", capd);
	if (vals[R_PRIVILEGED])
		cJSON_AddTrueToObject(ov, "Privileged");
	if (vals[R_READ_ONLY])
		cJSON_AddTrueToObject(ov, "ReadonlyRootfs");
	kist_mount_overrides(args, ov);
	if (vals[R_INIT]) {
		/* docker's --init: kist-init, installed beside kist */
		cleanup_free char *init = proc_sibling_path("kist-init");
		if (init[0] != '/') {
			fprintf(stderr, "Error: --init: kist-init is not installed beside kist\n");
			cJSON_Delete(ov);
			return NULL;
		}
		cJSON_AddStringToObject(ov, "Init", init);
	}
	if (secopt)
		add_strv(ov, "SecurityOpt", secopt);
	if (vals[R_STOP_SIGNAL]) {
		if (signal_parse(vals[R_STOP_SIGNAL]) <= 0)
			cli_usage_error("invalid signal: %s", vals[R_STOP_SIGNAL]);
		cJSON_AddStringToObject(ov, "StopSignal", vals[R_STOP_SIGNAL]);
	}
	/* what the shim needs at each start: kist's own annotations */
	ann = cJSON_AddObjectToObject(ov, "Annotations");
	if (vals[R_RESTART])
		cJSON_AddStringToObject(ann, "io.kist.restart", vals[R_RESTART]);
	if (vals[R_RM])
		cJSON_AddStringToObject(ann, "io.kist.rm", "true");
	if (vals[R_STOP_TIMEOUT])
		cJSON_AddStringToObject(ann, "io.kist.stop-timeout", vals[R_STOP_TIMEOUT]);
	{
		cleanup_strv char **lo = list_vals(args, "--log-opt");
		cleanup_free char *joined = NULL;
		for (char **p = lo; p && *p; p++) {
			char *j = joined ? xasprintf("%s,%s", joined, *p) : xstrdup(*p);
			free(joined);
			joined = j;
		}
		if (joined)
			cJSON_AddStringToObject(ann, "io.kist.log-opt", joined);
	}
	return ov;
}

/* kist-fetch pull; docker's line first when the image was missing. */
static int pull_image(const struct kist *k, const char *image, bool missing)
{
	char *pargs[] = {"pull", "--", (char *)image, NULL};
	struct err *err = NULL;
	int r;

	int saved;

	if (missing)
		fprintf(stderr, "Unable to find image '%s' locally\n", image);
	/* as docker run: the pull's progress on stderr, stdout the container's */
	fflush(stdout);
	saved = fcntl(1, F_DUPFD_CLOEXEC, 3);
	if (saved >= 0)
		dup2(2, 1);
	r = kist_run(k, "kist-fetch", pargs, NULL, &err);
	if (saved >= 0) {
		dup2(saved, 1);
		close(saved);
	}
	if (r < 0)
		fprintf(stderr, "Error: %s\n", err->msg);
	err_free(err);
	return r == 0 ? 0 : -1;
}

/* kist-store create-container; prints nothing; returns the record or NULL
 * with *code set. */
static cJSON *create(const struct kist *k, char **args, const char *const *vals, int *code)
{
	char **ops = operands(args);
	const char *image = ops[0];
	const char *pull = vals[R_PULL] ? vals[R_PULL] : "missing";
	cleanup_json cJSON *ov = NULL;
	cleanup_free char *ovtext = NULL;
	struct err *err = NULL;
	bool pulled;

	if (!streq(pull, "missing") && !streq(pull, "always") && !streq(pull, "never"))
		cli_usage_error("invalid pull option: '%s': must be one of \"always\", \"missing\" "
				"or \"never\"",
				pull);
	if (vals[R_RESTART]) {
		const char *r = vals[R_RESTART];
		if (!streq(r, "no") && !streq(r, "always") && !streq(r, "unless-stopped") &&
		    !streq(r, "on-failure") && !str_has_prefix(r, "on-failure:"))
			cli_usage_error("invalid restart policy '%s'", r);
		if (vals[R_RM] && !streq(r, "no"))
			cli_usage_error(
			    "conflicting options: cannot specify both --restart and --rm");
	}
	if (vals[R_STOP_TIMEOUT]) {
		char *end;
		(void)strtol(vals[R_STOP_TIMEOUT], &end, 10);
		if (*end)
			cli_usage_error("invalid argument \"%s\" for \"--stop-timeout\" flag",
					vals[R_STOP_TIMEOUT]);
	}
	ov = overrides(args, vals, ops + 1);
	if (!ov || kist_net_overrides(k, args, ov, cJSON_GetObjectItem(ov, "Annotations")) < 0) {
		*code = EXIT_RUN_ERROR;
		return NULL;
	}
	ovtext = json_print(ov, false);
	if (streq(pull, "always") && pull_image(k, image, false) < 0) {
		*code = EXIT_RUN_ERROR;
		return NULL;
	}
	/* --pull missing: the store says when the image is not there (no
	 * exec to look first) */
	pulled = !streq(pull, "missing");
	for (unsigned retry = 0;; retry++) {
		cleanup_free char *gen = vals[R_NAME] ? NULL : names_generate(retry);
		const char *name = vals[R_NAME] ? vals[R_NAME] : gen;
		char *cargs[] = {"create-container", "--name", (char *)name, "--",
				 (char *)image,      ovtext,   NULL};
		cleanup_free char *out = NULL, *errtext = NULL;
		int r = kist_capture_err(k, "kist-store", cargs, 256, &out, &errtext, &err);

		if (r < 0) {
			fprintf(stderr, "Error: %s\n", err->msg);
			err_free(err);
			*code = EXIT_RUN_ERROR;
			return NULL;
		}
		if (r != 0 && !vals[R_NAME] && strstr(errtext, "already in use") && retry < 10)
			continue;
		if (r != 0 && !pulled && strstr(errtext, "no such image: ")) {
			pulled = true;
			if (pull_image(k, image, true) < 0) {
				*code = EXIT_RUN_ERROR;
				return NULL;
			}
			continue;
		}
		if (r != 0) {
			kist_print_error("kist-store", errtext, NULL);
			*code = EXIT_RUN_ERROR;
			return NULL;
		}
		out[strcspn(out, "\n")] = '\0';
		return container_get(k, out, code);
	}
}

static int remove_container(const struct kist *k, const char *id, bool force, bool quiet,
			    bool volumes);

int kist_create(const struct kist *k, const struct kverb *v, char **args, const char *const *vals,
		struct err **err)
{
	cleanup_json cJSON *doc = NULL;
	int code = 0;

	(void)v;
	(void)err;
	doc = create(k, args, vals, &code);
	if (!doc)
		return code;
	printf("%s\n", jstr(doc, "Id"));
	return EXIT_OK;
}

/* Foreground: attach to a container its shim created (--no-start) and
 * start it once attached, so no early output is lost; exits with the
 * container's code.  Without -i the container gets no stdin.  With proxy
 * (docker's --sig-proxy, not for a tty) the signals kist receives go to
 * the container's process. */
static int foreground(const cJSON *doc, bool stdin_open, bool created, bool proxy)
{
	cleanup_strv char **aargs = NULL;

	proxy = proxy && !jbool(doc, "Config", "Tty");
	strv_push(&aargs, "attach");
	if (!stdin_open)
		strv_push(&aargs, "--no-stdin");
	if (created)
		strv_push(&aargs, "--start");
	if (proxy)
		strv_push(&aargs, "--sig-proxy");
	strv_push(&aargs, jstr(doc, "Id"));
	return shim_verb_proxy(aargs, proxy);
}

int kist_run_cmd(const struct kist *k, const struct kverb *v, char **args, const char *const *vals,
		 struct err **err)
{
	cleanup_json cJSON *doc = NULL;
	int code = 0;

	(void)v;
	(void)err;
	doc = create(k, args, vals, &code);
	if (!doc)
		return code;
	code = shim_start(doc, !vals[R_DETACH], vals[R_DETACH]);
	if (code != 0) {
		if (vals[R_RM])
			remove_container(k, jstr(doc, "Id"), true, true, true);
		return code;
	}
	if (vals[R_DETACH]) {
		printf("%s\n", jstr(doc, "Id"));
		return EXIT_OK;
	}
	code = foreground(doc, vals[R_INTERACTIVE], true, !vals[R_SIG_PROXY]);
	/* it has exited: no thaw, stop or wait for the shim is needed (two
	 * execs less); -f only when it still runs (a detach) */
	if (vals[R_RM] && remove_container(k, jstr(doc, "Id"), false, true, true) != 0)
		remove_container(k, jstr(doc, "Id"), true, true, true);
	return code;
}

/* ---- start / stop / restart / kill / rm / wait ---- */

/* flags of start: attach, interactive */
int kist_start(const struct kist *k, const struct kverb *v, char **args, const char *const *vals,
	       struct err **err)
{
	char **ops = operands(args);
	int ret = EXIT_OK;

	(void)v;
	(void)err;
	if ((vals[0] || vals[1]) && strv_len(ops) > 1) {
		fprintf(stderr, "Error: you cannot start and attach multiple containers at once\n");
		return EXIT_FAIL;
	}
	for (; *ops; ops++) {
		int code = 0;
		cleanup_json cJSON *doc = container_get(k, *ops, &code);

		if (!doc) {
			ret = EXIT_FAIL;
			continue;
		}
		bool created = false;

		if (!is_running(doc)) {
			created = vals[0] || vals[1];
			code = shim_start(doc, created, !created);
			if (code) {
				ret = code;
				continue;
			}
		}
		if (vals[0] || vals[1]) {
			code = foreground(doc, vals[1] && jbool(doc, "Config", "OpenStdin"),
					  created, true);
			if (created && jbool(doc, "HostConfig", "AutoRemove") &&
			    remove_container(k, jstr(doc, "Id"), false, true, true) != 0)
				remove_container(k, jstr(doc, "Id"), true, true, true);
			return code;
		}
		printf("%s\n", *ops);
	}
	return ret;
}

static int stop_one(const struct kist *k, const cJSON *doc, const char *timeout)
{
	cleanup_free char *t = NULL;
	const char *sig = jstr(doc, "Config.StopSignal");
	char *sargs[] = {"stop", "-s", *sig ? (char *)sig : "SIGTERM",
			 "-t",   NULL, (char *)jstr(doc, "Id"),
			 NULL};

	int r;

	(void)k;
	if (!is_running(doc)) {
		kist_net_down(doc);
		return 0;
	}
	thaw(jstr(doc, "Id"));
	t = timeout ? xstrdup(timeout) : xasprintf("%d", jint(doc, "Config", "StopTimeout", 10));
	sargs[4] = t;
	r = shim_verb(sargs);
	kist_net_down(doc); /* docker releases the ports on stop */
	return r;
}

/* flags of stop: time */
int kist_stop(const struct kist *k, const struct kverb *v, char **args, const char *const *vals,
	      struct err **err)
{
	int ret = EXIT_OK;

	(void)err;
	for (char **ops = operands(args); *ops; ops++) {
		int code = 0;
		cleanup_json cJSON *doc = container_get(k, *ops, &code);

		if (!doc || stop_one(k, doc, vals[0]) != 0) {
			ret = EXIT_FAIL;
			continue;
		}
		if (streq(v->name, "restart")) {
			cleanup_json cJSON *now = container_get(k, *ops, &code);
			if (!now || shim_start(now, false, true) != 0) {
				ret = EXIT_FAIL;
				continue;
			}
		}
		printf("%s\n", *ops);
	}
	return ret;
}

/* flags of kill: signal */
int kist_kill(const struct kist *k, const struct kverb *v, char **args, const char *const *vals,
	      struct err **err)
{
	const char *sig = vals[0] ? vals[0] : "KILL";
	int ret = EXIT_OK;

	(void)v;
	(void)err;
	if (signal_parse(sig) <= 0) {
		fprintf(stderr, "Error: invalid signal: %s\n", sig);
		return EXIT_FAIL;
	}
	for (char **ops = operands(args); *ops; ops++) {
		int code = 0;
		cleanup_json cJSON *doc = container_get(k, *ops, &code);
		char *kargs[] = {"kill", "-s", (char *)sig, NULL, NULL};

		if (!doc) {
			ret = EXIT_FAIL;
			continue;
		}
		if (!is_running(doc)) {
			fprintf(stderr,
				"Error: cannot kill container: %s: container %s is not running\n",
				*ops, jstr(doc, "Id"));
			ret = EXIT_FAIL;
			continue;
		}
		kargs[3] = (char *)jstr(doc, "Id");
		if (shim_verb(kargs) != 0) {
			ret = EXIT_FAIL;
			continue;
		}
		printf("%s\n", *ops);
	}
	return ret;
}

static int remove_container(const struct kist *k, const char *id, bool force, bool quiet,
			    bool volumes)
{
	char *dargs[] = {"delete", force ? "-f" : (char *)id, force ? (char *)id : NULL, NULL};
	/* -f: the runtime's state goes with it (the shim stopped and deleted it);
	 * -v: its anonymous volumes too */
	char *rargs[6] = {"rm-container"};
	size_t na = 1;
	cleanup_free char *out = NULL, *errtext = NULL;
	struct err *err = NULL;
	int r;

	if (force) {
		/* stop a running container (the shim blocks until it stopped),
		 * then wait for its shim to exit: it holds its lock until then */
		char *sargs[] = {"stop", "-s", "SIGKILL", "-t", "0", (char *)id, NULL};
		struct kist bare = {.debug = false};
		cleanup_free char *o2 = NULL, *e2 = NULL;
		cleanup_free char *lock = xasprintf("%s/shim/%s/lock", run_root(), id);
		int fd;

		thaw(id);
		(void)kist_capture_err(&bare, "kist-shim", sargs, ID_MAX, &o2, &e2, &err);
		err_free(err);
		err = NULL;
		fd = open(lock, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			while (flock(fd, LOCK_SH) < 0 && errno == EINTR)
				;
			close(fd);
		}
	}
	{
		/* the shim's run dir (and, with -f, a running container) */
		struct kist bare = {.debug = false};
		cleanup_free char *o2 = NULL, *e2 = NULL;
		(void)kist_capture_err(&bare, "kist-shim", dargs, ID_MAX, &o2, &e2, &err);
		err_free(err);
		err = NULL;
	}
	/* the network: what a container that stopped on its own has not
	 * released yet (its shim's exit command releases it too) */
	kist_net_release(k, id);
	if (force)
		rargs[na++] = "-f";
	if (volumes)
		rargs[na++] = "-v";
	rargs[na++] = "--";
	rargs[na] = (char *)id;
	r = kist_capture_err(k, "kist-store", rargs, ID_MAX, &out, &errtext, &err);
	if (r < 0) {
		if (!quiet)
			fprintf(stderr, "Error: %s\n", err->msg);
		err_free(err);
		return EXIT_FAIL;
	}
	if (r != 0 && !quiet)
		kist_print_error("kist-store", errtext, NULL);
	return r;
}

/* flags of rm: force, volumes */
int kist_rm(const struct kist *k, const struct kverb *v, char **args, const char *const *vals,
	    struct err **err)
{
	int ret = EXIT_OK;

	(void)v;
	(void)err;
	for (char **ops = operands(args); *ops; ops++) {
		int code = 0;
		cleanup_json cJSON *doc = container_get(k, *ops, &code);

		if (!doc) {
			ret = EXIT_FAIL;
			continue;
		}
		if (is_running(doc) && !vals[0]) {
			fprintf(stderr,
				"Error: You cannot remove a running container %s. Stop the "
				"container before attempting removal or force remove\n",
				jstr(doc, "Id"));
			ret = EXIT_FAIL;
			continue;
		}
		if (remove_container(k, jstr(doc, "Id"), vals[0] != NULL, false, vals[1] != NULL) !=
		    0) {
			ret = EXIT_FAIL;
			continue;
		}
		printf("%s\n", *ops);
	}
	return ret;
}

/* kist container cleanup [--rm] ID (hidden): the shim's exit command for a
 * container no kist waits on: its network released, and with --rm (docker's
 * AutoRemove) the container and its anonymous volumes removed. */
int kist_cleanup(const struct kist *k, const struct kverb *v, char **args, const char *const *vals,
		 struct err **err)
{
	const char *id = operands(args)[0];

	(void)v;
	(void)err;
	if (!vals[0]) {
		kist_net_release(k, id);
		return EXIT_OK;
	}
	if (remove_container(k, id, false, true, true) != 0)
		return remove_container(k, id, true, false, true) == 0 ? EXIT_OK : EXIT_FAIL;
	return EXIT_OK;
}

int kist_wait(const struct kist *k, const struct kverb *v, char **args, const char *const *vals,
	      struct err **err)
{
	int ret = EXIT_OK;

	(void)v;
	(void)vals;
	(void)err;
	for (char **ops = operands(args); *ops; ops++) {
		int code = 0;
		cleanup_json cJSON *doc = container_get(k, *ops, &code);

		if (!doc) {
			ret = EXIT_FAIL;
			continue;
		}
		code = wait_exit(k, jstr(doc, "Id"));
		if (code < 0) {
			ret = EXIT_FAIL;
			continue;
		}
		printf("%d\n", code);
	}
	return ret;
}

/* ---- logs / attach / exec / pause ---- */

/* args: the shim's logs flags, then -- CONTAINER */
int kist_logs(const struct kist *k, const struct kverb *v, char **args, const char *const *vals,
	      struct err **err)
{
	char **ops = operands(args);
	cleanup_strv char **largs = NULL;
	cleanup_json cJSON *doc = NULL;
	int code = 0;

	(void)v;
	(void)vals;
	(void)err;
	doc = container_get(k, ops[0], &code);
	if (!doc)
		return code;
	strv_push(&largs, "logs");
	for (size_t i = 0; args[i] && !streq(args[i], "--"); i++)
		if (is_running(doc) || !streq(args[i], "--follow"))
			strv_push(&largs, args[i]);
	if (is_running(doc)) {
		strv_push(&largs, jstr(doc, "Id"));
	} else {
		strv_push(&largs, "--log");
		strv_push(&largs, jstr(doc, "LogPath"));
		/* a stopped container's log: nothing more to follow */
	}
	return shim_verb(largs);
}

/* flags of attach: detach-keys, no-stdin, sig-proxy */
int kist_attach(const struct kist *k, const struct kverb *v, char **args, const char *const *vals,
		struct err **err)
{
	char **ops = operands(args);
	cleanup_json cJSON *doc = NULL;
	int code = 0;
	/* --sig-proxy (default true, not with a tty): kist's signals go on */
	bool proxy = !vals[2];
	cleanup_strv char **aargs = NULL;

	(void)v;
	(void)err;
	doc = container_get(k, ops[0], &code);
	if (!doc)
		return code;
	if (!is_running(doc)) {
		fprintf(stderr,
			"Error: You cannot attach to a stopped container, start it first\n");
		return EXIT_FAIL;
	}
	proxy = proxy && !jbool(doc, "Config", "Tty");
	strv_push(&aargs, "attach");
	if (vals[1])
		strv_push(&aargs, "--no-stdin");
	if (proxy)
		strv_push(&aargs, "--sig-proxy");
	strv_push(&aargs, jstr(doc, "Id"));
	return shim_verb_proxy(aargs, proxy);
}

enum { X_DETACH, X_ENV, X_INTERACTIVE, X_TTY, X_USER, X_WORKDIR };

int kist_exec(const struct kist *k, const struct kverb *v, char **args, const char *const *vals,
	      struct err **err)
{
	char **ops = operands(args);
	cleanup_json cJSON *doc = NULL;
	cleanup_strv char **xargs = NULL, **env = list_vals(args, "--env");
	cleanup_free char *rtroot = xasprintf("%s/runtime", run_root());
	cleanup_free char *pidf = NULL;
	int code = 0;

	(void)v;
	(void)err;
	doc = container_get(k, ops[0], &code);
	if (!doc)
		return code;
	if (!streq(jstr(doc, "State.Status"), "running")) {
		fprintf(stderr, "Error: container %s is not running\n", jstr(doc, "Id"));
		return EXIT_FAIL;
	}
	strv_push(&xargs, "--root");
	strv_push(&xargs, rtroot);
	strv_push(&xargs, "exec");
	{
		/* docker: an exec'd process has the container's no-new-privileges
		 * (the runtime's exec sets it only when asked) */
		cleanup_free char *cfgp = container_path(doc, "bundle/config.json");
		cleanup_json cJSON *cfg = json_load_file(cfgp, 0, NULL);
		if (cfg && jbool(cfg, "process", "noNewPrivileges"))
			strv_push(&xargs, "--no-new-privs");
	}
	if (vals[X_TTY] && !vals[X_DETACH])
		strv_push(&xargs, "--tty");
	if (vals[X_DETACH])
		strv_push(&xargs, "--detach");
	for (char **e = env; e && *e; e++) {
		strv_push(&xargs, "--env");
		strv_push(&xargs, *e);
	}
	if (vals[X_USER]) {
		strv_push(&xargs, "--user");
		strv_push(&xargs, vals[X_USER]);
	}
	if (vals[X_WORKDIR]) {
		strv_push(&xargs, "--cwd");
		strv_push(&xargs, vals[X_WORKDIR]);
	}
	/* written once the process runs: a 255 without it is the runtime's
	 * (the exec failed), which docker reports as 126 */
	pidf = xasprintf("%s/shim/%s/exec-%d.pid", run_root(), jstr(doc, "Id"), (int)getpid());
	strv_push(&xargs, "--pid-file");
	strv_push(&xargs, pidf);
	strv_push(&xargs, jstr(doc, "Id"));
	for (char **p = ops + 1; *p; p++)
		strv_push(&xargs, *p);
	if (!vals[X_INTERACTIVE] && !vals[X_TTY] && !vals[X_DETACH]) {
		/* docker: without -i the process gets no stdin */
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			dup2(fd, 0);
			close(fd);
		}
	}
	{
		struct err *e2 = NULL;
		int r = kist_spawn("kist-runtime", xargs, &e2);
		bool started = access(pidf, F_OK) == 0;

		unlink(pidf);
		if (r < 0) {
			fprintf(stderr, "Error: %s\n", e2->msg);
			err_free(e2);
			return EXIT_RUN_ERROR;
		}
		return r == 255 && !started ? EXIT_CANNOT_EXEC : r;
	}
}

/* pause, unpause, top: the runtime's verb of the same name */
int kist_runtime_verb(const struct kist *k, const struct kverb *v, char **args,
		      const char *const *vals, struct err **err)
{
	cleanup_free char *rtroot = xasprintf("%s/runtime", run_root());
	int ret = EXIT_OK;

	(void)vals;
	(void)err;
	for (char **ops = operands(args); *ops; ops++) {
		int code = 0;
		cleanup_json cJSON *doc = container_get(k, *ops, &code);
		char *rargs[] = {"--root", rtroot, (char *)v->child, NULL, NULL};

		if (!doc) {
			ret = EXIT_FAIL;
			continue;
		}
		if (streq(v->name, "unpause") && streq(jstr(doc, "State.Status"), "running")) {
			fprintf(stderr, "Error: Container %s is not paused\n", jstr(doc, "Id"));
			ret = EXIT_FAIL;
			continue;
		}
		if (streq(v->name, "pause") && streq(jstr(doc, "State.Status"), "paused")) {
			fprintf(stderr, "Error: Container %s is already paused\n", jstr(doc, "Id"));
			ret = EXIT_FAIL;
			continue;
		}
		if (!streq(jstr(doc, "State.Status"), "running") &&
		    !streq(jstr(doc, "State.Status"), "paused")) {
			fprintf(stderr, "Error: container %s is not running\n", jstr(doc, "Id"));
			ret = EXIT_FAIL;
			continue;
		}
		rargs[3] = (char *)jstr(doc, "Id");
		{
			struct err *e2 = NULL;
			/* pause, unpause: the shim runs the runtime's and records it */
			char *sargs[] = {(char *)v->child, rargs[3], NULL};
			int r = streq(v->name, "top") ? kist_spawn("kist-runtime", rargs, &e2)
						      : kist_spawn("kist-shim", sargs, &e2);
			err_free(e2);
			if (r != 0) {
				ret = EXIT_FAIL;
				continue;
			}
		}
		if (!streq(v->name, "top"))
			printf("%s\n", *ops);
	}
	return ret;
}

/* container prune: every stopped container */
int kist_container_prune(const struct kist *k, const struct kverb *v, char **args,
			 const char *const *vals, struct err **err)
{
	char *pargs[] = {"ps",       "--all",         "--quiet",  "--no-trunc",
			 "--filter", "status=exited", "--filter", "status=created",
			 "--filter", "status=dead",   NULL};
	cleanup_free char *out = NULL;
	char *save = NULL, *id;
	int r;

	(void)v;
	(void)args;
	if (!vals[0]) {
		cleanup_free char *line = NULL;
		size_t cap = 0;

		printf("WARNING! This will remove all stopped containers.\n"
		       "Are you sure you want to continue? [y/N] ");
		fflush(stdout);
		if (getline(&line, &cap, stdin) < 0 || (line[0] != 'y' && line[0] != 'Y'))
			return EXIT_OK;
	}
	r = kist_capture(k, "kist-store", pargs, NULL, ID_MAX * 16, &out, err);
	if (r != 0)
		return r;
	printf("Deleted Containers:\n");
	for (id = strtok_r(out, "\n", &save); id; id = strtok_r(NULL, "\n", &save))
		if (remove_container(k, id, false, true, false) == 0)
			printf("%s\n", id);
	printf("\nTotal reclaimed space: 0B\n");
	return EXIT_OK;
}
