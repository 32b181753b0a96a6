/* cmd_volume.c: volume-create, volume-ls, volume-inspect, volume-rm,
 * volume-prune: docker's volume verbs over ROOT/volumes (volume.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/format.h"
#include "common/json.h"
#include "common/log.h"
#include "common/template.h"
#include "common/util.h"
#include "store/store.h"

#define HELP(text)                                                                                 \
	do {                                                                                       \
		fputs(text, stdout);                                                               \
		return EXIT_OK;                                                                    \
	} while (0)

static const char create_usage[] =
    "usage: kist-store volume-create [--label K=V]... [--driver local] [NAME]\n"
    "Make the volume ROOT/volumes/NAME (a random 64-hex name without NAME) unless\n"
    "it exists; print its name.  NAME: [a-zA-Z0-9][a-zA-Z0-9_.-]+\n";

int cmd_volume_create(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {{"label", required_argument, NULL, 'l'},
					     {"driver", required_argument, NULL, 'd'},
					     STORE_HELP_OPT,
					     {NULL, 0, NULL, 0}};
	struct store *s = g;
	cleanup_json cJSON *labels = cJSON_CreateObject();
	cleanup_close int lock = -1;
	char hex[65];
	const char *name = hex;
	bool created;
	int c;

	while ((c = cli_getopt(argc, argv, "+l:d:h", opts, NULL)) != -1) {
		if (c == 'l') {
			const char *eq = strchr(optarg, '=');
			cleanup_free char *k =
			    eq ? xstrndup(optarg, (size_t)(eq - optarg)) : xstrdup(optarg);

			cJSON_DeleteItemFromObjectCaseSensitive(labels, k);
			cJSON_AddStringToObject(labels, k, eq ? eq + 1 : "");
		} else if (c == 'd') {
			if (!streq(optarg, "local"))
				return err_set_code(err, ENOENT,
						    "error looking up volume plugin %s: plugin "
						    "\"%s\" not found",
						    optarg, optarg);
		} else if (c == 'h') {
			HELP(create_usage);
		} else {
			cli_usage_error("volume-create: unknown option");
		}
	}
	if (argc - optind > 1)
		cli_usage_error("volume-create: at most one NAME");
	if (optind < argc) {
		if (volume_name_check(argv[optind], err) < 0)
			return -1;
		name = argv[optind];
	} else {
		store_random_hex(hex);
	}
	if (store_open(s, err) < 0)
		return -1;
	lock = volume_lock(s, err);
	if (lock < 0 || volume_create_locked(s, name, labels, false, &created, err) < 0)
		return -1;
	printf("%s\n", name);
	return EXIT_OK;
}

/* ---- ls ---- */

enum { V_NAME, V_DRIVER, V_SCOPE, V_MOUNTPOINT, V_LABELS, V_LINKS, V_SIZE, V_CREATED, V_N };
static const struct fmt_field vol_fields[V_N] = {
    [V_NAME] = {"Name", "VOLUME NAME"}, [V_DRIVER] = {"Driver", "DRIVER"},
    [V_SCOPE] = {"Scope", "SCOPE"},     [V_MOUNTPOINT] = {"Mountpoint", "MOUNTPOINT"},
    [V_LABELS] = {"Labels", "LABELS"},  [V_LINKS] = {"Links", "LINKS"},
    [V_SIZE] = {"Size", "SIZE"},        [V_CREATED] = {"CreatedAt", "CREATED AT"},
};

static const char ls_usage[] =
    "usage: kist-store volume-ls [-q] [--filter F]... [--format F]\n"
    "List volumes: DRIVER VOLUME NAME.\n"
    "  -f, --filter   dangling=true|false, name=SUBSTRING, label=K[=V], driver=local\n"
    "  -q, --quiet    names only\n"
    "      --format   table, json or a Go template over .Name .Driver .Scope\n"
    "                 .Mountpoint .Labels .Links .Size .CreatedAt\n";

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static char *labels_text(const cJSON *vol)
{
	struct buf b = BUF_INIT;
	const cJSON *e;

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(vol, "Labels"))
	{
		if (b.len)
			buf_addch(&b, ',');
		buf_addf(&b, "%s=%s", e->string, cJSON_IsString(e) ? e->valuestring : "");
	}
	return buf_detach(&b, NULL);
}

int cmd_volume_ls(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'},
					     {"filter", required_argument, NULL, 'f'},
					     {"format", required_argument, NULL, 'F'},
					     STORE_HELP_OPT,
					     {NULL, 0, NULL, 0}};
	struct store *s = g;
	cleanup_strv char **filters = NULL, **labels = NULL, **names = NULL, **vnames = NULL;
	const char *format = NULL;
	struct fmt_table *t = NULL;
	int dangling = -1, c, ret = -1;
	bool none = false;

	while ((c = cli_getopt(argc, argv, "+qf:h", opts, NULL)) != -1) {
		if (c == 'q')
			format = "{{.Name}}";
		else if (c == 'f')
			strv_push(&filters, optarg);
		else if (c == 'F')
			format = format && streq(format, "{{.Name}}") ? format : optarg;
		else if (c == 'h')
			HELP(ls_usage);
		else
			cli_usage_error("volume-ls: unknown option");
	}
	if (optind < argc)
		cli_usage_error("volume-ls: no arguments");
	for (char **f = filters; f && *f; f++) {
		char *k = *f, *v = strchr(k, '=');

		if (!v)
			return err_set_code(err, EINVAL,
					    "bad format of filter (expected name=value)");
		*v++ = '\0';
		if (streq(k, "dangling")) {
			if (streq(v, "true") || streq(v, "1"))
				dangling = 1;
			else if (streq(v, "false") || streq(v, "0"))
				dangling = 0;
			else
				return err_set_code(err, EINVAL,
						    "invalid filter 'dangling=%s': must be true or "
						    "false",
						    v);
		} else if (streq(k, "name")) {
			strv_push(&names, v);
		} else if (streq(k, "label")) {
			strv_push(&labels, v);
		} else if (streq(k, "driver")) {
			none = none || !streq(v, "local");
		} else {
			return err_set_code(err, EINVAL, "invalid filter '%s'", k);
		}
	}
	if (store_open(s, err) < 0)
		return -1;
	t = fmt_table_new(format, "table {{.Driver}}\t{{.Name}}", vol_fields, V_N, err);
	if (!t)
		return -1;
	vnames = none ? xcalloc(1, sizeof(char *)) : volume_names(s);
	for (char **n = vnames; *n; n++) {
		cleanup_json cJSON *vol = volume_get(s, *n, NULL);
		cleanup_strv char **users = NULL;
		cleanup_free char *ltext = NULL, *links = NULL;
		char *vals[V_N];
		bool ok = !names;

		if (!vol)
			continue;
		for (char **m = names; m && *m && !ok; m++)
			ok = strstr(*n, *m) != NULL;
		if (!ok || !volume_labels_match(vol, labels))
			continue;
		if (volume_users(s, *n, &users, err) < 0)
			goto out;
		if (dangling >= 0 && (dangling == 1) != (users == NULL))
			continue;
		ltext = labels_text(vol);
		links = xasprintf("%zu", strv_len(users));
		vals[V_NAME] = *n;
		vals[V_DRIVER] = (char *)str_of(vol, "Driver");
		vals[V_SCOPE] = (char *)str_of(vol, "Scope");
		vals[V_MOUNTPOINT] = (char *)str_of(vol, "Mountpoint");
		vals[V_LABELS] = ltext;
		vals[V_LINKS] = links;
		vals[V_SIZE] = "N/A";
		vals[V_CREATED] = (char *)str_of(vol, "CreatedAt");
		if (fmt_table_row(t, vals, err) < 0)
			goto out;
	}
	fmt_table_flush(t, stdout);
	ret = EXIT_OK;
out:
	fmt_table_free(t);
	return ret;
}

/* ---- inspect ---- */

int cmd_volume_inspect(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'}, STORE_HELP_OPT, {NULL, 0, NULL, 0}};
	struct store *s = g;
	cleanup_tmpl struct tmpl *t = NULL;
	cleanup_json cJSON *arr = cJSON_CreateArray();
	int c, ret = EXIT_OK;

	while ((c = cli_getopt(argc, argv, "+f:h", opts, NULL)) != -1) {
		if (c == 'f') {
			tmpl_free(t);
			t = tmpl_parse(optarg, err);
			if (!t)
				return -1;
		} else if (c == 'h') {
			HELP("usage: kist-store volume-inspect [--format F] NAME...\n"
			     "Show volumes as docker volume inspect does (a JSON array; --format: "
			     "a Go\ntemplate per volume).\n");
		} else {
			cli_usage_error("volume-inspect: unknown option");
		}
	}
	if (optind >= argc)
		cli_usage_error("volume-inspect: want a NAME");
	if (store_open(s, err) < 0)
		return -1;
	for (int i = optind; i < argc; i++) {
		struct err *e2 = NULL;
		cJSON *vol = volume_get(s, argv[i], &e2);

		if (!vol) {
			if (e2->code == ENOENT)
				log_error("no such volume: '%s'", argv[i]);
			else
				err_print(e2);
			err_free(e2);
			ret = EXIT_FAIL;
			continue;
		}
		cJSON_AddItemToArray(arr, vol);
	}
	if (fmt_inspect_print(t, arr, err) < 0)
		return -1;
	return ret;
}

/* ---- rm / prune ---- */

int cmd_volume_rm(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"force", no_argument, NULL, 'f'}, STORE_HELP_OPT, {NULL, 0, NULL, 0}};
	struct store *s = g;
	cleanup_close int lock = -1;
	bool force = false;
	int c, ret = EXIT_OK;

	while ((c = cli_getopt(argc, argv, "+fh", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'h')
			HELP("usage: kist-store volume-rm [-f] NAME...\n"
			     "Remove volumes no container uses.  -f: a missing volume is no "
			     "error.\n");
		else
			cli_usage_error("volume-rm: unknown option");
	}
	if (optind >= argc)
		cli_usage_error("volume-rm: want a NAME");
	if (store_open(s, err) < 0)
		return -1;
	lock = volume_lock(s, err);
	if (lock < 0)
		return -1;
	for (int i = optind; i < argc; i++) {
		struct err *e2 = NULL;

		if (volume_remove_locked(s, argv[i], &e2) < 0) {
			if (!(force && e2->code == ENOENT)) {
				err_print(e2);
				ret = EXIT_FAIL;
			}
			err_free(e2);
			continue;
		}
		printf("%s\n", argv[i]);
	}
	return ret;
}

int cmd_volume_prune(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
					     {"filter", required_argument, NULL, 'f'},
					     STORE_HELP_OPT,
					     {NULL, 0, NULL, 0}};
	struct store *s = g;
	cleanup_strv char **labels = NULL, **removed = NULL;
	cleanup_free char *size = NULL;
	bool all = false;
	int64_t freed = 0;
	int c;

	while ((c = cli_getopt(argc, argv, "+af:h", opts, NULL)) != -1) {
		if (c == 'a') {
			all = true;
		} else if (c == 'f') {
			if (str_has_prefix(optarg, "label="))
				strv_push(&labels, optarg + strlen("label="));
			else if (streq(optarg, "all=true") || streq(optarg, "all=1"))
				all = true;
			else
				return err_set_code(err, EINVAL, "invalid filter '%.*s'",
						    (int)strcspn(optarg, "="), optarg);
		} else if (c == 'h') {
			HELP("usage: kist-store volume-prune [-a] [--filter label=K[=V]]...\n"
			     "Remove the anonymous volumes no container uses (-a: every unused "
			     "volume).\n");
		} else {
			cli_usage_error("volume-prune: unknown option");
		}
	}
	if (optind < argc)
		cli_usage_error("volume-prune: no arguments");
	if (store_open(s, err) < 0 || volume_prune(s, all, labels, &removed, &freed, err) < 0)
		return -1;
	if (removed) {
		printf("Deleted Volumes:\n");
		for (char **n = removed; *n; n++)
			printf("%s\n", *n);
		printf("\n");
	}
	size = fmt_size(freed);
	printf("Total reclaimed space: %s\n", size);
	return EXIT_OK;
}
