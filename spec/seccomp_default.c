/* seccomp_default.c: docker's default seccomp profile (moby
 * profiles/seccomp/default.json) expressed as tables, turned into an OCI
 * linux.seccomp object for the build architecture and a capability set.
 *
 * The tables say which syscalls are allowed always, which only on some
 * architectures, and which only with (or only without) a capability. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "common/util.h"
#include "spec/seccomp_default.h"

/* Linux errno values used by the profile (the same on every architecture
 * docker supports). */
#define PROFILE_EPERM 1
#define PROFILE_ENOSYS 38

const char *const spec_default_caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
    NULL,
};

/* Allowed for every container. */
static const char *const always[] = {
    "accept",
    "accept4",
    "access",
    "adjtimex",
    "alarm",
    "bind",
    "brk",
    "capget",
    "capset",
    "chdir",
    "chmod",
    "chown",
    "chown32",
    "clock_adjtime",
    "clock_adjtime64",
    "clock_getres",
    "clock_getres_time64",
    "clock_gettime",
    "clock_gettime64",
    "clock_nanosleep",
    "clock_nanosleep_time64",
    "close",
    "close_range",
    "connect",
    "copy_file_range",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_ctl_old",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_wait",
    "epoll_wait_old",
    "eventfd",
    "eventfd2",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "faccessat",
    "faccessat2",
    "fadvise64",
    "fadvise64_64",
    "fallocate",
    "fanotify_mark",
    "fchdir",
    "fchmod",
    "fchmodat",
    "fchown",
    "fchown32",
    "fchownat",
    "fcntl",
    "fcntl64",
    "fdatasync",
    "fgetxattr",
    "flistxattr",
    "flock",
    "fork",
    "fremovexattr",
    "fsetxattr",
    "fstat",
    "fstat64",
    "fstatat64",
    "fstatfs",
    "fstatfs64",
    "fsync",
    "ftruncate",
    "ftruncate64",
    "futex",
    "futex_time64",
    "futex_waitv",
    "futimesat",
    "getcpu",
    "getcwd",
    "getdents",
    "getdents64",
    "getegid",
    "getegid32",
    "geteuid",
    "geteuid32",
    "getgid",
    "getgid32",
    "getgroups",
    "getgroups32",
    "getitimer",
    "getpeername",
    "getpgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getpriority",
    "getrandom",
    "getresgid",
    "getresgid32",
    "getresuid",
    "getresuid32",
    "getrlimit",
    "get_robust_list",
    "getrusage",
    "getsid",
    "getsockname",
    "getsockopt",
    "get_thread_area",
    "gettid",
    "gettimeofday",
    "getuid",
    "getuid32",
    "getxattr",
    "inotify_add_watch",
    "inotify_init",
    "inotify_init1",
    "inotify_rm_watch",
    "io_cancel",
    "ioctl",
    "io_destroy",
    "io_getevents",
    "io_pgetevents",
    "io_pgetevents_time64",
    "ioprio_get",
    "ioprio_set",
    "io_setup",
    "io_submit",
    "io_uring_enter",
    "io_uring_register",
    "io_uring_setup",
    "ipc",
    "kill",
    "landlock_add_rule",
    "landlock_create_ruleset",
    "landlock_restrict_self",
    "lchown",
    "lchown32",
    "lgetxattr",
    "link",
    "linkat",
    "listen",
    "listxattr",
    "llistxattr",
    "_llseek",
    "lremovexattr",
    "lseek",
    "lsetxattr",
    "lstat",
    "lstat64",
    "madvise",
    "membarrier",
    "memfd_create",
    "memfd_secret",
    "mincore",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "mlock",
    "mlock2",
    "mlockall",
    "mmap",
    "mmap2",
    "mprotect",
    "mq_getsetattr",
    "mq_notify",
    "mq_open",
    "mq_timedreceive",
    "mq_timedreceive_time64",
    "mq_timedsend",
    "mq_timedsend_time64",
    "mq_unlink",
    "mremap",
    "msgctl",
    "msgget",
    "msgrcv",
    "msgsnd",
    "msync",
    "munlock",
    "munlockall",
    "munmap",
    "name_to_handle_at",
    "nanosleep",
    "newfstatat",
    "_newselect",
    "open",
    "openat",
    "openat2",
    "pause",
    "pidfd_open",
    "pidfd_send_signal",
    "pipe",
    "pipe2",
    "pkey_alloc",
    "pkey_free",
    "pkey_mprotect",
    "poll",
    "ppoll",
    "ppoll_time64",
    "prctl",
    "pread64",
    "preadv",
    "preadv2",
    "prlimit64",
    "process_mrelease",
    "pselect6",
    "pselect6_time64",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "read",
    "readahead",
    "readlink",
    "readlinkat",
    "readv",
    "recv",
    "recvfrom",
    "recvmmsg",
    "recvmmsg_time64",
    "recvmsg",
    "remap_file_pages",
    "removexattr",
    "rename",
    "renameat",
    "renameat2",
    "restart_syscall",
    "rmdir",
    "rseq",
    "rt_sigaction",
    "rt_sigpending",
    "rt_sigprocmask",
    "rt_sigqueueinfo",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_sigtimedwait_time64",
    "rt_tgsigqueueinfo",
    "sched_getaffinity",
    "sched_getattr",
    "sched_getparam",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getscheduler",
    "sched_rr_get_interval",
    "sched_rr_get_interval_time64",
    "sched_setaffinity",
    "sched_setattr",
    "sched_setparam",
    "sched_setscheduler",
    "sched_yield",
    "seccomp",
    "select",
    "semctl",
    "semget",
    "semop",
    "semtimedop",
    "semtimedop_time64",
    "send",
    "sendfile",
    "sendfile64",
    "sendmmsg",
    "sendmsg",
    "sendto",
    "setfsgid",
    "setfsgid32",
    "setfsuid",
    "setfsuid32",
    "setgid",
    "setgid32",
    "setgroups",
    "setgroups32",
    "setitimer",
    "setpgid",
    "setpriority",
    "setregid",
    "setregid32",
    "setresgid",
    "setresgid32",
    "setresuid",
    "setresuid32",
    "setreuid",
    "setreuid32",
    "setrlimit",
    "set_robust_list",
    "setsid",
    "setsockopt",
    "set_thread_area",
    "set_tid_address",
    "setuid",
    "setuid32",
    "setxattr",
    "shmat",
    "shmctl",
    "shmdt",
    "shmget",
    "shutdown",
    "sigaltstack",
    "signalfd",
    "signalfd4",
    "sigprocmask",
    "sigreturn",
    "socketcall",
    "socketpair",
    "splice",
    "stat",
    "stat64",
    "statfs",
    "statfs64",
    "statx",
    "symlink",
    "symlinkat",
    "sync",
    "sync_file_range",
    "syncfs",
    "sysinfo",
    "tee",
    "tgkill",
    "time",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_gettime64",
    "timer_settime",
    "timer_settime64",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_gettime64",
    "timerfd_settime",
    "timerfd_settime64",
    "times",
    "tkill",
    "truncate",
    "truncate64",
    "ugetrlimit",
    "umask",
    "uname",
    "unlink",
    "unlinkat",
    "utime",
    "utimensat",
    "utimensat_time64",
    "utimes",
    "vfork",
    "vmsplice",
    "wait4",
    "waitid",
    "waitpid",
    "write",
    "writev",
    NULL,
};

/* Architecture names as docker spells them (Go's GOARCH). */
#if defined(__x86_64__) && defined(__ILP32__)
#define NATIVE_ARCH "x32"
#elif defined(__x86_64__)
#define NATIVE_ARCH "amd64"
#elif defined(__i386__)
#define NATIVE_ARCH "386"
#elif defined(__aarch64__)
#define NATIVE_ARCH "arm64"
#elif defined(__arm__)
#define NATIVE_ARCH "arm"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_ARCH "ppc64le"
#elif defined(__s390x__)
#define NATIVE_ARCH "s390x"
#elif defined(__s390__)
#define NATIVE_ARCH "s390"
#elif defined(__riscv) && __riscv_xlen == 64
#define NATIVE_ARCH "riscv64"
#elif defined(__mips__) && defined(_ABI64)
#define NATIVE_ARCH "mips64"
#else
#define NATIVE_ARCH "unknown"
#endif

/* The seccomp architectures a container on the native one may use. */
static const char *const *native_seccomp_archs(void)
{
	static const char *const x86_64[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
					     NULL};
	static const char *const x86[] = {"SCMP_ARCH_X86", NULL};
	static const char *const aarch64[] = {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL};
	static const char *const arm[] = {"SCMP_ARCH_ARM", NULL};
	static const char *const ppc64le[] = {"SCMP_ARCH_PPC64LE", NULL};
	static const char *const s390x[] = {"SCMP_ARCH_S390X", "SCMP_ARCH_S390", NULL};
	static const char *const riscv64[] = {"SCMP_ARCH_RISCV64", NULL};
	static const char *const mips64[] = {"SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS",
					     "SCMP_ARCH_MIPS64N32", NULL};
	static const char *const none[] = {NULL};
	const char *a = NATIVE_ARCH;

	if (streq(a, "amd64") || streq(a, "x32"))
		return x86_64;
	if (streq(a, "386"))
		return x86;
	if (streq(a, "arm64"))
		return aarch64;
	if (streq(a, "arm"))
		return arm;
	if (streq(a, "ppc64le"))
		return ppc64le;
	if (streq(a, "s390x") || streq(a, "s390"))
		return s390x;
	if (streq(a, "riscv64"))
		return riscv64;
	if (streq(a, "mips64"))
		return mips64;
	return none;
}

struct cond_arg {
	unsigned index;
	unsigned long long value;
	const char *op;
};

/* One entry of the profile besides `always`.  An entry applies when every
 * condition given holds: the native arch is in arches (when set) and not in
 * not_arches, the capability cap is held (when set) and not_cap is not,
 * and the kernel is at least min_kernel. */
struct entry {
	const char *const *names;
	const char *action;  /* NULL: SCMP_ACT_ALLOW */
	int errno_ret;       /* 0: none */
	struct cond_arg arg; /* op NULL: no argument condition */
	const char *const *arches;
	const char *const *not_arches;
	const char *cap;
	const char *not_cap;
	int min_kernel_major, min_kernel_minor;
};

#define V(...) ((const char *const[]){__VA_ARGS__, NULL})

/* CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|
 * CLONE_NEWPID|CLONE_NEWNET: clone may not make namespaces without
 * CAP_SYS_ADMIN. */
#define CLONE_NS_MASK 2114060288ULL

static const struct entry entries[] = {
    {.names = V("process_vm_readv", "process_vm_writev", "ptrace"),
     .min_kernel_major = 4,
     .min_kernel_minor = 8},
    /* every socket family but AF_VSOCK (40) */
    {.names = V("socket"), .arg = {0, 40, "SCMP_CMP_NE"}},
    /* personality: only PER_LINUX, PER_LINUX32, UNAME26 and queries */
    {.names = V("personality"), .arg = {0, 0x0, "SCMP_CMP_EQ"}},
    {.names = V("personality"), .arg = {0, 0x0008, "SCMP_CMP_EQ"}},
    {.names = V("personality"), .arg = {0, 0x20000, "SCMP_CMP_EQ"}},
    {.names = V("personality"), .arg = {0, 0x20008, "SCMP_CMP_EQ"}},
    {.names = V("personality"), .arg = {0, 0xffffffffULL, "SCMP_CMP_EQ"}},
    {.names = V("sync_file_range2", "swapcontext"), .arches = V("ppc64le")},
    {.names = V("arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint",
		"cacheflush", "set_tls"),
     .arches = V("arm", "arm64")},
    {.names = V("arch_prctl"), .arches = V("amd64", "x32")},
    {.names = V("modify_ldt"), .arches = V("amd64", "x32", "386")},
    {.names = V("s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"),
     .arches = V("s390", "s390x")},
    {.names = V("riscv_flush_icache"), .arches = V("riscv64")},
    {.names = V("open_by_handle_at"), .cap = "CAP_DAC_READ_SEARCH"},
    {.names = V("bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen",
		"fspick", "lookup_dcookie", "mount", "mount_setattr", "move_mount", "open_tree",
		"perf_event_open", "quotactl", "quotactl_fd", "setdomainname", "sethostname",
		"setns", "syslog", "umount", "umount2", "unshare"),
     .cap = "CAP_SYS_ADMIN"},
    {.names = V("clone"),
     .arg = {0, CLONE_NS_MASK, "SCMP_CMP_MASKED_EQ"},
     .not_cap = "CAP_SYS_ADMIN",
     .not_arches = V("s390", "s390x")},
    /* s390 passes clone's flags second */
    {.names = V("clone"),
     .arg = {1, CLONE_NS_MASK, "SCMP_CMP_MASKED_EQ"},
     .arches = V("s390", "s390x"),
     .not_cap = "CAP_SYS_ADMIN"},
    /* clone3's flags are behind a pointer: ENOSYS makes libcs fall back
     * to clone, which the rule above checks */
    {.names = V("clone3"),
     .action = "SCMP_ACT_ERRNO",
     .errno_ret = PROFILE_ENOSYS,
     .not_cap = "CAP_SYS_ADMIN"},
    {.names = V("reboot"), .cap = "CAP_SYS_BOOT"},
    {.names = V("chroot"), .cap = "CAP_SYS_CHROOT"},
    {.names = V("delete_module", "init_module", "finit_module"), .cap = "CAP_SYS_MODULE"},
    {.names = V("acct"), .cap = "CAP_SYS_PACCT"},
    {.names = V("kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev",
		"ptrace"),
     .cap = "CAP_SYS_PTRACE"},
    {.names = V("iopl", "ioperm"), .cap = "CAP_SYS_RAWIO"},
    {.names = V("settimeofday", "stime", "clock_settime", "clock_settime64"),
     .cap = "CAP_SYS_TIME"},
    {.names = V("vhangup"), .cap = "CAP_SYS_TTY_CONFIG"},
    {.names = V("get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"),
     .cap = "CAP_SYS_NICE"},
    {.names = V("syslog"), .cap = "CAP_SYSLOG"},
    {.names = V("bpf"), .cap = "CAP_BPF"},
    {.names = V("perf_event_open"), .cap = "CAP_PERFMON"},
};

static cJSON *must(cJSON *j)
{
	if (!j) {
		fputs("out of memory\n", stderr);
		abort();
	}
	return j;
}

static bool in_list(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (streq(*list, s))
			return true;
	return false;
}

static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (major == 0)
		return true;
	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return true; /* assume a current kernel */
	return ma > major || (ma == major && mi >= minor);
}

static bool applies(const struct entry *e, const char *const *caps)
{
	if (e->arches && !in_list(e->arches, NATIVE_ARCH))
		return false;
	if (e->not_arches && in_list(e->not_arches, NATIVE_ARCH))
		return false;
	if (e->cap && !in_list(caps, e->cap))
		return false;
	if (e->not_cap && in_list(caps, e->not_cap))
		return false;
	return kernel_at_least(e->min_kernel_major, e->min_kernel_minor);
}

static cJSON *names_array(const char *const *names)
{
	cJSON *a = must(cJSON_CreateArray());

	for (; *names; names++)
		cJSON_AddItemToArray(a, must(cJSON_CreateString(*names)));
	return a;
}

static cJSON *rule(const char *const *names, const char *action)
{
	cJSON *r = must(cJSON_CreateObject());

	cJSON_AddItemToObject(r, "names", names_array(names));
	must(cJSON_AddStringToObject(r, "action", action));
	return r;
}

cJSON *spec_seccomp_default_for_caps(const char *const *caps)
{
	cJSON *root = must(cJSON_CreateObject());
	cJSON *syscalls;

	if (!caps)
		caps = spec_default_caps;
	must(cJSON_AddStringToObject(root, "defaultAction", "SCMP_ACT_ERRNO"));
	must(cJSON_AddNumberToObject(root, "defaultErrnoRet", PROFILE_EPERM));
	cJSON_AddItemToObject(root, "architectures", names_array(native_seccomp_archs()));
	syscalls = must(cJSON_AddArrayToObject(root, "syscalls"));
	cJSON_AddItemToArray(syscalls, rule(always, "SCMP_ACT_ALLOW"));

	for (size_t i = 0; i < ARRAY_SIZE(entries); i++) {
		const struct entry *e = &entries[i];
		cJSON *r;

		if (!applies(e, caps))
			continue;
		r = rule(e->names, e->action ? e->action : "SCMP_ACT_ALLOW");
		if (e->errno_ret)
			must(cJSON_AddNumberToObject(r, "errnoRet", e->errno_ret));
		if (e->arg.op) {
			cJSON *args = must(cJSON_AddArrayToObject(r, "args"));
			cJSON *a = must(cJSON_CreateObject());

			must(cJSON_AddNumberToObject(a, "index", e->arg.index));
			must(cJSON_AddNumberToObject(a, "value", (double)e->arg.value));
			must(cJSON_AddNumberToObject(a, "valueTwo", 0));
			must(cJSON_AddStringToObject(a, "op", e->arg.op));
			cJSON_AddItemToArray(args, a);
		}
		cJSON_AddItemToArray(syscalls, r);
	}
	return root;
}

cJSON *spec_seccomp_default(void)
{
	return spec_seccomp_default_for_caps(NULL);
}
