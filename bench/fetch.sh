#!/bin/bash
# bench/fetch.sh: kist-fetch against skopeo on the same registry in one run.
# Fixture: one image of three gzip layers (a busybox rootfs; 50 files of
# 4 MiB random; 20,000 random files of 1-4 KB), about 262 MB, pushed to
# Debian's docker-registry on 127.0.0.1.  Then RUNS rounds (default 7) of:
#   pull into a fresh layout: kist-fetch pull vs skopeo copy docker:// oci:
#        (both fsync what they write), and plain curl of the same blobs (no
#        digest check, no fsync) as the floor; and each pull followed by a
#        read of the blobs it wrote (what an unpack reads first): kist-fetch
#        writes big blobs with direct I/O, past the page cache, so its
#        readers read from the device where skopeo's find the page cache;
#   push to a fresh registry: kist-fetch push vs skopeo copy oci: docker://,
#        and the registry's own floor (its largest blob alone in one PUT);
#   push to a new repository of the same registry (blobs mounted).
# In every round each tool runs once, in an order that rotates from round to
# round, each run after its outputs are removed and a `sync` (no run pays
# for the writeback of the one before).  Prints, per tool, the median and
# the spread (interquartile range and min-max) in seconds, the ratio of the
# medians, and the range of the per-round ratios.  OPS picks the sections
# ("pull push mount", the default).  Leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KIST_BIN:=$PWD/bin}"
RUNS=${RUNS:-7}
OPS=${OPS:-pull push mount}
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
# stats VALUES...: "median q1 q3 min max" (quartiles interpolated)
stats() {
	printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1}
		function q(p,  h, i) { h = (NR - 1) * p + 1; i = int(h); return a[i] + (h - i) * (a[i + 1] - a[i]) }
		END { printf "%.3f %.3f %.3f %.3f %.3f\n", q(0.5), q(0.25), q(0.75), a[1], a[NR] }'
}
# report NAME MB SECONDS...: one line, median and spread, and the rate of
# the median for MB megabytes (none when MB is 0)
report() {
	local name=$1 size=$2 m q1 q3 lo hi
	shift 2
	read -r m q1 q3 lo hi < <(stats "$@")
	printf '%-30s median %6.2f s  IQR %5.2f-%5.2f  min-max %5.2f-%5.2f' \
		"$name" "$m" "$q1" "$q3" "$lo" "$hi"
	if [ "$size" != 0 ]; then printf '  %7.1f MB/s' "$(echo "$size / $m" | bc -l)"; fi
	echo
}
median() { stats "$@" | cut -d' ' -f1; }
# ratios NAME A[] B[]: the ratio of the medians of A and B, and the range of
# the per-round ratios A[i]/B[i]
ratios() {
	local -n ra=$2 rb=$3
	local i r=()
	for i in "${!ra[@]}"; do r+=("$(echo "${ra[$i]} / ${rb[$i]}" | bc -l)"); done
	read -r _ _ _ lo hi < <(stats "${r[@]}")
	printf '%s: %.2f (ratio of medians; per round %.2f-%.2f)\n' "$1" \
		"$(echo "$(median "${ra[@]}") / $(median "${rb[@]}")" | bc -l)" "$lo" "$hi"
}
# rotated I WORDS...: WORDS rotated left by I (the order of round I)
rotated() {
	local i=$(($1 % ($# - 1)))
	shift
	echo "${@:i+1}" "${@:1:i}"
}
has_op() { [[ " $OPS " == *" $1 "* ]]; }

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
# and reg_pid (another port when the one picked was taken meanwhile).
# stop_reg stops it and deletes its storage.
start_reg() {
	local port try
	for try in 1 2 3 4 5; do
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
		for _ in $(seq 300); do
			curl -fs "http://$reg/v2/" >/dev/null && return
			kill -0 "$reg_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$reg_pid" 2>/dev/null || true
		wait "$reg_pid" 2>/dev/null || true
		echo "bench/fetch.sh: registry on $reg did not start (try $try): $(tail -1 "$work/$1/log")" >&2
	done
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

if has_op pull; then
	echo "== pull into a fresh layout ($RUNS rounds, median and spread)"
	k=() s=() c=() kr=() sr=()
	for i in $(seq "$RUNS"); do
		for t in $(rotated "$i" kist skopeo curl); do
			rm -rf "$work/k" "$work/s" "$work/c"
			sync
			case $t in
			kist)
				t0=$(now)
				"$FETCH" --root "$work/k" pull -q "$reg/bench/src:v1" >/dev/null
				t1=$(now)
				cat "$work"/k/oci/blobs/sha256/* >/dev/null
				k+=("$(elapsed "$t0" "$t1")") kr+=("$(elapsed "$t0" "$(now)")")
				# the pulled layout must hold the exact bytes
				for b in "${blobs[@]}"; do
					cmp -s "$work/src/blobs/sha256/${b#sha256:}" "$work/k/oci/blobs/sha256/${b#sha256:}"
				done
				;;
			skopeo)
				t0=$(now)
				skopeo copy -q --src-tls-verify=false "docker://$reg/bench/src:v1" "oci:$work/s:v1"
				t1=$(now)
				cat "$work"/s/blobs/sha256/* >/dev/null
				s+=("$(elapsed "$t0" "$t1")") sr+=("$(elapsed "$t0" "$(now)")")
				;;
			curl)
				mkdir -p "$work/c"
				args=()
				for b in "${blobs[@]}"; do
					args+=(-o "$work/c/${b#sha256:}" "http://$reg/v2/bench/src/blobs/$b")
				done
				t0=$(now)
				curl -s -Z "${args[@]}" 2>/dev/null
				c+=("$(elapsed "$t0" "$(now)")")
				;;
			esac
		done
	done
	rm -rf "$work/k" "$work/s" "$work/c"
	report "kist-fetch pull" "$mb" "${k[@]}"
	report "skopeo copy docker->oci" "$mb" "${s[@]}"
	report "curl -Z of the blobs (floor)" "$mb" "${c[@]}"
	report "kist-fetch pull + read back" "$mb" "${kr[@]}"
	report "skopeo copy + read back" "$mb" "${sr[@]}"
	ratios "pull kist/skopeo" k s
	ratios "pull kist/curl" k c
	ratios "pull + read back kist/skopeo" kr sr
fi

main_reg=$reg main_pid=$reg_pid
if has_op push; then
	echo "== push into an empty registry: every blob uploaded ($RUNS rounds, median and spread)"
	# The floor: the registry takes in one upload stream at a time per blob
	# (it hashes and writes as it reads), so no client can push faster than
	# the registry ingests the largest blob alone; curl -T streams it in one PUT.
	big=$(jq -r '.layers | max_by(.size) | .digest' "$work/src/blobs/sha256/${img#sha256:}")
	bigmb=$(echo "$(stat -c %s "$work/src/blobs/sha256/${big#sha256:}") / 1000000" | bc -l)
	k=() s=() f=()
	for i in $(seq "$RUNS"); do
		for t in $(rotated "$i" kist skopeo floor); do
			start_reg push
			sync
			case $t in
			kist)
				rm -rf "$work/k2"
				t0=$(now)
				"$FETCH" --root "$work/k2" push -q "oci:$work/src:bench" "$reg/bench/app:v1" >/dev/null
				k+=("$(elapsed "$t0" "$(now)")")
				;;
			skopeo)
				t0=$(now)
				skopeo copy -q --dest-tls-verify=false "oci:$work/src:bench" "docker://$reg/bench/app:v1"
				s+=("$(elapsed "$t0" "$(now)")")
				;;
			floor)
				loc=$(curl -sf -X POST -D - -o /dev/null "http://$reg/v2/bench/floor/blobs/uploads/" | tr -d '\r' | awk 'tolower($1) == "location:" {print $2}')
				case $loc in http*) ;; *) loc="http://$reg$loc" ;; esac
				t0=$(now)
				curl -sf -o /dev/null -H 'Expect:' -T "$work/src/blobs/sha256/${big#sha256:}" "$loc&digest=$big"
				f+=("$(elapsed "$t0" "$(now)")")
				;;
			esac
			stop_reg push
		done
	done
	rm -rf "$work/k2"
	report "kist-fetch push" "$mb" "${k[@]}"
	report "skopeo copy oci->docker" "$mb" "${s[@]}"
	report "registry floor (largest blob)" "$bigmb" "${f[@]}"
	ratios "push kist/skopeo" k s
	ratios "push floor/skopeo" f s
	ratios "push kist/floor" k f
fi

if has_op mount; then
	echo "== push to a new repository of the same registry: blobs mounted ($RUNS rounds, median and spread)"
	reg=$main_reg reg_pid=$main_pid
	# kist's mount hints come from a pull of the source repository, as
	# skopeo's blob info cache learnt of it from the fixture's push
	"$FETCH" --root "$work/km" pull -q "$reg/bench/src:v1" >/dev/null
	k=() s=()
	for i in $(seq "$RUNS"); do
		for t in $(rotated "$i" kist skopeo); do
			sync
			t0=$(now)
			if [ "$t" = kist ]; then
				"$FETCH" --root "$work/km" push -q "oci:$work/src:bench" "$reg/bench/kist$i:v1" >/dev/null
				k+=("$(elapsed "$t0" "$(now)")")
			else
				skopeo copy -q --dest-tls-verify=false "oci:$work/src:bench" "docker://$reg/bench/skopeo$i:v1"
				s+=("$(elapsed "$t0" "$(now)")")
			fi
		done
	done
	report "kist-fetch push (mounts)" 0 "${k[@]}"
	report "skopeo copy (mounts)" 0 "${s[@]}"
	ratios "mount-push kist/skopeo" k s
fi
