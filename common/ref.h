/* ref.h: image references, parsed and normalised exactly as docker does
 * (distribution/reference ParseNormalizedNamed):
 *   busybox                 -> docker.io/library/busybox:latest
 *   user/app                -> docker.io/user/app:latest
 *   127.0.0.1:5000/a/b:t    -> 127.0.0.1:5000/a/b:t
 *   name@sha256:<hex>       -> docker.io/library/name@sha256:<hex>  (no default tag)
 *   name:tag@sha256:<hex>   -> both kept
 * Upper-case repository names, empty components, bad tags and bad digests
 * are rejected with a message naming the input, in docker's words:
 *   "parse reference 'Busybox': invalid reference format: repository name must be lowercase"
 * Only sha256 digests are accepted ("unsupported digest algorithm"). */
#ifndef KIST_REF_H
#define KIST_REF_H

#include <stdbool.h> /* bool */

struct err;

struct ref {
	char *domain; /* "docker.io", "127.0.0.1:5000", "localhost" */
	char *path;   /* "library/busybox" */
	char *tag;    /* "latest", or NULL when only a digest was given */
	char *digest; /* "sha256:...", or NULL */
};
/* clang-format off */
#define REF_INIT { 0 }
/* clang-format on */

#define REF_DEFAULT_DOMAIN "docker.io"
#define REF_MAX_LEN 255 /* of the name (domain/path), as docker */

int ref_parse(const char *s, struct ref *out, struct err **err);
void ref_release(struct ref *r);
/* domain/path */
char *ref_name(const struct ref *r);
/* Full normalised form: domain/path[:tag][@digest] (malloc'd). */
char *ref_string(const struct ref *r);
/* Docker's short form: "busybox:latest", "user/app:v1", "127.0.0.1:5000/a:t". */
char *ref_familiar(const struct ref *r);
/* Familiar name without tag/digest: "busybox", "127.0.0.1:5000/a". */
char *ref_familiar_name(const struct ref *r);
/* True if s looks like a 64-hex id or a "sha256:" digest, i.e. not a name. */
bool ref_is_id(const char *s);

#endif
