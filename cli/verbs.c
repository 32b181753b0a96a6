/* verbs.c: the verb tables (docker's flags, usage and help text) and the
 * one flag parser every verb goes through.  A container verb plugs in as
 * one more struct kverb and one line in kist_verbs or a group. */
#define _GNU_SOURCE
#include <errno.h>  /* errno */
#include <getopt.h> /* struct option */
#include <stdio.h>  /* printf */
#include <stdlib.h> /* strtoll */
#include <string.h> /* strlen */

#include "cli/kist.h"
#include "common/cleanup.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/util.h"

#define END_FLAGS                                                                                  \
	{                                                                                          \
		NULL, 0, KF_BOOL, NULL, NULL, NULL                                                 \
	}
#define FORMAT_HELP "Format output using a custom template: 'table', 'json' or a Go template"

/* ---- images ---- */

static const struct kflag ls_flags[] = {
    {"all", 'a', KF_BOOL, NULL, "Show all images (default hides intermediate images)", NULL},
    {"digests", 0, KF_BOOL, NULL, "Show digests", NULL},
    {"filter", 'f', KF_LIST, "filter", "Filter output based on conditions provided", NULL},
    {"format", 0, KF_STRING, "string", FORMAT_HELP, NULL},
    {"no-trunc", 0, KF_BOOL, NULL, "Don't truncate output", NULL},
    {"quiet", 'q', KF_BOOL, NULL, "Only show image IDs", NULL},
    END_FLAGS,
};
static const struct kverb v_image_ls = {
    "ls",
    "[OPTIONS] [REPOSITORY[:TAG]]",
    "List images",
    "kist image ls, kist image list, kist images",
    "kist-store",
    "ls",
    ls_flags,
    0,
    1,
    NULL,
    NULL,
};

static const struct kflag rm_flags[] = {
    {"force", 'f', KF_BOOL, NULL, "Force removal of the image", NULL},
    {"no-prune", 0, KF_BOOL, NULL, "Do not delete untagged parents", ""},
    END_FLAGS,
};
static const struct kverb v_image_rm = {
    "rm",
    "[OPTIONS] IMAGE [IMAGE...]",
    "Remove one or more images",
    "kist image rm, kist image remove, kist rmi",
    "kist-store",
    "rm",
    rm_flags,
    1,
    -1,
    NULL,
    NULL,
};

static const struct kflag prune_flags[] = {
    {"all", 'a', KF_BOOL, NULL, "Remove all unused images, not just dangling ones", NULL},
    {"force", 'f', KF_BOOL, NULL, "Do not prompt for confirmation", NULL},
    END_FLAGS,
};
static const struct kverb v_image_prune = {
    "prune", "[OPTIONS]", "Remove unused images", NULL, "kist-store", "prune", prune_flags,
    0,       0,           kist_image_prune,       NULL,
};

static const struct kflag no_flags[] = {END_FLAGS};
static const struct kverb v_image_tag = {
    "tag",
    "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
    "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
    "kist image tag, kist tag",
    "kist-store",
    "tag",
    no_flags,
    2,
    2,
    NULL,
    NULL,
};

static const struct kflag save_flags[] = {
    {"output", 'o', KF_STRING, "string", "Write to a file, instead of STDOUT", NULL},
    END_FLAGS,
};
static const struct kverb v_image_save = {
    "save",
    "[OPTIONS] IMAGE [IMAGE...]",
    "Save one or more images to a tar archive (streamed to STDOUT by default)",
    "kist image save, kist save",
    "kist-store",
    "save",
    save_flags,
    1,
    -1,
    NULL,
    NULL,
};

static const struct kflag load_flags[] = {
    {"input", 'i', KF_STRING, "string", "Read from tar archive file, instead of STDIN", NULL},
    {"quiet", 'q', KF_BOOL, NULL, "Suppress the load output", NULL},
    END_FLAGS,
};
static const struct kverb v_image_load = {
    "load",
    "[OPTIONS]",
    "Load an image from a tar archive or STDIN",
    "kist image load, kist load",
    "kist-store",
    "load",
    load_flags,
    0,
    0,
    NULL,
    NULL,
};

static const struct kflag history_flags[] = {
    {"format", 0, KF_STRING, "string", FORMAT_HELP, NULL},
    {"no-trunc", 0, KF_BOOL, NULL, "Don't truncate output", NULL},
    {"quiet", 'q', KF_BOOL, NULL, "Only show image IDs", NULL},
    END_FLAGS,
};
static const struct kverb v_image_history = {
    "history",
    "[OPTIONS] IMAGE",
    "Show the history of an image",
    "kist image history, kist history",
    "kist-store",
    "history",
    history_flags,
    1,
    1,
    NULL,
    NULL,
};

static const struct kflag import_flags[] = {
    {"change", 'c', KF_LIST, "list", "Apply Dockerfile instruction to the created image", NULL},
    {"message", 'm', KF_STRING, "string", "Set commit message for imported image", NULL},
    END_FLAGS,
};
static const struct kverb v_image_import = {
    "import",
    "[OPTIONS] file|- [REPOSITORY[:TAG]]",
    "Import the contents from a tarball to create a filesystem image",
    "kist image import, kist import",
    "kist-store",
    "import",
    import_flags,
    1,
    2,
    NULL,
    NULL,
};

static const struct kflag image_inspect_flags[] = {
    {"format", 'f', KF_STRING, "string", FORMAT_HELP, NULL},
    END_FLAGS,
};
static const struct kverb v_image_inspect = {
    "inspect",
    "[OPTIONS] IMAGE [IMAGE...]",
    "Display detailed information on one or more images",
    NULL,
    "kist-store",
    "inspect",
    image_inspect_flags,
    1,
    -1,
    NULL,
    "image",
};

static const struct kflag inspect_flags[] = {
    {"format", 'f', KF_STRING, "string", FORMAT_HELP, NULL},
    {"size", 's', KF_BOOL, NULL, "Display total file sizes if the type is container", ""},
    {"type", 0, KF_STRING, "string", "Only inspect objects of the given type", ""},
    END_FLAGS,
};
static const struct kverb v_inspect = {
    "inspect",
    "[OPTIONS] NAME|ID [NAME|ID...]",
    "Return low-level information on kist objects",
    NULL,
    "kist-store",
    "inspect",
    inspect_flags,
    1,
    -1,
    kist_inspect,
    "object",
};

static const struct kflag build_flags[] = {
    {"build-arg", 0, KF_LIST, "list", "Set build-time variables", NULL},
    {"file", 'f', KF_STRING, "string", "Name of the Dockerfile (Default is 'PATH/Dockerfile')",
     NULL},
    {"iidfile", 0, KF_STRING, "string", "Write the image ID to the file", NULL},
    {"label", 0, KF_LIST, "list", "Set metadata for an image", NULL},
    {"network", 0, KF_STRING, "string", "Networking mode for the RUN instructions (host, none)",
     NULL},
    {"no-cache", 0, KF_BOOL, NULL, "Do not use cache when building the image", NULL},
    {"output", 'o', KF_LIST, "stringArray", "Output destination (format: \"type=oci,dest=path\")",
     NULL},
    {"platform", 0, KF_STRING, "string", "Set platform if server is multi-platform capable", NULL},
    {"progress", 0, KF_STRING, "string", "Set type of progress output (auto, plain, tty)", NULL},
    {"pull", 0, KF_BOOL, NULL, "Always attempt to pull a newer version of the image", NULL},
    {"quiet", 'q', KF_BOOL, NULL, "Suppress the build output and print image ID on success", NULL},
    {"tag", 't', KF_LIST, "list", "Name and optionally a tag in the \"name:tag\" format", NULL},
    {"target", 0, KF_STRING, "string", "Set the target build stage to build", NULL},
    END_FLAGS,
};
static const struct kverb v_build = {
    "build",
    "[OPTIONS] PATH | -",
    "Build an image from a Dockerfile",
    "kist image build, kist build",
    "kist-build",
    NULL,
    build_flags,
    1,
    1,
    NULL,
    "image",
};

static const struct kflag pull_flags[] = {
    {"platform", 0, KF_STRING, "string", "Set platform if server is multi-platform capable", NULL},
    {"quiet", 'q', KF_BOOL, NULL, "Suppress verbose output", NULL},
    END_FLAGS,
};
static const struct kverb v_image_pull = {
    "pull",
    "[OPTIONS] NAME[:TAG|@DIGEST]",
    "Download an image from a registry",
    "kist image pull, kist pull",
    "kist-fetch",
    "pull",
    pull_flags,
    1,
    1,
    NULL,
    NULL,
};

static const struct kflag push_flags[] = {
    {"quiet", 'q', KF_BOOL, NULL, "Suppress verbose output", NULL},
    END_FLAGS,
};
static const struct kverb v_image_push = {
    "push",
    "[OPTIONS] NAME[:TAG]",
    "Upload an image to a registry",
    "kist image push, kist push",
    "kist-fetch",
    "push",
    push_flags,
    1,
    1,
    NULL,
    NULL,
};

/* ---- registries ---- */

static const struct kflag login_flags[] = {
    {"password", 'p', KF_STRING, "string", "Password", NULL},
    {"password-stdin", 0, KF_BOOL, NULL, "Take the password from stdin", NULL},
    {"username", 'u', KF_STRING, "string", "Username", NULL},
    END_FLAGS,
};
static const struct kverb v_login = {
    "login",
    "[OPTIONS] [SERVER]",
    "Log in to a registry (default docker.io)",
    NULL,
    "kist-fetch",
    "login",
    login_flags,
    0,
    1,
    NULL,
    NULL,
};
static const struct kverb v_logout = {
    "logout",
    "[SERVER]",
    "Log out from a registry (default docker.io)",
    NULL,
    "kist-fetch",
    "logout",
    no_flags,
    0,
    1,
    NULL,
    NULL,
};

/* ---- system ---- */

static const struct kflag version_flags[] = {
    {"format", 'f', KF_STRING, "string", FORMAT_HELP, ""},
    END_FLAGS,
};
static const struct kverb v_version = {
    "version",
    "[OPTIONS]",
    "Show the kist version information",
    NULL,
    NULL,
    NULL,
    version_flags,
    0,
    0,
    kist_version_cmd,
    NULL,
};
static const struct kflag info_flags[] = {
    {"format", 'f', KF_STRING, "string", FORMAT_HELP, ""},
    END_FLAGS,
};
static const struct kverb v_info = {
    "info",
    "[OPTIONS]",
    "Display system-wide information",
    "kist system info, kist info",
    "kist-store",
    "info",
    info_flags,
    0,
    0,
    kist_info,
    NULL,
};
static const struct kverb v_system_df = {
    "df", "[OPTIONS]", "Show kist disk usage", NULL, "kist-store", "du", no_flags, 0, 0, NULL, NULL,
};

/* ---- containers ---- */

/* in the order of cmd_container.c's R_* */
static const struct kflag run_flags[] = {
    {"cap-add", 0, KF_LIST, "list", "Add Linux capabilities", NULL},
    {"cap-drop", 0, KF_LIST, "list", "Drop Linux capabilities", NULL},
    {"cpus", 0, KF_STRING, "decimal", "Number of CPUs", NULL},
    {"detach", 'd', KF_BOOL, NULL, "Run container in background and print container ID", NULL},
    {"entrypoint", 0, KF_STRING, "string", "Overwrite the default ENTRYPOINT of the image", NULL},
    {"env", 'e', KF_LIST, "list", "Set environment variables", NULL},
    {"env-file", 0, KF_LIST, "list", "Read in a file of environment variables", NULL},
    {"hostname", 'h', KF_STRING, "string", "Container host name", NULL},
    {"init", 0, KF_BOOL, NULL,
     "Run an init inside the container that forwards signals and reaps processes", ""},
    {"interactive", 'i', KF_BOOL, NULL, "Keep STDIN open even if not attached", NULL},
    {"label", 'l', KF_LIST, "list", "Set meta data on a container", NULL},
    {"log-opt", 0, KF_LIST, "list", "Log driver options", NULL},
    {"memory", 'm', KF_STRING, "bytes", "Memory limit", NULL},
    {"mount", 0, KF_LIST, "mount", "Attach a filesystem mount to the container", NULL},
    {"name", 0, KF_STRING, "string", "Assign a name to the container", NULL},
    {"pids-limit", 0, KF_INT, "int", "Tune container pids limit (set -1 for unlimited)", NULL},
    {"privileged", 0, KF_BOOL, NULL, "Give extended privileges to this container", NULL},
    {"pull", 0, KF_STRING, "string",
     "Pull image before running (\"always\", \"missing\", \"never\") (default \"missing\")", NULL},
    {"read-only", 0, KF_BOOL, NULL, "Mount the container's root filesystem as read only", NULL},
    {"restart", 0, KF_STRING, "string",
     "Restart policy to apply when a container exits (default \"no\")", NULL},
    {"rm", 0, KF_BOOL, NULL, "Automatically remove the container when it exits", NULL},
    {"security-opt", 0, KF_LIST, "list", "Security Options", NULL},
    {"sig-proxy", 0, KF_BOOL_ON, NULL, "Proxy received signals to the process (default true)", ""},
    {"stop-signal", 0, KF_STRING, "string", "Signal to stop the container", NULL},
    {"stop-timeout", 0, KF_INT, "int", "Timeout (in seconds) to stop a container", NULL},
    {"tmpfs", 0, KF_LIST, "list", "Mount a tmpfs directory", NULL},
    {"tty", 't', KF_BOOL, NULL, "Allocate a pseudo-TTY", NULL},
    {"user", 'u', KF_STRING, "string", "Username or UID (format: <name|uid>[:<group|gid>])", NULL},
    {"volume", 'v', KF_LIST, "list", "Bind mount a volume", NULL},
    {"volumes-from", 0, KF_LIST, "list", "Mount volumes from the specified container(s)", NULL},
    {"workdir", 'w', KF_STRING, "string", "Working directory inside the container", NULL},
    /* networking (cli/network.c reads them from the args, not by index) */
    {"add-host", 0, KF_LIST, "list", "Add a custom host-to-IP mapping (host:ip)", NULL},
    {"dns", 0, KF_LIST, "list", "Set custom DNS servers", NULL},
    {"dns-option", 0, KF_LIST, "list", "Set DNS options", NULL},
    {"dns-search", 0, KF_LIST, "list", "Set custom DNS search domains", NULL},
    {"network", 0, KF_STRING, "network", "Connect a container to a network", NULL},
    {"publish", 'p', KF_LIST, "list", "Publish a container's port(s) to the host", NULL},
    {"publish-all", 'P', KF_BOOL, NULL, "Publish all exposed ports to random ports", NULL},
    END_FLAGS,
};
static const struct kverb v_run = {
    "run",
    "[OPTIONS] IMAGE [COMMAND] [ARG...]",
    "Create and run a new container from an image",
    "kist container run, kist run",
    NULL,
    NULL,
    run_flags,
    1,
    -1,
    kist_run_cmd,
    NULL,
};
static const struct kverb v_create = {
    "create",
    "[OPTIONS] IMAGE [COMMAND] [ARG...]",
    "Create a new container",
    "kist container create, kist create",
    NULL,
    NULL,
    run_flags,
    1,
    -1,
    kist_create,
    NULL,
};

static const struct kflag start_flags[] = {
    {"attach", 'a', KF_BOOL, NULL, "Attach STDOUT/STDERR and forward signals", ""},
    {"interactive", 'i', KF_BOOL, NULL, "Attach container's STDIN", ""},
    END_FLAGS,
};
static const struct kverb v_start = {
    "start",
    "[OPTIONS] CONTAINER [CONTAINER...]",
    "Start one or more stopped containers",
    "kist container start, kist start",
    NULL,
    NULL,
    start_flags,
    1,
    -1,
    kist_start,
    NULL,
};

static const struct kflag stop_flags[] = {
    {"time", 't', KF_INT, "int", "Seconds to wait before killing the container", ""},
    END_FLAGS,
};
static const struct kverb v_stop = {
    "stop",
    "[OPTIONS] CONTAINER [CONTAINER...]",
    "Stop one or more running containers",
    "kist container stop, kist stop",
    NULL,
    NULL,
    stop_flags,
    1,
    -1,
    kist_stop,
    NULL,
};
static const struct kverb v_restart = {
    "restart",
    "[OPTIONS] CONTAINER [CONTAINER...]",
    "Restart one or more containers",
    "kist container restart, kist restart",
    NULL,
    NULL,
    stop_flags,
    1,
    -1,
    kist_stop,
    NULL,
};

static const struct kflag kill_flags[] = {
    {"signal", 's', KF_STRING, "string", "Signal to send to the container", ""},
    END_FLAGS,
};
static const struct kverb v_kill = {
    "kill",
    "[OPTIONS] CONTAINER [CONTAINER...]",
    "Kill one or more running containers",
    "kist container kill, kist kill",
    NULL,
    NULL,
    kill_flags,
    1,
    -1,
    kist_kill,
    NULL,
};

static const struct kflag crm_flags[] = {
    {"force", 'f', KF_BOOL, NULL, "Force the removal of a running container (uses SIGKILL)", ""},
    {"volumes", 'v', KF_BOOL, NULL, "Remove anonymous volumes associated with the container", ""},
    END_FLAGS,
};
static const struct kverb v_rm = {
    "rm",
    "[OPTIONS] CONTAINER [CONTAINER...]",
    "Remove one or more containers",
    "kist container rm, kist container remove, kist rm",
    NULL,
    NULL,
    crm_flags,
    1,
    -1,
    kist_rm,
    NULL,
};

static const struct kflag ps_flags[] = {
    {"all", 'a', KF_BOOL, NULL, "Show all containers (default shows just running)", NULL},
    {"filter", 'f', KF_LIST, "filter", "Filter output based on conditions provided", NULL},
    {"format", 0, KF_STRING, "string", FORMAT_HELP, NULL},
    {"last", 'n', KF_INT, "int", "Show n last created containers (includes all states)", NULL},
    {"latest", 'l', KF_BOOL, NULL, "Show the latest created container (includes all states)", NULL},
    {"no-trunc", 0, KF_BOOL, NULL, "Don't truncate output", NULL},
    {"quiet", 'q', KF_BOOL, NULL, "Only display container IDs", NULL},
    {"size", 's', KF_BOOL, NULL, "Display total file sizes", NULL},
    END_FLAGS,
};
static const struct kverb v_ps = {
    "ls",
    "[OPTIONS]",
    "List containers",
    "kist container ls, kist container list, kist container ps, kist ps",
    "kist-store",
    "ps",
    ps_flags,
    0,
    0,
    NULL,
    NULL,
};

static const struct kflag logs_flags[] = {
    {"details", 0, KF_BOOL, NULL, "Show extra details provided to logs", NULL},
    {"follow", 'f', KF_BOOL, NULL, "Follow log output", NULL},
    {"since", 0, KF_STRING, "string",
     "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" "
     "for 42 minutes)",
     NULL},
    {"tail", 'n', KF_STRING, "string", "Number of lines to show from the end of the logs", NULL},
    {"timestamps", 't', KF_BOOL, NULL, "Show timestamps", NULL},
    {"until", 0, KF_STRING, "string",
     "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" "
     "for 42 minutes)",
     NULL},
    END_FLAGS,
};
static const struct kverb v_logs = {
    "logs",
    "[OPTIONS] CONTAINER",
    "Fetch the logs of a container",
    "kist container logs, kist logs",
    NULL,
    NULL,
    logs_flags,
    1,
    1,
    kist_logs,
    NULL,
};

static const struct kflag exec_flags[] = {
    {"detach", 'd', KF_BOOL, NULL, "Detached mode: run command in the background", ""},
    {"env", 'e', KF_LIST, "list", "Set environment variables", NULL},
    {"interactive", 'i', KF_BOOL, NULL, "Keep STDIN open even if not attached", ""},
    {"tty", 't', KF_BOOL, NULL, "Allocate a pseudo-TTY", ""},
    {"user", 'u', KF_STRING, "string", "Username or UID (format: \"<name|uid>[:<group|gid>]\")",
     ""},
    {"workdir", 'w', KF_STRING, "string", "Working directory inside the container", ""},
    END_FLAGS,
};
static const struct kverb v_exec = {
    "exec",
    "[OPTIONS] CONTAINER COMMAND [ARG...]",
    "Execute a command in a running container",
    "kist container exec, kist exec",
    NULL,
    NULL,
    exec_flags,
    2,
    -1,
    kist_exec,
    NULL,
};

static const struct kflag attach_flags[] = {
    {"detach-keys", 0, KF_STRING, "string", "Override the key sequence for detaching a container",
     ""},
    {"no-stdin", 0, KF_BOOL, NULL, "Do not attach STDIN", ""},
    {"sig-proxy", 0, KF_BOOL_ON, NULL, "Proxy all received signals to the process (default true)",
     ""},
    END_FLAGS,
};
static const struct kverb v_attach = {
    "attach",
    "[OPTIONS] CONTAINER",
    "Attach local standard input, output, and error streams to a running container",
    "kist container attach, kist attach",
    NULL,
    NULL,
    attach_flags,
    1,
    1,
    kist_attach,
    NULL,
};

/* the shim's exit command for a detached container (hidden) */
static const struct kflag cleanup_flags[] = {
    {"rm", 0, KF_BOOL, NULL, "Remove the container and its anonymous volumes", ""},
    END_FLAGS,
};
static const struct kverb v_cleanup = {
    "cleanup",
    "[OPTIONS] CONTAINER",
    "Release a stopped container's network, or remove it (--rm)",
    NULL,
    NULL,
    NULL,
    cleanup_flags,
    1,
    1,
    kist_cleanup,
    NULL,
};
static const struct kverb v_wait = {
    "wait",
    "CONTAINER [CONTAINER...]",
    "Block until one or more containers stop, then print their exit codes",
    "kist container wait, kist wait",
    NULL,
    NULL,
    no_flags,
    1,
    -1,
    kist_wait,
    NULL,
};
static const struct kverb v_pause = {
    "pause",
    "CONTAINER [CONTAINER...]",
    "Pause all processes within one or more containers",
    "kist container pause, kist pause",
    NULL,
    "pause",
    no_flags,
    1,
    -1,
    kist_runtime_verb,
    NULL,
};
static const struct kverb v_unpause = {
    "unpause",
    "CONTAINER [CONTAINER...]",
    "Unpause all processes within one or more containers",
    "kist container unpause, kist unpause",
    NULL,
    "resume",
    no_flags,
    1,
    -1,
    kist_runtime_verb,
    NULL,
};
static const struct kverb v_top = {
    "top",
    "CONTAINER",
    "Display the running processes of a container",
    "kist container top, kist top",
    NULL,
    "ps",
    no_flags,
    1,
    1,
    kist_runtime_verb,
    NULL,
};
static const struct kverb v_rename = {
    "rename",
    "CONTAINER NEW_NAME",
    "Rename a container",
    "kist container rename, kist rename",
    "kist-store",
    "rename-container",
    no_flags,
    2,
    2,
    NULL,
    NULL,
};
static const struct kflag commit_flags[] = {
    {"author", 'a', KF_STRING, "string",
     "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")", NULL},
    {"change", 'c', KF_LIST, "list", "Apply Dockerfile instruction to the created image", NULL},
    {"message", 'm', KF_STRING, "string", "Commit message", NULL},
    END_FLAGS,
};
static const struct kverb v_commit = {
    "commit",
    "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
    "Create a new image from a container's changes",
    "kist container commit, kist commit",
    "kist-store",
    "commit",
    commit_flags,
    1,
    2,
    NULL,
    "container",
};
static const struct kflag export_flags[] = {
    {"output", 'o', KF_STRING, "string", "Write to a file, instead of STDOUT", NULL},
    END_FLAGS,
};
static const struct kverb v_export = {
    "export",
    "[OPTIONS] CONTAINER",
    "Export a container's filesystem as a tar archive",
    "kist container export, kist export",
    "kist-store",
    "export",
    export_flags,
    1,
    1,
    NULL,
    "container",
};
static const struct kverb v_diff = {
    "diff",
    "CONTAINER",
    "Inspect changes to files or directories on a container's filesystem",
    "kist container diff, kist diff",
    "kist-store",
    "diff",
    no_flags,
    1,
    1,
    NULL,
    "container",
};
static const struct kflag cprune_flags[] = {
    {"force", 'f', KF_BOOL, NULL, "Do not prompt for confirmation", ""},
    END_FLAGS,
};
static const struct kverb v_container_prune = {
    "prune",
    "[OPTIONS]",
    "Remove all stopped containers",
    NULL,
    NULL,
    NULL,
    cprune_flags,
    0,
    0,
    kist_container_prune,
    NULL,
};
static const struct kverb v_container_inspect = {
    "inspect",
    "[OPTIONS] CONTAINER [CONTAINER...]",
    "Display detailed information on one or more containers",
    NULL,
    "kist-store",
    "inspect-container",
    image_inspect_flags,
    1,
    -1,
    NULL,
    "container",
};

/* ---- networks (kist-net) ---- */

static const struct kverb v_port = {
    "port",
    "CONTAINER [PRIVATE_PORT[/PROTO]]",
    "List port mappings or a specific mapping for the container",
    "kist container port, kist port",
    NULL,
    NULL,
    no_flags,
    1,
    2,
    kist_port,
    NULL,
};
static const struct kflag net_create_flags[] = {
    {"driver", 'd', KF_STRING, "string", "Driver to manage the Network (default \"bridge\")", NULL},
    {"gateway", 0, KF_STRING, "string", "IPv4 Gateway for the master subnet", NULL},
    {"subnet", 0, KF_STRING, "string", "Subnet in CIDR format that represents a network segment",
     NULL},
    END_FLAGS,
};
static const struct kverb v_network_create = {
    "create",
    "[OPTIONS] NETWORK",
    "Create a network",
    NULL,
    "kist-net",
    "create",
    net_create_flags,
    1,
    1,
    NULL,
    NULL,
};
static const struct kflag net_ls_flags[] = {
    {"no-trunc", 0, KF_BOOL, NULL, "Do not truncate the output", NULL},
    {"quiet", 'q', KF_BOOL, NULL, "Only display network IDs", NULL},
    END_FLAGS,
};
static const struct kverb v_network_ls = {
    "ls",
    "[OPTIONS]",
    "List networks",
    "kist network ls, kist network list",
    "kist-net",
    "ls",
    net_ls_flags,
    0,
    0,
    NULL,
    NULL,
};
static const struct kverb v_network_rm = {
    "rm",
    "NETWORK [NETWORK...]",
    "Remove one or more networks",
    "kist network rm, kist network remove",
    "kist-net",
    "rm",
    no_flags,
    1,
    -1,
    NULL,
    NULL,
};
static const struct kverb v_network_inspect = {
    "inspect",
    "[OPTIONS] NETWORK [NETWORK...]",
    "Display detailed information on one or more networks",
    NULL,
    "kist-net",
    "inspect",
    image_inspect_flags,
    1,
    -1,
    NULL,
    NULL,
};

/* ---- tables ---- */

/* clang-format off */
const struct kentry kist_commands[] = {
    {"attach", &v_attach, false},
    {"build", &v_build, false},
    {"commit", &v_commit, false},
    {"cp", &kist_v_cp, false},
    {"create", &v_create, false},
    {"diff", &v_diff, false},
    {"exec", &v_exec, false},
    {"export", &v_export, false},
    {"history", &v_image_history, false},
    {"images", &v_image_ls, false},
    {"import", &v_image_import, false},
    {"info", &v_info, false},
    {"inspect", &v_inspect, false},
    {"kill", &v_kill, false},
    {"load", &v_image_load, false},
    {"login", &v_login, false},
    {"logout", &v_logout, false},
    {"logs", &v_logs, false},
    {"pause", &v_pause, false},
    {"port", &v_port, false},
    {"ps", &v_ps, false},
    {"pull", &v_image_pull, false},
    {"push", &v_image_push, false},
    {"rename", &v_rename, false},
    {"restart", &v_restart, false},
    {"rm", &v_rm, false},
    {"rmi", &v_image_rm, false},
    {"run", &v_run, false},
    {"save", &v_image_save, false},
    {"start", &v_start, false},
    {"stats", &kist_v_stats, false},
    {"stop", &v_stop, false},
    {"tag", &v_image_tag, false},
    {"top", &v_top, false},
    {"unpause", &v_unpause, false},
    {"version", &v_version, false},
    {"wait", &v_wait, false},
    {NULL, NULL, false},
};
static const struct kentry container_verbs[] = {
    {"attach", &v_attach, false},
    {"cleanup", &v_cleanup, true},
    {"commit", &v_commit, false},
    {"cp", &kist_v_cp, false},
    {"create", &v_create, false},
    {"diff", &v_diff, false},
    {"exec", &v_exec, false},
    {"export", &v_export, false},
    {"inspect", &v_container_inspect, false},
    {"kill", &v_kill, false},
    {"logs", &v_logs, false},
    {"ls", &v_ps, false},
    {"list", &v_ps, true},
    {"ps", &v_ps, true},
    {"pause", &v_pause, false},
    {"port", &v_port, false},
    {"prune", &v_container_prune, false},
    {"rename", &v_rename, false},
    {"restart", &v_restart, false},
    {"rm", &v_rm, false},
    {"remove", &v_rm, true},
    {"run", &v_run, false},
    {"start", &v_start, false},
    {"stats", &kist_v_stats, false},
    {"stop", &v_stop, false},
    {"top", &v_top, false},
    {"unpause", &v_unpause, false},
    {"wait", &v_wait, false},
    {NULL, NULL, false},
};

static const struct kentry image_verbs[] = {
    {"build", &v_build, false},
    {"history", &v_image_history, false},
    {"import", &v_image_import, false},
    {"inspect", &v_image_inspect, false},
    {"load", &v_image_load, false},
    {"ls", &v_image_ls, false},
    {"list", &v_image_ls, true},
    {"prune", &v_image_prune, false},
    {"pull", &v_image_pull, false},
    {"push", &v_image_push, false},
    {"rm", &v_image_rm, false},
    {"remove", &v_image_rm, true},
    {"rmi", &v_image_rm, true},
    {"save", &v_image_save, false},
    {"tag", &v_image_tag, false},
    {NULL, NULL, false},
};
static const struct kentry system_verbs[] = {
    {"df", &v_system_df, false},
    {"info", &v_info, false},
    {NULL, NULL, false},
};

static const struct kentry network_verbs[] = {
    {"create", &v_network_create, false},
    {"inspect", &v_network_inspect, false},
    {"ls", &v_network_ls, false},
    {"list", &v_network_ls, true},
    {"rm", &v_network_rm, false},
    {"remove", &v_network_rm, true},
    {NULL, NULL, false},
};

const struct kgroup kist_groups[] = {
    {"container", "Manage containers", container_verbs},
    {"image", "Manage images", image_verbs},
    {"network", "Manage networks", network_verbs},
    {"system", "Manage kist", system_verbs},
    {"volume", "Manage volumes", kist_volume_verbs},
    {NULL, NULL, NULL},
};
/* clang-format on */

const struct kentry *kist_find(const struct kentry *table, const char *name)
{
	for (; table->name; table++)
		if (streq(table->name, name))
			return table;
	return NULL;
}

/* ---- help ---- */

static size_t flag_width(const struct kflag *f)
{
	return 6 + 2 + strlen(f->name) + (f->value ? 1 + strlen(f->value) : 0);
}

void kverb_help(const struct kverb *v, const char *typed)
{
	const struct kflag *f;
	size_t w = 0;

	printf("\nUsage:  kist %s %s\n\n%s\n", typed, v->usage, v->summary);
	if (v->aliases)
		printf("\nAliases:\n  %s\n", v->aliases);
	for (f = v->flags; f->name; f++)
		if (flag_width(f) > w)
			w = flag_width(f);
	printf("\nOptions:\n");
	for (f = v->flags; f->name; f++) {
		cleanup_free char *left = NULL;

		if (f->shorthand)
			left = xasprintf("  -%c, --%s%s%s", f->shorthand, f->name,
					 f->value ? " " : "", f->value ? f->value : "");
		else
			left = xasprintf("      --%s%s%s", f->name, f->value ? " " : "",
					 f->value ? f->value : "");
		printf("%-*s   %s\n", (int)w, left, f->help);
	}
	printf("  %-*s %s\n", (int)w - 2, "-h, --help", "  Print usage");
	printf("\nGlobal option --root DIR (kist --root DIR %s ...) selects the store\n"
	       "(default $KIST_ROOT or /var/lib/kist).\n",
	       typed);
}

/* ---- parsing ---- */

static bool parse_bool(const char *s, bool *out)
{
	static const char *const t[] = {"1", "t", "T", "true", "TRUE", "True", NULL};
	static const char *const f[] = {"0", "f", "F", "false", "FALSE", "False", NULL};

	for (size_t i = 0; t[i]; i++) {
		if (streq(s, t[i])) {
			*out = true;
			return true;
		}
		if (streq(s, f[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

static char *flag_label(const struct kflag *f)
{
	return f->shorthand ? xasprintf("-%c, --%s", f->shorthand, f->name)
			    : xasprintf("--%s", f->name);
}

int kverb_main(const struct kist *k, const struct kverb *v, const char *typed, int argc,
	       char **argv)
{
	size_t n = 0, i;
	struct option *opts;
	char shorts[128] = "";
	size_t sl = 0;
	cleanup_strv char **args = NULL, **operands = NULL;
	const char **vals;
	struct err *err = NULL;
	int c, idx, ret, nargs;
	bool help_short;

	cli_set_verb(typed);
	for (; v->flags[n].name; n++)
		;
	opts = xcalloc(n + 2, sizeof(*opts));
	vals = xcalloc(n + 1, sizeof(*vals));
	for (i = 0; i < n; i++) {
		const struct kflag *f = &v->flags[i];

		opts[i].name = f->name;
		bool is_bool = f->type == KF_BOOL || f->type == KF_BOOL_ON;

		opts[i].has_arg = is_bool ? optional_argument : required_argument;
		opts[i].val = 256 + (int)i;
		if (f->shorthand && sl + 3 < sizeof(shorts)) {
			shorts[sl++] = f->shorthand;
			if (!is_bool)
				shorts[sl++] = ':';
		}
	}
	/* -h is --help unless the verb has a flag -h (run's --hostname) */
	help_short = !strchr(shorts, 'h');
	opts[n] = (struct option){"help", no_argument, NULL, help_short ? 'h' : 1};
	if (help_short)
		shorts[sl++] = 'h';
	shorts[sl] = '\0';
	/* run, create, exec: the flags end at the first operand (the command's
	 * own flags follow it) */
	if (strstr(v->usage, "COMMAND")) {
		memmove(shorts + 1, shorts, sl + 1);
		shorts[0] = '+';
	}
	optind = 0;
	while ((c = cli_getopt(argc, argv, shorts, opts, &idx)) != -1) {
		const struct kflag *f;
		const char *value = optarg;
		cleanup_free char *label = NULL;

		if (c == (help_short ? 'h' : 1)) {
			kverb_help(v, typed);
			ret = EXIT_OK;
			goto out;
		}
		if (c >= 256) {
			i = (size_t)(c - 256);
		} else {
			for (i = 0; i < n && v->flags[i].shorthand != c; i++)
				;
		}
		f = &v->flags[i];
		label = flag_label(f);
		if (f->type == KF_BOOL_ON) {
			bool b = true;
			if (value && !parse_bool(value, &b))
				cli_usage_error("invalid argument \"%s\" for \"%s\" flag: "
						"strconv.ParseBool: parsing \"%s\": invalid syntax",
						value, label, value);
			vals[i] = b ? NULL : "false";
			continue;
		}
		if (f->type == KF_BOOL) {
			bool b = true;
			if (value && !parse_bool(value, &b))
				cli_usage_error("invalid argument \"%s\" for \"%s\" flag: "
						"strconv.ParseBool: parsing \"%s\": invalid syntax",
						value, label, value);
			vals[i] = b ? "true" : NULL;
			if (b && !(f->to && !*f->to)) {
				cleanup_free char *lng = xasprintf("--%s", f->name);
				strv_push(&args, f->to ? f->to : lng);
			}
			continue;
		}
		if (f->type == KF_INT) {
			char *end;
			errno = 0;
			(void)strtoll(value, &end, 10);
			if (!*value || *end || errno)
				cli_usage_error("invalid argument \"%s\" for \"%s\" flag: "
						"strconv.ParseInt: parsing \"%s\": %s",
						value, label, value,
						errno == ERANGE ? "value out of range"
								: "invalid syntax");
		}
		vals[i] = value;
		if (!(f->to && !*f->to)) {
			cleanup_free char *lng = xasprintf("--%s", f->name);
			strv_push(&args, f->to ? f->to : lng);
			strv_push(&args, value);
		}
	}
	for (i = (size_t)optind; i < (size_t)argc; i++)
		strv_push(&operands, argv[i]);
	nargs = argc - optind;
	if (v->min_args == v->max_args && nargs != v->min_args) {
		if (v->min_args == 0)
			cli_usage_error("\"kist %s\" accepts no arguments.", typed);
		cli_usage_error("\"kist %s\" requires exactly %d argument%s.", typed, v->min_args,
				v->min_args == 1 ? "" : "s");
	}
	if (nargs < v->min_args)
		cli_usage_error("\"kist %s\" requires at least %d argument%s.", typed, v->min_args,
				v->min_args == 1 ? "" : "s");
	if (v->max_args >= 0 && nargs > v->max_args)
		cli_usage_error("\"kist %s\" accepts at most %d argument%s.", typed, v->max_args,
				v->max_args == 1 ? "" : "s");
	{
		/* the child's command line: VERB FLAGS -- OPERANDS */
		cleanup_strv char **full = NULL;

		if (v->child)
			strv_push(&full, v->child);
		for (i = 0; args && args[i]; i++)
			strv_push(&full, args[i]);
		if (operands) {
			strv_push(&full, "--");
			for (i = 0; operands[i]; i++)
				strv_push(&full, operands[i]);
		}
		if (v->fn)
			ret = v->fn(k, v, full, vals, &err);
		else
			ret = kist_run(k, v->prog, full, v->noun, &err);
	}
	if (ret < 0) {
		fflush(stdout);
		fprintf(stderr, "Error: %s\n", err ? err->msg : "failed");
		ret = EXIT_RUN_ERROR;
	}
out:
	err_free(err);
	free(opts);
	free(vals);
	return ret;
}
