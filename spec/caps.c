/* caps.c: docker's capability set with cap-add / cap-drop applied. */
#define _GNU_SOURCE
#include <ctype.h>   /* toupper */
#include <errno.h>   /* EINVAL */
#include <stdarg.h>  /* va_list */
#include <stdint.h>  /* uint64_t */
#include <stdio.h>   /* snprintf */
#include <stdlib.h>  /* free, strtol */
#include <string.h>  /* strcasecmp */
#include <strings.h> /* strncasecmp */

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"
#include "spec/convert.h"
#include "spec/seccomp_default.h"

/* ---- capabilities ---- */

/* clang-format off */
static const char *const cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
	"CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};
/* clang-format on */

static int last_cap(void)
{
	cleanup_free char *text = NULL;
	long v;

	if (fs_read_all("/proc/sys/kernel/cap_last_cap", 64, &text, NULL, NULL) < 0)
		return (int)ARRAY_SIZE(cap_names) - 1;
	v = strtol(text, NULL, 10);
	if (v <= 0 || v >= (long)ARRAY_SIZE(cap_names))
		return (int)ARRAY_SIZE(cap_names) - 1;
	return (int)v;
}

/* The caller's bounding set (/proc/self/status CapBnd): what a container
 * it starts can be given.  All ones when it cannot be read. */
static uint64_t bounding_set(void)
{
	cleanup_free char *text = NULL;
	const char *line;

	if (fs_read_all("/proc/self/status", 1u << 16, &text, NULL, NULL) < 0)
		return ~0ULL;
	line = strstr(text, "\nCapBnd:");
	if (!line)
		return ~0ULL;
	return strtoull(line + strlen("\nCapBnd:"), NULL, 16);
}

/* Index of a capability name ("net_admin", "CAP_NET_ADMIN"), -2 for ALL, -1
 * unknown. */
static int cap_index(const char *name)
{
	char buf[64];
	size_t i, n = 0;

	if (strcasecmp(name, "ALL") == 0)
		return -2;
	if (strncasecmp(name, "CAP_", 4) != 0)
		n = (size_t)snprintf(buf, sizeof(buf), "CAP_");
	for (i = 0; name[i] && n < sizeof(buf) - 1; i++)
		buf[n++] = (char)toupper((unsigned char)name[i]);
	buf[n] = '\0';
	for (i = 0; i < ARRAY_SIZE(cap_names); i++)
		if (streq(buf, cap_names[i]))
			return (int)i;
	return -1;
}

static int cap_mask(char *const *v, const char *what, uint64_t *mask, bool *all, struct err **err)
{
	for (; v && *v; v++) {
		int i = cap_index(*v);

		if (i == -1)
			return err_set_code(err, EINVAL, "unknown capability '%s' in %s", *v, what);
		if (i == -2)
			*all = true;
		else
			*mask |= 1ULL << i;
	}
	return 0;
}

int spec_caps_apply(char *const *add, char *const *drop, bool privileged, char ***out,
		    struct err **err)
{
	uint64_t add_m = 0, drop_m = 0, caps = 0, all = 0;
	bool add_all = false, drop_all = false;
	int last = last_cap(), i;
	char **r = xcalloc(ARRAY_SIZE(cap_names) + 1, sizeof(*r));
	size_t n = 0;
	const char *const *d;

	for (i = 0; i <= last; i++)
		all |= 1ULL << i;
	/* "all" is what this host can give: --privileged and --cap-add ALL as
	 * podman reads them (root may lack some, e.g. CAP_SYS_RESOURCE in a
	 * container, and a runtime cannot grant what it does not hold) */
	all &= bounding_set();
	if (cap_mask(add, "CapAdd", &add_m, &add_all, err) < 0 ||
	    cap_mask(drop, "CapDrop", &drop_m, &drop_all, err) < 0) {
		free(r);
		return -1;
	}
	if (privileged || add_all) {
		caps = all;
	} else if (!drop_all) {
		for (d = spec_default_caps; *d; d++)
			caps |= 1ULL << cap_index(*d);
	}
	if (!privileged)
		caps = (caps & ~drop_m) | add_m;
	caps &= all;
	/* docker's order: its defaults first, then the rest by number */
	if (!privileged && !add_all)
		for (d = spec_default_caps; *d; d++) {
			i = cap_index(*d);
			if (caps & (1ULL << i)) {
				r[n++] = xstrdup(*d);
				caps &= ~(1ULL << i);
			}
		}
	for (i = 0; i <= last; i++)
		if (caps & (1ULL << i))
			r[n++] = xstrdup(cap_names[i]);
	*out = r;
	return 0;
}
