#!/usr/bin/env bats
# kist run --init (kist-init as PID 1: orphans reaped, signals passed on, the
# exit code passed through), --sig-proxy (signals sent to kist reach the
# foreground container), pause/unpause as ps and inspect show them.
bats_require_minimum_version 1.5.0
load ../helpers
load lib

setup() {
	requires root
	cli_setup
	KIST_RUN=$(mktemp -d /tmp/kr.XXXXXX)
	export KIST_RUN
	kist_import bb
}

teardown() {
	[ -n "${FG_PID:-}" ] && kill -KILL "$FG_PID" 2>/dev/null && wait "$FG_PID" 2>/dev/null
	ctr_teardown
}

# zombies NAME: the container's processes in state Z, as its ps shows them
zombies() { "$KIST" exec "$1" ps -o stat,comm | awk '$1 ~ /^Z/' ; }
has_zombie() { [ -n "$(zombies "$1")" ]; }
orphan_gone() {
	! "$KIST" exec "$1" ps -o args | grep -v docker-init | grep -q 'while \[ ! -e /go'
}

# an orphan: a subshell starts a loop that waits for /go and exits, so the
# loop lands on PID 1 (only an init that reaps will collect it)
ORPHAN='(sh -c "while [ ! -e /go ]; do sleep 0.1; done" &); exec sleep 1000'

@test "kist run --init: kist-init is PID 1 and reaps orphans (without it they stay zombies)" {
	kist run -d --name plain bb sh -c "$ORPHAN"
	kist run -d --init --name withinit bb sh -c "$ORPHAN"
	assert_success
	run -0 "$KIST" exec withinit ps -o pid,comm
	assert_line --regexp '^ +1 docker-init$'
	"$KIST" exec plain touch /go
	"$KIST" exec withinit touch /go
	# the control: sleep as PID 1 never reaps its orphan
	wait_for has_zombie plain
	wait_for orphan_gone withinit
	[ -z "$(zombies withinit)" ]
	kist inspect --format '{{.Path}} {{index .Args 0}} {{index .Args 1}}' withinit
	assert_output '/sbin/docker-init -- sh'
}

@test "kist run --init: SIGTERM from stop reaches the command, its exit code passes through" {
	kist run --rm --init bb sh -c 'exit 5'
	[ "$status" -eq 5 ]
	kist run -d --init --name t bb sh -c 'trap "exit 7" TERM; touch /ready; while :; do sleep 0.1; done'
	wait_for "$KIST" exec t test -e /ready
	kist stop -t 30 t
	assert_success
	run -0 "$KIST" inspect --format '{{.State.ExitCode}}' t
	assert_output 7
	# a command that is not there: 127
	run -127 "$KIST" run --rm --init bb /no/such/cmd
}

@test "kist run --sig-proxy: SIGUSR1 and SIGTERM sent to kist reach the container" {
	local out=$BATS_TEST_TMPDIR/out
	"$KIST" run --name fg bb sh -c 'trap "echo got-usr1" USR1; trap "echo got-term; exit 3" TERM;
		echo ready; while :; do sleep 0.1; done' >"$out" 2>&1 &
	FG_PID=$!
	wait_for grep -q ready "$out"
	kill -USR1 "$FG_PID"
	wait_for grep -q got-usr1 "$out"
	kill -TERM "$FG_PID"
	local code=0
	wait "$FG_PID" || code=$?
	FG_PID=
	[ "$code" -eq 3 ]
	grep -q got-term "$out"
	run -0 "$KIST" inspect --format '{{.State.Status}} {{.State.ExitCode}}' fg
	assert_output 'exited 3'
}

@test "kist run --sig-proxy=false: kist's signals stay its own, the container runs on" {
	local out=$BATS_TEST_TMPDIR/out
	"$KIST" run --sig-proxy=false --name np bb sh -c 'trap "echo got-term" TERM;
		echo ready; while :; do sleep 0.1; done' >"$out" 2>&1 &
	FG_PID=$!
	wait_for grep -q ready "$out"
	kill -TERM "$FG_PID"
	local code=0
	wait "$FG_PID" || code=$?
	FG_PID=
	[ "$code" -eq 143 ]
	run -0 "$KIST" inspect --format '{{.State.Status}}' np
	assert_output running
	run -0 "$KIST" logs np
	refute_output --partial got-term
	run -125 --separate-stderr "$KIST" run --sig-proxy=maybe bb true
	[[ $stderr == *'invalid argument "maybe" for "--sig-proxy" flag'* ]]
}

@test "kist pause: ps shows Up ... (Paused), inspect paused; unpause; errors" {
	kist run -d --name p bb sh -c 'while :; do echo tick >/tmp/t; sleep 0.1; done'
	local id=$output
	kist pause p
	assert_success
	assert_output p
	kist ps --format '{{.Names}}|{{.Status}}|{{.State}}'
	assert_output --regexp '^p\|Up .+ \(Paused\)\|paused$'
	kist inspect --format '{{.State.Status}} {{.State.Paused}} {{.State.Running}}' p
	assert_output 'paused true true'
	kist ps --filter status=paused -q
	assert_output "${id:0:12}"
	# frozen: the runtime reads it from the freezer cgroup
	run -0 "$KIST_BIN/kist-runtime" --root "$KIST_RUN/runtime" state "$id"
	[ "$(jq -r .status <<<"$output")" = paused ]
	run -1 --separate-stderr "$KIST" pause p
	[ "$stderr" = "Error: Container $id is already paused" ]
	kist unpause p
	assert_success
	kist inspect --format '{{.State.Status}} {{.State.Paused}}' p
	assert_output 'running false'
	kist ps --format '{{.Status}}'
	refute_output --partial Paused
	run -1 --separate-stderr "$KIST" unpause p
	[ "$stderr" = "Error: Container $id is not paused" ]
	# a paused container stops (thawed first) and is no longer paused
	kist pause p
	kist stop -t 1 p
	assert_success
	kist inspect --format '{{.State.Status}} {{.State.Paused}}' p
	assert_output 'exited false'
}

@test "kist attach --sig-proxy: signals sent to kist attach reach the container" {
	local out=$BATS_TEST_TMPDIR/out
	kist run -d --name at bb sh -c 'trap "echo got-usr1" USR1; trap "echo got-term; exit 4" TERM;
		while :; do echo tick; sleep 0.1; done'
	"$KIST" attach at >"$out" 2>&1 &
	FG_PID=$!
	# attached (and its signals set up) once the live output comes through
	wait_for grep -q tick "$out"
	kill -USR1 "$FG_PID"
	wait_for grep -q got-usr1 "$out"
	kill -TERM "$FG_PID"
	local code=0
	wait "$FG_PID" || code=$?
	FG_PID=
	[ "$code" -eq 4 ]
	grep -q got-term "$out"
}
