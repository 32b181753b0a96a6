/* template_tree.h: the parsed form of a template, shared by the parser
 * (template.c) and the evaluator (template_exec.c).  Not a public API. */
#ifndef KIST_TEMPLATE_TREE_H
#define KIST_TEMPLATE_TREE_H

#include <stddef.h> /* size_t */

enum term_kind { T_DOT, T_FIELD, T_VAR, T_STR, T_NUM, T_BOOL, T_NIL, T_FUNC, T_PIPE };

struct pipe;

struct term {
	enum term_kind kind;
	char *name;    /* T_VAR: "$x" or "$"; T_FUNC: function name */
	char **fields; /* field chain after ., $x or (...) */
	char *str;     /* T_STR */
	double num;    /* T_NUM, T_BOOL */
	struct pipe *pipe;
	char *text; /* source text, for messages */
};

struct cmd {
	struct term *args;
	size_t n;
};

struct pipe {
	char **decl; /* declared variables ($k, $v := ...) */
	struct cmd *cmds;
	size_t n;
};

enum node_kind { N_TEXT, N_ACTION, N_IF, N_RANGE, N_WITH };

struct node;
struct list {
	struct node *nodes;
	size_t n;
};

struct node {
	enum node_kind kind;
	char *text; /* N_TEXT */
	struct pipe *pipe;
	struct list body, alt;
	int line, col;
};

struct tmpl {
	struct list root;
};

#endif
