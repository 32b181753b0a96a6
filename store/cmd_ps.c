/* cmd_ps.c: ps and inspect-container: docker's view of the containers, made
 * from what the store holds (container.json, bundle/config.json) and the
 * shim's exit record beside it (containers/<id>/state.json).  A record that
 * says "running" while no shim holds $RUN/shim/<id>/lock is a dead shim's:
 * it shows as "dead".  One exec lists every container. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/format.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/template.h"
#include "common/util.h"
#include "spec/convert.h"
#include "store/store.h"

bool container_shim_alive(struct store *s, const char *id)
{
	cleanup_free char *p = xasprintf("%s/shim/%s/lock", s->run, id);
	cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	return flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

/* The container's State block: the shim's record, "created" without one,
 * "dead" for a record of a live container whose shim is gone. */
cJSON *container_state(struct store *s, const char *id)
{
	cleanup_free char *p = xasprintf("containers/%s/state.json", id);
	cJSON *st = json_load_fileat(s->rootfd, p, 0, NULL);
	const cJSON *status;

	if (!cJSON_IsObject(st)) {
		cJSON_Delete(st);
		st = cJSON_CreateObject();
		cJSON_AddStringToObject(st, "Status", "created");
		cJSON_AddBoolToObject(st, "Running", false);
		cJSON_AddBoolToObject(st, "Paused", false);
		cJSON_AddBoolToObject(st, "Restarting", false);
		cJSON_AddBoolToObject(st, "OOMKilled", false);
		cJSON_AddBoolToObject(st, "Dead", false);
		cJSON_AddNumberToObject(st, "Pid", 0);
		cJSON_AddNumberToObject(st, "ExitCode", 0);
		cJSON_AddStringToObject(st, "Error", "");
		cJSON_AddStringToObject(st, "StartedAt", "0001-01-01T00:00:00Z");
		cJSON_AddStringToObject(st, "FinishedAt", "0001-01-01T00:00:00Z");
		return st;
	}
	status = cJSON_GetObjectItemCaseSensitive(st, "Status");
	if (cJSON_IsString(status) &&
	    (streq(status->valuestring, "running") || streq(status->valuestring, "paused") ||
	     streq(status->valuestring, "restarting")) &&
	    !container_shim_alive(s, id)) {
		cJSON_ReplaceItemInObjectCaseSensitive(st, "Status", cJSON_CreateString("dead"));
		cJSON_ReplaceItemInObjectCaseSensitive(st, "Running", cJSON_CreateFalse());
		cJSON_ReplaceItemInObjectCaseSensitive(st, "Restarting", cJSON_CreateFalse());
		cJSON_ReplaceItemInObjectCaseSensitive(st, "Dead", cJSON_CreateTrue());
	}
	return st;
}

static const char *str_of(const cJSON *o, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : dflt;
}

static const cJSON *obj_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsObject(v) ? v : NULL;
}

/* docker ps's MOUNTS: volume names and bind sources (15 runes each unless
 * no_trunc). */
static char *mounts_text(const cJSON *doc, bool no_trunc)
{
	struct buf b = BUF_INIT;
	const cJSON *m;

	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(doc, "Mounts"))
	{
		const char *name = str_of(m, "Name", "");
		cleanup_free char *shown = NULL;

		if (!*name)
			name = str_of(m, "Source", "");
		if (!*name)
			continue; /* a tmpfs */
		shown = no_trunc ? xstrdup(name) : fmt_shorten(name, 15);
		if (b.len)
			buf_addch(&b, ',');
		buf_adds(&b, shown);
	}
	return buf_detach(&b, NULL);
}

/* docker inspect's Mounts (the record's, made by create-container) and
 * HostConfig's Binds, Mounts and Tmpfs as the user gave them. */
static void container_doc_mounts(const cJSON *doc, const cJSON *ov, cJSON *o, cJSON *host)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, "Mounts");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(ov, "Binds");
	const cJSON *um = cJSON_GetObjectItemCaseSensitive(ov, "Mounts");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(ov, "Tmpfs");
	const cJSON *vf = cJSON_GetObjectItemCaseSensitive(ov, "VolumesFrom");

	cJSON_AddItemToObject(o, "Mounts",
			      cJSON_IsArray(m) ? cJSON_Duplicate(m, true) : cJSON_CreateArray());
	cJSON_AddItemToObject(host, "Binds",
			      cJSON_IsArray(b) ? cJSON_Duplicate(b, true) : cJSON_CreateNull());
	if (cJSON_IsArray(um))
		cJSON_AddItemToObject(host, "Mounts", cJSON_Duplicate(um, true));
	if (cJSON_IsObject(t))
		cJSON_AddItemToObject(host, "Tmpfs", cJSON_Duplicate(t, true));
	cJSON_AddItemToObject(host, "VolumesFrom",
			      cJSON_IsArray(vf) ? cJSON_Duplicate(vf, true) : cJSON_CreateNull());
}

/* docker inspect's shape for one container. */
static cJSON *container_doc(struct store *s, const struct container *c)
{
	cleanup_free char *cp = xasprintf("containers/%s/bundle/config.json", c->id);
	cleanup_json cJSON *spec = json_load_fileat(s->rootfd, cp, 0, NULL);
	cleanup_free char *dir = container_dir(s, c->id);
	const cJSON *proc = obj_of(spec, "process"), *ann = obj_of(spec, "annotations");
	const cJSON *ov = obj_of(c->doc, "Overrides"), *args, *e;
	cJSON *o = cJSON_CreateObject(), *cfg, *host, *a, *labels, *rp;
	cJSON *state = container_state(s, c->id);
	const char *restart = str_of(ann, "io.kist.restart", "no");
	const char *colon = strchr(restart, ':');
	int i = 0;

	cJSON_AddStringToObject(o, "Id", c->id);
	cJSON_AddStringToObject(o, "Created", c->created);
	args = cJSON_GetObjectItemCaseSensitive(proc, "args");
	a = cJSON_CreateArray();
	cJSON_ArrayForEach(e, args)
	{
		if (i++ == 0)
			cJSON_AddStringToObject(o, "Path", cJSON_IsString(e) ? e->valuestring : "");
		else
			cJSON_AddItemToArray(a, cJSON_Duplicate(e, true));
	}
	if (i == 0)
		cJSON_AddStringToObject(o, "Path", "");
	cJSON_AddItemToObject(o, "Args", a);
	cJSON_AddItemToObject(o, "State", state);
	cJSON_AddStringToObject(o, "Image", c->image_id);
	{
		cleanup_free char *lp = xasprintf("%s/log.json", dir);
		cJSON_AddStringToObject(o, "LogPath", lp);
	}
	{
		cleanup_free char *n = xasprintf("/%s", c->name);
		cJSON_AddStringToObject(o, "Name", n);
	}
	{
		const cJSON *rc = cJSON_GetObjectItemCaseSensitive(state, "RestartCount");
		cJSON_AddNumberToObject(o, "RestartCount",
					cJSON_IsNumber(rc) ? rc->valuedouble : 0);
	}
	cJSON_AddStringToObject(o, "Driver", store_driver_name(c->driver));
	host = cJSON_AddObjectToObject(o, "HostConfig");
	rp = cJSON_AddObjectToObject(host, "RestartPolicy");
	if (colon) {
		cleanup_free char *mode = xstrndup(restart, (size_t)(colon - restart));
		cJSON_AddStringToObject(rp, "Name", mode);
		cJSON_AddNumberToObject(rp, "MaximumRetryCount", atoi(colon + 1));
	} else {
		cJSON_AddStringToObject(rp, "Name", restart);
		cJSON_AddNumberToObject(rp, "MaximumRetryCount", 0);
	}
	cJSON_AddBoolToObject(host, "AutoRemove", streq(str_of(ann, "io.kist.rm", ""), "true"));
	cJSON_AddStringToObject(host, "LogOpt", str_of(ann, "io.kist.log-opt", ""));
	container_doc_mounts(c->doc, ov, o, host);
	{
		cJSON *gd = cJSON_AddObjectToObject(o, "GraphDriver");
		cJSON *d = cJSON_AddObjectToObject(gd, "Data");
		cleanup_free char *m = xasprintf("%s/bundle/rootfs", dir);
		cleanup_free char *u = xasprintf("%s/upper", dir);

		cJSON_AddStringToObject(d, "MergedDir", m);
		cJSON_AddStringToObject(d, "UpperDir", u);
		cJSON_AddStringToObject(gd, "Name", store_driver_name(c->driver));
	}
	cfg = cJSON_AddObjectToObject(o, "Config");
	cJSON_AddStringToObject(cfg, "Hostname", str_of(spec, "hostname", ""));
	cJSON_AddStringToObject(cfg, "User", str_of(ov, "User", ""));
	{
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(proc, "terminal");
		const cJSON *si = cJSON_GetObjectItemCaseSensitive(ov, "OpenStdin");

		cJSON_AddBoolToObject(cfg, "Tty", cJSON_IsTrue(t));
		cJSON_AddBoolToObject(cfg, "OpenStdin", cJSON_IsTrue(si));
	}
	e = cJSON_GetObjectItemCaseSensitive(proc, "env");
	cJSON_AddItemToObject(cfg, "Env", e ? cJSON_Duplicate(e, true) : cJSON_CreateArray());
	cJSON_AddItemToObject(cfg, "Cmd", args ? cJSON_Duplicate(args, true) : cJSON_CreateArray());
	cJSON_AddStringToObject(cfg, "Image", c->image);
	cJSON_AddStringToObject(cfg, "WorkingDir", str_of(proc, "cwd", "/"));
	labels = cJSON_AddObjectToObject(cfg, "Labels");
	{
		const cJSON *ol = obj_of(ov, "Labels");
		cJSON_ArrayForEach(e, ol) if (cJSON_IsString(e))
		    cJSON_AddStringToObject(labels, e->string, e->valuestring);
	}
	{
		/* docker's Config.Volumes: the image's and -v DST ones */
		const cJSON *vl = cJSON_GetObjectItemCaseSensitive(ann, SPEC_ANNOTATION_VOLUMES);
		cleanup_json cJSON *arr = cJSON_IsString(vl) ? cJSON_Parse(vl->valuestring) : NULL;
		cJSON *vols = cJSON_GetArraySize(arr) > 0 ? cJSON_AddObjectToObject(cfg, "Volumes")
							  : cJSON_AddNullToObject(cfg, "Volumes");

		cJSON_ArrayForEach(e, arr) if (cJSON_IsString(e))
		    cJSON_AddObjectToObject(vols, e->valuestring);
	}
	cJSON_AddStringToObject(cfg, "StopSignal",
				str_of(ann, SPEC_ANNOTATION_STOP_SIGNAL, "SIGTERM"));
	{
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(ann, "io.kist.stop-timeout");
		if (cJSON_IsString(t))
			cJSON_AddNumberToObject(cfg, "StopTimeout", atoi(t->valuestring));
	}
	container_net_inspect(s, c, o);
	return o;
}

static const char inspect_usage[] =
    "usage: kist-store inspect-container [--format F] CONTAINER...\n"
    "Show containers as docker inspect does (JSON array; --format: a Go template\n"
    "per container).  CONTAINER: a name, an id or a unique id prefix.\n";

int cmd_inspect_container(void *g, int argc, char **argv, struct err **err)
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
			fputs(inspect_usage, stdout);
			return EXIT_OK;
		} else
			cli_usage_error("inspect-container: unknown option");
	}
	if (optind >= argc)
		cli_usage_error("inspect-container: want a CONTAINER");
	if (store_open(s, err) < 0)
		return -1;
	for (int i = optind; i < argc; i++) {
		struct container ct;
		cJSON *doc;
		struct err *e2 = NULL;

		if (container_find(s, argv[i], &ct, &e2) < 0) {
			fprintf(stderr, "kist-store: %s\n", e2->msg);
			err_free(e2);
			ret = EXIT_FAIL;
			continue;
		}
		doc = container_doc(s, &ct);
		container_release(&ct);
		cJSON_AddItemToArray(arr, doc);
	}
	if (fmt_inspect_print(t, arr, err) < 0)
		return -1;
	return ret;
}

/* ---- ps ---- */

enum {
	P_ID,
	P_IMAGE,
	P_CMD,
	P_CREATED_AT,
	P_RUNNING_FOR,
	P_PORTS,
	P_STATE,
	P_STATUS,
	P_SIZE,
	P_NAMES,
	P_LABELS,
	P_MOUNTS,
	P_NETWORKS,
	P_N
};
static const struct fmt_field ps_fields[P_N] = {
    [P_ID] = {"ID", "CONTAINER ID"},
    [P_IMAGE] = {"Image", "IMAGE"},
    [P_CMD] = {"Command", "COMMAND"},
    [P_CREATED_AT] = {"CreatedAt", "CREATED AT"},
    [P_RUNNING_FOR] = {"RunningFor", "CREATED"},
    [P_PORTS] = {"Ports", "PORTS"},
    [P_STATE] = {"State", "STATE"},
    [P_STATUS] = {"Status", "STATUS"},
    [P_SIZE] = {"Size", "SIZE"},
    [P_NAMES] = {"Names", "NAMES"},
    [P_LABELS] = {"Labels", "LABELS"},
    [P_MOUNTS] = {"Mounts", "MOUNTS"},
    [P_NETWORKS] = {"Networks", "NETWORKS"},
};

struct ps_row {
	struct container *c;
	cJSON *doc;
	double created; /* with its fraction: containers made in one second keep their order */
};

static int by_created_desc(const void *a, const void *b)
{
	const struct ps_row *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	return strcmp(x->c->id, y->c->id);
}

static char *status_text(const cJSON *st)
{
	const char *status = str_of(st, "Status", "created");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(st, "ExitCode");
	int ec = cJSON_IsNumber(code) ? code->valueint : 0;
	cleanup_free char *d = NULL;

	if (streq(status, "running") || streq(status, "paused")) {
		int64_t at = store_time_parse(str_of(st, "StartedAt", ""));
		d = fmt_duration(at > 0 ? (int64_t)time(NULL) - at : 0);
		return xasprintf("Up %s%s", d,
				 cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "Paused"))
				     ? " (Paused)"
				     : "");
	}
	if (streq(status, "exited") || streq(status, "restarting")) {
		int64_t at = store_time_parse(str_of(st, "FinishedAt", ""));
		d = fmt_since(at);
		return xasprintf("%s (%d) %s", streq(status, "exited") ? "Exited" : "Restarting",
				 ec, d);
	}
	if (streq(status, "dead"))
		return xstrdup("Dead");
	return xstrdup("Created");
}

/* The command from container.json's Args (the process's args), or from
 * bundle/config.json for containers made before the store recorded them. */
static char *command_text(struct store *s, const struct container *c, bool no_trunc)
{
	struct buf b = BUF_INIT;
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(c->doc, "Args"), *e;
	cleanup_json cJSON *spec = NULL;
	cleanup_free char *all = NULL;

	if (!cJSON_IsArray(args)) {
		cleanup_free char *cp = xasprintf("containers/%s/bundle/config.json", c->id);
		spec = json_load_fileat(s->rootfd, cp, 0, NULL);
		args = cJSON_GetObjectItemCaseSensitive(obj_of(spec, "process"), "args");
	}
	buf_add(&b, "\"", 1);
	cJSON_ArrayForEach(e, args)
	{
		if (!cJSON_IsString(e))
			continue;
		if (b.len > 1)
			buf_add(&b, " ", 1);
		buf_add(&b, e->valuestring, strlen(e->valuestring));
	}
	all = buf_detach(&b, NULL);
	if (no_trunc)
		return xasprintf("%s\"", all);
	{
		cleanup_free char *cut = fmt_shorten(all + 1, 20);
		return xasprintf("\"%s\"", cut);
	}
}

static char *labels_text(const cJSON *labels)
{
	struct buf b = BUF_INIT;
	const cJSON *e;

	cJSON_ArrayForEach(e, labels)
	{
		if (b.len)
			buf_add(&b, ",", 1);
		buf_add(&b, e->string, strlen(e->string));
		buf_add(&b, "=", 1);
		buf_add(&b, e->valuestring, strlen(e->valuestring));
	}
	return b.data ? buf_detach(&b, NULL) : xstrdup("");
}

struct ps_filter {
	char **status, **name, **id, **label, **ancestor, **exited, **volume;
	char *before, *since;
};

static void ps_filter_free(struct ps_filter *f)
{
	strv_free(f->status);
	strv_free(f->name);
	strv_free(f->id);
	strv_free(f->label);
	strv_free(f->ancestor);
	strv_free(f->exited);
	strv_free(f->volume);
	free(f->before);
	free(f->since);
}

static int ps_filter_add(struct ps_filter *f, const char *arg, struct err **err)
{
	static const char *const states[] = {"created", "restarting", "running", "removing",
					     "paused",  "exited",     "dead",    NULL};
	const char *eq = strchr(arg, '=');
	cleanup_free char *key = eq ? xstrndup(arg, (size_t)(eq - arg)) : NULL;
	const char *val = eq ? eq + 1 : NULL;

	if (!eq)
		return err_set_code(err, EINVAL, "bad format of filter (expected name=value)");
	if (streq(key, "status")) {
		size_t i;
		for (i = 0; states[i] && !streq(states[i], val); i++)
			;
		if (!states[i])
			return err_set_code(err, EINVAL, "invalid filter 'status=%s'", val);
		strv_push(&f->status, val);
	} else if (streq(key, "name"))
		strv_push(&f->name, val);
	else if (streq(key, "id"))
		strv_push(&f->id, val);
	else if (streq(key, "label"))
		strv_push(&f->label, val);
	else if (streq(key, "ancestor"))
		strv_push(&f->ancestor, val);
	else if (streq(key, "volume"))
		strv_push(&f->volume, val);
	else if (streq(key, "exited")) {
		char *end;
		(void)strtol(val, &end, 10);
		if (!*val || *end)
			return err_set_code(err, EINVAL, "invalid filter 'exited=%s'", val);
		strv_push(&f->exited, val);
	} else if (streq(key, "before")) {
		free(f->before);
		f->before = xstrdup(val);
	} else if (streq(key, "since")) {
		free(f->since);
		f->since = xstrdup(val);
	} else
		return err_set_code(err, EINVAL, "invalid filter '%s'", key);
	return 0;
}

static bool any_of(char **v, bool (*match)(const char *want, const void *ctx), const void *ctx)
{
	if (!v)
		return true;
	for (; *v; v++)
		if (match(*v, ctx))
			return true;
	return false;
}

static bool m_streq(const char *want, const void *ctx)
{
	return streq(want, ctx);
}
static bool m_substr(const char *want, const void *ctx)
{
	return strstr(ctx, want) != NULL;
}
static bool m_prefix(const char *want, const void *ctx)
{
	return str_has_prefix(ctx, want);
}
static bool m_label(const char *want, const void *ctx)
{
	const char *eq = strchr(want, '=');
	cleanup_free char *k = eq ? xstrndup(want, (size_t)(eq - want)) : xstrdup(want);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ctx, k);

	return cJSON_IsString(v) && (!eq || streq(v->valuestring, eq + 1));
}

/* volume=: a volume's name or a mount's destination (ctx: the Mounts) */
static bool m_volume(const char *want, const void *ctx)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, (const cJSON *)ctx)
	{
		if (streq(str_of(m, "Name", ""), want) || streq(str_of(m, "Destination", ""), want))
			return true;
	}
	return false;
}

/* before=/since=: the creation time of the container named */
static int ps_ref_time(struct store *s, const char *ref, double *out, struct err **err)
{
	struct container rc;
	int r;

	if (container_find(s, ref, &rc, err) < 0)
		return -1;
	r = time_parse_rfc3339(rc.created, out);
	container_release(&rc);
	if (r < 0)
		return err_set_code(err, EINVAL, "container '%s' has no creation time", ref);
	return 0;
}

static const char ps_usage[] =
    "usage: kist-store ps [-a] [-q] [-l] [-n N] [-s] [--no-trunc] [-f FILTER]... [--format F]\n"
    "List containers as docker ps does (running ones; -a: all).  Filters:\n"
    "status= name= id= label= ancestor= exited= volume= before= since=.\n";

int cmd_ps(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
					     {"quiet", no_argument, NULL, 'q'},
					     {"latest", no_argument, NULL, 'l'},
					     {"last", required_argument, NULL, 'n'},
					     {"size", no_argument, NULL, 's'},
					     {"no-trunc", no_argument, NULL, 'T'},
					     {"filter", required_argument, NULL, 'f'},
					     {"format", required_argument, NULL, 'F'},
					     STORE_HELP_OPT,
					     {NULL, 0, NULL, 0}};
	struct store *s = g;
	struct ps_filter f = {0};
	struct container *cs = NULL;
	struct ps_row *rows = NULL;
	struct fmt_table *t = NULL;
	const char *format = NULL;
	bool all = false, quiet = false, no_trunc = false, size = false;
	long last = -1;
	double before = -1, since = -1;
	size_t n = 0, i, shown = 0;
	int c, ret = -1;

	while ((c = cli_getopt(argc, argv, "+aqln:sf:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'l':
			last = 1;
			break;
		case 'n': {
			char *end;
			last = strtol(optarg, &end, 10);
			if (!*optarg || *end)
				cli_usage_error("ps: bad --last '%s'", optarg);
			break;
		}
		case 's':
			size = true;
			break;
		case 'T':
			no_trunc = true;
			break;
		case 'f':
			if (ps_filter_add(&f, optarg, err) < 0)
				goto out;
			break;
		case 'F':
			format = optarg;
			break;
		case 'h':
			fputs(ps_usage, stdout);
			ret = EXIT_OK;
			goto out;
		default:
			cli_usage_error("ps: unknown option");
		}
	}
	if (optind != argc)
		cli_usage_error("ps: takes no operands");
	if (last >= 0 || f.status || f.exited || f.before || f.since)
		all = true; /* docker: -n, -l and these filters imply -a */
	if (quiet && !format)
		format = "{{.ID}}";
	t = fmt_table_new(format,
			  size ? "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t"
				 "{{.Status}}\t{{.Ports}}\t{{.Names}}\t{{.Size}}"
			       : "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t"
				 "{{.Status}}\t{{.Ports}}\t{{.Names}}",
			  ps_fields, P_N, err);
	if (!t)
		goto out;
	if (store_open(s, err) < 0 || container_list(s, &cs, &n, err) < 0)
		goto out;
	rows = xcalloc(n + 1, sizeof(*rows));
	for (i = 0; i < n; i++) {
		rows[i].c = &cs[i];
		if (time_parse_rfc3339(cs[i].created, &rows[i].created) < 0)
			rows[i].created = 0;
	}
	qsort(rows, n, sizeof(*rows), by_created_desc);
	if ((f.before && ps_ref_time(s, f.before, &before, err) < 0) ||
	    (f.since && ps_ref_time(s, f.since, &since, err) < 0))
		goto out;
	for (i = 0; i < n; i++) {
		struct ps_row *r = &rows[i];
		cJSON *st = container_state(s, r->c->id);
		const cJSON *labels = obj_of(obj_of(r->c->doc, "Overrides"), "Labels");
		const char *state = str_of(st, "Status", "created");
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(st, "ExitCode");
		char ecs[16];
		cleanup_free char *id = no_trunc ? xstrdup(r->c->id) : xstrndup(r->c->id, 12);
		cleanup_free char *cmd = NULL, *sz = NULL, *ports = NULL, *nets = NULL;
		cleanup_free char *at = fmt_time_go((int64_t)r->created);
		cleanup_free char *since_s = fmt_since((int64_t)r->created);
		cleanup_free char *status = status_text(st);
		cleanup_free char *lt = labels_text(labels);
		cleanup_free char *mt = mounts_text(r->c->doc, no_trunc);
		char *vals[P_N];

		r->doc = st;
		snprintf(ecs, sizeof(ecs), "%d", cJSON_IsNumber(code) ? code->valueint : 0);
		if (!all && !streq(state, "running") && !streq(state, "paused") &&
		    !streq(state, "restarting"))
			continue;
		if (!any_of(f.status, m_streq, state) || !any_of(f.name, m_substr, r->c->name) ||
		    !any_of(f.id, m_prefix, r->c->id) || !any_of(f.label, m_label, labels) ||
		    !any_of(f.volume, m_volume,
			    cJSON_GetObjectItemCaseSensitive(r->c->doc, "Mounts")))
			continue;
		if (f.ancestor && !any_of(f.ancestor, m_streq, r->c->image) &&
		    !any_of(f.ancestor, m_prefix, r->c->image_id + 7) &&
		    !any_of(f.ancestor, m_streq, r->c->image_id))
			continue;
		if (f.exited && (!streq(state, "exited") || !any_of(f.exited, m_streq, ecs)))
			continue;
		if (before >= 0 && !(r->created < before))
			continue;
		if (since >= 0 && !(r->created > since))
			continue;
		if (last >= 0 && (long)shown >= last)
			break;
		shown++;
		cmd = command_text(s, r->c, no_trunc);
		if (size) {
			/* docker's SIZE: what the container wrote (its upper dir) */
			cleanup_free char *u = xasprintf("containers/%s/upper", r->c->id);
			sz = fmt_size(store_tree_size(s->rootfd, u));
		} else {
			sz = xstrdup("");
		}
		vals[P_ID] = id;
		vals[P_IMAGE] = r->c->image;
		vals[P_CMD] = cmd;
		vals[P_CREATED_AT] = at;
		vals[P_RUNNING_FOR] = since_s;
		ports = container_ports_text(s, r->c);
		nets = container_networks_text(r->c);
		vals[P_PORTS] = ports;
		vals[P_STATE] = (char *)state;
		vals[P_STATUS] = status;
		vals[P_SIZE] = sz;
		vals[P_NAMES] = r->c->name;
		vals[P_LABELS] = lt;
		vals[P_MOUNTS] = mt;
		vals[P_NETWORKS] = nets;
		if (fmt_table_row(t, vals, err) < 0)
			goto out;
	}
	fmt_table_flush(t, stdout);
	ret = EXIT_OK;
out:
	for (i = 0; rows && i < n; i++)
		cJSON_Delete(rows[i].doc);
	free(rows);
	fmt_table_free(t);
	container_free_list(cs, n);
	ps_filter_free(&f);
	return ret;
}
