/* url.c: ADD of an http(s) URL (libcurl): the file named from the URL
 * (Content-Disposition's filename= first, as BuildKit), mode 0600, mtime
 * from Last-Modified, its sha256 checked against --checksum. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "build/build.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/err.h"
#include "common/util.h"

bool url_is_remote(const char *s)
{
	return str_has_prefix(s, "http://") || str_has_prefix(s, "https://");
}

struct sink {
	int fd;
	struct digester *d;
	int werr;
	char *disposition; /* Content-Disposition's filename, or NULL */
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n, off = 0;

	while (off < len) {
		ssize_t w = write(s->fd, p + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			s->werr = errno;
			return 0;
		}
		off += (size_t)w;
	}
	digester_update(s->d, p, len);
	return len;
}

/* Content-Disposition: attachment; filename="x.tar.gz" */
static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n;
	cleanup_free char *h = xstrndup(p, len);
	char *f;

	if (strncasecmp(h, "content-disposition:", 20))
		return len;
	f = strcasestr(h, "filename=");
	if (f) {
		char *v = f + 9, *end;

		if (*v == '"')
			v++;
		end = v + strcspn(v, "\";\r\n");
		*end = '\0';
		if (*v && !strchr(v, '/') && !streq(v, ".") && !streq(v, "..")) {
			free(s->disposition);
			s->disposition = xstrdup(v);
		}
	}
	return len;
}

/* The last segment of the URL's path (no query or fragment). */
static char *url_name(const char *url)
{
	const char *p = strstr(url, "://");
	const char *path, *end, *slash;

	p = p ? p + 3 : url;
	path = p + strcspn(p, "/?#");
	end = path + strcspn(path, "?#");
	while (end > path && end[-1] == '/')
		end--;
	if (end <= path)
		return NULL;
	slash = memrchr(path, '/', (size_t)(end - path));
	return xstrndup(slash + 1, (size_t)(end - slash - 1));
}

int url_fetch(const char *url, const char *dir, const char *checksum, char **name,
	      char digest[DIGEST_STR_MAX], struct err **err)
{
	struct sink s = {.fd = -1};
	cleanup_free char *tmp = xasprintf("%s/.download", dir), *fname = NULL, *path = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *c;
	CURLcode rc;
	long code = 0;
	curl_off_t mtime = -1;
	int ret = -1;

	if (checksum && !str_has_prefix(checksum, "sha256:"))
		return err_set_code(err, EINVAL, "unsupported digest algorithm in --checksum=%s",
				    checksum);
	if (checksum && !digest_is_valid(checksum))
		return err_set_code(err, EINVAL, "invalid checksum digest format '%s'", checksum);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return err_set(err, 0, "cannot initialise libcurl");
	c = curl_easy_init();
	if (!c) {
		curl_global_cleanup();
		return err_set(err, 0, "cannot initialise libcurl");
	}
	s.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (s.fd < 0) {
		err_set(err, errno, "open '%s'", tmp);
		goto out;
	}
	s.d = digester_new();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FILETIME, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "kist-build");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &s);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		if (s.werr)
			err_set(err, s.werr, "write '%s'", tmp);
		else
			err_set(err, 0, "GET %s: %s", url,
				*errbuf ? errbuf : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code >= 300) {
		err_set(err, 0, "GET %s: unexpected status %ld", url, code);
		goto out;
	}
	digester_final(s.d, digest);
	if (checksum && !streq(checksum, digest)) {
		err_set(err, 0, "digest mismatch %s: %s", checksum, digest);
		goto out;
	}
	fname = s.disposition ? xstrdup(s.disposition) : url_name(url);
	if (!fname) {
		err_set(err, 0, "cannot determine filename from url: %s", url);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_FILETIME_T, &mtime);
	if (mtime >= 0) {
		struct timespec ts[2] = {{.tv_sec = (time_t)mtime}, {.tv_sec = (time_t)mtime}};

		if (futimens(s.fd, ts) < 0) {
			err_set(err, errno, "set times of '%s'", tmp);
			goto out;
		}
	}
	path = xasprintf("%s/%s", dir, fname);
	if (rename(tmp, path) < 0) {
		err_set(err, errno, "rename '%s'", path);
		goto out;
	}
	*name = steal_pointer(&fname);
	ret = 0;
out:
	if (ret < 0)
		unlink(tmp);
	if (s.fd >= 0)
		close(s.fd);
	if (s.d)
		digester_free(s.d);
	free(s.disposition);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	return ret;
}
