#!/usr/bin/env bats
# kist-shim bad input: a clear error, a non-zero exit, nothing started and
# nothing left behind.
bats_require_minimum_version 1.5.0
load ../helpers
load ../runtime/runtime
load shim

setup() { setup_shim; }
teardown() { teardown_shim; }

# nothing of c1 anywhere: no shim dir, no runtime state, no process
nothing_left() {
	[ ! -e "$(shim_dir c1)" ]
	run "$RT" --root "$RT_ROOT" state c1
	[ "$status" -ne 0 ]
	! pgrep -f -- "--bundle $BUNDLE" >/dev/null
}

@test "shim errors: a bundle that does not exist" {
	run "$SHIM" --id c1 --bundle "$BATS_TEST_TMPDIR/nope" --runtime "$RT"
	[ "$status" -eq 1 ]
	[ "$output" = "kist-shim: bundle '$BATS_TEST_TMPDIR/nope': No such file or directory" ]
	nothing_left
}

@test "shim errors: a bundle without config.json" {
	rm "$BUNDLE/config.json"
	shim_start c1
	[ "$status" -eq 1 ]
	[ "$output" = "kist-shim: bundle '$BUNDLE' has no config.json" ]
	nothing_left
}

@test "shim errors: the runtime's own error when create fails reaches the caller" {
	set_args '["/no/such/program"]'
	shim_start c1
	[ "$status" -eq 1 ]
	[[ "$output" == "kist-shim: "*"/no/such/program"* ]]
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	nothing_left
	# a malformed config.json: the runtime's parse error
	echo '{"ociVersion": ' >"$BUNDLE/config.json"
	shim_start c1
	[ "$status" -eq 1 ]
	[[ "$output" == *"config.json"* ]]
	nothing_left
}

@test "shim errors: an unknown runtime path" {
	shim_start c1 --runtime "$BATS_TEST_TMPDIR/no-runtime"
	[ "$status" -eq 1 ]
	[ "$output" = "kist-shim: runtime '$BATS_TEST_TMPDIR/no-runtime': No such file or directory" ]
	run "$SHIM" --id c1 --bundle "$BUNDLE" --runtime no-such-runtime-here
	[ "$status" -eq 1 ]
	[ "$output" = "kist-shim: runtime 'no-such-runtime-here' not found in PATH" ]
	nothing_left
}

@test "shim errors: a log directory it cannot write" {
	set_args '["/tools/init", "pause"]'
	touch "$BATS_TEST_TMPDIR/file"
	shim_start c1 --log "$BATS_TEST_TMPDIR/file/log.json"
	[ "$status" -eq 1 ]
	[ "$output" = "kist-shim: cannot open log '$BATS_TEST_TMPDIR/file/log.json': Not a directory" ]
	nothing_left
	# a read-only file system
	mkdir "$BATS_TEST_TMPDIR/ro"
	mount -t tmpfs -o ro,size=1m tmpfs "$BATS_TEST_TMPDIR/ro"
	shim_start c1 --log "$BATS_TEST_TMPDIR/ro/log.json"
	umount "$BATS_TEST_TMPDIR/ro"
	[ "$status" -eq 1 ]
	[ "$output" = "kist-shim: cannot open log '$BATS_TEST_TMPDIR/ro/log.json': Read-only file system" ]
	nothing_left
}

@test "shim errors: bad log options" {
	shim_start c1 --log-opt max-size=abc
	[ "$status" -eq 1 ]
	[ "$output" = "kist-shim: invalid log option max-size=abc: expected a size such as 10m" ]
	shim_start c1 --log-opt max-size=1m,max-file=0
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid log option max-file=0"* ]]
	shim_start c1 --log-opt max-file=3
	[ "$status" -eq 1 ]
	[[ "$output" == *"max-file: it needs max-size"* ]]
	shim_start c1 --log-opt compress=true
	[ "$status" -eq 1 ]
	[[ "$output" == *"unknown log option 'compress'"* ]]
	nothing_left
}

@test "shim errors: bad restart policy, bad id, missing options" {
	shim_start c1 --restart sometimes
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid restart policy 'sometimes'"* ]]
	shim_start c1 --restart on-failure:x
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid restart policy 'on-failure:x'"* ]]
	shim_start ../c1
	[ "$status" -eq 1 ]
	[ "$output" = "kist-shim: invalid container id '../c1'" ]
	run "$SHIM" --bundle "$BUNDLE"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--id is required"* ]]
	run "$SHIM" --id c1 --bundle "$BUNDLE" --bogus
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown flag: --bogus"* ]]
	run "$SHIM" frobnicate
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown command 'frobnicate'"* ]]
	nothing_left
}

@test "shim errors: a second shim for the same id is refused, the first untouched" {
	set_args '["/tools/init", "pause"]'
	shim_start c1
	[ "$status" -eq 0 ]
	pid=$(cat "$(shim_dir c1)/pid")
	shim_pid=$(cat "$(shim_dir c1)/shim.pid")
	shim_start c1
	[ "$status" -eq 1 ]
	[ "$output" = "kist-shim: container 'c1' already has a shim (pid $shim_pid)" ]
	[ "$(state_field c1 Status)" = running ]
	[ "$(cat "$(shim_dir c1)/pid")" = "$pid" ]
	[ -S "$(shim_dir c1)/attach" ]
	kill -0 "$shim_pid"
	shim stop -t 5 c1
	[ "$status" -eq 0 ]
}

@test "shim errors: client verbs on an unknown container" {
	for verb in stop kill delete state logs attach; do
		run "$SHIM" "$verb" nosuch
		[ "$status" -eq 1 ]
		[ "$output" = "kist-shim: no such container: 'nosuch'" ]
	done
}
