#!/usr/bin/env bats
# kist-runtime in a loop: 50 containers created, started and deleted leave
# no state dir, cgroup, mount or process behind.
bats_require_minimum_version 1.5.0
load ../helpers
load runtime

setup() { setup_bundle; }
teardown() {
	local i d
	for i in $(seq 1 50); do
		for d in $(cg_dirs_of "$CG-$i"); do rmdir "$d" 2>/dev/null || true; done
	done
	teardown_bundle
}

@test "runtime create/start/delete: 50 containers in a loop leave nothing behind" {
	marker="kist-stress-$$-$BATS_TEST_NUMBER"
	set_args "[\"/tools/init\", \"pause\", \"$marker\"]"
	mounts_before=$(wc -l </proc/self/mountinfo)
	for i in $(seq 1 50); do
		update_config "$BUNDLE/config.json" ".linux.cgroupsPath = \"$CG-$i\""
		"$RT" --root "$RT_ROOT" create --bundle "$BUNDLE" "$CID-$i" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" ||
			fail "create $i: $(cat "$BATS_TEST_TMPDIR/err")"
		"$RT" --root "$RT_ROOT" start "$CID-$i" || fail "start $i"
		# every other one is deleted while still running (with --force)
		if [ $((i % 2)) -eq 0 ]; then
			"$RT" --root "$RT_ROOT" delete --force "$CID-$i" || fail "delete --force $i"
		else
			"$RT" --root "$RT_ROOT" kill "$CID-$i" KILL || fail "kill $i"
			wait_for is_stopped "$CID-$i"
			"$RT" --root "$RT_ROOT" delete "$CID-$i" || fail "delete $i"
		fi
	done
	[ -z "$(ls -A "$RT_ROOT")" ] || fail "state dirs left: $(ls "$RT_ROOT")"
	for i in $(seq 1 50); do
		[ -z "$(cg_dirs_of "$CG-$i")" ] || fail "cgroup of container $i left: $(cg_dirs_of "$CG-$i")"
	done
	! grep -q " $BUNDLE" /proc/self/mountinfo || fail "mounts left under $BUNDLE"
	[ "$(wc -l </proc/self/mountinfo)" -eq "$mounts_before" ]
	! pgrep -f "$marker" >/dev/null || fail "processes left: $(pgrep -af "$marker")"
}
