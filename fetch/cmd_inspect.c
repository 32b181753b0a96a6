/* cmd_inspect.c: kist-fetch inspect [--raw | --config] [--platform P] REF
 * Prints skopeo-inspect-like JSON (Name, Digest, RepoTags, Created,
 * DockerVersion, Labels, Architecture, Os, Layers, LayersData, Env), the
 * manifest bytes as served (--raw), or the image config (--config). */
#define _GNU_SOURCE
#include <getopt.h> /* getopt_long */
#include <stdio.h>  /* printf */
#include <stdlib.h> /* free */
#include <unistd.h> /* write */

#include "common/cli.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "fetch/fetch.h"

static cJSON *tags_of(struct registry *r, const char *repo)
{
	struct reg_req q = REG_REQ_INIT;
	struct http_resp resp;
	cleanup_free char *url = xasprintf("/v2/%s/tags/list", repo);
	cleanup_free char *scope = registry_scope(repo, "pull");
	cJSON *out = cJSON_CreateArray();

	http_resp_init(&resp);
	resp.body_max = JSON_MAX_SIZE;
	q.url = url;
	q.scope = scope;
	if (registry_do(r, &q, &resp, NULL) == 0 && resp.status == 200) {
		cleanup_json cJSON *j = cJSON_ParseWithLength(resp.body.data, resp.body.len);
		const cJSON *t = j ? cJSON_GetObjectItemCaseSensitive(j, "tags") : NULL, *it;
		cJSON_ArrayForEach(it, t) if (cJSON_IsString(it))
		    cJSON_AddItemToArray(out, cJSON_CreateString(it->valuestring));
	}
	http_resp_release(&resp);
	return out;
}

static cJSON *copy_item(const cJSON *obj, const char *key)
{
	const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;

	return v ? cJSON_Duplicate(v, true) : cJSON_CreateNull();
}

static cJSON *string_or_empty(const cJSON *obj, const char *key)
{
	const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;

	return cJSON_CreateString(cJSON_IsString(v) ? v->valuestring : "");
}

int cmd_inspect(void *gv, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"raw", no_argument, NULL, 'r'},
	    {"config", no_argument, NULL, 'c'},
	    {"platform", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const struct fetch_global *g = gv;
	bool raw = false, config = false;
	const char *platform = NULL, *name;
	struct ref ref = REF_INIT;
	struct registry r;
	struct fetched_manifest top = {0}, child = {0};
	const struct fetched_manifest *m = &top;
	struct spec_manifest man = SPEC_MANIFEST_INIT;
	struct spec_platform want = SPEC_PLATFORM_INIT;
	cleanup_free char *cfg = NULL, *rname = NULL, *text = NULL;
	cleanup_json cJSON *cj = NULL, *out = NULL;
	size_t cfg_len = 0;
	int c, ret = -1;

	while ((c = cli_getopt(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			raw = true;
			break;
		case 'c':
			config = true;
			break;
		case 'p':
			platform = optarg;
			break;
		case 'h':
			printf("usage: kist-fetch inspect [--raw | --config] [--platform P] "
			       "[docker://]NAME[:TAG|@DIGEST]\n");
			return EXIT_OK;
		default:
			cli_usage_error("inspect: unknown option or missing value: '%s'",
					argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		cli_usage_error("inspect: expected one image reference, got %d", argc - optind);
	if (raw && config)
		cli_usage_error("inspect: --raw and --config cannot be used together");
	name = argv[optind];
	if (str_has_prefix(name, "docker://"))
		name += 9;
	memset(&r, 0, sizeof(r));
	if (ref_parse(name, &ref, err) < 0)
		return -1;
	if (platform && spec_platform_parse(platform, &want, err) < 0)
		goto out;
	if (fetch_registry_for(g, ref.domain, &r, err) < 0 ||
	    manifest_fetch(&r, ref.path, ref.digest ? ref.digest : ref.tag, &top, err) < 0)
		goto out;
	if (raw) {
		fs_write_all(STDOUT_FILENO, top.data, top.len);
		ret = 0;
		goto out;
	}
	if (spec_media_type_is_index(top.media_type)) {
		struct spec_index idx = SPEC_INDEX_INIT;
		const struct spec_descriptor *sel;
		int r2 = spec_index_parse(top.data, top.len, &idx, err);
		if (r2 == 0)
			r2 = spec_index_select(&idx, platform ? &want : NULL, &sel, err);
		if (r2 == 0)
			r2 = manifest_fetch(&r, ref.path, sel->digest, &child, err);
		spec_index_release(&idx);
		if (r2 < 0)
			goto out;
		m = &child;
	}
	if (spec_manifest_parse(m->data, m->len, &man, err) < 0 ||
	    registry_get_small_blob(&r, ref.path, NULL, man.config.digest, &cfg, &cfg_len, err) < 0)
		goto out;
	if (config) {
		fs_write_all(STDOUT_FILENO, cfg, cfg_len);
		printf("\n");
		ret = 0;
		goto out;
	}
	cj = json_parse(cfg, cfg_len, "image config", err);
	if (!cj)
		goto out;
	{
		const cJSON *cc = cJSON_GetObjectItemCaseSensitive(cj, "config");
		cJSON *layers = cJSON_CreateArray(), *ld = cJSON_CreateArray();

		out = cJSON_CreateObject();
		rname = ref_name(&ref);
		cJSON_AddStringToObject(out, "Name", rname);
		cJSON_AddStringToObject(out, "Digest", top.digest);
		cJSON_AddItemToObject(out, "RepoTags", tags_of(&r, ref.path));
		cJSON_AddItemToObject(out, "Created", copy_item(cj, "created"));
		cJSON_AddItemToObject(out, "DockerVersion", string_or_empty(cj, "docker_version"));
		cJSON_AddItemToObject(out, "Labels", copy_item(cc, "Labels"));
		cJSON_AddItemToObject(out, "Architecture", string_or_empty(cj, "architecture"));
		cJSON_AddItemToObject(out, "Os", string_or_empty(cj, "os"));
		for (size_t i = 0; i < man.n_layers; i++) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddItemToArray(layers, cJSON_CreateString(man.layers[i].digest));
			cJSON_AddStringToObject(e, "MIMEType", man.layers[i].media_type);
			cJSON_AddStringToObject(e, "Digest", man.layers[i].digest);
			cJSON_AddNumberToObject(e, "Size", (double)man.layers[i].size);
			cJSON_AddItemToObject(e, "Annotations",
					      man.layers[i].annotations
						  ? cJSON_Duplicate(man.layers[i].annotations, true)
						  : cJSON_CreateNull());
			cJSON_AddItemToArray(ld, e);
		}
		cJSON_AddItemToObject(out, "Layers", layers);
		cJSON_AddItemToObject(out, "LayersData", ld);
		cJSON_AddItemToObject(out, "Env", copy_item(cc, "Env"));
	}
	text = cJSON_Print(out);
	if (!text)
		die_oom();
	printf("%s\n", text);
	ret = 0;
out:
	if (ret < 0)
		err_wrap(err, "inspect '%s'", argv[optind]);
	spec_manifest_release(&man);
	spec_platform_release(&want);
	fetched_manifest_release(&top);
	fetched_manifest_release(&child);
	registry_close(&r);
	ref_release(&ref);
	return ret < 0 ? -1 : EXIT_OK;
}
