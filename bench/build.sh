#!/bin/bash
# shellcheck disable=SC2119,SC2120 # the build functions take their flags through measure
# bench/build.sh: kist-build against buildah (Debian's) on the same 10-step
# Dockerfile (ENV, WORKDIR, COPY, RUN, CMD on a busybox base made offline
# from busybox-static), in the same run: a cold build (--no-cache, the base
# already in each tool's store) and a fully cached rebuild, median of RUNS
# runs each, and the ratios kist/buildah.  Both run RUN with the host's
# network; buildah with --layers (its cache), OCI isolation with runc (its
# crun refuses this host's hybrid cgroups).
#
# Usage: KIST_BIN=bin bash bench/build.sh     (needs root, buildah)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KIST_BIN:=$PWD/bin}"
RUNS=${RUNS:-5}
BUILD="$KIST_BIN/kist-build"
STORE="$KIST_BIN/kist-store"
command -v buildah >/dev/null || {
	echo "bench/build.sh: needs buildah (apt-get install buildah)" >&2
	exit 1
}
work=$(mktemp -d /tmp/kist-bench-build.XXXXXX)
cleanup() {
	buildah --root "$work/bh" --runroot "$work/bhrun" rm --all >/dev/null 2>&1 || true
	awk -v d="$work" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
secs() { awk -v s="$1" -v e="$2" 'BEGIN {printf "%.3f\n", e - s}'; }

# the base: busybox-static as a one-layer image, in both stores
mkdir -p "$work/rootfs"/{bin,etc,tmp,root,proc,sys,dev}
cp /bin/busybox "$work/rootfs/bin/"
for a in $("$work/rootfs/bin/busybox" --list); do
	[ -e "$work/rootfs/bin/$a" ] || ln -s busybox "$work/rootfs/bin/$a"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$work/rootfs/etc/passwd"
echo 'root:x:0:' >"$work/rootfs/etc/group"
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
export KIST_ROOT="$work/kist" KIST_RUN="$work/kr"
"$STORE" import -c 'CMD ["sh"]' "$work/rootfs.tar" busybox:bench >/dev/null
"$STORE" save --format oci-archive -o "$work/base.tar" busybox:bench
BH=(buildah --root "$work/bh" --runroot "$work/bhrun" --storage-driver overlay)
"${BH[@]}" pull -q "oci-archive:$work/base.tar" >/dev/null
true # the archive carries the name docker.io/library/busybox:bench

# the context and the 10-step Dockerfile
mkdir -p "$work/ctx/src"
for i in $(seq 1 20); do head -c 4096 /dev/urandom | base64 >"$work/ctx/src/f$i.txt"; done
echo 'echo app' >"$work/ctx/app.sh"
cat >"$work/ctx/Dockerfile" <<'DF'
FROM busybox:bench
ENV APP_HOME=/srv/app
WORKDIR /srv/app
COPY src/ ./src/
RUN mkdir -p /var/cache/app && echo cached >/var/cache/app/x
RUN cat src/*.txt | wc -c >/size
COPY app.sh /usr/local/bin/app
ENV MODE=production
RUN chmod +x /usr/local/bin/app && ls src >/list
CMD ["/usr/local/bin/app"]
DF

kist_build() { "$BUILD" -q -t bench:1 "$@" "$work/ctx" >/dev/null; }
bh_build() {
	"${BH[@]}" build -q --runtime runc --layers --pull=never --network host -t bench:1 "$@" "$work/ctx" >/dev/null 2>&1
}

# warm up both (and fill the caches for the cached runs)
kist_build
bh_build

measure() { # name cmd...
	local i s e
	for ((i = 0; i < RUNS; i++)); do
		s=$(now)
		"$@"
		e=$(now)
		secs "$s" "$e"
	done | median
}

kc=$(measure kist_build --no-cache)
bc=$(measure bh_build --no-cache)
kist_build
bh_build
kh=$(measure kist_build)
bhh=$(measure bh_build)

printf '%-26s %10s %10s %8s %8s\n' "10-step build (median of $RUNS)" kist buildah ratio target
printf '%-26s %9ss %9ss %7.2fx %8s\n' "cold (--no-cache)" "$kc" "$bc" "$(awk -v a="$kc" -v b="$bc" 'BEGIN {print a / b}')" "<= 0.70x"
printf '%-26s %9ss %9ss %7.2fx %8s\n' "fully cached" "$kh" "$bhh" "$(awk -v a="$kh" -v b="$bhh" 'BEGIN {print a / b}')" "<= 0.25x"
