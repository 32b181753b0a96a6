/* test_ref.c: image references, parsed and normalised as docker does. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/ref.h"
#include "tests/unit/unit.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DG "sha256:" HEX64

static const struct {
	const char *in;
	const char *full;     /* ref_string */
	const char *familiar; /* ref_familiar */
} good[] = {
    {"busybox", "docker.io/library/busybox:latest", "busybox:latest"},
    {"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"},
    {"library/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
    {"docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
    {"docker.io/library/busybox:x", "docker.io/library/busybox:x", "busybox:x"},
    {"index.docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
    {"index.docker.io/user/app:v1", "docker.io/user/app:v1", "user/app:v1"},
    {"user/app", "docker.io/user/app:latest", "user/app:latest"},
    {"user/app:v1", "docker.io/user/app:v1", "user/app:v1"},
    {"library/a/b", "docker.io/library/a/b:latest", "library/a/b:latest"},
    {"127.0.0.1:5000/a/b:t", "127.0.0.1:5000/a/b:t", "127.0.0.1:5000/a/b:t"},
    {"localhost/x", "localhost/x:latest", "localhost/x:latest"},
    {"localhost:5000/x", "localhost:5000/x:latest", "localhost:5000/x:latest"},
    {"localhost", "docker.io/library/localhost:latest", "localhost:latest"},
    {"localhost:5000", "docker.io/library/localhost:5000", "localhost:5000"},
    {"quay.io/a/b/c/d", "quay.io/a/b/c/d:latest", "quay.io/a/b/c/d:latest"},
    {"Example.COM/app", "Example.COM/app:latest", "Example.COM/app:latest"},
    {"my-registry.example.com:443/app", "my-registry.example.com:443/app:latest",
     "my-registry.example.com:443/app:latest"},
    {"[::1]:5000/a:b", "[::1]:5000/a:b", "[::1]:5000/a:b"},
    {"[2001:db8::1]/app", "[2001:db8::1]/app:latest", "[2001:db8::1]/app:latest"},
    {"a.b/c", "a.b/c:latest", "a.b/c:latest"},
    {"foo__bar/a-----b.c_d", "docker.io/foo__bar/a-----b.c_d:latest",
     "foo__bar/a-----b.c_d:latest"},
    {"0/1", "docker.io/0/1:latest", "0/1:latest"},
    {"name@" DG, "docker.io/library/name@" DG, "name@" DG},
    {"name:tag@" DG, "docker.io/library/name:tag@" DG, "name:tag@" DG},
    {"host:1/name:tag@" DG, "host:1/name:tag@" DG, "host:1/name:tag@" DG},
    {"a:Tag_With.UPPER-and-dash", "docker.io/library/a:Tag_With.UPPER-and-dash",
     "a:Tag_With.UPPER-and-dash"},
    {"a:_", "docker.io/library/a:_", "a:_"},
    {"xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com/myimage:xn--n3h.com",
     "xn--n3h.com/myimage:xn--n3h.com"},
    {"b.gcr.io/test.example.com/my-app:test.example.com",
     "b.gcr.io/test.example.com/my-app:test.example.com",
     "b.gcr.io/test.example.com/my-app:test.example.com"},
    {"sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com/bar/baz/quux:latest",
     "sub-dom1.foo.com/bar/baz/quux:latest"},
    {"[2001:db8::1]:5000/repo", "[2001:db8::1]:5000/repo:latest", "[2001:db8::1]:5000/repo:latest"},
    {"test:5000/repo:tag@" DG, "test:5000/repo:tag@" DG, "test:5000/repo:tag@" DG},
    {"abcdef0123456789", "docker.io/library/abcdef0123456789:latest", "abcdef0123456789:latest"},
};

TEST(ref_parse_good)
{
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cleanup_err struct err *e = NULL;
		cleanup_free char *full = NULL;
		cleanup_free char *fam = NULL;
		struct ref r = REF_INIT;

		if (ref_parse(good[i].in, &r, &e) < 0) {
			unit_fail(__FILE__, __LINE__, "'%s': %s", good[i].in, e->msg);
			return;
		}
		full = ref_string(&r);
		fam = ref_familiar(&r);
		ref_release(&r);
		if (!streq(full, good[i].full) || !streq(fam, good[i].familiar)) {
			unit_fail(__FILE__, __LINE__, "'%s' -> '%s' / '%s'", good[i].in, full, fam);
			return;
		}
	}
}

TEST(ref_fields)
{
	cleanup_err struct err *e = NULL;
	struct ref r = REF_INIT;
	cleanup_free char *name = NULL;
	cleanup_free char *fname = NULL;

	CHECK_INT(ref_parse("127.0.0.1:5000/a/b@" DG, &r, &e), 0);
	CHECK_STR(r.domain, "127.0.0.1:5000");
	CHECK_STR(r.path, "a/b");
	CHECK(r.tag == NULL); /* no default tag with a digest */
	CHECK_STR(r.digest, DG);
	name = ref_name(&r);
	fname = ref_familiar_name(&r);
	ref_release(&r);
	CHECK(r.domain == NULL && r.path == NULL);
	ref_release(&r);
	CHECK_STR(name, "127.0.0.1:5000/a/b");
	CHECK_STR(fname, "127.0.0.1:5000/a/b");

	CHECK_INT(ref_parse("busybox", &r, &e), 0);
	CHECK_STR(r.domain, "docker.io");
	CHECK_STR(r.path, "library/busybox");
	CHECK_STR(r.tag, "latest");
	CHECK(r.digest == NULL);
	free(name);
	free(fname);
	name = ref_name(&r);
	fname = ref_familiar_name(&r);
	ref_release(&r);
	CHECK_STR(name, "docker.io/library/busybox");
	CHECK_STR(fname, "busybox");

	CHECK_INT(ref_parse("user/app:1", &r, &e), 0);
	free(fname);
	fname = ref_familiar_name(&r);
	ref_release(&r);
	CHECK_STR(fname, "user/app");
	CHECK(e == NULL);
}

static const struct {
	const char *in;
	const char *why;
} bad[] = {
    {"", "invalid reference format: repository name must have at least one component"},
    {"Busybox", "invalid reference format: repository name must be lowercase"},
    {"busyBox:latest", "repository name must be lowercase"},
    {"user/App", "repository name must be lowercase"},
    {"Foo/bar", "repository name must be lowercase"},
    {"localhost:5000/User/app", "repository name must be lowercase"},
    {"a//b", "invalid reference format"},
    {"a/", "invalid reference format"},
    {"/a", "invalid reference format"},
    {"a:", "invalid reference format"},
    {":t", "invalid reference format"},
    {"a:t:u", "invalid reference format"},
    {"a@", "invalid reference format"},
    {"@" DG, "invalid reference format"},
    {"a@sha256:short", "invalid reference format"},
    {"a@sha256:0123456789abcdef0123456789abcdef", "invalid checksum digest length"},
    {"a@sha256:" HEX64 "0", "invalid checksum digest length"},
    {"a@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
     "invalid checksum digest format"},
    {"a@sha512:" HEX64 HEX64, "unsupported digest algorithm"},
    {"a@md5:" HEX64, "unsupported digest algorithm"},
    {"a@sha256:" HEX64 "@" DG, "invalid reference format"},
    {"a@:" HEX64, "invalid reference format"},
    {"a@1sha:" HEX64, "invalid reference format"},
    {"a@" HEX64, "invalid reference format"},
    {HEX64, "cannot specify 64-byte hexadecimal strings"},
    {"-a", "invalid reference format"},
    {"a-", "invalid reference format"},
    {"a.", "invalid reference format"},
    {"a___b", "invalid reference format"},
    {"a..b", "invalid reference format"},
    {"a:-tag", "invalid reference format"},
    {"a:.tag", "invalid reference format"},
    {"a:t/x", "invalid reference format"},
    {"a b", "invalid reference format"},
    {"a\tb", "invalid reference format"},
    {"a\nb", "invalid reference format"},
    {"caf\xc3\xa9", "invalid reference format"},
    {"\xe2\x80\xae"
     "evil",
     "invalid reference format"},
    {"a:t\xc3\xa9", "invalid reference format"},
    {"../etc/passwd", "invalid reference format"},
    {"../../x", "invalid reference format"},
    {"./a", "invalid reference format"},
    {"a/../b", "invalid reference format"},
    {"a/./b", "invalid reference format"},
    {"-.x/a", "invalid reference format"},
    {"a_b.c/d", "invalid reference format"},
    {"host:port/a", "invalid reference format"},
    {"host:/a", "invalid reference format"},
    {"-host.com/a", "invalid reference format"},
    {"host-.com/a", "invalid reference format"},
    {"host..com/a", "invalid reference format"},
    {"[::1/a", "invalid reference format"},
    {"[]:5000/a", "invalid reference format"},
    {"[::1]x/a", "invalid reference format"},
    {"[zz]/a", "invalid reference format"},
    {"localhost/", "invalid reference format"},
    {"docker.io/", "invalid reference format"},
    {"a%20b", "invalid reference format"},
    {"a;rm -rf /", "invalid reference format"},
    {"$(id)", "invalid reference format"},
    {"Docker/docker", "repository name must be lowercase"},
    {"docker///docker", "invalid reference format"},
    {"[fe80::1%eth0]:5000/repo", "invalid reference format"},
    {"[::1]:port/x", "invalid reference format"},
    {"\xc3\xbcnicode.com/a", "invalid reference format"},
    {"example.com:5000:6000/a", "invalid reference format"},
    {"a/b:tag:tag", "invalid reference format"},
    {"a/b@sha256:" HEX64 ":tag", "invalid reference format"},
};

TEST(ref_parse_bad)
{
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_err struct err *e = NULL;
		cleanup_free char *want = xasprintf("parse reference '%s': ", bad[i].in);
		struct ref r = REF_INIT;

		if (ref_parse(bad[i].in, &r, &e) == 0) {
			cleanup_free char *s = ref_string(&r);

			ref_release(&r);
			unit_fail(__FILE__, __LINE__, "'%s' accepted as '%s'", bad[i].in, s);
			return;
		}
		if (!e || !strstr(e->msg, bad[i].why) || strncmp(e->msg, want, strlen(want))) {
			unit_fail(__FILE__, __LINE__, "'%s': error \"%s\" lacks \"%s\"", bad[i].in,
				  e ? e->msg : "(none)", bad[i].why);
			return;
		}
		CHECK(r.domain == NULL && r.path == NULL && r.tag == NULL && r.digest == NULL);
	}
	{
		cleanup_err struct err *e = NULL;
		struct ref r = REF_INIT;

		CHECK_INT(ref_parse(NULL, &r, &e), -1);
		CHECK_INT(ref_parse("Bad", &r, NULL), -1);
	}
}

TEST(ref_lengths)
{
	cleanup_err struct err *e = NULL;
	char name[400], tag[200], in[700];
	struct ref r = REF_INIT;
	size_t n;

	/* docker.io/library/ is 18 characters: the total name may be 255. */
	n = 255 - strlen("docker.io/library/");
	memset(name, 'a', n);
	name[n] = '\0';
	CHECK_INT(ref_parse(name, &r, &e), 0);
	ref_release(&r);
	name[n] = 'a';
	name[n + 1] = '\0';
	CHECK_INT(ref_parse(name, &r, &e), -1);
	CHECK_ERR(e, "repository name must not be more than 255 characters");
	memset(name, 'b', 300);
	name[300] = '\0';
	CHECK_INT(ref_parse(name, &r, &e), -1);
	CHECK_ERR(e, "must not be more than 255 characters");
	snprintf(in, sizeof(in), "example.com/%s", name);
	CHECK_INT(ref_parse(in, &r, &e), -1);
	CHECK_ERR(e, "must not be more than 255 characters");

	/* Tags: 128 characters at most. */
	memset(tag, 't', 128);
	tag[128] = '\0';
	snprintf(in, sizeof(in), "a:%s", tag);
	CHECK_INT(ref_parse(in, &r, &e), 0);
	CHECK_INT(strlen(r.tag), 128);
	ref_release(&r);
	tag[128] = 't';
	tag[129] = '\0';
	snprintf(in, sizeof(in), "a:%s", tag);
	CHECK_INT(ref_parse(in, &r, &e), -1);
	CHECK_ERR(e, "invalid reference format");
}

TEST(ref_huge_input)
{
	cleanup_err struct err *e = NULL;
	cleanup_free char *big = xmalloc(1 << 20);
	struct ref r = REF_INIT;

	memset(big, 'a', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	CHECK_INT(ref_parse(big, &r, &e), -1);
	CHECK_ERR(e, "must not be more than 255 characters");
	memset(big, '/', (1 << 20) - 1);
	CHECK_INT(ref_parse(big, &r, &e), -1);
	memset(big, ':', (1 << 20) - 1);
	CHECK_INT(ref_parse(big, &r, &e), -1);
	memset(big, '@', (1 << 20) - 1);
	CHECK_INT(ref_parse(big, &r, &e), -1);
}

TEST(ref_is_id)
{
	CHECK(ref_is_id(HEX64));
	CHECK(ref_is_id(DG));
	CHECK(ref_is_id("sha256:abc"));
	CHECK(!ref_is_id("busybox"));
	CHECK(!ref_is_id("0123456789ab"));
	CHECK(!ref_is_id(HEX64 "0"));
	CHECK(!ref_is_id("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
	CHECK(!ref_is_id(""));
	CHECK(!ref_is_id(NULL));
}

TEST(ref_string_roundtrip)
{
	size_t i;

	/* The normalised form parses back to itself. */
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cleanup_err struct err *e = NULL;
		cleanup_free char *again = NULL;
		struct ref r = REF_INIT;

		if (ref_parse(good[i].full, &r, &e) < 0) {
			unit_fail(__FILE__, __LINE__, "'%s': %s", good[i].full, e->msg);
			return;
		}
		again = ref_string(&r);
		ref_release(&r);
		CHECK_STR(again, good[i].full);
	}
}
