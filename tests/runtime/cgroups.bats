#!/usr/bin/env bats
# kist-runtime cgroups: limits read from the host's cgroup files (v1, v2 or
# hybrid, whatever the host has), OOM kill, pids limit vs a fork bomb,
# pause/resume, update, a 256 KiB memory limit, removal on delete.
bats_require_minimum_version 1.5.0
load ../helpers
load runtime

setup() { setup_bundle; }
teardown() { teardown_bundle; }

# (a mounted v1 hierarchy: a bare directory of that name is not one)
v1() { mountpoint -q "/sys/fs/cgroup/$1"; }

@test "runtime run: memory, cpu, cpuset and pids limits land in the host's cgroup files" {
	update_config "$BUNDLE/config.json" '.linux.resources.memory = {limit: 67108864, reservation: 33554432}
		| .linux.resources.cpu = {shares: 512, quota: 20000, period: 100000, cpus: "0", mems: "0"}
		| .linux.resources.pids = {limit: 50}'
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	pid=$(ctr_pid)
	grep -qx "$pid" "$(cg_dir pids)/cgroup.procs"
	grep -qx "$pid" "$(cg_dir memory)/cgroup.procs"
	if v1 memory; then
		[ "$(cat "$(cg_dir memory)/memory.limit_in_bytes")" = 67108864 ]
		[ "$(cat "$(cg_dir memory)/memory.soft_limit_in_bytes")" = 33554432 ]
	else
		[ "$(cat "$(cg_dir memory)/memory.max")" = 67108864 ]
		[ "$(cat "$(cg_dir memory)/memory.low")" = 33554432 ]
	fi
	if v1 cpu; then
		[ "$(cat "$(cg_dir cpu)/cpu.shares")" = 512 ]
		[ "$(cat "$(cg_dir cpu)/cpu.cfs_quota_us")" = 20000 ]
		[ "$(cat "$(cg_dir cpu)/cpu.cfs_period_us")" = 100000 ]
	else
		[ "$(cat "$(cg_dir cpu)/cpu.max")" = "20000 100000" ]
		[ "$(cat "$(cg_dir cpu)/cpu.weight")" = 20 ]
	fi
	[ "$(cat "$(cg_dir cpuset)/cpuset.cpus")" = 0 ]
	[ "$(cat "$(cg_dir cpuset)/cpuset.mems")" = 0 ]
	[ "$(cat "$(cg_dir pids)/pids.max")" = 50 ]
	"$RT" --root "$RT_ROOT" delete --force "$CID"
	assert_no_leftovers
}

@test "runtime run: memory swap limit (memory+swap) where the host accounts swap" {
	if v1 memory && [ ! -f /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]; then
		skip_or_fail "swap accounting is off on this host"
	fi
	update_config "$BUNDLE/config.json" '.linux.resources.memory = {limit: 33554432, swap: 67108864}'
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	if v1 memory; then
		[ "$(cat "$(cg_dir memory)/memory.memsw.limit_in_bytes")" = 67108864 ]
	else
		[ "$(cat "$(cg_dir memory)/memory.swap.max")" = 33554432 ]
	fi
}

# hugetlb_name KB: the kernel's name for a huge page size (mem_fmt in
# mm/hugetlb_cgroup.c: 1GB, 2MB, 64KB)
hugetlb_name() {
	if [ "$1" -ge $((1024 * 1024)) ]; then
		echo "$(($1 / 1024 / 1024))GB"
	elif [ "$1" -ge 1024 ]; then
		echo "$(($1 / 1024))MB"
	else
		echo "$1KB"
	fi
}

# hugetlb_file NAME: the container's limit file for that page size
hugetlb_file() {
	if v1 hugetlb; then
		echo "$(cg_dir hugetlb)/hugetlb.$1.limit_in_bytes"
	elif grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
		echo "/sys/fs/cgroup/unified$CG/hugetlb.$1.max"
	elif grep -qw hugetlb /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
		echo "/sys/fs/cgroup$CG/hugetlb.$1.max"
	fi
}

@test "runtime run: hugetlb limits for every huge page size of the host, named as the kernel does" {
	local sizes=() kbs=() limits="[]" kb name i
	for d in /sys/kernel/mm/hugepages/hugepages-*kB; do
		[ -d "$d" ] || continue
		kb=${d##*/hugepages-}
		kbs+=("${kb%kB}")
	done
	[ "${#kbs[@]}" -gt 0 ] || skip_or_fail "no huge page sizes on this host"
	[ -n "$(hugetlb_file 2MB)" ] || skip_or_fail "no hugetlb cgroup controller on this host"
	for i in "${!kbs[@]}"; do
		kb=${kbs[$i]}
		# the config may spell the size in kB (2048kB, 1048576kB): the
		# runtime names it as the kernel does
		limits=$(jq -c --arg ps "${kb}kB" --argjson l $((kb * 1024 * (i + 2))) \
			'. + [{pageSize: $ps, limit: $l}]' <<<"$limits")
	done
	update_config "$BUNDLE/config.json" ".linux.resources.hugepageLimits = $limits"
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	for i in "${!kbs[@]}"; do
		kb=${kbs[$i]}
		name=$(hugetlb_name "$kb")
		[ "$(cat "$(hugetlb_file "$name")")" = $((kb * 1024 * (i + 2))) ] || fail "$name limit not set"
	done
}

@test "runtime create [bad input]: a huge page size the host does not have" {
	update_config "$BUNDLE/config.json" '.linux.resources.hugepageLimits = [{pageSize: "3MB", limit: 1048576}]'
	rt create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"'linux.resources.hugepageLimits[0].pageSize': page size '3MB' is not a huge page size of this host"* ]]
	assert_no_leftovers
}

@test "runtime run: the memory limit OOM-kills a memory hog" {
	update_config "$BUNDLE/config.json" '.linux.resources.memory = {limit: 33554432, swap: 33554432}'
	if v1 memory && [ ! -f /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]; then
		update_config "$BUNDLE/config.json" 'del(.linux.resources.memory.swap)'
	fi
	set_args '["/tools/init", "memhog", "256"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	wait_for is_stopped
	if v1 memory; then
		[ "$(awk '/^oom_kill / {print $2}' "$(cg_dir memory)/memory.oom_control")" -ge 1 ]
		[ "$(cat "$(cg_dir memory)/memory.max_usage_in_bytes")" -le 33554432 ]
	else
		[ "$(awk '/^oom_kill / {print $2}' "$(cg_dir memory)/memory.events")" -ge 1 ]
	fi
	! grep -q done "$BATS_TEST_TMPDIR/ctr.log"
	# in the foreground: killed by SIGKILL, run exits 137
	"$RT" --root "$RT_ROOT" delete "$CID"
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 137 ]
	assert_no_leftovers
}

@test "runtime run: the pids limit stops a fork bomb" {
	update_config "$BUNDLE/config.json" '.linux.resources.pids = {limit: 20}'
	set_args '["/tools/init", "forkbomb", "200"]'
	rt run --bundle "$BUNDLE" "$CID"
	# the bomb kills its own process group at the end
	[[ "$output" =~ forked\ ([0-9]+)\ Resource\ temporarily\ unavailable ]]
	n=${BASH_REMATCH[1]}
	[ "$n" -lt 20 ]
	[ "$n" -ge 15 ]
	assert_no_leftovers
}

@test "runtime pause/resume: the freezer, and the state says paused" {
	set_args '["sh", "-c", "sleep 1000 & /tools/init pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	rt resume "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"container not paused"* ]]
	rt pause "$CID"
	[ "$status" -eq 0 ]
	[ "$(ctr_status)" = paused ]
	if v1 freezer; then
		[ "$(cat "$(cg_dir freezer)/freezer.state")" = FROZEN ]
	else
		[ "$(cat "$(cg_dir freezer)/cgroup.freeze")" = 1 ]
	fi
	rt delete "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not stopped: paused"* ]]
	rt resume "$CID"
	[ "$status" -eq 0 ]
	[ "$(ctr_status)" = running ]
	if v1 freezer; then
		[ "$(cat "$(cg_dir freezer)/freezer.state")" = THAWED ]
	fi
	# a paused container can still be deleted with --force
	rt pause "$CID"
	rt delete --force "$CID"
	[ "$status" -eq 0 ]
	assert_no_leftovers
}

@test "runtime update: flags, -r FILE and -r - change a running container's limits" {
	update_config "$BUNDLE/config.json" '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 50}'
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	rt update --memory 100m --pids-limit 30 --cpu-share 256 "$CID"
	[ "$status" -eq 0 ]
	[ "$(cat "$(cg_dir pids)/pids.max")" = 30 ]
	if v1 memory; then
		[ "$(cat "$(cg_dir memory)/memory.limit_in_bytes")" = 104857600 ]
		[ "$(cat "$(cg_dir cpu)/cpu.shares")" = 256 ]
	else
		[ "$(cat "$(cg_dir memory)/memory.max")" = 104857600 ]
	fi
	echo '{"pids": {"limit": 40}, "memory": {"limit": 50331648}}' >"$BATS_TEST_TMPDIR/res.json"
	rt update -r "$BATS_TEST_TMPDIR/res.json" "$CID"
	[ "$status" -eq 0 ]
	[ "$(cat "$(cg_dir pids)/pids.max")" = 40 ]
	run "$RT" --root "$RT_ROOT" update --resources - "$CID" <<<'{"pids": {"limit": 45}}'
	[ "$status" -eq 0 ]
	[ "$(cat "$(cg_dir pids)/pids.max")" = 45 ]
	rt update --resources=- "$CID" <<<'{"pids": {"limit": "many"}}'
	[ "$status" -eq 1 ]
	[[ "$output" == *"'resources.pids.limit' must be an integer"* ]]
	[ "$(cat "$(cg_dir pids)/pids.max")" = 45 ]
	rt update --memory lots "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--memory: invalid size 'lots'"* ]]
}

@test "runtime update: --memory -1 lifts memory+swap too; --cpu-idle, --cpu-burst (as runc)" {
	[ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] || skip "needs v1 memory with swap accounting"
	update_config "$BUNDLE/config.json" '.linux.resources.memory = {limit: 33554432, swap: 67108864}'
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	rt update --memory -1 "$CID"
	[ "$status" -eq 0 ] || fail "$output"
	local unlimited
	unlimited=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)
	[ "$(cat "$(cg_dir memory)/memory.limit_in_bytes")" = "$unlimited" ]
	[ "$(cat "$(cg_dir memory)/memory.memsw.limit_in_bytes")" = "$unlimited" ]
	if [ -e "$(cg_dir cpu)/cpu.idle" ]; then
		rt update --cpu-idle 1 "$CID"
		[ "$status" -eq 0 ] || fail "$output"
		[ "$(cat "$(cg_dir cpu)/cpu.idle")" = 1 ]
		rt update --cpu-idle 2 "$CID"
		[ "$status" -eq 1 ]
		[ "$(cat "$(cg_dir cpu)/cpu.idle")" = 1 ]
	fi
	if [ -e "$(cg_dir cpu)/cpu.cfs_burst_us" ]; then
		rt update --cpu-period 900000 --cpu-burst 500000 "$CID"
		[ "$status" -eq 0 ] || fail "$output"
		[ "$(cat "$(cg_dir cpu)/cpu.cfs_burst_us")" = 500000 ]
		rt update --cpu-burst 0 "$CID"
		[ "$status" -eq 0 ]
		[ "$(cat "$(cg_dir cpu)/cpu.cfs_burst_us")" = 0 ]
	fi
}

@test "runtime update: a shorter cpu period under a parent's quota goes after the new quota (v1)" {
	v1 cpu || skip "needs the v1 cpu controller"
	# the container's cgroup below $CG (teardown removes $CG after it)
	mkdir -p "$(cg_dir cpu)"
	echo 50000 >"$(cg_dir cpu)/cpu.cfs_quota_us"
	update_config "$BUNDLE/config.json" ".linux.cgroupsPath = \"$CG/ctr\""
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	# 60% of the parent's period is over its 50%
	rt update --cpu-quota 60000 "$CID"
	[ "$status" -eq 1 ]
	rt update --cpu-period 10000 --cpu-quota 3000 "$CID"
	[ "$status" -eq 0 ] || fail "$output"
	[ "$(cat "$(cg_dir cpu "$CG/ctr")/cpu.cfs_period_us")" = 10000 ]
	[ "$(cat "$(cg_dir cpu "$CG/ctr")/cpu.cfs_quota_us")" = 3000 ]
}

@test "runtime run: a container with a 256 KiB memory limit still starts" {
	# ASan's own memory in the init (shadow, allocator) exceeds the limit
	requires plain-build
	update_config "$BUNDLE/config.json" '.linux.resources.memory = {limit: 262144}'
	set_args '["/tools/init", "exit", "5"]'
	# several times: building the container must not be charged to the limit
	for i in 1 2 3 4 5 6; do
		rt run --bundle "$BUNDLE" "$CID"
		[ "$status" -eq 5 ] || fail "run $i: status $status (137: OOM-killed)"
	done
	update_config "$BUNDLE/config.json" '.root.readonly = true | .linux.namespaces += [{type: "cgroup"}]'
	for i in 1 2 3; do
		rt run --bundle "$BUNDLE" "$CID"
		[ "$status" -eq 5 ] || fail "run $i with a cgroup namespace: status $status"
	done
	assert_no_leftovers
}

@test "runtime delete: the cgroup goes with the container, in every hierarchy" {
	set_args '["/tools/init", "pause"]'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ -n "$(cg_dirs_of "$CG")" ]
	for d in $(cg_dirs_of "$CG"); do grep -qx "$(ctr_pid)" "$d/cgroup.procs"; done
	rt delete "$CID"
	[ "$status" -eq 0 ]
	assert_no_leftovers
}

@test "runtime run: a real-time process in its cgroup: realtimeRuntime and realtimePeriod, the cgroup joined before the policy is set" {
	set_args '["/tools/init", "pause"]'
	update_config "$BUNDLE/config.json" '.process.scheduler = {policy: "SCHED_FIFO", priority: 3}'
	rt_dir=$(cg_dir cpu)
	if [ ! -f "${rt_dir%"$CG"}/cpu.rt_runtime_us" ]; then
		# no v1 real-time group scheduling: the limits are refused by name
		update_config "$BUNDLE/config.json" '.linux.resources.cpu = {realtimeRuntime: 20000}'
		rt run --bundle "$BUNDLE" "$CID"
		[ "$status" -ne 0 ]
		[[ "$output" == *"'linux.resources.cpu'"* ]]
		assert_no_leftovers
		return
	fi
	# a new group has no real-time runtime: the policy, set once the init
	# is in it, is refused (as runc), and the error names the field
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"'process.scheduler': sched_setattr: Operation not permitted"* ]]
	assert_no_leftovers
	update_config "$BUNDLE/config.json" '.linux.resources.cpu = {realtimeRuntime: 20000, realtimePeriod: 500000}'
	run_until_paused
	chrt -p "$pid" | grep -q "policy: SCHED_FIFO"
	chrt -p "$pid" | grep -q "priority: 3"
	[ "$(cat "$rt_dir/cpu.rt_runtime_us")" = 20000 ]
	[ "$(cat "$rt_dir/cpu.rt_period_us")" = 500000 ]
	# update: a period shorter than the old runtime goes after the new runtime
	rt update --cpu-rt-period 15000 --cpu-rt-runtime 10000 "$CID"
	[ "$status" -eq 0 ]
	[ "$(cat "$rt_dir/cpu.rt_period_us")" = 15000 ]
	[ "$(cat "$rt_dir/cpu.rt_runtime_us")" = 10000 ]
	rt update --cpu-rt-period 0 "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--cpu-rt-period: must be positive"* ]]
	rt delete --force "$CID"
	[ "$status" -eq 0 ]
	assert_no_leftovers
}

# in_cgroup PID: every hierarchy of PID's (but named ones, which hold no
# cgroup of ours) puts it in $CG
in_cgroup() {
	local line n=0
	while IFS= read -r line; do
		case $line in *:name=*) continue ;; esac
		[ "${line#*:*:}" = "$CG" ] || { echo "pid $1 not in $CG: $line" >&2; return 1; }
		n=$((n + 1))
	done <"/proc/$1/cgroup"
	[ "$n" -gt 0 ]
}

@test "runtime create/exec: the init moves itself into every hierarchy, also as another host user in a user namespace; an exec'd process too" {
	requires userns
	# the container's root is host uid 200000, which may not write the
	# host's cgroup files: the init opens them before it changes user
	userns_bundle 200000
	set_args '["/tools/init", "pause"]'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	pid=$(ctr_pid)
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = 200000 ]
	in_cgroup "$pid"
	for d in $(cg_dirs_of "$CG"); do grep -qx "$pid" "$d/cgroup.procs"; done
	rt start "$CID"
	[ "$status" -eq 0 ]
	rt exec "$CID" cat /proc/self/cgroup
	[ "$status" -eq 0 ]
	while IFS= read -r line; do
		case $line in *:name=*) continue ;; esac
		# the container sees its own cgroup from the host's root (no cgroup namespace)
		[ "${line#*:*:}" = "$CG" ]
	done <<<"$output"
	rt delete --force "$CID"
	[ "$status" -eq 0 ]
	assert_no_leftovers
}

# Run the rest of the command line in a private mount namespace whose
# /sys/fs/cgroup is only what $1 says: "v2" (a cgroup2 mount alone) or "v1"
# (the v1 hierarchies without the hybrid unified mount).
with_layout() {
	local layout=$1
	shift
	unshare -m --propagation private bash -c '
		set -e
		if [ "$0" = v2 ]; then
			for m in $(awk "\$5 ~ /^\/sys\/fs\/cgroup\// {print \$5}" /proc/self/mountinfo | sort -r); do umount "$m"; done
			[ -f /sys/fs/cgroup/cgroup.controllers ] || { umount /sys/fs/cgroup; mount -t cgroup2 none /sys/fs/cgroup; }
		else
			umount /sys/fs/cgroup/unified
		fi
		exec "$@"' "$layout" "$@"
}

@test "runtime: a pure cgroup v2 layout (create, freeze, kill --all, delete)" {
	requires cgroup2
	[ -d /sys/fs/cgroup/unified ] || [ -f /sys/fs/cgroup/cgroup.controllers ] || skip_or_fail "no cgroup2 to emulate with"
	update_config "$BUNDLE/config.json" '.linux.namespaces += [{type: "cgroup"}]'
	set_args '["sh", "-c", "sleep 1000 & /tools/init pause"]'
	cat >"$BATS_TEST_TMPDIR/v2.sh" <<SH
set -e
RT="$RT --root $RT_ROOT"
\$RT run --detach --bundle $BUNDLE $CID </dev/null >/dev/null 2>&1
pid=\$(\$RT state $CID | jq -r .pid)
grep -qx "\$pid" /sys/fs/cgroup$CG/cgroup.procs
\$RT pause $CID
[ "\$(cat /sys/fs/cgroup$CG/cgroup.freeze)" = 1 ]
\$RT state $CID | jq -r .status
\$RT resume $CID
\$RT state $CID | jq -r .status
\$RT kill --all $CID KILL
for i in \$(seq 100); do [ -s /sys/fs/cgroup$CG/cgroup.procs ] || break; sleep 0.05; done
\$RT delete --force $CID
[ ! -d /sys/fs/cgroup$CG ] && echo removed
SH
	run with_layout v2 bash "$BATS_TEST_TMPDIR/v2.sh"
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "$output" = "paused
running
removed" ]
}

# A bundle for the emulated pure-v2 layout whose process may mknod and whose
# device rules start with deny-all.
v2_devices_bundle() {
	requires cgroup2
	[ -d /sys/fs/cgroup/unified ] || [ -f /sys/fs/cgroup/cgroup.controllers ] || skip_or_fail "no cgroup2 to emulate with"
	local mk='.process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"] | .process.capabilities.permitted += ["CAP_MKNOD"]'
	update_config "$BUNDLE/config.json" "$mk | .linux.resources.devices = [{allow: false, access: \"rwm\"}]"
}

@test "runtime run: on cgroup v2 the device rules are an eBPF program (the last matching rule wins)" {
	v2_devices_bundle
	set_args '["sh", "-c", "rm -f /tmp/n /tmp/m /tmp/b; mknod /tmp/n c 1 3 && cat /tmp/n && echo null-ok; mknod /tmp/m c 1 1 && echo mem-made || echo mem-refused; mknod /tmp/b b 7 0 && echo blk-made || echo blk-refused"]'
	# the process stays in the host's v1 devices cgroup (the root, which
	# allows everything): only the program can refuse
	run with_layout v2 "$RT" --root "$RT_ROOT" run --bundle "$BUNDLE" "$CID"
	echo "$output" >&2
	[ "$status" -eq 0 ]
	assert_line null-ok
	assert_line mem-refused
	assert_line blk-refused
	# later rules win over the deny-all: mknod of 1:1, and block 7:*
	update_config "$BUNDLE/config.json" '.linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 1, access: "m"}, {allow: true, type: "b", major: 7, access: "rwm"}]'
	run with_layout v2 "$RT" --root "$RT_ROOT" run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	assert_line null-ok
	assert_line mem-made
	assert_line blk-made
	# and a deny after the allow wins again
	update_config "$BUNDLE/config.json" '.linux.resources.devices += [{allow: false, type: "b", access: "m"}]'
	run with_layout v2 "$RT" --root "$RT_ROOT" run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	assert_line mem-made
	assert_line blk-refused
	assert_no_leftovers
}

@test "runtime update: on cgroup v2 new device rules replace the program (no old one left to deny)" {
	v2_devices_bundle
	set_args '["sleep", "1000"]'
	echo '{"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 1, "access": "m"}]}' >"$BATS_TEST_TMPDIR/res.json"
	cat >"$BATS_TEST_TMPDIR/upd.sh" <<SH
RT="$RT --root $RT_ROOT"
\$RT run --detach --bundle $BUNDLE $CID </dev/null >/dev/null 2>&1 || exit 1
\$RT exec $CID sh -c 'mknod /tmp/m1 c 1 1 2>/dev/null && echo before-made || echo before-refused'
\$RT update -r $BATS_TEST_TMPDIR/res.json $CID && echo updated
\$RT exec $CID sh -c 'mknod /tmp/m2 c 1 1 && echo after-made || echo after-refused'
\$RT delete --force $CID
SH
	run with_layout v2 bash "$BATS_TEST_TMPDIR/upd.sh"
	echo "$output" >&2
	[ "$output" = "before-refused
updated
after-made" ]
	assert_no_leftovers
}

@test "runtime: a pure cgroup v1 layout (limits, delete)" {
	requires cgroup1
	update_config "$BUNDLE/config.json" '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 33}'
	set_args '["/tools/init", "pause"]'
	cat >"$BATS_TEST_TMPDIR/v1.sh" <<SH
set -e
RT="$RT --root $RT_ROOT"
\$RT run --detach --bundle $BUNDLE $CID </dev/null >/dev/null 2>&1
cat /sys/fs/cgroup/memory$CG/memory.limit_in_bytes /sys/fs/cgroup/pids$CG/pids.max
\$RT delete --force $CID
ls -d /sys/fs/cgroup/*$CG 2>/dev/null | wc -l
SH
	run with_layout v1 bash "$BATS_TEST_TMPDIR/v1.sh"
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "$output" = "67108864
33
0" ]
}

@test "runtime run: the container sees its own limits under /sys/fs/cgroup, with or without a cgroup namespace" {
	requires cgroup1
	update_config "$BUNDLE/config.json" '.linux.resources.pids = {limit: 42}'
	set_args '["sh", "-c", "cat /sys/fs/cgroup/pids/pids.max; ls /sys/fs/cgroup/pids | grep -c kist-test || true"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 42 ]
	[ "${lines[1]}" = 0 ]
	update_config "$BUNDLE/config.json" '.linux.namespaces += [{type: "cgroup"}]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 42 ]
	[ "${lines[1]}" = 0 ]
}

@test "runtime run: without linux.cgroupsPath the cgroup is /<id>, as runc's, and goes with the container" {
	CG="/$CID"
	update_config "$BUNDLE/config.json" 'del(.linux.cgroupsPath)'
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	grep -qx "$(ctr_pid)" "$(cg_dir pids)/cgroup.procs"
	rt delete --force "$CID"
	[ "$status" -eq 0 ]
	assert_no_leftovers
}

@test "runtime update: cpu quota and device rules (access 'rwa', as runc's tests write it) in a nested cgroup" {
	local parent=$CG
	CG=$parent/sub/ctr
	update_config "$BUNDLE/config.json" ".linux.cgroupsPath = \"$CG\"
		| .linux.resources.devices = [{allow: false, access: \"rwm\"}, {allow: false, type: \"c\", major: 1, minor: 11, access: \"rwa\"}]"
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	rt update --cpu-quota 20000 --cpu-period 100000 "$CID"
	[ "$status" -eq 0 ]
	if v1 cpu; then
		[ "$(cat "$(cg_dir cpu)/cpu.cfs_quota_us")" = 20000 ]
	else
		[ "$(cat "$(cg_dir cpu)/cpu.max")" = "20000 100000" ]
	fi
	echo '{"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 11, "access": "rwa"}]}' >"$BATS_TEST_TMPDIR/res.json"
	rt update -r "$BATS_TEST_TMPDIR/res.json" "$CID"
	[ "$status" -eq 0 ]
	if v1 devices; then
		grep -qx 'c 1:11 rw' "$(cg_dir devices)/devices.list"
	fi
	rt exec "$CID" sh -c 'echo x >/dev/null && echo null-ok'
	assert_output null-ok
	rt update -r - "$CID" <<<'{"devices": [{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwx"}]}'
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid access 'rwx'"* ]]
	rt delete --force "$CID"
	[ "$status" -eq 0 ]
	for d in $(cg_dirs_of "$parent/sub") $(cg_dirs_of "$parent"); do rmdir "$d"; done
	CG=$parent
}
