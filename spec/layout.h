/* layout.h: OCI image layout access shared by store, fetch and build, so
 * no program writes a layout its own way.
 *
 *   DIR/oci-layout            {"imageLayoutVersion":"1.0.0"}
 *   DIR/index.json            image index; refs are manifests annotated
 *                             org.opencontainers.image.ref.name
 *   DIR/blobs/sha256/<hex>    content, only ever visible once verified
 *   DIR/ingest/<hex>.partial  in-flight downloads (resumable), never read as blobs
 *   DIR/.lock                 flock guarding index.json changes
 */
#ifndef KIST_SPEC_LAYOUT_H
#define KIST_SPEC_LAYOUT_H

#include <cjson/cJSON.h>   /* cJSON */
#include <stdbool.h>       /* bool */
#include <stddef.h>        /* size_t */
#include <stdint.h>        /* uint64_t */
#include "common/digest.h" /* DIGEST_STR_MAX */
#include "spec/image.h"    /* struct spec_descriptor */

struct err;

#define LAYOUT_REF_ANNOTATION "org.opencontainers.image.ref.name"

struct layout {
	int dirfd;
	char *path;
};
/* clang-format off */
#define LAYOUT_INIT { .dirfd = -1, .path = NULL }
/* clang-format on */

/* Open an existing layout (create=false: fails if oci-layout is missing or
 * not version 1.x) or create one (create=true: makes dir, oci-layout,
 * empty index.json, blobs/sha256 as needed). */
int layout_open(const char *path, bool create, struct layout *out, struct err **err);
void layout_close(struct layout *l);

/* ---- blobs ---- */
bool layout_blob_exists(struct layout *l, const char *digest);
/* O_RDONLY fd of a blob; error names the digest when missing. */
int layout_blob_open(struct layout *l, const char *digest, struct err **err);
int layout_blob_read(struct layout *l, const char *digest, size_t max, char **out, size_t *len,
		     struct err **err);
/* Write a whole buffer as a blob (no-op if present); digest_out may be NULL. */
int layout_blob_put(struct layout *l, const void *data, size_t len, char digest_out[DIGEST_STR_MAX],
		    struct err **err);
int layout_blob_size(struct layout *l, const char *digest, uint64_t *size, struct err **err);
int layout_blob_remove(struct layout *l, const char *digest, struct err **err);
/* All blob digests present, malloc'd vector (strv_free). */
int layout_blob_list(struct layout *l, char ***out, struct err **err);

/* Streaming writer: data is hashed as it is written; commit verifies the
 * digest (and size, if known) and only then renames into blobs/.  With an
 * expected digest the temp file is ingest/<hex>.partial and a later writer
 * for the same digest resumes it (blob_writer_offset tells where). */
struct blob_writer;
int layout_blob_begin(struct layout *l, const char *expected_digest /* or NULL */,
		      int64_t expected_size /* or -1 */, bool resume, struct blob_writer **out,
		      struct err **err);
uint64_t blob_writer_offset(const struct blob_writer *w);
/* Write the rest of the blob with direct I/O (O_DIRECT, whole aligned blocks
 * from the writer's own buffer), for big blobs: their bytes skip the page
 * cache, so fresh page-cache pages are not allocated and filled for each
 * one and commit's fsync has little left to flush (the blob's later readers
 * read it from the device).  Returns false, and the writer stays buffered,
 * where the file system refuses O_DIRECT or the offset is not aligned. */
bool blob_writer_direct(struct blob_writer *w);
int blob_writer_write(struct blob_writer *w, const void *data, size_t len, struct err **err);
/* Verify, fsync, rename into place; frees w.  On mismatch the partial file is
 * removed and the error says "digest mismatch for <expected>: got <actual>". */
int blob_writer_commit(struct blob_writer *w, char digest_out[DIGEST_STR_MAX], struct err **err);
/* Drop the writer; keep_partial leaves ingest/<hex>.partial for a resume. */
void blob_writer_abort(struct blob_writer *w, bool keep_partial);

/* ---- index.json and refs (all changes under DIR/.lock, written atomically) ---- */
cJSON *layout_index_load(struct layout *l, struct err **err);
/* Read-modify-write index.json under the lock: fn edits the tree in place. */
int layout_index_update(struct layout *l, int (*fn)(cJSON *index, void *arg, struct err **err),
			void *arg, struct err **err);
/* Set ref name -> desc (replacing an entry with the same name).  The blob
 * desc points to must already exist. */
int layout_ref_set(struct layout *l, const char *name, const struct spec_descriptor *desc,
		   struct err **err);
/* Returns 1 found, 0 not found, -1 error. */
int layout_ref_get(struct layout *l, const char *name, struct spec_descriptor *out,
		   struct err **err);
int layout_ref_remove(struct layout *l, const char *name, struct err **err);

struct layout_ref {
	char *name; /* NULL for an unnamed index entry */
	struct spec_descriptor desc;
};
int layout_ref_list(struct layout *l, struct layout_ref **out, size_t *n, struct err **err);
void layout_ref_list_free(struct layout_ref *refs, size_t n);

/* An image the store can use: the manifest's config blob is in l, is a JSON
 * object with rootfs.diff_ids, digests, one per layer of m.  Checked before
 * a ref names the image.  0, or -1 with *err naming the config. */
int layout_image_check(struct layout *l, const struct spec_manifest *m, struct err **err);

#endif
