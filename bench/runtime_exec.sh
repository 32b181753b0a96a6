#!/bin/bash
# bench/runtime_exec.sh: `exec` of /bin/true into a running container,
# kist-runtime vs crun vs runc, interleaved in one run; prints the median per
# exec and the ratios.  Usage: KIST_BIN=bin bash bench/runtime_exec.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KIST_BIN:=$PWD/bin}"
N=${1:-50}
KIST=$KIST_BIN/kist-runtime
W=$(mktemp -d /tmp/kist-bench-exec.XXXXXX)
ID=bench-exec-$$

# crun refuses the hybrid cgroup layout: run it where the unified mount is
# hidden (a private mount namespace without /sys/fs/cgroup/unified).
crun_() {
	if [ -d /sys/fs/cgroup/memory ] && [ -f /sys/fs/cgroup/unified/cgroup.controllers ]; then
		unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec crun "$@"' sh "$@"
	else
		crun "$@"
	fi
}
kist_() { "$KIST" "$@"; }
runc_() { runc "$@"; }

cleanup() {
	for rt in kist crun runc; do
		"${rt}_" --root "$W/$rt-root" delete --force "$ID-$rt" >/dev/null 2>&1 || true
	done
	rm -rf "$W"
}
trap cleanup EXIT

# one bundle per runtime, each running `sleep`
mkdir -p "$W/rootfs"/{bin,proc,sys,dev,tmp}
cp /bin/busybox "$W/rootfs/bin/"
for a in sh sleep true; do ln -s busybox "$W/rootfs/bin/$a"; done
(cd "$W" && "$KIST" spec)
jq '.process.terminal = false | .process.args = ["sleep", "100000"] | .root.path = "'"$W"'/rootfs"' \
	"$W/config.json" >"$W/c.json"
for rt in kist crun runc; do
	mkdir -p "$W/$rt"
	jq ".linux.cgroupsPath = \"/kist-bench-exec-$rt-$$\"" "$W/c.json" >"$W/$rt/config.json"
	"${rt}_" --root "$W/$rt-root" run -d --bundle "$W/$rt" "$ID-$rt" </dev/null >/dev/null 2>&1 ||
		{ echo "bench: $rt cannot run a container here" >&2; exit 1; }
done

now() { date +%s%N; }
for ((i = 0; i < N; i++)); do
	for rt in kist crun runc; do
		t0=$(now)
		"${rt}_" --root "$W/$rt-root" exec "$ID-$rt" /bin/true
		t1=$(now)
		echo $(((t1 - t0) / 1000)) >>"$W/$rt.us"
	done
done

median() { sort -n "$1" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
k=$(median "$W/kist.us")
c=$(median "$W/crun.us")
r=$(median "$W/runc.us")
printf 'exec /bin/true into a running container, median of %d:\n' "$N"
printf '  kist-runtime %6.2f ms\n  crun         %6.2f ms\n  runc         %6.2f ms\n' \
	"$(echo "$k / 1000" | bc -l)" "$(echo "$c / 1000" | bc -l)" "$(echo "$r / 1000" | bc -l)"
printf '  kist/crun %.2fx   kist/runc %.2fx   (target: kist <= 0.8x crun)\n' \
	"$(echo "$k / $c" | bc -l)" "$(echo "$k / $r" | bc -l)"
