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

@test "runtime --cgroup-manager disabled: no cgroup is made or joined, the container stays in its caller's, limits are not applied" {
	set_args '["/tools/init", "pause"]'
	update_config "$BUNDLE/config.json" '.linux.resources.pids = {limit: 5}'
	rt_bg --cgroup-manager disabled run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "run: $output"
	pid=$(ctr_pid)
	track_pid "$pid"
	[ -z "$(cg_dirs_of "$CG")" ] || fail "cgroups made: $(cg_dirs_of "$CG")"
	[ "$(cut -d: -f3 "/proc/$pid/cgroup")" = "$(cut -d: -f3 /proc/self/cgroup)" ]
	[ "$(jq -r .cgroupPath "$RT_ROOT/$CID/state.json")" = "" ]
	rt exec "$CID" true
	[ "$status" -eq 0 ]
	rt --cgroup-manager disabled delete --force "$CID"
	[ "$status" -eq 0 ]
	assert_no_leftovers
}

@test "runtime --cgroup-manager [bad input]: an unknown manager is named, nothing created" {
	run --separate-stderr "$RT" --root "$RT_ROOT" --cgroup-manager bogus run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 2 ] || fail "status $status, want 2"
	[[ $stderr == *"unknown cgroup manager 'bogus' (cgroupfs, systemd or disabled)"* ]] || fail "error: $stderr"
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

@test "runtime create --config: another file in place of the bundle's config.json, which start, exec and delete read too" {
	set_args '["/tools/init", "pause"]'
	# the rootfs stays relative to the bundle; the bundle has no config.json
	mkdir "$BUNDLE/conf"
	update_config "$BUNDLE/config.json" '.process.env += ["FROM=other"]
		| .hooks.poststop = [{path: "/bin/sh", args: ["sh", "-c", "echo stopped >'"$BATS_TEST_TMPDIR"'/poststop"]}]'
	mv "$BUNDLE/config.json" "$BUNDLE/conf/c.json"
	(cd "$BUNDLE" && "$RT" --root "$RT_ROOT" create --config conf/c.json --bundle "$BUNDLE" "$CID" \
		</dev/null >"$BATS_TEST_TMPDIR/create.out" 2>&1)
	[ "$(ctr_status)" = created ] || fail "status $(ctr_status): $(cat "$BATS_TEST_TMPDIR/create.out")"
	[ "$(jq -r .config "$RT_ROOT/$CID/state.json")" = "$BUNDLE/conf/c.json" ]
	# `state` prints runc's object: the path stays in the runtime's own record
	[ "$("$RT" --root "$RT_ROOT" state "$CID" | jq 'has("config")')" = false ]
	rt start "$CID"
	[ "$status" -eq 0 ]
	# exec takes the container's environment from that file
	rt exec "$CID" sh -c 'echo $FROM'
	[ "$status" -eq 0 ]
	[ "$output" = other ]
	rt delete --force "$CID"
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/poststop")" = stopped ]
	assert_no_leftovers
}

@test "runtime run --config [bad input]: a file that is not there, or no file, is refused, nothing created" {
	set_args '["true"]'
	run --separate-stderr "$RT" --root "$RT_ROOT" run --config "$BUNDLE/missing.json" --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ] || fail "status $status, want 1"
	[ "$stderr" = "kist-runtime: config '$BUNDLE/missing.json': No such file or directory" ] ||
		fail "error: $stderr"
	assert_no_leftovers
	echo '{"ociVersion": "1.0.2", "process": ' >"$BUNDLE/broken.json"
	run --separate-stderr "$RT" --root "$RT_ROOT" run --config "$BUNDLE/broken.json" --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ] || fail "status $status, want 1"
	[[ $stderr == *"$BUNDLE/broken.json"* ]] || fail "error: $stderr"
	assert_no_leftovers
	run --separate-stderr "$RT" --root "$RT_ROOT" run --bundle "$BUNDLE" "$CID" --config
	[ "$status" -eq 2 ] || fail "status $status for a missing value, want 2"
	[[ $stderr == *"flag needs an argument: --config"* ]] || fail "error: $stderr"
	assert_no_leftovers
}
