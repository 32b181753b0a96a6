/* stream.c: layer byte streams.
 *
 * Reading: libarchive's filters (gzip, zstd, xz, none) under the "raw"
 * format turn a blob into its uncompressed tar stream; every byte of it goes
 * through a tap (to compute the diff id) and then into a second archive
 * object that parses the tar entries.  Writing: tar bytes are hashed (diff
 * id) and gzip-compressed with zlib straight into a verified layout blob. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "common/digest.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"
#include "store/store.h"

#define READ_BLOCK (1u << 20)

struct stream {
	struct archive *raw;
	struct archive *tar;
	stream_tap_fn tap;
	void *arg;
	int fd;
	struct archive *outer;
	char *buf;
	struct err *tap_err;
	bool raw_done;
};

static la_ssize_t src_read(struct archive *a, void *data, const void **out)
{
	struct stream *st = data;

	if (st->outer) {
		const void *p;
		size_t size;
		la_int64_t off;
		int r = archive_read_data_block(st->outer, &p, &size, &off);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN) {
			archive_set_error(a, archive_errno(st->outer), "%s",
					  archive_error_string(st->outer));
			return -1;
		}
		*out = p;
		return (la_ssize_t)size;
	}
	for (;;) {
		ssize_t n = read(st->fd, st->buf, READ_BLOCK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			archive_set_error(a, errno, "read: %s", strerror(errno));
			return -1;
		}
		*out = st->buf;
		return n;
	}
}

/* Next chunk of the uncompressed stream, through the tap. */
static la_ssize_t tar_read(struct archive *a, void *data, const void **out)
{
	struct stream *st = data;
	const void *p;
	size_t size;
	la_int64_t off;
	int r;

	if (st->raw_done)
		return 0;
	r = archive_read_data_block(st->raw, &p, &size, &off);
	if (r == ARCHIVE_EOF) {
		st->raw_done = true;
		return 0;
	}
	if (r < ARCHIVE_WARN) {
		archive_set_error(a, archive_errno(st->raw) ? archive_errno(st->raw) : EIO, "%s",
				  archive_error_string(st->raw));
		return -1;
	}
	if (st->tap && size > 0 && st->tap(st->arg, p, size, &st->tap_err) < 0) {
		archive_set_error(a, EIO, "%s", st->tap_err ? st->tap_err->msg : "write failed");
		return -1;
	}
	*out = p;
	return (la_ssize_t)size;
}

static struct stream *stream_open(struct stream *st, struct err **err)
{
	struct archive_entry *e;
	int r;

	st->raw = archive_read_new();
	st->tar = archive_read_new();
	if (!st->raw || !st->tar)
		abort();
	archive_read_support_filter_all(st->raw);
	archive_read_support_format_raw(st->raw);
	archive_read_support_format_tar(st->tar);
	if (archive_read_open(st->raw, st, NULL, src_read, NULL) != ARCHIVE_OK) {
		err_set(err, archive_errno(st->raw) > 0 ? archive_errno(st->raw) : 0,
			"read layer: %s", archive_error_string(st->raw));
		goto fail;
	}
	r = archive_read_next_header(st->raw, &e);
	if (r == ARCHIVE_EOF) {
		st->raw_done = true;
	} else if (r < ARCHIVE_WARN) {
		err_set(err, 0, "read layer: %s", archive_error_string(st->raw));
		goto fail;
	}
	if (archive_read_open(st->tar, st, NULL, tar_read, NULL) != ARCHIVE_OK) {
		if (st->tap_err) {
			err_set_code(err, st->tap_err->code, "%s", st->tap_err->msg);
		} else {
			err_set(err, 0, "read layer: not a tar archive: %s",
				archive_error_string(st->tar));
		}
		goto fail;
	}
	return st;
fail:
	stream_free(st);
	return NULL;
}

struct stream *stream_open_fd(int fd, stream_tap_fn tap, void *arg, struct err **err)
{
	struct stream *st = xcalloc(1, sizeof(*st));

	st->fd = fd;
	st->tap = tap;
	st->arg = arg;
	st->buf = xmalloc(READ_BLOCK);
	return stream_open(st, err);
}

struct stream *stream_open_entry(struct archive *outer, stream_tap_fn tap, void *arg,
				 struct err **err)
{
	struct stream *st = xcalloc(1, sizeof(*st));

	st->fd = -1;
	st->outer = outer;
	st->tap = tap;
	st->arg = arg;
	return stream_open(st, err);
}

struct archive *stream_tar(struct stream *st)
{
	return st->tar;
}

/* The tap's error, if the tar reader failed because of it. */
int stream_error(struct stream *st, const char *what, struct err **err)
{
	if (st->tap_err)
		return err_set_code(err, st->tap_err->code, "%s", st->tap_err->msg);
	return err_set(err, 0, "%s: %s", what, archive_error_string(st->tar));
}

int stream_finish(struct stream *st, struct err **err)
{
	int ret = 0;

	while (!st->raw_done) {
		const void *p;
		la_ssize_t n = tar_read(st->tar, st, &p);

		if (n < 0) {
			ret = stream_error(st, "read layer", err);
			break;
		}
		if (n == 0)
			break;
	}
	stream_free(st);
	return ret;
}

void stream_free(struct stream *st)
{
	if (!st)
		return;
	if (st->tar)
		archive_read_free(st->tar);
	if (st->raw)
		archive_read_free(st->raw);
	err_free(st->tap_err);
	free(st->buf);
	free(st);
}

/* ---- writing: tar bytes -> gzip blob ---- */

struct layer_writer {
	z_stream z;
	struct digester *diff;
	struct blob_writer *blob;
	unsigned char *out;
	int64_t tar_size;
	int64_t gz_size;
	bool z_ok;
};

#define OUT_SIZE (256u << 10)

int layer_writer_new(struct store *s, struct layer_writer **out, struct err **err)
{
	struct layer_writer *w = xcalloc(1, sizeof(*w));

	if (layout_blob_begin(&s->oci, NULL, -1, false, &w->blob, err) < 0) {
		free(w);
		return -1;
	}
	if (deflateInit2(&w->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	w->z_ok = true;
	w->diff = digester_new();
	w->out = xmalloc(OUT_SIZE);
	*out = w;
	return 0;
}

static int deflate_some(struct layer_writer *w, int flush, struct err **err)
{
	int zr;

	do {
		w->z.next_out = w->out;
		w->z.avail_out = OUT_SIZE;
		zr = deflate(&w->z, flush);
		if (zr == Z_STREAM_ERROR)
			return err_set(err, 0, "gzip layer: compression failed");
		size_t have = OUT_SIZE - w->z.avail_out;
		if (have && blob_writer_write(w->blob, w->out, have, err) < 0)
			return -1;
		w->gz_size += (int64_t)have;
	} while (w->z.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
	return 0;
}

int layer_writer_write(void *arg, const void *data, size_t len, struct err **err)
{
	struct layer_writer *w = arg;

	digester_update(w->diff, data, len);
	w->tar_size += (int64_t)len;
	w->z.next_in = (unsigned char *)data;
	w->z.avail_in = (uInt)len;
	while (w->z.avail_in > 0)
		if (deflate_some(w, Z_NO_FLUSH, err) < 0)
			return -1;
	return 0;
}

static void writer_free(struct layer_writer *w)
{
	if (w->z_ok)
		deflateEnd(&w->z);
	if (w->diff)
		digester_free(w->diff);
	free(w->out);
	free(w);
}

int layer_writer_commit(struct layer_writer *w, struct spec_descriptor *desc,
			char diff_id[DIGEST_STR_MAX], int64_t *tar_size, struct err **err)
{
	char digest[DIGEST_STR_MAX];
	struct blob_writer *b;

	if (deflate_some(w, Z_FINISH, err) < 0) {
		layer_writer_abort(w);
		return -1;
	}
	digester_final(w->diff, diff_id);
	b = w->blob;
	w->blob = NULL;
	desc->size = w->gz_size;
	if (tar_size)
		*tar_size = w->tar_size;
	writer_free(w);
	if (blob_writer_commit(b, digest, err) < 0)
		return -1;
	free(desc->media_type);
	desc->media_type = xstrdup(MT_OCI_LAYER_GZIP);
	memcpy(desc->digest, digest, DIGEST_STR_MAX);
	return 0;
}

void layer_writer_abort(struct layer_writer *w)
{
	if (!w)
		return;
	if (w->blob)
		blob_writer_abort(w->blob, false);
	writer_free(w);
}

static int layer_from_stream(struct store *s, struct stream *st_in, struct layer_writer *w,
			     struct spec_descriptor *desc, char diff_id[DIGEST_STR_MAX],
			     struct err **err)
{
	struct stream *st = st_in;
	struct archive_entry *e;
	int r;

	while ((r = archive_read_next_header(stream_tar(st), &e)) == ARCHIVE_OK ||
	       r == ARCHIVE_WARN)
		;
	if (r != ARCHIVE_EOF) {
		stream_error(st, "read tarball: not a valid tar archive", err);
		stream_free(st);
		layer_writer_abort(w);
		return -1;
	}
	if (stream_finish(st, err) < 0) {
		layer_writer_abort(w);
		return -1;
	}
	(void)s;
	return layer_writer_commit(w, desc, diff_id, NULL, err);
}

int layer_from_fd(struct store *s, int fd, struct spec_descriptor *desc,
		  char diff_id[DIGEST_STR_MAX], struct err **err)
{
	struct layer_writer *w;
	struct stream *st;

	if (layer_writer_new(s, &w, err) < 0)
		return -1;
	st = stream_open_fd(fd, layer_writer_write, w, err);
	if (!st) {
		layer_writer_abort(w);
		return -1;
	}
	return layer_from_stream(s, st, w, desc, diff_id, err);
}

int layer_from_entry(struct store *s, struct archive *outer, struct spec_descriptor *desc,
		     char diff_id[DIGEST_STR_MAX], struct err **err)
{
	struct layer_writer *w;
	struct stream *st;

	if (layer_writer_new(s, &w, err) < 0)
		return -1;
	st = stream_open_entry(outer, layer_writer_write, w, err);
	if (!st) {
		layer_writer_abort(w);
		return -1;
	}
	return layer_from_stream(s, st, w, desc, diff_id, err);
}
