#!/usr/bin/env bats
# kist pull, push, login and logout against Debian's docker-registry on
# 127.0.0.1 (plain http on loopback), images made offline with kist import.
bats_require_minimum_version 1.5.0
load ../helpers
load lib

setup_file() {
	local d=$BATS_FILE_TMPDIR
	start_registry "$d/open"
	export OPEN="$REGISTRY" OPEN_PID="$REGISTRY_PID"
	htpasswd -Bbc "$d/htpasswd" kist s3cret >/dev/null 2>&1
	start_registry "$d/basic" --htpasswd "$d/htpasswd"
	export BASIC="$REGISTRY" BASIC_PID="$REGISTRY_PID"
}

teardown_file() {
	stop_registry "$OPEN_PID"
	stop_registry "$BASIC_PID"
}

setup() { cli_setup; }
teardown() { cli_teardown; }

@test "kist tag, push and pull: a private registry, then the image back in a fresh store" {
	kist_import myhello
	kist tag myhello "$OPEN/team/myhello:v1"
	assert_success
	kist push "$OPEN/team/myhello:v1"
	assert_success
	assert_output --regexp 'v1: digest: sha256:[0-9a-f]{64} size: [0-9]+'
	run curl -sf "http://$OPEN/v2/_catalog"
	assert_output --partial '"team/myhello"'
	local id
	id=$("$KIST" images -q myhello)
	export KIST_ROOT="$BATS_TEST_TMPDIR/other"
	kist pull "$OPEN/team/myhello:v1"
	assert_success
	assert_output --partial 'Digest: sha256:'
	assert_output --partial "Status: Downloaded newer image for $OPEN/team/myhello:v1"
	kist images -q "$OPEN/team/myhello:v1"
	assert_output "$id"
	kist pull -q "$OPEN/team/myhello:v1"
	assert_success
	assert_output "$OPEN/team/myhello:v1"
}

@test "kist login and logout: then push with auth; a wrong password is refused" {
	kist_import myhello
	kist tag myhello "$BASIC/team/myhello:v1"
	kist push "$BASIC/team/myhello:v1"
	assert_failure
	kist login -u kist -p wrong "$BASIC"
	assert_failure
	[ ! -e "$HOME/.docker/config.json" ] || ! grep -q "$BASIC" "$HOME/.docker/config.json"
	run bash -c 'echo s3cret | "$KIST" login -u kist --password-stdin "$BASIC"'
	assert_success
	assert_output --partial 'Login Succeeded'
	kist push "$BASIC/team/myhello:v1"
	assert_success
	kist logout "$BASIC"
	assert_success
	run grep -c "$BASIC" "$HOME/.docker/config.json"
	assert_output 0
}

@test "kist pull: an unknown image, a bad reference, nothing written" {
	kist pull "$OPEN/no/such:v1"
	assert_failure 1
	assert_output --partial 'Error:'
	assert_output --partial 'no/such'
	kist pull 'UPPER/Case'
	assert_failure
	assert_output --partial 'Error:'
	kist images -q
	assert_output ''
}

@test "kist run: an image only the registry has is pulled first (--pull missing), --pull never refuses it" {
	requires root
	KIST_RUN=$(mktemp -d /tmp/kr.XXXXXX)
	export KIST_RUN
	kist_import bb
	kist tag bb "$OPEN/team/bb:v1"
	kist push "$OPEN/team/bb:v1"
	assert_success
	export KIST_ROOT="$BATS_TEST_TMPDIR/fresh"
	run -125 --separate-stderr "$KIST" run --rm --pull never "$OPEN/team/bb:v1" true
	[[ $stderr == *"No such image: $OPEN/team/bb:v1"* ]]
	run -0 --separate-stderr "$KIST" run --rm "$OPEN/team/bb:v1" echo ran
	assert_output ran
	[[ $stderr == "Unable to find image '$OPEN/team/bb:v1' locally"* ]]
	# now it is there: no pull
	run -0 --separate-stderr "$KIST" run --rm "$OPEN/team/bb:v1" echo again
	assert_output again
	[ -z "$stderr" ]
	ctr_teardown
}
