/* owner.c: the step containers of builds that died.  A build holds
 * ROOT/build-cache/owners/<token>.lock (flock, exclusive) while it lives
 * and marks every container it creates with the annotation
 * io.kist.build.owner = <token>, so a container is never without an owner
 * to ask about.  A build that starts removes the containers whose owner's
 * lock nobody holds (their build was killed): `kist-runtime delete --force`
 * (the processes, cgroup and state of a RUN still running), `kist-net down`
 * for a bridge RUN, then `kist-store rm-container -f -v` (the overlay, the
 * anonymous volumes and the record); then the dead owners' scratch
 * directories (ROOT/build-cache/tmp/<token>) and lock files. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "build/build.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/proc.h"
#include "common/util.h"

#define OWNERS "build-cache/owners"
#define TMP "build-cache/tmp"
#define OWNER_ANNOTATION "io.kist.build.owner"

static bool token_ok(const char *t)
{
	size_t n = strspn(t, "0123456789abcdef");

	return n == BUILD_OWNER_LEN && !t[n];
}

int build_owner_start(struct build *b, struct err **err)
{
	unsigned char r[BUILD_OWNER_LEN / 2];
	cleanup_close int dfd = -1, fd = -1;
	cleanup_free char *tmp = NULL, *name = NULL;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return err_set(err, errno, "getrandom");
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(b->owner + 2 * i, 3, "%02x", r[i]);
	if (fs_mkdir_pat(b->rootfd, OWNERS, 0700, err) < 0)
		return -1;
	dfd = openat(b->rootfd, OWNERS, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(err, errno, "open '%s/" OWNERS "'", b->o->root);
	/* locked before it is visible under its name: a lock file nobody
	 * holds is always a dead build's */
	tmp = xasprintf(".tmp-%s", b->owner);
	name = xasprintf("%s.lock", b->owner);
	fd = openat(dfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(err, errno, "create '%s/" OWNERS "/%s'", b->o->root, tmp);
	if (flock(fd, LOCK_EX) < 0 || renameat(dfd, tmp, dfd, name) < 0) {
		err_set(err, errno, "lock '%s/" OWNERS "/%s'", b->o->root, name);
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	b->owner_lock = steal_fd(&fd);
	return 0;
}

char *build_tmp_dir(struct build *b)
{
	if (!b->owner[0])
		return xasprintf("%s/" TMP, b->o->root);
	return xasprintf("%s/" TMP "/%s", b->o->root, b->owner);
}

void build_owner_end(struct build *b)
{
	cleanup_free char *p = NULL, *t = NULL;

	if (b->owner_lock < 0)
		return;
	/* what it held there is gone by now: the directory is empty */
	t = xasprintf(TMP "/%s", b->owner);
	unlinkat(b->rootfd, t, AT_REMOVEDIR);
	p = xasprintf(OWNERS "/%s.lock", b->owner);
	unlinkat(b->rootfd, p, 0);
	fs_close(b->owner_lock);
	b->owner_lock = -1;
}

char *build_owner_overrides(struct build *b, const char *overrides)
{
	cleanup_json cJSON *ov = json_parse(overrides, strlen(overrides), "overrides", NULL);
	cJSON *ann;

	if (!cJSON_IsObject(ov) || !b->owner[0])
		return xstrdup(overrides);
	ann = cJSON_GetObjectItemCaseSensitive(ov, "Annotations");
	if (!cJSON_IsObject(ann)) {
		cJSON_DeleteItemFromObjectCaseSensitive(ov, "Annotations");
		ann = cJSON_AddObjectToObject(ov, "Annotations");
	}
	cJSON_DeleteItemFromObjectCaseSensitive(ann, OWNER_ANNOTATION);
	cJSON_AddStringToObject(ann, OWNER_ANNOTATION, b->owner);
	return json_print(ov, false);
}

int build_owner_unmark_config(const char *from, const char *to, struct err **err)
{
	cleanup_json cJSON *cfg = json_load_file(from, 16 << 20, err);
	cJSON *ann;

	if (!cfg)
		return -1;
	ann = cJSON_GetObjectItemCaseSensitive(cfg, "annotations");
	cJSON_DeleteItemFromObjectCaseSensitive(ann, OWNER_ANNOTATION);
	if (cJSON_IsObject(ann) && !ann->child)
		cJSON_DeleteItemFromObjectCaseSensitive(cfg, "annotations");
	return json_write_file(to, cfg, 0644, err);
}

/* Does a live build hold owner's lock?  A lock file that is gone is a
 * dead build's (its lock was taken before any container of it existed). */
static bool owner_alive(int dfd, const char *owner)
{
	cleanup_free char *name = xasprintf("%s.lock", owner);
	cleanup_close int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return false;
	return flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

static void quiet_run(const char *const *argv)
{
	struct proc p = PROC_INIT;

	p.argv = argv;
	p.in = PROC_FD_NULL;
	p.out = PROC_FD_NULL;
	p.err = PROC_FD_NULL;
	proc_run(&p, NULL);
}

static void remove_step_container(struct build *b, const char *id, const cJSON *ann)
{
	cleanup_free char *rtroot = xasprintf("%s/runtime", b->o->run);
	const char *net =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ann, "io.kist.network"));
	const char *rt[] = {b->runtime_bin, "--root", rtroot, "delete", "--force", id, NULL};
	const char *down[] = {b->net_bin, "--root", b->o->root, "down", id, NULL};
	const char *rm[] = {b->store_bin, "--root", b->o->root, "rm-container",
			    "-f",         "-v",     id,         NULL};

	quiet_run(rt);
	if (net && streq(net, "bridge"))
		quiet_run(down);
	quiet_run(rm);
}

void build_owner_sweep(struct build *b)
{
	cleanup_close int cfd = openat(b->rootfd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int dfd = openat(b->rootfd, OWNERS, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_strv char **ids = cfd >= 0 ? fs_dir_names(cfd, false) : NULL;
	cleanup_strv char **locks = NULL;

	if (dfd < 0)
		return; /* no build ever marked a container */
	for (char **id = ids; id && *id; id++) {
		cleanup_free char *cj = NULL;
		cleanup_json cJSON *doc = NULL;
		const cJSON *ann;
		const char *owner;

		if (!digest_hex_is_valid(*id))
			continue;
		cj = xasprintf("%s/container.json", *id);
		/* no record: half made, gc's (and fsck --repair's) */
		doc = json_load_fileat(cfd, cj, 1 << 20, NULL);
		ann = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(doc, "Overrides"), "Annotations");
		owner =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ann, OWNER_ANNOTATION));
		if (!owner || !token_ok(owner) || streq(owner, b->owner) || owner_alive(dfd, owner))
			continue;
		remove_step_container(b, *id, ann);
	}
	/* the dead builds' scratch (RUN --mount's copies and overlays, ADD's
	 * downloads) */
	{
		cleanup_close int tfd = openat(b->rootfd, TMP, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		cleanup_strv char **dirs = tfd >= 0 ? fs_dir_names(tfd, false) : NULL;

		for (char **d = dirs; d && *d; d++)
			if (token_ok(*d) && !streq(*d, b->owner) && !owner_alive(dfd, *d))
				fs_rm_rfat(tfd, *d, NULL);
	}
	/* the dead builds' lock files: only one we could lock is a dead one */
	locks = fs_dir_names(dfd, false);
	for (char **l = locks; l && *l; l++) {
		cleanup_close int fd = -1;
		struct stat st;

		if (!str_has_suffix(*l, ".lock") && !str_has_prefix(*l, ".tmp-"))
			continue;
		/* a .tmp- one is locked right after its creation: leave young ones */
		if (str_has_prefix(*l, ".tmp-") &&
		    (fstatat(dfd, *l, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		     st.st_mtime > time(NULL) - 60))
			continue;
		fd = openat(dfd, *l, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
			unlinkat(dfd, *l, 0);
	}
}
