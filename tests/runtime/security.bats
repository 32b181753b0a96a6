#!/usr/bin/env bats
# kist-runtime security: capabilities, no_new_privs, seccomp, the known runc
# escapes (CVE-2019-5736, CVE-2024-21626, symlinked mount targets), user
# namespaces.  Each checked from outside (/proc of the host) or by what the
# container could and could not do.
bats_require_minimum_version 1.5.0
load ../helpers
load runtime

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

# A seccomp profile that allows everything but what $1 (jq array) says.
set_seccomp() {
	update_config "$BUNDLE/config.json" ".linux.seccomp = $1"
}

# ---- capabilities ----

@test "runtime run: all five capability sets as config.json says (non-root user)" {
	update_config "$BUNDLE/config.json" '.process.user = {uid: 1000, gid: 1000}
		| .process.capabilities = {
			bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
			permitted: ["CAP_CHOWN", "CAP_KILL"],
			effective: ["CAP_CHOWN", "CAP_KILL"],
			inheritable: ["CAP_CHOWN", "CAP_KILL"],
			ambient: ["CAP_KILL"]}'
	set_args '["grep", "^Cap", "/proc/self/status"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	# bits: CHOWN=0 KILL=5 NET_BIND_SERVICE=10; after execve a non-root
	# program keeps exactly its ambient set in permitted and effective
	assert_line "CapInh:	0000000000000021"
	assert_line "CapPrm:	0000000000000020"
	assert_line "CapEff:	0000000000000020"
	assert_line "CapBnd:	0000000000000421"
	assert_line "CapAmb:	0000000000000020"
}

@test "runtime run: a capability outside the bounding set cannot be used, one inside can" {
	update_config "$BUNDLE/config.json" '.process.capabilities = {
		bounding: ["CAP_KILL"], permitted: ["CAP_KILL"], effective: ["CAP_KILL"]}'
	set_args '["sh", "-c", "grep CapBnd /proc/self/status; touch /tmp/f; chown 1000 /tmp/f && echo chown-ok"]'
	rt run --bundle "$BUNDLE" "$CID"
	assert_line "CapBnd:	0000000000000020"
	refute_line "chown-ok"
	assert_output --partial "Operation not permitted"

	"$RT" --root "$RT_ROOT" delete --force "$CID" || true
	update_config "$BUNDLE/config.json" '.process.capabilities = {
		bounding: ["CAP_CHOWN"], permitted: ["CAP_CHOWN"], effective: ["CAP_CHOWN"]}'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	assert_line "chown-ok"
	[ "$(stat -c %u "$BUNDLE/rootfs/tmp/f")" = 1000 ]
}

@test "runtime run: noNewPrivileges true and false" {
	set_args '["grep", "NoNewPrivs", "/proc/self/status"]'
	update_config "$BUNDLE/config.json" '.process.noNewPrivileges = true'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	assert_output "NoNewPrivs:	1"
	"$RT" --root "$RT_ROOT" delete --force "$CID" || true
	update_config "$BUNDLE/config.json" '.process.noNewPrivileges = false'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	assert_output "NoNewPrivs:	0"
}

@test "runtime create [bad input]: unknown capability name" {
	update_config "$BUNDLE/config.json" '.process.capabilities.bounding += ["CAP_BOGUS"]'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_output --partial "unknown capability 'CAP_BOGUS'"
	assert_output --partial "process.capabilities.bounding"
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	[ ! -e "$RT_ROOT/$CID" ]
}

# ---- seccomp ----

@test "runtime run: seccomp errno rule with errnoRet, unknown syscall names skipped" {
	set_seccomp '{defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
		syscalls: [{names: ["mkdir", "mkdirat", "no_such_syscall_kist"], action: "SCMP_ACT_ERRNO", errnoRet: 13}]}'
	set_args '["sh", "-c", "grep ^Seccomp: /proc/self/status; mkdir /tmp/d || echo mkdir-failed; touch /tmp/f && echo touch-ok"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	assert_line "Seccomp:	2"
	assert_line "mkdir-failed"
	assert_output --partial "Permission denied"
	assert_line "touch-ok"
	[ ! -e "$BUNDLE/rootfs/tmp/d" ]
}

@test "runtime run: a compiled seccomp program is cached by its exact profile, never mixed up" {
	# profile A refuses mkdir, profile B chmod: each run gets its own program
	local a='{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13}]}'
	local b='{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["chmod", "fchmodat"], action: "SCMP_ACT_ERRNO", errnoRet: 13}]}'
	local probe='["sh", "-c", "mkdir /tmp/d 2>/dev/null && echo mkdir-ok || echo mkdir-refused; touch /tmp/f; chmod 600 /tmp/f 2>/dev/null && echo chmod-ok || echo chmod-refused; rmdir /tmp/d 2>/dev/null; true"]'
	set_args "$probe"
	local i
	for i in 1 2; do
		set_seccomp "$a"
		rt run --bundle "$BUNDLE" "$CID"
		assert_success
		assert_output "mkdir-refused
chmod-ok"
		set_seccomp "$b"
		rt run --bundle "$BUNDLE" "$CID"
		assert_success
		assert_output "mkdir-ok
chmod-refused"
	done
	# one program per profile, kept under the state root
	[ "$(find "$RT_ROOT/.seccomp" -type f | wc -l)" -eq 2 ]
	# a cache file that does not hold this very profile is not used
	local f
	for f in "$RT_ROOT"/.seccomp/*; do printf 'kist-seccomp 1\nforged\0\6\0\0\0\0\0\377\177' >"$f"; done
	set_seccomp "$a"
	rt run --bundle "$BUNDLE" "$CID"
	assert_success
	assert_output "mkdir-refused
chmod-ok"
}

@test "runtime run: seccomp argument conditions (EQ on the mode of chmod)" {
	set_seccomp '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [
		{names: ["chmod"], action: "SCMP_ACT_ERRNO", args: [{index: 1, value: 511, op: "SCMP_CMP_EQ"}]},
		{names: ["fchmodat"], action: "SCMP_ACT_ERRNO", args: [{index: 2, value: 511, op: "SCMP_CMP_EQ"}]}]}'
	set_args '["sh", "-c", "touch /tmp/f; chmod 750 /tmp/f && echo chmod-750-ok; chmod 777 /tmp/f || echo chmod-777-refused"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	assert_line "chmod-750-ok"
	assert_line "chmod-777-refused"
	[ "$(stat -c %a "$BUNDLE/rootfs/tmp/f")" = 750 ]
}

@test "runtime run: seccomp SCMP_ACT_KILL_PROCESS kills with SIGSYS, flags accepted" {
	set_seccomp '{defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_KILL_PROCESS"}]}'
	set_args '["mkdir", "/tmp/d"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 159 ] # 128 + SIGSYS
	[ ! -e "$BUNDLE/rootfs/tmp/d" ]
}

@test "runtime run: seccomp allow-list with defaultAction SCMP_ACT_ERRNO and defaultErrnoRet" {
	# deny by default with ENOSYS, allow what busybox needs to start and print
	set_seccomp '{defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 38, syscalls: [
		{names: ["execve", "brk", "arch_prctl", "set_tid_address", "set_robust_list", "rseq",
			"prlimit64", "mmap", "munmap", "mprotect", "readlink", "getuid", "geteuid", "getpid",
			"getppid", "rt_sigaction", "rt_sigprocmask", "write", "writev", "exit_group", "exit",
			"fstat", "newfstatat", "ioctl", "read", "openat", "close", "getrandom", "uname",
			"getcwd", "fcntl", "close_range", "umask", "capget", "capset", "prctl", "setresuid",
			"setresgid", "setgroups", "chdir", "getgid", "getegid", "lseek", "mremap", "futex",
			"sigaltstack", "access", "faccessat2", "stat", "lstat", "statx", "time", "gettid",
			"tgkill", "rt_sigreturn", "poll", "clock_gettime", "gettimeofday", "dup2", "dup3",
			"clone", "wait4", "vfork", "fork", "kill", "getpgrp", "setpgid", "rt_sigsuspend", "pipe2"],
		 action: "SCMP_ACT_ALLOW"}]}'
	set_args '["sh", "-c", "echo in-container; mkdir /tmp/x || echo mkdir-failed"]'
	rt run --bundle "$BUNDLE" "$CID"
	assert_line "in-container"
	assert_line "mkdir-failed"
	assert_output --partial "Function not implemented"
}

@test "runtime create [bad input]: seccomp with an unknown action" {
	set_seccomp '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir"], action: "SCMP_ACT_BOGUS"}]}'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_output --partial "unknown seccomp action 'SCMP_ACT_BOGUS'"
	assert_output --partial "linux.seccomp.syscalls[0].action"
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	[ ! -e "$RT_ROOT/$CID" ]
}

@test "runtime create [bad input]: seccomp with a bad default action, operator, arch, flag, notify" {
	set_seccomp '{defaultAction: "SCMP_ACT_NOPE"}'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_output --partial "unknown seccomp action 'SCMP_ACT_NOPE' in 'linux.seccomp.defaultAction'"

	set_seccomp '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir"], action: "SCMP_ACT_ERRNO", args: [{index: 0, value: 1, op: "SCMP_CMP_ALMOST"}]}]}'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_output --partial "unknown seccomp operator 'SCMP_CMP_ALMOST'"

	set_seccomp '{defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_Z80"]}'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_output --partial "unknown architecture 'SCMP_ARCH_Z80'"

	set_seccomp '{defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_BOGUS"]}'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_output --partial "unknown seccomp flag 'SECCOMP_FILTER_FLAG_BOGUS'"

	set_seccomp '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir"], action: "SCMP_ACT_NOTIFY"}]}'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_output --partial "SCMP_ACT_NOTIFY"
	[ ! -e "$RT_ROOT/$CID" ]
}

# ---- CVE-2019-5736: the runtime binary cannot be overwritten from inside ----

# exe_is_host_binary PID: /proc/PID/exe is the runtime's file on the host
exe_is_host_binary() {
	[ "$(stat -L -c %d:%i "/proc/$1/exe")" = "$(stat -L -c %d:%i "$RT")" ]
}

@test "runtime: container processes cannot write the runtime binary through /proc/PID/exe (CVE-2019-5736)" {
	local before after pid
	before=$(sha256sum "$RT" | cut -d' ' -f1)
	set_args '["sleep", "1000"]'
	# a privileged container: the attacker has every capability
	update_config "$BUNDLE/config.json" 'del(.process.capabilities)'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	pid=$(jq -r .pid "$RT_ROOT/$CID/state.json")
	# the created init is no longer the runtime's binary: it waits for
	# `start` in the sealed exec trampoline
	! exe_is_host_binary "$pid"
	run readlink "/proc/$pid/exe"
	assert_output "/memfd:kist-runtime-trampoline (deleted)"
	# inside the container, pid 1 is that process: try to overwrite it
	rt exec "$CID" sh -c 'readlink /proc/1/exe; echo pwned >> /proc/1/exe && echo wrote; (exec 3>/proc/1/exe) && echo opened; true'
	[ "$status" -eq 0 ]
	assert_line "/memfd:kist-runtime-trampoline (deleted)"
	refute_line "wrote"
	refute_line "opened"
	# the same attempt from the host side through /proc/PID/exe
	run ! sh -c "echo pwned >> /proc/$pid/exe"
	# once started, the program is what pid 1 runs
	rt start "$CID"
	[ "$status" -eq 0 ]
	wait_for exe_is_not "$pid" "/memfd:kist-runtime-trampoline (deleted)"
	after=$(sha256sum "$RT" | cut -d' ' -f1)
	[ "$before" = "$after" ]
}

exe_is_not() { [ "$(readlink "/proc/$1/exe")" != "$2" ]; }

@test "runtime run: a program that is /proc/self/exe (as path or interpreter) never runs the runtime's binary" {
	local before
	before=$(sha256sum "$RT" | cut -d' ' -f1)
	# the runtime's binary, run as the container's program, would print
	# its usage; what runs is the trampoline, which has nothing to run
	set_args '["/proc/self/exe", "--help"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ]
	assert_output "kist-runtime-init: nothing to run"
	printf '#!/proc/self/exe\necho script\n' >"$BUNDLE/rootfs/evil.sh"
	chmod +x "$BUNDLE/rootfs/evil.sh"
	set_args '["/evil.sh", "spec"]'
	rt run --bundle "$BUNDLE" "$CID-2"
	[ "$status" -eq 1 ]
	assert_output "kist-runtime-init: nothing to run"
	[ ! -e "$BUNDLE/rootfs/config.json" ]
	[ "$before" = "$(sha256sum "$RT" | cut -d' ' -f1)" ]
}

@test "runtime create: where the trampoline is not enough, the init runs from a read-only overlay of the runtime" {
	local pid other
	set_args '["sleep", "1000"]'
	# the host's pid namespace: others may watch the init before it execs
	update_config "$BUNDLE/config.json" '.linux.namespaces |= map(select(.type != "pid"))'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	pid=$(jq -r .pid "$RT_ROOT/$CID/state.json")
	! exe_is_host_binary "$pid"
	[ "$(stat -f -c %T "/proc/$pid/exe")" = overlayfs ]
	run ! sh -c "echo pwned >> /proc/$pid/exe"
	"$RT" --root "$RT_ROOT" delete --force "$CID"

	# a seccomp profile that may refuse the trampoline's execveat: the
	# container still runs, from the overlay
	update_config "$BUNDLE/config.json" '.linux.namespaces += [{type: "pid"}]'
	set_seccomp '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["execveat"], action: "SCMP_ACT_ERRNO"}]}'
	set_args '["sh", "-c", "readlink /proc/1/exe; echo ran"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	assert_line ran
	set_seccomp '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["fcntl"], action: "SCMP_ACT_ALLOW", args: [{index: 1, value: 2, op: "SCMP_CMP_EQ"}]}]}'
	set_args '["sleep", "1000"]'
	rt_bg create --bundle "$BUNDLE" "$CID-2"
	[ "$status" -eq 0 ]
	other=$(jq -r .pid "$RT_ROOT/$CID-2/state.json")
	[ "$(stat -f -c %T "/proc/$other/exe")" = overlayfs ]
	"$RT" --root "$RT_ROOT" delete --force "$CID-2"

	# a startContainer hook, which the init itself execs in the container
	set_seccomp null
	update_config "$BUNDLE/config.json" '.hooks.startContainer = [{path: "/bin/true"}]'
	rt_bg create --bundle "$BUNDLE" "$CID-3"
	[ "$status" -eq 0 ]
	other=$(jq -r .pid "$RT_ROOT/$CID-3/state.json")
	[ "$(stat -f -c %T "/proc/$other/exe")" = overlayfs ]
	"$RT" --root "$RT_ROOT" delete --force "$CID-3"
}

@test "runtime create: with the trampoline the init's last steps fail at create, with the error" {
	# more supplementary groups than the kernel takes: create (not
	# start) says so, and leaves nothing
	update_config "$BUNDLE/config.json" '.process.user = {uid: 1000, gid: 1000, additionalGids: [range(0; 70000)]}'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ]
	assert_output "kist-runtime: 'process.user.additionalGids': setgroups: Invalid argument"
	[ ! -e "$RT_ROOT/$CID" ]
	assert_no_leftovers
}

@test "runtime run: the init shares the runtime's memory until it execs the trampoline (x86_64); with hooks it is a fork" {
	[ "$(uname -m)" = x86_64 ] || skip "the init is a fork on $(uname -m) (runtime/clone.h)"
	command -v strace >/dev/null || fail "strace is needed (tests/runtime/packages.txt)"
	set_args '["sh", "-c", "echo $HOME-$KIST_TEST_MARK"]'
	# the init's clone (the one that makes the pid namespace), its flags
	init_clone() { grep -h 'CLONE_NEWPID' "$BATS_TEST_TMPDIR"/trace.* | head -1; }
	run env KIST_TEST_MARK=runtime-side strace -f -qq -o "$BATS_TEST_TMPDIR/trace" -ff \
		-e trace=clone,clone3 "$RT" --root "$RT_ROOT" run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	# the container's environment, not the runtime's
	assert_output "/root-"
	[[ "$(init_clone)" == *CLONE_VM* ]] || fail "init clone: $(init_clone)"
	assert_no_leftovers
	rm -f "$BATS_TEST_TMPDIR"/trace.*
	# hooks run while the init waits (prestart in the runtime,
	# createContainer in the init, which forks them): not shared
	update_config "$BUNDLE/config.json" '.hooks.prestart = [{path: "/bin/true"}]
		| .hooks.createContainer = [{path: "/bin/true"}]'
	run strace -f -qq -o "$BATS_TEST_TMPDIR/trace" -ff -e trace=clone,clone3 \
		"$RT" --root "$RT_ROOT" run --bundle "$BUNDLE" "$CID-2"
	[ "$status" -eq 0 ]
	assert_output "/root-"
	[ -n "$(init_clone)" ]
	[[ "$(init_clone)" != *CLONE_VM* ]] || fail "init clone with hooks: $(init_clone)"
}

@test "runtime create: an init sharing the runtime's memory that fails half-way leaves the runtime whole: the error, nothing left, the next create works" {
	# a mount the init cannot make (its source is missing): the runtime
	# gets the error from an init that ran in its memory, kills it, and
	# goes on to clean up with its own state intact
	update_config "$BUNDLE/config.json" '.mounts += [{destination: "/data", type: "bind", source: "/nonexistent-kist-source", options: ["bind"]}]'
	for i in 1 2 3; do
		rt_bg create --bundle "$BUNDLE" "$CID-$i"
		[ "$status" -eq 1 ]
		[[ "$output" == *"/nonexistent-kist-source"* ]] || fail "$output"
		[ ! -e "$RT_ROOT/$CID-$i" ]
	done
	assert_no_leftovers
	update_config "$BUNDLE/config.json" 'del(.mounts[-1])'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	"$RT" --root "$RT_ROOT" start "$CID"
	"$RT" --root "$RT_ROOT" delete --force "$CID"
	assert_no_leftovers
}

# ---- CVE-2024-21626: no host fd reaches the container; cwd stays inside ----

@test "runtime run: only stdio reaches the container process (no leaked fds)" {
	set_args '["ls", "/proc/self/fd"]'
	# bats holds fd 3; give the runtime a host directory on fd 7 as well
	rt run --bundle "$BUNDLE" "$CID" 7</
	[ "$status" -eq 0 ]
	# 0 1 2, and 3: the directory ls opened itself
	[ "$(echo $output)" = "0 1 2 3" ]
}

@test "runtime run: process.cwd through /proc/self/fd/N cannot reach a host directory (CVE-2024-21626)" {
	local n
	mkdir -p "$BATS_TEST_TMPDIR/host-secret-dir"
	touch "$BATS_TEST_TMPDIR/host-secret-dir/host-secret-file"
	set_args '["sh", "-c", "ls; readlink /proc/self/cwd"]'
	for n in 3 4 5 6 7 8 9; do
		update_config "$BUNDLE/config.json" ".process.cwd = \"/proc/self/fd/$n\""
		rt run --bundle "$BUNDLE" "$CID" 7<"$BATS_TEST_TMPDIR/host-secret-dir" 8</
		refute_output --partial "host-secret-file"
		refute_output --partial "unreachable"
		"$RT" --root "$RT_ROOT" delete --force "$CID" || true
	done
}

# ---- symlinks in the rootfs that point at host paths ----

@test "runtime run: a mount destination through a symlink to a host path lands inside the rootfs" {
	local host=$BATS_TEST_TMPDIR/hostdir
	mkdir -p "$host"
	echo host-data >"$host/file"
	# /evil -> <absolute host path>: must resolve to <rootfs>/<host path>
	ln -s "$host" "$BUNDLE/rootfs/evil"
	update_config "$BUNDLE/config.json" '.mounts += [
		{destination: "/evil/sub", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]'
	set_args '["awk", "{print $5}", "/proc/self/mountinfo"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	assert_line "$host/sub"
	# nothing was created or mounted on the host's directory
	[ ! -e "$host/sub" ]
	[ "$(ls "$host")" = file ]
	[ -d "$BUNDLE/rootfs$host/sub" ]
	run grep -c " $host/sub " /proc/self/mountinfo
	[ "$output" = 0 ]
}

@test "runtime run: maskedPaths and readonlyPaths that are symlinks resolve in the rootfs, never on the host" {
	local host=$BATS_TEST_TMPDIR/hostdir2
	mkdir -p "$host/ro"
	echo host-secret >"$host/secret"
	# decoys inside the rootfs at the same paths
	mkdir -p "$BUNDLE/rootfs$host/ro"
	echo rootfs-copy >"$BUNDLE/rootfs$host/secret"
	ln -s "$host/secret" "$BUNDLE/rootfs/masklink"
	ln -s "$host/ro" "$BUNDLE/rootfs/rolink"
	update_config "$BUNDLE/config.json" '.linux.maskedPaths += ["/masklink"] | .linux.readonlyPaths += ["/rolink"]'
	set_args "[\"sh\", \"-c\", \"cat $host/secret; echo end; grep -c ' $host' /proc/self/mountinfo; touch $host/ro/x || echo ro-refused\"]"
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	# they resolve inside the container's root, as runc does: the decoys
	# are masked and read-only.  What must never happen: the host's files
	# touched, or anything mounted at the host path.
	refute_output --partial "host-secret"
	refute_output --partial "rootfs-copy"
	assert_line --index 0 "end"
	assert_line "ro-refused"
	[ "$(cat "$host/secret")" = host-secret ]
	[ ! -e "$host/ro/x" ] && [ ! -e "$BUNDLE/rootfs$host/ro/x" ]
	run grep -c " $host" /proc/self/mountinfo
	[ "$output" = 0 ]
	touch "$host/ro/y"
}

# ---- user namespaces ----

@test "runtime run: user namespace: root in the container is an unprivileged host uid" {
	requires userns
	local vol=$BATS_TEST_TMPDIR/vol pid
	mkdir -p "$vol"
	chown 100000:100000 "$vol"
	chmod 1777 "$vol"
	userns_bundle 100000
	update_config "$BUNDLE/config.json" '.mounts += [{destination: "/vol", type: "bind", source: "'"$vol"'", options: ["rbind", "rw"]}]
		| .mounts |= map(select(.type != "cgroup"))'
	set_args '["sh", "-c", "touch /vol/by-root; mkdir /vol/dir; sleep 1000"]'
	rt_bg run -d --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	pid=$(jq -r .pid "$RT_ROOT/$CID/state.json")
	wait_for test -e "$vol/dir"
	rt exec --user 1000:1000 "$CID" touch /vol/by-kist
	[ "$status" -eq 0 ]
	# seen from the host: uid and gid 100000, no capabilities in the host userns
	run grep -E '^(Uid|Gid):' "/proc/$pid/status"
	assert_line --regexp '^Uid:	100000	100000	100000	100000$'
	assert_line --regexp '^Gid:	100000	100000	100000	100000$'
	[ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ]
	[ "$(stat -c %u:%g "$vol/by-root")" = 100000:100000 ]
	[ "$(stat -c %u:%g "$vol/dir")" = 100000:100000 ]
	[ "$(stat -c %u:%g "$vol/by-kist")" = 101000:101000 ]
	# an exec'd process is mapped the same way
	rt exec "$CID" sh -c 'id -u; cat /proc/self/uid_map'
	[ "$status" -eq 0 ]
	assert_line "0"
	assert_line --regexp '^ +0 +100000 +65536$'
}

@test "runtime run/exec: seccomp without noNewPrivileges for a non-root user (filter loaded before setuid)" {
	update_config "$BUNDLE/config.json" '.process.noNewPrivileges = false | .process.user = {uid: 1000, gid: 1000}
		| .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"}]}'
	set_args '["sh", "-c", "id -u; grep -E \"^(Seccomp|NoNewPrivs):\" /proc/self/status; mkdir /tmp/x || echo mkdir-refused; sleep 1000"]'
	rt_bg run -d --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	wait_for grep -q mkdir-refused "$BATS_TEST_TMPDIR/ctr.log"
	run cat "$BATS_TEST_TMPDIR/ctr.log"
	assert_line "1000"
	assert_line "Seccomp:	2"
	assert_line "NoNewPrivs:	0"
	rt exec --user 1000:1000 "$CID" sh -c 'id -u; mkdir /tmp/y || echo exec-mkdir-refused'
	[ "$status" -eq 0 ]
	assert_line "1000"
	assert_line "exec-mkdir-refused"
}

# ---- seccomp user notification ----

@test "runtime run and exec: SCMP_ACT_NOTIFY hands the notify fd and the state to listenerPath" {
	local sock=$BATS_TEST_TMPDIR/agent.sock log=$BATS_TEST_TMPDIR/agent.log
	"$TOOLS_BIN/seccomp_agent" "$sock" "$log" &
	track_pid $!
	wait_for test -S "$sock"
	update_config "$BUNDLE/config.json" ".linux.seccomp = {defaultAction: \"SCMP_ACT_ALLOW\", listenerPath: \"$sock\", listenerMetadata: \"meta-1\", syscalls: [{names: [\"mkdir\", \"mkdirat\"], action: \"SCMP_ACT_NOTIFY\"}]}"
	set_args '["sh", "-c", "mkdir /tmp/d; echo rc=$?; test -d /tmp/d || echo no-dir; exec sleep 1000"]'
	rt_bg run -d --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	local pid
	pid=$(ctr_pid)
	# the agent answered the init's mkdir with ENOMSG
	wait_for grep -q "^notified " "$log"
	run -0 jq -R -c 'fromjson? | select(.fds) | [.ociVersion, .fds, .metadata, .state.id, .pid == .state.pid, .pid]' "$log"
	assert_output "[\"1.0.2\",[\"seccompFd\"],\"meta-1\",\"$CID\",true,$pid]"
	# an exec'd process gets its own filter and its own message, with its own pid
	rt exec "$CID" sh -c 'mkdir /tmp/e 2>&1; echo rc=$?'
	[ "$status" -eq 0 ]
	assert_line --partial "No message of desired type"
	assert_line "rc=1"
	run -0 jq -R -s -c '[split("\n")[] | fromjson? | select(.fds)] | length == 2 and .[1].pid != .[0].pid and .[1].pid > 0 and .[1].state.id == .[0].state.id' "$log"
	assert_output true
	[ "$(grep -c '^notified ' "$log")" -ge 2 ]
	# the pid in the message is the process's pid on the host
	rt_bg exec --detach --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$CID" sh -c 'mkdir /tmp/f; exec sleep 1000'
	[ "$status" -eq 0 ]
	track_pid "$(cat "$BATS_TEST_TMPDIR/exec.pid")"
	wait_for test "$(grep -c '^notified ' "$log")" -ge 3
	run -0 jq -R -s -r '[split("\n")[] | fromjson? | select(.fds)] | .[2].pid' "$log"
	assert_output "$(cat "$BATS_TEST_TMPDIR/exec.pid")"
	# NOTIFY without a listener is refused before anything starts
	update_config "$BUNDLE/config.json" 'del(.linux.seccomp.listenerPath)'
	rt run --bundle "$BUNDLE" "$CID-2"
	[ "$status" -eq 1 ]
	assert_output --partial "SCMP_ACT_NOTIFY needs 'linux.seccomp.listenerPath'"
}
