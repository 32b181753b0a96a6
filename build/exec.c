/* exec.c: walk the Dockerfile's stages (only those the target needs) and
 * run each instruction as a step: a cache lookup first (one small file read
 * per step, no exec), then on a miss a config change (metadata steps) or a
 * container committed as a layer (RUN, COPY, ADD). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "build/build.h"
#include "build/dockerfile.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/proc.h"
#include "common/ref.h"
#include "common/util.h"
#include "spec/convert.h"
#include "spec/image.h"

static const char *const proxy_args[] = {
    "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
    "NO_PROXY",   "no_proxy",   "ALL_PROXY",   "all_proxy",   NULL,
};

struct stage {
	struct bimage img;
	char **args; /* "K=V" of the ARGs in scope with a value */
	bool cmd_set;
	bool needed, done;
};

struct step {
	const struct df_instr *in;
	size_t stage;
	char *desc;  /* the instruction after expansion (key and history) */
	char *extra; /* what else the key covers (args, sources) */
	char *files; /* sources' lines, for miss reasons */
	const char *kind_word;
	struct rmounts mounts; /* RUN --mount */
	char *dl_dir;          /* ADD of URLs: where they were downloaded */
	char **dl_names;       /* "<n>/<name>" under dl_dir, one per URL */
	char **pending_urls;   /* ADD --checksum: URLs downloaded on a miss */
};

static void step_release(struct step *s)
{
	free(s->desc);
	free(s->extra);
	free(s->files);
	rmounts_release(&s->mounts);
	if (s->dl_dir)
		fs_rm_rf(s->dl_dir, NULL);
	free(s->dl_dir);
	strv_free(s->dl_names);
	strv_free(s->pending_urls);
}

/* ---- variables ---- */

static const char *kv_get(char *const *v, const char *key)
{
	size_t kl = strlen(key);
	const char *hit = NULL;

	for (; v && *v; v++)
		if (!strncmp(*v, key, kl) && (*v)[kl] == '=')
			hit = *v + kl + 1;
	return hit;
}

static void kv_set(char ***v, const char *key, const char *value)
{
	size_t kl = strlen(key);

	for (char **p = *v; p && *p; p++)
		if (!strncmp(*p, key, kl) && (*p)[kl] == '=') {
			free(*p);
			*p = xasprintf("%s=%s", key, value);
			return;
		}
	{
		cleanup_free char *e = xasprintf("%s=%s", key, value);
		strv_push(v, e);
	}
}

static const char *build_arg(struct build *b, const char *key)
{
	const char *v = kv_get(b->o->build_args, key);

	if (v && !kv_get(b->used_args, key)) {
		cleanup_free char *u = xasprintf("%s=", key);
		strv_push(&b->used_args, u);
	}
	return v;
}

/* The variables an instruction expands with: the stage's ARGs, then the
 * image's Env (ENV wins over ARG, as docker). */
static char **stage_vars(struct stage *st)
{
	char **v = xcalloc(1, sizeof(char *));
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(bimage_cfg(&st->img), "Env"), *e;

	for (char **a = st->args; a && *a; a++)
		strv_push(&v, *a);
	cJSON_ArrayForEach(e, env) if (cJSON_IsString(e)) strv_push(&v, e->valuestring);
	return v;
}

static int expand(struct build *b, const struct df_instr *in, char *const *vars, const char *word,
		  char **out, struct err **err)
{
	if (df_expand(word, (const char *const *)vars, b->df->escape, out, err) < 0)
		return err_wrap(err, "Dockerfile:%d", in->line);
	return 0;
}

static const char *flag_get(const struct df_instr *in, const char *name)
{
	const char *v = NULL;

	for (size_t i = 0; i < in->nflags; i++)
		if (streq(in->flags[i].name, name))
			v = in->flags[i].value ? in->flags[i].value : "";
	return v;
}

/* ---- config edits ---- */

static void cfg_set(cJSON *cfg, const char *key, cJSON *value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(cfg, key);
	if (value)
		cJSON_AddItemToObject(cfg, key, value);
}

static cJSON *cfg_obj(cJSON *cfg, const char *key)
{
	cJSON *o = cJSON_GetObjectItemCaseSensitive(cfg, key);

	if (!cJSON_IsObject(o)) {
		cJSON_DeleteItemFromObjectCaseSensitive(cfg, key);
		o = cJSON_AddObjectToObject(cfg, key);
	}
	return o;
}

static void env_set(cJSON *cfg, const char *key, const char *value)
{
	cJSON *env = cJSON_GetObjectItemCaseSensitive(cfg, "Env"), *e;
	size_t kl = strlen(key);
	cleanup_free char *kv = xasprintf("%s=%s", key, value);

	if (!cJSON_IsArray(env)) {
		cJSON_DeleteItemFromObjectCaseSensitive(cfg, "Env");
		env = cJSON_AddArrayToObject(cfg, "Env");
	}
	cJSON_ArrayForEach(e, env)
	{
		if (cJSON_IsString(e) && !strncmp(e->valuestring, key, kl) &&
		    e->valuestring[kl] == '=') {
			cJSON_SetValuestring(e, kv);
			return;
		}
	}
	cJSON_AddItemToArray(env, cJSON_CreateString(kv));
}

static cJSON *strv_json(char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

/* The shell for shell forms: the image's Shell or /bin/sh -c. */
static char **shell_of(struct bimage *img)
{
	const cJSON *sh = cJSON_GetObjectItemCaseSensitive(bimage_cfg(img), "Shell"), *e;
	char **v = xcalloc(1, sizeof(char *));

	cJSON_ArrayForEach(e, sh) if (cJSON_IsString(e)) strv_push(&v, e->valuestring);
	if (!v[0]) {
		strv_push(&v, "/bin/sh");
		strv_push(&v, "-c");
	}
	return v;
}

/* CMD/ENTRYPOINT/RUN/HEALTHCHECK's command: exec form as is, shell form
 * through the shell. */
static char **command_of(struct bimage *img, const struct df_instr *in, size_t first)
{
	char **v;

	if (in->json) {
		v = xcalloc(1, sizeof(char *));
		for (size_t i = first; i < in->nargs; i++)
			strv_push(&v, in->args[i]);
		return v;
	}
	v = shell_of(img);
	if (in->nargs > first)
		strv_push(&v, in->args[first]);
	return v;
}

static char *join_words(char *const *v)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; v[i]; i++) {
		if (i)
			buf_addch(&b, ' ');
		buf_adds(&b, v[i]);
	}
	return buf_detach(&b, NULL);
}

static void history_add(struct build *b, struct bimage *img, const char *created_by, bool empty)
{
	cJSON *h = cJSON_GetObjectItemCaseSensitive(img->config, "history"), *e;
	cleanup_free char *now = build_time(b);

	if (!cJSON_IsArray(h)) {
		cJSON_DeleteItemFromObjectCaseSensitive(img->config, "history");
		h = cJSON_AddArrayToObject(img->config, "history");
	}
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "created", now);
	cJSON_AddStringToObject(e, "created_by", created_by);
	if (empty)
		cJSON_AddBoolToObject(e, "empty_layer", true);
	cJSON_AddItemToArray(h, e);
	cfg_set(img->config, "created", cJSON_CreateString(now));
}

/* Go duration ("30s", "1m30s", "500ms") in nanoseconds; -1 if bad. */
static double go_duration(const char *s)
{
	double total = 0;

	if (!*s)
		return -1;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		double unit;

		if (end == s)
			return -1;
		s = end;
		if (str_has_prefix(s, "ns"))
			unit = 1, s += 2;
		else if (str_has_prefix(s, "us"))
			unit = 1e3, s += 2;
		else if (str_has_prefix(s, "ms"))
			unit = 1e6, s += 2;
		else if (*s == 's')
			unit = 1e9, s++;
		else if (*s == 'm')
			unit = 60e9, s++;
		else if (*s == 'h')
			unit = 3600e9, s++;
		else
			return -1;
		total += v * unit;
	}
	return total;
}

/* ---- steps ---- */

static char *step_key(const struct stage *st, const struct step *s)
{
	struct buf k = BUF_INIT;
	char d[DIGEST_STR_MAX];

	buf_addf(&k, "kist-build 1\n%s\n%s\n%s\n",
		 st->img.manifest[0] ? st->img.manifest : "scratch", s->desc,
		 s->extra ? s->extra : "");
	digest_buf(k.data, k.len, d);
	buf_release(&k);
	return xstrdup(d);
}

static char *step_place(struct build *b, const struct step *s)
{
	cleanup_free char *t =
	    xasprintf("%s\n%zu\n%d\n%s", b->df_id, s->stage, s->in->line, s->in->original);
	char d[DIGEST_STR_MAX];

	digest_buf(t, strlen(t), d);
	return xstrdup(d);
}

static char *step_record(const struct stage *st, const struct step *s)
{
	return xasprintf("parent %s\ndesc %s\nextra %s\n%s",
			 st->img.manifest[0] ? st->img.manifest : "scratch", s->desc,
			 s->extra ? s->extra : "", s->files ? s->files : "");
}

static const char *line_value(const char *rec, const char *key, size_t *len)
{
	size_t kl = strlen(key);

	for (const char *p = rec; p && *p;) {
		const char *nl = strchr(p, '\n');
		if (!strncmp(p, key, kl) && p[kl] == ' ') {
			*len = (size_t)((nl ? nl : p + strlen(p)) - (p + kl + 1));
			return p + kl + 1;
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

/* Lines of the files part: "<hash> <path>" after the header lines. */
static const char *files_part(const char *rec)
{
	const char *p = rec;

	for (int i = 0; i < 3 && p; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return p ? p : "";
}

static bool has_line(const char *text, const char *line, size_t len)
{
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		if (l == len && !memcmp(p, line, len))
			return true;
		if (!nl)
			break;
		p = nl + 1;
	}
	return false;
}

/* The path of the first line of a not in b, or NULL. */
static char *first_changed(const char *a, const char *b)
{
	for (const char *p = a; *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		const char *sp = memchr(p, ' ', l);

		if (l && !has_line(b, p, l) && sp)
			return xstrndup(sp + 1, l - (size_t)(sp + 1 - p));
		if (!nl)
			break;
		p = nl + 1;
	}
	return NULL;
}

static void explain_miss(struct build *b, const struct stage *st, const struct step *s,
			 const char *place)
{
	cleanup_free char *old = step_record_get(b, place);
	cleanup_free char *now = step_record(st, s);
	const char *ov, *nv;
	size_t ol = 0, nl = 0;

	if (b->o->no_cache || b->o->quiet || (!b->o->verbose && b->o->progress != PROGRESS_PLAIN))
		return;
	if (!old) {
		out_miss(b, "cache miss: not built before");
		return;
	}
	ov = line_value(old, "parent", &ol);
	nv = line_value(now, "parent", &nl);
	if (!ov || ol != nl || memcmp(ov, nv, nl)) {
		out_miss(b, "cache miss: parent image changed");
		return;
	}
	ov = line_value(old, "desc", &ol);
	nv = line_value(now, "desc", &nl);
	if (!ov || ol != nl || memcmp(ov, nv, nl)) {
		out_miss(b, "cache miss: instruction changed after expansion");
		return;
	}
	if (s->in->kind == DF_RUN) {
		/* extra holds the args "K=V;K=V;" */
		cleanup_free char *o = NULL, *n = NULL;

		ov = line_value(old, "extra", &ol);
		nv = line_value(now, "extra", &nl);
		o = ov ? xstrndup(ov, ol) : xstrdup("");
		n = xstrndup(nv, nl);
		for (char *p = n, *save = NULL, *t; (t = strtok_r(p, ";", &save)); p = NULL) {
			cleanup_free char *needle = xasprintf("%s;", t);
			if (!strstr(o, needle)) {
				char *eq = strchr(t, '=');
				if (eq)
					*eq = '\0';
				out_miss(b, "cache miss: build arg %s changed", t);
				return;
			}
		}
		out_miss(b, "cache miss: build args changed");
		return;
	}
	if (s->files) {
		cleanup_free char *path = first_changed(files_part(now), files_part(old));

		if (!path)
			path = first_changed(files_part(old), files_part(now));
		if (path) {
			out_miss(b, "cache miss: %s source %s changed", s->kind_word, path);
			return;
		}
	}
	out_miss(b, "cache miss: the cached image is gone");
}

/* ---- containers ---- */

struct ctr {
	char *id;
	char *rootfs;
};

/* A container only written into, never run: any image (scratch, a USER
 * its passwd lacks) must convert. */
#define FILES_ONLY "{\"Cmd\":[\"/bin/true\"],\"Entrypoint\":[],\"User\":\"0:0\"}"

static int ctr_create(struct build *b, const char *image, const char *overrides, struct ctr *c,
		      struct err **err)
{
	cleanup_free char *ov = build_owner_overrides(b, overrides);
	const char *argv[] = {b->store_bin, "--root", b->o->root, "create-container",
			      image,        ov,       NULL};
	char *id = NULL;
	int st = build_exec(b, argv, &id, err);

	if (st < 0)
		return -1;
	if (st != 0 || !id || strlen(id) != 64) {
		free(id);
		return err_set(err, 0, "kist-store create-container failed (exit %d)", st);
	}
	c->id = id;
	c->rootfs = xasprintf("%s/containers/%s/bundle/rootfs", b->o->root, id);
	return 0;
}

/* The files kist-net binds into a networked container (store/bundle.c),
 * and what of them the rootfs lacked (to leave out of the commit). */
static const char *const net_files[] = {"/etc/hosts", "/etc/resolv.conf", "/etc/hostname"};

static void net_stubs(const char *rootfs, char **stubs)
{
	int rootfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	for (size_t i = 0; i < ARRAY_SIZE(net_files); i++)
		stubs[i] = rootfd >= 0 ? stub_missing_part(rootfd, net_files[i]) : NULL;
	fs_close(rootfd);
}

/* kist-net up|down ID: a bridge RUN's namespace, address and /etc files
 * (up), released (down). */
static int net_verb(struct build *b, const char *verb, const char *id, struct err **err)
{
	const char *argv[] = {b->net_bin, "--root", b->o->root, verb, id, NULL};
	int st = build_exec(b, argv, NULL, err);

	if (st < 0)
		return -1;
	if (st != 0)
		return err_set(err, 0, "kist-net %s failed (exit %d)", verb, st);
	return 0;
}

static void ctr_remove(struct build *b, struct ctr *c)
{
	if (c->id) {
		/* -v: the anonymous volumes of the image's VOLUMEs go too, as
		 * docker's builder removes its containers */
		const char *argv[] = {b->store_bin, "--root", b->o->root, "rm-container",
				      "-f",         "-v",     c->id,      NULL};
		struct proc p = PROC_INIT;

		p.argv = argv;
		p.in = PROC_FD_NULL;
		p.out = PROC_FD_NULL;
		proc_run(&p, NULL);
	}
	free(c->id);
	free(c->rootfs);
	c->id = c->rootfs = NULL;
}

/* change: a Dockerfile instruction kist-store applies to the config, or NULL */
static int ctr_commit(struct build *b, struct ctr *c, const char *created_by, const char *change,
		      struct bimage *out, struct err **err)
{
	cleanup_free char *ts = xasprintf("%lld", (long long)b->o->timestamp);
	const char *argv[] = {b->store_bin,
			      "--root",
			      b->o->root,
			      "commit",
			      "--timestamp",
			      ts,
			      "--created-by",
			      created_by,
			      "--print-manifest",
			      change ? "--change" : c->id,
			      change ? change : NULL,
			      c->id,
			      NULL};
	cleanup_free char *man = NULL;
	int st = build_exec(b, argv, &man, err);

	if (st < 0)
		return -1;
	if (st != 0 || !digest_is_valid(man))
		return err_set(err, 0, "kist-store commit failed (exit %d)", st);
	if (bimage_load(b, man, out, err) < 0)
		return -1;
	/* the store named it unnamed in the index: known to exist */
	strv_push(&b->index_digests, man);
	return 0;
}

/* The current image must exist in the store for a container of it. */
static int ensure_written(struct build *b, struct bimage *img, struct err **err)
{
	if (img->manifest[0])
		return 0;
	return bimage_write(b, img, err);
}

/* ---- RUN ---- */

/* A RUN --mount=type=bind of the context when a .dockerignore applies: its
 * source copied (the ignored files left out) into a directory of its own,
 * removed after the RUN. */
static int bind_context_copy(struct build *b, struct rmount *r, struct err **err)
{
	cleanup_free char *base = build_tmp_dir(b);
	cleanup_free char *src = NULL;
	cleanup_close int fd = -1;
	const char *rel = r->source ? r->source : "";
	struct copy_opts co = {.uid = -1, .gid = -1, .mode = -1, .dst_is_dir = true};
	struct stat st;

	while (*rel == '/')
		rel++;
	src = *rel ? xasprintf("%s/%s", b->ctxdir, rel) : xstrdup(b->ctxdir);
	if (stat(src, &st) < 0)
		return err_set(err, errno, "mount source '%s'", *rel ? rel : ".");
	if (fs_mkdir_p(base, 0700, err) < 0)
		return -1;
	r->tmp = xasprintf("%s/bindctx.XXXXXX", base);
	if (!mkdtemp(r->tmp))
		return err_set(err, errno, "mkdtemp '%s'", r->tmp);
	fd = open(r->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", r->tmp);
	if (context_copy(b, b->ctxdir, rel, fd, "/src/", &co, err) < 0)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		r->host = xasprintf("%s/src", r->tmp);
	} else {
		const char *slash = strrchr(rel, '/');
		r->host = xasprintf("%s/src/%s", r->tmp, slash ? slash + 1 : rel);
	}
	r->copied = true;
	return 0;
}

static int run_step(struct build *b, struct stage *st, struct step *s, struct err **err)
{
	const struct df_instr *in = s->in;
	cleanup_strv char **cmd = NULL;
	cleanup_json cJSON *ov = cJSON_CreateObject();
	cleanup_free char *ovtext = NULL, *created_by = NULL;
	struct ctr c = {0}, *from_ctrs = NULL;
	char sid[13];
	cJSON *env;
	int status, ret = -1;
	bool bridge = false;
	char *stubs[ARRAY_SIZE(net_files)] = {NULL};

	if (in->nheredocs && !in->json && in->nargs && str_has_prefix(in->args[0], "<<") &&
	    !strchr(in->args[0], ' ')) {
		/* RUN <<EOF: the heredoc is the script */
		cleanup_strv char **sh = shell_of(&st->img);
		cmd = strv_dup(sh);
		strv_push(&cmd, in->heredocs[0].content);
	} else if (in->nheredocs && !in->json) {
		/* heredocs on a command line: the shell reads them itself */
		struct buf t = BUF_INIT;
		cleanup_free char *text = NULL;
		cleanup_strv char **sh = shell_of(&st->img);

		buf_adds(&t, in->args[0]);
		buf_addch(&t, '\n');
		for (size_t i = 0; i < in->nheredocs; i++)
			buf_addf(&t, "%s%s\n", in->heredocs[i].content, in->heredocs[i].name);
		text = buf_detach(&t, NULL);
		cmd = strv_dup(sh);
		strv_push(&cmd, text);
	} else {
		cmd = command_of(&st->img, in, 0);
	}
	created_by = in->json ? join_words(cmd) : join_words(cmd);
	cJSON_AddItemToObject(ov, "Cmd", strv_json(cmd, strv_len(cmd)));
	cJSON_AddItemToObject(ov, "Entrypoint", cJSON_CreateArray());
	env = cJSON_AddArrayToObject(ov, "Env");
	{
		const cJSON *ienv = cJSON_GetObjectItemCaseSensitive(bimage_cfg(&st->img), "Env");
		for (char **a = st->args; a && *a; a++) {
			cleanup_free char *k = xstrndup(*a, strcspn(*a, "="));
			bool in_env = false;
			const cJSON *e;

			cJSON_ArrayForEach(
			    e, ienv) if (cJSON_IsString(e) && str_has_prefix(e->valuestring, k) &&
					 e->valuestring[strlen(k)] == '=') in_env = true;
			if (!in_env)
				cJSON_AddItemToArray(env, cJSON_CreateString(*a));
		}
		for (size_t i = 0; proxy_args[i]; i++) {
			const char *v = kv_get(b->o->build_args, proxy_args[i]);
			if (v && !kv_get(st->args, proxy_args[i])) {
				cleanup_free char *kv = xasprintf("%s=%s", proxy_args[i], v);
				build_arg(b, proxy_args[i]);
				cJSON_AddItemToArray(env, cJSON_CreateString(kv));
			}
		}
	}
	{
		const char *net = flag_get(in, "network");

		if (!net || !*net || streq(net, "default"))
			net = b->o->network;
		bridge = streq(net, "bridge");
		if (bridge) /* kist-net's: a namespace of its own on kist's bridge */
			cJSON_AddStringToObject(cJSON_AddObjectToObject(ov, "Annotations"),
						"io.kist.network", "bridge");
		else
			cJSON_AddStringToObject(ov, "NetworkMode", net);
	}
	ovtext = json_print(ov, false);
	if (ensure_written(b, &st->img, err) < 0)
		return -1;
	if (ctr_create(b, st->img.manifest, ovtext, &c, err) < 0)
		return err_wrap(err, "Dockerfile:%d: RUN", in->line);
	out_detail(b, " ---> Running in %s\n", short_id(c.id, sid));
	if (s->mounts.n) {
		from_ctrs = xcalloc(s->mounts.n, sizeof(*from_ctrs));
		for (size_t i = 0; i < s->mounts.n; i++) {
			struct rmount *r = &s->mounts.v[i];
			const char *root = b->ctxdir;

			if (r->type != RMOUNT_BIND)
				continue;
			if (r->from) {
				if (ctr_create(b, r->from_manifest, FILES_ONLY, &from_ctrs[i],
					       err) < 0)
					goto mount_failed;
				root = from_ctrs[i].rootfs;
			} else if (b->ignore) {
				/* the context as BuildKit sends it: without what
				 * .dockerignore leaves out */
				if (bind_context_copy(b, r, err) < 0)
					goto mount_failed;
				continue;
			}
			if (fs_resolve_in_root(root, r->source ? r->source : "/", false, &r->host,
					       err) < 0)
				goto mount_failed;
			if (r->host[0] != '/') {
				/* a relative context: the runtime runs elsewhere */
				char *abs = realpath(r->host, NULL);

				if (!abs) {
					err_set(err, errno, "mount source '%s'", r->host);
					goto mount_failed;
				}
				free(r->host);
				r->host = abs;
			}
		}
		if (rmounts_setup(b, &s->mounts, c.id, c.rootfs, err) < 0)
			goto mount_failed;
	}
	{
		cleanup_free char *rtroot = xasprintf("%s/runtime", b->o->run);
		cleanup_free char *bundle = xasprintf("%s/containers/%s/bundle", b->o->root, c.id);
		const char *argv[] = {b->runtime_bin, "--root", rtroot, "run",
				      "--bundle",     bundle,   c.id,   NULL};
		struct proc p = PROC_INIT;

		if (bridge)
			net_stubs(c.rootfs, stubs);
		if (bridge && net_verb(b, "up", c.id, err) < 0) {
			net_verb(b, "down", c.id, NULL);
			rmounts_finish(b, &s->mounts, c.rootfs);
			err_wrap(err, "Dockerfile:%d: RUN", in->line);
			goto out;
		}
		p.argv = argv;
		p.in = PROC_FD_NULL;
		status = out_run(b, &p, err);
		if (bridge)
			net_verb(b, "down", c.id, NULL);
		for (size_t i = 0; i < ARRAY_SIZE(stubs); i++)
			if (stubs[i])
				stub_remove(c.rootfs, net_files[i], stubs[i]);
		rmounts_finish(b, &s->mounts, c.rootfs);
		if (status < 0)
			goto out;
	}
	if (status != 0) {
		err_set(err, 0, "Dockerfile:%d: The command '%s' returned a non-zero code: %d",
			in->line, created_by, status);
		goto out;
	}
	if (ctr_commit(b, &c, created_by, NULL, &st->img, err) < 0) {
		err_wrap(err, "Dockerfile:%d: RUN", in->line);
		goto out;
	}
	ret = 0;
	if (0) {
	mount_failed:
		err_wrap(err, "Dockerfile:%d: RUN --mount", in->line);
		rmounts_finish(b, &s->mounts, c.rootfs);
	}
out:
	for (size_t i = 0; i < ARRAY_SIZE(stubs); i++)
		free(stubs[i]);
	for (size_t i = 0; from_ctrs && i < s->mounts.n; i++)
		ctr_remove(b, &from_ctrs[i]);
	free(from_ctrs);
	ctr_remove(b, &c);
	out_detail(b, "Removing intermediate container %s\n", sid);
	return ret;
}

/* ---- COPY / ADD ---- */

static int download(struct build *b, struct step *s, const char *url, const char *checksum,
		    char digest[DIGEST_STR_MAX], struct err **err);

/* what: the flag or instruction the user came from ("--chown=", "USER ") */
static int parse_chown(const char *rootfs, const char *spec, const char *what, long *uid, long *gid,
		       struct err **err)
{
	unsigned u, g, *gids = NULL;
	size_t n = 0;
	cleanup_free char *user = xstrdup(spec), *home = NULL;
	char *colon = strchr(user, ':');
	int r;

	r = spec_resolve_user(rootfs, user, NULL, &u, &g, &gids, &n, &home, err);
	free(gids);
	if (r < 0)
		return err_wrap(err, "%s%s", what, spec);
	*uid = u;
	*gid = colon ? g : u; /* a user alone: the same number for the group (docker) */
	if (!colon) {
		/* a name alone: its primary group, as docker resolves names */
		char *end;
		strtoul(user, &end, 10);
		if (*end)
			*gid = g;
	}
	return 0;
}

static int copy_step(struct build *b, struct stage *st, struct stage *stages, struct step *s,
		     char **srcs, const char *dst, const char *from_root, struct err **err)
{
	const struct df_instr *in = s->in;
	struct ctr c = {0};
	struct copy_opts co = {.uid = 0, .gid = 0, .mode = -1};
	const char *chown = flag_get(in, "chown"), *chmod = flag_get(in, "chmod");
	cleanup_close int rootfd = -1;
	cleanup_free char *created_by = NULL;
	size_t n = strv_len(srcs), nurls;
	int ret = -1;

	(void)stages;
	co.unpack = in->kind == DF_ADD;
	co.dst_is_dir =
	    str_has_suffix(dst, "/") || n + strv_len(s->pending_urls) + strv_len(s->dl_names) > 1;
	if (chmod && *chmod) {
		char *end;
		unsigned long m = strtoul(chmod, &end, 8);
		if (*end || m > 07777)
			return err_set_code(err, EINVAL, "Dockerfile:%d: invalid --chmod=%s",
					    in->line, chmod);
		co.mode = (long)m;
	}
	created_by = xasprintf("/bin/sh -c #(nop) %s", s->desc);
	for (char **u = s->pending_urls; u && *u; u++) {
		char digest[DIGEST_STR_MAX];

		if (download(b, s, *u, flag_get(in, "checksum"), digest, err) < 0)
			return -1;
	}
	nurls = strv_len(s->dl_names);
	if (ensure_written(b, &st->img, err) < 0)
		return -1;
	if (ctr_create(b, st->img.manifest, FILES_ONLY, &c, err) < 0)
		return err_wrap(err, "Dockerfile:%d", in->line);
	rootfd = open(c.rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		err_set(err, errno, "open '%s'", c.rootfs);
		goto out;
	}
	if (chown && *chown &&
	    parse_chown(c.rootfs, chown, "--chown=", &co.uid, &co.gid, err) < 0) {
		err_wrap(err, "Dockerfile:%d", in->line);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (context_copy(b, from_root, srcs[i], rootfd, dst, &co, err) < 0) {
			err_wrap(err, "Dockerfile:%d: %s failed", in->line, df_kind_name(in->kind));
			goto out;
		}
	for (size_t i = 0; i < nurls; i++) {
		/* a downloaded file is never unpacked; 0600 unless --chmod */
		struct copy_opts uo = co;
		const char *slash = strchr(s->dl_names[i], '/');
		cleanup_free char *root =
		    xasprintf("%s/%.*s", s->dl_dir, (int)(slash - s->dl_names[i]), s->dl_names[i]);

		uo.unpack = false;
		if (context_copy(b, root, slash + 1, rootfd, dst, &uo, err) < 0) {
			err_wrap(err, "Dockerfile:%d: ADD failed", in->line);
			goto out;
		}
	}
	if (ctr_commit(b, &c, created_by, NULL, &st->img, err) < 0) {
		err_wrap(err, "Dockerfile:%d: %s failed", in->line, df_kind_name(in->kind));
		goto out;
	}
	ret = 0;
out:
	ctr_remove(b, &c);
	return ret;
}

/* ---- WORKDIR ---- */

static int apply_meta(struct build *b, struct stage *st, struct step *s, struct err **err);

/* WORKDIR makes its directory (and missing parents) as BuildKit does:
 * mode 0755, owned by the image's USER (root without one), a layer only
 * when something was made. */
static int workdir_step(struct build *b, struct stage *st, struct step *s, struct err **err)
{
	const struct df_instr *in = s->in;
	struct bimage parent = {0};
	struct ctr c = {0};
	cleanup_close int rootfd = -1;
	cleanup_free char *change = NULL, *created_by = NULL;
	const cJSON *wd, *user;
	long uid = 0, gid = 0;
	bool made = false;
	int ret = -1;

	bimage_copy(&parent, &st->img);
	if (apply_meta(b, st, s, err) < 0)
		goto out;
	wd = cJSON_GetObjectItemCaseSensitive(bimage_cfg(&st->img), "WorkingDir");
	if (!cJSON_IsString(wd) || streq(wd->valuestring, "/")) {
		ret = bimage_write(b, &st->img, err);
		goto out;
	}
	if (ensure_written(b, &parent, err) < 0 ||
	    ctr_create(b, parent.manifest, FILES_ONLY, &c, err) < 0)
		goto out;
	rootfd = open(c.rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		err_set(err, errno, "open '%s'", c.rootfs);
		goto out;
	}
	user = cJSON_GetObjectItemCaseSensitive(bimage_cfg(&st->img), "User");
	if (cJSON_IsString(user) && *user->valuestring &&
	    parse_chown(c.rootfs, user->valuestring, "USER ", &uid, &gid, err) < 0) {
		err_wrap(err, "Dockerfile:%d: WORKDIR %s", in->line, wd->valuestring);
		goto out;
	}
	/* each missing component in turn: the ones made get the owner */
	for (const char *p = wd->valuestring + 1;; p++) {
		if (*p == '/' || !*p) {
			cleanup_free char *part =
			    xstrndup(wd->valuestring, (size_t)(p - wd->valuestring));
			int fd = fs_open_in_root(rootfd, part, O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
						 NULL);

			if (fd < 0) {
				cleanup_free char *path = NULL;

				fd = fs_mkdir_p_in_root(rootfd, part, 0755, err);
				if (fd < 0) {
					err_wrap(err, "Dockerfile:%d: WORKDIR %s", in->line,
						 wd->valuestring);
					goto out;
				}
				path = fs_fd_path(fd);
				if (chown(path, (uid_t)uid, (gid_t)gid) < 0 ||
				    chmod(path, 0755) < 0) {
					err_set(err, errno, "Dockerfile:%d: WORKDIR %s", in->line,
						wd->valuestring);
					fs_close(fd);
					goto out;
				}
				made = true;
			}
			fs_close(fd);
			if (!*p)
				break;
		}
	}
	if (!made) {
		ret = bimage_write(b, &st->img, err);
		goto out;
	}
	/* the layer's image: the parent, the directory, the WorkingDir */
	created_by = xasprintf("/bin/sh -c #(nop)  %s", s->desc);
	change = xasprintf("WORKDIR %s", wd->valuestring);
	ret = ctr_commit(b, &c, created_by, change, &st->img, err);
	if (ret < 0)
		err_wrap(err, "Dockerfile:%d: WORKDIR %s", in->line, wd->valuestring);
out:
	ctr_remove(b, &c);
	bimage_release(&parent);
	return ret;
}

/* ---- one instruction ---- */

static int prepare(struct build *b, struct stage *stages, size_t si, struct step *s,
		   char ***copy_srcs, char **copy_dst, struct ctr *from_ctr, char **from_root,
		   struct err **err);

static int apply_meta(struct build *b, struct stage *st, struct step *s, struct err **err);

static int do_step(struct build *b, struct stage *stages, size_t si, const struct df_instr *in,
		   bool trigger, struct err **err)
{
	struct stage *st = &stages[si];
	struct step s = {.in = in, .stage = si};
	cleanup_strv char **srcs = NULL;
	cleanup_free char *dst = NULL, *from_root = NULL, *key = NULL, *place = NULL;
	struct ctr from_ctr = {0};
	char man[DIGEST_STR_MAX], sid[13];
	int ret = -1;

	if (!trigger)
		out_step(b, in->original);
	if (prepare(b, stages, si, &s, &srcs, &dst, &from_ctr, &from_root, err) < 0)
		goto out;
	if (in->kind == DF_ARG) {
		/* scope only: the image stays as it is */
		out_detail(b, " ---> %s\n", st->img.id[0] ? short_id(st->img.id, sid) : "");
		ret = 0;
		goto out;
	}
	key = step_key(st, &s);
	place = step_place(b, &s);
	if (!b->o->no_cache && cache_get(b, key, man)) {
		if (bimage_load(b, man, &st->img, err) < 0)
			goto out;
		out_cached(b);
		out_detail(b, " ---> %s\n", short_id(st->img.id, sid));
		ret = 0;
		goto out;
	}
	explain_miss(b, st, &s, place);
	{
		cleanup_free char *rec = step_record(st, &s);

		switch (in->kind) {
		case DF_RUN:
			if (run_step(b, st, &s, err) < 0)
				goto out;
			break;
		case DF_WORKDIR:
			if (workdir_step(b, st, &s, err) < 0)
				goto out;
			break;
		case DF_COPY:
		case DF_ADD:
			if (copy_step(b, st, stages, &s, srcs, dst, from_root, err) < 0)
				goto out;
			break;
		default:
			if (apply_meta(b, st, &s, err) < 0)
				goto out;
			if (bimage_write(b, &st->img, err) < 0) {
				err_wrap(err, "Dockerfile:%d: %s", in->line,
					 df_kind_name(in->kind));
				goto out;
			}
		}
		if (cache_put(b, key, st->img.manifest, err) < 0) {
			err_wrap(err, "Dockerfile:%d: %s: cache", in->line, df_kind_name(in->kind));
			goto out;
		}
		step_record_put(b, place, rec);
	}
	out_detail(b, " ---> %s\n", short_id(st->img.id, sid));
	ret = 0;
out:
	ctr_remove(b, &from_ctr);
	step_release(&s);
	return ret;
}

/* ADD's http(s) sources: taken out of words and downloaded into
 * s->dl_dir (checked against --checksum); *lines gets "<digest> <url>"
 * for each.  COPY refuses them, --checksum wants them. */
/* Download url into s->dl_dir/<n>/ (made on first use); its content's
 * digest in digest. */
static int download(struct build *b, struct step *s, const char *url, const char *checksum,
		    char digest[DIGEST_STR_MAX], struct err **err)
{
	cleanup_free char *sub = NULL, *name = NULL, *rel = NULL;
	size_t n;

	if (!s->dl_dir) {
		cleanup_free char *base = build_tmp_dir(b);
		char *dir;

		if (fs_mkdir_p(base, 0700, err) < 0)
			return -1;
		dir = xasprintf("%s/add.XXXXXX", base);
		if (!mkdtemp(dir)) {
			err_set(err, errno, "mkdtemp '%s'", dir);
			free(dir);
			return -1;
		}
		s->dl_dir = dir;
		s->dl_names = xcalloc(1, sizeof(char *));
	}
	n = strv_len(s->dl_names);
	sub = xasprintf("%s/%zu", s->dl_dir, n);
	if (mkdir(sub, 0700) < 0)
		return err_set(err, errno, "mkdir '%s'", sub);
	if (url_fetch(url, sub, checksum, &name, digest, err) < 0)
		return err_wrap(err, "Dockerfile:%d: ADD %s", s->in->line, url);
	rel = xasprintf("%zu/%s", n, name);
	strv_push(&s->dl_names, rel);
	return 0;
}

/* ADD's http(s) sources, taken out of words.  With --checksum the key
 * holds the checksum and the download waits for a cache miss (copy_step),
 * as BuildKit's; without, they are downloaded now for their content's
 * digest.  *lines gets "<digest> <url>" for each (the key, miss reasons).
 * COPY refuses URLs, --checksum wants them. */
static int add_urls(struct build *b, struct step *s, char **words, char **lines, struct err **err)
{
	const struct df_instr *in = s->in;
	const char *checksum = flag_get(in, "checksum");
	struct buf l = BUF_INIT;
	cleanup_strv char **keep = xcalloc(1, sizeof(char *));
	size_t nurl = 0;

	if (checksum && !str_has_prefix(checksum, "sha256:")) {
		err_set_code(err, EINVAL,
			     "Dockerfile:%d: ADD: unsupported digest algorithm in --checksum=%s",
			     in->line, checksum);
		goto fail;
	}
	if (checksum && !digest_is_valid(checksum)) {
		err_set_code(err, EINVAL, "Dockerfile:%d: ADD: invalid checksum digest format '%s'",
			     in->line, checksum);
		goto fail;
	}
	for (size_t i = 0; words[i]; i++) {
		char digest[DIGEST_STR_MAX];

		if (!url_is_remote(words[i])) {
			if (checksum) {
				err_set_code(err, EINVAL,
					     "Dockerfile:%d: checksum can't be specified for "
					     "non-HTTP(S) sources",
					     in->line);
				goto fail;
			}
			strv_push(&keep, words[i]);
			continue;
		}
		if (in->kind == DF_COPY) {
			err_set_code(err, EINVAL, "Dockerfile:%d: source can't be a URL for COPY",
				     in->line);
			goto fail;
		}
		if (checksum) {
			strv_push(&s->pending_urls, words[i]);
			snprintf(digest, sizeof(digest), "%s", checksum);
		} else if (download(b, s, words[i], NULL, digest, err) < 0) {
			goto fail;
		}
		buf_addf(&l, "%s %s\n", digest, words[i]);
		nurl++;
	}
	/* words keeps the local sources (never more than it had) */
	for (size_t i = 0; words[i]; i++) {
		free(words[i]);
		words[i] = NULL;
	}
	for (size_t i = 0; keep[i]; i++)
		words[i] = steal_pointer(&keep[i]);
	*lines = nurl ? buf_detach(&l, NULL) : NULL;
	buf_release(&l);
	return 0;
fail:
	buf_release(&l);
	return -1;
}

/* RUN --mount: parsed, bind sources resolved: a stage's or image's
 * manifest, or the content of the context's source, in the key. */
static int run_mounts_prepare(struct build *b, struct stage *stages, size_t si, struct step *s,
			      char *const *vars, struct buf *d, struct err **err)
{
	const struct df_instr *in = s->in;
	const cJSON *wd =
	    cJSON_GetObjectItemCaseSensitive(bimage_cfg(&stages[si].img), "WorkingDir");

	if (rmounts_parse(in, vars, b->df->escape, cJSON_IsString(wd) ? wd->valuestring : "/",
			  &s->mounts, err) < 0)
		return -1;
	rmounts_describe(&s->mounts, d);
	for (size_t i = 0; i < s->mounts.n; i++) {
		struct rmount *r = &s->mounts.v[i];

		if (r->type != RMOUNT_BIND)
			continue;
		if (r->from) {
			int idx = dockerfile_stage(b->df, r->from);

			if (idx >= 0 && (size_t)idx < si) {
				if (ensure_written(b, &stages[idx].img, err) < 0)
					return -1;
				memcpy(r->from_manifest, stages[idx].img.manifest, DIGEST_STR_MAX);
			} else {
				struct bimage fi = {0};
				int rr = bimage_resolve(b, r->from, &fi, err);

				if (rr > 0)
					memcpy(r->from_manifest, fi.manifest, DIGEST_STR_MAX);
				bimage_release(&fi);
				if (rr <= 0)
					return rr < 0 ? -1
						      : err_set_code(
							    err, ENOENT,
							    "Dockerfile:%d: RUN --mount from: "
							    "no stage or image named '%s'",
							    in->line, r->from);
			}
			buf_addf(d, " [%s]", r->from_manifest);
		} else {
			char *const srcs[] = {r->source ? r->source : ".", NULL};
			cleanup_strv char **matched = NULL;
			cleanup_free char *files = NULL;
			char hash[DIGEST_STR_MAX];

			if (context_sources(b, b->ctxdir, true, srcs, &matched, hash, &files, err) <
			    0)
				return err_wrap(err, "Dockerfile:%d: RUN --mount", in->line);
			buf_addf(d, " [%s]", hash);
		}
	}
	return 0;
}

/* Expand what the instruction needs and make its description and the
 * extra parts of its key. */
static int prepare(struct build *b, struct stage *stages, size_t si, struct step *s,
		   char ***copy_srcs, char **copy_dst, struct ctr *from_ctr, char **from_root,
		   struct err **err)
{
	struct stage *st = &stages[si];
	const struct df_instr *in = s->in;
	cleanup_strv char **vars = stage_vars(st);
	struct buf d = BUF_INIT;
	int ret = -1;

	buf_adds(&d, df_kind_name(in->kind));
	switch (in->kind) {
	case DF_RUN: {
		struct buf x = BUF_INIT;
		char **sorted = strv_dup(st->args);
		size_t n = strv_len(sorted);

		qsort(sorted, n, sizeof(char *), (int (*)(const void *, const void *))strcmp);
		for (size_t i = 0; i < n; i++)
			buf_addf(&x, "%s;", sorted[i]);
		strv_free(sorted);
		/* proxy args stay out of the key, as docker's */
		s->extra = buf_detach(&x, NULL);
		for (size_t i = 0; i < in->nflags; i++)
			if (!streq(in->flags[i].name, "mount"))
				buf_addf(&d, " --%s=%s", in->flags[i].name,
					 in->flags[i].value ? in->flags[i].value : "");
		if (run_mounts_prepare(b, stages, si, s, vars, &d, err) < 0)
			goto out;
		buf_addf(&d, " %s", in->json ? "exec" : "shell");
		for (size_t i = 0; i < in->nargs; i++)
			buf_addf(&d, " %s", in->args[i]);
		for (size_t i = 0; i < in->nheredocs; i++)
			buf_addf(&d, " <<%s\n%s", in->heredocs[i].name, in->heredocs[i].content);
		break;
	}
	case DF_ARG:
		for (size_t i = 0; i < in->nkvs; i++) {
			const struct df_kv *kv = &in->kvs[i];
			const char *v = build_arg(b, kv->key);
			cleanup_free char *exp = NULL;

			if (!v && kv->has_value) {
				if (expand(b, in, vars, kv->value, &exp, err) < 0)
					goto out;
				v = exp;
			}
			/* no value: a meta ARG's (set by build_run) or none */
			if (v)
				kv_set(&st->args, kv->key, v);
			buf_addf(&d, " %s", kv->key);
		}
		break;
	case DF_COPY:
	case DF_ADD: {
		const char *from = flag_get(in, "from");
		cleanup_strv char **words = xcalloc(1, sizeof(char *));
		cleanup_free char *hash_files = NULL, *url_lines = NULL;
		char hash[DIGEST_STR_MAX];
		size_t n;
		const char *root = b->ctxdir;
		bool from_context = true;

		for (size_t i = 0; i < in->nargs; i++) {
			cleanup_free char *w = NULL;
			if (expand(b, in, vars, in->args[i], &w, err) < 0)
				goto out;
			strv_push(&words, w);
		}
		n = strv_len(words);
		if (n < 2) {
			err_set_code(err, EINVAL,
				     "Dockerfile:%d: %s requires at least two arguments", in->line,
				     df_kind_name(in->kind));
			goto out;
		}
		if (n > 2 && !str_has_suffix(words[n - 1], "/")) {
			err_set_code(
			    err, EINVAL,
			    "Dockerfile:%d: When using %s with more than one source file, the "
			    "destination must be a directory and end with a /",
			    in->line, df_kind_name(in->kind));
			goto out;
		}
		{
			const char *dst = words[n - 1];
			const cJSON *wd =
			    cJSON_GetObjectItemCaseSensitive(bimage_cfg(&st->img), "WorkingDir");
			const char *base =
			    cJSON_IsString(wd) && *wd->valuestring ? wd->valuestring : "/";

			if (dst[0] == '/')
				*copy_dst = xstrdup(dst);
			else
				*copy_dst =
				    xasprintf("%s%s%s", base, str_has_suffix(base, "/") ? "" : "/",
					      streq(dst, ".") ? "" : dst);
			if ((streq(dst, ".") || str_has_suffix(dst, "/.")) &&
			    !str_has_suffix(*copy_dst, "/")) {
				char *t = xasprintf("%s/", *copy_dst);
				free(*copy_dst);
				*copy_dst = t;
			}
		}
		free(words[n - 1]);
		words[n - 1] = NULL;
		if (add_urls(b, s, words, &url_lines, err) < 0)
			goto out;
		if (from && *from) {
			cleanup_free char *fe = NULL;
			int idx;

			if (expand(b, in, vars, from, &fe, err) < 0)
				goto out;
			idx = dockerfile_stage(b->df, fe);
			from_context = false;
			if (idx >= 0 && (size_t)idx < si) {
				if (ensure_written(b, &stages[idx].img, err) < 0)
					goto out;
				if (ctr_create(b, stages[idx].img.manifest, FILES_ONLY, from_ctr,
					       err) < 0)
					goto out;
				buf_addf(&d, " --from=%s", stages[idx].img.manifest);
			} else {
				struct bimage fi = {0};
				int r = bimage_resolve(b, fe, &fi, err);

				if (r <= 0) {
					if (r == 0)
						err_set_code(
						    err, ENOENT,
						    "Dockerfile:%d: %s --from: no stage or image "
						    "named '%s'",
						    in->line, df_kind_name(in->kind), fe);
					bimage_release(&fi);
					goto out;
				}
				buf_addf(&d, " --from=%s", fi.manifest);
				r = ctr_create(b, fi.manifest, FILES_ONLY, from_ctr, err);
				bimage_release(&fi);
				if (r < 0)
					goto out;
			}
			root = from_ctr->rootfs;
		}
		if (context_sources(b, root, from_context, words, copy_srcs, hash, &hash_files,
				    err) < 0) {
			err_wrap(err, "Dockerfile:%d: %s failed", in->line, df_kind_name(in->kind));
			goto out;
		}
		*from_root = xstrdup(root);
		for (size_t i = 0; i < in->nflags; i++)
			if (!streq(in->flags[i].name, "from"))
				buf_addf(&d, " --%s=%s", in->flags[i].name,
					 in->flags[i].value ? in->flags[i].value : "");
		for (char **w = words; *w; w++)
			buf_addf(&d, " %s", *w);
		buf_addf(&d, " in %s", *copy_dst);
		if (url_lines) {
			/* the downloads' content joins the key and the miss reasons */
			cleanup_free char *all =
			    xasprintf("%s\n%s", hash_files ? hash_files : "", url_lines);
			digest_buf(all, strlen(all), hash);
			free(hash_files);
			hash_files = steal_pointer(&all);
		}
		s->extra = xstrdup(hash);
		s->files = steal_pointer(&hash_files);
		s->kind_word = df_kind_name(in->kind);
		break;
	}
	default:
		/* metadata: the description is the expanded instruction (apply_meta
		 * expands again; both are cheap) */
		for (size_t i = 0; i < in->nflags; i++)
			buf_addf(&d, " --%s=%s", in->flags[i].name,
				 in->flags[i].value ? in->flags[i].value : "");
		for (size_t i = 0; i < in->nkvs; i++) {
			cleanup_free char *k = NULL, *v = NULL;
			if (expand(b, in, vars, in->kvs[i].key, &k, err) < 0 ||
			    expand(b, in, vars, in->kvs[i].has_value ? in->kvs[i].value : "", &v,
				   err) < 0)
				goto out;
			buf_addf(&d, " %s=%s", k, v);
		}
		if (in->json) {
			cleanup_json cJSON *a = strv_json(in->args, in->nargs);
			cleanup_free char *j = json_print(a, false);
			buf_addf(&d, " %s", j);
		} else {
			bool expands = in->kind != DF_CMD && in->kind != DF_ENTRYPOINT &&
				       in->kind != DF_HEALTHCHECK && in->kind != DF_ONBUILD &&
				       in->kind != DF_SHELL;
			for (size_t i = 0; i < in->nargs; i++) {
				cleanup_free char *w = NULL;
				if (expands) {
					if (expand(b, in, vars, in->args[i], &w, err) < 0)
						goto out;
				} else {
					w = xstrdup(in->args[i]);
				}
				buf_addf(&d, " %s", w);
			}
		}
	}
	s->desc = buf_detach(&d, NULL);
	ret = 0;
out:
	buf_release(&d);
	return ret;
}

static int apply_meta(struct build *b, struct stage *st, struct step *s, struct err **err)
{
	const struct df_instr *in = s->in;
	cleanup_strv char **vars = stage_vars(st);
	cJSON *cfg = bimage_cfg(&st->img);
	cleanup_free char *created_by = xasprintf("/bin/sh -c #(nop)  %s", s->desc);

	switch (in->kind) {
	case DF_ENV:
		for (size_t i = 0; i < in->nkvs; i++) {
			cleanup_free char *v = NULL;
			if (expand(b, in, vars, in->kvs[i].has_value ? in->kvs[i].value : "", &v,
				   err) < 0)
				return -1;
			env_set(cfg, in->kvs[i].key, v);
			/* later pairs of the same ENV see the earlier ones? docker: no */
		}
		break;
	case DF_LABEL: {
		cJSON *labels = cfg_obj(cfg, "Labels");
		for (size_t i = 0; i < in->nkvs; i++) {
			cleanup_free char *k = NULL, *v = NULL;
			if (expand(b, in, vars, in->kvs[i].key, &k, err) < 0 ||
			    expand(b, in, vars, in->kvs[i].has_value ? in->kvs[i].value : "", &v,
				   err) < 0)
				return -1;
			cfg_set(labels, k, cJSON_CreateString(v));
		}
		break;
	}
	case DF_MAINTAINER:
		cfg_set(st->img.config, "author", cJSON_CreateString(in->nargs ? in->args[0] : ""));
		break;
	case DF_CMD: {
		cleanup_strv char **c = command_of(&st->img, in, 0);
		cfg_set(cfg, "Cmd", strv_json(c, strv_len(c)));
		st->cmd_set = true;
		break;
	}
	case DF_ENTRYPOINT: {
		cleanup_strv char **c = command_of(&st->img, in, 0);
		cfg_set(cfg, "Entrypoint", strv_json(c, strv_len(c)));
		if (!st->cmd_set)
			cfg_set(cfg, "Cmd", NULL); /* the base's CMD no longer applies */
		break;
	}
	case DF_WORKDIR: {
		cleanup_free char *w = NULL, *p = NULL;
		const cJSON *cur = cJSON_GetObjectItemCaseSensitive(cfg, "WorkingDir");

		if (in->nargs < 1 || expand(b, in, vars, in->args[0], &w, err) < 0)
			return in->nargs < 1
				   ? err_set_code(err, EINVAL,
						  "Dockerfile:%d: WORKDIR needs a path", in->line)
				   : -1;
		if (w[0] == '/')
			p = xstrdup(w);
		else
			p = xasprintf("%s/%s", cJSON_IsString(cur) ? cur->valuestring : "", w);
		{
			/* clean: no "//", no trailing '/' */
			char *o = p, *q = p;
			for (; *q; q++)
				if (!(*q == '/' && o > p && o[-1] == '/'))
					*o++ = *q;
			*o = '\0';
			if (o - p > 1 && o[-1] == '/')
				o[-1] = '\0';
			if (!*p) {
				free(p);
				p = xstrdup("/");
			}
		}
		cfg_set(cfg, "WorkingDir", cJSON_CreateString(p));
		break;
	}
	case DF_USER: {
		cleanup_free char *u = NULL;
		if (in->nargs < 1 || expand(b, in, vars, in->args[0], &u, err) < 0)
			return in->nargs < 1
				   ? err_set_code(err, EINVAL, "Dockerfile:%d: USER needs a user",
						  in->line)
				   : -1;
		cfg_set(cfg, "User", cJSON_CreateString(u));
		break;
	}
	case DF_EXPOSE: {
		cJSON *ports = cfg_obj(cfg, "ExposedPorts");
		for (size_t i = 0; i < in->nargs; i++) {
			cleanup_free char *w = NULL, *p = NULL;
			if (expand(b, in, vars, in->args[i], &w, err) < 0)
				return -1;
			if (!*w)
				continue;
			p = strchr(w, '/') ? xstrdup(w) : xasprintf("%s/tcp", w);
			for (char *c = p; *c; c++)
				if (*c >= 'A' && *c <= 'Z')
					*c = (char)(*c - 'A' + 'a');
			cfg_set(ports, p, cJSON_CreateObject());
		}
		break;
	}
	case DF_VOLUME: {
		cJSON *vols = cfg_obj(cfg, "Volumes");
		for (size_t i = 0; i < in->nargs; i++) {
			cleanup_free char *w = NULL;
			if (expand(b, in, vars, in->args[i], &w, err) < 0)
				return -1;
			if (*w)
				cfg_set(vols, w, cJSON_CreateObject());
		}
		break;
	}
	case DF_SHELL:
		if (!in->json || in->nargs < 1)
			return err_set_code(
			    err, EINVAL,
			    "Dockerfile:%d: SHELL requires the arguments to be in JSON form",
			    in->line);
		cfg_set(cfg, "Shell", strv_json(in->args, in->nargs));
		break;
	case DF_STOPSIGNAL: {
		cleanup_free char *sg = NULL;
		if (in->nargs < 1 || expand(b, in, vars, in->args[0], &sg, err) < 0)
			return in->nargs < 1
				   ? err_set_code(err, EINVAL,
						  "Dockerfile:%d: STOPSIGNAL needs a signal",
						  in->line)
				   : -1;
		cfg_set(cfg, "StopSignal", cJSON_CreateString(sg));
		break;
	}
	case DF_HEALTHCHECK: {
		cJSON *hc = cJSON_CreateObject(), *test = cJSON_CreateArray();
		static const char *const durs[][2] = {{"interval", "Interval"},
						      {"timeout", "Timeout"},
						      {"start-period", "StartPeriod"},
						      {"start-interval", "StartInterval"}};

		if (in->nargs == 1 && !in->json && !strcasecmp(in->args[0], "NONE")) {
			cJSON_AddItemToArray(test, cJSON_CreateString("NONE"));
		} else {
			if (in->json) {
				cJSON_AddItemToArray(test, cJSON_CreateString("CMD"));
				for (size_t i = 0; i < in->nargs; i++)
					cJSON_AddItemToArray(test, cJSON_CreateString(in->args[i]));
			} else {
				cJSON_AddItemToArray(test, cJSON_CreateString("CMD-SHELL"));
				cJSON_AddItemToArray(
				    test, cJSON_CreateString(in->nargs ? in->args[0] : ""));
			}
		}
		cJSON_AddItemToObject(hc, "Test", test);
		for (size_t i = 0; i < ARRAY_SIZE(durs); i++) {
			const char *v = flag_get(in, durs[i][0]);
			if (v) {
				double ns = go_duration(v);
				if (ns < 0) {
					cJSON_Delete(hc);
					return err_set_code(
					    err, EINVAL,
					    "Dockerfile:%d: HEALTHCHECK --%s: invalid duration "
					    "'%s'",
					    in->line, durs[i][0], v);
				}
				cJSON_AddNumberToObject(hc, durs[i][1], ns);
			}
		}
		{
			const char *r = flag_get(in, "retries");
			if (r)
				cJSON_AddNumberToObject(hc, "Retries", atoi(r));
		}
		cfg_set(cfg, "Healthcheck", hc);
		break;
	}
	case DF_ONBUILD: {
		cJSON *ob = cJSON_GetObjectItemCaseSensitive(cfg, "OnBuild");
		if (!cJSON_IsArray(ob)) {
			cJSON_DeleteItemFromObjectCaseSensitive(cfg, "OnBuild");
			ob = cJSON_AddArrayToObject(cfg, "OnBuild");
		}
		cJSON_AddItemToArray(ob, cJSON_CreateString(in->nargs ? in->args[0] : ""));
		break;
	}
	default:
		return err_set_code(err, EINVAL, "Dockerfile:%d: %s is not supported here",
				    in->line, df_kind_name(in->kind));
	}
	history_add(b, &st->img, created_by, true);
	return 0;
}

/* ---- stages ---- */

static void scratch_image(struct bimage *img)
{
	struct spec_platform host = SPEC_PLATFORM_INIT;
	cJSON *rootfs;

	bimage_release(img);
	spec_platform_host(&host);
	img->config = cJSON_CreateObject();
	cJSON_AddStringToObject(img->config, "architecture", host.architecture);
	cJSON_AddStringToObject(img->config, "os", host.os ? host.os : "linux");
	if (host.variant)
		cJSON_AddStringToObject(img->config, "variant", host.variant);
	/* docker's (BuildKit's) empty image has the default PATH */
	cJSON_AddItemToArray(
	    cJSON_AddArrayToObject(cJSON_AddObjectToObject(img->config, "config"), "Env"),
	    cJSON_CreateString("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/"
			       "usr/bin:/sbin:/bin"));
	rootfs = cJSON_AddObjectToObject(img->config, "rootfs");
	cJSON_AddStringToObject(rootfs, "type", "layers");
	cJSON_AddArrayToObject(rootfs, "diff_ids");
	cJSON_AddArrayToObject(img->config, "history");
	img->layers = cJSON_CreateArray();
	spec_platform_release(&host);
}

static int run_triggers(struct build *b, struct stage *stages, size_t si, struct err **err)
{
	cJSON *cfg = bimage_cfg(&stages[si].img);
	cleanup_json cJSON *ob = cJSON_DetachItemFromObjectCaseSensitive(cfg, "OnBuild");
	const cJSON *t;
	int n = cJSON_GetArraySize(ob);

	if (n <= 0)
		return 0;
	/* the triggers do not pass on: the stage's image is the base without them */
	if (bimage_write(b, &stages[si].img, err) < 0)
		return -1;
	out_detail(b, "# Executing %d build trigger%s\n", n, n == 1 ? "" : "s");
	cJSON_ArrayForEach(t, ob)
	{
		struct dockerfile *tdf = NULL;
		cleanup_free char *text = NULL;
		struct dockerfile *saved = b->df;
		int r;

		if (!cJSON_IsString(t))
			continue;
		text = xasprintf("FROM scratch\n%s\n", t->valuestring);
		if (dockerfile_parse(text, strlen(text), "ONBUILD", &tdf, err) < 0)
			return -1;
		r = 0;
		for (size_t i = 1; i < tdf->ninstrs && r == 0; i++)
			r = do_step(b, stages, si, &tdf->instrs[i], true, err);
		b->df = saved;
		dockerfile_free(tdf);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int run_from(struct build *b, struct stage *stages, size_t si, char *const *meta,
		    struct err **err)
{
	const struct df_stage *ds = &b->df->stages[si];
	const struct df_instr *in = &b->df->instrs[ds->from];
	cleanup_free char *base = NULL;
	char sid[13];
	int idx;

	out_step(b, in->original);
	if (in->nargs < 1)
		return err_set_code(err, EINVAL, "Dockerfile:%d: FROM requires an image", in->line);
	if (df_expand(in->args[0], (const char *const *)meta, b->df->escape, &base, err) < 0)
		return err_wrap(err, "Dockerfile:%d", in->line);
	idx = dockerfile_stage(b->df, base);
	if (idx >= 0 && (size_t)idx < si) {
		bimage_copy(&stages[si].img, &stages[idx].img);
	} else if (!strcasecmp(base, "scratch")) {
		scratch_image(&stages[si].img);
		out_detail(b, " ---> \n");
		return 0;
	} else {
		int r = b->o->pull ? 0 : bimage_resolve(b, base, &stages[si].img, err);

		if (r < 0)
			return err_wrap(err, "Dockerfile:%d", in->line);
		if (r == 0) {
			const char *argv[] = {b->fetch_bin, "--root", b->o->root,
					      "pull",       base,     NULL};
			struct proc p = PROC_INIT;
			int st;

			if (!b->o->pull)
				return err_set_code(
				    err, ENOENT,
				    "Dockerfile:%d: no such image: %s (not in the store; "
				    "kist pull it, or build with --pull)",
				    in->line, base);
			p.argv = argv;
			p.in = PROC_FD_NULL;
			st = out_run(b, &p, err);
			if (st != 0)
				return st < 0 ? -1
					      : err_set(err, 0, "Dockerfile:%d: pull '%s' failed",
							in->line, base);
			r = bimage_resolve(b, base, &stages[si].img, err);
			if (r <= 0)
				return r < 0 ? -1
					     : err_set_code(err, ENOENT,
							    "Dockerfile:%d: no such image: %s",
							    in->line, base);
		}
	}
	out_detail(b, " ---> %s\n", short_id(stages[si].img.id, sid));
	return run_triggers(b, stages, si, err);
}

static void mark_needed(struct build *b, struct stage *stages, size_t si, char *const *meta);

/* RUN --mount=...,from=STAGE */
static void mark_mount_from(struct build *b, struct stage *stages, size_t si, const char *name,
			    const char *value, char *const *meta)
{
	cleanup_free char *copy = NULL;
	char *save = NULL;

	if (!streq(name, "mount") || !value)
		return;
	copy = xstrdup(value);
	for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		cleanup_free char *exp = NULL;
		int idx;

		if (!str_has_prefix(f, "from=") ||
		    df_expand(f + 5, (const char *const *)meta, b->df->escape, &exp, NULL) < 0)
			continue;
		idx = dockerfile_stage(b->df, exp);
		if (idx >= 0 && (size_t)idx < si)
			mark_needed(b, stages, (size_t)idx, meta);
	}
}

/* Mark the stages the target needs (FROM another stage, COPY --from, RUN
 * --mount from=). */
static void mark_needed(struct build *b, struct stage *stages, size_t si, char *const *meta)
{
	const struct df_stage *ds = &b->df->stages[si];

	if (stages[si].needed)
		return;
	stages[si].needed = true;
	for (size_t i = ds->from; i < ds->end; i++) {
		const struct df_instr *in = &b->df->instrs[i];
		const char *ref = NULL;
		cleanup_free char *exp = NULL;
		int idx;

		if (in->kind == DF_RUN)
			for (size_t f = 0; f < in->nflags; f++)
				mark_mount_from(b, stages, si, in->flags[f].name,
						in->flags[f].value, meta);
		if (i == ds->from && in->nargs)
			ref = in->args[0];
		else if (in->kind == DF_COPY || in->kind == DF_ADD)
			ref = flag_get(in, "from");
		if (!ref ||
		    df_expand(ref, (const char *const *)meta, b->df->escape, &exp, NULL) < 0)
			continue;
		idx = dockerfile_stage(b->df, exp);
		if (idx >= 0 && (size_t)idx < si)
			mark_needed(b, stages, (size_t)idx, meta);
	}
}

int build_run(struct build *b, struct bimage *out, struct err **err)
{
	struct dockerfile *df = b->df;
	struct stage *stages = xcalloc(df->nstages + 1, sizeof(*stages));
	cleanup_strv char **meta = xcalloc(1, sizeof(char *));
	size_t target, si;
	int ret = -1;

	if (!df->nstages) {
		free(stages);
		return err_set_code(err, EINVAL, "Dockerfile: no FROM instruction");
	}
	/* ARGs before the first FROM: for FROM lines (and ARG NAME in a stage) */
	for (size_t i = 0; i < df->nmeta; i++) {
		const struct df_instr *in = &df->instrs[i];
		for (size_t k = 0; k < in->nkvs; k++) {
			const char *v = build_arg(b, in->kvs[k].key);
			cleanup_free char *exp = NULL;

			if (!v && in->kvs[k].has_value) {
				if (expand(b, in, meta, in->kvs[k].value, &exp, err) < 0)
					goto out;
				v = exp;
			}
			if (v)
				kv_set(&meta, in->kvs[k].key, v);
		}
	}
	if (b->o->target) {
		int t = dockerfile_stage(df, b->o->target);
		if (t < 0) {
			err_set_code(err, ENOENT, "failed to reach build target %s in Dockerfile",
				     b->o->target);
			goto out;
		}
		target = (size_t)t;
	} else {
		target = df->nstages - 1;
	}
	mark_needed(b, stages, target, meta);
	for (si = 0; si <= target; si++)
		if (stages[si].needed)
			b->nsteps += df->stages[si].end - df->stages[si].from;
	for (si = 0; si <= target; si++) {
		const struct df_stage *ds = &df->stages[si];

		if (!stages[si].needed)
			continue;
		if (run_from(b, stages, si, meta, err) < 0)
			goto out;
		for (size_t i = ds->from + 1; i < ds->end; i++) {
			const struct df_instr *in = &df->instrs[i];

			/* ARG NAME in a stage takes the value declared before FROM */
			if (in->kind == DF_ARG)
				for (size_t k = 0; k < in->nkvs; k++)
					if (!in->kvs[k].has_value && kv_get(meta, in->kvs[k].key) &&
					    !kv_get(b->o->build_args, in->kvs[k].key))
						kv_set(&stages[si].args, in->kvs[k].key,
						       kv_get(meta, in->kvs[k].key));
			if (do_step(b, stages, si, in, false, err) < 0)
				goto out;
		}
		stages[si].done = true;
	}
	if (ensure_written(b, &stages[target].img, err) < 0)
		goto out;
	bimage_copy(out, &stages[target].img);
	ret = 0;
out:
	for (si = 0; si < df->nstages; si++) {
		bimage_release(&stages[si].img);
		strv_free(stages[si].args);
	}
	free(stages);
	return ret;
}
