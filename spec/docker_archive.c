/* docker_archive.c: a docker-archive's manifest.json (docker_archive.h). */
#include "spec/docker_archive.h"

#include <stdio.h>  /* snprintf */
#include <stdlib.h> /* free */
#include <string.h> /* strlen */
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/util.h"

const char *spec_archive_name_clean(const char *name)
{
	/* in any order: "///./x" is "x" too */
	for (;;) {
		if (name[0] == '.' && name[1] == '/')
			name += 2;
		else if (name[0] == '/')
			name++;
		else
			return name;
	}
}

bool spec_archive_name_blob(const char *name, char out[DIGEST_STR_MAX])
{
	const char *hex;

	if (!str_has_prefix(name, "blobs/sha256/"))
		return false;
	hex = name + strlen("blobs/sha256/");
	if (!digest_hex_is_valid(hex))
		return false;
	snprintf(out, DIGEST_STR_MAX, "sha256:%s", hex);
	return true;
}

static void image_release(struct spec_archive_image *im)
{
	free(im->config);
	strv_free(im->repo_tags);
	strv_free(im->layers);
}

/* Clean every name of v in place; an empty one is refused. */
static int clean_names(char **v, const char *path, struct err **err)
{
	for (size_t i = 0; v && v[i]; i++) {
		const char *c = spec_archive_name_clean(v[i]);

		if (!*c)
			return err_set(err, 0, "'%s[%zu]': empty entry name", path, i);
		memmove(v[i], c, strlen(c) + 1);
	}
	return 0;
}

static int image_parse(const cJSON *j, size_t idx, struct spec_archive_image *out, struct err **err)
{
	char path[48], field[64];
	const char *config;

	snprintf(path, sizeof(path), "manifest.json[%zu]", idx);
	if (!cJSON_IsObject(j))
		return err_set(err, 0, "'%s' must be an object", path);
	if (json_get_string(j, path, "Config", true, &config, err) < 0)
		return -1;
	config = spec_archive_name_clean(config);
	if (!*config)
		return err_set(err, 0, "'%s.Config': empty entry name", path);
	out->config = xstrdup(config);
	if (json_get_strv(j, path, "Layers", true, &out->layers, err) < 0)
		return -1;
	out->n_layers = strv_len(out->layers);
	snprintf(field, sizeof(field), "%s.Layers", path);
	if (clean_names(out->layers, field, err) < 0)
		return -1;
	if (json_get_strv(j, path, "RepoTags", false, &out->repo_tags, err) < 0)
		return -1;
	return 0;
}

int spec_archive_manifest_parse(const char *data, size_t len, struct spec_archive_manifest *out,
				struct err **err)
{
	cleanup_json cJSON *j = json_parse(data, len, "manifest.json", err);
	struct spec_archive_manifest m = SPEC_ARCHIVE_MANIFEST_INIT;
	const cJSON *it;

	if (!j)
		return -1;
	if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) == 0)
		return err_set(err, 0, "archive: manifest.json must be a non-empty array");
	m.images = xcalloc((size_t)cJSON_GetArraySize(j), sizeof(*m.images));
	cJSON_ArrayForEach(it, j)
	{
		if (image_parse(it, m.n_images, &m.images[m.n_images], err) < 0) {
			m.n_images++;
			spec_archive_manifest_release(&m);
			return -1;
		}
		m.n_images++;
	}
	*out = m;
	return 0;
}

void spec_archive_manifest_release(struct spec_archive_manifest *m)
{
	for (size_t i = 0; i < m->n_images; i++)
		image_release(&m->images[i]);
	free(m->images);
	m->images = NULL;
	m->n_images = 0;
}
