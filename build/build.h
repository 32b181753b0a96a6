/* build.h: kist-build's executor (not a public API; other programs meet
 * kist-build only through its command line and the store it writes).
 *
 * Every step's result is an image in the store (docker's intermediate
 * images): metadata steps write a new config + manifest through spec/layout,
 * RUN, COPY and ADD run a container (kist-store create-container,
 * kist-runtime run, kist-store commit --timestamp) whose upper dir becomes
 * the next layer.  The cache maps a step's key (parent image, instruction
 * after expansion, build args it sees, content of its sources) to the
 * manifest it made: ROOT/build-cache/keys/<hex>; what a step saw last time
 * (for "cache miss: ..." reasons) is in ROOT/build-cache/steps/<hex>.
 *
 * Functions follow the project convention: <0 (or NULL) with *err set. */
#ifndef KIST_BUILD_BUILD_H
#define KIST_BUILD_BUILD_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */
#include <stdint.h>  /* int64_t */
#include "build/dockerfile.h"
#include "common/digest.h" /* DIGEST_STR_MAX */
#include "common/json.h"   /* cJSON */
#include "spec/layout.h"   /* struct layout */

struct err;
struct dockerignore;

enum progress { PROGRESS_CLASSIC, PROGRESS_PLAIN, PROGRESS_TTY };

struct build_opts {
	const char *root;    /* KIST_ROOT */
	const char *run;     /* KIST_RUN */
	char **tags;         /* full normalised references */
	const char *file;    /* -f, or NULL: CONTEXT/Dockerfile; "-": stdin */
	char **build_args;   /* "K=V" (validated) */
	const char *target;  /* --target or NULL */
	char **labels;       /* --label "K=V" */
	const char *network; /* RUN's network: "host" (default), "none" or "bridge" */
	const char *iidfile;
	const char *context; /* directory, or "-" */
	bool no_cache, pull, quiet, verbose;
	enum progress progress;
	int64_t timestamp; /* SOURCE_DATE_EPOCH or 0 */
};

/* An image as the build holds it: the store's manifest digest ("" for
 * scratch before any layer), its config (the whole image config JSON) and
 * its layer descriptors. */
struct bimage {
	char manifest[DIGEST_STR_MAX];
	char id[DIGEST_STR_MAX]; /* config digest */
	cJSON *config;
	cJSON *layers;
};
void bimage_release(struct bimage *img);
void bimage_copy(struct bimage *dst, const struct bimage *src);
/* The image config's "config" object (made if missing). */
cJSON *bimage_cfg(struct bimage *img);

/* A build in progress. */
#define BUILD_OWNER_LEN 32

struct build {
	const struct build_opts *o;
	struct layout oci;
	int rootfd;
	int gclock; /* ROOT/.gc.lock held shared while writing */
	char *store_bin, *runtime_bin, *fetch_bin, *net_bin;
	char **index_digests; /* manifests index.json lists (known to exist) */
	struct dockerfile *df;
	char *df_text;
	const char *ctxdir;          /* the context directory */
	struct dockerignore *ignore; /* or NULL */
	char *df_id;                 /* sha256 of context path + Dockerfile path (steps records) */
	bool cache_broken;           /* a step missed: no later step of the stage can hit */
	size_t step, nsteps;
	char **used_args;                /* build args some instruction consumed */
	int stdout_fd;                   /* where RUN output goes (1, or /dev/null with -q) */
	struct tty_view *tv;             /* output.c's live view (PROGRESS_TTY) */
	char owner[BUILD_OWNER_LEN + 1]; /* owner.c: marks this build's containers */
	int owner_lock;                  /* holds ROOT/build-cache/owners/<owner>.lock */
};

/* owner.c: this build's owner lock (held until build_owner_end); the
 * overrides of a container it creates, marked as its (malloc'd); the
 * containers of builds that died removed (best effort). */
int build_owner_start(struct build *b, struct err **err);
void build_owner_end(struct build *b);
char *build_owner_overrides(struct build *b, const char *overrides);
void build_owner_sweep(struct build *b);
/* ROOT/build-cache/tmp/<owner>: this build's scratch (malloc'd path). */
char *build_tmp_dir(struct build *b);
/* Copy a container's config.json from to to without the build's mark. */
int build_owner_unmark_config(const char *from, const char *to, struct err **err);

/* main.c -> exec.c: run the whole build; 0 and the final image in *out. */
int build_run(struct build *b, struct bimage *out, struct err **err);

/* image.c: the store, read and written through spec/layout. */
int bstore_open(struct build *b, struct err **err);
void bstore_close(struct build *b);
/* Load the image of a manifest digest (an index: the host platform's). */
int bimage_load(struct build *b, const char *manifest, struct bimage *out, struct err **err);
/* Resolve an image reference in the store (name, id); 1 found, 0 not. */
int bimage_resolve(struct build *b, const char *ref, struct bimage *out, struct err **err);
/* Write img's config and a manifest over its layers, listed unnamed in the
 * index (an intermediate image); fills img->manifest and img->id. */
int bimage_write(struct build *b, struct bimage *img, struct err **err);
/* Config created / history created time for the build's timestamp. */
char *build_time(const struct build *b);
/* cache: the manifest stored for key, if it is still in the store. */
bool cache_get(struct build *b, const char *key, char manifest[DIGEST_STR_MAX]);
int cache_put(struct build *b, const char *key, const char *manifest, struct err **err);
/* What a step saw (for miss reasons), keyed by the step's place. */
char *step_record_get(struct build *b, const char *place);
void step_record_put(struct build *b, const char *place, const char *record);
/* Run a kist program; argv[0] is its path.  capture: its stdout (trimmed)
 * into *out.  Returns its exit code, or -1. */
int build_exec(struct build *b, const char *const *argv, char **out, struct err **err);

/* context.c: the build context and COPY/ADD sources. */
struct src_entry {
	char *rel;  /* path in the context (or in the source image) */
	char *name; /* the name it gets under the destination (relative) */
};
/* Expand COPY sources (wildcards, .dockerignore) relative to root (the
 * context directory or a stage's rootfs); refuse paths leaving it.  Hash
 * their content (names, modes, owners, bytes) into *hash; *files gets one
 * "<hash> <path>" line per file for miss reasons. */
int context_sources(struct build *b, const char *root, bool from_context, char *const *srcs,
		    char ***matched, char hash[DIGEST_STR_MAX], char **files, struct err **err);
/* Copy src (a path under srcroot) to dst inside rootfd (the container's
 * rootfs), docker's COPY rules: a directory's contents, dst a directory
 * when it ends in '/' or is one.  uid/gid -1 keep the source's; mode -1
 * keeps the source's mode. */
struct copy_opts {
	long uid, gid;
	long mode;
	bool dst_is_dir;
	bool unpack; /* ADD: local archives are unpacked */
};
int context_copy(struct build *b, const char *srcroot, const char *src, int rootfd, const char *dst,
		 const struct copy_opts *co, struct err **err);

/* mounts.c: RUN --mount=type=bind|cache|tmpfs (BuildKit's options). */
enum rmount_type { RMOUNT_BIND, RMOUNT_CACHE, RMOUNT_TMPFS };
struct rmount {
	enum rmount_type type;
	char *target; /* absolute (relative ones under the WORKDIR) */
	char *source; /* bind: path in the context or the from image; NULL: its root */
	char *from;   /* bind: a stage or image; NULL: the context */
	char from_manifest[DIGEST_STR_MAX]; /* bind: from's image (exec.c) */
	char *id;                           /* cache: default the target */
	int sharing;                        /* cache: 0 shared, 1 private, 2 locked */
	long mode, uid, gid;
	bool rw;
	bool copied;   /* bind: host is a private copy (the context less .dockerignore) */
	uint64_t size; /* tmpfs: bytes, 0 none */
	char *host;    /* bind, cache: the host path mounted (bind: set by exec.c) */
	int lockfd;    /* cache: the lock held during the RUN */
	char *tmp;     /* a directory removed after the RUN */
	char *stub;    /* the first part of the target the rootfs lacked */
};
struct rmounts {
	struct rmount *v;
	size_t n;
};
struct buf;
/* Parse in's --mount flags (expanded with vars). */
int rmounts_parse(const struct df_instr *in, char *const *vars, char escape, const char *workdir,
		  struct rmounts *out, struct err **err);
/* Their canonical text, for the step's description (the cache key). */
void rmounts_describe(const struct rmounts *m, struct buf *d);
/* Take the cache dirs (and locks), make the overlays, add the mounts to
 * the container's config.json, note what the runtime will make. */
int rmounts_setup(struct build *b, struct rmounts *m, const char *ctrid, const char *rootfs,
		  struct err **err);
/* After the RUN: the targets' stubs out of the rootfs, locks released,
 * temporary directories removed. */
void rmounts_finish(struct build *b, struct rmounts *m, const char *rootfs);
void rmounts_release(struct rmounts *m);
/* What a mount's target makes in a rootfs the runtime mounts it in: the
 * first part of target (absolute) the rootfs lacks, or NULL; stub_remove
 * takes that out again (empty files and directories only), so that the
 * commit does not keep it, as BuildKit's does not. */
char *stub_missing_part(int rootfd, const char *target);
void stub_remove(const char *rootfs, const char *target, const char *stub);

/* url.c: ADD of an http(s) URL. */
bool url_is_remote(const char *s);
/* Download url into dir/NAME (NAME from Content-Disposition or the URL's
 * path, *name); mode 0600, mtime from Last-Modified; checksum
 * ("sha256:...", or NULL) must match; digest gets the content's. */
int url_fetch(const char *url, const char *dir, const char *checksum, char **name,
	      char digest[DIGEST_STR_MAX], struct err **err);

/* output.c: docker's classic lines on stdout, or the live view on a
 * terminal (nothing with -q). */
struct proc;
/* A line in every mode (in TTY mode the running step is shown done first). */
void out_printf(struct build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A classic line (" ---> id", "Running in", ...): not in TTY mode. */
void out_detail(struct build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The next step begins ("Step N/M : instr"; b->step counted here). */
void out_step(struct build *b, const char *instr);
/* The running step was a cache hit. */
void out_cached(struct build *b);
/* Run p with its stdout and stderr shown: streamed (classic), or in the
 * running step's live lines (TTY).  As proc_run. */
int out_run(struct build *b, struct proc *p, struct err **err);
/* The end: the running step shown done (or failed, with its last output
 * lines), the view freed. */
void out_finish(struct build *b, bool failed);
/* "cache miss: ..." with --progress=plain or -v */
void out_miss(struct build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The short id docker prints: 12 hex characters of a digest or id. */
const char *short_id(const char *digest_or_id, char out[13]);

#endif
