#!/usr/bin/env bats
# kist-runtime under faults: a create or run killed (SIGKILL) at any moment,
# a damaged state.json.  Whatever is left, delete --force removes: no
# process, no cgroup, no state dir.
bats_require_minimum_version 1.5.0
load ../helpers
load runtime

setup() { setup_bundle; }
teardown() {
	local i d
	for i in $(seq 1 30); do
		for d in $(cg_dirs_of "$CG-$i"); do rmdir "$d" 2>/dev/null || true; done
	done
	teardown_bundle
}

# Processes that carry MARKER in their environment (the runtime and the
# container init before its execve) or in their command line (the program).
marked_pids() {
	local f p
	for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do
		p=${f#/proc/}
		p=${p%%/*}
		grep -qaF "$1" "$f" 2>/dev/null && echo "$p"
	done
	true
}
none_marked() { [ -z "$(marked_pids "$1")" ]; }

@test "runtime create/run killed with SIGKILL at random moments: delete --force leaves nothing" {
	local seed=${KIST_FAULT_SEED:-$((($$ * 7919 + BATS_TEST_NUMBER) % 32768))}
	echo "seed $seed (KIST_FAULT_SEED reproduces it)" >&2
	RANDOM=$seed
	marker="kist-fault-$$-$BATS_TEST_NUMBER"
	set_args "[\"/tools/init\", \"pause\", \"$marker\"]"
	for i in $(seq 1 30); do
		update_config "$BUNDLE/config.json" ".linux.cgroupsPath = \"$CG-$i\""
		verb=create
		[ $((i % 3)) -eq 0 ] && verb=run
		delay_ms=$((RANDOM % 150))
		KIST_FAULT_MARK=$marker "$RT" --root "$RT_ROOT" "$verb" --bundle "$BUNDLE" "$CID-$i" \
			</dev/null >/dev/null 2>&1 &
		pid=$!
		track_pid "$pid"
		sleep "$(printf '0.%03d' "$delay_ms")"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" || true
		echo "trial $i: $verb killed after ${delay_ms}ms" >&2

		run "$RT" --root "$RT_ROOT" delete --force "$CID-$i"
		[ "$status" -eq 0 ] || fail "trial $i: delete --force: $output"
		[ ! -e "$RT_ROOT/$CID-$i" ] || fail "trial $i: state dir left"
		# an init cut off before its record was complete goes away by itself
		wait_for none_marked "$marker" || fail "trial $i: processes left: $(marked_pids "$marker")"
		[ -z "$(cg_dirs_of "$CG-$i")" ] || fail "trial $i: cgroups left: $(cg_dirs_of "$CG-$i")"
	done
	! grep -q " $BUNDLE" /proc/self/mountinfo || fail "mounts left under $BUNDLE"
}

@test "runtime create killed early: state says creating, then stopped, and delete (no --force) clears it" {
	marker="kist-fault-$$-$BATS_TEST_NUMBER"
	set_args "[\"/tools/init\", \"pause\", \"$marker\"]"
	# a createRuntime hook that blocks holds the create at a known point
	cat >"$BATS_TEST_TMPDIR/hook.sh" <<HOOK
#!/bin/sh
echo \$\$ >"$BATS_TEST_TMPDIR/in-hook.tmp"
mv "$BATS_TEST_TMPDIR/in-hook.tmp" "$BATS_TEST_TMPDIR/in-hook"
exec sleep 1000
HOOK
	chmod +x "$BATS_TEST_TMPDIR/hook.sh"
	update_config "$BUNDLE/config.json" ".hooks.createRuntime = [{\"path\": \"$BATS_TEST_TMPDIR/hook.sh\"}]"
	KIST_FAULT_MARK=$marker "$RT" --root "$RT_ROOT" create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 &
	pid=$!
	track_pid "$pid"
	wait_for test -e "$BATS_TEST_TMPDIR/in-hook"
	hook=$(cat "$BATS_TEST_TMPDIR/in-hook")
	track_pid "$hook"
	[ "$(ctr_status)" = creating ]
	rt delete "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"that is not stopped: creating"* ]]
	kill -9 "$pid"
	wait "$pid" || true
	kill -9 "$hook"
	[ "$(ctr_status)" = stopped ]
	# the init exits once its runtime is gone
	wait_for none_marked "$marker"
	# the cgroup is there until the record is deleted
	[ -n "$(cg_dirs_of "$CG")" ]
	rt delete "$CID"
	[ "$status" -eq 0 ]
	assert_no_leftovers
}

# damage_state BYTES: cut the state file of $CID to its first BYTES bytes
damage_state() { truncate -s "$1" "$RT_ROOT/$CID/state.json"; }

@test "runtime state/kill/delete --force with a truncated state.json" {
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	pid=$(ctr_pid)
	size=$(stat -c %s "$RT_ROOT/$CID/state.json")
	damage_state $((size / 2))
	rt state "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"load state of container '$CID'"*"state.json': invalid JSON"* ]]
	[ "${#lines[@]}" -eq 1 ]
	# kill still finds the init
	rt kill "$CID" STOP
	[ "$status" -eq 0 ]
	wait_for grep -q '^State:.*T' "/proc/$pid/status"
	rt delete --force "$CID"
	[ "$status" -eq 0 ]
	[ ! -d "/proc/$pid" ] || grep -q '^State:.*Z' "/proc/$pid/status"
	assert_no_leftovers
}

@test "runtime delete --force with an empty state.json: the id-named cgroup is found" {
	# no linux.cgroupsPath: the cgroup is named by the id, as runc's
	update_config "$BUNDLE/config.json" 'del(.linux.cgroupsPath)'
	CG=/$CID
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	pid=$(ctr_pid)
	[ -n "$(cg_dirs_of "$CG")" ]
	damage_state 0
	rt kill "$CID" KILL
	[ "$status" -eq 1 ]
	[[ "$output" == *"the init's pid is lost"* ]]
	[ -d "/proc/$pid" ]
	rt delete --force "$CID"
	[ "$status" -eq 0 ]
	[ ! -d "/proc/$pid" ] || grep -q '^State:.*Z' "/proc/$pid/status"
	assert_no_leftovers
}
