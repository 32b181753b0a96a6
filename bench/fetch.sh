#!/bin/bash
# bench/fetch.sh: kist-fetch against skopeo on the same registry in one run.
# Fixture: one image of three gzip layers (a busybox rootfs; 50 files of
# 4 MiB random; 20,000 random files of 1-4 KB), about 262 MB, pushed to
# Debian's docker-registry on 127.0.0.1.  Then, best of RUNS:
#   pull into a fresh layout: kist-fetch pull vs skopeo copy docker:// oci:,
#        and plain curl of the same blobs (no digest check) as the floor;
#   push to a fresh registry: kist-fetch push vs skopeo copy oci: docker://,
#        and the registry's own floor (its largest blob alone in one PUT);
#   push to a new repository of the same registry (blobs mounted).
# Prints seconds, MB/s and kist/skopeo ratios.  Leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KIST_BIN:=$PWD/bin}"
RUNS=${RUNS:-3}
FETCH="$KIST_BIN/kist-fetch"
for t in docker-registry skopeo curl jq tar gzip; do
	command -v "$t" >/dev/null || { echo "bench/fetch.sh: needs $t" >&2; exit 1; }
done
[ -x "$FETCH" ] || { echo "bench/fetch.sh: no $FETCH (make first)" >&2; exit 1; }

work=$(mktemp -d /var/tmp/kist-bench-fetch.XXXXXX)
reg_pid="" main_pid=""
cleanup() {
	set +e
	for p in $reg_pid $main_pid; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT

update_config() { local f=$1 tmp; tmp=$(mktemp "$f.XXXXXX"); jq "$2" "$f" >"$tmp" && mv "$tmp" "$f"; }
# shellcheck source=tests/fetch/fixtures.bash
. tests/fetch/fixtures.bash

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }
best() { printf '%s\n' "$@" | sort -g | head -1; }

echo "== fixture"
mkdir -p "$work/l1/bin" "$work/l2" "$work/l3"
cp /bin/busybox "$work/l1/bin/"
for a in $("$work/l1/bin/busybox" --list); do ln -sf busybox "$work/l1/bin/$a"; done
for i in $(seq 50); do head -c $((4 << 20)) /dev/urandom >"$work/l2/f$i"; done
python3 - "$work/l3" <<'PY'
import os, random, sys
d = sys.argv[1]
r = random.Random(42)
for i in range(20000):
    sub = os.path.join(d, "d%03d" % (i // 200))
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "f%05d" % i), "wb") as f:
        f.write(os.urandom(r.randint(1024, 4096)))
PY
img=$(make_image "$work/src" bench "$work/l1" "$work/l2" "$work/l3")
rm -rf "$work/l1" "$work/l2" "$work/l3"
mapfile -t blobs < <(jq -r '.config.digest, .layers[].digest' "$work/src/blobs/sha256/${img#sha256:}")
bytes=$(jq '[.config.size, .layers[].size] | add' "$work/src/blobs/sha256/${img#sha256:}")
mb=$(echo "$bytes / 1000000" | bc -l)
printf 'image %s: %d blobs, %.1f MB\n' "$img" "${#blobs[@]}" "$mb"

# start_reg NAME: a registry with empty storage under $work/NAME; sets reg
# and reg_pid.  stop_reg stops it and deletes its storage.
start_reg() {
	local port
	port=$((20000 + RANDOM % 20000))
	while ss -Htln "sport = :$port" | grep -q .; do port=$((20000 + RANDOM % 20000)); done
	mkdir -p "$work/$1"
	cat >"$work/$1/config.yml" <<YML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/$1/data}}
http: {addr: 127.0.0.1:$port}
YML
	docker-registry serve "$work/$1/config.yml" >"$work/$1/log" 2>&1 &
	reg_pid=$!
	reg="127.0.0.1:$port"
	for _ in $(seq 100); do curl -fs "http://$reg/v2/" >/dev/null && return; sleep 0.1; done
	echo "bench/fetch.sh: registry did not start" >&2
	exit 1
}
stop_reg() {
	kill "$reg_pid" 2>/dev/null || true
	wait "$reg_pid" 2>/dev/null || true
	reg_pid=""
	rm -rf "${work:?}/$1"
}

start_reg reg
skopeo copy -q --dest-tls-verify=false "oci:$work/src:bench" "docker://$reg/bench/src:v1"

echo "== pull ($RUNS runs each, best)"
k=() s=() c=()
for i in $(seq "$RUNS"); do
	rm -rf "$work/k" "$work/s" "$work/c"
	sync
	t0=$(now)
	"$FETCH" --root "$work/k" pull -q "$reg/bench/src:v1" >/dev/null
	t1=$(now)
	skopeo copy -q --src-tls-verify=false "docker://$reg/bench/src:v1" "oci:$work/s:v1"
	t2=$(now)
	mkdir -p "$work/c"
	args=()
	for b in "${blobs[@]}"; do
		args+=(-o "$work/c/${b#sha256:}" "http://$reg/v2/bench/src/blobs/$b")
	done
	curl -s -Z "${args[@]}" 2>/dev/null
	t3=$(now)
	k+=("$(elapsed "$t0" "$t1")") s+=("$(elapsed "$t1" "$t2")") c+=("$(elapsed "$t2" "$t3")")
done
# the pulled layout must hold the exact bytes
for b in "${blobs[@]}"; do cmp -s "$work/src/blobs/sha256/${b#sha256:}" "$work/k/oci/blobs/sha256/${b#sha256:}"; done
pk=$(best "${k[@]}") ps=$(best "${s[@]}") pc=$(best "${c[@]}")
printf '%-28s %7.2f s %8.1f MB/s\n' "kist-fetch pull" "$pk" "$(echo "$mb / $pk" | bc -l)"
printf '%-28s %7.2f s %8.1f MB/s\n' "skopeo copy docker->oci" "$ps" "$(echo "$mb / $ps" | bc -l)"
printf '%-28s %7.2f s %8.1f MB/s\n' "curl -Z of the blobs (floor)" "$pc" "$(echo "$mb / $pc" | bc -l)"
printf 'pull ratio kist/skopeo: %.2f   kist/curl: %.2f\n' "$(echo "$pk / $ps" | bc -l)" "$(echo "$pk / $pc" | bc -l)"

echo "== push into an empty registry: every blob uploaded ($RUNS runs each, best)"
main_reg=$reg main_pid=$reg_pid
# The floor: the registry takes in one upload stream at a time per blob
# (it hashes and writes as it reads), so no client can push faster than the
# registry ingests the largest blob alone; curl -T streams it in one PUT.
big=$(jq -r '.layers | max_by(.size) | .digest' "$work/src/blobs/sha256/${img#sha256:}")
k=() s=() f=()
for i in $(seq "$RUNS"); do
	start_reg push
	sync
	t0=$(now)
	"$FETCH" --root "$work/k2" push -q "oci:$work/src:bench" "$reg/bench/app:v1" >/dev/null
	t1=$(now)
	stop_reg push
	start_reg push
	sync
	t2=$(now)
	skopeo copy -q --dest-tls-verify=false "oci:$work/src:bench" "docker://$reg/bench/app:v1"
	t3=$(now)
	stop_reg push
	start_reg push
	loc=$(curl -sf -X POST -D - -o /dev/null "http://$reg/v2/bench/floor/blobs/uploads/" | tr -d '\r' | awk 'tolower($1) == "location:" {print $2}')
	case $loc in http*) ;; *) loc="http://$reg$loc" ;; esac
	t4=$(now)
	curl -sf -o /dev/null -H 'Expect:' -T "$work/src/blobs/sha256/${big#sha256:}" "$loc&digest=$big"
	t5=$(now)
	stop_reg push
	k+=("$(elapsed "$t0" "$t1")") s+=("$(elapsed "$t2" "$t3")") f+=("$(elapsed "$t4" "$t5")")
done
pk=$(best "${k[@]}") ps=$(best "${s[@]}") pf=$(best "${f[@]}")
printf '%-28s %7.2f s %8.1f MB/s\n' "kist-fetch push" "$pk" "$(echo "$mb / $pk" | bc -l)"
printf '%-28s %7.2f s %8.1f MB/s\n' "skopeo copy oci->docker" "$ps" "$(echo "$mb / $ps" | bc -l)"
printf '%-28s %7.2f s\n' "registry floor (largest blob alone, curl -T)" "$pf"
printf 'push ratio kist/skopeo: %.2f   floor/skopeo: %.2f   kist/floor: %.2f\n' \
	"$(echo "$pk / $ps" | bc -l)" "$(echo "$pf / $ps" | bc -l)" "$(echo "$pk / $pf" | bc -l)"

echo "== push to a new repository of the same registry: blobs mounted ($RUNS runs each, best)"
reg=$main_reg reg_pid=$main_pid
k=() s=()
for i in $(seq "$RUNS"); do
	t0=$(now)
	"$FETCH" --root "$work/k" push -q "oci:$work/src:bench" "$reg/bench/kist$i:v1" >/dev/null
	t1=$(now)
	skopeo copy -q --dest-tls-verify=false "oci:$work/src:bench" "docker://$reg/bench/skopeo$i:v1"
	t2=$(now)
	k+=("$(elapsed "$t0" "$t1")") s+=("$(elapsed "$t1" "$t2")")
done
pk=$(best "${k[@]}") ps=$(best "${s[@]}")
printf '%-28s %7.2f s\n' "kist-fetch push (mounts)" "$pk"
printf '%-28s %7.2f s\n' "skopeo copy (mounts)" "$ps"
printf 'mount-push ratio kist/skopeo: %.2f\n' "$(echo "$pk / $ps" | bc -l)"
