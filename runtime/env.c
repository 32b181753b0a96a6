/* env.c: the process environment (see env.h). */
#include "runtime/env.h"

#include <fcntl.h>  /* O_RDONLY */
#include <stdlib.h> /* strtoul */
#include <string.h> /* strchr */
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/util.h"

/* The home directory of uid in root_fd's /etc/passwd, or "/". */
static char *passwd_home(int root_fd, uint32_t uid)
{
	cleanup_free char *data = NULL;
	char *line, *save = NULL;
	/* resolved inside the container's root: an absolute symlink in the
	 * image must not make us read a host file */
	cleanup_close int fd = fs_open_in_root(root_fd, "/etc/passwd", O_RDONLY, 0, NULL);

	if (fd < 0 || fs_read_fd(fd, 1u << 20, &data, NULL, NULL) < 0)
		return xstrdup("/");
	for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[7] = {0};
		int n = 0;

		for (char *s = line; n < 7; n++) {
			f[n] = s;
			s = strchr(s, ':');
			if (!s)
				break;
			*s++ = '\0';
		}
		if (n >= 5 && f[2] && strtoul(f[2], NULL, 10) == uid && f[5] && f[5][0])
			return xstrdup(f[5]);
	}
	return xstrdup("/");
}

static size_t name_len(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq ? (size_t)(eq - kv) : strlen(kv);
}

char **rt_env_build(char *const *env, int root_fd, uint32_t uid)
{
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0;
	bool home = false;

	for (size_t i = 0; env && env[i]; i++) {
		size_t k = name_len(env[i]), j;
		for (j = 0; j < n; j++)
			if (name_len(v[j]) == k && strncmp(v[j], env[i], k) == 0)
				break;
		if (j < n) {
			free(v[j]);
			v[j] = xstrdup(env[i]);
			continue;
		}
		strv_push(&v, env[i]);
		n++;
	}
	for (size_t j = 0; j < n; j++)
		if (str_has_prefix(v[j], "HOME=") && v[j][5])
			home = true;
	if (!home) {
		cleanup_free char *dir = passwd_home(root_fd, uid);
		cleanup_free char *kv = xasprintf("HOME=%s", dir);
		size_t j;
		for (j = 0; j < n && !str_has_prefix(v[j], "HOME="); j++)
			;
		if (j < n) {
			free(v[j]);
			v[j] = steal_pointer(&kv);
		} else
			strv_push(&v, kv);
	}
	return v;
}
