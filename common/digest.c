/* digest.c: sha256 digests through OpenSSL EVP, streamed in large chunks. */
#define _GNU_SOURCE
#include <errno.h>  /* errno */
#include <fcntl.h>  /* open */
#include <stdio.h>  /* snprintf */
#include <stdlib.h> /* free */
#include <string.h> /* strlen */
#include <unistd.h> /* read */

#include <pthread.h>        /* pthread_once */
#include <openssl/crypto.h> /* OPENSSL_init_crypto */
#include <openssl/evp.h>    /* EVP_MD_CTX, EVP_MD_fetch */

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"

#define CHUNK (256u << 10)
#define PREFIX "sha256:"
#define PREFIX_LEN (sizeof(PREFIX) - 1)

void digest_skip_config(void)
{
	/* must run before anything else initialises libcrypto */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
}

bool digest_hex_is_valid(const char *s)
{
	size_t i;

	if (!s)
		return false;
	for (i = 0; i < DIGEST_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[DIGEST_HEX_LEN] == '\0';
}

bool digest_is_valid(const char *s)
{
	return s && strncmp(s, PREFIX, PREFIX_LEN) == 0 && digest_hex_is_valid(s + PREFIX_LEN);
}

int digest_validate(const char *s, struct err **err)
{
	if (digest_is_valid(s))
		return 0;
	return err_set(err, 0, "invalid digest '%s'", s ? s : "");
}

const char *digest_hex(const char *digest)
{
	const char *colon;

	if (str_has_prefix(digest, PREFIX))
		return digest + PREFIX_LEN;
	colon = strchr(digest, ':');
	return colon ? colon + 1 : digest;
}

struct digester {
	EVP_MD_CTX *ctx;
	uint64_t size;
};

static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static const EVP_MD *sha256_md;

/* The sha256 implementation, fetched once per process instead of looked up
 * by every digester. */
static void sha256_init(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!sha256_md)
		sha256_md = EVP_sha256();
}

struct digester *digester_new(void)
{
	struct digester *d = xmalloc(sizeof(*d));

	pthread_once(&sha256_once, sha256_init);
	d->ctx = EVP_MD_CTX_new();
	if (!d->ctx || EVP_DigestInit_ex(d->ctx, sha256_md, NULL) != 1)
		die_oom();
	d->size = 0;
	return d;
}

void digester_update(struct digester *d, const void *data, size_t len)
{
	if (!len)
		return;
	if (EVP_DigestUpdate(d->ctx, data, len) != 1)
		die_oom();
	d->size += len;
}

uint64_t digester_size(const struct digester *d)
{
	return d->size;
}

void digester_final(struct digester *d, char out[DIGEST_STR_MAX])
{
	static const char hexd[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	char *p;

	if (EVP_DigestFinal_ex(d->ctx, md, &n) != 1 || n != DIGEST_HEX_LEN / 2)
		die_oom();
	memcpy(out, PREFIX, PREFIX_LEN);
	p = out + PREFIX_LEN;
	for (i = 0; i < n; i++) {
		*p++ = hexd[md[i] >> 4];
		*p++ = hexd[md[i] & 15];
	}
	*p = '\0';
}

void digester_free(struct digester *d)
{
	if (!d)
		return;
	EVP_MD_CTX_free(d->ctx);
	free(d);
}

void digest_buf(const void *data, size_t len, char out[DIGEST_STR_MAX])
{
	struct digester *d = digester_new();

	digester_update(d, data, len);
	digester_final(d, out);
	digester_free(d);
}

static int hash_fd(int fd, const char *name, char out[DIGEST_STR_MAX], uint64_t *size,
		   struct err **err)
{
	cleanup_free char *chunk = xmalloc(CHUNK);
	struct digester *d = digester_new();
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			digester_free(d);
			if (name)
				return err_set(err, errno, "read '%s'", name);
			return err_set(err, errno, "read");
		}
		if (n == 0)
			break;
		digester_update(d, chunk, (size_t)n);
	}
	if (size)
		*size = d->size;
	digester_final(d, out);
	digester_free(d);
	return 0;
}

int digest_fd(int fd, char out[DIGEST_STR_MAX], uint64_t *size, struct err **err)
{
	return hash_fd(fd, NULL, out, size, err);
}

int digest_file(const char *path, char out[DIGEST_STR_MAX], uint64_t *size, struct err **err)
{
	cleanup_close int fd = -1;

	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return err_set(err, errno, "open '%s'", path);
	return hash_fd(fd, path, out, size, err);
}

int digest_verify_fd(int fd, const char *expected, struct err **err)
{
	char got[DIGEST_STR_MAX];

	if (digest_validate(expected, err) < 0)
		return -1;
	if (digest_fd(fd, got, NULL, err) < 0)
		return -1;
	if (!streq(got, expected))
		return err_set(err, 0, "digest mismatch: expected %s got %s", expected, got);
	return 0;
}
