/* fuzz_template.c: docker's --format templates (common/template*.c) and the
 * listing writer over them (common/format.c).  The input is the template;
 * after a first "\n--\n", the rest is the JSON it is rendered over (else a
 * fixed inspect-like document). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include "common/buf.h"
#include "common/err.h"
#include "common/format.h"
#include "common/json.h"
#include "common/template.h"
#include "tests/fuzz/fuzz.h"

static const char fixed_data[] =
    "{\"ID\":\"sha256:abc\",\"Size\":1234,\"Ratio\":0.5,\"On\":true,\"Nil\":null,"
    "\"Tags\":[\"a:1\",\"b:2\"],\"Empty\":[],\"Neg\":-3,\"Big\":1e300,"
    "\"Config\":{\"Labels\":{\"z\":\"last\",\"k\":\"v\"},\"Cmd\":[\"sh\",\"-c\"],"
    "\"User\":\"\"}}";

static const struct fmt_field fields[] = {
    {"ID", "IMAGE ID"}, {"Size", "SIZE"}, {"Tags", "TAGS"}, {"Config", "CONFIG"}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size);
	char *sep = strstr(text, "\n--\n");
	struct err *e = NULL;
	cJSON *doc = NULL;
	struct tmpl *t;

	if (sep) {
		*sep = '\0';
		doc = cJSON_Parse(sep + 4);
	}
	if (!doc)
		doc = cJSON_Parse(fixed_data);
	t = tmpl_parse(text, &e);
	if (t) {
		for (int strict = 0; strict < 2; strict++) {
			struct buf out = BUF_INIT;
			struct err *e2 = NULL;

			(void)tmpl_render(t, doc, strict, &out, &e2);
			err_free(e2);
			buf_release(&out);
		}
		tmpl_free(t);
	}
	err_free(e);
	e = NULL;
	{
		struct fmt_table *ft = fmt_table_new(text, "table {{.ID}}\t{{.Size}}", fields,
						     sizeof(fields) / sizeof(fields[0]), &e);
		if (ft) {
			FILE *null = fopen("/dev/null", "w");

			if (fmt_table_row_json(ft, doc, &e) == 0 && null)
				fmt_table_flush(ft, null);
			if (null)
				fclose(null);
			fmt_table_free(ft);
		}
		err_free(e);
	}
	cJSON_Delete(doc);
	free(text);
	return 0;
}
