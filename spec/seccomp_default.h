/* seccomp_default.h: docker's default seccomp profile, as an OCI
 * linux.seccomp object for the architecture kist was built for.
 *
 * The profile is an allow-list: defaultAction SCMP_ACT_ERRNO with
 * defaultErrnoRet EPERM, the native architecture and its compat ones, and
 * the syscalls docker allows.  Some entries depend on the container's
 * capabilities (mount, unshare, setns... need CAP_SYS_ADMIN; ptrace-like ones
 * CAP_SYS_PTRACE; etc.) exactly as in docker's profile. */
#ifndef KIST_SPEC_SECCOMP_DEFAULT_H
#define KIST_SPEC_SECCOMP_DEFAULT_H

#include <cjson/cJSON.h> /* cJSON */

/* The profile for docker's default capability set (CAP_CHOWN,
 * CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW,
 * CAP_SETGID, CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE,
 * CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE).  New tree; aborts on OOM. */
cJSON *spec_seccomp_default(void);

/* The profile for a container whose bounding set is caps (NULL-terminated
 * "CAP_*" names, e.g. after --cap-add/--cap-drop).  caps == NULL means
 * docker's default set. */
cJSON *spec_seccomp_default_for_caps(const char *const *caps);

/* Docker's default capability set, NULL-terminated. */
extern const char *const spec_default_caps[];

#endif
