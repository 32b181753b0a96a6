/* convert.h: image config + user overrides -> OCI runtime config.json, with
 * docker's defaults (the config.json dockerd/containerd would write for
 * `docker run` with the same options).
 *
 * OVERRIDES is a JSON object (what `kist-store create-container --name N
 * IMAGE [OVERRIDES]` takes).  Keys use docker's Config / HostConfig names;
 * any other key is an error naming it.  Every key is optional.
 *
 *   container (docker Config):
 *     Cmd            [string] or string   replaces the image's Cmd
 *     Entrypoint     [string] or string   replaces the image's Entrypoint and
 *                                          clears its Cmd (as docker does);
 *                                          [] or "" or [""] means no entrypoint
 *     Env            ["K=V"]              overrides the image's env by key;
 *                                          "K" alone removes K
 *     WorkingDir     string               absolute path; default image's, else "/"
 *     User           string               "uid[:gid]" numeric, or names looked up
 *                                          in the rootfs's /etc/passwd, /etc/group
 *     Tty            bool                 process.terminal (adds TERM=xterm)
 *     OpenStdin      bool                 accepted; stdin is the caller's business
 *     Hostname       string               default: opts->hostname
 *     Domainname     string
 *     Labels         {"k":"v"}            merged over the image's labels; all
 *                                          labels become annotations
 *     StopSignal     string               annotation org.opencontainers.image.stopSignal
 *     Volumes        {"/path":{}}         added to the image's volumes
 *     ExposedPorts   {"80/tcp":{}}        added to the image's ports
 *   host (docker HostConfig):
 *     Memory, MemorySwap, MemoryReservation   bytes (MemorySwap -1: unlimited;
 *                                          unset with Memory: twice Memory)
 *     NanoCpus       int                  CPUs * 1e9 -> cpu quota over a 100ms period
 *     CpuShares, CpuQuota, CpuPeriod   int
 *     CpusetCpus, CpusetMems            string
 *     PidsLimit      int                  > 0 sets pids.limit
 *     CapAdd, CapDrop ["NAME"]            "CAP_" optional, any case, "ALL"
 *     Privileged     bool                 all capabilities and devices, no
 *                                          masked/readonly paths, no seccomp,
 *                                          /sys and cgroup writable
 *     ReadonlyRootfs bool
 *     Binds          ["src:dst[:opts]"]   src and dst absolute; opts from ro, rw,
 *                                          z, Z, nocopy, [r]private, [r]shared,
 *                                          [r]slave (named volumes are resolved to
 *                                          paths by the caller)
 *     Tmpfs          {"/dst":"opts"}      tmpfs mounts (nosuid,noexec,nodev + opts)
 *     ShmSize        int                  bytes of /dev/shm (default 64 MiB)
 *     NetworkNamespacePath string          join this network namespace
 *     NetworkMode, PidMode, IpcMode, UTSMode, CgroupnsMode   "host" shares the
 *                                          host's namespace; "" / "private" /
 *                                          "none" / "bridge" / "default" keep a new one
 *     Sysctls        {"k":"v"}            namespaced ones only (net.*, kernel.shm*,
 *                                          kernel.msg*, kernel.sem, fs.mqueue.*)
 *     Ulimits        [{"Name":"nofile","Soft":n,"Hard":n}]
 *     SecurityOpt    ["seccomp=unconfined" | "seccomp=FILE" | "no-new-privileges[:true|:false]"]
 *                    FILE is a docker seccomp profile (or an OCI linux.seccomp
 *                    object); without one, docker's default profile for the
 *                    resulting capabilities
 *     GroupAdd       ["name" or "gid"]    extra groups
 *     OomScoreAdj    int                  -1000..1000
 *     Annotations    {"k":"v"}            extra OCI annotations
 *     Init           string               docker's --init: this host path (an init
 *                                          such as kist-init) is bound read-only at
 *                                          SPEC_INIT_PATH and runs the command:
 *                                          args become [SPEC_INIT_PATH, "--", ...]
 *
 * The image's volumes and exposed ports are recorded as annotations
 * SPEC_ANNOTATION_VOLUMES / SPEC_ANNOTATION_PORTS (JSON arrays as text, e.g.
 * ["/data"]); creating the volumes is the caller's business.
 */
#ifndef KIST_SPEC_CONVERT_H
#define KIST_SPEC_CONVERT_H

#include <cjson/cJSON.h> /* cJSON */
#include "spec/image.h"  /* struct spec_image_config */

struct err;

#define SPEC_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define SPEC_INIT_PATH "/sbin/docker-init"
#define SPEC_ANNOTATION_STOP_SIGNAL "org.opencontainers.image.stopSignal"
#define SPEC_ANNOTATION_VOLUMES "io.kist.image.volumes"
#define SPEC_ANNOTATION_PORTS "io.kist.image.exposed-ports"
/* RLIMIT_NOFILE docker gives containers, capped at this process's hard limit. */
#define SPEC_DEFAULT_NOFILE 1048576
#define SPEC_DEFAULT_SHM_SIZE (64LL << 20)

struct spec_convert_opts {
	const char *rootfs;    /* host path of the rootfs, for user/group names; or NULL */
	const char *root_path; /* root.path in config.json; NULL: "rootfs" */
	const char *hostname;  /* hostname when the overrides give none; NULL: none set */
	/* Host files bind-mounted (rbind, rprivate) over /etc/resolv.conf,
	 * /etc/hosts and /etc/hostname as docker does; NULL: not mounted.  A
	 * user bind on the same destination wins. */
	const char *resolv_conf;
	const char *hosts;
	const char *hostname_file;
};
#define SPEC_CONVERT_OPTS_INIT                                                                     \
	{                                                                                          \
		0                                                                                  \
	}

/* Build config.json.  img may be NULL (no image config), overrides may be
 * NULL, opts may be NULL.  *out is a new tree owned by the caller. */
int spec_convert(const struct spec_image_config *img, const cJSON *overrides,
		 const struct spec_convert_opts *opts, cJSON **out, struct err **err);

/* Docker's capability set after cap-add / cap-drop (names as above; either
 * may be NULL), as a NULL-terminated malloc'd vector of "CAP_*" names. */
int spec_caps_apply(char *const *add, char *const *drop, bool privileged, char ***out,
		    struct err **err);

/* Load a seccomp profile file: docker's format (archMap, includes/excludes
 * by caps, arches and minKernel, resolved for this machine and caps, a
 * NULL-terminated "CAP_*" vector) or an OCI linux.seccomp object.  *out is
 * a new linux.seccomp object. */
int spec_seccomp_load(const char *path, char *const *caps, cJSON **out, struct err **err);

/* Resolve "user[:group]" against rootfs (may be NULL: numeric only) the way
 * docker does; extra_groups (names or gids, may be NULL) are added to the
 * supplementary groups.  *gids is malloc'd (n_gids entries), *home the
 * user's home directory or NULL. */
int spec_resolve_user(const char *rootfs, const char *user, char *const *extra_groups,
		      unsigned *uid, unsigned *gid, unsigned **gids, size_t *n_gids, char **home,
		      struct err **err);

#endif
