/* user.c: "user[:group]" -> uid, gid and supplementary groups, looked up
 * in the rootfs's /etc/passwd and /etc/group as docker does. */
#define _GNU_SOURCE
#include <ctype.h>  /* isdigit */
#include <errno.h>  /* EINVAL, ENOENT */
#include <fcntl.h>  /* open */
#include <stdarg.h> /* va_list */
#include <stdlib.h> /* free, strtoull */
#include <string.h> /* strchr, strtok_r */

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"
#include "spec/convert.h"

/* ---- users and groups ---- */

/* Read a file of the rootfs (may be missing: *out = NULL). */
static int read_in_root(const char *rootfs, const char *path, char **out, struct err **err)
{
	cleanup_close int rootfd = -1, fd = -1;
	struct err *e = NULL;

	*out = NULL;
	if (!rootfs)
		return 0;
	rootfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return err_set(err, errno, "open rootfs '%s'", rootfs);
	fd = fs_open_in_root(rootfd, path, O_RDONLY, 0, &e);
	if (fd < 0) {
		int code = e ? e->code : 0;

		if (code == ENOENT || code == ENOTDIR) {
			err_free(e);
			return 0;
		}
		if (err) {
			err_free(*err);
			*err = e;
		} else {
			err_free(e);
		}
		return -1;
	}
	if (fs_read_fd(fd, 16u << 20, out, NULL, err) < 0)
		return err_wrap(err, "read '%s' in '%s'", path, rootfs);
	return 0;
}

/* Split a colon-separated line into at most max fields (in place). */
static size_t split_fields(char *line, char **f, size_t max)
{
	size_t n = 0;

	f[n++] = line;
	for (; *line && n < max; line++) {
		if (*line == ':') {
			*line = '\0';
			f[n++] = line + 1;
		}
	}
	return n;
}

static bool parse_id(const char *s, unsigned *out)
{
	char *end;
	unsigned long long v;

	if (!*s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > 0xfffffffeULL)
		return false;
	*out = (unsigned)v;
	return true;
}

struct pw_entry {
	char *name;
	unsigned uid, gid;
};

/* Find a passwd entry by name (or, when by_uid, by uid). 1 found, 0 not. */
static int passwd_find(const char *text, const char *name, bool by_uid, unsigned uid,
		       struct pw_entry *out)
{
	cleanup_free char *copy = xstrdup(text);
	char *save = NULL, *line;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[7];
		unsigned u, g;

		if (line[0] == '#' || split_fields(line, f, 7) < 4)
			continue;
		if (!parse_id(f[2], &u) || !parse_id(f[3], &g))
			continue;
		if (by_uid ? u != uid : !streq(f[0], name))
			continue;
		out->name = xstrdup(f[0]);
		out->uid = u;
		out->gid = g;
		return 1;
	}
	return 0;
}

/* The home field of the entry (re-parsed, simpler than threading it above). */
static char *passwd_home(const char *text, const char *name)
{
	cleanup_free char *copy = xstrdup(text);
	char *save = NULL, *line;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[7];

		if (split_fields(line, f, 7) >= 6 && streq(f[0], name))
			return xstrdup(f[5]);
	}
	return NULL;
}

/* Find a group by name (or gid). 1 found, 0 not. */
static int group_find(const char *text, const char *name, bool by_gid, unsigned gid, unsigned *out)
{
	cleanup_free char *copy = NULL;
	char *save = NULL, *line;

	if (!text)
		return 0;
	copy = xstrdup(text);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[4];
		unsigned g;

		if (line[0] == '#' || split_fields(line, f, 4) < 3 || !parse_id(f[2], &g))
			continue;
		if (by_gid ? g == gid : streq(f[0], name)) {
			*out = g;
			return 1;
		}
	}
	return 0;
}

static void add_gid(unsigned **gids, size_t *n, unsigned g)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*gids)[i] == g)
			return;
	*gids = xrealloc(*gids, (*n + 1) * sizeof(**gids));
	(*gids)[(*n)++] = g;
}

/* Groups that list user as a member. */
static void member_groups(const char *text, const char *user, unsigned primary, unsigned **gids,
			  size_t *n)
{
	cleanup_free char *copy = NULL;
	char *save = NULL, *line;

	if (!text || !user)
		return;
	copy = xstrdup(text);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[4], *msave = NULL, *m;
		unsigned g;

		if (line[0] == '#' || split_fields(line, f, 4) < 4 || !parse_id(f[2], &g))
			continue;
		for (m = strtok_r(f[3], ",", &msave); m; m = strtok_r(NULL, ",", &msave))
			if (streq(m, user) && g != primary)
				add_gid(gids, n, g);
	}
}

int spec_resolve_user(const char *rootfs, const char *user, char *const *extra_groups,
		      unsigned *uid, unsigned *gid, unsigned **gids, size_t *n_gids, char **home,
		      struct err **err)
{
	cleanup_free char *passwd = NULL, *group = NULL, *ustr = NULL;
	struct pw_entry pw = {0};
	unsigned u = 0, g = 0;
	const char *gstr = NULL;
	bool found = false;
	unsigned *v = NULL;
	size_t n = 0;

	ustr = xstrdup(user && user[0] ? user : "0");
	if (strchr(ustr, ':')) {
		char *colon = strchr(ustr, ':');

		*colon = '\0';
		gstr = colon + 1;
		if (!*ustr || !*gstr)
			return err_set_code(err, EINVAL, "invalid user '%s'", user);
	}
	if (read_in_root(rootfs, "/etc/passwd", &passwd, err) < 0 ||
	    read_in_root(rootfs, "/etc/group", &group, err) < 0)
		return -1;
	if (parse_id(ustr, &u)) {
		found = passwd && passwd_find(passwd, NULL, true, u, &pw) > 0;
	} else {
		if (!rootfs)
			return err_set_code(
			    err, EINVAL, "unable to find user %s: no rootfs to look the name up in",
			    ustr);
		if (!passwd || passwd_find(passwd, ustr, false, 0, &pw) == 0)
			return err_set_code(
			    err, ENOENT,
			    "unable to find user %s: no matching entries in passwd file", ustr);
		found = true;
		u = pw.uid;
	}
	if (found)
		g = pw.gid;
	if (gstr) {
		if (!parse_id(gstr, &g)) {
			if (!group || group_find(group, gstr, false, 0, &g) == 0) {
				free(pw.name);
				return err_set_code(
				    err, ENOENT,
				    "unable to find group %s: no matching entries in group file",
				    gstr);
			}
		}
	}
	if (found)
		member_groups(group, pw.name, g, &v, &n);
	for (; extra_groups && *extra_groups; extra_groups++) {
		unsigned eg;

		if (!parse_id(*extra_groups, &eg) &&
		    (!group || group_find(group, *extra_groups, false, 0, &eg) == 0)) {
			free(pw.name);
			free(v);
			return err_set_code(
			    err, ENOENT,
			    "unable to find group %s: no matching entries in group file",
			    *extra_groups);
		}
		add_gid(&v, &n, eg);
	}
	*uid = u;
	*gid = g;
	*gids = v;
	*n_gids = n;
	if (home)
		*home = found ? passwd_home(passwd, pw.name) : NULL;
	free(pw.name);
	return 0;
}
