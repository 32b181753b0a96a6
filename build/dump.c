/* dump.c: a parsed Dockerfile as JSON lines (dockerfile_to_json), for
 * tests and for looking at what the parser made of a file. */
#define _GNU_SOURCE
#include <stdlib.h> /* free */

#include "build/dockerfile.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"

static cJSON *instr_json(const struct df_instr *in)
{
	cJSON *o = cJSON_CreateObject(), *a;

	if (!o)
		die_oom();
	cJSON_AddNumberToObject(o, "line", in->line);
	cJSON_AddStringToObject(o, "instruction", df_kind_name(in->kind));
	cJSON_AddStringToObject(o, "original", in->original);
	if (in->nflags) {
		a = cJSON_AddObjectToObject(o, "flags");
		for (size_t i = 0; i < in->nflags; i++) {
			cJSON *v = in->flags[i].value ? cJSON_CreateString(in->flags[i].value)
						      : cJSON_CreateTrue();
			cJSON *prev = cJSON_GetObjectItemCaseSensitive(a, in->flags[i].name);

			if (prev && !cJSON_IsArray(prev)) { /* repeated (--mount): an array */
				cJSON *arr = cJSON_CreateArray();

				cJSON_AddItemToArray(arr, cJSON_Duplicate(prev, true));
				cJSON_ReplaceItemInObjectCaseSensitive(a, in->flags[i].name, arr);
				prev = arr;
			}
			if (prev)
				cJSON_AddItemToArray(prev, v);
			else
				cJSON_AddItemToObject(a, in->flags[i].name, v);
		}
	}
	if (in->json)
		cJSON_AddTrueToObject(o, "json");
	if (in->nargs) {
		a = cJSON_AddArrayToObject(o, "args");
		for (size_t i = 0; i < in->nargs; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(in->args[i]));
	}
	if (in->nkvs) {
		a = cJSON_AddArrayToObject(o, "pairs");
		for (size_t i = 0; i < in->nkvs; i++) {
			cJSON *kv = cJSON_CreateArray();

			cJSON_AddItemToArray(kv, cJSON_CreateString(in->kvs[i].key));
			if (in->kvs[i].has_value)
				cJSON_AddItemToArray(kv, cJSON_CreateString(in->kvs[i].value));
			cJSON_AddItemToArray(a, kv);
		}
	}
	if (in->nheredocs) {
		a = cJSON_AddArrayToObject(o, "heredocs");
		for (size_t i = 0; i < in->nheredocs; i++) {
			cJSON *h = cJSON_CreateObject();

			cJSON_AddStringToObject(h, "name", in->heredocs[i].name);
			cJSON_AddStringToObject(h, "content", in->heredocs[i].content);
			cJSON_AddBoolToObject(h, "expand", in->heredocs[i].expand);
			cJSON_AddBoolToObject(h, "chomp", in->heredocs[i].chomp);
			cJSON_AddItemToArray(a, h);
		}
	}
	if (in->onbuild)
		cJSON_AddItemToObject(o, "trigger", instr_json(in->onbuild));
	return o;
}

char *dockerfile_to_json(const struct dockerfile *df)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < df->ninstrs; i++) {
		cleanup_json cJSON *o = instr_json(&df->instrs[i]);
		cleanup_free char *s = json_print(o, false);
		int stage = -1;

		for (size_t k = 0; k < df->nstages; k++)
			if (i >= df->stages[k].from && i < df->stages[k].end)
				stage = (int)k;
		buf_addf(&b, "{\"stage\":%d,%s\n", stage, s + 1);
	}
	return buf_detach(&b, NULL);
}
