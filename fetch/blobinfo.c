/* blobinfo.c: which repositories are known to hold which blobs, so a push
 * can mount a blob from another repository of the same registry instead of
 * uploading it (as skopeo's blob info cache does).  Kept in
 * ROOT/fetch/blob-repos.json: {"sha256:..": ["host/repo", ...]}, newest
 * first, a few per blob; updated after each pull and push under a lock and
 * written atomically.  It is only a hint: a failed mount falls back to an
 * upload, and losing the file loses nothing else. */
#define _GNU_SOURCE
#include <stdlib.h> /* free */
#include <string.h> /* strcmp */

#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/lock.h"
#include "common/util.h"
#include "fetch/fetch.h"

#define REPOS_PER_BLOB 5
#define MAX_BLOBS 20000

static char *info_dir(const struct fetch_global *g)
{
	return xasprintf("%s/fetch", g->root);
}

char **blobinfo_repos(const struct fetch_global *g, const char *digest)
{
	cleanup_free char *dir = info_dir(g);
	cleanup_free char *path = xasprintf("%s/blob-repos.json", dir);
	cleanup_json cJSON *j = NULL;
	char **out = NULL;

	if (!fs_exists(path))
		return NULL;
	j = json_load_file(path, 64u << 20, NULL);
	if (!j)
		return NULL;
	json_get_strv(j, "", digest, false, &out, NULL);
	return out;
}

int blobinfo_add(const struct fetch_global *g, const char *repo, char *const *digests,
		 struct err **err)
{
	cleanup_free char *dir = info_dir(g);
	cleanup_free char *path = xasprintf("%s/blob-repos.json", dir);
	cleanup_free char *lockp = xasprintf("%s/.lock", dir);
	cleanup_json cJSON *j = NULL;
	int lock, ret;

	if (fs_mkdir_p(dir, 0700, err) < 0)
		return -1;
	lock = lock_acquire(lockp, LOCK_MODE_EXCLUSIVE, true, err);
	if (lock < 0)
		return -1;
	if (fs_exists(path))
		j = json_load_file(path, 64u << 20, NULL);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		j = cJSON_CreateObject();
	}
	for (char *const *d = digests; d && *d; d++) {
		cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, *d), *it, *next;
		int n = 0;

		if (!cJSON_IsArray(arr)) {
			cJSON_DeleteItemFromObjectCaseSensitive(j, *d);
			if (cJSON_GetArraySize(j) >= MAX_BLOBS)
				cJSON_Delete(
				    cJSON_DetachItemViaPointer(j, j->child)); /* drop the oldest */
			arr = cJSON_AddArrayToObject(j, *d);
		}
		/* newest first, no duplicates, at most REPOS_PER_BLOB */
		for (it = arr->child; it; it = next) {
			next = it->next;
			if (!cJSON_IsString(it) || streq(it->valuestring, repo))
				cJSON_Delete(cJSON_DetachItemViaPointer(arr, it));
		}
		cJSON_InsertItemInArray(arr, 0, cJSON_CreateString(repo));
		for (it = arr->child; it; it = next) {
			next = it->next;
			if (++n > REPOS_PER_BLOB)
				cJSON_Delete(cJSON_DetachItemViaPointer(arr, it));
		}
	}
	ret = json_write_file(path, j, 0600, err);
	lock_release(lock);
	return ret;
}
