/* dockerfile.h: a Dockerfile as kist-build reads it: the parser (text ->
 * instructions, with docker's line continuations, comments, parser
 * directives, heredocs, exec and shell forms), variable expansion where
 * docker expands, and .dockerignore patterns.
 *
 * The parser does not expand variables: expansion needs the build's ARG and
 * ENV values at each step, which only the executor knows.  It checks what can
 * be checked from the text alone (unknown instructions, a missing FROM,
 * unterminated heredocs, malformed JSON forms, flags an instruction does not
 * take) and names the Dockerfile line in every error. */
#ifndef KIST_BUILD_DOCKERFILE_H
#define KIST_BUILD_DOCKERFILE_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */

struct err;

enum df_kind {
	DF_FROM,
	DF_RUN,
	DF_CMD,
	DF_ENTRYPOINT,
	DF_WORKDIR,
	DF_ENV,
	DF_ARG,
	DF_LABEL,
	DF_MAINTAINER,
	DF_EXPOSE,
	DF_VOLUME,
	DF_USER,
	DF_SHELL,
	DF_STOPSIGNAL,
	DF_HEALTHCHECK,
	DF_ONBUILD,
	DF_COPY,
	DF_ADD,
};

/* "FROM", "RUN", ... */
const char *df_kind_name(enum df_kind k);

/* An instruction flag: `--from=build` is {"from", "build"}; a bare `--link`
 * is {"link", NULL}.  Repeated flags (RUN --mount) are repeated entries, in
 * order. */
struct df_flag {
	char *name;
	char *value;
};

/* `<<EOF` (expand true), `<<"EOF"` / `<<'EOF'` (expand false: no variable
 * expansion in the body), `<<-EOF` (chomp: leading tabs stripped from the
 * body lines). */
struct df_heredoc {
	char *name;    /* the delimiter word: "EOF" */
	char *content; /* the body, each line with its newline (tabs chomped) */
	bool expand;
	bool chomp;
};

/* A key=value pair of ENV, LABEL and ARG (ARG's value may be absent:
 * has_value false).  Key and value are as written, quotes and escapes
 * included (`ENV a="x y"` has value "\"x y\""): docker removes them when it
 * expands, so df_expand(value) gives the value (single quotes keeping $
 * literal).  In `ENV k v w` the value is the rest of the line, "v w". */
struct df_kv {
	char *key;
	char *value;
	bool has_value;
};

struct df_instr {
	enum df_kind kind;
	int line;       /* 1-based line of the instruction's first line */
	char *original; /* as written, continuations joined, for "Step N/M : ..." */
	struct df_flag *flags;
	size_t nflags;
	/* Exec (JSON) form: json is true and args are the array's strings.
	 * Shell form: json is false and args holds one string, the rest of the
	 * line after the flags (unexpanded; for RUN it goes to the SHELL).
	 * COPY and ADD in shell form: args are the whitespace-separated words
	 * (sources then destination), as written: each goes through df_expand
	 * (quotes removed there).  EXPOSE, VOLUME (shell form): the words
	 * (EXPOSE's each through df_words, VOLUME's through df_expand).
	 * WORKDIR, USER, STOPSIGNAL, MAINTAINER: one arg, the rest of the line.
	 * FROM: args are the image, then "AS", name if given.  HEALTHCHECK NONE:
	 * args is {"NONE"}; HEALTHCHECK [flags] CMD ...: the CMD's form in
	 * json/args as for CMD.  ONBUILD: args holds the trigger instruction as
	 * written, and onbuild the parsed trigger. */
	bool json;
	char **args;
	size_t nargs;
	/* ENV, LABEL, ARG (and MAINTAINER: none): the pairs, both syntaxes
	 * (`ENV k v` and `ENV k=v k2="v 2"`), quotes removed as docker does,
	 * values unexpanded. */
	struct df_kv *kvs;
	size_t nkvs;
	struct df_heredoc *heredocs; /* RUN, COPY, ADD */
	size_t nheredocs;
	struct df_instr *onbuild; /* ONBUILD's trigger, or NULL */
	struct df_health *health; /* HEALTHCHECK's, or NULL */
};

/* HEALTHCHECK's settings, checked: durations in nanoseconds, 0 when not
 * given (docker's defaults then apply), as the image config stores them. */
struct df_health {
	bool none; /* HEALTHCHECK NONE */
	long long interval_ns;
	long long timeout_ns;
	long long start_period_ns;
	long long start_interval_ns;
	int retries;
};

/* The last flag named name ("from") of in, or NULL.  The boolean flags
 * --link and --parents are there, with value NULL, only when true
 * (`--link=false` leaves none); ADD's --unpack and --keep-git-dir, whose
 * false differs from their absence, have value "true" or "false". */
const struct df_flag *df_instr_flag(const struct df_instr *in, const char *name);
/* The heredoc a COPY/ADD source word ("<<EOF", "<<-'EOF'") names, or NULL
 * when the word is a path. */
const struct df_heredoc *df_instr_heredoc(const struct df_instr *in, const char *word);

/* One FROM and the instructions after it up to the next FROM. */
struct df_stage {
	char *name;  /* the AS name, lowercased, or NULL */
	size_t from; /* index in dockerfile.instrs of the FROM */
	size_t end;  /* one past the stage's last instruction */
};

struct dockerfile {
	char escape;  /* '\\' or '`' (the escape directive) */
	char *syntax; /* the syntax directive's value, or NULL */
	struct df_instr *instrs;
	size_t ninstrs;
	size_t nmeta; /* instrs[0..nmeta) are the ARGs before the first FROM */
	struct df_stage *stages;
	size_t nstages;
};

/* Parse a Dockerfile's text; name is what errors call it ("Dockerfile").
 * Errors read "Dockerfile:7: unknown instruction: FORM" (the line number is
 * the instruction's first line). */
int dockerfile_parse(const char *text, size_t len, const char *name, struct dockerfile **out,
		     struct err **err);
void dockerfile_free(struct dockerfile *df);

/* The instructions as JSON lines (malloc'd), one object a line:
 * {"stage":0,"line":3,"instruction":"COPY","original":"...","flags":
 * {"from":"b","link":true,"mount":[...]},"json":true,"args":[...],
 * "pairs":[["k","v"]],"heredocs":[{"name","content","expand","chomp"}],
 * "trigger":{...}}; stage is -1 for the ARGs before the first FROM. */
char *dockerfile_to_json(const struct dockerfile *df);

/* The stage named name (an AS name, case-insensitive) or numbered ("0",
 * "1", ...); -1 if there is none. */
int dockerfile_stage(const struct dockerfile *df, const char *name);

/* Variables for expansion: a NULL-terminated list of "KEY=VALUE" strings
 * (the later of two same keys wins). */
/* Docker's processing of one word (buildkit's ProcessWord) for the
 * instructions it expands (FROM, ENV, ARG, LABEL, EXPOSE, VOLUME, USER,
 * WORKDIR, COPY, ADD, STOPSIGNAL, and the flags of COPY/ADD/RUN --mount):
 * $V, ${V}, ${V:-word}, ${V-word}, ${V:+word}, ${V+word}, ${V:?msg},
 * ${V?msg}, ${V#pat}, ${V##pat}, ${V%pat}, ${V%%pat}, ${V/pat/repl},
 * ${V//pat/repl} expand (unset is empty); quotes are removed (single quotes
 * keep everything literal; in double quotes the escape character escapes
 * only " $ and itself); the escape character outside quotes takes the next
 * character literally (`\$V` stays "$V").  Whitespace is kept: one word
 * out.  Errors (bad substitution, unterminated quote, ${V:?msg}) read
 * "failed to process \"${V:?}\": V: is not allowed to be unset". */
int df_expand(const char *word, const char *const *vars, char escape, char **out, struct err **err);
/* df_expand, and the names of the variables word refers to (set or not)
 * appended to *used (a NULL-terminated vector, *used may be NULL; each name
 * once): what a step's cache key depends on. */
int df_expand_used(const char *word, const char *const *vars, char escape, char **out, char ***used,
		   struct err **err);
/* ENV's, LABEL's or ARG's pairs expanded as docker does: every key and
 * value with vars as they were before the instruction, so `ENV a=1 b=$a`
 * gives b the old a.  *out: "KEY=VALUE" each (an ARG without a default:
 * "KEY"), NULL-terminated. */
int df_expand_kvs(const struct df_instr *in, const char *const *vars, char escape, char ***out,
		  struct err **err);
/* A COPY/ADD heredoc's body (expand true), as docker expands it: variables
 * expanded, quotes kept as plain characters, the backslash escaping the
 * next character ("\\$A" gives "$A"). */
int df_expand_heredoc(const char *content, const char *const *vars, char **out, struct err **err);
/* Split a shell-form argument into words as docker does for EXPOSE
 * (buildkit's ProcessWords): as df_expand, and then unquoted whitespace,
 * including whitespace a variable's value brings, separates words (empty
 * words are dropped).  NULL-terminated malloc'd vector in *out. */
int df_words(const char *text, const char *const *vars, char escape, char ***out, struct err **err);

/* RUN --mount=VALUE, parsed as docker does: CSV fields, key=value (bare
 * ro, rw, required), values expanded with vars (df_expand), the type's
 * defaults (read-only but for cache and tmpfs) and checks.  Errors read
 * "unexpected key 'x' in 'x=1'", "unsupported mount type \"nfs\" ...". */
enum df_mount_type { DF_MOUNT_BIND, DF_MOUNT_CACHE, DF_MOUNT_TMPFS, DF_MOUNT_SECRET, DF_MOUNT_SSH };
enum df_mount_sharing {
	DF_SHARING_DEFAULT, /* not given: shared */
	DF_SHARING_SHARED,
	DF_SHARING_PRIVATE,
	DF_SHARING_LOCKED,
};

struct df_mount {
	enum df_mount_type type; /* bind when not given */
	char *from;              /* stage or image (bind, cache), or NULL */
	char *source;            /* or NULL */
	char *target;            /* or NULL */
	char *id;                /* cache or secret id, or NULL */
	char *env;               /* secret's env=, or NULL */
	bool readonly;
	bool required;  /* secret, ssh */
	long long size; /* tmpfs size= in bytes, 0 if not given */
	enum df_mount_sharing sharing;
	bool has_mode, has_uid, has_gid;
	unsigned mode, uid, gid;
};

int df_mount_parse(const char *spec, const char *const *vars, char escape, struct df_mount *out,
		   struct err **err);
void df_mount_release(struct df_mount *m);
/* "bind", "cache", ... */
const char *df_mount_type_name(enum df_mount_type t);

/* .dockerignore: docker's rules (filepath.Match patterns with **, cleaned
 * paths, leading / ignored, `!` exceptions, later lines win). */
struct dockerignore;
int dockerignore_parse(const char *text, size_t len, struct dockerignore **out, struct err **err);
void dockerignore_free(struct dockerignore *d);
/* Is path (relative to the context root, '/'-separated, no leading "./")
 * excluded?  A directory that is excluded may still hold an excepted file:
 * dockerignore_may_hold_exception tells whether to walk into it. */
bool dockerignore_excluded(const struct dockerignore *d, const char *path);
bool dockerignore_may_hold_exception(const struct dockerignore *d, const char *dir);

#endif
