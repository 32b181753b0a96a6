/* cmd_login.c: kist-fetch login [-u USER] [-p PASS | --password-stdin] [HOST]
 *              kist-fetch logout [HOST]
 * Credentials are checked against the registry's /v2/ before they are saved
 * in docker's config.json (or handed to its credential helper). */
#define _GNU_SOURCE
#include <getopt.h> /* getopt_long */
#include <stdio.h>  /* printf */
#include <stdlib.h> /* free */
#include <string.h> /* strcspn */
#include <unistd.h> /* isatty */

#include "common/cli.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"
#include "fetch/fetch.h"

static const char login_usage[] =
    "usage: kist-fetch login [OPTIONS] [SERVER]\n\n"
    "Log in to a registry (default docker.io); the credentials are checked\n"
    "first, then stored in ~/.docker/config.json or its credential helper.\n\n"
    "  -u, --username USER\n"
    "  -p, --password PASS\n"
    "      --password-stdin   read the password from stdin\n";

/* "https://index.docker.io/v1/" -> "docker.io"; "http://h:5000/" -> "h:5000" */
static char *server_domain(const char *s)
{
	const char *h = strstr(s, "://");
	size_t n;

	h = h ? h + 3 : s;
	n = strcspn(h, "/");
	if ((n == 15 && strncmp(h, "index.docker.io", n) == 0) ||
	    (n == 20 && strncmp(h, FETCH_DOCKER_HUB_API, n) == 0) ||
	    (n == 9 && strncmp(h, "docker.io", n) == 0))
		return xstrdup(REF_DEFAULT_DOMAIN);
	return xstrndup(h, n);
}

static int verify(const struct fetch_global *g, const char *domain, const struct creds *c,
		  struct err **err)
{
	struct registry r;
	struct reg_req q = REG_REQ_INIT;
	struct http_resp resp;
	int ret = -1;

	memset(&r, 0, sizeof(r));
	http_resp_init(&resp);
	if (fetch_registry_for(g, domain, &r, err) < 0)
		goto out;
	creds_release(&r.creds);
	r.creds.user = xstrdup(c->user);
	r.creds.pass = xstrdup(c->pass);
	r.have_creds = true;
	if (registry_ping(&r, err) < 0)
		goto out;
	if (r.auth == REG_AUTH_NONE) {
		ret = 0; /* the registry wants no credentials: nothing to check */
		goto out;
	}
	q.url = "/v2/";
	if (registry_do(&r, &q, &resp, err) < 0)
		goto out;
	if (resp.status != 200) {
		err_set(err, 0, "login attempt to %s/v2/ failed with status: %ld %s", r.base,
			resp.status, resp.status == 401 ? "Unauthorized" : "");
		goto out;
	}
	ret = 0;
out:
	http_resp_release(&resp);
	registry_close(&r);
	return ret;
}

static char *read_stdin_password(void)
{
	struct buf b = BUF_INIT;
	char chunk[512];
	ssize_t n;

	while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) > 0 && b.len < 65536)
		buf_add(&b, chunk, n);
	while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
		b.data[--b.len] = '\0';
	return buf_detach(&b, NULL);
}

int cmd_login(void *gv, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {
	    {"username", required_argument, NULL, 'u'},
	    {"password", required_argument, NULL, 'p'},
	    {"password-stdin", no_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const struct fetch_global *g = gv;
	const char *user = NULL, *pass = NULL;
	bool from_stdin = false;
	cleanup_free char *domain = NULL;
	struct creds c = {0};
	int ch, ret;

	while ((ch = cli_getopt(argc, argv, "u:p:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			user = optarg;
			break;
		case 'p':
			pass = optarg;
			break;
		case 'S':
			from_stdin = true;
			break;
		case 'h':
			fputs(login_usage, stdout);
			return EXIT_OK;
		default:
			cli_usage_error("login: unknown option or missing value: '%s'",
					argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		cli_usage_error("login: expected at most one SERVER, got %d", argc - optind);
	if (pass && from_stdin)
		cli_usage_error("login: --password and --password-stdin are mutually exclusive");
	if (from_stdin && !user)
		cli_usage_error("login: --username is required with --password-stdin");
	if (!user)
		cli_usage_error("login: --username is required");
	domain = server_domain(argc - optind == 1 ? argv[optind] : REF_DEFAULT_DOMAIN);
	if (pass)
		fprintf(
		    stderr,
		    "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
	c.user = xstrdup(user);
	if (from_stdin)
		c.pass = read_stdin_password();
	else if (pass)
		c.pass = xstrdup(pass);
	else
		cli_usage_error("login: give the password with --password or --password-stdin");
	if (!*c.pass) {
		creds_release(&c);
		cli_usage_error("login: the password is empty");
	}
	ret = verify(g, domain, &c, err);
	if (ret == 0)
		ret = auth_store(domain, &c, err);
	creds_release(&c);
	if (ret < 0)
		return err_wrap(err, "login to '%s'", domain);
	printf("Login Succeeded\n");
	return EXIT_OK;
}

int cmd_logout(void *gv, int argc, char **argv, struct err **err)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	cleanup_free char *domain = NULL;
	int r, c;

	(void)gv;
	while ((c = cli_getopt(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf(
			    "usage: kist-fetch logout [SERVER]\n\n"
			    "Remove the stored credentials of a registry (default docker.io).\n");
			return EXIT_OK;
		}
	}
	if (argc - optind > 1)
		cli_usage_error("logout: expected at most one SERVER, got %d", argc - optind);
	domain = server_domain(argc - optind == 1 ? argv[optind] : REF_DEFAULT_DOMAIN);
	r = auth_erase(domain, err);
	if (r < 0)
		return err_wrap(err, "logout from '%s'", domain);
	if (r == 0)
		printf("Not logged in to %s\n", domain);
	else
		printf("Removing login credentials for %s\n", domain);
	return EXIT_OK;
}
