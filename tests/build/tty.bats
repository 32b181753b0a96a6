#!/usr/bin/env bats
# kist-build's live view on a terminal (script(1) gives it one): a line per
# step, the running step's output lines redrawn in place, CACHED and ERROR
# steps; --progress=plain keeps docker's classic lines on a terminal too.
bats_require_minimum_version 1.5.0
load ../helpers
load build

setup() {
	build_setup
	import_base
	echo data >"$CTX/data.txt"
	dockerfile 'FROM busybox:test' 'RUN echo from-run && echo second-line' 'COPY data.txt /data.txt'
}
teardown() { build_teardown; }

# on_tty ARGS...: kist-build ARGS on a pseudo-terminal; $output is what the
# terminal got with the cursor moves and erasures taken out, $raw as is.
on_tty() {
	local cmd
	cmd=$(printf '%q ' "$BUILD" "$@")
	run script -qefc "$cmd" /dev/null
	raw=$output
	output=$(printf '%s' "$raw" | sed 's/\x1b\[[0-9]*[AJ]//g; s/\r//g')
	mapfile -t lines <<<"$output"
	echo "on a tty: kist-build $*: $status $output" >&2
}

@test "kist-build on a terminal: the live view, its steps and RUN output lines, redrawn in place" {
	on_tty -t tty:1 "$CTX"
	assert_success
	assert_line --regexp '^ => \[1/3\] FROM busybox:test +[0-9]+\.[0-9]s$'
	assert_line --regexp '^ => \[2/3\] RUN echo from-run && echo second-line +[0-9]+\.[0-9]s$'
	assert_line ' => => # from-run'
	assert_line ' => => # second-line'
	assert_line --regexp '^ => \[3/3\] COPY data.txt /data.txt +[0-9]+\.[0-9]s$'
	# drawn in place: cursor up and erase sequences
	[[ $raw == *$'\e['*A*$'\e[J'* ]] || fail "no in-place redraw"
	refute_output --partial 'Step 1/3'
	refute_output --partial 'Running in'
	local id
	id=$("$STORE" --root "$KIST_ROOT" inspect --format '{{.Id}}' tty:1)
	assert_line --index $((${#lines[@]} - 2)) "Successfully built ${id:7:12}"
	assert_line --index $((${#lines[@]} - 1)) 'Successfully tagged tty:1'
	no_containers
	# a rebuild: every step CACHED
	on_tty -t tty:1 "$CTX"
	assert_success
	assert_line ' => CACHED [2/3] RUN echo from-run && echo second-line'
	assert_line ' => CACHED [3/3] COPY data.txt /data.txt'
	assert_line "Successfully built ${id:7:12}"
}

@test "kist-build on a terminal: --progress=plain gives the classic lines; --progress=tty the view without one" {
	on_tty --progress=plain -t tty:2 "$CTX"
	assert_success
	assert_line 'Step 2/3 : RUN echo from-run && echo second-line'
	assert_line 'from-run'
	[[ $raw != *$'\e['* ]] || fail "escape sequences in plain output"
	kbuild --progress=tty --no-cache -t tty:2 "$CTX"
	assert_success
	[[ $output == *$'\e['*A* ]] || fail "no live view with --progress=tty"
	assert_line --partial ' => => # from-run'
	# not a terminal, no --progress: classic
	kbuild --no-cache -t tty:2 "$CTX"
	assert_success
	assert_line 'Step 1/3 : FROM busybox:test'
	[[ $output != *$'\e['* ]] || fail "escape sequences without a terminal"
}

@test "kist-build on a terminal: a failing RUN is shown as ERROR with its last output lines" {
	dockerfile 'FROM busybox:test' 'RUN echo before-fail; exit 5'
	on_tty -t tty:3 "$CTX"
	assert_failure 1
	assert_line --regexp '^ => ERROR \[2/2\] RUN echo before-fail; exit 5 +[0-9]+\.[0-9]s$'
	assert_line --index $((${#lines[@]} - 2)) ' => => # before-fail'
	assert_line --index $((${#lines[@]} - 1)) "kist-build: Dockerfile:2: The command '/bin/sh -c echo before-fail; exit 5' returned a non-zero code: 5"
	no_containers
}
