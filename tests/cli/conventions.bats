#!/usr/bin/env bats
# One command line across the programs: every program and verb answers
# --help and names an unknown flag; exact long options only; one message for
# a missing value; usage errors point to the verb's --help; --root in every
# --help; a read-only verb on a missing store creates nothing; kist's
# docker messages and exit codes on bad input, with nothing changed.
bats_require_minimum_version 1.5.0
load ../helpers
load lib

setup() { cli_setup; }
teardown() { cli_teardown; }

# verbs PROG: the verbs its --help lists ("  name  summary" lines after a
# "commands:" or "Commands:" heading).
verbs() {
	"$1" --help | awk '/^[A-Za-z ]*[Cc]ommands:$/ {on=1; next} /^$/ {on=0} on && /^  [a-z]/ {print $1}'
}

@test "every kist-store and kist-fetch verb: --help exits 0, an unknown flag exits 2 naming it and the verb's help" {
	local prog v n=0
	mkdir -p "$KIST_ROOT"
	for prog in "$STORE" "$FETCH"; do
		for v in $(verbs "$prog"); do
			run "$prog" --root "$KIST_ROOT" "$v" --help
			[ "$status" -eq 0 ] || fail "$prog $v --help: exit $status: $output"
			[[ "${output,,}" == *usage* ]] || fail "$prog $v --help prints no usage: $output"
			run "$prog" --root "$KIST_ROOT" "$v" --no-such-flag
			[ "$status" -eq 2 ] || fail "$prog $v --no-such-flag: exit $status: $output"
			[ "$output" = "$(basename "$prog"): unknown flag: --no-such-flag
See '$(basename "$prog") $v --help'." ] || fail "$prog $v --no-such-flag: $output"
			n=$((n + 1))
		done
	done
	[ "$n" -gt 25 ]
}

@test "every kist-shim verb: --help exits 0, an unknown flag exits 2 naming it and the verb's help" {
	local shim="$KIST_BIN/kist-shim" v n=0
	for v in $(verbs "$shim"); do
		run "$shim" "$v" --help
		[ "$status" -eq 0 ] || fail "kist-shim $v --help: exit $status: $output"
		[[ "${output,,}" == *usage* ]] || fail "kist-shim $v --help prints no usage: $output"
		run "$shim" "$v" --no-such-flag
		[ "$status" -eq 2 ] || fail "kist-shim $v --no-such-flag: exit $status: $output"
		[ "$output" = "kist-shim: unknown flag: --no-such-flag
See 'kist-shim $v --help'." ] || fail "kist-shim $v --no-such-flag: $output"
		n=$((n + 1))
	done
	[ "$n" -ge 5 ]
	run "$shim" --id
	assert_failure 2
	assert_output --partial 'kist-shim: flag needs an argument: --id'
	run "$shim" --bund x
	assert_failure 2
	assert_output --partial 'kist-shim: unknown flag: --bund'
	run "$shim" state nope
	assert_failure 1
	assert_output "kist-shim: no such container: 'nope'"
}

@test "every kist command and image/system verb: docker's help layout, unknown flag exits 125" {
	local v g n=0
	for v in $(verbs "$KIST") image system; do
		kist "$v" --help
		assert_success
		assert_output --partial "Usage:  kist $v"
		n=$((n + 1))
	done
	for v in $(verbs "$KIST"); do
		kist "$v" --no-such-flag
		assert_failure 125
		assert_output "unknown flag: --no-such-flag
See 'kist $v --help'."
	done
	for g in image system; do
		for v in $("$KIST" "$g" --help | awk '/^Commands:$/ {on=1; next} /^$/ {on=0} on {print $1}'); do
			kist "$g" "$v" --help
			assert_success
			assert_output --partial "Usage:  kist $g $v"
			assert_output --partial "Options:"
			kist "$g" "$v" --no-such-flag
			assert_failure 125
			assert_output --partial "See 'kist $g $v --help'."
			n=$((n + 1))
		done
	done
	[ "$n" -gt 20 ]
	kist --help
	assert_success
	assert_line 'Management Commands:'
	assert_line 'Commands:'
	assert_line --regexp '^  image +Manage images$'
	kist nosuch
	assert_failure 125
	assert_output --partial "'nosuch' is not a kist command"
}

@test "kist-runtime verbs with flags: --help, unknown flags and prefixes refused (as runc's)" {
	local v
	mkdir -p "$BATS_TEST_TMPDIR/rt"
	for v in spec create run delete kill list ps update exec events; do
		run "$RT" --root "$BATS_TEST_TMPDIR/rt" "$v" --help
		[ "$status" -eq 0 ] || fail "kist-runtime $v --help: exit $status: $output"
		run "$RT" --root "$BATS_TEST_TMPDIR/rt" "$v" --no-such-flag
		[ "$status" -eq 2 ] || fail "kist-runtime $v --no-such-flag: exit $status: $output"
		[[ "$output" == *"unknown flag: --no-such-flag"* ]] || fail "kist-runtime $v: $output"
	done
	run "$RT" --root "$BATS_TEST_TMPDIR/rt" list --form json
	assert_failure 2
	assert_output --partial 'unknown flag: --form'
	run "$RT" --root "$BATS_TEST_TMPDIR/rt" list --format json
	assert_success
}

@test "every program's --help documents --root; kist-runtime keeps runc's command line" {
	local prog
	for prog in "$KIST" "$STORE" "$FETCH" "$RT"; do
		run "$prog" --help
		assert_success
		assert_output --partial '--root'
	done
	run "$RT" --no-such-flag
	assert_failure 2
	assert_output --partial 'no-such-flag'
}

@test "kist-store's help lists only flags it takes: -v, --version, --debug, --driver vfs" {
	run "$STORE" -v
	assert_success
	assert_output --regexp '^kist-store version '
	run "$STORE" --version
	assert_success
	mkdir -p "$KIST_ROOT"
	run "$STORE" --root "$KIST_ROOT" --debug --driver vfs info
	assert_success
}

@test "unique prefixes of long options are refused, as docker does" {
	mkdir -p "$KIST_ROOT"
	run "$STORE" --root "$KIST_ROOT" ls --al
	assert_failure 2
	assert_output "kist-store: unknown flag: --al
See 'kist-store ls --help'."
	run "$STORE" --ro "$KIST_ROOT" ls
	assert_failure 2
	assert_output --partial 'unknown flag: --ro'
	run "$FETCH" --root "$KIST_ROOT" pull --plat linux/amd64 x
	assert_failure 2
	assert_output --partial 'unknown flag: --plat'
	kist images --al
	assert_failure 125
	assert_output "unknown flag: --al
See 'kist images --help'."
	kist image ls --dig
	assert_failure 125
	# the exact names and the = form work
	run "$STORE" --root "$KIST_ROOT" ls --all --format='{{.ID}}'
	assert_success
	kist images --all=false --format='{{.ID}}'
	assert_success
}

@test "a missing option value: one message in every program" {
	mkdir -p "$KIST_ROOT"
	run "$STORE" --root "$KIST_ROOT" ls --format
	assert_failure 2
	assert_output "kist-store: flag needs an argument: --format
See 'kist-store ls --help'."
	run "$STORE" --root "$KIST_ROOT" ls -f
	assert_failure 2
	assert_output --partial "flag needs an argument: 'f' in -f"
	run "$FETCH" --root "$KIST_ROOT" pull x --platform
	assert_failure 2
	assert_output --partial "kist-fetch: flag needs an argument: --platform"
	kist images --format
	assert_failure 125
	assert_output "flag needs an argument: --format
See 'kist images --help'."
	kist images -z
	assert_failure 125
	assert_output --partial "unknown shorthand flag: 'z' in -z"
}

@test "a read-only verb on a missing store is an error and creates nothing" {
	local typo="$BATS_TEST_TMPDIR/typo"
	run "$STORE" --root "$typo" ls
	assert_failure 1
	assert_output "kist-store: no store at '$typo' (see --root and \$KIST_ROOT)"
	run "$STORE" --root "$typo" inspect x
	assert_failure 1
	KIST_ROOT=$typo run "$STORE" images
	assert_failure 1
	kist --root "$typo" images
	assert_failure 1
	assert_output "Error: no store at '$typo' (see --root and \$KIST_ROOT)"
	[ ! -e "$typo" ]
}

@test "errors carry no redundant strerror tail" {
	mkdir -p "$KIST_ROOT"
	run "$STORE" --root "$KIST_ROOT" rm nope
	assert_failure 1
	assert_output "kist-store: no such image: 'nope'"
	run "$STORE" --root "$KIST_ROOT" inspect nope
	assert_failure 1
	refute_output --partial 'No such file or directory'
}

@test "kist bad input: unknown image, bad template, unknown flag, wrong value type; docker's message and code, nothing changed" {
	kist_import busybox:1
	local before
	before=$(store_snapshot)
	kist rmi nope
	assert_failure 1
	assert_output 'Error: No such image: nope'
	kist image inspect nope
	assert_failure 1
	assert_line 'Error: No such image: nope'
	kist inspect nope
	assert_failure 1
	assert_line 'Error: No such object: nope'
	kist inspect --type volume busybox:1
	assert_failure 125
	assert_output --partial '"volume" is not a valid value for --type'
	kist history nope
	assert_failure 1
	assert_output 'Error: No such image: nope'
	kist tag nope other:1
	assert_failure 1
	assert_output 'Error: No such image: nope'
	kist images --format '{{.ID'
	assert_failure 1
	assert_output 'template parsing error: template: :1: unclosed action'
	kist images --format '{{.Nope}}'
	assert_failure 1
	assert_output --partial "can't evaluate field Nope"
	kist inspect --format '{{if .Id}}' busybox:1
	assert_failure 1
	assert_output --partial 'template parsing error: template: :1: unexpected EOF'
	kist images --all=maybe
	assert_failure 125
	assert_output --partial 'invalid argument "maybe" for "-a, --all" flag: strconv.ParseBool: parsing "maybe": invalid syntax'
	kist images -f nope=1
	assert_failure 125
	assert_output "Error: invalid filter 'nope'
See 'kist images --help'."
	kist rmi -x busybox:1
	assert_failure 125
	kist tag busybox:1
	assert_failure 125
	assert_output --partial '"kist tag" requires exactly 2 arguments.'
	kist rmi
	assert_failure 125
	assert_output --partial '"kist rmi" requires at least 1 argument.'
	[ "$(store_snapshot)" = "$before" ]
}
