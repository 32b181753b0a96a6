/* seccomp.c: linux.seccomp compiled to a BPF program with libseccomp.
 *
 * The runtime compiles in the parent (where errors can be reported and
 * libseccomp may allocate freely), exports the program through a memfd into
 * a plain buffer, and the container child only calls seccomp(2) with it,
 * as late as possible before execve.
 *
 * Compiling docker's default profile costs libseccomp 10-20 ms, most of a
 * container's create.  The program is kept in a cache under the runtime's
 * state root (ROOT/.seccomp/<hash>): a file holds the exact text it was
 * made from (the profile as JSON, libseccomp's version and API level, the
 * kernel and machine) and the program; it is used only when that text
 * matches byte for byte, so a hash collision only misses the cache. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <linux/filter.h>  /* struct sock_fprog */
#include <linux/seccomp.h> /* SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_* */
#include <seccomp.h>       /* libseccomp */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h> /* uname */
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/util.h"
#include "runtime/security.h"
#include "runtime/tty.h"

#define PATH "linux.seccomp"
#define MAX_PROGRAM_BYTES (1u << 20) /* BPF_MAXINSNS is 4096 insns * 8 bytes; be generous */

struct rt_seccomp {
	struct sock_filter *insns;
	unsigned short count;
	unsigned int flags;      /* SECCOMP_FILTER_FLAG_* */
	char *listener_path;     /* listenerPath, when an action is SCMP_ACT_NOTIFY */
	char *listener_metadata; /* listenerMetadata, or NULL */
};

static void cleanup_scmpp(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}
#define cleanup_scmp __attribute__((cleanup(cleanup_scmpp)))

static const struct {
	const char *name;
	uint32_t action; /* SCMP_ACT_ERRNO/TRACE get their errno or'ed in */
	bool takes_errno;
} actions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL, false},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false},
};

static const struct {
	const char *name;
	enum scmp_compare op;
} ops[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static const struct {
	const char *name;
	unsigned int flag;
} filter_flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
};

/* action string (+ errnoRet, or -1 when absent) -> libseccomp action.
 * field names the JSON path for errors. */
static int parse_action(const char *name, int64_t errno_ret, const char *field, uint32_t *out,
			struct err **err)
{
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++) {
		if (!streq(actions[i].name, name))
			continue;
		if (!actions[i].takes_errno) {
			if (errno_ret >= 0)
				return err_set(err, 0,
					       "'%s' is '%s': errnoRet is only valid with "
					       "SCMP_ACT_ERRNO and SCMP_ACT_TRACE",
					       field, name);
			*out = actions[i].action;
		} else {
			uint32_t e = errno_ret >= 0 ? (uint32_t)errno_ret : EPERM;
			*out = actions[i].action | (e & 0xffff);
		}
		return 0;
	}
	return err_set(err, 0, "unknown seccomp action '%s' in '%s'", name, field);
}

/* Optional non-negative integer (errnoRet); -1 when absent. */
static int get_errno_ret(const cJSON *obj, const char *path, const char *key, int64_t *out,
			 struct err **err)
{
	int64_t v = -1;
	int r = json_get_int64(obj, path, key, false, &v, err);

	if (r < 0)
		return -1;
	if (r == 0) {
		*out = -1;
		return 0;
	}
	if (v < 0 || v > 0xffff)
		return err_set(err, 0, "'%s.%s' must be an errno number between 0 and 65535", path,
			       key);
	*out = v;
	return 0;
}

static int get_u64(const cJSON *obj, const char *path, const char *key, uint64_t *out,
		   struct err **err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	*out = 0;
	if (!v || cJSON_IsNull(v))
		return 0;
	/* cJSON holds numbers as doubles: exact up to 2^53, enough for masks
	 * and flags that profiles use. */
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 18446744073709551615.0 ||
	    v->valuedouble != (double)(uint64_t)v->valuedouble)
		return err_set(err, 0, "'%s.%s' must be a non-negative integer", path, key);
	*out = (uint64_t)v->valuedouble;
	return 0;
}

static int add_arch(scmp_filter_ctx ctx, const char *name, const char *field, struct err **err)
{
	char lower[32];
	uint32_t token;
	size_t i;
	int r;

	if (!str_has_prefix(name, "SCMP_ARCH_") || strlen(name) - 10 >= sizeof(lower))
		return err_set(err, 0, "unknown architecture '%s' in '%s'", name, field);
	for (i = 0; name[10 + i]; i++)
		lower[i] = (char)tolower((unsigned char)name[10 + i]);
	lower[i] = '\0';
	if (streq(lower, "native"))
		token = seccomp_arch_native();
	else
		token = seccomp_arch_resolve_name(lower);
	if (token == 0)
		return err_set(err, 0, "unknown architecture '%s' in '%s'", name, field);
	r = seccomp_arch_add(ctx, token);
	if (r < 0 && r != -EEXIST)
		return err_set(err, -r, "add architecture '%s'", name);
	return 0;
}

/* Build the comparisons of one syscalls[] entry.  Returns the count. */
static int parse_args(const cJSON *args, const char *path, struct scmp_arg_cmp *cmps,
		      struct err **err)
{
	const cJSON *a;
	int n = 0;

	if (!args || cJSON_IsNull(args))
		return 0;
	if (!cJSON_IsArray(args))
		return err_set(err, 0, "'%s.args' must be an array", path);
	if (cJSON_GetArraySize(args) > 6)
		return err_set(err, 0, "'%s.args' has more than 6 conditions", path);
	cJSON_ArrayForEach(a, args)
	{
		cleanup_free char *apath = xasprintf("%s.args[%d]", path, n);
		const char *op = NULL;
		uint32_t index;
		uint64_t value, value2;
		size_t i;

		if (!cJSON_IsObject(a))
			return err_set(err, 0, "'%s' must be an object", apath);
		if (json_get_uint32(a, apath, "index", true, &index, err) < 0 ||
		    json_get_string(a, apath, "op", true, &op, err) < 0 ||
		    get_u64(a, apath, "value", &value, err) < 0 ||
		    get_u64(a, apath, "valueTwo", &value2, err) < 0)
			return -1;
		if (index > 5)
			return err_set(err, 0, "'%s.index' must be between 0 and 5", apath);
		for (i = 0; i < ARRAY_SIZE(ops); i++)
			if (streq(ops[i].name, op))
				break;
		if (i == ARRAY_SIZE(ops))
			return err_set(err, 0, "unknown seccomp operator '%s' in '%s.op'", op,
				       apath);
		cmps[n] = (struct scmp_arg_cmp){
		    .arg = index, .op = ops[i].op, .datum_a = value, .datum_b = value2};
		n++;
	}
	return n;
}

static int add_rule(scmp_filter_ctx ctx, uint32_t action, const char *name, int nr,
		    const struct scmp_arg_cmp *cmps, int ncmps, struct err **err)
{
	int r = seccomp_rule_add_array(ctx, action, nr, (unsigned int)ncmps, cmps);

	if (r < 0)
		return err_set(err, -r, "add seccomp rule for syscall '%s'", name);
	return 0;
}

static int add_syscalls(scmp_filter_ctx ctx, const cJSON *entry, const char *path,
			uint32_t default_action, struct err **err)
{
	const cJSON *names = NULL, *name;
	const char *action_name = NULL;
	struct scmp_arg_cmp cmps[6];
	int64_t errno_ret;
	uint32_t action;
	int ncmps;
	bool same_index = true;

	if (!cJSON_IsObject(entry))
		return err_set(err, 0, "'%s' must be an object", path);
	if (json_get_array(entry, path, "names", true, &names, err) < 0 ||
	    json_get_string(entry, path, "action", true, &action_name, err) < 0 ||
	    get_errno_ret(entry, path, "errnoRet", &errno_ret, err) < 0)
		return -1;
	{
		cleanup_free char *field = xasprintf("%s.action", path);
		if (parse_action(action_name, errno_ret, field, &action, err) < 0)
			return -1;
	}
	ncmps = parse_args(cJSON_GetObjectItemCaseSensitive(entry, "args"), path, cmps, err);
	if (ncmps < 0)
		return -1;
	for (int i = 1; i < ncmps; i++)
		if (cmps[i].arg != cmps[0].arg)
			same_index = false;

	cJSON_ArrayForEach(name, names)
	{
		int nr;

		if (!cJSON_IsString(name) || !name->valuestring[0])
			return err_set(err, 0, "'%s.names' must be an array of syscall names",
				       path);
		/* A rule that repeats the default action adds nothing (and
		 * libseccomp refuses it). */
		if (action == default_action)
			continue;
		nr = seccomp_syscall_resolve_name(name->valuestring);
		if (nr == __NR_SCMP_ERROR) {
			log_debug("seccomp: syscall '%s' is unknown on this system: skipped",
				  name->valuestring);
			continue;
		}
		/* libseccomp cannot compare one argument twice in a rule;
		 * several conditions on the same argument mean "any of them"
		 * (docker's profiles rely on this), so each gets its own rule. */
		if (ncmps > 1 && same_index) {
			for (int i = 0; i < ncmps; i++)
				if (add_rule(ctx, action, name->valuestring, nr, &cmps[i], 1, err) <
				    0)
					return -1;
		} else if (add_rule(ctx, action, name->valuestring, nr, cmps, ncmps, err) < 0) {
			return -1;
		}
	}
	return 0;
}

static int export_program(scmp_filter_ctx ctx, struct rt_seccomp *s, struct err **err)
{
	cleanup_close int fd = memfd_create("kist-seccomp", MFD_CLOEXEC);
	cleanup_free char *data = NULL;
	size_t len = 0;
	int r;

	if (fd < 0)
		return err_set(err, errno, "memfd_create");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return err_set(err, -r, "export the seccomp filter");
	if (lseek(fd, 0, SEEK_SET) < 0)
		return err_set(err, errno, "seek the seccomp filter");
	if (fs_read_fd(fd, MAX_PROGRAM_BYTES, &data, &len, err) < 0)
		return err_wrap(err, "read the seccomp filter");
	if (len == 0 || len % sizeof(struct sock_filter) != 0 ||
	    len / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return err_set(err, 0,
			       "seccomp filter has a bad size (%zu bytes, at most %d instructions)",
			       len, BPF_MAXINSNS);
	s->count = (unsigned short)(len / sizeof(struct sock_filter));
	s->insns = (struct sock_filter *)steal_pointer(&data);
	return 0;
}

/* ---- the compiled-program cache ---- */

/* What the program depends on, as text: the profile, libseccomp, the host. */
static char *cache_text(const cJSON *seccomp)
{
	const struct scmp_version *v = seccomp_version();
	cleanup_free char *profile = json_print(seccomp, false);
	struct utsname u;

	if (uname(&u) < 0)
		return NULL;
	return xasprintf("kist-seccomp 1\nlibseccomp %u.%u.%u api %u\n%s %s %s\n%s",
			 v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0, seccomp_api_get(),
			 u.release, u.version, u.machine, profile);
}

static char *cache_path(const char *dir, const char *text)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a: a file name, not a proof */

	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return xasprintf("%s/.seccomp/%016llx", dir, (unsigned long long)h);
}

/* The cached program for text: 1 found (s->insns set), 0 not. */
static int cache_load(const char *dir, const char *text, struct rt_seccomp *s)
{
	cleanup_free char *path = cache_path(dir, text), *data = NULL;
	size_t len = 0, tl = strlen(text) + 1, n;

	if (fs_read_all(path, MAX_PROGRAM_BYTES + tl, &data, &len, NULL) < 0)
		return 0;
	if (len <= tl || memcmp(data, text, tl) != 0)
		return 0;
	n = len - tl;
	if (n % sizeof(struct sock_filter) || n / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return 0;
	s->count = (unsigned short)(n / sizeof(struct sock_filter));
	s->insns = xmalloc(n);
	memcpy(s->insns, data + tl, n);
	return 1;
}

/* Keep the program for next time; a failure only costs the next create. */
static void cache_store(const char *dir, const char *text, const struct rt_seccomp *s)
{
	cleanup_free char *path = cache_path(dir, text), *sub = xasprintf("%s/.seccomp", dir);
	size_t tl = strlen(text) + 1, n = (size_t)s->count * sizeof(struct sock_filter);
	cleanup_free char *data = xmalloc(tl + n);

	memcpy(data, text, tl);
	memcpy(data + tl, s->insns, n);
	if (fs_mkdir_p(sub, 0700, NULL) < 0 ||
	    fs_write_file_atomic(path, data, tl + n, 0600, NULL) < 0)
		log_debug("seccomp: could not cache the program in '%s'", sub);
}

/* Does any action of the profile (default or per syscall) notify? */
static bool uses_notify(const cJSON *seccomp)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(seccomp, "defaultAction"), *item;

	if (cJSON_IsString(d) && streq(d->valuestring, "SCMP_ACT_NOTIFY"))
		return true;
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(seccomp, "syscalls"))
	{
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(item, "action");

		if (cJSON_IsString(a) && streq(a->valuestring, "SCMP_ACT_NOTIFY"))
			return true;
	}
	return false;
}

static bool allowing(const cJSON *action)
{
	return cJSON_IsString(action) && (streq(action->valuestring, "SCMP_ACT_ALLOW") ||
					  streq(action->valuestring, "SCMP_ACT_LOG"));
}

bool rt_seccomp_plainly_allows(const cJSON *seccomp, const char *name)
{
	const cJSON *item, *n;
	bool named = false;

	if (!seccomp)
		return true;
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(seccomp, "syscalls"))
	{
		const cJSON *args = cJSON_GetObjectItemCaseSensitive(item, "args");
		bool here = false;

		cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(item, "names"))
		{
			if (cJSON_IsString(n) && streq(n->valuestring, name))
				here = true;
		}
		if (!here)
			continue;
		if (!allowing(cJSON_GetObjectItemCaseSensitive(item, "action")) ||
		    (args && !cJSON_IsNull(args) && cJSON_GetArraySize(args) > 0))
			return false;
		named = true;
	}
	return named || allowing(cJSON_GetObjectItemCaseSensitive(seccomp, "defaultAction"));
}

int rt_seccomp_prepare(const cJSON *seccomp, const char *cache_dir, struct rt_seccomp **out,
		       struct err **err)
{
	cleanup_scmp scmp_filter_ctx ctx = NULL;
	cleanup_free char *text = NULL;
	bool cached = false;
	const char *default_name = NULL, *listener = NULL;
	const cJSON *archs = NULL, *flags = NULL, *syscalls = NULL, *item;
	int64_t default_errno;
	uint32_t default_action;
	struct rt_seccomp *s;
	int i;

	*out = NULL;
	if (!seccomp || cJSON_IsNull(seccomp))
		return 0;
	if (!cJSON_IsObject(seccomp))
		return err_set(err, 0, "'%s' must be an object", PATH);
	if (json_get_string(seccomp, PATH, "defaultAction", true, &default_name, err) < 0 ||
	    get_errno_ret(seccomp, PATH, "defaultErrnoRet", &default_errno, err) < 0 ||
	    json_get_array(seccomp, PATH, "architectures", false, &archs, err) < 0 ||
	    json_get_array(seccomp, PATH, "flags", false, &flags, err) < 0 ||
	    json_get_array(seccomp, PATH, "syscalls", false, &syscalls, err) < 0 ||
	    json_get_string(seccomp, PATH, "listenerPath", false, &listener, err) < 0)
		return -1;
	if (uses_notify(seccomp) && !(listener && listener[0]))
		return err_set(err, 0, "'%s': SCMP_ACT_NOTIFY needs '%s.listenerPath'", PATH, PATH);
	if (parse_action(default_name, default_errno, PATH ".defaultAction", &default_action, err) <
	    0)
		return -1;

	s = xcalloc(1, sizeof(*s));
	if (cache_dir && (text = cache_text(seccomp)))
		cached = cache_load(cache_dir, text, s) == 1;
	if (!cached) {
		ctx = seccomp_init(default_action);
		if (!ctx) {
			err_set(err, EINVAL, "initialise the seccomp filter");
			goto fail;
		}
		/* The runtime sets no_new_privs itself, only when the spec asks. */
		if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0) {
			err_set(err, EINVAL, "seccomp: clear the no_new_privs attribute");
			goto fail;
		}
		/* A binary tree keeps long allow-lists cheap per syscall; old
		 * libseccomp versions lack it, which only costs speed. */
		(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	}

	i = 0;
	cJSON_ArrayForEach(item, archs)
	{
		cleanup_free char *field = xasprintf("%s.architectures[%d]", PATH, i++);

		if (!cJSON_IsString(item)) {
			err_set(err, 0, "'%s' must be a string", field);
			goto fail;
		}
		if (!cached && add_arch(ctx, item->valuestring, field, err) < 0)
			goto fail;
	}

	i = 0;
	cJSON_ArrayForEach(item, flags)
	{
		size_t k;

		for (k = 0; k < ARRAY_SIZE(filter_flags); k++)
			if (cJSON_IsString(item) && streq(filter_flags[k].name, item->valuestring))
				break;
		if (k == ARRAY_SIZE(filter_flags)) {
			err_set(err, 0, "unknown seccomp flag '%s' in '%s.flags[%d]'",
				cJSON_IsString(item) ? item->valuestring : "(not a string)", PATH,
				i);
			goto fail;
		}
		s->flags |= filter_flags[k].flag;
		i++;
	}

	/* a cached program was made from these very bytes: they were valid */
	i = 0;
	if (cached)
		syscalls = NULL;
	cJSON_ArrayForEach(item, syscalls)
	{
		cleanup_free char *path = xasprintf("%s.syscalls[%d]", PATH, i++);

		if (add_syscalls(ctx, item, path, default_action, err) < 0)
			goto fail;
	}
	if (!cached) {
		if (export_program(ctx, s, err) < 0)
			goto fail;
		if (cache_dir && text)
			cache_store(cache_dir, text, s);
	}
	if (uses_notify(seccomp)) {
		const char *meta = NULL;

		if (json_get_string(seccomp, PATH, "listenerMetadata", false, &meta, err) < 0)
			goto fail;
		s->listener_path = xstrdup(listener);
		s->listener_metadata = meta ? xstrdup(meta) : NULL;
		s->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	}
	*out = s;
	return 0;
fail:
	rt_seccomp_free(s);
	return -1;
}

/* seccomp(2); *notify_fd gets the listener fd of a notifying filter, else -1. */
static int install(const struct rt_seccomp *s, int *notify_fd, struct err **err)
{
	struct sock_fprog prog;
	long r;

	*notify_fd = -1;
	if (!s)
		return 0;
	prog.len = s->count;
	prog.filter = s->insns;
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, s->flags, &prog);
	if (r >= 0) {
		/* with SECCOMP_FILTER_FLAG_NEW_LISTENER the result is its fd */
		if (s->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
			*notify_fd = (int)r;
		return 0;
	}
	if (errno == ENOSYS && s->flags == 0 &&
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0)
		return 0;
	if (errno == EACCES)
		return err_set(
		    err, errno,
		    "load seccomp filter (without noNewPrivileges it needs CAP_SYS_ADMIN)");
	return err_set(err, errno, "load seccomp filter");
}

const char *rt_seccomp_listener(const struct rt_seccomp *s)
{
	return s ? s->listener_path : NULL;
}

static int send_listener(const struct rt_seccomp *s, int sock, int notify_fd, const cJSON *state,
			 pid_t pid, struct err **err)
{
	cleanup_json cJSON *msg = cJSON_CreateObject();
	cleanup_free char *text = NULL;

	cJSON_AddStringToObject(msg, "ociVersion", "1.0.2");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(msg, "fds"), cJSON_CreateString("seccompFd"));
	cJSON_AddNumberToObject(msg, "pid", (double)pid);
	cJSON_AddStringToObject(msg, "metadata", s->listener_metadata ? s->listener_metadata : "");
	cJSON_AddItemToObject(msg, "state", cJSON_Duplicate(state, true));
	text = json_print(msg, false);
	if (rt_tty_send_fd(sock, notify_fd, text, err) < 0)
		return err_wrap(err, "send the seccomp notify fd to '%s'", s->listener_path);
	return 0;
}

int rt_seccomp_load(const struct rt_seccomp *s, int listener_sock, const cJSON *state, pid_t pid,
		    struct err **err)
{
	int nfd, r;

	if (install(s, &nfd, err) < 0)
		return -1;
	if (nfd < 0)
		return 0;
	r = send_listener(s, listener_sock, nfd, state, pid, err);
	close(nfd);
	return r;
}

void rt_seccomp_free(struct rt_seccomp *s)
{
	if (!s)
		return;
	free(s->insns);
	free(s->listener_path);
	free(s->listener_metadata);
	free(s);
}
