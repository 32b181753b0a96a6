/* env.h: the environment a container process gets, as runc builds it. */
#ifndef KIST_RUNTIME_ENV_H
#define KIST_RUNTIME_ENV_H

#include <stdint.h> /* uint32_t */

/* process.env with duplicate names folded (the last value wins, at the
 * first one's place) and HOME, when missing or empty, taken from the
 * /etc/passwd under root_fd (the container's root) for uid, else "/".
 * Returns a new vector (strv_free). */
char **rt_env_build(char *const *env, int root_fd, uint32_t uid);

#endif
