/* defaults.h: the default runtime config.json that `kist-runtime spec`
 * prints: the same shape and values as `runc spec` (and `runc spec
 * --rootless`), with kist's runtime-spec version and hostname. */
#ifndef KIST_SPEC_DEFAULTS_H
#define KIST_SPEC_DEFAULTS_H

#include <cjson/cJSON.h> /* cJSON */
#include <stdbool.h>     /* bool */

/* The OCI runtime-spec version kist writes into config.json ("1.1.0"). */
const char *spec_runtime_version(void);

/* A new tree (aborts on OOM).  rootless: a user namespace mapping root to
 * the caller's uid/gid, no network namespace, /sys bind-mounted, no device
 * cgroup rules, devpts without gid=5, as `runc spec --rootless`. */
cJSON *spec_runtime_default(bool rootless);

#endif
