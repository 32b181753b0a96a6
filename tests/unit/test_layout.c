/* test_layout.c: spec/layout: OCI image layout blobs, ingest, index refs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "spec/image.h"
#include "spec/layout.h"
#include "tests/unit/unit.h"

static char *tmp_path(const char *name)
{
	return xasprintf("%s/%s", unit_tmpdir(), name);
}

static bool path_exists(const char *dir, const char *rel)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, rel);
	struct stat st;

	return lstat(p, &st) == 0;
}

/* Number of entries in dir other than . and .. */
static int count_entries(const char *dir)
{
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (!streq(e->d_name, ".") && !streq(e->d_name, ".."))
			n++;
	return n;
}

TEST(layout_create_and_open)
{
	cleanup_err struct err *err = NULL;
	cleanup_free char *dir = tmp_path("oci/nested");
	cleanup_free char *text = NULL, *blobs = NULL;
	struct layout l = LAYOUT_INIT;
	cleanup_json cJSON *idx = NULL;

	/* opening a missing layout without create fails and creates nothing */
	CHECK_INT(layout_open(dir, false, &l, &err), -1);
	CHECK_ERR(err, dir);
	CHECK(!fs_exists(dir));

	CHECK_INT(layout_open(dir, true, &l, &err), 0);
	CHECK(l.dirfd >= 0);
	CHECK_STR(l.path, dir);
	CHECK(path_exists(dir, "blobs/sha256"));
	CHECK_INT(fs_read_allat(l.dirfd, "oci-layout", 4096, &text, NULL, &err), 0);
	CHECK_STR(text, "{\"imageLayoutVersion\":\"1.0.0\"}");
	idx = layout_index_load(&l, &err);
	CHECK(idx != NULL);
	CHECK_INT(cJSON_GetObjectItem(idx, "schemaVersion")->valueint, 2);
	CHECK_STR(cJSON_GetObjectItem(idx, "mediaType")->valuestring, MT_OCI_INDEX);
	CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(idx, "manifests")), 0);
	layout_close(&l);
	CHECK_INT(l.dirfd, -1);

	/* reopening, with and without create, keeps the layout */
	CHECK_INT(layout_open(dir, false, &l, &err), 0);
	layout_close(&l);
	CHECK_INT(layout_open(dir, true, &l, &err), 0);
	layout_close(&l);
	layout_close(&l); /* idempotent */
}

TEST(layout_open_rejects_bad_layouts)
{
	cleanup_err struct err *err = NULL;
	cleanup_free char *dir = tmp_path("bad");
	cleanup_free char *lf = NULL, *ix = NULL;
	struct layout l = LAYOUT_INIT;

	CHECK_INT(fs_mkdir_p(dir, 0755, &err), 0);
	CHECK_INT(layout_open(dir, false, &l, &err), -1);
	CHECK_ERR(err, "is not an OCI image layout");
	lf = xasprintf("%s/oci-layout", dir);
	CHECK_INT(fs_write_file_atomic(lf, "{\"imageLayoutVersion\":\"2.0.0\"}", 30, 0644, &err),
		  0);
	CHECK_INT(layout_open(dir, false, &l, &err), -1);
	CHECK_ERR(err, "unsupported image layout version '2.0.0'");
	CHECK_INT(fs_write_file_atomic(lf, "{\"imageLayoutVersion\":1}", 24, 0644, &err), 0);
	CHECK_INT(layout_open(dir, false, &l, &err), -1);
	CHECK_ERR(err, "'imageLayoutVersion' must be a string");
	CHECK_INT(fs_write_file_atomic(lf, "not json", 8, 0644, &err), 0);
	CHECK_INT(layout_open(dir, false, &l, &err), -1);
	CHECK_ERR(err, "invalid JSON");
	/* a layout made by another tool without ingest/ opens, 1.x accepted */
	CHECK_INT(fs_write_file_atomic(lf, "{\"imageLayoutVersion\":\"1.1.0\"}", 30, 0644, &err),
		  0);
	CHECK_INT(layout_open(dir, false, &l, &err), 0);
	/* a corrupt index.json is reported, not replaced */
	ix = xasprintf("%s/index.json", dir);
	CHECK_INT(fs_write_file_atomic(ix, "{\"manifests\":{}}", 16, 0644, &err), 0);
	CHECK(layout_index_load(&l, &err) == NULL);
	CHECK_ERR(err, "'manifests' must be an array");
	layout_close(&l);
	/* a file where the directory should be */
	CHECK_INT(layout_open(lf, true, &l, &err), -1);
}

TEST(layout_blob_put_read)
{
	cleanup_err struct err *err = NULL;
	cleanup_free char *dir = tmp_path("oci");
	cleanup_free char *data = NULL;
	char d[DIGEST_STR_MAX], expect[DIGEST_STR_MAX];
	struct layout l = LAYOUT_INIT;
	cleanup_strv char **list = NULL;
	uint64_t size = 0;
	size_t len = 0;
	int fd;

	CHECK_INT(layout_open(dir, true, &l, &err), 0);
	digest_buf("hello", 5, expect);
	CHECK(!layout_blob_exists(&l, expect));
	CHECK_INT(layout_blob_put(&l, "hello", 5, d, &err), 0);
	CHECK_STR(d, expect);
	CHECK(layout_blob_exists(&l, d));
	CHECK_INT(layout_blob_put(&l, "hello", 5, NULL, &err), 0); /* present: no-op */
	CHECK_INT(layout_blob_read(&l, d, 100, &data, &len, &err), 0);
	CHECK_INT(len, 5);
	CHECK_STR(data, "hello");
	CHECK_INT(layout_blob_size(&l, d, &size, &err), 0);
	CHECK_INT(size, 5);
	fd = layout_blob_open(&l, d, &err);
	CHECK(fd >= 0);
	CHECK_INT(digest_verify_fd(fd, d, &err), 0);
	close(fd);
	/* read cap */
	free(data);
	data = NULL;
	CHECK_INT(layout_blob_read(&l, d, 3, &data, &len, &err), -1);
	/* empty blob */
	CHECK_INT(layout_blob_put(&l, "", 0, d, &err), 0);
	CHECK_STR(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	CHECK_INT(layout_blob_list(&l, &list, &err), 0);
	CHECK_INT(strv_len(list), 2);
	/* nothing left in ingest/ */
	{
		cleanup_free char *ing = xasprintf("%s/ingest", dir);

		CHECK_INT(count_entries(ing), 0);
	}
	CHECK_INT(layout_blob_remove(&l, expect, &err), 0);
	CHECK(!layout_blob_exists(&l, expect));
	CHECK_INT(layout_blob_remove(&l, expect, &err), -1);
	CHECK_ERR(err, "not found");
	CHECK_INT(err->code, ENOENT);
	layout_close(&l);
}

TEST(layout_blob_bad_digests)
{
	static const char *const bad[] = {
	    "sha256:zz",
	    "sha256:../../../etc/passwd",
	    "sha512:"
	    "00",
	    "",
	    "sha256:",
	    "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"};
	cleanup_err struct err *err = NULL;
	cleanup_free char *dir = tmp_path("oci");
	struct layout l = LAYOUT_INIT;
	struct blob_writer *w = NULL;
	char *data = NULL;
	uint64_t size;
	size_t i;

	CHECK_INT(layout_open(dir, true, &l, &err), 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK(!layout_blob_exists(&l, bad[i]));
		CHECK_INT(layout_blob_open(&l, bad[i], &err), -1);
		CHECK(err != NULL);
		CHECK_INT(layout_blob_read(&l, bad[i], 10, &data, NULL, &err), -1);
		CHECK_INT(layout_blob_size(&l, bad[i], &size, &err), -1);
		CHECK_INT(layout_blob_remove(&l, bad[i], &err), -1);
		CHECK_INT(layout_blob_begin(&l, bad[i], -1, true, &w, &err), -1);
	}
	/* missing blob: the error names the digest */
	CHECK_INT(layout_blob_open(
		      &l, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		      &err),
		  -1);
	CHECK_ERR(err,
		  "blob sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 "
		  "not found");
	layout_close(&l);
}

TEST(layout_writer_streams_and_verifies)
{
	cleanup_err struct err *err = NULL;
	cleanup_free char *dir = tmp_path("oci"), *ing = NULL;
	struct layout l = LAYOUT_INIT;
	struct blob_writer *w = NULL;
	char expect[DIGEST_STR_MAX], got[DIGEST_STR_MAX];
	char buf[10000];
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7);
	digest_buf(buf, sizeof(buf), expect);
	CHECK_INT(layout_open(dir, true, &l, &err), 0);
	ing = xasprintf("%s/ingest", dir);

	/* known digest and size, written in pieces */
	CHECK_INT(layout_blob_begin(&l, expect, sizeof(buf), false, &w, &err), 0);
	CHECK_INT(blob_writer_offset(w), 0);
	for (i = 0; i < sizeof(buf); i += 1000)
		CHECK_INT(blob_writer_write(w, buf + i, 1000, &err), 0);
	CHECK_INT(blob_writer_offset(w), sizeof(buf));
	CHECK(!layout_blob_exists(&l, expect)); /* not before commit */
	CHECK_INT(blob_writer_commit(w, got, &err), 0);
	CHECK_STR(got, expect);
	CHECK(layout_blob_exists(&l, expect));
	CHECK_INT(count_entries(ing), 0);
	CHECK_INT(layout_blob_remove(&l, expect, &err), 0);

	/* unknown digest: computed at commit */
	CHECK_INT(layout_blob_begin(&l, NULL, -1, false, &w, &err), 0);
	CHECK_INT(blob_writer_write(w, buf, sizeof(buf), &err), 0);
	CHECK_INT(blob_writer_commit(w, got, &err), 0);
	CHECK_STR(got, expect);
	CHECK_INT(count_entries(ing), 0);

	/* abort of an anonymous writer leaves nothing */
	CHECK_INT(layout_blob_begin(&l, NULL, -1, false, &w, &err), 0);
	CHECK_INT(blob_writer_write(w, buf, 10, &err), 0);
	blob_writer_abort(w, true);
	CHECK_INT(count_entries(ing), 0);
	blob_writer_abort(NULL, false);
	layout_close(&l);
}

/* Direct I/O: more than two of the writer's buffers and an unaligned tail,
 * whole; a writer dropped mid-way leaves exactly the bytes it was given,
 * which a resumed writer finishes. */
TEST(layout_writer_direct)
{
	cleanup_err struct err *err = NULL;
	cleanup_free char *dir = tmp_path("oci"), *ing = NULL, *partial = NULL, *data = NULL;
	cleanup_free char *buf = NULL;
	struct layout l = LAYOUT_INIT;
	struct blob_writer *w = NULL;
	char expect[DIGEST_STR_MAX], got[DIGEST_STR_MAX];
	const size_t size = (9u << 20) + 1234, cut = (5u << 20) + 100;
	size_t i, len;
	struct stat st;

	buf = xmalloc(size);
	for (i = 0; i < size; i++)
		buf[i] = (char)(i * 2654435761u >> 13);
	digest_buf(buf, size, expect);
	CHECK_INT(layout_open(dir, true, &l, &err), 0);
	ing = xasprintf("%s/ingest", dir);
	partial = xasprintf("%s/ingest/%s.partial", dir, digest_hex(expect));

	CHECK_INT(layout_blob_begin(&l, expect, (int64_t)size, false, &w, &err), 0);
	blob_writer_direct(w); /* false where the file system refuses O_DIRECT */
	for (i = 0; i < size; i += 3000)
		CHECK_INT(blob_writer_write(w, buf + i, i + 3000 > size ? size - i : 3000, &err), 0);
	CHECK_INT(blob_writer_commit(w, got, &err), 0);
	CHECK_STR(got, expect);
	CHECK_INT(layout_blob_read(&l, expect, size, &data, &len, &err), 0);
	CHECK_INT(len, size);
	CHECK(memcmp(data, buf, size) == 0);
	CHECK_INT(count_entries(ing), 0);
	CHECK_INT(layout_blob_remove(&l, expect, &err), 0);

	/* dropped mid-way, the partial kept: a prefix, resumed to the end */
	CHECK_INT(layout_blob_begin(&l, expect, (int64_t)size, false, &w, &err), 0);
	blob_writer_direct(w);
	CHECK_INT(blob_writer_write(w, buf, cut, &err), 0);
	blob_writer_abort(w, true);
	CHECK_INT(stat(partial, &st), 0);
	CHECK_INT(st.st_size, cut);
	free(data);
	data = NULL;
	CHECK_INT(fs_read_all(partial, size, &data, &len, &err), 0);
	CHECK(len == cut && memcmp(data, buf, cut) == 0);
	CHECK_INT(layout_blob_begin(&l, expect, (int64_t)size, true, &w, &err), 0);
	CHECK_INT(blob_writer_offset(w), cut);
	CHECK(!blob_writer_direct(w)); /* not at a block boundary: buffered */
	CHECK_INT(blob_writer_write(w, buf + cut, size - cut, &err), 0);
	CHECK_INT(blob_writer_commit(w, got, &err), 0);
	CHECK_STR(got, expect);
	free(data);
	data = NULL;
	CHECK_INT(layout_blob_read(&l, expect, size, &data, &len, &err), 0);
	CHECK(len == size && memcmp(data, buf, size) == 0);
	CHECK_INT(count_entries(ing), 0);
	layout_close(&l);
}

TEST(layout_writer_digest_mismatch)
{
	cleanup_err struct err *err = NULL;
	cleanup_free char *dir = tmp_path("oci"), *ing = NULL;
	struct layout l = LAYOUT_INIT;
	struct blob_writer *w = NULL;
	cleanup_strv char **list = NULL;
	char expect[DIGEST_STR_MAX], other[DIGEST_STR_MAX], got[DIGEST_STR_MAX] = "";

	digest_buf("good data", 9, expect);
	digest_buf("evil data", 9, other);
	CHECK_INT(layout_open(dir, true, &l, &err), 0);
	ing = xasprintf("%s/ingest", dir);
	CHECK_INT(layout_blob_begin(&l, expect, -1, false, &w, &err), 0);
	CHECK_INT(blob_writer_write(w, "evil data", 9, &err), 0);
	CHECK_INT(blob_writer_commit(w, got, &err), -1);
	CHECK_ERR(err, "digest mismatch for ");
	CHECK_ERR(err, expect);
	CHECK_ERR(err, other);
	CHECK_STR(got, "");
	/* neither the expected nor the actual digest became a blob; no partial left */
	CHECK(!layout_blob_exists(&l, expect));
	CHECK(!layout_blob_exists(&l, other));
	CHECK_INT(layout_blob_list(&l, &list, &err), 0);
	CHECK_INT(strv_len(list), 0);
	CHECK_INT(count_entries(ing), 0);

	/* size mismatch with the right digest prefix: too short */
	CHECK_INT(layout_blob_begin(&l, expect, 9, false, &w, &err), 0);
	CHECK_INT(blob_writer_write(w, "good", 4, &err), 0);
	CHECK_INT(blob_writer_commit(w, NULL, &err), -1);
	CHECK_ERR(err, "mismatch");
	CHECK(!layout_blob_exists(&l, expect));
	CHECK_INT(count_entries(ing), 0);

	/* too long: refused while streaming, nothing beyond the size is written */
	CHECK_INT(layout_blob_begin(&l, expect, 9, false, &w, &err), 0);
	CHECK_INT(blob_writer_write(w, "good data", 9, &err), 0);
	CHECK_INT(blob_writer_write(w, "x", 1, &err), -1);
	CHECK_ERR(err, "larger than its expected size 9");
	CHECK_INT(blob_writer_offset(w), 9);
	CHECK_INT(blob_writer_commit(w, got, &err), 0); /* the first 9 bytes were right */
	CHECK_STR(got, expect);

	/* a correct digest but a wrong declared size */
	CHECK_INT(layout_blob_remove(&l, expect, &err), 0);
	CHECK_INT(layout_blob_begin(&l, expect, 10, false, &w, &err), 0);
	CHECK_INT(blob_writer_write(w, "good data", 9, &err), 0);
	CHECK_INT(blob_writer_commit(w, NULL, &err), -1);
	CHECK_ERR(err, "size mismatch for");
	CHECK(!layout_blob_exists(&l, expect));
	layout_close(&l);
}

TEST(layout_writer_resume)
{
	cleanup_err struct err *err = NULL;
	cleanup_free char *dir = tmp_path("oci"), *partial = NULL;
	struct layout l = LAYOUT_INIT;
	struct blob_writer *w = NULL;
	char expect[DIGEST_STR_MAX], got[DIGEST_STR_MAX];
	static const char data[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	size_t n = sizeof(data) - 1;
	struct stat st;

	digest_buf(data, n, expect);
	CHECK_INT(layout_open(dir, true, &l, &err), 0);
	partial = xasprintf("%s/ingest/%s.partial", dir, digest_hex(expect));

	/* first attempt: 10 bytes, then the "connection drops" */
	CHECK_INT(layout_blob_begin(&l, expect, (int64_t)n, true, &w, &err), 0);
	CHECK_INT(blob_writer_offset(w), 0);
	CHECK_INT(blob_writer_write(w, data, 10, &err), 0);
	blob_writer_abort(w, true);
	CHECK_INT(stat(partial, &st), 0);
	CHECK_INT(st.st_size, 10);
	CHECK(!layout_blob_exists(&l, expect));

	/* resume: the writer rehashes the 10 bytes and continues from there */
	CHECK_INT(layout_blob_begin(&l, expect, (int64_t)n, true, &w, &err), 0);
	CHECK_INT(blob_writer_offset(w), 10);
	CHECK_INT(blob_writer_write(w, data + 10, n - 10, &err), 0);
	CHECK_INT(blob_writer_commit(w, got, &err), 0);
	CHECK_STR(got, expect);
	CHECK(stat(partial, &st) < 0);
	CHECK_INT(layout_blob_remove(&l, expect, &err), 0);

	/* resume=false starts over even if a partial exists */
	CHECK_INT(layout_blob_begin(&l, expect, (int64_t)n, true, &w, &err), 0);
	CHECK_INT(blob_writer_write(w, "garbage", 7, &err), 0);
	blob_writer_abort(w, true);
	CHECK_INT(layout_blob_begin(&l, expect, (int64_t)n, false, &w, &err), 0);
	CHECK_INT(blob_writer_offset(w), 0);
	CHECK_INT(blob_writer_write(w, data, n, &err), 0);
	CHECK_INT(blob_writer_commit(w, NULL, &err), 0);
	CHECK_INT(layout_blob_remove(&l, expect, &err), 0);

	/* a resumed partial with wrong content fails at commit and is removed */
	CHECK_INT(layout_blob_begin(&l, expect, (int64_t)n, true, &w, &err), 0);
	CHECK_INT(blob_writer_write(w, "XXXXXXXXXX", 10, &err), 0);
	blob_writer_abort(w, true);
	CHECK_INT(layout_blob_begin(&l, expect, (int64_t)n, true, &w, &err), 0);
	CHECK_INT(blob_writer_offset(w), 10);
	CHECK_INT(blob_writer_write(w, data + 10, n - 10, &err), 0);
	CHECK_INT(blob_writer_commit(w, NULL, &err), -1);
	CHECK_ERR(err, "digest mismatch");
	CHECK(stat(partial, &st) < 0);
	CHECK(!layout_blob_exists(&l, expect));

	/* a partial longer than the expected size is discarded on resume */
	CHECK_INT(fs_write_file_atomic(partial, "0123456789012345678901234567890123456789012", 43,
				       0644, &err),
		  0);
	CHECK_INT(layout_blob_begin(&l, expect, (int64_t)n, true, &w, &err), 0);
	CHECK_INT(blob_writer_offset(w), 0);
	/* abort without keep removes it */
	blob_writer_abort(w, false);
	CHECK(stat(partial, &st) < 0);
	layout_close(&l);
}

/* True once pid sleeps in a file lock (read from /proc; polled, not timed). */
static bool waits_on_lock(pid_t pid)
{
	cleanup_free char *path = xasprintf("/proc/%d/wchan", (int)pid);
	cleanup_free char *text = NULL;

	if (fs_read_all(path, 4096, &text, NULL, NULL) < 0)
		return false;
	return strstr(text, "lock") != NULL;
}

/* A partial is exclusive: a second writer for the same digest waits for the
 * first, then sees its outcome (here: the blob committed, a fresh partial). */
TEST(layout_writer_same_digest_two_processes)
{
	cleanup_err struct err *err = NULL;
	cleanup_free char *dir = tmp_path("oci");
	struct layout l = LAYOUT_INIT;
	struct blob_writer *w = NULL;
	char expect[DIGEST_STR_MAX];
	int go[2], ready[2], status = 0, i;
	pid_t pid;
	char c;

	digest_buf("shared", 6, expect);
	CHECK_INT(layout_open(dir, true, &l, &err), 0);
	CHECK_INT(pipe(go), 0);
	CHECK_INT(pipe(ready), 0);
	/* fork before the writer exists, so the child shares none of its fds */
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct layout l2 = LAYOUT_INIT;
		struct blob_writer *w2 = NULL;

		close(go[1]);
		close(ready[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		if (layout_open(dir, false, &l2, NULL) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		/* blocks until the parent commits */
		if (layout_blob_begin(&l2, expect, 6, true, &w2, NULL) < 0)
			_exit(2);
		if (blob_writer_offset(w2) != 0)
			_exit(3);
		if (!layout_blob_exists(&l2, expect))
			_exit(4);
		blob_writer_abort(w2, false);
		layout_close(&l2);
		_exit(0);
	}
	close(go[0]);
	close(ready[1]);
	CHECK_INT(layout_blob_begin(&l, expect, 6, true, &w, &err), 0);
	CHECK_INT(blob_writer_write(w, "sha", 3, &err), 0);
	CHECK_INT(write(go[1], "x", 1), 1);
	CHECK_INT(read(ready[0], &c, 1), 1);
	close(go[1]);
	close(ready[0]);
	for (i = 0; i < 10000 && !waits_on_lock(pid); i++)
		usleep(1000);
	CHECK_INT(blob_writer_write(w, "red", 3, &err), 0);
	CHECK_INT(blob_writer_commit(w, NULL, &err), 0);
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 0);
	CHECK(layout_blob_exists(&l, expect));
	layout_close(&l);
}

static void make_desc(struct spec_descriptor *d, const char *digest, int64_t size)
{
	memset(d, 0, sizeof(*d));
	d->media_type = xstrdup(MT_OCI_MANIFEST);
	snprintf(d->digest, sizeof(d->digest), "%s", digest);
	d->size = size;
}

TEST(layout_refs)
{
	cleanup_err struct err *err = NULL;
	cleanup_free char *dir = tmp_path("oci");
	struct layout l = LAYOUT_INIT;
	struct spec_descriptor d = SPEC_DESCRIPTOR_INIT, got = SPEC_DESCRIPTOR_INIT;
	struct layout_ref *refs = NULL;
	char d1[DIGEST_STR_MAX], d2[DIGEST_STR_MAX];
	size_t n = 0;

	CHECK_INT(layout_open(dir, true, &l, &err), 0);
	CHECK_INT(layout_blob_put(&l, "{\"m\":1}", 7, d1, &err), 0);
	CHECK_INT(layout_blob_put(&l, "{\"m\":2}", 7, d2, &err), 0);

	make_desc(&d, d1, 7);
	spec_descriptor_set_annotation(&d, "other", "kept");
	CHECK_INT(layout_ref_set(&l, "docker.io/library/busybox:latest", &d, &err), 0);
	spec_descriptor_release(&d);
	CHECK_INT(layout_ref_get(&l, "docker.io/library/busybox:latest", &got, &err), 1);
	CHECK_STR(got.digest, d1);
	CHECK_INT(got.size, 7);
	CHECK_STR(got.media_type, MT_OCI_MANIFEST);
	CHECK_STR(spec_descriptor_annotation(&got, LAYOUT_REF_ANNOTATION),
		  "docker.io/library/busybox:latest");
	CHECK_STR(spec_descriptor_annotation(&got, "other"), "kept");
	spec_descriptor_release(&got);
	CHECK_INT(layout_ref_get(&l, "docker.io/library/nothing:latest", &got, &err), 0);

	/* replacing a ref keeps one entry */
	make_desc(&d, d2, 7);
	CHECK_INT(layout_ref_set(&l, "docker.io/library/busybox:latest", &d, &err), 0);
	CHECK_INT(layout_ref_set(&l, "docker.io/library/alpine:3", &d, &err), 0);
	spec_descriptor_release(&d);
	CHECK_INT(layout_ref_get(&l, "docker.io/library/busybox:latest", &got, &err), 1);
	CHECK_STR(got.digest, d2);
	spec_descriptor_release(&got);
	CHECK_INT(layout_ref_list(&l, &refs, &n, &err), 0);
	CHECK_INT(n, 2);
	CHECK_STR(refs[0].name, "docker.io/library/busybox:latest");
	CHECK_STR(refs[1].name, "docker.io/library/alpine:3");
	CHECK_STR(refs[1].desc.digest, d2);
	layout_ref_list_free(refs, n);

	CHECK_INT(layout_ref_remove(&l, "docker.io/library/busybox:latest", &err), 0);
	CHECK_INT(layout_ref_get(&l, "docker.io/library/busybox:latest", &got, &err), 0);
	CHECK_INT(layout_ref_remove(&l, "docker.io/library/busybox:latest", &err), -1);
	CHECK_ERR(err, "ref 'docker.io/library/busybox:latest' not found");
	CHECK_INT(err->code, ENOENT);
	CHECK_INT(layout_ref_list(&l, &refs, &n, &err), 0);
	CHECK_INT(n, 1);
	layout_ref_list_free(refs, n);
	layout_close(&l);
}

TEST(layout_ref_set_refuses_missing_blob)
{
	cleanup_err struct err *err = NULL;
	cleanup_free char *dir = tmp_path("oci");
	struct layout l = LAYOUT_INIT;
	struct spec_descriptor d = SPEC_DESCRIPTOR_INIT;
	char missing[DIGEST_STR_MAX];
	struct layout_ref *refs = NULL;
	size_t n = 5;

	digest_buf("absent", 6, missing);
	CHECK_INT(layout_open(dir, true, &l, &err), 0);
	make_desc(&d, missing, 6);
	CHECK_INT(layout_ref_set(&l, "x:1", &d, &err), -1);
	CHECK_ERR(err, "set ref 'x:1': blob ");
	CHECK_ERR(err, "not found");
	/* nor with a bad digest, no media type, or an empty name */
	strcpy(d.digest, "sha256:zz");
	CHECK_INT(layout_ref_set(&l, "x:1", &d, &err), -1);
	CHECK_ERR(err, "set ref 'x:1'");
	CHECK_INT(layout_ref_set(&l, "", &d, &err), -1);
	CHECK_ERR(err, "empty ref name");
	spec_descriptor_release(&d);
	CHECK_INT(layout_blob_put(&l, "absent", 6, missing, &err), 0);
	make_desc(&d, missing, 6);
	free(d.media_type);
	d.media_type = NULL;
	CHECK_INT(layout_ref_set(&l, "x:1", &d, &err), -1);
	CHECK_ERR(err, "no media type");
	spec_descriptor_release(&d);
	CHECK_INT(layout_ref_list(&l, &refs, &n, &err), 0);
	CHECK_INT(n, 0);
	layout_ref_list_free(refs, n);
	layout_close(&l);
}

static int add_unnamed(cJSON *idx, void *arg, struct err **err)
{
	cJSON *e = cJSON_Parse(arg);

	(void)err;
	cJSON_AddItemToArray(cJSON_GetObjectItem(idx, "manifests"), e);
	return 0;
}

static int failing_update(cJSON *idx, void *arg, struct err **err)
{
	(void)arg;
	cJSON_DeleteItemFromObject(idx, "manifests"); /* would corrupt it */
	return err_set(err, 0, "callback refused");
}

static int corrupting_update(cJSON *idx, void *arg, struct err **err)
{
	(void)arg;
	(void)err;
	cJSON_DeleteItemFromObject(idx, "manifests");
	return 0;
}

TEST(layout_index_update_and_unnamed)
{
	cleanup_err struct err *err = NULL;
	cleanup_free char *dir = tmp_path("oci");
	cleanup_free char *entry = NULL;
	struct layout l = LAYOUT_INIT;
	struct layout_ref *refs = NULL;
	char d1[DIGEST_STR_MAX];
	size_t n = 0;

	CHECK_INT(layout_open(dir, true, &l, &err), 0);
	CHECK_INT(layout_blob_put(&l, "m", 1, d1, &err), 0);
	entry =
	    xasprintf("{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":1}", MT_OCI_MANIFEST, d1);
	CHECK_INT(layout_index_update(&l, add_unnamed, entry, &err), 0);
	CHECK_INT(layout_ref_list(&l, &refs, &n, &err), 0);
	CHECK_INT(n, 1);
	CHECK(refs[0].name == NULL);
	CHECK_STR(refs[0].desc.digest, d1);
	layout_ref_list_free(refs, n);
	/* a failing callback changes nothing */
	CHECK_INT(layout_index_update(&l, failing_update, NULL, &err), -1);
	CHECK_ERR(err, "callback refused");
	/* a callback that breaks the index is refused */
	CHECK_INT(layout_index_update(&l, corrupting_update, NULL, &err), -1);
	CHECK_ERR(err, "'manifests' must be an array");
	CHECK_INT(layout_ref_list(&l, &refs, &n, &err), 0);
	CHECK_INT(n, 1);
	layout_ref_list_free(refs, n);
	/* a malformed entry is reported with its path */
	CHECK_INT(layout_index_update(&l, add_unnamed, "{\"digest\":\"sha256:zz\"}", &err), 0);
	CHECK_INT(layout_ref_list(&l, &refs, &n, &err), -1);
	CHECK_ERR(err, "index.json': 'manifests[1].digest': invalid digest 'sha256:zz'");
	layout_close(&l);
}

/* Two processes adding refs at once: the lock keeps every ref. */
TEST(layout_concurrent_ref_updates)
{
	cleanup_err struct err *err = NULL;
	cleanup_free char *dir = tmp_path("oci");
	struct layout l = LAYOUT_INIT;
	struct layout_ref *refs = NULL;
	char d1[DIGEST_STR_MAX];
	pid_t pids[2];
	size_t n = 0;
	int i, k, status;
	enum { PER_PROC = 40 };

	CHECK_INT(layout_open(dir, true, &l, &err), 0);
	CHECK_INT(layout_blob_put(&l, "m", 1, d1, &err), 0);
	for (k = 0; k < 2; k++) {
		pids[k] = fork();
		CHECK(pids[k] >= 0);
		if (pids[k] == 0) {
			struct layout l2 = LAYOUT_INIT;
			struct spec_descriptor d;

			if (layout_open(dir, false, &l2, NULL) < 0)
				_exit(1);
			make_desc(&d, d1, 1);
			for (i = 0; i < PER_PROC; i++) {
				char name[64];

				snprintf(name, sizeof(name), "example.com/p%d:%d", k, i);
				if (layout_ref_set(&l2, name, &d, NULL) < 0)
					_exit(2);
			}
			spec_descriptor_release(&d);
			layout_close(&l2);
			_exit(0);
		}
	}
	for (k = 0; k < 2; k++) {
		CHECK_INT(waitpid(pids[k], &status, 0), pids[k]);
		CHECK(WIFEXITED(status));
		CHECK_INT(WEXITSTATUS(status), 0);
	}
	CHECK_INT(layout_ref_list(&l, &refs, &n, &err), 0);
	CHECK_INT(n, 2 * PER_PROC);
	layout_ref_list_free(refs, n);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < PER_PROC; i++) {
			struct spec_descriptor got = SPEC_DESCRIPTOR_INIT;
			char name[64];

			snprintf(name, sizeof(name), "example.com/p%d:%d", k, i);
			CHECK_INT(layout_ref_get(&l, name, &got, &err), 1);
			spec_descriptor_release(&got);
		}
	}
	layout_close(&l);
}

TEST(layout_blob_symlink_not_followed)
{
	cleanup_err struct err *err = NULL;
	cleanup_free char *dir = tmp_path("oci"), *outside = tmp_path("secret");
	cleanup_free char *link = NULL;
	struct layout l = LAYOUT_INIT;
	char d[DIGEST_STR_MAX];

	CHECK_INT(fs_write_file_atomic(outside, "secret", 6, 0600, &err), 0);
	digest_buf("secret", 6, d);
	CHECK_INT(layout_open(dir, true, &l, &err), 0);
	link = xasprintf("%s/blobs/sha256/%s", dir, digest_hex(d));
	CHECK_INT(symlink(outside, link), 0);
	/* a symlink planted in blobs/ is not a blob */
	CHECK(!layout_blob_exists(&l, d));
	CHECK_INT(layout_blob_open(&l, d, &err), -1);
	layout_close(&l);
}

TEST(layout_writer_same_digest_same_process)
{
	cleanup_err struct err *err = NULL;
	cleanup_free char *dir = tmp_path("oci");
	struct layout l = LAYOUT_INIT, l2 = LAYOUT_INIT;
	struct blob_writer *w = NULL, *w2 = NULL, *w3 = NULL;
	char expect[DIGEST_STR_MAX], other[DIGEST_STR_MAX];

	digest_buf("one", 3, expect);
	digest_buf("two", 3, other);
	CHECK_INT(layout_open(dir, true, &l, &err), 0);
	CHECK_INT(layout_open(dir, false, &l2, &err), 0);
	CHECK_INT(layout_blob_begin(&l, expect, 3, true, &w, &err), 0);
	/* the same blob again, even through another handle: refused, not a self-deadlock */
	CHECK_INT(layout_blob_begin(&l2, expect, 3, true, &w2, &err), -1);
	CHECK_ERR(err, "is already being written by this process");
	CHECK_INT(err->code, EBUSY);
	/* another blob is fine, so is an anonymous writer */
	CHECK_INT(layout_blob_begin(&l2, other, 3, false, &w2, &err), 0);
	CHECK_INT(layout_blob_begin(&l2, NULL, -1, false, &w3, &err), 0);
	CHECK_INT(layout_blob_put(&l2, "one", 3, NULL, &err), 0);
	blob_writer_abort(w3, false);
	blob_writer_abort(w2, false);
	blob_writer_abort(w, true);
	/* once the first writer is gone the blob can be written again */
	CHECK_INT(layout_blob_begin(&l2, expect, 3, true, &w2, &err), 0);
	blob_writer_abort(w2, false);
	layout_close(&l);
	layout_close(&l2);
}

TEST(layout_writer_resume_complete_partial)
{
	cleanup_err struct err *err = NULL;
	cleanup_free char *dir = tmp_path("oci");
	struct layout l = LAYOUT_INIT;
	struct blob_writer *w = NULL;
	char expect[DIGEST_STR_MAX], got[DIGEST_STR_MAX];

	digest_buf("complete", 8, expect);
	CHECK_INT(layout_open(dir, true, &l, &err), 0);
	CHECK_INT(layout_blob_begin(&l, expect, 8, true, &w, &err), 0);
	CHECK_INT(blob_writer_write(w, "complete", 8, &err), 0);
	blob_writer_abort(w, true); /* e.g. killed before commit */
	CHECK(!layout_blob_exists(&l, expect));
	/* a later run finds all bytes there and only verifies them */
	CHECK_INT(layout_blob_begin(&l, expect, 8, true, &w, &err), 0);
	CHECK_INT(blob_writer_offset(w), 8);
	CHECK_INT(blob_writer_commit(w, got, &err), 0);
	CHECK_STR(got, expect);
	CHECK(layout_blob_exists(&l, expect));
	layout_close(&l);
}
