#!/usr/bin/env bats
# kist-runtime lifecycle: create, start, state, kill, delete, run, list, ps,
# checked from the host (/proc, the state root, cgroups).
bats_require_minimum_version 1.5.0
load ../helpers
load runtime

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "runtime create/start/state/kill/delete: the spec's lifecycle" {
	set_args '["/tools/init", "pause"]'
	rt_bg create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$CID"
	[ "$status" -eq 0 ]
	# the pid file is there when create returns, and names a live process
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	[ -d "/proc/$pid" ]
	rt state "$CID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = created ]
	[ "$(jq -r .pid <<<"$output")" = "$pid" ]
	# created: the user program has not run yet
	! grep -q pause "/proc/$pid/cmdline"

	rt start "$CID"
	[ "$status" -eq 0 ]
	wait_for grep -q pause "/proc/$pid/cmdline"
	[ "$(ctr_status)" = running ]
	rt start "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot start an already running container"* ]]

	rt kill "$CID" KILL
	[ "$status" -eq 0 ]
	wait_for is_stopped
	rt state "$CID"
	[ "$(jq -r .pid <<<"$output")" = 0 ]
	rt kill "$CID" KILL
	[ "$status" -eq 1 ]
	[[ "$output" == *"container not running"* ]]

	rt delete "$CID"
	[ "$status" -eq 0 ]
	assert_no_leftovers
	rt state "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"container '$CID' does not exist"* ]]
}

@test "runtime state: runc's fields, rootfs, created and annotations" {
	update_config "$BUNDLE/config.json" '.annotations = {"org.example.key": "v1"}'
	set_args '["/tools/init", "pause"]'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	rt state "$CID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .ociVersion <<<"$output")" != null ]
	[ "$(jq -r .id <<<"$output")" = "$CID" ]
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
	[ "$(jq -r .rootfs <<<"$output")" = "$BUNDLE/rootfs" ]
	[[ "$(jq -r .created <<<"$output")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z$ ]]
	[ "$(jq -r '.annotations["org.example.key"]' <<<"$output")" = v1 ]
	[ "$(jq -r 'has("owner")' <<<"$output")" = true ]
}

@test "runtime delete: refuses a running container without --force" {
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	pid=$(ctr_pid)
	rt delete "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot delete container $CID that is not stopped: running"* ]]
	[ -d "/proc/$pid" ]
	rt delete --force "$CID"
	[ "$status" -eq 0 ]
	[ ! -d "/proc/$pid" ] || grep -q '^State:.*Z' "/proc/$pid/status"
	assert_no_leftovers
	# forcing the delete of a container that is gone is not an error (runc)
	rt delete --force "$CID"
	[ "$status" -eq 0 ]
	rt delete "$CID"
	[ "$status" -eq 1 ]
}

@test "runtime delete: a created container goes without --force" {
	set_args '["/tools/init", "pause"]'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	rt delete "$CID"
	[ "$status" -eq 0 ]
	assert_no_leftovers
}

# The container's init (pid 1, which ignores what it does not handle)
# catches SIGTERM: /tools/init has installed its handler.
catches_term() {
	local cgt
	cgt=$(awk '/^SigCgt:/ {print $2}' "/proc/$(ctr_pid)/status") || return 1
	(((0x$cgt >> 14) & 1))
}

@test "runtime kill: signals by name and number, bad signal rejected" {
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	rt kill "$CID" FOO
	[ "$status" -eq 1 ]
	[[ "$output" == *'unknown signal "FOO"'* ]]
	[ "$(ctr_status)" = running ]
	# /tools/init pause exits 0 on SIGTERM; pid 1 ignores what it does not
	# handle, so a signal sent before its handler is set would be lost
	wait_for catches_term
	rt kill "$CID" 15
	[ "$status" -eq 0 ]
	wait_for is_stopped
	rt delete "$CID"
	[ "$status" -eq 0 ]

	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	wait_for catches_term
	rt kill "$CID" SIGTERM
	[ "$status" -eq 0 ]
	wait_for is_stopped
	rt delete "$CID"

	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	wait_for catches_term
	rt kill "$CID"
	[ "$status" -eq 0 ]
	wait_for is_stopped
}

@test "runtime start, run --detach: they return once the program runs, state says running at once" {
	# a startContainer hook that takes its time: the program runs after it
	update_config "$BUNDLE/config.json" '.hooks.startContainer = [{path: "/bin/sh", args: ["sh", "-c", "sleep 0.5"]}]'
	set_args '["sleep", "1000"]'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$(ctr_status)" = created ]
	rt start "$CID"
	[ "$status" -eq 0 ]
	[ "$(ctr_status)" = running ]
	rt delete --force "$CID"
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$(ctr_status)" = running ]
	rt delete --force "$CID"
	assert_no_leftovers
}

@test "runtime kill --all: every process of the container" {
	set_args '["sh", "-c", "sleep 1000 & sleep 1001 & /tools/init pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	# sh, two sleeps, and the init sh execs in its place
	wait_for test "$(wc -l <"$(cg_dir pids)/cgroup.procs")" -ge 3
	rt kill --all "$CID" KILL
	[ "$status" -eq 0 ]
	wait_for test ! -s "$(cg_dir pids)/cgroup.procs"
	wait_for is_stopped
}

@test "runtime run: the container's exit code is run's exit code" {
	set_args '["/tools/init", "exit", "42"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 42 ]
	assert_no_leftovers
	set_args '["sh", "-c", "echo out; echo err >&2; exit 3"]'
	run --separate-stderr "$RT" --root "$RT_ROOT" run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 3 ]
	[ "$output" = out ]
	[ "$stderr" = err ]
	# killed by a signal: 128 + signal, as a shell reports it
	set_args '["sh", "-c", "kill -USR1 $$; sleep 5"]'
	update_config "$BUNDLE/config.json" '.linux.namespaces |= map(select(.type != "pid"))'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 138 ]
	assert_no_leftovers
}

@test "runtime run: an exec-less busybox sh script" {
	cat >"$BUNDLE/rootfs/script.sh" <<'SH'
#!/bin/sh
i=0
while [ $i -lt 3 ]; do i=$((i + 1)); echo "line $i"; done
echo "$(hostname) $(pwd)" >/tmp/done
cat /tmp/done
SH
	chmod +x "$BUNDLE/rootfs/script.sh"
	update_config "$BUNDLE/config.json" '.hostname = "scripted" | .process.cwd = "/tmp"'
	set_args '["/script.sh"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "line 1" ]
	[ "${lines[2]}" = "line 3" ]
	[ "${lines[3]}" = "scripted /tmp" ]
}

@test "runtime run --detach: returns with the container running, pid file written" {
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$CID"
	[ "$status" -eq 0 ]
	[ "$(ctr_status)" = running ]
	[ "$(cat "$BATS_TEST_TMPDIR/pid")" = "$(ctr_pid)" ]
	grep -q pause "/proc/$(ctr_pid)/cmdline"
}

@test "runtime create: the init is reparented to the caller's subreaper" {
	set_args '["/tools/init", "exit", "7"]'
	"$TOOLS_BIN/init" subreaper "$BATS_TEST_TMPDIR/reaped" \
		"$RT" --root "$RT_ROOT" create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$CID" \
		</dev/null >"$BATS_TEST_TMPDIR/create.log" 2>&1 &
	reaper=$!
	track_pid "$reaper"
	wait_for test -s "$BATS_TEST_TMPDIR/pid"
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	wait_for test "$(awk '/^PPid:/ {print $2}' "/proc/$pid/status")" = "$reaper"
	rt start "$CID"
	[ "$status" -eq 0 ]
	wait_for test -s "$BATS_TEST_TMPDIR/reaped"
	[ "$(cat "$BATS_TEST_TMPDIR/reaped")" = "reaped $pid exit 7" ]
	wait_for is_stopped
}

@test "runtime list: table, json and -q" {
	set_args '["/tools/init", "pause"]'
	rt list --format json
	[ "$status" -eq 0 ]
	[ "$output" = null ]
	rt_bg create --bundle "$BUNDLE" "$CID"
	rt_bg run --detach --bundle "$BUNDLE" "$CID-b"
	rt list
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "ID"*"PID"*"STATUS"*"BUNDLE"*"CREATED"*"OWNER"* ]]
	[[ "$output" == *"$CID "*created*"$BUNDLE"* ]]
	[[ "$output" == *"$CID-b "*running*"$BUNDLE"* ]]
	rt list -q
	[ "$output" = "$CID
$CID-b" ]
	rt list --format json
	[ "$(jq -r 'map(.id + ":" + .status) | join(",")' <<<"$output")" = "$CID:created,$CID-b:running" ]
	rt list --format yaml
	[ "$status" -eq 2 ]
}

@test "runtime ps: the container's processes, as pids or ps lines" {
	set_args '["sh", "-c", "sleep 1000 & /tools/init pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	wait_for test "$(wc -l <"$(cg_dir pids)/cgroup.procs")" -eq 2
	rt ps --format json "$CID"
	[ "$status" -eq 0 ]
	[ "$(jq -c 'sort' <<<"$output")" = "$(sort -n "$(cg_dir pids)/cgroup.procs" | jq -cs .)" ]
	rt ps "$CID"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *PID* ]]
	[ "${#lines[@]}" -eq 3 ]
	[[ "$output" == *"sleep 1000"* ]]
}

@test "runtime --version and --help" {
	rt --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^kist-runtime\ version\  ]]
	[[ "${lines[2]}" =~ ^spec:\ 1\. ]]
	rt --help
	[ "$status" -eq 0 ]
	[[ "$output" == *create* ]]
	rt frobnicate
	[ "$status" -eq 2 ]
}

@test "runtime --log-format json: exactly one error line for a failure" {
	set_args '["does-not-exist"]'
	rt --log "$BATS_TEST_TMPDIR/log.json" --log-format json create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/log.json")" -eq 1 ]
	[ "$(jq -r .level "$BATS_TEST_TMPDIR/log.json")" = error ]
	[[ "$(jq -r .msg "$BATS_TEST_TMPDIR/log.json")" == *'exec: "does-not-exist": executable file not found in $PATH'* ]]
	[[ "$(jq -r .time "$BATS_TEST_TMPDIR/log.json")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]]
	assert_no_leftovers
}

@test "runtime create: runc's wording for programs that cannot run (podman's 127/126)" {
	set_args '["/no/such/prog"]'
	rt create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *'exec: "/no/such/prog": stat /no/such/prog: no such file or directory'* ]]
	assert_no_leftovers
	set_args '["/etc/passwd"]'
	rt create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *'exec: "/etc/passwd": permission denied'* ]]
	assert_no_leftovers
}

@test "runtime delete --force: clears the state dir a killed create left half-way" {
	mkdir -p "$RT_ROOT/$CID"
	rt delete "$CID"
	[ "$status" -eq 1 ]
	[ -d "$RT_ROOT/$CID" ]
	rt delete --force "$CID"
	[ "$status" -eq 0 ]
	[ ! -e "$RT_ROOT/$CID" ]
	# and the id can be used again
	set_args '["/tools/init", "exit", "0"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
}

@test "runtime delete --force: paused, with an exec'd process moved to a sub-cgroup, leaves nothing" {
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	pid=$(ctr_pid)
	rt_bg exec --detach --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$CID" /tools/init pause
	[ "$status" -eq 0 ]
	epid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	# a sub-cgroup in every hierarchy, the exec'd process in it
	for d in $(cg_dirs_of "$CG"); do
		mkdir "$d/sub"
		if [ -f "$d/cpuset.cpus" ]; then # v1 cpuset starts empty
			cat "$d/cpuset.cpus" >"$d/sub/cpuset.cpus"
			cat "$d/cpuset.mems" >"$d/sub/cpuset.mems"
		fi
		echo "$epid" >"$d/sub/cgroup.procs"
	done
	rt pause "$CID"
	[ "$status" -eq 0 ]
	[ "$(ctr_status)" = paused ]
	rt delete --force "$CID"
	[ "$status" -eq 0 ]
	for p in $pid $epid; do
		[ ! -d "/proc/$p" ] || grep -q '^State:.*Z' "/proc/$p/status" || fail "process $p left"
	done
	assert_no_leftovers
}

@test "runtime kill: signal 0 checks the container runs (runc); after the process exited, 'container not running'" {
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	pid=$(ctr_pid)
	rt kill "$CID" 0
	[ "$status" -eq 0 ]
	[ -d "/proc/$pid" ]
	rt kill "$CID" KILL
	[ "$status" -eq 0 ]
	# straight after: never a kill(2) error, whether or not it is gone yet
	rt kill "$CID" KILL
	[[ "$status" -eq 0 || "$output" == *"container not running" ]]
	wait_for is_stopped
	rt kill "$CID" 0
	[ "$status" -eq 1 ]
	[ "$output" = "kist-runtime: container not running" ]
}

@test "runtime run --keep: the stopped container stays for state and delete" {
	set_args '["/tools/init", "exit", "3"]'
	rt run --keep --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 3 ]
	[ "$(ctr_status)" = stopped ]
	[ -n "$(cg_dirs_of "$CG")" ]
	rt delete "$CID"
	[ "$status" -eq 0 ]
	assert_no_leftovers
}

@test "runtime run: a process.cwd missing from the image is made (as runc)" {
	update_config "$BUNDLE/config.json" '.process.cwd = "/no/such/dir" | .root.readonly = true'
	set_args '["sh", "-c", "pwd; ls -ld /no/such/dir"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = /no/such/dir ]
	[[ "${lines[1]}" == drwxr-xr-x* ]]
}

# host_pidns_ctr: a container in the host's pid namespace, its init and
# three exec'd processes (PIDS) running in its cgroup
host_pidns_ctr() {
	update_config "$BUNDLE/config.json" '.linux.namespaces -= [{type: "pid"}]'
	set_args '["sleep", "1000"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "run: $output"
	local i p
	for i in 1 2 3; do
		rt_bg exec --detach "$CID" sleep 1001
		[ "$status" -eq 0 ] || fail "exec: $output"
	done
	wait_for test "$(wc -l <"$(cg_dir pids)/cgroup.procs")" -eq 4
	mapfile -t PIDS <"$(cg_dir pids)/cgroup.procs"
	for p in "${PIDS[@]}"; do track_pid "$p"; done
}

# none of the pids is alive (a zombie waiting for its reaper is gone)
pids_gone() {
	local p
	for p in "$@"; do
		[ -e "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null && return 1
	done
	return 0
}

@test "runtime kill KILL [host pidns]: every process of the cgroup goes, not the init alone (as runc)" {
	host_pidns_ctr
	rt kill "$CID" KILL
	[ "$status" -eq 0 ]
	wait_for pids_gone "${PIDS[@]}"
	wait_for is_stopped
	rt delete "$CID"
	[ "$status" -eq 0 ]
	assert_no_leftovers
}

@test "runtime kill KILL [host pidns + init gone]: the rest of the cgroup is killed, no 'not running'" {
	host_pidns_ctr
	kill -9 "$(ctr_pid)"
	wait_for is_stopped
	pids_gone "${PIDS[@]}" && fail "the exec'd processes went with the init"
	rt kill "$CID" KILL
	[ "$status" -eq 0 ]
	wait_for pids_gone "${PIDS[@]}"
	# another signal to a stopped container is still refused
	rt kill "$CID" TERM
	[ "$status" -eq 1 ]
	assert_output --partial "container not running"
	rt delete "$CID"
	[ "$status" -eq 0 ]
	assert_no_leftovers
}

@test "runtime delete [host pidns + init gone]: the processes left in the cgroup are killed" {
	host_pidns_ctr
	kill -9 "$(ctr_pid)"
	wait_for is_stopped
	rt delete "$CID"
	[ "$status" -eq 0 ]
	wait_for pids_gone "${PIDS[@]}"
	assert_no_leftovers
}

@test "runtime delete --regex: every container whose id matches goes, the others stay (crun's option)" {
	set_args '["sleep", "1000"]'
	local i
	for i in a1 a2 b1; do
		# a cgroup each (teardown's $CG* removes them)
		update_config "$BUNDLE/config.json" ".linux.cgroupsPath = \"$CG-$i\""
		rt_bg run --detach --bundle "$BUNDLE" "$CID-$i"
		[ "$status" -eq 0 ] || fail "run $i: $output"
	done
	rt delete --regex "^$CID-a" "$CID-b1"
	[ "$status" -eq 2 ]
	rt delete --regex "^$CID-a["
	[ "$status" -eq 1 ]
	assert_output --partial "--regex '^$CID-a[':"
	# running: without --force they stay, and the error says why
	rt delete --regex "^$CID-a"
	[ "$status" -eq 1 ]
	assert_output --partial "that is not stopped"
	[ "$(ctr_status "$CID-a1")" = running ]
	rt delete --force --regex "^$CID-a"
	[ "$status" -eq 0 ]
	[ ! -e "$RT_ROOT/$CID-a1" ] && [ ! -e "$RT_ROOT/$CID-a2" ]
	[ "$(ctr_status "$CID-b1")" = running ]
	rt delete --force "$CID-b1"
	[ "$status" -eq 0 ]
}
