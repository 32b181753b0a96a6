#!/usr/bin/env bats
# kist stats (docker's table over kist-runtime events --stats) on real
# containers: memory a process allocated, its pid count, CPU of a busy loop,
# --no-stream, -a, --no-trunc, --format, the live table; bad input.
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
	[ -n "${STATS_PID:-}" ] && kill "$STATS_PID" 2>/dev/null && wait "$STATS_PID" 2>/dev/null
	ctr_teardown
}

# to_bytes "12.5MiB": docker's binary size as a byte count (%.0f: mawk's %d stops at 2^31-1)
to_bytes() {
	awk -v s="$1" 'BEGIN {
		n = s + 0; u = s; sub(/^[0-9.]+/, "", u)
		m["B"] = 1; m["KiB"] = 1024; m["MiB"] = 1048576; m["GiB"] = 1073741824
		if (!(u in m)) exit 1
		printf "%.0f\n", n * m[u] }'
}

logs_say_done() { [ "$("$KIST" logs "$1")" = done ]; }

@test "kist-runtime events --stats: runc's stats JSON, one line per container" {
	kist run -d --name a bb sleep 1000
	local id=$output
	run -0 "$KIST_BIN/kist-runtime" --root "$KIST_RUN/runtime" events --stats "$id"
	[ "$(jq -r .type <<<"$output")" = stats ]
	[ "$(jq -r .id <<<"$output")" = "$id" ]
	[ "$(jq -r .data.pids.current <<<"$output")" -eq 1 ]
	jq -e '.data.memory.usage.usage > 0 and .data.cpu.usage.total > 0' <<<"$output"
	# a container that does not exist: reported, the others still printed
	run -1 --separate-stderr "$KIST_BIN/kist-runtime" --root "$KIST_RUN/runtime" events --stats nope "$id"
	[ "$(jq -r .id <<<"$output")" = "$id" ]
	[[ $stderr == *nope* ]]
}

@test "kist stats --no-stream: memory a process allocated, the limit, its pids; one table" {
	kist run -d --name hog -m 300m bb /tools/init memhog 64 hold
	assert_success
	wait_for logs_say_done hog
	kist run -d --name three bb sh -c 'for i in 1 2 3; do sleep 1000 & done; wait'
	assert_success
	kist stats --no-stream
	assert_success
	# a header and one row per running container, then it exits
	[ "${#lines[@]}" -eq 3 ]
	assert_line --index 0 --regexp '^CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET I/O +BLOCK I/O +PIDS$'
	kist stats --no-stream --format '{{.MemUsage}}' hog
	assert_success
	local used limit
	used=$(to_bytes "${output%% / *}")
	limit=$(to_bytes "${output##* / }")
	# at least the 64 MiB it touched, within its 300 MiB limit
	[ "$used" -ge $((64 * 1024 * 1024)) ]
	[ "$used" -lt $((300 * 1024 * 1024)) ]
	[ "$limit" -eq $((300 * 1024 * 1024)) ]
	kist stats --no-stream --format '{{.MemPerc}}' hog
	assert_output --regexp '^(2[1-9]|[3-9][0-9])\.[0-9]{2}%$'
	# sh and its three sleeps
	wait_for bash -c '[ "$("$KIST" stats --no-stream --format "{{.PIDs}}" three)" = 4 ]'
}

@test "kist stats: a container without a limit shows the host's memory" {
	kist run -d --name a bb sleep 1000
	kist stats --no-stream --format '{{.MemUsage}}' a
	assert_success
	local limit host
	limit=$(to_bytes "${output##* / }")
	# in kB; bash's arithmetic (awk prints a product this large as 2.5e+10)
	host=$(($(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) * 1024))
	# docker's 4 significant digits
	[ "$limit" -le "$host" ]
	[ "$limit" -ge $((host - host / 1000)) ]
}

@test "kist stats: a busy container's CPU %, an idle one's 0.00%" {
	kist run -d --name busy bb sh -c 'while :; do :; done'
	kist run -d --name idle bb sleep 1000
	kist stats --no-stream --format '{{.Name}} {{.CPUPerc}}' busy idle
	assert_success
	assert_line --index 0 --regexp '^busy [0-9]+\.[0-9]{2}%$'
	[[ ${lines[0]} != "busy 0.00%" ]]
	assert_line --index 1 'idle 0.00%'
}

@test "kist stats -a, --no-trunc, --format: stopped containers, full ids, templates" {
	kist run -d --name up bb sleep 1000
	local up=$output
	kist create --name made bb true
	local made=$output
	kist stats --no-stream --format '{{.Name}}'
	assert_output up
	kist stats --no-stream -a --format '{{.Name}} {{.PIDs}} {{.MemUsage}} {{.CPUPerc}}'
	assert_line 'made 0 0B / 0B 0.00%'
	assert_line --regexp '^up 1 '
	[ "${#lines[@]}" -eq 2 ]
	kist stats --no-stream --no-trunc --format '{{.ID}}' up
	assert_output "$up"
	kist stats --no-stream --format '{{.ID}}' "${made:0:8}"
	assert_output "${made:0:12}"
	kist stats --no-stream --format '{{.Container}}' "${up:0:8}"
	assert_output "${up:0:8}"
	kist stats --no-stream --format json up
	[ "$(jq -r .Name <<<"$output")" = up ]
	[ "$(jq -r .PIDs <<<"$output")" = 1 ]
	kist container stats --no-stream --format 'table {{.Name}}\t{{.PIDs}}' up
	assert_line --index 0 --regexp '^NAME +PIDS$'
	assert_line --index 1 --regexp '^up +1$'
}

@test "kist stats: the live table is printed again each second until interrupted" {
	kist run -d --name live bb sleep 1000
	"$KIST" stats --format '{{.Name}} {{.PIDs}}' >"$BATS_TEST_TMPDIR/out" 2>&1 &
	STATS_PID=$!
	wait_for bash -c "[ \$(grep -c '^live 1$' '$BATS_TEST_TMPDIR/out') -ge 3 ]"
	kill -0 "$STATS_PID"
	# a container started meanwhile joins the table
	kist run -d --name later bb sleep 1000
	wait_for grep -q '^later 1$' "$BATS_TEST_TMPDIR/out"
	kill "$STATS_PID"
	wait "$STATS_PID" || true
	STATS_PID=
	# nothing else: no error, no stray line
	run -1 grep -v -E '^(live|later) 1$' "$BATS_TEST_TMPDIR/out"
}

@test "kist stats: unknown container, bad template, bad flag; nothing printed" {
	kist run -d --name a bb sleep 1000
	run -1 --separate-stderr "$KIST" stats --no-stream a nope
	[ "$stderr" = "Error: No such container: nope" ]
	[ -z "$output" ]
	run -1 --separate-stderr "$KIST" stats --no-stream --format '{{.Bad}}'
	[[ $stderr == *"can't evaluate field Bad"* ]]
	[ -z "$output" ]
	run -125 --separate-stderr "$KIST" stats --no-such-flag
	[[ $stderr == *"unknown flag: --no-such-flag"* ]]
}
