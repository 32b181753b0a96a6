/* json.h: helpers over cJSON.  Typed getters name the JSON path of a bad
 * field ("'process.args' must be an array of strings"). */
#ifndef KIST_JSON_H
#define KIST_JSON_H

#include <cjson/cJSON.h> /* cJSON */
#include <stdbool.h>     /* bool */
#include <stdint.h>      /* int64_t */
#include <sys/types.h>   /* mode_t */

struct err;

/* Default cap for JSON files read from disk or the network. */
#define JSON_MAX_SIZE (4u << 20)

void cleanup_jsonp(cJSON **j);
#define cleanup_json __attribute__((cleanup(cleanup_jsonp)))

/* Parse len bytes; `what` names the input in errors
 * ("parse config.json: invalid JSON near byte 12"). */
cJSON *json_parse(const char *text, size_t len, const char *what, struct err **err);
/* Read (capped at max bytes; 0 means JSON_MAX_SIZE) and parse a file. */
cJSON *json_load_file(const char *path, size_t max, struct err **err);
cJSON *json_load_fileat(int dirfd, const char *path, size_t max, struct err **err);
/* Serialise (pretty, tab-indented, final newline) and write atomically
 * (temp + fsync + rename + fsync dir). */
int json_write_file(const char *path, const cJSON *doc, mode_t mode, struct err **err);
int json_write_fileat(int dirfd, const char *path, const cJSON *doc, mode_t mode, struct err **err);
/* malloc'd text (aborts on OOM); pretty = indented with tabs as cJSON does. */
char *json_print(const cJSON *doc, bool pretty);

/* Typed getters.  `path` is the JSON path of obj ("" for the root, or e.g.
 * "process"); the field's path in errors is path + "." + key.
 * Return 1 when found and well typed, 0 when absent (and not required),
 * -1 with err set when absent and required or of the wrong type.
 * A JSON null counts as absent.  *out is only written on success (1).
 * Returned strings and objects are borrowed from the tree. */
int json_get_string(const cJSON *obj, const char *path, const char *key, bool required,
		    const char **out, struct err **err);
int json_get_bool(const cJSON *obj, const char *path, const char *key, bool required, bool *out,
		  struct err **err);
int json_get_int64(const cJSON *obj, const char *path, const char *key, bool required, int64_t *out,
		   struct err **err);
/* Like int64 but also checks 0 <= v <= UINT32_MAX. */
int json_get_uint32(const cJSON *obj, const char *path, const char *key, bool required,
		    uint32_t *out, struct err **err);
int json_get_object(const cJSON *obj, const char *path, const char *key, bool required,
		    const cJSON **out, struct err **err);
int json_get_array(const cJSON *obj, const char *path, const char *key, bool required,
		   const cJSON **out, struct err **err);
/* Array of strings -> malloc'd NULL-terminated vector (free with strv_free). */
int json_get_strv(const cJSON *obj, const char *path, const char *key, bool required, char ***out,
		  struct err **err);
/* Object of string values -> "k=v" vector (for labels/annotations). */
int json_get_string_map(const cJSON *obj, const char *path, const char *key, bool required,
			char ***out, struct err **err);

/* Builders that abort on OOM. */
cJSON *json_strv_to_array(char *const *v);

#endif
