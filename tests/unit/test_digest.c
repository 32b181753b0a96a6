/* test_digest.c: sha256 digests: validation, streaming, files, verify. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/err.h"
#include "common/fs.h"
#include "tests/unit/unit.h"

#define EMPTY "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

TEST(digest_validate_accepts)
{
	cleanup_err struct err *e = NULL;

	CHECK_INT(digest_validate(EMPTY, &e), 0);
	CHECK_INT(digest_validate("sha256:" HEX64, &e), 0);
	CHECK(e == NULL);
	CHECK(digest_is_valid(ABC));
}

TEST(digest_validate_rejects)
{
	static const char *const bad[] = {
	    "",
	    "sha256:",
	    "sha256",
	    HEX64,
	    "sha512:" HEX64,
	    "SHA256:" HEX64,
	    "sha256:" HEX64 "0",                                                      /* 65 */
	    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", /* 63 */
	    "sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	    "sha256:g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    "sha256: 123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    "sha256:" HEX64 "\n",
	    " sha256:" HEX64,
	    "sha256::" HEX64,
	    "sha256:../../../../etc/passwd",
	    "md5:d41d8cd98f00b204e9800998ecf8427e",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_err struct err *e = NULL;
		cleanup_free char *want = xasprintf("invalid digest '%s'", bad[i]);

		if (digest_validate(bad[i], &e) != -1 || digest_is_valid(bad[i])) {
			unit_fail(__FILE__, __LINE__, "accepted '%s'", bad[i]);
			return;
		}
		CHECK_STR(e->msg, want);
	}
	CHECK(!digest_is_valid(NULL));
	CHECK_INT(digest_validate(NULL, NULL), -1);
}

TEST(digest_hex)
{
	CHECK_STR(digest_hex(EMPTY), EMPTY + 7);
	CHECK_STR(digest_hex("sha512:abc"), "abc");
	CHECK_STR(digest_hex("plain"), "plain");
}

TEST(digest_buf_vectors)
{
	char out[DIGEST_STR_MAX];

	digest_buf("", 0, out);
	CHECK_STR(out, EMPTY);
	digest_buf("abc", 3, out);
	CHECK_STR(out, ABC);
	digest_buf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, out);
	CHECK_STR(out, "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	CHECK_INT(strlen(out), DIGEST_STR_MAX - 1);
}

TEST(digester_streaming)
{
	struct digester *d = digester_new();
	char out[DIGEST_STR_MAX], one[DIGEST_STR_MAX];
	char *data = xmalloc(1000000);
	size_t i;

	for (i = 0; i < 1000000; i++)
		data[i] = (char)(i * 7 + (i >> 9));
	digester_update(d, "", 0);
	for (i = 0; i < 1000000; i += 4093)
		digester_update(d, data + i, i + 4093 > 1000000 ? 1000000 - i : 4093);
	CHECK_INT(digester_size(d), 1000000);
	digester_final(d, out);
	digester_free(d);
	digester_free(NULL);
	digest_buf(data, 1000000, one);
	free(data);
	CHECK_STR(out, one);
	/* A million 'a': the FIPS 180 long vector. */
	d = digester_new();
	data = xmalloc(1000);
	memset(data, 'a', 1000);
	for (i = 0; i < 1000; i++)
		digester_update(d, data, 1000);
	free(data);
	digester_final(d, out);
	digester_free(d);
	CHECK_STR(out, "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static char *make_file(const char *name, size_t size, char *dig)
{
	char *path = xasprintf("%s/%s", unit_tmpdir(), name);
	char *data = xmalloc(size ? size : 1);
	size_t i;

	for (i = 0; i < size; i++)
		data[i] = (char)(i ^ (i >> 8) ^ (i >> 16));
	if (fs_write_file_atomic(path, data, size, 0600, NULL) < 0) {
		free(data);
		free(path);
		return NULL;
	}
	digest_buf(data, size, dig);
	free(data);
	return path;
}

TEST(digest_file_and_fd)
{
	char want[DIGEST_STR_MAX], got[DIGEST_STR_MAX], tail[DIGEST_STR_MAX];
	cleanup_free char *path = make_file("blob", 3 * 65536 + 17, want);
	cleanup_free char *data = NULL;
	cleanup_err struct err *e = NULL;
	cleanup_close int fd = -1;
	uint64_t size = 0;
	size_t len = 0;

	CHECK(path);
	CHECK_INT(digest_file(path, got, &size, &e), 0);
	CHECK_STR(got, want);
	CHECK_INT(size, 3 * 65536 + 17);
	/* From the current offset. */
	CHECK_INT(fs_read_all(path, 0, &data, &len, NULL), 0);
	digest_buf(data + 1000, len - 1000, tail);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_INT(lseek(fd, 1000, SEEK_SET), 1000);
	CHECK_INT(digest_fd(fd, got, NULL, &e), 0);
	CHECK_STR(got, tail);
	/* At EOF: the empty digest. */
	CHECK_INT(digest_fd(fd, got, &size, &e), 0);
	CHECK_STR(got, EMPTY);
	CHECK_INT(size, 0);
}

TEST(digest_file_errors)
{
	char got[DIGEST_STR_MAX];
	cleanup_err struct err *e = NULL;
	cleanup_free char *missing = xasprintf("%s/none", unit_tmpdir());
	cleanup_free char *want = xasprintf("open '%s': No such file or directory", missing);
	cleanup_free char *dirmsg = xasprintf("read '%s': Is a directory", unit_tmpdir());

	CHECK_INT(digest_file(missing, got, NULL, &e), -1);
	CHECK_STR(e->msg, want);
	CHECK_INT(digest_file(unit_tmpdir(), got, NULL, &e), -1);
	CHECK_STR(e->msg, dirmsg);
	CHECK_INT(digest_fd(-1, got, NULL, &e), -1);
	CHECK_ERR(e, "read: Bad file descriptor");
}

TEST(digest_pipe)
{
	char got[DIGEST_STR_MAX];
	cleanup_err struct err *e = NULL;
	int pfd[2];

	CHECK(pipe2(pfd, O_CLOEXEC) == 0);
	CHECK_INT(fs_write_all(pfd[1], "abc", 3), 0);
	close(pfd[1]);
	CHECK_INT(digest_fd(pfd[0], got, NULL, &e), 0);
	close(pfd[0]);
	CHECK_STR(got, ABC);
}

TEST(digest_verify_fd)
{
	char want[DIGEST_STR_MAX];
	cleanup_free char *path = make_file("v", 70000, want);
	cleanup_err struct err *e = NULL;
	cleanup_free char *msg = NULL;
	cleanup_close int fd = -1;

	CHECK(path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_INT(digest_verify_fd(fd, want, &e), 0);
	CHECK(e == NULL);
	CHECK_INT(lseek(fd, 0, SEEK_SET), 0);
	CHECK_INT(digest_verify_fd(fd, EMPTY, &e), -1);
	msg = xasprintf("digest mismatch: expected %s got %s", EMPTY, want);
	CHECK_STR(e->msg, msg);
	CHECK_INT(lseek(fd, 0, SEEK_SET), 0);
	CHECK_INT(digest_verify_fd(fd, "sha256:abc", &e), -1);
	CHECK_STR(e->msg, "invalid digest 'sha256:abc'");
	CHECK_INT(
	    digest_verify_fd(
		fd, "sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", &e),
	    -1);
	CHECK_ERR(e, "invalid digest");
}
