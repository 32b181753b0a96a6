/* cmd_tags.c: kist-fetch tags [-n N] REPO, kist-fetch catalog [-n N] HOST.
 * Both follow the registry's Link: <...>; rel="next" pages to the end. */
#define _GNU_SOURCE
#include <getopt.h> /* getopt_long */
#include <stdio.h>  /* printf */
#include <stdlib.h> /* free */

#include "common/cli.h"
#include "common/err.h"
#include "common/json.h"
#include "common/util.h"
#include "fetch/fetch.h"

#define MAX_PAGES 10000

/* GET url and every following page; print each string of the array `key`. */
static int list_pages(struct registry *r, const char *first, const char *scope, const char *key,
		      struct err **err)
{
	cleanup_free char *url = xstrdup(first);
	int pages = 0;

	while (url) {
		struct reg_req q = REG_REQ_INIT;
		struct http_resp resp;
		cleanup_json cJSON *j = NULL;
		const cJSON *arr = NULL, *it;

		http_resp_init(&resp);
		resp.body_max = JSON_MAX_SIZE;
		q.url = url;
		q.scope = scope;
		if (registry_do(r, &q, &resp, err) < 0) {
			http_resp_release(&resp);
			return -1;
		}
		if (resp.status != 200) {
			registry_status_error(&resp, err);
			http_resp_release(&resp);
			return -1;
		}
		j = json_parse(resp.body.data, resp.body.len, "registry response", err);
		if (!j || json_get_array(j, "", key, false, &arr, err) < 0) {
			http_resp_release(&resp);
			return -1;
		}
		cJSON_ArrayForEach(it, arr) if (cJSON_IsString(it)) printf("%s\n", it->valuestring);
		free(url);
		url = resp.link ? http_link_next(resp.link) : NULL;
		http_resp_release(&resp);
		if (++pages > MAX_PAGES)
			return err_set(err, 0, "more than %d pages: giving up", MAX_PAGES);
	}
	return 0;
}

static int parse_n(int argc, char **argv, const char *verb, long long *n)
{
	static const struct option opts[] = {
	    {"n", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	*n = 0;
	while ((c = cli_getopt(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			*n = cli_parse_uint("-n", optarg);
			break;
		case 'h':
			printf("usage: kist-fetch %s [-n PAGE_SIZE] %s\n", verb,
			       streq(verb, "tags") ? "REPOSITORY" : "HOST[:PORT]");
			return 1;
		default:
			cli_usage_error("%s: unknown option or missing value: '%s'", verb,
					argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		cli_usage_error("%s: expected one %s, got %d", verb,
				streq(verb, "tags") ? "repository" : "registry host",
				argc - optind);
	return 0;
}

int cmd_tags(void *gv, int argc, char **argv, struct err **err)
{
	const struct fetch_global *g = gv;
	struct ref ref = REF_INIT;
	struct registry r;
	cleanup_free char *url = NULL, *scope = NULL;
	long long n;
	int ret = -1;

	if (parse_n(argc, argv, "tags", &n))
		return EXIT_OK;
	memset(&r, 0, sizeof(r));
	if (ref_parse(argv[optind], &ref, err) < 0)
		return -1;
	if (fetch_registry_for(g, ref.domain, &r, err) < 0)
		goto out;
	url = n ? xasprintf("/v2/%s/tags/list?n=%lld", ref.path, n)
		: xasprintf("/v2/%s/tags/list", ref.path);
	scope = registry_scope(ref.path, "pull");
	ret = list_pages(&r, url, scope, "tags", err);
out:
	if (ret < 0)
		err_wrap(err, "list tags of '%s'", argv[optind]);
	registry_close(&r);
	ref_release(&ref);
	return ret < 0 ? -1 : EXIT_OK;
}

int cmd_catalog(void *gv, int argc, char **argv, struct err **err)
{
	const struct fetch_global *g = gv;
	struct registry r;
	cleanup_free char *url = NULL;
	const char *host;
	long long n;
	int ret = -1;

	if (parse_n(argc, argv, "catalog", &n))
		return EXIT_OK;
	host = argv[optind];
	if (str_has_prefix(host, "https://"))
		host += 8;
	else if (str_has_prefix(host, "http://"))
		host += 7;
	memset(&r, 0, sizeof(r));
	if (fetch_registry_for(g, host, &r, err) < 0)
		goto out;
	url = n ? xasprintf("/v2/_catalog?n=%lld", n) : xstrdup("/v2/_catalog");
	ret = list_pages(&r, url, "registry:catalog:*", "repositories", err);
out:
	if (ret < 0)
		err_wrap(err, "catalog of '%s'", host);
	registry_close(&r);
	return ret < 0 ? -1 : EXIT_OK;
}
