/* store.h: kist-store internals shared by the store/ files (not a public API;
 * other programs meet the store only through its directories and CLI).
 *
 *   ROOT/oci/                 OCI image layout (spec/layout.h)
 *   ROOT/layers/<chain-hex>/  diff/ (overlay form) + link (short name)
 *                             + size (unpacked bytes; absent in older stores)
 *   ROOT/layers/l/<short>     -> ../<chain-hex>/diff (keeps mount options short)
 *   ROOT/layers/.lock-<hex>   per-layer unpack lock
 *   ROOT/containers/<id>/     container.json, upper/, work/, bundle/
 *   ROOT/volumes/
 *   ROOT/tmp/                 scratch space for load/commit (cleaned by gc)
 *
 * Functions follow the project convention: <0 (or NULL) with *err set. */
#ifndef KIST_STORE_H
#define KIST_STORE_H

#include <stdbool.h>       /* bool */
#include <stddef.h>        /* size_t */
#include <stdint.h>        /* int64_t */
#include <stdio.h>         /* FILE */
#include "common/digest.h" /* DIGEST_STR_MAX */
#include "common/format.h" /* fmt_size, fmt_table */
#include "common/json.h"   /* cJSON */
#include "spec/layout.h"   /* struct layout */

struct err;
struct archive;

enum store_driver { STORE_DRIVER_DEFAULT = 0, STORE_DRIVER_OVERLAY, STORE_DRIVER_VFS };

/* Global options (main.c) and the opened store. */
struct store {
	const char *root;
	const char *run;
	enum store_driver driver;
	bool debug;
	bool must_exist; /* a read-only verb on a --root given: fail if it is missing */
	bool opened;
	int rootfd;
	int layersfd;
	struct layout oci;
};

#define STORE_DEFAULT_ROOT "/var/lib/kist"
#define STORE_DEFAULT_RUN "/run/kist"
#define SHORT_LINK_LEN 12

/* store.c */
int store_open(struct store *s, struct err **err);
void store_close(struct store *s);
enum store_driver store_driver(struct store *s);
const char *store_driver_name(enum store_driver d);
/* A fresh directory ROOT/tmp/<prefix>XXXXXX (malloc'd path). */
char *store_mkdtemp(struct store *s, const char *prefix, struct err **err);
/* RFC 3339 with nanoseconds in UTC, as Go marshals time.Time. */
char *store_time_now(void);
/* Parse an RFC 3339 time; returns seconds since the epoch or -1. */
int64_t store_time_parse(const char *s);
/* 64 random hex characters. */
void store_random_hex(char out[65]);

/* image.c: an image is one manifest (an index entry resolves to linux/amd64). */
struct image {
	char manifest_digest[DIGEST_STR_MAX];
	char *manifest_media_type;
	int64_t manifest_size;
	char id[DIGEST_STR_MAX]; /* config digest: docker's image id */
	cJSON *manifest;
	cJSON *config;
	size_t n_layers;
	char (*layers)[DIGEST_STR_MAX];   /* blob digests */
	char (*diff_ids)[DIGEST_STR_MAX]; /* uncompressed digests */
	char (*chain_ids)[DIGEST_STR_MAX];
	int64_t *layer_sizes;
	int64_t size;    /* sum of layer blob sizes + config (image_size: docker's) */
	int64_t created; /* seconds, or 0 */
	char **names;    /* full refs naming this manifest (may be empty) */
	size_t n_names;
	bool listed_unnamed; /* an unnamed index entry exists for it */
	bool intermediate;   /* unnamed parent of another image (image_mark_intermediates) */
};

void image_release(struct image *img);
void image_free_list(struct image *imgs, size_t n);
/* Load the manifest (and config) a descriptor points at. */
int image_load(struct store *s, const struct spec_descriptor *desc, struct image *out,
	       struct err **err);
/* Every image in the index, one per manifest, names attached. */
int image_list(struct store *s, struct image **out, size_t *n, struct err **err);
/* Find an image by name, name@digest, full or short id, or "sha256:" digest.
 * Returns 1 found, 0 not found (no error), -1 error (e.g. ambiguous). */
int image_find(struct store *s, const char *what, struct image *out, char **matched_name,
	       struct err **err);
/* image_find that turns "not found" into "no such image: 'x'". */
int image_resolve(struct store *s, const char *what, struct image *out, struct err **err);
/* Normalise a user reference to its full form (malloc'd). */
char *image_normalise(const char *what, struct err **err);
/* Familiar form of a full name ("busybox:latest"). */
char *image_familiar(const char *full);
/* Split a full name into familiar repository and tag/digest parts. */
void image_repo_tag(const char *full, char **repo, char **tag, char **digest);
/* Point name at desc; an image left without names stays listed as dangling. */
int image_set_ref(struct store *s, const char *full, const struct spec_descriptor *desc,
		  struct err **err);
/* Write config + manifest blobs for layers and name them (names may be NULL). */
int image_write(struct store *s, const char *config, size_t config_len, cJSON *layers_desc,
		char *const *names, struct spec_descriptor *manifest_out, struct err **err);
/* Compute chain ids from diff ids. */
void image_chain_ids(char (*diff_ids)[DIGEST_STR_MAX], size_t n, char (*out)[DIGEST_STR_MAX]);
/* Apply docker --change instructions (CMD, ENTRYPOINT, ENV, LABEL, EXPOSE,
 * USER, WORKDIR, VOLUME, STOPSIGNAL) to an image config's "config" object. */
int image_apply_changes(cJSON *cfg, char *const *changes, struct err **err);
/* docker rmi for one argument. */
int image_remove(struct store *s, const char *what, bool force, struct err **err);
/* Ids of images used by containers (malloc'd vector). */
char **image_ids_in_use(struct store *s);
/* docker's image size: the unpacked size of each layer (layer_size), its
 * compressed blob size while it is not unpacked yet. */
int64_t image_size(struct store *s, const struct image *img);
/* The same for layer i alone (history's SIZE). */
int64_t image_layer_size(struct store *s, const struct image *img, size_t i);
/* p is a parent of c: p's diff ids are a prefix of c's and p's history a
 * strict prefix of c's (without history in p: diff ids a strict prefix). */
bool image_is_parent(const struct image *p, const struct image *c);
/* Set .intermediate on every unnamed image that is a parent of another. */
void image_mark_intermediates(struct image *imgs, size_t n);

/* stream.c: decompression tap and gzip compression into blobs. */
typedef int (*stream_tap_fn)(void *arg, const void *data, size_t len, struct err **err);
/* Open a reader over src (fd) that decompresses gzip/zstd/xz/plain and
 * calls tap for every uncompressed byte; tar entries come out of the
 * returned archive.  Finish with stream_finish() to drain trailing data. */
struct stream;
struct stream *stream_open_fd(int fd, stream_tap_fn tap, void *arg, struct err **err);
/* Same over the current entry of an outer archive (nested tar). */
struct stream *stream_open_entry(struct archive *outer, stream_tap_fn tap, void *arg,
				 struct err **err);
struct archive *stream_tar(struct stream *st);
/* Drain what remains of the uncompressed stream through the tap, then free. */
int stream_finish(struct stream *st, struct err **err);
/* Report a tar read failure (the tap's error if it caused it). */
int stream_error(struct stream *st, const char *what, struct err **err);
void stream_free(struct stream *st);

/* Compress tar bytes into a gzip blob while hashing both forms. */
struct layer_writer;
int layer_writer_new(struct store *s, struct layer_writer **out, struct err **err);
int layer_writer_write(void *lw, const void *data, size_t len, struct err **err);
/* Commit the blob; fills the descriptor (gzip media type) and diff id. */
int layer_writer_commit(struct layer_writer *w, struct spec_descriptor *desc,
			char diff_id[DIGEST_STR_MAX], int64_t *tar_size, struct err **err);
void layer_writer_abort(struct layer_writer *w);
/* A tar stream from any source: decompress + recompress into a layer blob;
 * check_tar walks the entries so a non-tar input is refused. */
int layer_from_fd(struct store *s, int fd, struct spec_descriptor *desc,
		  char diff_id[DIGEST_STR_MAX], struct err **err);
int layer_from_entry(struct store *s, struct archive *outer, struct spec_descriptor *desc,
		     char diff_id[DIGEST_STR_MAX], struct err **err);

/* layer.c: unpack into layers/. */
/* Path of the unpacked layer's diff dir (malloc'd); does not check it exists. */
char *layer_diff_path(struct store *s, const char *chain_id);
/* openat2 below dirfd that follows no symlink and crosses no mount (-1 and
 * errno on failure; ELOOP/EXDEV when path tries to leave). */
int layer_open_beneath(int dirfd, const char *path, int flags);
bool layer_exists(struct store *s, const char *chain_id);
/* Bytes of the regular files an unpacked layer holds (docker's layer size);
 * -1 when unknown (not unpacked, or unpacked before sizes were recorded). */
int64_t layer_size(struct store *s, const char *chain_id);
int layer_short_link(struct store *s, const char *chain_id, char out[SHORT_LINK_LEN + 1]);
/* Unpack every missing layer of img (in parallel). */
int layer_unpack_image(struct store *s, const struct image *img, struct err **err);
/* Unpack one tar stream into dirfd (exposed for vfs and tests). */
int layer_apply_stream(int fd, int dirfd, const char *expected_diff_id, struct err **err);
int layer_remove(struct store *s, const char *chain_hex, struct err **err);

/* tarwrite.c: directory trees -> tar. */
enum tarw_mode {
	TARW_FLAT,    /* plain tree (export) */
	TARW_OVERLAY, /* overlay upper dir: whiteouts/opaque -> .wh. entries */
};
typedef int (*tarw_sink_fn)(void *arg, const void *data, size_t len, struct err **err);
int tarw_write_tree(int dirfd, enum tarw_mode mode, tarw_sink_fn sink, void *arg, struct err **err);
/* The same with every mtime later than clamp set to clamp, in whole
 * seconds, and no atime or ctime (reproducible layers); clamp -1: as is. */
int tarw_write_tree_clamped(int dirfd, enum tarw_mode mode, int64_t clamp, tarw_sink_fn sink,
			    void *arg, struct err **err);

/* fsck.c: check the store; problems are printed one a line to stdout and
 * counted in *problems; repair removes what nothing references.  <0 only
 * when the check itself cannot run (the index unreadable, the lock). */
int store_fsck(struct store *s, bool repair, size_t *problems, struct err **err);

/* container.c */
struct container {
	char id[65];
	char *name;
	char *image; /* as the user gave it */
	char image_id[DIGEST_STR_MAX];
	char manifest_digest[DIGEST_STR_MAX];
	char *created;
	enum store_driver driver;
	char **chain_ids; /* bottom first */
	cJSON *doc;       /* the whole container.json */
};
void container_release(struct container *c);
int container_list(struct store *s, struct container **out, size_t *n, struct err **err);
void container_free_list(struct container *cs, size_t n);
int container_find(struct store *s, const char *what, struct container *out, struct err **err);
int container_create(struct store *s, const char *name, const char *image, const char *overrides,
		     char id_out[65], struct err **err);
int container_mount(struct store *s, const struct container *c, struct err **err);
int container_umount(struct store *s, const struct container *c, struct err **err);
int container_remove(struct store *s, const struct container *c, bool force, struct err **err);
/* Removal when container_find fails: the container named what (through the
 * name index) or with id (prefix) what whose container.json is missing or
 * damaged is removed from what is there (its mount, its directory, its name
 * link).  id gets its id; *why (malloc'd) says what is wrong with the record,
 * NULL if it loaded after all. */
int container_remove_damaged(struct store *s, const char *what, bool force, char id[65], char **why,
			     struct err **err);
/* Under the containers lock: drop the name links (containers/.names) whose
 * container is gone (gc). */
void container_names_sweep(struct store *s);
char *container_dir(struct store *s, const char *id);
/* Give c another name (unique: the name index changes under the lock). */
int container_rename(struct store *s, const struct container *c, const char *name,
		     struct err **err);
/* cmd_ps.c: does a live shim hold RUN/shim/<id>/lock?  The container's
 * docker State block (the shim's record; "created" or "dead" without one). */
bool container_shim_alive(struct store *s, const char *id);
cJSON *container_state(struct store *s, const char *id);
bool container_is_mounted(struct store *s, const struct container *c);

/* volume.c: ROOT/volumes/<name>/{_data,volume.json}.  A volume is "in use"
 * while a container's record names it in its Mounts; volumes change under
 * volume_lock (the containers' lock). */
#define VOLUME_ANON_LABEL "com.docker.volume.anonymous"
bool volume_name_valid(const char *name);
/* docker's error for a name outside [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
int volume_name_check(const char *name, struct err **err);
int volume_lock(struct store *s, struct err **err);
char *volume_data_path(struct store *s, const char *name);
/* docker's volume inspect object (Mountpoint added); "get X: no such volume"
 * (ENOENT) when there is none. */
cJSON *volume_get(struct store *s, const char *name, struct err **err);
bool volume_is_anonymous(const cJSON *vol);
bool volume_labels_match(const cJSON *vol, char *const *filters);
/* Under the lock: make the volume unless it exists (*created says which). */
int volume_create_locked(struct store *s, const char *name, const cJSON *labels, bool anonymous,
			 bool *created, struct err **err);
char **volume_names(struct store *s); /* sorted, never NULL */
/* Ids of the containers whose records mount the volume (NULL: none). */
int volume_users(struct store *s, const char *name, char ***ids, struct err **err);
/* Under the lock: remove an unused volume ("volume is in use", EBUSY). */
int volume_remove_locked(struct store *s, const char *name, struct err **err);
/* The anonymous volumes a removed container's record mounts, unless another
 * container uses them (failures are warnings). */
void volume_remove_anonymous(struct store *s, const cJSON *record);
int64_t volume_size(struct store *s, const char *name);
/* Remove unused volumes (only anonymous ones unless all) matching labels. */
int volume_prune(struct store *s, bool all, char *const *labels, char ***removed, int64_t *freed,
		 struct err **err);

/* volmount.c: under the lock, the container's mounts from the overrides
 * (Binds, Mounts, Volumes, Tmpfs) and the image's VOLUMEs: volumes made
 * (the anonymous ones it made in *made), the image's files copied up from
 * rootfs; *conv: the overrides for spec_convert (Binds of host paths, no
 * Mounts), *record: docker's inspect Mounts. */
int volume_mounts(struct store *s, const cJSON *image_config, const cJSON *ov, const char *rootfs,
		  cJSON **conv, cJSON **record, char ***made, struct err **err);
/* Remove the volumes named (made for a container that failed). */
void volume_drop(struct store *s, char *const *names);

/* bundle.c: config.json from the image config + overrides (spec/convert). */
int bundle_config(struct store *s, const struct image *img, const cJSON *overrides,
		  const char *rootfs, const char *hostname, cJSON **out, struct err **err);

/* overlay.c: volatile_ (a container removed when it exits, run --rm) skips
 * the syncs of the upper dir, the umount's among them; the kernel then
 * refuses to mount that upper dir again (the "incompat/volatile" mark in
 * its work dir), which only a reboot or an explicit umount would ask of
 * such a container. */
int overlay_mount(const char *const *lowers, size_t n, const char *layers_dir, const char *upper,
		  const char *work, const char *target, bool volatile_, struct err **err);
int overlay_umount(const char *target, struct err **err);
bool path_is_mountpoint(const char *path);
bool overlay_supported(void);

/* copy.c: apply an overlay-form diff dir onto a tree (vfs driver). */
int copy_apply_diff(int srcfd, int dstfd, struct err **err);
/* Copy the extended attributes of src to dst (not trusted.overlay.*). */
int copy_xattrs(int src, int dst, const char *name, struct err **err);

/* vfsdiff.c: a vfs container's changes as an overlay-style upper dir made
 * in ROOT/tmp (path in *tmp; the caller removes it).  Returns its fd. */
int vfs_changes(struct store *s, const struct container *c, char **tmp, struct err **err);

/* gc.c */
int store_gc(struct store *s, bool verbose, int64_t *freed, struct err **err);
/* Remove blobs and layers of a deleted image that nothing else uses; print
 * "Deleted: ..." lines when out != NULL. */
int store_sweep_image(struct store *s, const struct image *img, FILE *out, struct err **err);
/* ROOT/.gc.lock: shared while writing unnamed blobs, exclusive for gc. */
int store_gc_lock(struct store *s, bool exclusive, struct err **err);
int64_t store_tree_size(int dirfd, const char *name);

/* archive.c */
int archive_save(struct store *s, char *const *refs, size_t n, int outfd, bool oci,
		 struct err **err);
int archive_load(struct store *s, int infd, FILE *out, struct err **err);
int layout_import(struct store *s, const char *dir, const char *select, const char *name, FILE *out,
		  struct err **err);
int layout_export(struct store *s, const char *what, const char *dir, const char *name,
		  struct err **err);

/* commit.c */
struct commit_opts {
	char *const *changes;   /* docker --change instructions, or NULL */
	const char *message;    /* history comment, or NULL */
	const char *author;     /* or NULL */
	const char *created_by; /* history created_by, or NULL for "kist-store commit NAME" */
	int64_t timestamp;      /* -1: now; else the created times, mtimes clamped to it */
};
/* clang-format off */
#define COMMIT_OPTS_INIT { .timestamp = -1 }
/* clang-format on */
/* id_out: the new image's id; manifest_out (may be NULL): its manifest digest. */
int container_commit(struct store *s, const struct container *c, const char *ref,
		     const struct commit_opts *o, char id_out[DIGEST_STR_MAX],
		     char manifest_out[DIGEST_STR_MAX], struct err **err);
int container_diff(struct store *s, const struct container *c, FILE *out, struct err **err);
int container_export(struct store *s, const struct container *c, int outfd, struct err **err);

/* commands (cmd_*.c): each `int cmd_x(void *g, int argc, char **argv, struct err **err)` */
#define CMD(x) int cmd_##x(void *g, int argc, char **argv, struct err **err)
CMD(import);
CMD(fsck);
CMD(ls);
CMD(inspect);
CMD(tag);
CMD(rm);
CMD(history);
CMD(prune);
CMD(unpack);
CMD(create_container);
CMD(mount);
CMD(umount);
CMD(rm_container);
CMD(ls_containers);
CMD(ps);
CMD(rename_container);
CMD(inspect_container);
CMD(commit);
CMD(diff);
CMD(export);
CMD(cp); /* cp.c */
CMD(save);
CMD(load);
CMD(import_layout);
CMD(export_layout);
CMD(gc);
CMD(du);
CMD(info);
CMD(volume_create);
CMD(volume_ls);
CMD(volume_inspect);
CMD(volume_rm);
CMD(volume_prune);
#undef CMD

/* Option parsing helper for verbs: getopt_long with "--help" printing usage. */
#define STORE_HELP_OPT                                                                             \
	{                                                                                          \
		"help", no_argument, NULL, 'h'                                                     \
	}

/* netinfo.c: the network kist-net gave a container (RUN/net/<id>.json) */
char *container_ports_text(struct store *s, const struct container *c);
char *container_networks_text(const struct container *c);
void container_net_inspect(struct store *s, const struct container *c, cJSON *doc);

#endif
