/* network.c: kist's networking flags and verbs.  `run`/`create` check
 * -p/-P/--network/--dns/--dns-search/--dns-option/--add-host and record
 * them as io.kist.* annotations of the container (kist-net reads them);
 * every start runs `kist-net up` first and hands the shim `kist-net down`
 * as its exit command, so a container that stops on its own releases its
 * ports and address; stop and rm run `kist-net down` too.  `kist network`
 * and `kist port` are kist-net's verbs. */
#define _GNU_SOURCE
#include <arpa/inet.h> /* inet_pton */
#include <stdio.h>     /* fprintf */
#include <stdlib.h>    /* strtol */
#include <string.h>    /* strchr */

#include "cli/kist.h"
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/json.h"
#include "common/proc.h"
#include "common/util.h"

static char **flag_vals(char **args, const char *flag)
{
	char **out = NULL;

	for (size_t i = 0; args && args[i] && !streq(args[i], "--"); i++)
		if (streq(args[i], flag) && args[i + 1])
			strv_push(&out, args[++i]);
	return out;
}

static bool flag_set(char **args, const char *flag)
{
	for (size_t i = 0; args && args[i] && !streq(args[i], "--"); i++)
		if (streq(args[i], flag))
			return true;
	return false;
}

static const char *flag_last(char **args, const char *flag)
{
	const char *v = NULL;

	for (size_t i = 0; args && args[i] && !streq(args[i], "--"); i++)
		if (streq(args[i], flag) && args[i + 1])
			v = args[++i];
	return v;
}

/* docker's port numbers: 1-65535, digits only */
static bool port_ok(const char *s)
{
	char *end;
	long v;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return false;
	v = strtol(s, &end, 10);
	return v >= 1 && v <= 65535;
}

/* -p [[IP:][HOSTPORT]:]CPORT[/PROTO] -> one binding (docker's wording for
 * a bad one, exit 125) */
static cJSON *parse_publish(const char *spec)
{
	cleanup_free char *s = xstrdup(spec);
	char *slash = strrchr(s, '/'), *c1, *c2;
	const char *proto = "tcp", *ip = "", *hport = "", *cport;
	struct in_addr a;
	cJSON *o;

	if (slash) {
		*slash = '\0';
		proto = slash + 1;
		if (!streq(proto, "tcp") && !streq(proto, "udp") && !streq(proto, "sctp"))
			cli_usage_error("invalid proto: %s", proto);
	}
	c2 = strrchr(s, ':');
	if (!c2) {
		cport = s;
	} else {
		*c2 = '\0';
		cport = c2 + 1;
		c1 = strrchr(s, ':');
		if (c1) {
			*c1 = '\0';
			ip = s;
			hport = c1 + 1;
			if (strchr(ip, ':') || inet_pton(AF_INET, ip, &a) != 1)
				cli_usage_error("invalid IP address: %s", ip);
		} else {
			hport = s;
		}
	}
	if (!*cport)
		cli_usage_error("no port specified: %s<empty>", spec);
	if (!port_ok(cport))
		cli_usage_error("invalid containerPort: %s", cport);
	if (*hport && !port_ok(hport))
		cli_usage_error("invalid hostPort: %s", hport);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "HostIp", ip);
	cJSON_AddStringToObject(o, "HostPort", hport);
	cJSON_AddStringToObject(o, "ContainerPort", cport);
	cJSON_AddStringToObject(o, "Proto", proto);
	return o;
}

static void put_array(cJSON *ann, const char *key, char **v)
{
	cleanup_json cJSON *a = json_strv_to_array(v);
	cleanup_free char *text = json_print(a, false);

	cJSON_AddStringToObject(ann, key, text);
}

/* The container's full id for NAME|ID, or NULL (the error printed). */
static char *container_id(const struct kist *k, const char *what, bool *running)
{
	char *args[] = {"inspect-container", "--format", "{{.Id}} {{.State.Status}}", "--",
			(char *)what,        NULL};
	cleanup_free char *out = NULL, *errtext = NULL;
	struct err *err = NULL;
	int r = kist_capture_err(k, "kist-store", args, 4096, &out, &errtext, &err);
	char *sp;

	if (r < 0) {
		fprintf(stderr, "Error: %s\n", err->msg);
		err_free(err);
		return NULL;
	}
	if (r != 0) {
		kist_print_error("kist-store", errtext, NULL);
		return NULL;
	}
	out[strcspn(out, "\n")] = '\0';
	sp = strchr(out, ' ');
	if (!sp)
		return NULL;
	*sp = '\0';
	*running = streq(sp + 1, "running") || streq(sp + 1, "restarting");
	return xstrdup(out);
}

/* docker's daemon.json "bridge": "none" turns the default bridge off:
 * containers without --network get none. */
static const char *default_network(void)
{
	const char *p = getenv("KIST_CONFIG");
	cleanup_json cJSON *cfg = json_load_file(p && *p ? p : "/etc/kist/config.json", 0, NULL);
	const char *b = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cfg, "bridge"));

	return b && streq(b, "none") ? "none" : "bridge";
}

int kist_net_overrides(const struct kist *k, char **args, cJSON *ov, cJSON *ann)
{
	cleanup_strv char **pub = flag_vals(args, "--publish");
	cleanup_strv char **dns = flag_vals(args, "--dns");
	cleanup_strv char **search = flag_vals(args, "--dns-search");
	cleanup_strv char **dopt = flag_vals(args, "--dns-option");
	cleanup_strv char **hosts = flag_vals(args, "--add-host");
	const char *net = flag_last(args, "--network");
	bool all = flag_set(args, "--publish-all");
	cleanup_json cJSON *bind = cJSON_CreateArray();
	cJSON *exposed = NULL;

	if (!net || !*net || streq(net, "default"))
		net = default_network();
	for (char **p = dns; p && *p; p++) {
		unsigned char buf[16];
		if (inet_pton(AF_INET, *p, buf) != 1 && inet_pton(AF_INET6, *p, buf) != 1)
			cli_usage_error("invalid argument \"%s\" for \"--dns\" flag: %s is not an "
					"ip address",
					*p, *p);
	}
	for (char **p = hosts; p && *p; p++) {
		const char *colon = strchr(*p, ':');
		unsigned char buf[16];

		if (!colon || colon == *p)
			cli_usage_error("invalid argument \"%s\" for \"--add-host\" flag: bad "
					"format for add-host: \"%s\"",
					*p, *p);
		if (inet_pton(AF_INET, colon + 1, buf) != 1 &&
		    inet_pton(AF_INET6, colon + 1, buf) != 1)
			cli_usage_error("invalid argument \"%s\" for \"--add-host\" flag: invalid "
					"IP address in add-host: \"%s\"",
					*p, colon + 1);
	}
	for (char **p = pub; p && *p; p++) {
		cJSON *b = parse_publish(*p);
		cleanup_free char *key = xasprintf(
		    "%s/%s", cJSON_GetStringValue(cJSON_GetObjectItem(b, "ContainerPort")),
		    cJSON_GetStringValue(cJSON_GetObjectItem(b, "Proto")));

		cJSON_AddItemToArray(bind, b);
		if (!exposed)
			exposed = cJSON_AddObjectToObject(ov, "ExposedPorts");
		if (!cJSON_GetObjectItemCaseSensitive(exposed, key))
			cJSON_AddObjectToObject(exposed, key);
	}
	if (streq(net, "host")) {
		if (pub || all)
			fprintf(stderr, "WARNING: Published ports are discarded when using host "
					"network mode\n");
		cJSON_AddStringToObject(ov, "NetworkMode", "host");
	} else if (str_has_prefix(net, "container:")) {
		bool running = false;
		cleanup_free char *id = container_id(k, net + strlen("container:"), &running);
		cleanup_free char *ns = NULL, *val = NULL;
		const char *run = getenv("KIST_RUN");

		if (!id)
			return -1;
		if (!running) {
			fprintf(stderr,
				"Error: cannot join network of a non running container: %s\n",
				net + strlen("container:"));
			return -1;
		}
		if (pub || all) {
			fprintf(stderr, "Error: conflicting options: port publishing and the "
					"container type network mode\n");
			return -1;
		}
		ns = xasprintf("%s/netns/%s", run && *run ? run : "/run/kist", id);
		val = xasprintf("container:%s", id);
		cJSON_AddStringToObject(ov, "NetworkNamespacePath", ns);
		net = NULL;
		cJSON_AddStringToObject(ann, "io.kist.network", val);
	} else if (!streq(net, "none") && !streq(net, "bridge")) {
		/* a user network: it must exist now, as docker checks at create */
		char *nargs[] = {"inspect", "--format", "x", "--", (char *)net, NULL};
		cleanup_free char *out = NULL, *errtext = NULL;
		struct err *err = NULL;
		int r = kist_capture_err(k, "kist-net", nargs, 4096, &out, &errtext, &err);

		if (r != 0) {
			if (r < 0)
				fprintf(stderr, "Error: %s\n", err->msg);
			else
				kist_print_error("kist-net", errtext, NULL);
			err_free(err);
			return -1;
		}
	}
	if (net)
		cJSON_AddStringToObject(ann, "io.kist.network", net);
	if (cJSON_GetArraySize(bind) > 0 && net && !streq(net, "host")) {
		cleanup_free char *text = json_print(bind, false);
		cJSON_AddStringToObject(ann, "io.kist.port-bindings", text);
	}
	if (all && net && !streq(net, "host"))
		cJSON_AddStringToObject(ann, "io.kist.publish-all", "true");
	if (dns)
		put_array(ann, "io.kist.dns", dns);
	if (search)
		put_array(ann, "io.kist.dns-search", search);
	if (dopt)
		put_array(ann, "io.kist.dns-option", dopt);
	if (hosts)
		put_array(ann, "io.kist.extra-hosts", hosts);
	return 0;
}

/* ROOT from the record's LogPath (ROOT/containers/<id>/log.json) */
static char *root_of(const cJSON *doc)
{
	const char *lp = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "LogPath"));
	const char *c = lp ? strstr(lp, "/containers/") : NULL;

	return c ? xstrndup(lp, (size_t)(c - lp)) : NULL;
}

static const char *id_of(const cJSON *doc)
{
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "Id"));

	return id ? id : "";
}

int kist_net_up(const cJSON *doc)
{
	cleanup_free char *root = root_of(doc), *out = NULL, *errtext = NULL;
	char *args[] = {"--root", root, "up", (char *)id_of(doc), NULL};
	struct kist bare = {.debug = false};
	struct err *err = NULL;
	int r;

	if (!root)
		return 0;
	r = kist_capture_err(&bare, "kist-net", args, 4096, &out, &errtext, &err);
	if (r < 0) {
		fprintf(stderr, "Error: %s\n", err->msg);
		err_free(err);
		return -1;
	}
	if (r != 0) {
		const char *m = errtext;

		if (str_has_prefix(m, "kist-net: "))
			m += strlen("kist-net: ");
		fprintf(stderr, "Error: %s", m);
		if (!*m || m[strlen(m) - 1] != '\n')
			fputc('\n', stderr);
		return -1;
	}
	return 0;
}

void kist_net_down(const cJSON *doc)
{
	cleanup_free char *root = root_of(doc), *out = NULL, *errtext = NULL;
	char *args[] = {"--root", root, "down", (char *)id_of(doc), NULL};
	struct kist bare = {.debug = false};
	struct err *err = NULL;
	int r;

	if (!root)
		return;
	r = kist_capture_err(&bare, "kist-net", args, 4096, &out, &errtext, &err);
	if (r < 0)
		fprintf(stderr, "Warning: %s\n", err->msg);
	else if (r != 0 && errtext && *errtext)
		fprintf(stderr, "Warning: %s", errtext);
	err_free(err);
}

void kist_net_release(const struct kist *k, const char *id)
{
	char *args[] = {"down", (char *)id, NULL};
	cleanup_free char *out = NULL, *errtext = NULL;
	struct err *err = NULL;
	int r = kist_capture_err(k, "kist-net", args, 4096, &out, &errtext, &err);

	if (r < 0)
		fprintf(stderr, "Warning: %s\n", err->msg);
	else if (r != 0 && errtext && *errtext)
		fprintf(stderr, "Warning: %s", errtext);
	err_free(err);
}

void kist_exit_command(const cJSON *doc, bool auto_remove, char ***args)
{
	cleanup_free char *root = root_of(doc);
	cleanup_free char *prog = proc_sibling_path(auto_remove ? "kist" : "kist-net");
	const char *net[] = {"--root", root, "down", id_of(doc)};
	const char *rm[] = {"--root", root, "container", "cleanup", "--rm", id_of(doc)};
	const char **tail = auto_remove ? rm : net;
	size_t n = auto_remove ? ARRAY_SIZE(rm) : ARRAY_SIZE(net);

	if (!root)
		return;
	strv_push(args, "--exit-command");
	strv_push(args, prog);
	for (size_t i = 0; i < n; i++) {
		strv_push(args, "--exit-command-arg");
		strv_push(args, tail[i]);
	}
}

/* kist port CONTAINER [PRIVATE_PORT[/PROTO]] */
int kist_port(const struct kist *k, const struct kverb *v, char **args, const char *const *vals,
	      struct err **err)
{
	char **ops = args;
	bool running = false;
	cleanup_free char *id = NULL;
	char *pargs[] = {"port", NULL, NULL, NULL};

	(void)v;
	(void)vals;
	(void)err;
	while (*ops && !streq(*ops, "--"))
		ops++;
	if (*ops)
		ops++;
	id = container_id(k, ops[0], &running);
	if (!id)
		return EXIT_FAIL;
	pargs[1] = id;
	pargs[2] = ops[1];
	return kist_run(k, "kist-net", pargs, NULL, err);
}
