#!/bin/bash
# bench/runtime.sh: kist-runtime against crun and runc on the same work in one run.
#
#   run of a /bin/true container (create + start + wait + delete) from one
#   busybox bundle made by `kist-runtime spec`:
#   - warm: RUNS containers one after another for each runtime: median;
#     then ROW in a row: mean per container;
#   - on an idle host: IDLE rounds of one container per runtime, each after
#     100 ms with nothing running: median.  The first move of a process into
#     a cgroup through cgroup.procs after an idle spell waits for an RCU
#     grace period (cgroup_threadgroup_rwsem): 5-20 ms here.  That is why
#     the runtimes are not interleaved back to back: one runtime's run would
#     decide whether the next one waits.
#   exec of /bin/true into a running container of each, warm: median;
#   peak RSS of the runtime process (GNU time), and whether a container with
#   a 256 KiB memory limit starts.
#
# crun 1.8.1 refuses the hybrid cgroup layout (v1 controllers plus a cgroup2
# mount at /sys/fs/cgroup/unified), so on such a host the comparison runs
# inside a private mount namespace with the unified mount unmounted, for all
# three runtimes alike; kist-runtime is also timed on the host's own layout.
# State roots are on a tmpfs (STATE_ON_DISK=1: on the disk; see below).
# Prints milliseconds and kist/crun, kist/runc ratios, and what protecting
# the runtime binary (CVE-2019-5736) costs kist.  Leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KIST_BIN:=$PWD/bin}"
RUNS=${RUNS:-50}
ROW=${ROW:-100}
IDLE=${IDLE:-20}
KIST="$KIST_BIN/kist-runtime"

if [ "${KIST_BENCH_INNER:-}" != 1 ]; then
	for t in crun runc jq busybox unshare /usr/bin/time; do
		command -v "$t" >/dev/null || { echo "bench/runtime.sh: needs $t" >&2; exit 1; }
	done
	[ -x "$KIST" ] || { echo "bench/runtime.sh: no $KIST (make first)" >&2; exit 1; }
	[ "$(id -u)" -eq 0 ] || { echo "bench/runtime.sh: needs root" >&2; exit 1; }
	work=$(mktemp -d /tmp/kist-bench-runtime.XXXXXX)
	# shellcheck disable=SC2317 # run by the EXIT trap
	cleanup() {
		local d
		rm -rf "$work"
		for d in /sys/fs/cgroup/*/kist-bench-* /sys/fs/cgroup/kist-bench-*; do
			[ -d "$d" ] && rmdir "$d" 2>/dev/null
		done
		true
	}
	trap cleanup EXIT
	export KIST_BENCH_WORK=$work KIST_BIN
	if [ -d /sys/fs/cgroup/unified ] && [ -d /sys/fs/cgroup/memory ]; then
		echo "== kist-runtime on the host's hybrid cgroup layout"
		unshare -m --propagation private env KIST_BENCH_INNER=1 KIST_BENCH_MODE=host-only \
			bash "$0"
		echo
		echo "== all three in a private mount namespace without /sys/fs/cgroup/unified (crun needs it)"
		# shellcheck disable=SC2016 # expanded by the inner shell
		unshare -m --propagation private bash -c \
			'umount /sys/fs/cgroup/unified && KIST_BENCH_INNER=1 exec bash "$0"' "$0"
	else
		unshare -m --propagation private env KIST_BENCH_INNER=1 bash "$0"
	fi
	exit 0
fi

work=$KIST_BENCH_WORK
bundle=$work/bundle
# The runtimes' state roots (--root) on a tmpfs of this private mount
# namespace, where /run keeps them on a usual host (runc's help: "should be
# located in tmpfs"): a disk file system adds its own cost to every create
# and delete (here ext4 without a journal, mounted with discard: each block
# freed waits for a discard).  STATE_ON_DISK=1 keeps them in $work.
state=$work/state
mkdir -p "$state"
if [ "${STATE_ON_DISK:-0}" != 1 ] && ! mountpoint -q "$state"; then
	mount -t tmpfs -o mode=0700 kist-bench-state "$state"
fi
if [ ! -d "$bundle" ]; then
	mkdir -p "$bundle/rootfs"/{bin,proc,sys,dev,tmp,etc}
	cp "$(command -v busybox)" "$bundle/rootfs/bin/busybox"
	ln -s busybox "$bundle/rootfs/bin/true"
	ln -s busybox "$bundle/rootfs/bin/sh"
	ln -s busybox "$bundle/rootfs/bin/sleep"
	(cd "$bundle" && "$KIST" spec)
	jq --arg cg "/kist-bench-$$" '.process.terminal = false | .process.args = ["/bin/true"]
		| .linux.cgroupsPath = $cg' "$bundle/config.json" >"$bundle/c.json"
	mv "$bundle/c.json" "$bundle/config.json"
fi

# rt NAME ARGS...: one runtime with its own state root
rt() {
	local name=$1
	shift
	case $name in
	kist) "$KIST" --root "$state/kist" "$@" ;;
	*) "$name" --root "$state/$name" "$@" ;;
	esac
}
names=(kist crun runc)
[ "${KIST_BENCH_MODE:-}" = host-only ] && names=(kist)

n=0
one() { # one NAME [BUNDLE]: run a container, print its wall time in microseconds
	local t0 t1
	n=$((n + 1))
	t0=${EPOCHREALTIME/./}
	rt "$1" run --bundle "${2:-$bundle}" "b$$-$n" </dev/null >/dev/null 2>"$work/err" ||
		{ echo "bench: $1 run failed: $(cat "$work/err")" >&2; exit 1; }
	t1=${EPOCHREALTIME/./}
	echo $((t1 - t0))
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

# warm up caches (binary, rootfs pages)
for r in "${names[@]}"; do one "$r" >/dev/null; one "$r" >/dev/null; done

declare -A med row rss idle
for r in "${names[@]}"; do
	: >"$work/t-$r"
	one "$r" >/dev/null
	for ((i = 0; i < RUNS; i++)); do one "$r" >>"$work/t-$r"; done
	med[$r]=$(median <"$work/t-$r")
done

for r in "${names[@]}"; do
	t0=${EPOCHREALTIME/./}
	for ((i = 0; i < ROW; i++)); do one "$r" >/dev/null; done
	t1=${EPOCHREALTIME/./}
	row[$r]=$(((t1 - t0) / ROW))
done

for r in "${names[@]}"; do : >"$work/i-$r"; done
for ((i = 0; i < IDLE; i++)); do
	for r in "${names[@]}"; do
		sleep 0.1
		one "$r" >>"$work/i-$r"
	done
done
for r in "${names[@]}"; do idle[$r]=$(median <"$work/i-$r"); done

# exec into a running container (one per runtime, from the same bundle)
mkdir -p "$work/long"
jq --arg r "$bundle/rootfs" '.process.args = ["/bin/sleep", "1000"] | .root.path = $r' \
	"$bundle/config.json" >"$work/long/config.json"
declare -A ex
for r in "${names[@]}"; do
	rt "$r" run --detach --bundle "$work/long" "long$$-$r" </dev/null >/dev/null 2>"$work/err" ||
		{ echo "bench: $r run --detach failed: $(cat "$work/err")" >&2; exit 1; }
	: >"$work/e-$r"
done
# warm, as the runs: one runtime's execs after another's (the first is not timed)
for r in "${names[@]}"; do
	for ((i = 0; i <= RUNS; i++)); do
		t0=${EPOCHREALTIME/./}
		rt "$r" exec "long$$-$r" /bin/true </dev/null >/dev/null 2>"$work/err" ||
			{ echo "bench: $r exec failed: $(cat "$work/err")" >&2; break 2; }
		t1=${EPOCHREALTIME/./}
		[ "$i" -eq 0 ] || echo $((t1 - t0)) >>"$work/e-$r"
	done
done
for r in "${names[@]}"; do
	ex[$r]=$(median <"$work/e-$r")
	rt "$r" delete --force "long$$-$r" >/dev/null 2>&1 || true
done

for r in "${names[@]}"; do
	if [ "$r" = kist ]; then set -- "$KIST"; else set -- "$r"; fi
	rss[$r]=$(/usr/bin/time -f %M "$1" --root "$state/$r" run --bundle "$bundle" "rss$$-$r" </dev/null 2>&1 >/dev/null | tail -1)
done

printf "%-6s %16s %16s %13s %17s %15s\n" runtime "median run (ms)" "$ROW in a row" "idle host" "median exec (ms)" "peak RSS (KiB)"
for r in "${names[@]}"; do
	printf "%-6s %16s %16s %13s %17s %15s\n" "$r" "$(ms "${med[$r]}")" "$(ms "${row[$r]}")" \
		"$(ms "${idle[$r]}")" "$(ms "${ex[$r]:-0}")" "${rss[$r]}"
done
if [ "${#names[@]}" -gt 1 ]; then
	for o in crun runc; do
		echo "kist/$o: median run $(ratio "${med[kist]}" "${med[$o]}"), in a row $(ratio "${row[kist]}" "${row[$o]}"), idle host $(ratio "${idle[kist]}" "${idle[$o]}"), exec $(ratio "${ex[kist]}" "${ex[$o]}"), RSS $(ratio "${rss[kist]}" "${rss[$o]}")"
	done
fi

# a 256 KiB memory limit
mkdir -p "$work/small"
jq --arg r "$bundle/rootfs" '.linux.resources.memory = {limit: 262144} | .root.path = $r' \
	"$bundle/config.json" >"$work/small/config.json"
for r in "${names[@]}"; do
	if rt "$r" run --bundle "$work/small" "small$$-$r" </dev/null >/dev/null 2>"$work/err"; then
		echo "$r: a container with a 256 KiB memory limit starts"
	else
		echo "$r: a container with a 256 KiB memory limit fails: $(tail -1 "$work/err" | cut -c1-120)"
		rt "$r" delete --force "small$$-$r" >/dev/null 2>&1 || true
	fi
done

# What protecting the runtime binary (CVE-2019-5736) costs kist-runtime: two
# seccomp profiles of the same shape, one whose rule names execveat (with a
# condition, so the runtime cannot be sure the trampoline's exec gets
# through: it re-executes itself from the read-only overlay), one naming
# another syscall (the init execs through the sealed trampoline).
if [ "${KIST_BENCH_MODE:-}" != host-only ]; then
	for v in trampoline overlay; do
		if [ $v = overlay ]; then sc=execveat; else sc=fanotify_init; fi
		mkdir -p "$work/$v"
		jq --arg r "$bundle/rootfs" --arg sc "$sc" '.root.path = $r | .linux.seccomp = {
			defaultAction: "SCMP_ACT_ALLOW",
			syscalls: [{names: [$sc], action: "SCMP_ACT_ERRNO",
				args: [{index: 0, value: 4294967295, op: "SCMP_CMP_EQ"}]}]}' \
			"$bundle/config.json" >"$work/$v/config.json"
		one kist "$work/$v" >/dev/null
		: >"$work/p-$v"
	done
	for ((i = 0; i < RUNS; i++)); do
		for v in trampoline overlay; do one kist "$work/$v" >>"$work/p-$v"; done
	done
	tr=$(median <"$work/p-trampoline")
	ov=$(median <"$work/p-overlay")
	echo "kist run, binary protected by the exec trampoline: $(ms "$tr") ms; by re-executing from the overlay: $(ms "$ov") ms (+$(awk -v a="$ov" -v b="$tr" 'BEGIN { printf "%.2f", (a - b) / 1000 }') ms)"
fi
