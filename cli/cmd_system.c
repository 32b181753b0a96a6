/* cmd_system.c: version and info.  info's numbers come from one exec of
 * kist-store info; the host's from uname and sysconf. */
#define _GNU_SOURCE
#include <stdio.h>       /* printf */
#include <stdlib.h>      /* free */
#include <string.h>      /* strcmp */
#include <sys/utsname.h> /* uname */
#include <unistd.h>      /* sysconf */

#include "cli/kist.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/json.h"
#include "common/template.h"
#include "common/util.h"

/* --format TEMPLATE over data, one line, Go's rules for maps. */
static int print_format(const char *format, const cJSON *data, struct err **err)
{
	cleanup_tmpl struct tmpl *t = NULL;
	struct buf out = BUF_INIT;

	t = tmpl_parse(format, err);
	if (!t)
		return err_wrap(err, "template parsing error");
	if (tmpl_render(t, data, false, &out, err) < 0) {
		buf_release(&out);
		return -1;
	}
	printf("%s\n", out.data);
	buf_release(&out);
	return 0;
}

static const char *go_arch(const char *machine)
{
	if (streq(machine, "x86_64"))
		return "amd64";
	if (streq(machine, "aarch64"))
		return "arm64";
	return machine;
}

int kist_version_cmd(const struct kist *k, const struct kverb *v, char **args,
		     const char *const *vals, struct err **err)
{
	cleanup_json cJSON *o = cJSON_CreateObject();
	cJSON *client;
	struct utsname u;

	(void)k;
	(void)v;
	(void)args;
	uname(&u);
	client = cJSON_AddObjectToObject(o, "Client");
	cJSON_AddStringToObject(client, "Version", kist_version);
	cJSON_AddStringToObject(client, "Os", "linux");
	cJSON_AddStringToObject(client, "Arch", go_arch(u.machine));
	if (vals[0])
		return print_format(vals[0], o, err) < 0 ? -1 : EXIT_OK;
	printf("Client:\n"
	       " Version:           %s\n"
	       " OS/Arch:           linux/%s\n"
	       " Context:           default\n"
	       "\n"
	       "Server: kist (no daemon: the programs run per command)\n"
	       " Engine:\n"
	       "  Version:          %s\n"
	       "  Store:            kist-store\n"
	       "  Registry client:  kist-fetch\n"
	       "  Runtime:          kist-runtime\n",
	       kist_version, go_arch(u.machine), kist_version);
	return EXIT_OK;
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

int kist_info(const struct kist *k, const struct kverb *v, char **args, const char *const *vals,
	      struct err **err)
{
	cleanup_free char *text = NULL;
	cleanup_json cJSON *st = NULL, *o = cJSON_CreateObject();
	char *info_args[] = {"info", NULL};
	struct utsname u;
	int code;

	(void)args;
	code = kist_capture(k, v->prog, info_args, NULL, 1 << 20, &text, err);
	if (code != 0)
		return code;
	st = json_parse(text, strlen(text), "kist-store info", err);
	if (!st)
		return -1;
	uname(&u);
	cJSON_AddNumberToObject(o, "Containers", num(st, "Containers"));
	cJSON_AddNumberToObject(o, "Images", num(st, "Images"));
	cJSON_AddStringToObject(o, "Driver", str(st, "Driver"));
	cJSON_AddStringToObject(o, "DockerRootDir", str(st, "Root"));
	cJSON_AddStringToObject(o, "KernelVersion", u.release);
	cJSON_AddStringToObject(o, "OSType", "linux");
	cJSON_AddStringToObject(o, "Architecture", u.machine);
	cJSON_AddNumberToObject(o, "NCPU", (double)sysconf(_SC_NPROCESSORS_ONLN));
	cJSON_AddNumberToObject(o, "MemTotal",
				(double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE));
	cJSON_AddStringToObject(o, "Name", u.nodename);
	cJSON_AddStringToObject(o, "ServerVersion", kist_version);
	cJSON_AddStringToObject(o, "DefaultRuntime", "kist-runtime");
	if (vals[0])
		return print_format(vals[0], o, err) < 0 ? -1 : EXIT_OK;
	printf("Client:\n"
	       " Version:    %s\n"
	       " Context:    default\n"
	       " Debug Mode: %s\n"
	       "\n"
	       "Server:\n"
	       " Containers: %.0f\n"
	       " Images: %.0f\n"
	       " Server Version: %s\n"
	       " Storage Driver: %s\n"
	       " Default Runtime: kist-runtime\n"
	       " Kernel Version: %s\n"
	       " OSType: linux\n"
	       " Architecture: %s\n"
	       " CPUs: %.0f\n"
	       " Total Memory: %.4gGiB\n"
	       " Name: %s\n"
	       " Docker Root Dir: %s\n",
	       kist_version, k->debug ? "true" : "false", num(o, "Containers"), num(o, "Images"),
	       kist_version, str(st, "Driver"), u.release, u.machine, num(o, "NCPU"),
	       num(o, "MemTotal") / (1024.0 * 1024 * 1024), u.nodename, str(st, "Root"));
	return EXIT_OK;
}
