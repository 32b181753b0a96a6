#!/usr/bin/env bats
# kist-build on bad input: one clear line naming the Dockerfile line, a
# non-zero exit, no tag moved, no container or mount left behind.
bats_require_minimum_version 1.5.0
load ../helpers
load build

setup() {
	build_setup
	import_base
	# a tag the failing builds must not move
	dockerfile 'FROM busybox:test' 'CMD ["echo", "old"]'
	kbuild -q -t app:1 "$CTX"
	[ "$status" -eq 0 ] || fail "first build failed: $output"
	OLD=$output
}
teardown() { build_teardown; }

# fails_cleanly STATUS MESSAGE: the last kbuild failed with STATUS and
# MESSAGE on its own line; app:1 and the store's containers are as before.
fails_cleanly() {
	assert_failure "$1"
	assert_line "$2"
	assert_equal "$("$STORE" --root "$KIST_ROOT" inspect --format '{{.Id}}' app:1)" "$OLD"
	no_containers
}

@test "kist-build: a failing RUN shows its exit code, stops the build, moves no tag, leaves no container" {
	dockerfile 'FROM busybox:test' 'RUN echo before' 'RUN exit 3' 'RUN echo never'
	run --separate-stderr "$BUILD" -t app:1 "$CTX"
	echo "$output $stderr" >&2
	assert_failure 1
	assert_equal "$stderr" "kist-build: Dockerfile:3: The command '/bin/sh -c exit 3' returned a non-zero code: 3"
	assert_line before
	refute_line never
	refute_output --partial 'Successfully'
	assert_equal "$("$STORE" --root "$KIST_ROOT" inspect --format '{{.Id}}' app:1)" "$OLD"
	no_containers
}

@test "kist-build: COPY of a path outside the context or of a missing file is refused" {
	echo secret >"$BATS_TEST_TMPDIR/secret"
	dockerfile 'FROM busybox:test' 'COPY ../secret /x'
	kbuild -t app:1 "$CTX"
	fails_cleanly 1 "kist-build: Dockerfile:2: COPY failed: forbidden path outside the build context: ../secret"
	dockerfile 'FROM busybox:test' 'ENV X=1' 'ADD missing.txt /x'
	kbuild -t app:1 "$CTX"
	fails_cleanly 1 "kist-build: Dockerfile:3: ADD failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist"
	dockerfile 'FROM busybox:test' 'COPY nomatch* /x/'
	kbuild -t app:1 "$CTX"
	fails_cleanly 1 "kist-build: Dockerfile:2: COPY failed: no source files were specified"
}

@test "kist-build: unknown stage in --from, unknown base image, unknown instruction, missing FROM" {
	dockerfile 'FROM busybox:test' 'COPY --from=nostage /a /x'
	kbuild -t app:1 "$CTX"
	fails_cleanly 1 "kist-build: Dockerfile:2: COPY --from: no stage or image named 'nostage'"
	dockerfile 'FROM nosuch:1'
	kbuild -t app:1 "$CTX"
	fails_cleanly 1 "kist-build: Dockerfile:1: no such image: nosuch:1 (not in the store; kist pull it, or build with --pull)"
	dockerfile 'FROM busybox:test' 'FORM x'
	kbuild -t app:1 "$CTX"
	fails_cleanly 1 "kist-build: Dockerfile:2: unknown instruction: FORM (did you mean FROM?)"
	dockerfile '# nothing' 'RUN true'
	kbuild -t app:1 "$CTX"
	assert_failure 1
	assert_output --partial 'Dockerfile:2: no FROM instruction'
	dockerfile 'FROM busybox:test' 'RUN <<EOF' 'echo x'
	kbuild -t app:1 "$CTX"
	assert_failure 1
	assert_output --partial 'Dockerfile:2: unterminated heredoc'
}

@test "kist-build: bad command lines are usage errors (2) and change nothing" {
	kbuild --build-arg =x "$CTX"
	assert_failure 2
	assert_line 'kist-build: invalid argument "=x" for "--build-arg" flag: want KEY=VALUE or KEY'
	kbuild -t 'Bad:Name:x' "$CTX"
	assert_failure 2
	assert_line --partial 'invalid reference format'
	kbuild "$BATS_TEST_TMPDIR/nowhere"
	assert_failure 1
	assert_line "kist-build: unable to prepare context: path \"$BATS_TEST_TMPDIR/nowhere\" not found"
	kbuild -f "$CTX/nofile" "$CTX"
	assert_failure 1
	kbuild --network bogus "$CTX"
	assert_failure 2
	assert_line "kist-build: --network: 'bogus' is not supported (want host, none or bridge)"
	no_containers
}

@test "kist-build: RUN --mount types not built (secret, ssh) are refused with their line, not ignored" {
	dockerfile 'FROM busybox:test' 'RUN --mount=type=secret,id=tok,target=/run/secrets/tok true'
	kbuild -t app:1 "$CTX"
	fails_cleanly 1 "kist-build: Dockerfile:2: RUN --mount=type=secret,id=tok,target=/run/secrets/tok: mount type secret is not supported"
	dockerfile 'FROM busybox:test' 'RUN --mount=type=ssh true'
	kbuild -t app:1 "$CTX"
	fails_cleanly 1 "kist-build: Dockerfile:2: RUN --mount=type=ssh: mount type ssh is not supported"
}
