/* df_internal.h: what the Dockerfile parser's files share among themselves
 * (not part of build/dockerfile.h's interface). */
#ifndef KIST_BUILD_DF_INTERNAL_H
#define KIST_BUILD_DF_INTERNAL_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */

struct df_instr;
struct err;

/* Options of df_shell_process (buildkit's shell.Lex switches). */
enum {
	DF_SH_RAW_QUOTES = 1 << 0,  /* keep quote characters in the result */
	DF_SH_RAW_ESCAPES = 1 << 1, /* keep escape characters in the result */
	DF_SH_SKIP_UNSET = 1 << 2,  /* leave $V as written when V is unset */
	DF_SH_SKIP_QUOTES = 1 << 3, /* quotes are plain characters */
};

/* Docker's word processing of text: quotes, escapes and $ expansion from
 * vars ("K=V" list, may be NULL).  *result (if result) gets the text as one
 * word (ProcessWord), *words (if words) the whitespace-separated words
 * (ProcessWords).  -1 with err set on a syntax error. */
int df_shell_process(const char *text, const char *const *vars, char escape, unsigned flags,
		     char **result, char ***words, struct err **err);

/* The value of name (len bytes) in vars ("K=V" list; the last wins), or
 * NULL when unset. */
const char *df_var_lookup(const char *const *vars, const char *name, size_t len);

/* The raw --flags of in (df_extract_flags) checked against what its kind
 * takes and stored in in->flags (flags.c); err without the line. */
int df_flags_parse(struct df_instr *in, char **raw, struct err **err);
/* " (did you mean X?)" for a word within two edits of one of names (NULL
 * entries skipped), prefix before it, in the word's case when fix_case;
 * "" if none (malloc'd). */
char *df_suggest(const char *word, const char *const *names, size_t n, const char *prefix,
		 bool fix_case);

/* What RUN --mount=spec's text alone can tell (runmount.c): its CSV, and
 * no variable in from=. */
int df_mount_precheck(const char *spec, struct err **err);

/* Go's path.Clean of s (malloc'd). */
char *df_path_clean(const char *s);

/* The Dockerfile's lines (lexer.c): physical lines, parser directives at
 * the top, comments, line continuations, heredoc bodies. */
struct df_lexer {
	const char *text;
	size_t len, pos;
	int line; /* physical lines read so far */
	char escape;
	bool directives_done;
	bool seen_syntax, seen_escape, seen_check;
	char *syntax; /* the syntax directive's value (owned) */
	const char *name;
};

void df_lexer_init(struct df_lexer *lx, const char *text, size_t len, const char *name);
void df_lexer_release(struct df_lexer *lx);
/* The next instruction's text, continuation lines joined (comment lines
 * and empty lines inside it skipped, the escape character and what follows
 * it at a line's end removed): 1 with *line (malloc'd) and *start (its
 * first line), 0 at the end of the text, -1 with err set on a bad
 * directive. */
int df_lex_line(struct df_lexer *lx, char **line, int *start, struct err **err);
/* A heredoc's body: the lines up to one equal to name (after its leading
 * tabs when chomp), each with its newline.  0, or -1 when the text ends
 * first (*content is then NULL). */
int df_lex_heredoc(struct df_lexer *lx, const char *name, bool chomp, char **content);

/* Docker's splitting of an instruction's line (lexer.c). */
/* The --flags at the start of s, quotes removed (NULL-terminated; a "--"
 * word ends them); *rest gets what follows. */
char **df_extract_flags(const char *s, const char **rest);
/* Words separated by blanks, quotes and escapes kept (ENV, LABEL, ARG). */
char **df_parse_words(const char *s, char escape);
/* Words separated by runs of [ \t\v\f\r] (FROM, EXPOSE, COPY, ...). */
char **df_split_blanks(const char *s);
bool df_is_space(int c);

#endif
