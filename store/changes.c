/* changes.c: docker's --change instructions applied to an image config. */
#define _GNU_SOURCE
#include <ctype.h>
#include <string.h>
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/util.h"
#include "store/store.h"

/* JSON array form, or shell form wrapped in /bin/sh -c. */
static cJSON *exec_form(const char *arg, bool shell)
{
	cJSON *j = json_parse(arg, strlen(arg), "change", NULL), *a;
	const cJSON *e;
	bool ok = cJSON_IsArray(j);

	cJSON_ArrayForEach(e, j) if (!cJSON_IsString(e)) ok = false;
	if (ok)
		return j;
	cJSON_Delete(j);
	a = cJSON_CreateArray();
	if (shell) {
		cJSON_AddItemToArray(a, cJSON_CreateString("/bin/sh"));
		cJSON_AddItemToArray(a, cJSON_CreateString("-c"));
	}
	cJSON_AddItemToArray(a, cJSON_CreateString(arg));
	return a;
}

static cJSON *obj(cJSON *cfg, const char *key)
{
	cJSON *o = cJSON_GetObjectItemCaseSensitive(cfg, key);

	if (!cJSON_IsObject(o)) {
		cJSON_DeleteItemFromObjectCaseSensitive(cfg, key);
		o = cJSON_AddObjectToObject(cfg, key);
	}
	return o;
}

static void set(cJSON *cfg, const char *key, cJSON *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(cfg, key);
	cJSON_AddItemToObject(cfg, key, v);
}

static void unquote(char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
		memmove(s, s + 1, n - 2);
		s[n - 2] = '\0';
	}
}

static void env_set(cJSON *cfg, const char *k, const char *v)
{
	cJSON *env = cJSON_GetObjectItemCaseSensitive(cfg, "Env"), *e;
	cleanup_free char *kv = xasprintf("%s=%s", k, v);
	size_t kl = strlen(k);

	if (!cJSON_IsArray(env)) {
		cJSON_DeleteItemFromObjectCaseSensitive(cfg, "Env");
		env = cJSON_AddArrayToObject(cfg, "Env");
	}
	cJSON_ArrayForEach(e, env)
	{
		if (cJSON_IsString(e) && !strncmp(e->valuestring, k, kl) &&
		    e->valuestring[kl] == '=') {
			cJSON_SetValuestring(e, kv);
			return;
		}
	}
	cJSON_AddItemToArray(env, cJSON_CreateString(kv));
}

/* "K=V K2=V2" or "K V" (legacy single pair). */
static int pairs(cJSON *cfg, const char *instr, const char *arg, bool env, struct err **err)
{
	cleanup_free char *copy = xstrdup(arg);
	char *p = copy;

	if (!strchr(arg, '=')) {
		char *sp = strpbrk(p, " \t");
		if (!sp)
			return err_set(err, 0, "%s '%s': want KEY=VALUE", instr, arg);
		*sp++ = '\0';
		while (isspace((unsigned char)*sp))
			sp++;
		if (env)
			env_set(cfg, p, sp);
		else
			cJSON_AddStringToObject(obj(cfg, "Labels"), p, sp);
		return 0;
	}
	while (*p) {
		char *k, *v, *end;
		char q = 0;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		k = p;
		v = strchr(p, '=');
		if (!v)
			return err_set(err, 0, "%s '%s': want KEY=VALUE", instr, arg);
		*v++ = '\0';
		unquote(k); /* LABEL "com.example key"=v */
		if (*v == '"' || *v == '\'')
			q = *v++;
		for (end = v; *end && (q ? *end != q : !isspace((unsigned char)*end)); end++)
			;
		if (*end)
			*end++ = '\0';
		p = end;
		if (env) {
			env_set(cfg, k, v);
		} else {
			cJSON *l = obj(cfg, "Labels");
			cJSON_DeleteItemFromObjectCaseSensitive(l, k);
			cJSON_AddStringToObject(l, k, v);
		}
	}
	return 0;
}

int image_apply_changes(cJSON *cfg, char *const *changes, struct err **err)
{
	for (size_t i = 0; changes && changes[i]; i++) {
		cleanup_free char *c = xstrdup(changes[i]);
		char *arg = c;
		char *instr;

		while (isspace((unsigned char)*arg))
			arg++;
		instr = arg;
		while (*arg && !isspace((unsigned char)*arg))
			arg++;
		if (*arg)
			*arg++ = '\0';
		while (isspace((unsigned char)*arg))
			arg++;
		for (char *p = instr; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		if (streq(instr, "CMD")) {
			set(cfg, "Cmd", exec_form(arg, true));
		} else if (streq(instr, "ENTRYPOINT")) {
			set(cfg, "Entrypoint", exec_form(arg, true));
		} else if (streq(instr, "ENV")) {
			if (pairs(cfg, "ENV", arg, true, err) < 0)
				return -1;
		} else if (streq(instr, "LABEL")) {
			if (pairs(cfg, "LABEL", arg, false, err) < 0)
				return -1;
		} else if (streq(instr, "EXPOSE")) {
			cJSON *ports = obj(cfg, "ExposedPorts");
			char *save = NULL, *tok;
			for (tok = strtok_r(arg, " \t", &save); tok;
			     tok = strtok_r(NULL, " \t", &save)) {
				cleanup_free char *k =
				    strchr(tok, '/') ? xstrdup(tok) : xasprintf("%s/tcp", tok);
				cJSON_DeleteItemFromObjectCaseSensitive(ports, k);
				cJSON_AddItemToObject(ports, k, cJSON_CreateObject());
			}
		} else if (streq(instr, "USER")) {
			unquote(arg);
			set(cfg, "User", cJSON_CreateString(arg));
		} else if (streq(instr, "WORKDIR")) {
			unquote(arg);
			set(cfg, "WorkingDir", cJSON_CreateString(arg));
		} else if (streq(instr, "STOPSIGNAL")) {
			set(cfg, "StopSignal", cJSON_CreateString(arg));
		} else if (streq(instr, "VOLUME")) {
			cJSON *vols = obj(cfg, "Volumes");
			cJSON *list = exec_form(arg, false);
			const cJSON *e;
			cJSON_ArrayForEach(e, list)
			{
				cJSON_DeleteItemFromObjectCaseSensitive(vols, e->valuestring);
				cJSON_AddItemToObject(vols, e->valuestring, cJSON_CreateObject());
			}
			cJSON_Delete(list);
		} else {
			return err_set(err, 0, "change '%s': unsupported instruction '%s'",
				       changes[i], instr);
		}
	}
	return 0;
}
