/* cmd_copy.c: kist-fetch copy [-q] [--platform P | --all-platforms] SRC DST
 * between docker://NAME[:TAG] and oci:DIR[:REF] (skopeo's transport names),
 * and from or to docker-archive:FILE[:NAME:TAG].
 * docker -> oci is a pull, oci -> docker a push, docker -> docker a pull
 * into a temporary layout then a push, oci -> oci copies blobs. */
#define _GNU_SOURCE
#include <errno.h>  /* errno */
#include <getopt.h> /* getopt_long */
#include <stdio.h>  /* printf */
#include <stdlib.h> /* mkdtemp */
#include <unistd.h> /* read */

#include "common/cli.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"
#include "fetch/fetch.h"

enum transport { T_DOCKER, T_OCI, T_ARCHIVE };

struct endpoint {
	enum transport t;
	struct ref ref; /* T_DOCKER */
	char *dir;      /* T_OCI: the layout; T_ARCHIVE: the file */
	char *name;     /* ref name in the layout / tag in the archive, or NULL */
};

static int parse_endpoint(const char *s, struct endpoint *e, struct err **err)
{
	memset(e, 0, sizeof(*e));
	if (str_has_prefix(s, "docker://")) {
		e->t = T_DOCKER;
		return ref_parse(s + 9, &e->ref, err);
	}
	if (fetch_parse_oci(s, &e->dir, &e->name)) {
		e->t = T_OCI;
		if (!*e->dir)
			return err_set(err, 0, "'%s': the oci: transport needs a directory", s);
		return 0;
	}
	if (str_has_prefix(s, "docker-archive:")) {
		const char *rest = s + 15, *colon = strchr(rest, ':');
		e->t = T_ARCHIVE;
		e->dir = colon ? xstrndup(rest, colon - rest) : xstrdup(rest);
		e->name = colon && colon[1] ? xstrdup(colon + 1) : NULL;
		if (!*e->dir)
			return err_set(err, 0, "'%s': the docker-archive: transport needs a file",
				       s);
		return 0;
	}
	return err_set(err, 0, "'%s': unknown transport (use docker://NAME or oci:DIR[:REF])", s);
}

static void endpoint_release(struct endpoint *e)
{
	ref_release(&e->ref);
	free(e->dir);
	free(e->name);
}

/* Copy one blob between layouts through a verifying writer. */
static int copy_blob(struct layout *from, struct layout *to, const struct spec_descriptor *d,
		     struct err **err)
{
	cleanup_close int fd = -1;
	struct blob_writer *w = NULL;
	char chunk[1 << 16];
	ssize_t n;

	if (layout_blob_exists(to, d->digest))
		return 0;
	fd = layout_blob_open(from, d->digest, err);
	if (fd < 0 || layout_blob_begin(to, d->digest, d->size, false, &w, err) < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (blob_writer_write(w, chunk, n, err) < 0) {
			blob_writer_abort(w, false);
			return -1;
		}
	if (n < 0) {
		blob_writer_abort(w, false);
		return err_set(err, errno, "read blob %s", d->digest);
	}
	return blob_writer_commit(w, NULL, err);
}

static int copy_manifest_tree(struct layout *from, struct layout *to,
			      const struct spec_descriptor *d, struct err **err)
{
	cleanup_free char *data = NULL;
	size_t len;

	if (layout_blob_read(from, d->digest, SPEC_MAX_DOC_SIZE, &data, &len, err) < 0)
		return -1;
	if (spec_media_type_is_index(d->media_type)) {
		struct spec_index idx = SPEC_INDEX_INIT;
		int r = spec_index_parse(data, len, &idx, err);
		for (size_t i = 0; r == 0 && i < idx.n_manifests; i++)
			if (layout_blob_exists(from, idx.manifests[i].digest))
				r = copy_manifest_tree(from, to, &idx.manifests[i], err);
		spec_index_release(&idx);
		if (r < 0)
			return -1;
	} else {
		struct spec_manifest m = SPEC_MANIFEST_INIT;
		int r = spec_manifest_parse(data, len, &m, err);
		if (r == 0)
			r = copy_blob(from, to, &m.config, err);
		for (size_t i = 0; r == 0 && i < m.n_layers; i++)
			r = copy_blob(from, to, &m.layers[i], err);
		spec_manifest_release(&m);
		if (r < 0)
			return -1;
	}
	return copy_blob(from, to, d, err);
}

static int oci_to_oci(struct endpoint *s, struct endpoint *d, struct err **err)
{
	struct layout a = LAYOUT_INIT, b = LAYOUT_INIT;
	struct spec_descriptor desc = SPEC_DESCRIPTOR_INIT;
	int ret = -1, found = 0;

	if (!s->name)
		return err_set(err, 0, "oci:%s: name the image to copy (oci:DIR:REF)", s->dir);
	if (layout_open(s->dir, false, &a, err) < 0 || layout_open(d->dir, true, &b, err) < 0)
		goto out;
	found = layout_ref_get(&a, s->name, &desc, err);
	if (found == 0)
		err_set(err, 0, "image '%s' not found in '%s'", s->name, s->dir);
	if (found <= 0)
		goto out;
	if (copy_manifest_tree(&a, &b, &desc, err) < 0)
		goto out;
	spec_descriptor_release(&desc); /* drop the source's annotations */
	found = layout_ref_get(&a, s->name, &desc, err);
	if (found <= 0)
		goto out;
	if (desc.annotations) {
		cJSON_Delete(desc.annotations);
		desc.annotations = NULL;
	}
	ret = layout_ref_set(&b, d->name ? d->name : s->name, &desc, err);
out:
	if (found == 1)
		spec_descriptor_release(&desc);
	layout_close(&a);
	layout_close(&b);
	return ret;
}

/* A scratch layout in the mkdtemp template tmpl (*made tells the caller to
 * remove it), for copies that go through a layout. */
static int open_scratch(char *tmpl, bool *made, struct layout *l, struct err **err)
{
	if (!mkdtemp(tmpl))
		return err_set(err, errno, "mkdtemp '%s'", tmpl);
	*made = true;
	return layout_open(tmpl, true, l, err);
}

int cmd_copy(void *gv, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"quiet", no_argument, NULL, 'q'},         {"platform", required_argument, NULL, 'p'},
	    {"all-platforms", no_argument, NULL, 'a'}, {"all", no_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	const struct fetch_global *g = gv;
	struct endpoint s, d;
	struct pull_opts po = {.record = true};
	struct push_opts pu = {0};
	struct layout l = LAYOUT_INIT;
	char tmpl[] = "/var/tmp/kist-copy.XXXXXX";
	bool tmp = false;
	int c, ret = -1;

	while ((c = cli_getopt(argc, argv, "qah", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			po.quiet = pu.quiet = true;
			break;
		case 'p':
			po.platform = optarg;
			break;
		case 'a':
			po.all_platforms = true;
			break;
		case 'h':
			printf(
			    "usage: kist-fetch copy [-q] [--platform P | --all-platforms] SRC DST\n"
			    "  SRC, DST: docker://NAME[:TAG|@DIGEST] or oci:DIR[:REF]\n"
			    "  SRC or DST may also be docker-archive:FILE[:NAME:TAG] (docker "
			    "save)\n");
			return EXIT_OK;
		default:
			cli_usage_error("copy: unknown option or missing value: '%s'",
					argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		cli_usage_error("copy: expected SRC and DST, got %d arguments", argc - optind);
	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	if (parse_endpoint(argv[optind], &s, err) < 0 ||
	    parse_endpoint(argv[optind + 1], &d, err) < 0)
		goto out;
	if (d.t == T_ARCHIVE && s.t == T_ARCHIVE) {
		ret = err_set(err, 0, "'%s': copy between two docker archives is not supported",
			      argv[optind + 1]);
	} else if (d.t == T_ARCHIVE && s.t == T_OCI) {
		if (!s.name) {
			ret =
			    err_set(err, 0, "oci:%s: name the image to copy (oci:DIR:REF)", s.dir);
			goto out;
		}
		ret = layout_open(s.dir, false, &l, err);
		if (ret == 0)
			ret = archive_export(&l, s.name, d.dir, d.name, err);
	} else if (d.t == T_ARCHIVE) {
		cleanup_free char *full = ref_string(&s.ref);
		const char *tag = d.name;
		if (!tag && !s.ref.digest)
			tag = argv[optind] + 9;
		po.ref_name = full;
		ret = open_scratch(tmpl, &tmp, &l, err);
		if (ret == 0)
			ret = pull_image(g, &s.ref, argv[optind] + 9, &l, &po, NULL, err);
		if (ret == 0)
			ret = archive_export(&l, full, d.dir, tag, err);
	} else if (s.t == T_ARCHIVE && d.t == T_OCI) {
		const char *name = d.name ? d.name : s.name ? s.name : "latest";
		ret = layout_open(d.dir, true, &l, err);
		if (ret == 0)
			ret = archive_import(s.dir, s.name, &l, name, err);
	} else if (s.t == T_ARCHIVE) {
		ret = open_scratch(tmpl, &tmp, &l, err);
		if (ret == 0)
			ret = archive_import(s.dir, s.name, &l, "image", err);
		if (ret == 0)
			ret = push_image(g, &l, "image", &d.ref, &pu, NULL, err);
	} else if (s.t == T_OCI && d.t == T_OCI) {
		ret = oci_to_oci(&s, &d, err);
	} else if (s.t == T_DOCKER && d.t == T_OCI) {
		cleanup_free char *full = ref_string(&s.ref);
		po.ref_name = d.name ? d.name : full;
		ret = layout_open(d.dir, true, &l, err);
		if (ret == 0)
			ret = pull_image(g, &s.ref, argv[optind] + 9, &l, &po, NULL, err);
	} else if (s.t == T_OCI && d.t == T_DOCKER) {
		if (!s.name) {
			ret =
			    err_set(err, 0, "oci:%s: name the image to copy (oci:DIR:REF)", s.dir);
			goto out;
		}
		ret = layout_open(s.dir, false, &l, err);
		if (ret == 0)
			ret = push_image(g, &l, s.name, &d.ref, &pu, NULL, err);
	} else {
		cleanup_free char *full = ref_string(&s.ref);
		po.ref_name = full;
		ret = open_scratch(tmpl, &tmp, &l, err);
		if (ret == 0)
			ret = pull_image(g, &s.ref, argv[optind] + 9, &l, &po, NULL, err);
		if (ret == 0)
			ret = push_image(g, &l, full, &d.ref, &pu, NULL, err);
	}
out:
	layout_close(&l);
	if (tmp)
		fs_rm_rf(tmpl, NULL);
	endpoint_release(&s);
	endpoint_release(&d);
	return ret < 0 ? -1 : EXIT_OK;
}
