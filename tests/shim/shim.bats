#!/usr/bin/env bats
# kist-shim: detached containers, json-file logs, exit records, restart
# policies, attach, stop/kill/delete; real containers through kist-runtime.
bats_require_minimum_version 1.5.0
load ../helpers
load ../runtime/runtime
load shim

setup() { setup_shim; }
teardown() { teardown_shim; }

@test "shim: returns once the container runs, and survives its caller's kill -9" {
	set_args '["/tools/init", "pause"]'
	# the caller starts the shim, then waits; it is killed with -9 afterwards
	bash -c '"$1" --id c1 --bundle "$2" --runtime "$3" --runtime-root "$4" && echo started >"$5/started"; exec sleep 600' \
		_ "$SHIM" "$BUNDLE" "$RT" "$RT_ROOT" "$BATS_TEST_TMPDIR" </dev/null >/dev/null 2>&1 &
	caller=$!
	track_pid "$caller"
	wait_for test -f "$BATS_TEST_TMPDIR/started"
	# exit 0 means started: the record and the runtime say running already
	[ "$(state_field c1 Status)" = running ]
	pid=$(cat "$(shim_dir c1)/pid")
	[ "$(state_field c1 Pid)" = "$pid" ]
	[ "$(ctr_status c1)" = running ]
	shim_pid=$(cat "$(shim_dir c1)/shim.pid")
	kill -9 "$caller"
	wait_for bash -c "! kill -0 $caller 2>/dev/null"
	sleep 0.2
	kill -0 "$shim_pid"
	[ -d "/proc/$pid" ]
	[ "$(ctr_status c1)" = running ]
	# daemonized: its own session, stdio off the caller's, the container's reaper
	[ "$(ps -o sid= -p "$shim_pid" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ]
	for fd in 0 1 2; do [ "$(readlink "/proc/$shim_pid/fd/$fd")" = /dev/null ]; done
	[ "$(ps -o ppid= -p "$pid" | tr -d ' ')" = "$shim_pid" ]
	shim stop -t 5 c1
	[ "$status" -eq 0 ]
	wait_shim_gone c1
	[ "$(state_field c1 Status)" = exited ]
	[ "$(state_field c1 ExitCode)" = 0 ] # init's TERM handler exits 0
}

@test "shim: log lines in docker's json-file format, stdout and stderr apart" {
	set_args '["sh", "-c", "echo out1; echo err1 >&2; echo out2; printf \"q\\\"<&>\\t\\n\"; printf no-newline"]'
	shim_start c1
	[ "$status" -eq 0 ]
	wait_shim_gone c1
	log=$(shim_log c1)
	# every line is a JSON object with exactly log, stream, time
	while read -r line; do
		[ "$(jq -c 'keys' <<<"$line")" = '["log","stream","time"]' ]
		[[ "$(jq -r .time <<<"$line")" =~ ^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?Z$ ]]
	done <"$log"
	[ "$(jq -j 'select(.stream == "stdout") | .log' "$log")" = "$(printf 'out1\nout2\nq"<&>\t\nno-newline')" ]
	[ "$(jq -j 'select(.stream == "stderr") | .log' "$log")" = "err1" ]
	# the last line had no newline and is still logged, without one
	[ "$(tail -1 "$log" | jq -r .log)" = no-newline ]
	# docker's escaping of <, > and &
	grep -q '\\u003c\\u0026\\u003e' "$log"
	[ "$(state_field c1 ExitCode)" = 0 ]
}

@test "shim: a line longer than 16 KiB is split as docker splits it" {
	set_args '["sh", "-c", "head -c 40000 /dev/zero | tr \"\\0\" a; echo; head -c 16383 /dev/zero | tr \"\\0\" b; echo"]'
	shim_start c1
	[ "$status" -eq 0 ]
	wait_shim_gone c1
	run jq -r '.log | "\(length) \(endswith("\n"))"' "$(shim_log c1)"
	[ "$output" = "16384 false
16384 false
7233 true
16384 true" ]
}

@test "shim: a 40 MB burst to stdout is logged whole and in order" {
	# 40,000,000 bytes of numbered lines, as fast as the container can write
	set_args '["sh", "-c", "seq 1 6000000 | head -c 40000000"]'
	shim_start c1
	[ "$status" -eq 0 ]
	wait_shim_gone c1
	[ "$(state_field c1 ExitCode)" = 0 ]
	log=$(shim_log c1)
	[ "$(jq -j .log "$log" | wc -c)" -eq 40000000 ]
	# in order, nothing lost or repeated: the same bytes seq makes
	cmp <(jq -j .log "$log") <(seq 1 6000000 | head -c 40000000)
}

@test "shim: rotation under a writer and a follower loses and repeats nothing" {
	# three bursts with pauses, so rotations happen while the follower reads
	set_args '["sh", "-c", "seq 1 10000; sleep 0.3; seq 10001 20000; sleep 0.3; seq 20001 30000"]'
	shim_start c1 --log-opt max-size=50k,max-file=100
	[ "$status" -eq 0 ]
	"$SHIM" logs -f c1 >"$BATS_TEST_TMPDIR/followed" &
	track_pid $!
	wait_shim_gone c1
	wait_for bash -c "! kill -0 $! 2>/dev/null"
	cmp "$BATS_TEST_TMPDIR/followed" <(seq 1 30000)
	# every file within max-size, and together (oldest first) the whole output
	dir=$(shim_dir c1)
	n=$(find "$dir" -name 'log.json*' | wc -l)
	[ "$n" -gt 10 ]
	for ((i = n - 1; i >= 1; i--)); do
		[ "$(stat -c %s "$dir/log.json.$i")" -le 51200 ]
		cat "$dir/log.json.$i"
	done >"$BATS_TEST_TMPDIR/all"
	cat "$dir/log.json" >>"$BATS_TEST_TMPDIR/all"
	cmp <(jq -j .log "$BATS_TEST_TMPDIR/all") <(seq 1 30000)
	# and the reader without -f prints the same
	cmp <("$SHIM" logs c1) <(seq 1 30000)
}

@test "shim: max-file bounds the number of log files" {
	set_args '["sh", "-c", "seq 1 20000"]'
	shim_start c1 --log-opt max-size=20k,max-file=3
	[ "$status" -eq 0 ]
	wait_shim_gone c1
	dir=$(shim_dir c1)
	[ -f "$dir/log.json.2" ]
	[ ! -e "$dir/log.json.3" ]
	# the newest lines are kept, the oldest rotated away
	[ "$("$SHIM" logs c1 | tail -1)" = 20000 ]
	[ "$("$SHIM" logs c1 | head -1)" -gt 1 ]
}

@test "shim: exit code, death by signal and OOM kill are recorded" {
	set_args '["sh", "-c", "exit 7"]'
	shim_start c1
	[ "$status" -eq 0 ]
	wait_shim_gone c1
	[ "$(state_field c1 Status)" = exited ]
	[ "$(state_field c1 ExitCode)" = 7 ]
	[ "$(state_field c1 Signal)" = 0 ]
	[ "$(state_field c1 OOMKilled)" = false ]
	started=$(state_field c1 StartedAt)
	finished=$(state_field c1 FinishedAt)
	[[ "$started" < "$finished" || "$started" = "$finished" ]]
	# the runtime's container is deleted once the exit is recorded
	run "$RT" --root "$RT_ROOT" state c1
	[ "$status" -ne 0 ]

	set_args '["/tools/init", "pause"]'
	shim_start c2
	[ "$status" -eq 0 ]
	kill -KILL "$(cat "$(shim_dir c2)/pid")"
	wait_shim_gone c2
	[ "$(state_field c2 ExitCode)" = 137 ]
	[ "$(state_field c2 Signal)" = 9 ]
	[ "$(state_field c2 OOMKilled)" = false ]
}

@test "shim: a container over its memory limit is recorded as OOMKilled" {
	requires cgroup1
	set_args '["/tools/init", "memhog", "256"]'
	update_config "$BUNDLE/config.json" '.linux.resources.memory = {"limit": 33554432}'
	shim_start c1
	[ "$status" -eq 0 ]
	wait_shim_gone c1
	[ "$(state_field c1 OOMKilled)" = true ]
	[ "$(state_field c1 ExitCode)" = 137 ]
}

@test "shim: restart on-failure:3 with docker's backoff, then gives up" {
	set_args '["sh", "-c", "echo run; exit 3"]'
	shim_start c1 --restart on-failure:3
	[ "$status" -eq 0 ]
	wait_shim_gone c1
	[ "$(state_field c1 RestartCount)" = 3 ]
	[ "$(state_field c1 ExitCode)" = 3 ]
	[ "$(state_field c1 Status)" = exited ]
	# four runs; the waits between them at least 100, 200, 400 ms
	mapfile -t times < <(jq -r .time "$(shim_log c1)")
	[ "${#times[@]}" -eq 4 ]
	for i in 1 2 3; do
		a=$(date -d "${times[i - 1]}" +%s.%N)
		b=$(date -d "${times[i]}" +%s.%N)
		awk -v a="$a" -v b="$b" -v min="$((100 << (i - 1)))" 'BEGIN { exit !((b - a) * 1000 >= min) }'
	done
}

@test "shim: --exit-command runs once, with its arguments, after the last restart" {
	set_args '["sh", "-c", "exit 3"]'
	out="$BATS_TEST_TMPDIR/exit-command"
	shim_start c1 --restart on-failure:2 --exit-command /bin/sh \
		--exit-command-arg -c --exit-command-arg 'echo "$1 $(jq .RestartCount "$2")" >>"$3"' \
		--exit-command-arg _ --exit-command-arg done --exit-command-arg "$(shim_dir c1)/state.json" \
		--exit-command-arg "$out"
	[ "$status" -eq 0 ]
	wait_shim_gone c1
	wait_for test -s "$out"
	# written after the record: the restarts were over
	[ "$(cat "$out")" = "done 2" ]
	shim_start c2 --exit-command-arg x --exit-command /bin/true
	[ "$status" -eq 2 ]
	assert_output --partial -- "--exit-command-arg before --exit-command"
}

@test "shim: on-failure does not restart a clean exit; no never restarts" {
	set_args '["sh", "-c", "exit 0"]'
	shim_start c1 --restart on-failure
	[ "$status" -eq 0 ]
	wait_shim_gone c1
	[ "$(state_field c1 RestartCount)" = 0 ]
	set_args '["sh", "-c", "exit 1"]'
	shim_start c2 --restart no
	[ "$status" -eq 0 ]
	wait_shim_gone c2
	[ "$(state_field c2 RestartCount)" = 0 ]
	[ "$(state_field c2 ExitCode)" = 1 ]
}

@test "shim: restart always brings a killed container back; a user stop is final" {
	set_args '["/tools/init", "pause"]'
	shim_start c1 --restart always
	[ "$status" -eq 0 ]
	pid1=$(cat "$(shim_dir c1)/pid")
	kill -9 "$pid1"
	wait_for bash -c "[ \"\$(jq -r .RestartCount '$(shim_dir c1)/state.json')\" = 1 ]"
	wait_for status_is c1 running
	pid2=$(cat "$(shim_dir c1)/pid")
	[ "$pid2" != "$pid1" ]
	[ -d "/proc/$pid2" ]
	[ "$(ctr_status c1)" = running ]
	shim stop c1
	[ "$status" -eq 0 ]
	wait_shim_gone c1
	[ "$(state_field c1 Status)" = exited ]
	[ "$(state_field c1 RestartCount)" = 1 ]
	[ ! -d "/proc/$pid2" ]
}

@test "shim: unless-stopped restarts a clean exit; stop during the backoff is final" {
	set_args '["sh", "-c", "echo up; sleep 0.2"]'
	shim_start c1 --restart unless-stopped
	[ "$status" -eq 0 ]
	wait_for bash -c "[ \"\$(jq -r .RestartCount '$(shim_dir c1)/state.json')\" -ge 2 ]"
	shim stop -t 1 c1
	[ "$status" -eq 0 ]
	wait_shim_gone c1
	[ "$(state_field c1 Status)" = exited ]
	count=$(state_field c1 RestartCount)
	sleep 1
	[ "$(state_field c1 RestartCount)" = "$count" ]
	[ "$(jq -r .log "$(shim_log c1)" | grep -c up)" -ge 3 ]
}

@test "shim: stop sends the signal, then SIGKILL after the timeout" {
	# sh as pid 1 ignores SIGTERM: only the SIGKILL ends it
	set_args '["sh", "-c", "while :; do sleep 1; done"]'
	shim_start c1
	[ "$status" -eq 0 ]
	start=$(date +%s%N)
	shim stop -t 1 c1
	[ "$status" -eq 0 ]
	end=$(date +%s%N)
	[ $(((end - start) / 1000000)) -ge 1000 ]
	[ "$(state_field c1 ExitCode)" = 137 ]
	# a stopped container: stop again is fine, kill is refused
	wait_shim_gone c1
	shim stop c1
	[ "$status" -eq 0 ]
	shim kill c1
	[ "$status" -eq 1 ]
	[[ "$output" == *"container c1 is not running"* ]]
}

@test "shim: kill sends a signal through the shim" {
	# pid 1 of a namespace gets only the signals it handles
	set_args '["sh", "-c", "trap \"echo usr1; exit 42\" USR1; echo ready; while :; do sleep 0.1; done"]'
	shim_start c1
	[ "$status" -eq 0 ]
	wait_for grep -q ready "$(shim_log c1)"
	shim kill -s USR1 c1
	[ "$status" -eq 0 ]
	wait_shim_gone c1
	[ "$(state_field c1 ExitCode)" = 42 ]
	grep -q usr1 "$(shim_log c1)"
	set_args '["/tools/init", "pause"]'
	shim_start c2
	[ "$status" -eq 0 ]
	shim kill c2
	[ "$status" -eq 0 ]
	wait_shim_gone c2
	[ "$(state_field c2 ExitCode)" = 137 ]
	[ "$(state_field c2 Signal)" = 9 ]
	run "$SHIM" kill -s NOPE c1
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid signal 'NOPE'"* ]]
}

@test "shim: attach: two clients see the output, one writes stdin, exit code passed" {
	set_args '["sh", "-c", "while read l; do echo \"got $l\"; echo \"err $l\" >&2; done; exit 5"]'
	shim_start c1 -i
	[ "$status" -eq 0 ]
	mkfifo "$BATS_TEST_TMPDIR/in"
	"$SHIM" attach --no-stdin c1 >"$BATS_TEST_TMPDIR/b.out" 2>"$BATS_TEST_TMPDIR/b.err" &
	b=$!
	track_pid $b
	"$SHIM" attach c1 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/a.out" 2>"$BATS_TEST_TMPDIR/a.err" &
	a=$!
	track_pid $a
	exec 8>"$BATS_TEST_TMPDIR/in"
	# both clients connected before the first output
	wait_for attached c1 2
	echo one >&8
	wait_for grep -q "got one" "$BATS_TEST_TMPDIR/b.out"
	# a third client may read but not write: stdin has its owner
	run bash -c 'printf "x\n" | "$1" attach c1' _ "$SHIM"
	[[ "$output" == *"stdin is attached to another client"* ]]
	[ "$status" -eq 1 ]
	echo two >&8
	exec 8>&- # EOF on the container's stdin: the loop ends, sh exits 5
	st=0
	wait "$a" || st=$?
	[ "$st" -eq 5 ]
	st=0
	wait "$b" || st=$?
	[ "$st" -eq 5 ]
	for f in a b; do
		[ "$(cat "$BATS_TEST_TMPDIR/$f.out")" = "got one
got two" ]
		[ "$(cat "$BATS_TEST_TMPDIR/$f.err")" = "err one
err two" ]
	done
	wait_shim_gone c1
	[ "$(state_field c1 ExitCode)" = 5 ]
	! grep -q '"x' "$(shim_log c1)"
}

@test "shim: a pty, with the attached terminal's size seen by stty size" {
	requires cmd:script
	set_args '["sh", "-c", "read line; echo got:$line; stty size; exit 3"]'
	update_config "$BUNDLE/config.json" '.process.terminal = true'
	shim_start c1 -i -t
	[ "$status" -eq 0 ]
	run bash -c '(sleep 0.5; echo hello) | script -qec "stty rows 33 cols 77; $1 attach c1" /dev/null' _ "$SHIM"
	[[ "$output" == *"got:hello"* ]]
	[[ "$output" == *"33 77"* ]]
	wait_shim_gone c1
	[ "$(state_field c1 ExitCode)" = 3 ]
	jq -j .log "$(shim_log c1)" | grep -q "33 77"
}

@test "shim: killed with -9: the record says dead, delete -f still cleans up" {
	set_args '["/tools/init", "pause"]'
	shim_start c1
	[ "$status" -eq 0 ]
	pid=$(cat "$(shim_dir c1)/pid")
	kill -9 "$(cat "$(shim_dir c1)/shim.pid")"
	wait_for bash -c "! \"$SHIM\" state c1 | grep -q '\"running\"'"
	shim state c1
	[ "$status" -eq 0 ]
	[ "$(jq -r .Status <<<"$output")" = dead ]
	[[ "$(jq -r .Error <<<"$output")" == *"exited unexpectedly"* ]]
	# the container itself still runs: delete needs -f
	[ -d "/proc/$pid" ]
	shim delete c1
	[ "$status" -eq 1 ]
	[[ "$output" == *"use -f"* ]]
	shim delete -f c1
	[ "$status" -eq 0 ]
	wait_for bash -c "[ ! -d /proc/$pid ] || grep -q '^State:.*Z' /proc/$pid/status"
	[ ! -e "$(shim_dir c1)" ]
	run "$RT" --root "$RT_ROOT" state c1
	[ "$status" -ne 0 ]
}

@test "shim: delete of a running container needs -f; then nothing is left" {
	set_args '["/tools/init", "pause"]'
	shim_start c1
	[ "$status" -eq 0 ]
	pid=$(cat "$(shim_dir c1)/pid")
	shim delete c1
	[ "$status" -eq 1 ]
	[[ "$output" == *"is running"* ]]
	[ -d "/proc/$pid" ]
	shim delete -f c1
	[ "$status" -eq 0 ]
	[ ! -e "$(shim_dir c1)" ]
	[ ! -d "/proc/$pid" ]
	run "$RT" --root "$RT_ROOT" state c1
	[ "$status" -ne 0 ]
	[ -z "$(cg_dirs_of "$CG")" ]
}

@test "shim: delete after a clean exit removes the shim's directory" {
	set_args '["true"]'
	shim_start c1
	[ "$status" -eq 0 ]
	wait_shim_gone c1
	[ -f "$(shim_dir c1)/state.json" ]
	shim delete c1
	[ "$status" -eq 0 ]
	[ ! -e "$(shim_dir c1)" ]
	shim state c1
	[ "$status" -eq 1 ]
	[[ "$output" == *"no such container: 'c1'"* ]]
}

@test "shim: logs --tail, --since, --until and -t" {
	set_args '["sh", "-c", "echo a; echo b; sleep 1.2; echo c; echo d >&2"]'
	shim_start c1
	[ "$status" -eq 0 ]
	wait_shim_gone c1
	run "$SHIM" logs --tail 2 c1
	[ "$output" = "c
d" ]
	run "$SHIM" logs --tail all c1
	[ "$output" = "a
b
c
d" ]
	# stderr lines go to stderr
	[ "$("$SHIM" logs c1 2>/dev/null)" = "a
b
c" ]
	t=$(jq -r 'select(.log == "c\n") | .time' "$(shim_log c1)")
	[ "$("$SHIM" logs --since "$t" c1 2>&1)" = "c
d" ]
	t2=$(jq -r 'select(.log == "b\n") | .time' "$(shim_log c1)")
	[ "$("$SHIM" logs --until "$t2" c1 2>&1)" = "a
b" ]
	[ "$("$SHIM" logs --since 1h c1 2>&1 | wc -l)" -eq 4 ]
	[ "$("$SHIM" logs -t --tail 1 c1 2>&1)" = "$(jq -r 'select(.log == "d\n") | .time' "$(shim_log c1)") d" ]
	run "$SHIM" logs --since yesterday c1
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid value 'yesterday' for --since"* ]]
}

@test "shim: --no-start creates only; attach --start misses none of the output" {
	set_args '["sh", "-c", "echo first; echo second >&2; exit 4"]'
	shim_start c1 --no-start
	[ "$status" -eq 0 ]
	[ "$(state_field c1 Status)" = created ]
	[ "$(ctr_status c1)" = created ]
	sleep 0.3
	[ ! -s "$(shim_log c1)" ] # created: nothing has run yet
	run "$SHIM" attach --start c1
	[ "$status" -eq 4 ]
	[ "$output" = "first
second" ]
	wait_shim_gone c1
	[ "$(state_field c1 Status)" = exited ]
	# a created container that is stopped never runs
	set_args '["sh", "-c", "echo ran"]'
	shim_start c2 --no-start
	[ "$status" -eq 0 ]
	shim stop c2
	[ "$status" -eq 0 ]
	wait_shim_gone c2
	! grep -q ran "$(shim_log c2)"
}

@test "shim: wait blocks until the container stops and prints its exit code" {
	set_args '["sh", "-c", "read x; exit 9"]'
	shim_start c1 -i
	[ "$status" -eq 0 ]
	"$SHIM" wait c1 >"$BATS_TEST_TMPDIR/waited" &
	w=$!
	track_pid $w
	sleep 0.3
	kill -0 $w # still waiting
	echo go | "$SHIM" attach c1 >/dev/null || true
	wait $w
	[ "$(cat "$BATS_TEST_TMPDIR/waited")" = 9 ]
	# after the shim is gone, from the record
	wait_shim_gone c1
	shim wait c1
	[ "$output" = 9 ]
}

@test "shim: once stop or wait returns, the id is free: a new shim starts, delete does not wait" {
	set_args '["/tools/init", "pause"]'
	for i in 1 2 3; do
		shim_start c1
		[ "$status" -eq 0 ]
		shim stop c1
		[ "$status" -eq 0 ]
	done
	[ "$(state_field c1 Status)" = exited ]
	set_args '["sh", "-c", "exit 3"]'
	shim_start c2
	[ "$status" -eq 0 ]
	shim wait c2
	[ "$output" = 3 ]
	run timeout 10 "$SHIM" delete c2
	[ "$status" -eq 0 ]
	[ ! -e "$(shim_dir c2)" ]
}

@test "shim: sockets work under a run dir too long for a socket path" {
	set_args '["sh", "-c", "read x; echo got $x"]'
	KIST_RUN=$BATS_TEST_TMPDIR/$(printf 'long%.0s' {1..20})
	export KIST_RUN
	mkdir -p "$KIST_RUN"
	id=$(printf '%064d' 7)
	[ "${#KIST_RUN}" -gt 40 ]
	[ $((${#KIST_RUN} + ${#id} + 13)) -gt 108 ] # $KIST_RUN/shim/<id>/attach
	shim_start "$id" -i
	[ "$status" -eq 0 ]
	run bash -c 'echo hi | "$1" attach "$2"' _ "$SHIM" "$id"
	[ "$output" = "got hi" ]
	wait_shim_gone "$id"
	shim delete "$id"
	[ "$status" -eq 0 ]
}
