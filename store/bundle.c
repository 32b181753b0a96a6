/* bundle.c: bundle/config.json for a container (placeholder until spec/convert). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "common/json.h"
#include "common/util.h"
#include "store/store.h"

int bundle_config(struct store *s, const struct image *img, const cJSON *overrides,
		  const char *rootfs, cJSON **out, struct err **err);

static cJSON *pick(const cJSON *ov, const cJSON *cfg, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ov, key);

	if (!v)
		v = cJSON_GetObjectItemCaseSensitive(cfg, key);
	return (cJSON *)v;
}

int bundle_config(struct store *s, const struct image *img, const cJSON *overrides,
		  const char *rootfs, cJSON **out, struct err **err)
{
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(img->config, "config");
	cJSON *c = cJSON_CreateObject(), *p, *args, *env, *e, *root, *mounts, *linux_, *ns;
	const cJSON *ep = pick(overrides, cfg, "Entrypoint"), *cmd = pick(overrides, cfg, "Cmd");
	static const char *const nss[] = { "pid", "ipc", "uts", "mount", "network" };

	(void)s;
	(void)rootfs;
	(void)err;
	cJSON_AddStringToObject(c, "ociVersion", "1.0.2");
	p = cJSON_AddObjectToObject(c, "process");
	cJSON_AddBoolToObject(p, "terminal", false);
	e = cJSON_AddObjectToObject(p, "user");
	cJSON_AddNumberToObject(e, "uid", 0);
	cJSON_AddNumberToObject(e, "gid", 0);
	args = cJSON_AddArrayToObject(p, "args");
	cJSON_ArrayForEach(e, ep) cJSON_AddItemToArray(args, cJSON_Duplicate(e, true));
	cJSON_ArrayForEach(e, cmd) cJSON_AddItemToArray(args, cJSON_Duplicate(e, true));
	if (cJSON_GetArraySize(args) == 0)
		cJSON_AddItemToArray(args, cJSON_CreateString("sh"));
	env = cJSON_AddArrayToObject(p, "env");
	cJSON_AddItemToArray(env, cJSON_CreateString(
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	cJSON_ArrayForEach(e, pick(overrides, cfg, "Env"))
	cJSON_AddItemToArray(env, cJSON_Duplicate(e, true));
	cJSON_AddStringToObject(p, "cwd", "/");
	root = cJSON_AddObjectToObject(c, "root");
	cJSON_AddStringToObject(root, "path", "rootfs");
	cJSON_AddStringToObject(c, "hostname", "kist");
	mounts = cJSON_AddArrayToObject(c, "mounts");
	{
		static const char *const m[][4] = {
			{ "/proc", "proc", "proc", "nosuid,noexec,nodev" },
			{ "/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k" },
			{ "/dev/pts", "devpts", "devpts", "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620" },
			{ "/dev/shm", "shm", "tmpfs", "nosuid,noexec,nodev,mode=1777,size=65536k" },
			{ "/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro" },
		};
		for (size_t i = 0; i < ARRAY_SIZE(m); i++) {
			cJSON *mm = cJSON_CreateObject(), *o = cJSON_CreateArray();
			char *save = NULL, *copy = xstrdup(m[i][3]), *tok;

			cJSON_AddStringToObject(mm, "destination", m[i][0]);
			cJSON_AddStringToObject(mm, "type", m[i][2]);
			cJSON_AddStringToObject(mm, "source", m[i][1]);
			for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				cJSON_AddItemToArray(o, cJSON_CreateString(tok));
			free(copy);
			cJSON_AddItemToObject(mm, "options", o);
			cJSON_AddItemToArray(mounts, mm);
		}
	}
	linux_ = cJSON_AddObjectToObject(c, "linux");
	ns = cJSON_AddArrayToObject(linux_, "namespaces");
	for (size_t i = 0; i < ARRAY_SIZE(nss); i++) {
		cJSON *n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "type", nss[i]);
		cJSON_AddItemToArray(ns, n);
	}
	*out = c;
	return 0;
}
