/* auth.c: registry credentials in docker's client config
 * ($DOCKER_CONFIG/config.json or ~/.docker/config.json): "auths" entries
 * (base64 user:pass), and credential helpers ("credHelpers" per registry,
 * "credsStore" for all) run as docker-credential-NAME get|store|erase. */
#define _GNU_SOURCE
#include <errno.h>    /* errno */
#include <stdlib.h>   /* getenv */
#include <string.h>   /* strchr */
#include <sys/stat.h> /* mkdir */
#include <unistd.h>   /* close */

#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/proc.h"
#include "common/util.h"
#include "fetch/fetch.h"

char *auth_config_path(void)
{
	const char *d = getenv("DOCKER_CONFIG");
	const char *home = getenv("HOME");

	if (d && *d)
		return xasprintf("%s/config.json", d);
	return xasprintf("%s/.docker/config.json", home && *home ? home : "/root");
}

const char *auth_config_key(const char *domain)
{
	if (streq(domain, "docker.io") || streq(domain, "index.docker.io") ||
	    streq(domain, FETCH_DOCKER_HUB_API))
		return FETCH_DOCKER_HUB_AUTH_KEY;
	return domain;
}

void creds_release(struct creds *c)
{
	if (c->pass)
		explicit_bzero(c->pass, strlen(c->pass));
	free(c->user);
	free(c->pass);
	c->user = c->pass = NULL;
}

static cJSON *load_config(const char *path, struct err **err)
{
	if (!fs_exists(path))
		return cJSON_CreateObject();
	return json_load_file(path, 0, err);
}

/* Run docker-credential-NAME VERB with input on stdin; capture stdout.
 * Returns the exit status, -1 on a spawn failure. */
static int run_helper(const char *name, const char *verb, const char *input, char **out,
		      struct err **err)
{
	cleanup_free char *prog = xasprintf("docker-credential-%s", name);
	const char *argv[] = {prog, verb, NULL};
	struct proc p = PROC_INIT;
	struct buf o = BUF_INIT;
	char chunk[4096];
	ssize_t n;
	int st;

	p.argv = argv;
	p.in = PROC_FD_PIPE;
	p.out = PROC_FD_PIPE;
	if (proc_start(&p, err) < 0)
		return err_wrap(err, "credential helper '%s'", prog);
	if (fs_write_all(p.in, input, strlen(input)) < 0) {
		/* the helper may exit early; its status tells */
	}
	fs_close(p.in);
	while ((n = read(p.out, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && o.len < (1u << 20))
			buf_add(&o, chunk, n);
	fs_close(p.out);
	st = proc_wait(&p, err);
	if (st < 0) {
		buf_release(&o);
		return err_wrap(err, "credential helper '%s'", prog);
	}
	*out = buf_detach(&o, NULL);
	return st;
}

static const char *helper_for(const cJSON *cfg, const char *key)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(cfg, "credHelpers");
	const cJSON *s;

	if (cJSON_IsObject(h)) {
		s = cJSON_GetObjectItemCaseSensitive(h, key);
		if (cJSON_IsString(s) && *s->valuestring)
			return s->valuestring;
	}
	s = cJSON_GetObjectItemCaseSensitive(cfg, "credsStore");
	if (cJSON_IsString(s) && *s->valuestring)
		return s->valuestring;
	return NULL;
}

static int helper_get(const char *helper, const char *key, struct creds *out, struct err **err)
{
	cleanup_free char *text = NULL;
	cleanup_json cJSON *j = NULL;
	const char *u = NULL, *s = NULL;
	int st = run_helper(helper, "get", key, &text, err);

	if (st < 0)
		return -1;
	if (st != 0) {
		if (strstr(text, "credentials not found"))
			return 0;
		return err_set(err, 0, "credential helper 'docker-credential-%s' get failed: %s",
			       helper, text);
	}
	j = json_parse(text, strlen(text), "credential helper output", err);
	if (!j || json_get_string(j, "", "Username", false, &u, err) < 0 ||
	    json_get_string(j, "", "Secret", false, &s, err) < 0)
		return err_wrap(err, "docker-credential-%s get", helper);
	if (!s || !*s)
		return 0;
	out->user = xstrdup(u ? u : "");
	out->pass = xstrdup(s);
	return 1;
}

static const cJSON *auths_entry(const cJSON *cfg, const char *key, const char *domain)
{
	const cJSON *auths = cJSON_GetObjectItemCaseSensitive(cfg, "auths");
	const cJSON *e;
	cleanup_free char *https = xasprintf("https://%s", domain);
	cleanup_free char *http = xasprintf("http://%s", domain);

	if (!cJSON_IsObject(auths))
		return NULL;
	if ((e = cJSON_GetObjectItemCaseSensitive(auths, key)) ||
	    (e = cJSON_GetObjectItemCaseSensitive(auths, domain)) ||
	    (e = cJSON_GetObjectItemCaseSensitive(auths, https)) ||
	    (e = cJSON_GetObjectItemCaseSensitive(auths, http)))
		return e;
	return NULL;
}

int auth_lookup(const char *domain, struct creds *out, struct err **err)
{
	cleanup_free char *path = auth_config_path();
	cleanup_json cJSON *cfg = NULL;
	const char *key = auth_config_key(domain);
	const char *helper;
	const cJSON *e;
	const char *a = NULL, *u = NULL, *p = NULL;
	cleanup_free char *dec = NULL;
	size_t dl;
	char *colon;

	out->user = out->pass = NULL;
	cfg = load_config(path, err);
	if (!cfg)
		return err_wrap(err, "read credentials");
	helper = helper_for(cfg, key);
	if (helper)
		return helper_get(helper, key, out, err) < 0 ? -1 : 0;
	e = auths_entry(cfg, key, domain);
	if (!cJSON_IsObject(e))
		return 0;
	if (json_get_string(e, "auths", "auth", false, &a, err) < 0 ||
	    json_get_string(e, "auths", "username", false, &u, err) < 0 ||
	    json_get_string(e, "auths", "password", false, &p, err) < 0)
		return err_wrap(err, "read '%s'", path);
	if (a && *a) {
		if (http_base64_decode(a, &dec, &dl) < 0 || !(colon = strchr(dec, ':')))
			return err_set(err, 0, "read '%s': invalid auth entry for '%s'", path, key);
		*colon = '\0';
		out->user = xstrdup(dec);
		out->pass = xstrdup(colon + 1);
		explicit_bzero(dec, dl);
		return 0;
	}
	if (u && p) {
		out->user = xstrdup(u);
		out->pass = xstrdup(p);
	}
	return 0;
}

static int save_config(const char *path, cJSON *cfg, struct err **err)
{
	cleanup_free char *target = NULL, *dir = NULL;
	char *slash;

	/* a symlinked auth file (dotfiles, a shared credentials file) stays a
	 * link: its target is replaced */
	if (fs_output_resolve(path, &target, NULL, err) < 0)
		return -1;
	dir = xstrdup(target);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		if (fs_mkdir_p(dir, 0700, err) < 0)
			return -1;
	}
	return json_write_file(target, cfg, 0600, err);
}

int auth_store(const char *domain, const struct creds *c, struct err **err)
{
	cleanup_free char *path = auth_config_path();
	cleanup_json cJSON *cfg = NULL;
	const char *key = auth_config_key(domain);
	const char *helper;
	cJSON *auths, *e;

	cfg = load_config(path, err);
	if (!cfg)
		return err_wrap(err, "read credentials");
	helper = helper_for(cfg, key);
	if (helper) {
		cleanup_json cJSON *in = cJSON_CreateObject();
		cleanup_free char *text = NULL, *out = NULL;
		int st;

		cJSON_AddStringToObject(in, "ServerURL", key);
		cJSON_AddStringToObject(in, "Username", c->user);
		cJSON_AddStringToObject(in, "Secret", c->pass);
		text = json_print(in, false);
		st = run_helper(helper, "store", text, &out, err);
		explicit_bzero(text, strlen(text));
		if (st < 0)
			return -1;
		if (st != 0)
			return err_set(err, 0,
				       "credential helper 'docker-credential-%s' store failed: %s",
				       helper, out);
		/* docker keeps an empty auths entry so the registry is listed */
		auths = cJSON_GetObjectItemCaseSensitive(cfg, "auths");
		if (!cJSON_IsObject(auths)) {
			cJSON_DeleteItemFromObjectCaseSensitive(cfg, "auths");
			auths = cJSON_AddObjectToObject(cfg, "auths");
		}
		cJSON_DeleteItemFromObjectCaseSensitive(auths, key);
		cJSON_AddObjectToObject(auths, key);
		return save_config(path, cfg, err);
	}
	auths = cJSON_GetObjectItemCaseSensitive(cfg, "auths");
	if (!cJSON_IsObject(auths)) {
		cJSON_DeleteItemFromObjectCaseSensitive(cfg, "auths");
		auths = cJSON_AddObjectToObject(cfg, "auths");
	}
	{
		cleanup_free char *plain = xasprintf("%s:%s", c->user, c->pass);
		cleanup_free char *b64 = http_base64_encode(plain, strlen(plain));

		explicit_bzero(plain, strlen(plain));
		cJSON_DeleteItemFromObjectCaseSensitive(auths, key);
		e = cJSON_AddObjectToObject(auths, key);
		cJSON_AddStringToObject(e, "auth", b64);
	}
	return save_config(path, cfg, err);
}

int auth_erase(const char *domain, struct err **err)
{
	cleanup_free char *path = auth_config_path();
	cleanup_json cJSON *cfg = NULL;
	const char *key = auth_config_key(domain);
	const char *helper;
	cJSON *auths;
	int found = 0;

	if (!fs_exists(path))
		return 0;
	cfg = load_config(path, err);
	if (!cfg)
		return err_wrap(err, "read credentials");
	helper = helper_for(cfg, key);
	if (helper) {
		cleanup_free char *out = NULL;
		int st = run_helper(helper, "erase", key, &out, err);
		if (st < 0)
			return -1;
		if (st == 0)
			found = 1;
	}
	auths = cJSON_GetObjectItemCaseSensitive(cfg, "auths");
	if (cJSON_IsObject(auths)) {
		cleanup_free char *https = xasprintf("https://%s", domain);
		const char *keys[] = {key, domain, https};
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			if (cJSON_GetObjectItemCaseSensitive(auths, keys[i])) {
				cJSON_DeleteItemFromObjectCaseSensitive(auths, keys[i]);
				found = 1;
			}
		}
	}
	if (!found)
		return 0;
	if (save_config(path, cfg, err) < 0)
		return -1;
	return 1;
}
