/* cmd_image.c: image verbs: import, ls, inspect, tag, rm, history, prune, unpack. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/digest.h"
#include "common/err.h"
#include "common/format.h"
#include "common/json.h"
#include "common/template.h"
#include "common/util.h"
#include "spec/image.h"
#include "store/store.h"

#define HELP(text)                                                                                 \
	do {                                                                                       \
		fputs(text, stdout);                                                               \
		return EXIT_OK;                                                                    \
	} while (0)

static char *short_id(const char *digest, bool no_trunc)
{
	return no_trunc ? xstrdup(digest) : xstrndup(digest_hex(digest), 12);
}

static void manifest_desc(const struct image *img, struct spec_descriptor *d)
{
	memset(d, 0, sizeof(*d));
	d->media_type = img->manifest_media_type;
	memcpy(d->digest, img->manifest_digest, DIGEST_STR_MAX);
	d->size = img->manifest_size;
}

/* ---- import ---- */

static const char import_usage[] =
    "usage: kist-store import [-c CHANGE]... [-m MESSAGE] TARBALL|- [REF]\n"
    "Make a one-layer image from a rootfs tarball (plain, gzip, zstd or xz);\n"
    "without REF the image is untagged.  Prints the image id.\n"
    "  -c, --change   apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, ...)\n"
    "  -m, --message  history comment\n";

int cmd_import(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {{"change", required_argument, NULL, 'c'},
					     {"message", required_argument, NULL, 'm'},
					     STORE_HELP_OPT,
					     {NULL, 0, NULL, 0}};
	struct store *s = g;
	cleanup_strv char **changes = NULL;
	const char *message = NULL;
	cleanup_free char *full = NULL, *now = NULL;
	cleanup_close int fd = -1, gclock = -1;
	cleanup_json cJSON *config = NULL, *layers = NULL;
	struct spec_descriptor layer = SPEC_DESCRIPTOR_INIT, man = SPEC_DESCRIPTOR_INIT;
	char diff_id[DIGEST_STR_MAX];
	char *names[2] = {NULL, NULL};
	cJSON *rootfs, *hist, *h;
	int c;

	while ((c = cli_getopt(argc, argv, "+c:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			strv_push(&changes, optarg);
			break;
		case 'm':
			message = optarg;
			break;
		case 'h':
			HELP(import_usage);
		default:
			cli_usage_error("import: unknown option");
		}
	}
	if (argc - optind != 2 && argc - optind != 1)
		cli_usage_error("import: want TARBALL and an optional REF");
	if (argc - optind == 2) {
		full = image_normalise(argv[optind + 1], err);
		if (!full)
			return -1;
	}
	if (streq(argv[optind], "-")) {
		fd = dup(0);
	} else {
		fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return err_set(err, errno, "open '%s'", argv[optind]);
	}
	if (store_open(s, err) < 0)
		return -1;
	gclock = store_gc_lock(s, false, err);
	if (gclock < 0)
		return -1;
	if (layer_from_fd(s, fd, &layer, diff_id, err) < 0)
		return err_wrap(err, "import '%s'", argv[optind]);
	now = store_time_now();
	config = cJSON_CreateObject();
	cJSON_AddStringToObject(config, "created", now);
	cJSON_AddStringToObject(config, "architecture", "amd64");
	cJSON_AddStringToObject(config, "os", "linux");
	if (message)
		cJSON_AddStringToObject(config, "comment", message); /* docker import -m */
	cJSON_AddItemToObject(config, "config", cJSON_CreateObject());
	if (changes && image_apply_changes(cJSON_GetObjectItemCaseSensitive(config, "config"),
					   changes, err) < 0) {
		spec_descriptor_release(&layer);
		return -1;
	}
	rootfs = cJSON_AddObjectToObject(config, "rootfs");
	cJSON_AddStringToObject(rootfs, "type", "layers");
	cJSON_AddItemToObject(rootfs, "diff_ids", cJSON_CreateArray());
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(rootfs, "diff_ids"),
			     cJSON_CreateString(diff_id));
	hist = cJSON_AddArrayToObject(config, "history");
	h = cJSON_CreateObject();
	cJSON_AddStringToObject(h, "created", now);
	cJSON_AddStringToObject(h, "created_by", "kist-store import");
	{
		cleanup_free char *comment =
		    message ? xstrdup(message) : xasprintf("Imported from %s", argv[optind]);
		cJSON_AddStringToObject(h, "comment", comment);
	}
	cJSON_AddItemToArray(hist, h);
	layers = cJSON_CreateArray();
	cJSON_AddItemToArray(layers, spec_descriptor_to_json(&layer));
	spec_descriptor_release(&layer);
	names[0] = full;
	{
		cleanup_free char *ctext = json_print(config, false);
		char id[DIGEST_STR_MAX];

		if (image_write(s, ctext, strlen(ctext), layers, names, &man, err) < 0)
			return -1;
		spec_descriptor_release(&man);
		digest_buf(ctext, strlen(ctext), id);
		printf("%s\n", id);
	}
	return EXIT_OK;
}

/* ---- ls ---- */

static const char ls_usage[] =
    "usage: kist-store ls [OPTIONS] [REPOSITORY[:TAG]]\n"
    "List images as docker images does.\n"
    "  -a, --all        show all images (intermediate ones too: untagged parents of\n"
    "                   other images)\n"
    "  -q, --quiet      only image ids\n"
    "      --digests    show digests\n"
    "      --no-trunc   do not truncate ids\n"
    "  -f, --filter     dangling=true|false, before=IMAGE, since=IMAGE, label=K[=V],\n"
    "                   reference=GLOB (dangling: untagged and not a parent)\n"
    "      --format     Go template: {{.ID}} {{.Repository}} {{.Tag}} {{.Digest}}\n"
    "                   {{.CreatedSince}} {{.CreatedAt}} {{.Size}}; 'table ...'; 'json'\n"
    "SIZE is the unpacked size of the image's layers, as docker shows it; a layer\n"
    "not unpacked yet counts with its compressed size (kist-store unpack makes it\n"
    "exact).\n";

enum { F_ID, F_REPO, F_TAG, F_DIGEST, F_SINCE, F_AT, F_SIZE, F_N };
static const struct fmt_field ls_fields[F_N] = {
    [F_ID] = {"ID", "IMAGE ID"},
    [F_REPO] = {"Repository", "REPOSITORY"},
    [F_TAG] = {"Tag", "TAG"},
    [F_DIGEST] = {"Digest", "DIGEST"},
    [F_SINCE] = {"CreatedSince", "CREATED"},
    [F_AT] = {"CreatedAt", "CREATED AT"},
    [F_SIZE] = {"Size", "SIZE"},
};

struct ls_filter {
	int dangling; /* -1 any */
	int64_t before, since;
	char **labels;
	char **refs;
};

static bool label_match(const struct image *img, char *const *labels)
{
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(img->config, "config");
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(cfg, "Labels");

	for (size_t i = 0; labels && labels[i]; i++) {
		cleanup_free char *k = xstrdup(labels[i]);
		char *eq = strchr(k, '=');
		const cJSON *v;

		if (eq)
			*eq++ = '\0';
		v = cJSON_GetObjectItemCaseSensitive(l, k);
		if (!cJSON_IsString(v))
			return false;
		if (eq && !streq(v->valuestring, eq))
			return false;
	}
	return true;
}

static int filter_time(struct store *s, const char *what, int64_t *out, struct err **err)
{
	struct image img;

	if (image_resolve(s, what, &img, err) < 0)
		return -1;
	*out = img.created;
	image_release(&img);
	return 0;
}

static bool ref_match(char *const *pats, const char *repo, const char *tag)
{
	cleanup_free char *rt = xasprintf("%s:%s", repo, tag);

	if (!pats)
		return true;
	for (size_t i = 0; pats[i]; i++)
		if (fmt_glob_match(pats[i], repo) || fmt_glob_match(pats[i], rt))
			return true;
	return false;
}

static int cmp_created(const void *a, const void *b)
{
	const struct image *x = a, *y = b;

	return x->created < y->created ? 1 : x->created > y->created ? -1 : 0;
}

int cmd_ls(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
					     {"quiet", no_argument, NULL, 'q'},
					     {"digests", no_argument, NULL, 'D'},
					     {"no-trunc", no_argument, NULL, 'T'},
					     {"filter", required_argument, NULL, 'f'},
					     {"format", required_argument, NULL, 'F'},
					     STORE_HELP_OPT,
					     {NULL, 0, NULL, 0}};
	struct store *s = g;
	struct ls_filter f = {.dangling = -1, .before = -1, .since = -1};
	bool all = false, quiet = false, digests = false, no_trunc = false;
	const char *format = NULL;
	cleanup_strv char **filters = NULL;
	struct image *imgs = NULL;
	struct fmt_table *t = NULL;
	size_t n = 0, i, j;
	int c, ret = -1;

	while ((c = cli_getopt(argc, argv, "+aqf:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'D':
			digests = true;
			break;
		case 'T':
			no_trunc = true;
			break;
		case 'f':
			strv_push(&filters, optarg);
			break;
		case 'F':
			format = optarg;
			break;
		case 'h':
			HELP(ls_usage);
		default:
			cli_usage_error("ls: unknown option");
		}
	}
	if (argc - optind > 1)
		cli_usage_error("ls: at most one REPOSITORY[:TAG]");
	if (store_open(s, err) < 0)
		return -1;
	for (i = 0; filters && filters[i]; i++) {
		char *k = filters[i], *v = strchr(k, '=');

		if (!v)
			cli_usage_error("ls: bad filter '%s' (want KEY=VALUE)", k);
		*v++ = '\0';
		if (streq(k, "dangling")) {
			if (streq(v, "true") || streq(v, "1"))
				f.dangling = 1;
			else if (streq(v, "false") || streq(v, "0"))
				f.dangling = 0;
			else
				cli_usage_error("ls: invalid filter 'dangling=%s'", v);
		} else if (streq(k, "before")) {
			if (filter_time(s, v, &f.before, err) < 0)
				goto out;
		} else if (streq(k, "since")) {
			if (filter_time(s, v, &f.since, err) < 0)
				goto out;
		} else if (streq(k, "label")) {
			strv_push(&f.labels, v);
		} else if (streq(k, "reference")) {
			strv_push(&f.refs, v);
		} else {
			cli_usage_error("ls: invalid filter '%s'", k);
		}
	}
	if (optind < argc) {
		/* docker images REPO[:TAG] is a reference filter */
		strv_push(&f.refs, argv[optind]);
	}
	if (image_list(s, &imgs, &n, err) < 0)
		goto out;
	qsort(imgs, n, sizeof(*imgs), cmp_created);
	image_mark_intermediates(imgs, n);
	if (quiet)
		format = "{{.ID}}";
	t = fmt_table_new(
	    format,
	    digests
		? "table "
		  "{{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
		: "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}",
	    ls_fields, F_N, err);
	if (!t)
		goto out;
	for (i = 0; i < n; i++) {
		struct image *img = &imgs[i];
		cleanup_free char *id = short_id(img->id, no_trunc);
		cleanup_free char *since = fmt_since(img->created);
		cleanup_free char *at = fmt_time_go(img->created);
		cleanup_free char *size = NULL;
		bool untagged = img->n_names == 0;
		size_t rows = untagged ? 1 : img->n_names;

		if (img->intermediate && !all)
			continue;
		/* docker: dangling = untagged and not a parent (even with -a) */
		if (f.dangling == 1 && (!untagged || img->intermediate))
			continue;
		if (f.dangling == 0 && untagged)
			continue;
		if (f.before >= 0 && !(img->created < f.before))
			continue;
		if (f.since >= 0 && !(img->created > f.since))
			continue;
		if (!label_match(img, f.labels))
			continue;
		size = fmt_size(image_size(s, img));
		for (j = 0; j < rows; j++) {
			cleanup_free char *repo = NULL, *tag = NULL, *dig = NULL;
			char *vals[F_N];

			if (untagged) {
				repo = xstrdup("<none>");
				tag = xstrdup("<none>");
			} else {
				image_repo_tag(img->names[j], &repo, &tag, &dig);
			}
			if (f.refs && (untagged || !ref_match(f.refs, repo, tag)))
				continue;
			free(dig);
			dig = xstrdup(img->manifest_digest);
			vals[F_ID] = id;
			vals[F_REPO] = repo;
			vals[F_TAG] = tag;
			vals[F_DIGEST] = dig;
			vals[F_SINCE] = since;
			vals[F_AT] = at;
			vals[F_SIZE] = size;
			if (fmt_table_row(t, vals, err) < 0)
				goto out;
		}
	}
	fmt_table_flush(t, stdout);
	ret = EXIT_OK;
out:
	fmt_table_free(t);
	image_free_list(imgs, n);
	strv_free(f.labels);
	strv_free(f.refs);
	return ret;
}

/* ---- inspect ---- */

static cJSON *inspect_json(struct store *s, const struct image *img)
{
	cJSON *o = cJSON_CreateObject(), *tags, *digs, *rootfs, *layers;
	const cJSON *cfg = img->config, *v;
	size_t i;

	cJSON_AddStringToObject(o, "Id", img->id);
	tags = cJSON_AddArrayToObject(o, "RepoTags");
	digs = cJSON_AddArrayToObject(o, "RepoDigests");
	for (i = 0; i < img->n_names; i++) {
		cleanup_free char *repo = NULL, *tag = NULL, *dig = NULL, *rd = NULL;

		image_repo_tag(img->names[i], &repo, &tag, &dig);
		if (!streq(tag, "<none>")) {
			cleanup_free char *rt = xasprintf("%s:%s", repo, tag);
			cJSON_AddItemToArray(tags, cJSON_CreateString(rt));
		}
		rd = xasprintf("%s@%s", repo, img->manifest_digest);
		bool dup = false;
		const cJSON *x;
		cJSON_ArrayForEach(x, digs) if (streq(x->valuestring, rd)) dup = true;
		if (!dup)
			cJSON_AddItemToArray(digs, cJSON_CreateString(rd));
	}
	cJSON_AddStringToObject(o, "Parent", "");
	v = cJSON_GetObjectItemCaseSensitive(cfg, "comment");
	cJSON_AddStringToObject(o, "Comment", cJSON_IsString(v) ? v->valuestring : "");
	v = cJSON_GetObjectItemCaseSensitive(cfg, "created");
	cJSON_AddStringToObject(o, "Created", cJSON_IsString(v) ? v->valuestring : "");
	v = cJSON_GetObjectItemCaseSensitive(cfg, "config");
	cJSON_AddItemToObject(o, "Config", v ? cJSON_Duplicate(v, true) : cJSON_CreateObject());
	v = cJSON_GetObjectItemCaseSensitive(cfg, "author");
	cJSON_AddStringToObject(o, "Author", cJSON_IsString(v) ? v->valuestring : "");
	v = cJSON_GetObjectItemCaseSensitive(cfg, "architecture");
	cJSON_AddStringToObject(o, "Architecture", cJSON_IsString(v) ? v->valuestring : "");
	v = cJSON_GetObjectItemCaseSensitive(cfg, "variant");
	if (cJSON_IsString(v))
		cJSON_AddStringToObject(o, "Variant", v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(cfg, "os");
	cJSON_AddStringToObject(o, "Os", cJSON_IsString(v) ? v->valuestring : "");
	cJSON_AddNumberToObject(o, "Size", (double)image_size(s, img));
	rootfs = cJSON_AddObjectToObject(o, "RootFS");
	cJSON_AddStringToObject(rootfs, "Type", "layers");
	layers = cJSON_AddArrayToObject(rootfs, "Layers");
	for (i = 0; i < img->n_layers; i++)
		cJSON_AddItemToArray(layers, cJSON_CreateString(img->diff_ids[i]));
	cJSON_AddStringToObject(o, "ManifestDigest", img->manifest_digest);
	return o;
}

static const char inspect_usage[] =
    "usage: kist-store inspect [-f FORMAT] IMAGE...\n"
    "Show images as docker-shaped JSON (an array).\n"
    "  -f, --format  a Go template rendered for each image, one line each\n"
    "                ({{.Id}}, {{.Config.Cmd}}, {{json .RootFS}}, ...)\n";

int cmd_inspect(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'}, STORE_HELP_OPT, {NULL, 0, NULL, 0}};
	struct store *s = g;
	cleanup_json cJSON *arr = cJSON_CreateArray();
	cleanup_tmpl struct tmpl *t = NULL;
	int c, i, missing = 0;

	while ((c = cli_getopt(argc, argv, "+f:h", opts, NULL)) != -1) {
		if (c == 'h')
			HELP(inspect_usage);
		if (c == 'f') {
			tmpl_free(t);
			t = tmpl_parse(optarg, err);
			if (!t)
				return err_wrap(err, "template parsing error");
			continue;
		}
		cli_usage_error("inspect: unknown option");
	}
	if (optind >= argc)
		cli_usage_error("inspect: want at least one IMAGE");
	if (store_open(s, err) < 0)
		return -1;
	for (i = optind; i < argc; i++) {
		struct image img;
		struct err *e = NULL;

		if (image_resolve(s, argv[i], &img, &e) < 0) {
			err_print(e);
			err_free(e);
			missing++;
			continue;
		}
		cJSON_AddItemToArray(arr, inspect_json(s, &img));
		image_release(&img);
	}
	if (fmt_inspect_print(t, arr, err) < 0)
		return -1;
	return missing ? EXIT_FAIL : EXIT_OK;
}

/* ---- tag ---- */

int cmd_tag(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {STORE_HELP_OPT, {NULL, 0, NULL, 0}};
	struct store *s = g;
	struct image img;
	struct spec_descriptor d;
	cleanup_free char *full = NULL;
	int c, r;

	while ((c = cli_getopt(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			HELP("usage: kist-store tag SOURCE TARGET\nGive an image another name.\n");
		cli_usage_error("tag: unknown option");
	}
	if (argc - optind != 2)
		cli_usage_error("tag: want SOURCE and TARGET");
	full = image_normalise(argv[optind + 1], err);
	if (!full)
		return -1;
	if (strchr(full, '@'))
		return err_set(err, 0, "tag '%s': a digest cannot be a tag", argv[optind + 1]);
	if (store_open(s, err) < 0)
		return -1;
	if (image_resolve(s, argv[optind], &img, err) < 0)
		return -1;
	manifest_desc(&img, &d);
	r = image_set_ref(s, full, &d, err);
	image_release(&img);
	return r < 0 ? -1 : EXIT_OK;
}

/* ---- rm ---- */

static int untag(struct store *s, const char *full, struct err **err)
{
	cleanup_free char *fam = image_familiar(full);

	if (layout_ref_remove(&s->oci, full, err) < 0)
		return -1;
	printf("Untagged: %s\n", fam);
	return 0;
}

struct drop_arg {
	const char *digest;
};

static int drop_unnamed_fn(cJSON *index, void *arg, struct err **err)
{
	struct drop_arg *a = arg;
	cJSON *m = cJSON_GetObjectItemCaseSensitive(index, "manifests"), *e, *next;

	(void)err;
	for (e = m ? m->child : NULL; e; e = next) {
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "digest");

		next = e->next;
		if (cJSON_IsString(d) && streq(d->valuestring, a->digest))
			cJSON_Delete(cJSON_DetachItemViaPointer(m, e));
	}
	return 0;
}

/* Remove one image argument, docker rmi's rules. */
int image_remove(struct store *s, const char *what, bool force, struct err **err)
{
	struct image img;
	cleanup_free char *matched = NULL;
	struct container *cs = NULL;
	size_t nc = 0, i;
	const char *user = NULL;
	int r;

	r = image_find(s, what, &img, &matched, err);
	if (r == 0)
		return err_set_code(err, ENOENT, "no such image: '%s'", what);
	if (r < 0)
		return -1;
	if (container_list(s, &cs, &nc, err) < 0) {
		image_release(&img);
		return -1;
	}
	for (i = 0; i < nc; i++)
		if (streq(cs[i].image_id, img.id))
			user = cs[i].id;
	{
		cleanup_free char *sid = xstrndup(digest_hex(img.id), 12);
		cleanup_free char *cid = user ? xstrndup(user, 12) : NULL;

		r = 0;
		if (matched && img.n_names > 1) {
			r = untag(s, matched, err);
			goto done;
		}
		if (!matched && img.n_names > 1 && !force) {
			r = err_set(err, 0,
				    "conflict: unable to delete %s (must be forced) - image is "
				    "referenced in multiple repositories",
				    sid);
			goto done;
		}
		if (user && !force) {
			r = err_set(err, 0,
				    "conflict: unable to remove image '%s' (must force) - "
				    "container %s is using its referenced image %s",
				    what, cid, sid);
			goto done;
		}
		for (i = 0; i < img.n_names; i++)
			if ((r = untag(s, img.names[i], err)) < 0)
				goto done;
		if (user) {
			/* forced: names go, the image stays (dangling) for its container */
			struct spec_descriptor d;

			manifest_desc(&img, &d);
			r = image_set_ref(s, NULL, &d, err);
			goto done;
		}
		{
			struct drop_arg a = {img.manifest_digest};
			if ((r = layout_index_update(&s->oci, drop_unnamed_fn, &a, err)) < 0)
				goto done;
		}
		r = store_sweep_image(s, &img, stdout, err);
	}
done:
	container_free_list(cs, nc);
	image_release(&img);
	return r;
}

int cmd_rm(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"force", no_argument, NULL, 'f'}, STORE_HELP_OPT, {NULL, 0, NULL, 0}};
	struct store *s = g;
	bool force = false;
	int c, i, failed = 0;

	while ((c = cli_getopt(argc, argv, "+fh", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'h')
			HELP("usage: kist-store rm [-f] IMAGE...\n"
			     "Untag and delete images (by name, name@digest, short or long id).\n"
			     "  -f, --force  remove an image used by a container or named more "
			     "than once\n");
		else
			cli_usage_error("rm: unknown option");
	}
	if (optind >= argc)
		cli_usage_error("rm: want at least one IMAGE");
	if (store_open(s, err) < 0)
		return -1;
	for (i = optind; i < argc; i++) {
		struct err *e = NULL;

		if (image_remove(s, argv[i], force, &e) < 0) {
			fflush(stdout);
			err_print(e);
			err_free(e);
			failed++;
		}
	}
	return failed ? EXIT_FAIL : EXIT_OK;
}

/* ---- history ---- */

enum { H_ID, H_SINCE, H_AT, H_BY, H_SIZE, H_COMMENT, H_N };
static const struct fmt_field hist_fields[H_N] = {
    [H_ID] = {"ID", "IMAGE"},
    [H_SINCE] = {"CreatedSince", "CREATED"},
    [H_AT] = {"CreatedAt", "CREATED AT"},
    [H_BY] = {"CreatedBy", "CREATED BY"},
    [H_SIZE] = {"Size", "SIZE"},
    [H_COMMENT] = {"Comment", "COMMENT"},
};

int cmd_history(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {{"no-trunc", no_argument, NULL, 'T'},
					     {"quiet", no_argument, NULL, 'q'},
					     {"format", required_argument, NULL, 'F'},
					     STORE_HELP_OPT,
					     {NULL, 0, NULL, 0}};
	struct store *s = g;
	bool no_trunc = false, quiet = false;
	const char *format = NULL;
	struct image img;
	struct fmt_table *t;
	const cJSON *hist, *h;
	size_t n, k, layer;
	struct {
		const cJSON *h;
		int64_t size;
	} * rows;
	int c, ret = EXIT_OK;

	while ((c = cli_getopt(argc, argv, "+qh", opts, NULL)) != -1) {
		switch (c) {
		case 'T':
			no_trunc = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'F':
			format = optarg;
			break;
		case 'h':
			HELP("usage: kist-store history [--no-trunc] [-q] [--format FORMAT] IMAGE\n"
			     "Show an image's history, newest first.\n");
		default:
			cli_usage_error("history: unknown option");
		}
	}
	if (argc - optind != 1)
		cli_usage_error("history: want one IMAGE");
	if (store_open(s, err) < 0)
		return -1;
	if (image_resolve(s, argv[optind], &img, err) < 0)
		return -1;
	hist = cJSON_GetObjectItemCaseSensitive(img.config, "history");
	n = (size_t)cJSON_GetArraySize(hist);
	rows = xcalloc(n + img.n_layers + 1, sizeof(*rows));
	layer = 0;
	k = 0;
	cJSON_ArrayForEach(h, hist)
	{
		const cJSON *empty = cJSON_GetObjectItemCaseSensitive(h, "empty_layer");

		rows[k].h = h;
		if (!cJSON_IsTrue(empty) && layer < img.n_layers)
			rows[k].size = image_layer_size(s, &img, layer++);
		k++;
	}
	for (; layer < img.n_layers; layer++, k++) /* layers without history entries */
		rows[k].size = image_layer_size(s, &img, layer);
	n = k;
	if (quiet)
		format = "{{.ID}}";
	t = fmt_table_new(
	    format, "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
	    hist_fields, H_N, err);
	if (!t) {
		free(rows);
		image_release(&img);
		return -1;
	}
	while (n-- > 0) {
		const cJSON *cr = cJSON_GetObjectItemCaseSensitive(rows[n].h, "created");
		const cJSON *by = cJSON_GetObjectItemCaseSensitive(rows[n].h, "created_by");
		const cJSON *cm = cJSON_GetObjectItemCaseSensitive(rows[n].h, "comment");
		int64_t when = cJSON_IsString(cr) ? store_time_parse(cr->valuestring) : img.created;
		cleanup_free char *id =
		    k == n + 1 ? short_id(img.id, no_trunc) : xstrdup("<missing>");
		cleanup_free char *since = fmt_since(when);
		cleanup_free char *at = fmt_time_go(when);
		cleanup_free char *byflat = xstrdup(cJSON_IsString(by) ? by->valuestring : "");
		cleanup_free char *bys = NULL;
		cleanup_free char *size = fmt_size(rows[n].size);
		char *vals[H_N];

		for (char *p = byflat; *p; p++)
			if (*p == '\t' || *p == '\n')
				*p = ' ';
		bys = no_trunc ? xstrdup(byflat) : fmt_shorten(byflat, 45);
		vals[H_ID] = id;
		vals[H_SINCE] = since;
		vals[H_AT] = at;
		vals[H_BY] = bys;
		vals[H_SIZE] = size;
		vals[H_COMMENT] = (char *)(cJSON_IsString(cm) ? cm->valuestring : "");
		if (fmt_table_row(t, vals, err) < 0) {
			ret = -1;
			break;
		}
	}
	fmt_table_flush(t, stdout);
	fmt_table_free(t);
	free(rows);
	image_release(&img);
	return ret;
}

/* ---- prune ---- */

int cmd_prune(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
					     {"force", no_argument, NULL, 'f'},
					     STORE_HELP_OPT,
					     {NULL, 0, NULL, 0}};
	struct store *s = g;
	bool all = false;
	struct image *imgs = NULL;
	cleanup_strv char **used = NULL;
	cleanup_free bool *drop = NULL;
	size_t n = 0, i, j;
	int c;
	bool header = false;

	while ((c = cli_getopt(argc, argv, "+afh", opts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 'f')
			;
		else if (c == 'h')
			HELP("usage: kist-store prune [-a] [-f]\n"
			     "Remove dangling images (untagged and not the parent of another "
			     "image);\n"
			     "with -a every image no container uses, except the parents of the\n"
			     "images that stay.\n");
		else
			cli_usage_error("prune: unknown option");
	}
	if (optind != argc)
		cli_usage_error("prune: no arguments expected");
	if (store_open(s, err) < 0)
		return -1;
	if (image_list(s, &imgs, &n, err) < 0)
		return -1;
	used = image_ids_in_use(s);
	image_mark_intermediates(imgs, n);
	drop = xcalloc(n + 1, sizeof(*drop));
	for (i = 0; i < n; i++) {
		bool in_use = false;

		for (j = 0; used[j]; j++)
			if (streq(used[j], imgs[i].id))
				in_use = true;
		drop[i] = !in_use && (all || (imgs[i].n_names == 0 && !imgs[i].intermediate));
	}
	/* An image that stays keeps its parents (parenthood is transitive, so
	 * one pass over the first choice is enough). */
	for (i = 0; i < n; i++)
		for (j = 0; j < n && drop[i]; j++)
			if (!drop[j] && image_is_parent(&imgs[i], &imgs[j]))
				drop[i] = false;
	/* As docker deletes a dangling image with its untagged parents: an
	 * untagged image no container uses goes once every image it is the
	 * parent of goes (a build's intermediate images after its result). */
	for (bool more = !all; more;) {
		more = false;
		for (i = 0; i < n; i++) {
			bool keep = false, child = false;

			if (drop[i] || imgs[i].n_names)
				continue;
			for (j = 0; used[j]; j++)
				if (streq(used[j], imgs[i].id))
					keep = true;
			for (j = 0; j < n && !keep; j++)
				if (j != i && image_is_parent(&imgs[i], &imgs[j])) {
					child = true;
					keep = !drop[j];
				}
			if (!keep && child)
				drop[i] = more = true;
		}
	}
	for (i = 0; i < n; i++) {
		struct drop_arg a = {imgs[i].manifest_digest};

		if (!drop[i])
			continue;
		if (!header) {
			printf("Deleted Images:\n");
			header = true;
		}
		for (j = 0; j < imgs[i].n_names; j++) {
			cleanup_free char *fam = image_familiar(imgs[i].names[j]);
			printf("untagged: %s\n", fam);
		}
		if (layout_index_update(&s->oci, drop_unnamed_fn, &a, err) < 0)
			goto fail;
		if (store_sweep_image(s, &imgs[i], NULL, err) < 0)
			goto fail;
		printf("deleted: %s\n", imgs[i].id);
	}
	image_free_list(imgs, n);
	{
		int64_t freed = 0;
		cleanup_free char *sz = NULL;

		if (store_gc(s, false, &freed, err) < 0)
			return -1;
		sz = fmt_size(freed);
		printf("%sTotal reclaimed space: %s\n", header ? "\n" : "", sz);
	}
	return EXIT_OK;
fail:
	image_free_list(imgs, n);
	return -1;
}

/* ---- unpack ---- */

int cmd_unpack(void *g, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {STORE_HELP_OPT, {NULL, 0, NULL, 0}};
	struct store *s = g;
	struct image img;
	size_t i;
	int c;

	while ((c = cli_getopt(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			HELP("usage: kist-store unpack IMAGE\n"
			     "Unpack an image's layers into ROOT/layers (idempotent); print their\n"
			     "directories, bottom layer first.\n");
		cli_usage_error("unpack: unknown option");
	}
	if (argc - optind != 1)
		cli_usage_error("unpack: want one IMAGE");
	if (store_open(s, err) < 0)
		return -1;
	if (image_resolve(s, argv[optind], &img, err) < 0)
		return -1;
	if (layer_unpack_image(s, &img, err) < 0) {
		image_release(&img);
		return -1;
	}
	for (i = 0; i < img.n_layers; i++) {
		cleanup_free char *p = layer_diff_path(s, img.chain_ids[i]);
		printf("%s\n", p);
	}
	image_release(&img);
	return EXIT_OK;
}
