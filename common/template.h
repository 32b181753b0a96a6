/* template.h: the subset of Go's text/template that docker's --format takes,
 * rendered over cJSON values (objects play Go's maps and structs).
 *
 *   {{.}} {{.Field}} {{.A.B}} {{$}} {{$v}} {{$v.Field}} "str" `raw` 42 true
 *   {{if P}}..{{else if P}}..{{else}}..{{end}}  {{with P}}..{{end}}
 *   {{range P}}..{{else}}..{{end}}  {{range $k, $v := P}}..{{end}}  {{$x := P}}
 *   pipelines (a | f b), parentheses, {{- and -}} trimming, {{/ * comments * /}}
 *   functions: json index join lower upper title split len printf print
 *   println truncate pad eq ne lt le gt ge not and or
 *
 * Errors follow Go's wording: "template: :LINE: unclosed action" at parse
 * time, "template: :LINE:COL: executing \"\" at <.X>: ..." at run time. */
#ifndef KIST_TEMPLATE_H
#define KIST_TEMPLATE_H

#include <stdbool.h>     /* bool */
#include "common/buf.h"  /* struct buf */
#include "common/json.h" /* cJSON */

struct err;
struct tmpl;

/* Parse text; NULL with *err set on a syntax error. */
struct tmpl *tmpl_parse(const char *text, struct err **err);
/* Render t over data, appending to out.  With strict, a field missing from
 * an object is an error (docker's listings, whose rows are structs);
 * otherwise it prints "<no value>" as Go does for maps (inspect).
 * Returns 0, or -1 with *err set (out then holds a partial rendering). */
int tmpl_render(const struct tmpl *t, const cJSON *data, bool strict, struct buf *out,
		struct err **err);
void tmpl_free(struct tmpl *t);
void cleanup_tmplp(struct tmpl **t);
#define cleanup_tmpl __attribute__((cleanup(cleanup_tmplp)))

/* Append v as Go's fmt prints it with %v: strings bare, integral numbers
 * without a fraction, arrays "[a b]", objects "map[k:v]" (keys sorted),
 * null "<nil>", NULL (a missing value) "<no value>". */
void tmpl_print_value(struct buf *out, const cJSON *v);

#endif
