/* digest.h: sha256 digests ("sha256:" + 64 lowercase hex) over streams,
 * through OpenSSL EVP. */
#ifndef KIST_DIGEST_H
#define KIST_DIGEST_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */
#include <stdint.h>  /* uint64_t */

struct err;

#define DIGEST_HEX_LEN 64
#define DIGEST_STR_MAX (sizeof("sha256:") - 1 + DIGEST_HEX_LEN + 1) /* with NUL */

/* Initialise libcrypto without reading openssl.cnf (0.6 ms of every
 * start-up).  For programs that use libcrypto only for digests (not TLS);
 * call first thing in main. */
void digest_skip_config(void);
/* 0 if s is "sha256:<64 lowercase hex>", else -1 with an error naming s. */
int digest_validate(const char *s, struct err **err);
bool digest_is_valid(const char *s);
/* s is the hex part alone: 64 lowercase hex digits (a layer's chain id, a
 * blob's file name, an image id). */
bool digest_hex_is_valid(const char *s);
/* The hex part of a valid digest. */
const char *digest_hex(const char *digest);

/* Streaming hasher. */
struct digester;
struct digester *digester_new(void); /* aborts on OOM */
void digester_update(struct digester *d, const void *data, size_t len);
/* Bytes fed so far. */
uint64_t digester_size(const struct digester *d);
/* Writes "sha256:<hex>" into out (DIGEST_STR_MAX bytes); d stays usable for nothing but free. */
void digester_final(struct digester *d, char out[DIGEST_STR_MAX]);
void digester_free(struct digester *d);

void digest_buf(const void *data, size_t len, char out[DIGEST_STR_MAX]);
/* Hash fd from its current offset to EOF. */
int digest_fd(int fd, char out[DIGEST_STR_MAX], uint64_t *size, struct err **err);
int digest_file(const char *path, char out[DIGEST_STR_MAX], uint64_t *size, struct err **err);
/* 0 when fd's content (from offset) hashes to expected; else -1,
 * "digest mismatch: expected sha256:.. got sha256:..". */
int digest_verify_fd(int fd, const char *expected, struct err **err);

#endif
