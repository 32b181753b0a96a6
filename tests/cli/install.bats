#!/usr/bin/env bats
# make install: the programs, a man page per program (rendered by man
# without a warning) and kist's bash completion (commands, flags, container
# and image names through kist's own listings).
bats_require_minimum_version 1.5.0
load ../helpers
load lib

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

setup() {
	cli_setup
}

teardown() { ctr_teardown; }

# complete WORDS...: what _kist offers for the last word, one a line
complete_words() {
	# shellcheck disable=SC1091
	COMPREPLY=()
	COMP_WORDS=("$KIST" "$@")
	COMP_CWORD=$#
	_kist
	printf '%s\n' "${COMPREPLY[@]}"
}

@test "make install DESTDIR: programs, man pages and the completion in place" {
	local d=$BATS_TEST_TMPDIR/dest
	run -0 make -C "$REPO" -s B="$(dirname "$KIST_BIN")" install DESTDIR="$d" PREFIX=/usr
	local p
	for p in kist kist-store kist-fetch kist-runtime kist-shim kist-init; do
		[ -x "$d/usr/bin/$p" ] || fail "no $d/usr/bin/$p"
		[ -s "$d/usr/share/man/man1/$p.1" ] || fail "no man page for $p"
	done
	[ -s "$d/usr/share/bash-completion/completions/kist" ]
	# each page renders, without a warning from man or groff
	for p in "$d"/usr/share/man/man1/*.1; do
		run -0 --separate-stderr env MANWIDTH=80 man --warnings -l "$p"
		[ -z "$stderr" ] || fail "man -l $p: $stderr"
		[[ $output == *"${p##*/}"* || $output == *NAME* ]]
		run -0 --separate-stderr groff -man -ww -z "$p"
		[ -z "$stderr" ] || fail "groff $p: $stderr"
	done
	# the pages say what the programs' help says
	run -0 env MANWIDTH=200 man -l "$d/usr/share/man/man1/kist.1"
	assert_output --partial 'kist stats'
	assert_output --partial 'Copy files/folders between a container and the local filesystem'
	run -0 env MANWIDTH=200 man -l "$d/usr/share/man/man1/kist-runtime.1"
	assert_output --partial 'events'
}

@test "bash completion: commands, group commands and flags from kist's help" {
	# shellcheck source=../../contrib/completion/kist.bash
	source "$REPO/contrib/completion/kist.bash"
	run -0 complete_words r
	assert_output "rename
restart
rm
rmi
run"
	run -0 complete_words container st
	assert_output "start
stats
stop"
	run -0 complete_words stats --no
	assert_output "--no-stream
--no-trunc"
	run -0 complete_words run --name ''
	assert_output ''
}

@test "bash completion: container and image names through kist's listings" {
	requires root
	KIST_RUN=$(mktemp -d /tmp/kr.XXXXXX)
	export KIST_RUN
	kist_import bb
	kist_import other/img:v2
	kist create --name made bb true
	kist run -d --name up bb sleep 1000
	# shellcheck source=../../contrib/completion/kist.bash
	source "$REPO/contrib/completion/kist.bash"
	run -0 complete_words start ''
	assert_line made
	assert_line up
	[ "${#lines[@]}" -eq 2 ]
	# stop: running containers only
	run -0 complete_words stop ''
	assert_output up
	run -0 complete_words run ''
	assert_line bb:latest
	assert_line other/img:v2
	[ "${#lines[@]}" -eq 2 ]
	run -0 complete_words rmi o
	assert_output other/img:v2
	run -0 complete_words cp m
	assert_line 'made:'
}
