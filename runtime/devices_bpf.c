/* devices_bpf.c: device access control on cgroup v2, which has no devices
 * controller: a BPF_PROG_TYPE_CGROUP_DEVICE program built from the rules
 * and attached to the container's cgroup, as runc and crun do.
 *
 * The program sees (type, access, major, minor) for every device open and
 * mknod and returns 1 (allow) or 0 (deny).  Rules are checked from the last
 * to the first and the first that matches decides, so a later rule wins, as
 * with the v1 controller; nothing matching means deny.  A rule matches when
 * its type is 'a' (every device, every access, as v1's "a"), or its type,
 * major and minor match (-1: any) and the access asked for is a subset of
 * the rule's.
 *
 * The program is attached with BPF_F_ALLOW_MULTI (so a nested runtime can
 * add its own below), and the programs attached before are detached after
 * the new one is in place, so an update never leaves a gap. */
#define _GNU_SOURCE
#include "runtime/devices_bpf.h"

#include <errno.h>       /* errno */
#include <fcntl.h>       /* open */
#include <linux/bpf.h>   /* bpf_attr, BPF_* */
#include <stddef.h>      /* offsetof */
#include <stdint.h>      /* uint32_t */
#include <stdlib.h>      /* free */
#include <string.h>      /* memset */
#include <sys/syscall.h> /* SYS_bpf */
#include <unistd.h>      /* syscall */
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/util.h"
#include "spec/runtime_config.h"

/* registers: r1 context, r2 type, r3 access, r4 major, r5 minor, r6 scratch */
enum { R0, R1, R2, R3, R4, R5, R6 };

struct prog {
	struct bpf_insn *insns;
	size_t n, cap;
};

static size_t emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		p->insns = xrealloc(p->insns, p->cap * sizeof(*p->insns));
	}
	p->insns[p->n] =
	    (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
	return p->n++;
}

static uint32_t access_bits(const char *a)
{
	uint32_t bits = 0;

	for (; *a; a++)
		bits |= *a == 'r'   ? BPF_DEVCG_ACC_READ
			: *a == 'w' ? BPF_DEVCG_ACC_WRITE
			: *a == 'm' ? BPF_DEVCG_ACC_MKNOD
				    : 0;
	return bits;
}

/* One rule: jumps to the next rule on a mismatch, else returns its verdict. */
static void emit_rule(struct prog *p, const struct spec_device_rule *r)
{
	size_t jumps[4], n_jumps = 0;
	uint32_t acc = access_bits(r->access);

	if (r->type != 'a') {
		int32_t type = r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;

		jumps[n_jumps++] = emit(p, BPF_JMP | BPF_JNE | BPF_K, R2, 0, 0, type);
		if (acc != (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)) {
			/* asked & rule != asked: something asked is not granted */
			emit(p, BPF_ALU | BPF_MOV | BPF_X, R6, R3, 0, 0);
			emit(p, BPF_ALU | BPF_AND | BPF_K, R6, 0, 0, (int32_t)acc);
			jumps[n_jumps++] = emit(p, BPF_JMP | BPF_JNE | BPF_X, R6, R3, 0, 0);
		}
		if (r->major >= 0)
			jumps[n_jumps++] =
			    emit(p, BPF_JMP | BPF_JNE | BPF_K, R4, 0, 0, (int32_t)r->major);
		if (r->minor >= 0)
			jumps[n_jumps++] =
			    emit(p, BPF_JMP | BPF_JNE | BPF_K, R5, 0, 0, (int32_t)r->minor);
	}
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, r->allow ? 1 : 0);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (size_t i = 0; i < n_jumps; i++)
		p->insns[jumps[i]].off = (int16_t)(p->n - jumps[i] - 1);
}

static void build(struct prog *p, const struct spec_device_rule *rules, size_t n)
{
	/* r2 = ctx->access_type & 0xffff (device type), r3 = access_type >> 16 */
	emit(p, BPF_LDX | BPF_MEM | BPF_W, R2, R1, offsetof(struct bpf_cgroup_dev_ctx, access_type),
	     0);
	emit(p, BPF_ALU | BPF_MOV | BPF_X, R3, R2, 0, 0);
	emit(p, BPF_ALU | BPF_AND | BPF_K, R2, 0, 0, 0xffff);
	emit(p, BPF_ALU | BPF_RSH | BPF_K, R3, 0, 0, 16);
	emit(p, BPF_LDX | BPF_MEM | BPF_W, R4, R1, offsetof(struct bpf_cgroup_dev_ctx, major), 0);
	emit(p, BPF_LDX | BPF_MEM | BPF_W, R5, R1, offsetof(struct bpf_cgroup_dev_ctx, minor), 0);
	for (size_t i = n; i-- > 0;) {
		emit_rule(p, &rules[i]);
		if (rules[i].type == 'a')
			return; /* matches everything: what comes before cannot */
	}
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static int bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* Ids of the device programs attached to the cgroup (at most cap). */
static size_t attached(int cgfd, uint32_t *ids, size_t cap)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)cgfd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uint64_t)(uintptr_t)ids;
	a.query.prog_cnt = (uint32_t)cap;
	if (bpf(BPF_PROG_QUERY, &a) < 0)
		return 0;
	return a.query.prog_cnt < cap ? a.query.prog_cnt : cap;
}

int rt_devices_bpf_apply(const char *cgroup_dir, const struct spec_device_rule *rules, size_t n,
			 struct err **err)
{
	struct prog p = {0};
	cleanup_close int cgfd = -1, prog = -1;
	uint32_t old[64];
	size_t n_old;
	char log[4096] = "";
	union bpf_attr a;

	cgfd = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return err_set(err, errno, "open cgroup '%s'", cgroup_dir);
	build(&p, rules, n);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)p.insns;
	a.insn_cnt = (uint32_t)p.n;
	a.license = (uint64_t)(uintptr_t) "Apache";
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	prog = bpf(BPF_PROG_LOAD, &a);
	if (prog < 0 && errno == ENOSPC) {
		/* the verifier's log did not fit: load again without it */
		a.log_buf = 0;
		a.log_size = 0;
		a.log_level = 0;
		prog = bpf(BPF_PROG_LOAD, &a);
	}
	free(p.insns);
	log[strcspn(log, "\n")] = '\0'; /* the verifier's first line says it */
	if (prog < 0)
		return err_set(err, errno, "load the device filter for cgroup '%s'%s%s", cgroup_dir,
			       log[0] ? ": " : "", log);
	n_old = attached(cgfd, old, ARRAY_SIZE(old));
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (bpf(BPF_PROG_ATTACH, &a) < 0)
		return err_set(err, errno, "attach the device filter to cgroup '%s'", cgroup_dir);
	for (size_t i = 0; i < n_old; i++) {
		cleanup_close int fd = -1;

		memset(&a, 0, sizeof(a));
		a.prog_id = old[i];
		fd = bpf(BPF_PROG_GET_FD_BY_ID, &a);
		if (fd < 0)
			continue;
		memset(&a, 0, sizeof(a));
		a.target_fd = (uint32_t)cgfd;
		a.attach_bpf_fd = (uint32_t)fd;
		a.attach_type = BPF_CGROUP_DEVICE;
		if (bpf(BPF_PROG_DETACH, &a) < 0)
			return err_set(err, errno, "detach the old device filter of cgroup '%s'",
				       cgroup_dir);
	}
	return 0;
}
