/* cni.c: the CNI protocol (spec 1.0.0): a plugin is an executable found in
 * CNI_PATH, given its network config on stdin and the operation in CNI_*
 * variables; it answers with a result (ADD) or an error object on stdout.
 * A conflist's plugins run in order for ADD, each getting the previous
 * one's result as prevResult, and in reverse order for DEL. */
#define _GNU_SOURCE
#include <errno.h>  /* errno */
#include <stdlib.h> /* getenv */
#include <string.h> /* strlen */
#include <unistd.h> /* environ */

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/proc.h"
#include "common/util.h"
#include "net/net.h"

#define CNI_OUT_MAX (1u << 20)

static const char *cni_path(void)
{
	const char *p = getenv("KIST_CNI_PATH");

	return p && *p ? p : "/usr/lib/cni:/usr/libexec/cni:/opt/cni/bin";
}

static char *find_plugin(const char *type)
{
	const char *p = cni_path();

	while (*p) {
		size_t n = strcspn(p, ":");
		char *cand = xasprintf("%.*s/%s", (int)n, p, type);

		if (n && access(cand, X_OK) == 0)
			return cand;
		free(cand);
		p += n;
		if (*p == ':')
			p++;
	}
	return NULL;
}

/* The plugin's error object ({"code","msg","details"}) as one line. */
static int plugin_error(const char *type, const char *cmd, const char *out, int status,
			struct err **err)
{
	cleanup_json cJSON *e = cJSON_Parse(out ? out : "");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "msg");
	const cJSON *det = cJSON_GetObjectItemCaseSensitive(e, "details");

	if (cJSON_IsString(msg))
		return err_set(err, 0, "plugin %s %s: %s%s%s", type, cmd, msg->valuestring,
			       cJSON_IsString(det) && *det->valuestring ? ": " : "",
			       cJSON_IsString(det) ? det->valuestring : "");
	return err_set(err, 0, "plugin %s %s failed (status %d)", type, cmd, status);
}

/* Run one plugin: conf on stdin; *result (ADD) the parsed stdout. */
static int plugin_exec(const char *cmd, const cJSON *conf, const char *id, const char *netns,
		       const char *ifname, cJSON **result, struct err **err)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(conf, "type");
	const char *type = cJSON_IsString(t) ? t->valuestring : "";
	cleanup_free char *path = NULL, *text = json_print(conf, false), *out = NULL;
	cleanup_strv char **env = NULL;
	cleanup_free char *e_cmd = xasprintf("CNI_COMMAND=%s", cmd);
	cleanup_free char *e_id = xasprintf("CNI_CONTAINERID=%s", id);
	cleanup_free char *e_ns = xasprintf("CNI_NETNS=%s", netns);
	cleanup_free char *e_if = xasprintf("CNI_IFNAME=%s", ifname);
	cleanup_free char *e_path = xasprintf("CNI_PATH=%s", cni_path());
	const char *argv[2] = {NULL, NULL};
	struct proc p = PROC_INIT;
	size_t len = 0;
	int status, werr = 0;

	if (!*type || strchr(type, '/'))
		return err_set(err, 0, "network config: plugin type '%s' is not valid", type);
	path = find_plugin(type);
	if (!path)
		return err_set_code(err, ENOENT, "CNI plugin '%s' not found in %s", type,
				    cni_path());
	for (char **e = environ; e && *e; e++)
		if (!str_has_prefix(*e, "CNI_"))
			strv_push(&env, *e);
	strv_push(&env, e_cmd);
	strv_push(&env, e_id);
	strv_push(&env, e_ns);
	strv_push(&env, e_if);
	strv_push(&env, e_path);
	argv[0] = path;
	p.argv = argv;
	p.env = (const char *const *)env;
	p.in = PROC_FD_PIPE;
	p.out = PROC_FD_PIPE;
	if (proc_start(&p, err) < 0)
		return -1;
	/* a config is far smaller than a pipe's buffer: write all, then read */
	if (fs_write_all(p.in, text, strlen(text)) < 0)
		werr = errno;
	fs_close(p.in);
	if (fs_read_fd(p.out, CNI_OUT_MAX, &out, &len, NULL) < 0)
		out = NULL;
	fs_close(p.out);
	status = proc_wait(&p, err);
	if (status < 0)
		return -1;
	if (status != 0)
		return plugin_error(type, cmd, out, status, err);
	if (werr)
		return err_set(err, werr, "plugin %s %s: write config", type, cmd);
	if (result) {
		*result = json_parse(out ? out : "", len, type, err);
		if (!*result)
			return err_wrap(err, "plugin %s %s: result", type, cmd);
	}
	return 0;
}

/* The config one plugin of the list gets. */
static cJSON *plugin_conf(const cJSON *list, const cJSON *plugin, const cJSON *rtconf,
			  const cJSON *prev)
{
	cJSON *c = cJSON_Duplicate(plugin, true);
	const cJSON *caps = cJSON_GetObjectItemCaseSensitive(plugin, "capabilities"), *e;

	cJSON_DeleteItemFromObjectCaseSensitive(c, "cniVersion");
	cJSON_DeleteItemFromObjectCaseSensitive(c, "name");
	cJSON_AddItemToObject(
	    c, "cniVersion",
	    cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(list, "cniVersion"), true));
	cJSON_AddItemToObject(
	    c, "name", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(list, "name"), true));
	if (prev)
		cJSON_AddItemToObject(c, "prevResult", cJSON_Duplicate(prev, true));
	if (rtconf && caps) {
		cJSON *rc = NULL;

		cJSON_ArrayForEach(e, caps)
		{
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(rtconf, e->string);

			if (!cJSON_IsTrue(e) || !v)
				continue;
			if (!rc)
				rc = cJSON_AddObjectToObject(c, "runtimeConfig");
			cJSON_AddItemToObject(rc, e->string, cJSON_Duplicate(v, true));
		}
	}
	return c;
}

int cni_del(const cJSON *conflist, const char *id, const char *netns, const char *ifname,
	    const cJSON *rtconf, const cJSON *prev, struct err **err)
{
	const cJSON *plugins = cJSON_GetObjectItemCaseSensitive(conflist, "plugins");
	int n = cJSON_GetArraySize(plugins), ret = 0;

	for (int i = n - 1; i >= 0; i--) {
		cleanup_json cJSON *c =
		    plugin_conf(conflist, cJSON_GetArrayItem(plugins, i), rtconf, prev);
		struct err *e = NULL;

		if (plugin_exec("DEL", c, id, netns, ifname, NULL, &e) < 0) {
			if (ret == 0)
				ret = -1, *err = e;
			else
				err_free(e);
		}
	}
	return ret;
}

int cni_add(const cJSON *conflist, const char *id, const char *netns, const char *ifname,
	    const cJSON *rtconf, cJSON **result, struct err **err)
{
	const cJSON *plugins = cJSON_GetObjectItemCaseSensitive(conflist, "plugins");
	cleanup_json cJSON *prev = NULL;
	int n = cJSON_GetArraySize(plugins);

	if (!cJSON_IsArray(plugins) || n == 0)
		return err_set(err, 0, "network config has no plugins");
	for (int i = 0; i < n; i++) {
		cleanup_json cJSON *c =
		    plugin_conf(conflist, cJSON_GetArrayItem(plugins, i), rtconf, prev);
		cJSON *res = NULL;

		if (plugin_exec("ADD", c, id, netns, ifname, &res, err) < 0) {
			/* undo what the earlier plugins did */
			cni_del(conflist, id, netns, ifname, rtconf, prev, NULL);
			return -1;
		}
		cJSON_Delete(prev);
		prev = res;
	}
	*result = steal_pointer(&prev);
	return 0;
}
