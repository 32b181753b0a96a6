/* kist.h: the `kist` front end: docker's command line composed from the
 * kist programs by exec.  It holds no image, registry or container logic:
 * each verb checks its flags (docker's names, messages and exit codes),
 * then runs the program that owns the data, once. */
#ifndef KIST_CLI_KIST_H
#define KIST_CLI_KIST_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */

struct err;

/* Global options (kist [OPTIONS] COMMAND). */
struct kist {
	const char *root; /* --root, or NULL: the programs' default ($KIST_ROOT) */
	bool debug;
};

/* One flag of a verb, as docker spells it. */
/* KF_BOOL_ON: a bool whose default is true (--sig-proxy): its value is
 * "false" when turned off, else NULL. */
enum kflag_type { KF_BOOL, KF_STRING, KF_INT, KF_LIST, KF_BOOL_ON };
struct kflag {
	const char *name; /* long name: "all" */
	char shorthand;   /* 'a', or 0 */
	enum kflag_type type;
	const char *value; /* value name in --help: "string", "filter" */
	const char *help;
	const char *to; /* the child's spelling ("--all"); NULL: "--" name; "": kist's own */
};

struct kverb;
/* A verb's body, after its flags were checked; args are the child's
 * arguments built so far (flags, then operands). */
typedef int (*kverb_fn)(const struct kist *k, const struct kverb *v, char **args,
			const char *const *vals, struct err **err);

struct kverb {
	const char *name;    /* "ls" (under "image") or "pull" */
	const char *usage;   /* after the command: "[OPTIONS] [REPOSITORY[:TAG]]" */
	const char *summary; /* "List images" */
	const char *aliases; /* "ls, images, list", or NULL */
	const char *prog;    /* "kist-store", or NULL for kist's own verbs */
	const char *child;   /* the child's verb: "ls" */
	const struct kflag *flags;
	int min_args, max_args; /* -1: any */
	kverb_fn fn;            /* NULL: run prog child with the arguments */
	const char *noun;       /* "image" or "object": for "No such ..." */
};

/* A command name and its verb; hidden names (aliases) stay out of --help. */
struct kentry {
	const char *name;
	const struct kverb *v;
	bool hidden;
};

/* A management command ("image", "system") and its verbs. */
struct kgroup {
	const char *name;
	const char *summary;
	const struct kentry *verbs;
};

/* exec.c */
/* Run prog (next to kist's own binary, else from PATH) with --root and
 * --debug passed through, then args.  The child's stderr is read line by
 * line and its errors are given docker's wording ("Error: No such image:
 * x"; noun "object" says "No such object").  Returns the exit code to
 * exit with: the child's, a usage error of the child as 125. */
int kist_run(const struct kist *k, const char *prog, char *const *args, const char *noun,
	     struct err **err);
/* As kist_run, capturing the child's stdout (at most max bytes) into *out. */
int kist_capture(const struct kist *k, const char *prog, char *const *args, const char *noun,
		 size_t max, char **out, struct err **err);

/* As kist_capture, with the child's stderr kept raw in *errtext (nothing
 * printed); kist_print_error prints such text with docker's wording. */
int kist_capture_err(const struct kist *k, const char *prog, char *const *args, size_t max,
		     char **out, char **errtext, struct err **err);
void kist_print_error(const char *prog, const char *errtext, const char *noun);
/* Run prog with args as they are (no --root), on kist's own stdio; returns
 * its exit code (a signal death as 128+N). */
int kist_spawn(const char *prog, char *const *args, struct err **err);

/* verbs.c */
extern const struct kentry kist_commands[]; /* top-level commands */
extern const struct kgroup kist_groups[];   /* management commands */
const struct kentry *kist_find(const struct kentry *table, const char *name);
/* Parse argv (argv[0] the verb as typed, after the group if any) against
 * v's flags and run it. */
int kverb_main(const struct kist *k, const struct kverb *v, const char *typed, int argc,
	       char **argv);
void kverb_help(const struct kverb *v, const char *typed);

/* cmd_image.c, cmd_system.c: verbs with a body of their own */
int kist_image_prune(const struct kist *k, const struct kverb *v, char **args,
		     const char *const *vals, struct err **err);
int kist_inspect(const struct kist *k, const struct kverb *v, char **args, const char *const *vals,
		 struct err **err);
int kist_version_cmd(const struct kist *k, const struct kverb *v, char **args,
		     const char *const *vals, struct err **err);
int kist_info(const struct kist *k, const struct kverb *v, char **args, const char *const *vals,
	      struct err **err);

/* cmd_container.c: the container verbs */
#define KVERB_FN(name)                                                                             \
	int name(const struct kist *k, const struct kverb *v, char **args,                         \
		 const char *const *vals, struct err **err)
KVERB_FN(kist_run_cmd);
KVERB_FN(kist_create);
KVERB_FN(kist_start);
KVERB_FN(kist_stop);
KVERB_FN(kist_kill);
KVERB_FN(kist_rm);
KVERB_FN(kist_wait);
KVERB_FN(kist_cleanup);
KVERB_FN(kist_logs);
KVERB_FN(kist_attach);
KVERB_FN(kist_exec);
KVERB_FN(kist_runtime_verb);
KVERB_FN(kist_container_prune);

/* mounts.c: run/create's -v, --mount and --tmpfs into the overrides (Binds,
 * Volumes, Mounts, Tmpfs) as docker's CLI sends them; a malformed --mount
 * is a usage error. */
struct cJSON;
void kist_mount_overrides(char **args, struct cJSON *ov);

/* cmd_volume.c: kist volume create, ls, inspect, rm, prune */
extern const struct kentry kist_volume_verbs[];

/* cmd_stats.c: docker's stats table over kist-runtime's events --stats */
extern const struct kverb kist_v_stats;
KVERB_FN(kist_stats);

/* sigproxy.c: kist_spawn, with the signals kist receives passed on to the
 * child (docker's --sig-proxy) while it runs. */
int kist_spawn_proxy(const char *prog, char *const *args, struct err **err);

/* cmd_cp.c: docker cp, done by kist-store cp */
extern const struct kverb kist_v_cp;

/* $KIST_RUN, or /run/kist: where the shims and the runtime keep their state */
const char *kist_run_dir(void);

/* network.c: networking flags of run/create (io.kist.* annotations and
 * overrides; -1 when the error was printed), kist-net up/down around a
 * container's life, the shim's exit command, `kist port`. */
int kist_net_overrides(const struct kist *k, char **args, struct cJSON *ov, struct cJSON *ann);
int kist_net_up(const struct cJSON *doc);
void kist_net_down(const struct cJSON *doc);
void kist_net_release(const struct kist *k, const char *id); /* down, by id */
/* the shim's exit command: `kist container cleanup [--rm] ID` (auto_remove:
 * docker's AutoRemove), else `kist-net down ID`, or none */
void kist_exit_command(const struct cJSON *doc, bool auto_remove, char ***args);
KVERB_FN(kist_port);

/* names.c: docker-like generated container names, "adjective_surname". */
char *names_generate(unsigned retry);

#endif
