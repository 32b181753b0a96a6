#!/usr/bin/env bats
# The test harness itself: fixtures and the registry helper work and clean up.
bats_require_minimum_version 1.5.0
load ../helpers

teardown() {
	kist_cleanup
}

@test "harness make_rootfs: busybox rootfs runs a shell under chroot" {
	requires root
	make_rootfs "$BATS_TEST_TMPDIR/rootfs"
	run -0 chroot "$BATS_TEST_TMPDIR/rootfs" /bin/sh -c 'echo hello from $(id -un)'
	assert_output "hello from root"
}

@test "harness start_registry: real registry on 127.0.0.1, stopped afterwards" {
	requires cmd:docker-registry
	start_registry "$BATS_TEST_TMPDIR/reg"
	run -0 curl -fsS "http://$REGISTRY/v2/"
	run -0 curl -fsS "http://$REGISTRY/v2/_catalog"
	assert_output --partial '"repositories":[]'
	run -0 ss -Htln "sport = :$REGISTRY_PORT"
	assert_output --partial "127.0.0.1:$REGISTRY_PORT"
	stop_registry
	run -1 kill -0 "$REGISTRY_PID"
}

@test "harness start_registry --htpasswd: anonymous requests get 401" {
	requires cmd:docker-registry cmd:htpasswd
	htpasswd -Bbn alice secret >"$BATS_TEST_TMPDIR/htpasswd"
	start_registry "$BATS_TEST_TMPDIR/reg" --htpasswd "$BATS_TEST_TMPDIR/htpasswd"
	run -0 curl -s -o /dev/null -w '%{http_code}' "http://$REGISTRY/v2/"
	assert_output 401
	run -0 curl -s -o /dev/null -w '%{http_code}' -u alice:secret "http://$REGISTRY/v2/"
	assert_output 200
}

@test "harness cleanup_mounts: unmounts everything below a directory" {
	requires root
	mkdir -p "$BATS_TEST_TMPDIR/m/a/b"
	mount -t tmpfs none "$BATS_TEST_TMPDIR/m/a"
	mkdir -p "$BATS_TEST_TMPDIR/m/a/b"
	mount -t tmpfs none "$BATS_TEST_TMPDIR/m/a/b"
	cleanup_mounts "$BATS_TEST_TMPDIR/m"
	run -1 grep -F "$BATS_TEST_TMPDIR/m" /proc/self/mountinfo
}

@test "build: make install PREFIX DESTDIR installs every program" {
	local b
	b=$(dirname "$KIST_BIN")
	run -0 make -s -C "$REPO_DIR" B="$b" install PREFIX=/opt/kist DESTDIR="$BATS_TEST_TMPDIR/inst"
	for p in kist-runtime kist-store kist-fetch; do
		[ -x "$BATS_TEST_TMPDIR/inst/opt/kist/bin/$p" ]
		run -0 "$BATS_TEST_TMPDIR/inst/opt/kist/bin/$p" --version
		assert_output --partial "$p version"
	done
}

@test "build: a second make has nothing to do (dependencies tracked)" {
	local b
	b=$(dirname "$KIST_BIN")
	run -0 make -s -C "$REPO_DIR" B="$b" all
	run -0 make -q -C "$REPO_DIR" B="$b" all
}
