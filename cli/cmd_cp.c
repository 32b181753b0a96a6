/* cmd_cp.c: `kist cp`: docker cp's command line; kist-store, which owns
 * the containers' filesystems, does the copy (`kist-store cp`). */
#include <stddef.h> /* NULL */

#include "cli/kist.h"

static const struct kflag cp_flags[] = {
    {"archive", 'a', KF_BOOL, NULL, "Archive mode (copy all uid/gid information)", NULL},
    {"follow-link", 'L', KF_BOOL, NULL, "Always follow symbol link in SRC_PATH", NULL},
    {"quiet", 'q', KF_BOOL, NULL, "Suppress progress output during copy (kist prints none)", ""},
    {NULL, 0, KF_BOOL, NULL, NULL, NULL},
};

const struct kverb kist_v_cp = {
    "cp",
    "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n"
    "\tkist cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
    "Copy files/folders between a container and the local filesystem",
    "kist container cp, kist cp",
    "kist-store",
    "cp",
    cp_flags,
    2,
    2,
    NULL,
    NULL,
};
