#!/usr/bin/env bats
# crun's spellings that its test suite passes on every container it runs:
# the global --cgroup-manager and `run/create --config FILE`.
bats_require_minimum_version 1.5.0
load ../helpers
load runtime

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "runtime --cgroup-manager cgroupfs: the container's init is in its cgroupsPath" {
	set_args '["sleep", "1000"]'
	rt_bg --cgroup-manager cgroupfs run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "run: $output"
	pid=$(ctr_pid)
	track_pid "$pid"
	grep -qx "$pid" "$(cg_dir pids)/cgroup.procs" || fail "pid $pid not in $(cg_dir pids)"
	rt --cgroup-manager=cgroupfs delete --force "$CID"
	[ "$status" -eq 0 ] || fail "delete: $output"
	assert_no_leftovers
}

@test "runtime --cgroup-manager systemd: the same as --systemd-cgroup" {
	set_args '["true"]'
	# a cgroupsPath the systemd driver must refuse (or, without systemd,
	# the driver itself is refused): both spellings answer alike
	run --separate-stderr "$RT" --root "$RT_ROOT" --systemd-cgroup run --bundle "$BUNDLE" "$CID"
	want_status=$status want_stderr=$stderr
	"$RT" --root "$RT_ROOT" delete --force "$CID" >/dev/null 2>&1 || true
	[ "$want_status" -ne 0 ] || fail "--systemd-cgroup accepted cgroupsPath $CG"
	run --separate-stderr "$RT" --root "$RT_ROOT" --cgroup-manager systemd run --bundle "$BUNDLE" "$CID"
	echo "got: $status $stderr; want: $want_status $want_stderr" >&2
	[ "$status" -eq "$want_status" ] || fail "status $status, want $want_status"
	[ "$stderr" = "$want_stderr" ] || fail "stderr '$stderr', want '$want_stderr'"
	assert_no_leftovers
}

@test "runtime --cgroup-manager [bad input]: an unknown manager is named, nothing created" {
	run --separate-stderr "$RT" --root "$RT_ROOT" --cgroup-manager bogus run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 2 ] || fail "status $status, want 2"
	[[ $stderr == *"unknown cgroup manager 'bogus' (cgroupfs or systemd)"* ]] || fail "error: $stderr"
	run --separate-stderr "$RT" --root "$RT_ROOT" --cgroup-manager
	[ "$status" -eq 2 ] || fail "status $status for a missing value, want 2"
	[[ $stderr == *"option '--cgroup-manager' needs a value"* ]] || fail "error: $stderr"
	assert_no_leftovers
}

@test "runtime run --config: the bundle's config.json, relative to the current directory" {
	set_args '["echo", "from-config"]'
	run bash -c "cd '$BUNDLE' && '$RT' --root '$RT_ROOT' run --config config.json '$CID'"
	[ "$status" -eq 0 ] || fail "run --config config.json: $status $output"
	[ "$output" = from-config ] || fail "output: $output"
	assert_no_leftovers
	rt run --config="$BUNDLE/config.json" --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "run --config=ABS: $output"
	[ "$output" = from-config ] || fail "output: $output"
	assert_no_leftovers
}

@test "runtime create --config: the bundle's config.json; another file is refused" {
	set_args '["true"]'
	rt_bg create --config "$BUNDLE/config.json" --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "create --config: $output"
	[ "$(ctr_status)" = created ] || fail "status $(ctr_status), want created"
	rt delete --force "$CID"
	assert_no_leftovers
	cp "$BUNDLE/config.json" "$BUNDLE/other.json"
	run --separate-stderr "$RT" --root "$RT_ROOT" create --config "$BUNDLE/other.json" --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ] || fail "status $status, want 1"
	[[ $stderr == *"config '$BUNDLE/other.json': only the bundle's config.json can be used" ]] || fail "error: $stderr"
	assert_no_leftovers
}

@test "runtime run --config [bad input]: another file or none is refused, nothing created" {
	set_args '["true"]'
	cp "$BUNDLE/config.json" "$BUNDLE/other.json"
	run --separate-stderr "$RT" --root "$RT_ROOT" run --config "$BUNDLE/other.json" --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ] || fail "status $status, want 1"
	[ "$stderr" = "kist-runtime: config '$BUNDLE/other.json': only the bundle's config.json can be used" ] ||
		fail "error: $stderr"
	assert_no_leftovers
	run --separate-stderr "$RT" --root "$RT_ROOT" run --config "$BUNDLE/missing.json" --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ] || fail "status $status, want 1"
	[ "$stderr" = "kist-runtime: config '$BUNDLE/missing.json': No such file or directory" ] ||
		fail "error: $stderr"
	run --separate-stderr "$RT" --root "$RT_ROOT" run --bundle "$BUNDLE" "$CID" --config
	[ "$status" -eq 2 ] || fail "status $status for a missing value, want 2"
	[[ $stderr == *"flag needs an argument: --config"* ]] || fail "error: $stderr"
	assert_no_leftovers
}
