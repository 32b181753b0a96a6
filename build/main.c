/* main.c: kist-build, a Dockerfile to an image in the store (docker build's
 * command line).  Exit codes: 0 success, 1 failure, 2 usage error. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "build/build.h"
#include "build/dockerfile.h"
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/digest.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/ref.h"
#include "common/util.h"

static const char usage_text[] =
    "usage: kist-build [OPTIONS] PATH | -\n"
    "Build an image from a Dockerfile into the store (docker build).\n"
    "  -t, --tag NAME[:TAG]     name the image (repeatable)\n"
    "  -f, --file FILE          the Dockerfile (default PATH/Dockerfile; - for stdin)\n"
    "      --build-arg K[=V]    a build-time variable (K alone: from the environment)\n"
    "      --target STAGE       build up to this stage\n"
    "      --no-cache           do not use the cache\n"
    "      --pull               pull the base images (kist-fetch) even if present\n"
    "      --label K=V          a label on the image (repeatable)\n"
    "      --platform P         the target platform (only the host's)\n"
    "      --network MODE       RUN's network: host (default), none, or bridge (each\n"
    "                           RUN on kist's default bridge network, by kist-net)\n"
    "  -o, --output SPEC        also write type=oci,dest=DIR | oci-archive,dest=F |\n"
    "                           docker-archive,dest=F | bundle,dest=DIR\n"
    "  -q, --quiet              print only the image id\n"
    "      --iidfile FILE       write the image id to FILE\n"
    "      --progress MODE      auto (the live view on a terminal), plain (classic\n"
    "                           lines and cache miss reasons) or tty (the live view)\n"
    "  -v, --verbose            say why each cache miss missed\n"
    "      --root DIR           store root (default $KIST_ROOT or /var/lib/kist)\n"
    "      --run DIR            runtime state (default $KIST_RUN or /run/kist)\n"
    "  -h, --help               this help\n"
    "      --version            print the version\n"
    "SOURCE_DATE_EPOCH sets the images' timestamps (default 0): the same\n"
    "Dockerfile, context and base give the same image digest.\n";

static int read_stdin(char **out, size_t *len, struct err **err)
{
	return fs_read_fd(0, (size_t)1 << 34, out, len, err);
}

/* A tar (maybe compressed) read from memory into dir: the context from stdin. */
static int untar(const char *data, size_t len, const char *dir, struct err **err)
{
	struct archive *a = archive_read_new(), *w = archive_write_disk_new();
	struct archive_entry *e;
	int r, ret = -1;

	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_write_disk_set_options(w, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
					      ARCHIVE_EXTRACT_SECURE_NODOTDOT |
					      ARCHIVE_EXTRACT_SECURE_SYMLINKS);
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		err_set(err, 0, "read the context from stdin: %s", archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		cleanup_free char *p = xasprintf("%s/%s", dir, archive_entry_pathname(e));
		const void *buf;
		size_t n;
		la_int64_t off;

		archive_entry_copy_pathname(e, p);
		if (archive_write_header(w, e) != ARCHIVE_OK) {
			err_set(err, 0, "context from stdin: %s", archive_error_string(w));
			goto out;
		}
		while ((r = archive_read_data_block(a, &buf, &n, &off)) == ARCHIVE_OK)
			archive_write_data_block(w, buf, n, off);
		archive_write_finish_entry(w);
	}
	if (r != ARCHIVE_EOF) {
		err_set(err, 0, "context from stdin: %s", archive_error_string(a));
		goto out;
	}
	ret = 0;
out:
	archive_read_free(a);
	archive_write_free(w);
	return ret;
}

static bool looks_like_tar(const char *data, size_t len)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	bool ok;

	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	ok = archive_read_open_memory(a, data, len) == ARCHIVE_OK &&
	     archive_read_next_header(a, &e) == ARCHIVE_OK;
	archive_read_free(a);
	return ok;
}

static int write_output(struct build *b, const char *spec, const struct bimage *img,
			struct err **err);

int main(int argc, char **argv)
{
	enum {
		O_BUILD_ARG = 1000,
		O_TARGET,
		O_NO_CACHE,
		O_PULL,
		O_LABEL,
		O_PLATFORM,
		O_NETWORK,
		O_IIDFILE,
		O_PROGRESS,
		O_ROOT,
		O_RUN,
		O_VERSION
	};
	static const struct option opts[] = {
	    {"tag", required_argument, NULL, 't'},
	    {"file", required_argument, NULL, 'f'},
	    {"build-arg", required_argument, NULL, O_BUILD_ARG},
	    {"target", required_argument, NULL, O_TARGET},
	    {"no-cache", no_argument, NULL, O_NO_CACHE},
	    {"pull", no_argument, NULL, O_PULL},
	    {"label", required_argument, NULL, O_LABEL},
	    {"platform", required_argument, NULL, O_PLATFORM},
	    {"network", required_argument, NULL, O_NETWORK},
	    {"output", required_argument, NULL, 'o'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"iidfile", required_argument, NULL, O_IIDFILE},
	    {"progress", required_argument, NULL, O_PROGRESS},
	    {"verbose", no_argument, NULL, 'v'},
	    {"root", required_argument, NULL, O_ROOT},
	    {"run", required_argument, NULL, O_RUN},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, O_VERSION},
	    {NULL, 0, NULL, 0},
	};
	struct build_opts o = {.network = "host", .progress = PROGRESS_CLASSIC};
	struct build b = {.o = &o,
			  .rootfd = -1,
			  .gclock = -1,
			  .owner_lock = -1,
			  .oci = LAYOUT_INIT,
			  .stdout_fd = 1};
	bool progress_auto = true;
	cleanup_free char *root_abs = NULL;
	cleanup_strv char **outputs = NULL;
	cleanup_free char *df_path = NULL, *tmpctx = NULL;
	cleanup_close int nullfd = -1;
	struct bimage img = {0};
	struct err *err = NULL;
	const char *env;
	size_t df_len = 0;
	int c, ret = EXIT_FAIL;
	char sid[13];

	log_init(argv[0]);
	digest_skip_config();
	env = getenv("KIST_ROOT");
	o.root = env && *env ? env : "/var/lib/kist";
	env = getenv("KIST_RUN");
	o.run = env && *env ? env : "/run/kist";
	o.build_args = xcalloc(1, sizeof(char *));
	o.tags = xcalloc(1, sizeof(char *));
	o.labels = xcalloc(1, sizeof(char *));
	while ((c = cli_getopt(argc, argv, "t:f:o:qvh", opts, NULL)) != -1) {
		switch (c) {
		case 't': {
			struct ref r = REF_INIT;
			char *full;

			if (ref_parse(optarg, &r, NULL) < 0 || (r.digest && !r.tag))
				cli_usage_error("invalid argument \"%s\" for \"-t, --tag\" flag: "
						"invalid reference format",
						optarg);
			full = ref_string(&r);
			strv_push(&o.tags, full);
			free(full);
			ref_release(&r);
			break;
		}
		case 'f':
			o.file = optarg;
			break;
		case O_BUILD_ARG: {
			const char *eq = strchr(optarg, '=');

			if (eq == optarg || !*optarg || strchr(optarg, ' ') == optarg)
				cli_usage_error("invalid argument \"%s\" for \"--build-arg\" flag: "
						"want KEY=VALUE or KEY",
						optarg);
			if (eq) {
				strv_push(&o.build_args, optarg);
			} else {
				/* KEY alone: the value from the environment, if set */
				const char *v = getenv(optarg);
				if (v) {
					cleanup_free char *kv = xasprintf("%s=%s", optarg, v);
					strv_push(&o.build_args, kv);
				}
			}
			break;
		}
		case O_TARGET:
			o.target = optarg;
			break;
		case O_NO_CACHE:
			o.no_cache = true;
			break;
		case O_PULL:
			o.pull = true;
			break;
		case O_LABEL:
			if (!strchr(optarg, '=') || optarg[0] == '=')
				cli_usage_error(
				    "invalid argument \"%s\" for \"--label\" flag: want "
				    "KEY=VALUE",
				    optarg);
			strv_push(&o.labels, optarg);
			break;
		case O_PLATFORM:
			break; /* checked against the base images' platforms by the store */
		case O_NETWORK:
			if (!streq(optarg, "host") && !streq(optarg, "none") &&
			    !streq(optarg, "bridge") && !streq(optarg, "default"))
				cli_usage_error(
				    "--network: '%s' is not supported (want host, none or "
				    "bridge)",
				    optarg);
			o.network = streq(optarg, "default") ? "host" : optarg;
			break;
		case 'o':
			strv_push(&outputs, optarg);
			break;
		case 'q':
			o.quiet = true;
			break;
		case O_IIDFILE:
			o.iidfile = optarg;
			break;
		case O_PROGRESS:
			progress_auto = streq(optarg, "auto");
			if (streq(optarg, "plain"))
				o.progress = PROGRESS_PLAIN;
			else if (streq(optarg, "tty"))
				o.progress = PROGRESS_TTY;
			else if (!progress_auto)
				cli_usage_error("--progress: want auto, plain or tty, not '%s'",
						optarg);
			break;
		case 'v':
			o.verbose = true;
			break;
		case O_ROOT:
			o.root = optarg;
			break;
		case O_RUN:
			o.run = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case O_VERSION:
			cli_print_version();
			return EXIT_OK;
		default:
			cli_usage_error("unknown flag: %s", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		cli_usage_error("\"build\" requires exactly 1 argument (the context: PATH or -)");
	o.context = argv[optind];
	if (o.root[0] != '/') {
		/* RUN --mount sources under it go into config.json: absolute */
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)))
			die_errno("getcwd");
		root_abs = xasprintf("%s/%s", cwd, o.root);
		o.root = root_abs;
	}
	if (progress_auto) /* docker's auto: the live view on a terminal */
		o.progress = isatty(STDOUT_FILENO) ? PROGRESS_TTY : PROGRESS_CLASSIC;
	env = getenv("SOURCE_DATE_EPOCH");
	if (env && *env) {
		char *end;
		long long t = strtoll(env, &end, 10);
		if (*end || t < 0)
			cli_usage_error("SOURCE_DATE_EPOCH: '%s' is not seconds since the epoch",
					env);
		o.timestamp = t;
	}
	if (o.quiet) {
		nullfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		b.stdout_fd = nullfd;
	}
	b.store_bin = proc_sibling_path("kist-store");
	b.runtime_bin = proc_sibling_path("kist-runtime");
	b.fetch_bin = proc_sibling_path("kist-fetch");
	b.net_bin = proc_sibling_path("kist-net");
	/* kist-store and kist-net place a networked RUN's namespace under it */
	setenv("KIST_RUN", o.run, 1);

	/* the context and the Dockerfile */
	if (streq(o.context, "-")) {
		cleanup_free char *data = NULL;
		size_t len = 0;

		if (o.file && streq(o.file, "-"))
			cli_usage_error(
			    "the context and the Dockerfile cannot both come from stdin");
		if (read_stdin(&data, &len, &err) < 0)
			goto fail;
		tmpctx = xasprintf("%s/tmp/build-ctx-XXXXXX", o.root);
		{
			cleanup_free char *tmp = xasprintf("%s/tmp", o.root);
			if (fs_mkdir_p(tmp, 0700, &err) < 0)
				goto fail;
		}
		if (!mkdtemp(tmpctx)) {
			err_set(&err, errno, "create '%s'", tmpctx);
			free(tmpctx);
			tmpctx = NULL;
			goto fail;
		}
		if (looks_like_tar(data, len)) {
			if (untar(data, len, tmpctx, &err) < 0)
				goto fail;
		} else {
			/* a Dockerfile alone: an empty context */
			b.df_text = steal_pointer(&data);
			df_len = len;
		}
		b.ctxdir = tmpctx;
	} else {
		struct stat st;

		if (stat(o.context, &st) < 0 || !S_ISDIR(st.st_mode)) {
			err_set_code(&err, ENOENT,
				     "unable to prepare context: path \"%s\" not found", o.context);
			goto fail;
		}
		b.ctxdir = o.context;
	}
	if (!b.df_text) {
		if (o.file && streq(o.file, "-")) {
			if (read_stdin(&b.df_text, &df_len, &err) < 0)
				goto fail;
			df_path = xstrdup("-");
		} else {
			df_path = o.file ? xstrdup(o.file) : xasprintf("%s/Dockerfile", b.ctxdir);
			if (fs_read_all(df_path, 16 << 20, &b.df_text, &df_len, NULL) < 0) {
				err_set_code(
				    &err, ENOENT,
				    "unable to prepare context: unable to evaluate symlinks in "
				    "Dockerfile path: lstat %s: no such file or directory",
				    df_path);
				goto fail;
			}
		}
	}
	if (dockerfile_parse(b.df_text, df_len, "Dockerfile", &b.df, &err) < 0)
		goto fail;
	{
		cleanup_free char *ign = xasprintf("%s/.dockerignore", b.ctxdir), *text = NULL;
		size_t len = 0;

		if (fs_read_all(ign, 16 << 20, &text, &len, NULL) == 0 &&
		    dockerignore_parse(text, len, &b.ignore, &err) < 0)
			goto fail;
	}
	{
		char real[PATH_MAX];
		cleanup_free char *id = NULL;
		char d[DIGEST_STR_MAX];

		if (!realpath(b.ctxdir, real))
			snprintf(real, sizeof(real), "%s", b.ctxdir);
		id = xasprintf("%s\n%s", tmpctx ? "-" : real, df_path ? df_path : "-");
		digest_buf(id, strlen(id), d);
		b.df_id = xstrdup(d);
	}
	if (bstore_open(&b, &err) < 0 || build_owner_start(&b, &err) < 0)
		goto fail;
	build_owner_sweep(&b);
	if (build_run(&b, &img, &err) < 0)
		goto fail;
	if (o.labels[0]) {
		cJSON *labels = cJSON_GetObjectItemCaseSensitive(bimage_cfg(&img), "Labels");

		if (!cJSON_IsObject(labels)) {
			cJSON_DeleteItemFromObjectCaseSensitive(bimage_cfg(&img), "Labels");
			labels = cJSON_AddObjectToObject(bimage_cfg(&img), "Labels");
		}
		for (char **l = o.labels; *l; l++) {
			cleanup_free char *k = xstrndup(*l, strcspn(*l, "="));
			cJSON_DeleteItemFromObjectCaseSensitive(labels, k);
			cJSON_AddStringToObject(labels, k, strchr(*l, '=') + 1);
		}
		if (bimage_write(&b, &img, &err) < 0)
			goto fail;
	}
	{
		cleanup_free char *unused = NULL;
		for (char **a = o.build_args; *a; a++) {
			cleanup_free char *k = xstrndup(*a, strcspn(*a, "="));
			cleanup_free char *u = xasprintf("%s=", k);
			bool used = false;

			for (char **p = b.used_args; p && *p; p++)
				if (streq(*p, u))
					used = true;
			if (!used) {
				char *n =
				    xasprintf("%s%s%s", unused ? unused : "", unused ? " " : "", k);
				free(unused);
				unused = n;
			}
		}
		if (unused)
			out_printf(&b, "[Warning] One or more build-args [%s] were not consumed\n",
				   unused);
	}
	out_printf(&b, "Successfully built %s\n", short_id(img.id, sid));
	for (char **t = o.tags; *t; t++) {
		const char *argv2[] = {b.store_bin,  "--root", o.root, "tag",
				       img.manifest, *t,       NULL};
		struct proc p = PROC_INIT;
		int st;
		struct ref r = REF_INIT;
		cleanup_free char *fam = NULL;

		p.argv = argv2;
		p.in = PROC_FD_NULL;
		p.out = PROC_FD_NULL;
		st = proc_run(&p, &err);
		if (st != 0) {
			if (st > 0)
				err_set(&err, 0, "tag '%s' failed", *t);
			goto fail;
		}
		if (ref_parse(*t, &r, NULL) == 0) {
			fam = ref_familiar(&r);
			ref_release(&r);
		}
		out_printf(&b, "Successfully tagged %s\n", fam ? fam : *t);
	}
	for (char **s = outputs; s && *s; s++)
		if (write_output(&b, *s, &img, &err) < 0)
			goto fail;
	if (o.iidfile && fs_write_file_atomic(o.iidfile, img.id, strlen(img.id), 0644, &err) < 0)
		goto fail;
	if (o.quiet)
		printf("%s\n", img.id);
	ret = EXIT_OK;
	goto out;
fail:
	out_finish(&b, true);
	fflush(stdout);
	err_print(err);
	err_free(err);
out:
	out_finish(&b, false);
	bimage_release(&img);
	build_owner_end(&b);
	bstore_close(&b);
	if (b.df)
		dockerfile_free(b.df);
	if (b.ignore)
		dockerignore_free(b.ignore);
	if (tmpctx)
		fs_rm_rf(tmpctx, NULL);
	free(b.df_text);
	free(b.df_id);
	free(b.store_bin);
	free(b.runtime_bin);
	free(b.fetch_bin);
	free(b.net_bin);
	strv_free(b.used_args);
	strv_free(o.build_args);
	strv_free(o.tags);
	strv_free(o.labels);
	return ret;
}

/* --output type=oci,dest=DIR | oci-archive,dest=F | docker-archive,dest=F |
 * bundle,dest=DIR (or a bare DIR: the bundle... no, docker's local: refused). */
static int write_output(struct build *b, const char *spec, const struct bimage *img,
			struct err **err)
{
	cleanup_free char *copy = xstrdup(spec), *type = NULL, *dest = NULL;
	char *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (str_has_prefix(t, "type=")) {
			free(type);
			type = xstrdup(t + 5);
		} else if (str_has_prefix(t, "dest=")) {
			free(dest);
			dest = xstrdup(t + 5);
		} else if (!strchr(t, '=') && !type) {
			type = xstrdup(t);
		} else {
			return err_set_code(err, EINVAL, "--output: unknown key in '%s'", spec);
		}
	}
	if (!type || !dest)
		return err_set_code(err, EINVAL, "--output '%s': want type=TYPE,dest=PATH", spec);
	if (streq(type, "image"))
		return 0;
	if (streq(type, "oci")) {
		/* the layout names it by the first tag, or "latest" */
		cleanup_free char *to =
		    xasprintf("%s:%s", dest, b->o->tags[0] ? b->o->tags[0] : "latest");
		const char *argv[] = {b->store_bin,  "--root", b->o->root, "export-layout",
				      img->manifest, to,       NULL};
		return build_exec(b, argv, NULL, err) == 0
			   ? 0
			   : err_set(err, 0, "--output type=oci: export to '%s' failed", dest);
	}
	if (streq(type, "oci-archive") || streq(type, "docker-archive")) {
		const char *argv[] = {b->store_bin, "--root", b->o->root, "save",        "--format",
				      type,         "-o",     dest,       img->manifest, NULL};
		return build_exec(b, argv, NULL, err) == 0
			   ? 0
			   : err_set(err, 0, "--output type=%s: save to '%s' failed", type, dest);
	}
	if (streq(type, "bundle")) {
		/* an OCI bundle: the image's config.json and its rootfs as files */
		cleanup_free char *ov = build_owner_overrides(b, "{}");
		const char *cargv[] = {b->store_bin,  "--root", b->o->root, "create-container",
				       img->manifest, ov,       NULL};
		cleanup_free char *id = NULL, *src = NULL, *rootfs = NULL, *cfg = NULL;
		int st = build_exec(b, cargv, &id, err);

		if (st != 0)
			return st < 0 ? -1 : err_set(err, 0, "--output type=bundle: create failed");
		src = xasprintf("%s/containers/%s/bundle/rootfs/.", b->o->root, id);
		cfg = xasprintf("%s/containers/%s/bundle/config.json", b->o->root, id);
		rootfs = xasprintf("%s/rootfs", dest);
		st = fs_mkdir_p(rootfs, 0755, err);
		if (st == 0) {
			const char *cp1[] = {"cp", "-a", "--", src, rootfs, NULL};
			cleanup_free char *to = xasprintf("%s/config.json", dest);

			st = build_exec(b, cp1, NULL, err);
			if (st == 0)
				st = build_owner_unmark_config(cfg, to, err);
			if (st > 0)
				err_set(err, 0, "--output type=bundle: copy to '%s' failed", dest);
		}
		{
			const char *rargv[] = {b->store_bin, "--root", b->o->root, "rm-container",
					       "-f",         "-v",     id,         NULL};
			build_exec(b, rargv, NULL, NULL);
		}
		return st == 0 ? 0 : -1;
	}
	return err_set_code(err, EINVAL,
			    "--output: unknown type '%s' (want oci, oci-archive, "
			    "docker-archive, bundle or image)",
			    type);
}
