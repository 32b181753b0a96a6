/* security.h: what kist-runtime does to confine a container process:
 * capabilities (libcap), seccomp (libseccomp), OCI hooks, and running from a
 * sealed copy of its own binary (CVE-2019-5736).
 *
 * Convention: functions that can fail return <0 and set *err; NULL inputs
 * mean "nothing to do" and succeed.  The *_prepare functions run in the
 * runtime before it forks (they validate and allocate); the others run in
 * the container child and only make syscalls on prepared data.
 *
 * Order in the container child (runc's standard init does the same):
 *   [rt_seccomp_load here instead when noNewPrivileges is false: loading a
 *    filter without no_new_privs needs CAP_SYS_ADMIN, which setuid to a
 *    non-root user takes away; the filter must then allow what follows]
 *   rt_caps_before_setuid   bounding set dropped, PR_SET_KEEPCAPS
 *   setgroups/setgid/setuid
 *   rt_caps_after_setuid    permitted, effective, inheritable, ambient
 *   prctl(PR_SET_NO_NEW_PRIVS) when noNewPrivileges is true
 *   rt_seccomp_load         last step before execve
 */
#ifndef KIST_RUNTIME_SECURITY_H
#define KIST_RUNTIME_SECURITY_H

#include "common/json.h" /* cJSON (the tools' way to include it) */

#include <stdbool.h>   /* bool */
#include <sys/types.h> /* pid_t */

struct err;
struct rt_caps;
struct rt_seccomp;
struct spec_config;

/* capabilities: process.capabilities {bounding,effective,inheritable,
 * permitted,ambient} (arrays of "CAP_*" names).  A name libcap does not know
 * fails: "unknown capability 'CAP_FOO' in 'process.capabilities.bounding'".
 * A name known to libcap but not to the running kernel is dropped with a
 * warning, as runc does.  NULL capabilities: *out = NULL, nothing changes. */
int rt_caps_prepare(const cJSON *capabilities, struct rt_caps **out, struct err **err);
/* Child, still uid 0: drop from the bounding set every capability not listed,
 * set PR_SET_KEEPCAPS so permitted survives setuid.  c may be NULL. */
int rt_caps_before_setuid(const struct rt_caps *c, struct err **err);
/* Child, after setuid/setgid: set permitted, effective and inheritable,
 * then the ambient set; clears PR_SET_KEEPCAPS.  c may be NULL. */
int rt_caps_after_setuid(const struct rt_caps *c, struct err **err);
void rt_caps_free(struct rt_caps *c);

/* seccomp: linux.seccomp (defaultAction, defaultErrnoRet, architectures,
 * flags, syscalls[{names, action, errnoRet, args[{index,value,valueTwo,op}]}]).
 * Compiled to BPF with libseccomp in the parent.  Unknown syscall names are
 * skipped with a debug line; an unknown action, op, arch or flag fails naming
 * the field.  SCMP_ACT_NOTIFY needs listenerPath: the filter is then loaded
 * with SECCOMP_FILTER_FLAG_NEW_LISTENER and its fd goes to the listener.
 * NULL seccomp: *out = NULL.  With cache_dir (the state root) a program
 * compiled before from the same profile, libseccomp and kernel is read from
 * cache_dir/.seccomp instead of compiled again, and a new one is kept there. */
int rt_seccomp_prepare(const cJSON *seccomp, const char *cache_dir, struct rt_seccomp **out,
		       struct err **err);
/* Child: install the filter (seccomp(2) with the spec's flags).  Does not set
 * no_new_privs itself.  s may be NULL.  With a notifying profile the
 * listener fd goes over listener_sock (connected to listenerPath) as the
 * runtime spec's message: {"ociVersion", "fds": ["seccompFd"], "pid",
 * "metadata", "state"}, with the fd as SCM_RIGHTS; state and pid are used
 * only then (state may be NULL otherwise). */
int rt_seccomp_load(const struct rt_seccomp *s, int listener_sock, const cJSON *state, pid_t pid,
		    struct err **err);
/* listenerPath when the profile notifies, else NULL (s may be NULL). */
const char *rt_seccomp_listener(const struct rt_seccomp *s);
void rt_seccomp_free(struct rt_seccomp *s);

/* Run hooks[kind] in order: each gets state_json on stdin, its own args and
 * env (inherits the runtime's environment when env is absent) and is killed
 * after "timeout" seconds.  Returns -1 at the first failure, with an error
 * naming the hook ("prestart hook '/x' exited with status 1: <its output>").
 * For poststart and poststop it only logs warnings and returns 0 (the spec
 * says their failure must not fail the operation).  kind is one of
 * "prestart", "createRuntime", "createContainer", "startContainer",
 * "poststart", "poststop".  hooks may be NULL. */
int rt_hooks_run(const cJSON *hooks, const char *kind, const char *state_json, struct err **err);
/* Validate config "hooks" without running anything (kinds, path absolute,
 * args/env/timeout types).  For create: fail before any state exists. */
int rt_hooks_validate(const cJSON *hooks, struct err **err);

/* First call in main() (CVE-2019-5736, cloned_binary.c).  For exec (and,
 * in a runtime built without the trampoline, create and run) re-execs the
 * runtime from a read-only overlay of its binary (else a sealed memfd
 * copy), so a container process that reaches /proc/<pid>/exe cannot write
 * to the binary on the host.  Does nothing when already so protected or
 * for other verbs.  If no protected copy can be run it prints a warning on
 * stderr and carries on. */
void rt_cloned_binary_ensure(int argc, char **argv, char **envp);
/* For create and run once the config is read: a sealed memfd holding the
 * exec trampoline the init is to exec its program through, when that
 * protects this container; else -1, after re-executing the runtime as
 * rt_cloned_binary_ensure does (which returns only when already protected
 * or when no protected copy can be run). */
int rt_cloned_binary_trampoline(const struct spec_config *cfg);
/* Does the OCI seccomp profile (NULL: none) let syscall name through
 * whatever its arguments: no rule for it and an allowing default, or a
 * rule allowing it without conditions? */
bool rt_seccomp_plainly_allows(const cJSON *seccomp, const char *name);

#endif
