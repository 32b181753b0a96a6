/* cmd_volume.c: kist volume create, ls, inspect, rm, prune: docker's flags,
 * each one exec of kist-store's volume verb (the volumes are its data). */
#define _GNU_SOURCE
#include <stdio.h>  /* printf */
#include <stdlib.h> /* free */

#include "cli/kist.h"
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/util.h"

#define END_FLAGS                                                                                  \
	{                                                                                          \
		NULL, 0, KF_BOOL, NULL, NULL, NULL                                                 \
	}

static const struct kflag create_flags[] = {
    {"driver", 'd', KF_STRING, "string", "Specify volume driver name (default \"local\")", NULL},
    {"label", 0, KF_LIST, "list", "Set metadata for a volume", NULL},
    END_FLAGS,
};
static const struct kverb v_create = {
    "create",
    "[OPTIONS] [VOLUME]",
    "Create a volume",
    NULL,
    "kist-store",
    "volume-create",
    create_flags,
    0,
    1,
    NULL,
    NULL,
};

static const struct kflag ls_flags[] = {
    {"filter", 'f', KF_LIST, "filter", "Provide filter values (e.g. \"dangling=true\")", NULL},
    {"format", 0, KF_STRING, "string",
     "Format output using a custom template: 'table', 'json' or a Go template", NULL},
    {"quiet", 'q', KF_BOOL, NULL, "Only display volume names", NULL},
    END_FLAGS,
};
static const struct kverb v_ls = {
    "ls",
    "[OPTIONS]",
    "List volumes",
    "kist volume ls, kist volume list",
    "kist-store",
    "volume-ls",
    ls_flags,
    0,
    0,
    NULL,
    NULL,
};

static const struct kflag inspect_flags[] = {
    {"format", 'f', KF_STRING, "string",
     "Format output using a custom template: 'json' or a Go template", NULL},
    END_FLAGS,
};
static const struct kverb v_inspect = {
    "inspect",
    "[OPTIONS] VOLUME [VOLUME...]",
    "Display detailed information on one or more volumes",
    NULL,
    "kist-store",
    "volume-inspect",
    inspect_flags,
    1,
    -1,
    NULL,
    "volume",
};

static const struct kflag rm_flags[] = {
    {"force", 'f', KF_BOOL, NULL, "Force the removal of one or more volumes", NULL},
    END_FLAGS,
};
static const struct kverb v_rm = {
    "rm",
    "[OPTIONS] VOLUME [VOLUME...]",
    "Remove one or more volumes. You cannot remove a volume that is in use by a container.",
    "kist volume rm, kist volume remove",
    "kist-store",
    "volume-rm",
    rm_flags,
    1,
    -1,
    NULL,
    "volume",
};

static int volume_prune(const struct kist *k, const struct kverb *v, char **args,
			const char *const *vals, struct err **err)
{
	if (!vals[2]) {
		cleanup_free char *line = NULL;
		size_t cap = 0;

		printf("WARNING! This will remove %s local volumes not used by at least one "
		       "container.\nAre you sure you want to continue? [y/N] ",
		       vals[0] ? "all" : "anonymous");
		fflush(stdout);
		if (getline(&line, &cap, stdin) < 0 || (line[0] != 'y' && line[0] != 'Y'))
			return EXIT_OK;
	}
	return kist_run(k, v->prog, args, NULL, err);
}

/* in the order volume_prune reads vals[] */
static const struct kflag prune_flags[] = {
    {"all", 'a', KF_BOOL, NULL, "Remove all unused volumes, not just anonymous ones", NULL},
    {"filter", 0, KF_LIST, "filter", "Provide filter values (e.g. \"label=<label>\")", NULL},
    {"force", 'f', KF_BOOL, NULL, "Do not prompt for confirmation", ""},
    END_FLAGS,
};
static const struct kverb v_prune = {
    "prune",
    "[OPTIONS]",
    "Remove unused local volumes",
    NULL,
    "kist-store",
    "volume-prune",
    prune_flags,
    0,
    0,
    volume_prune,
    NULL,
};

const struct kentry kist_volume_verbs[] = {
    {"create", &v_create, false}, {"inspect", &v_inspect, false},
    {"ls", &v_ls, false},         {"list", &v_ls, true},
    {"prune", &v_prune, false},   {"rm", &v_rm, false},
    {"remove", &v_rm, true},      {NULL, NULL, false},
};
