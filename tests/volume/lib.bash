# tests/volume/lib.bash: fixtures for the volume suites (loaded after
# ../helpers and ../cli/lib).
# shellcheck disable=SC2154 # status/output come from bats run

vol_setup() {
	requires root overlay
	cli_setup
	# short: the shim's socket path must fit a unix socket address
	KIST_RUN=$(mktemp -d /tmp/kr.XXXXXX)
	export KIST_RUN
	kist_import bb
}

vol_teardown() { ctr_teardown; }

# vol_image REF: busybox with /data/seed ("from the image") and VOLUME /data
vol_image() {
	local d="$BATS_TEST_TMPDIR/volimg"
	mkdir -p "$d/rootfs"
	tar -C "$d/rootfs" -xf "$(busybox_tar)"
	mkdir -p "$d/rootfs/data/sub"
	echo "from the image" >"$d/rootfs/data/seed"
	echo "nested" >"$d/rootfs/data/sub/file"
	chown 1000:1000 "$d/rootfs/data"
	chmod 0750 "$d/rootfs/data"
	tar -C "$d/rootfs" -cf "$d/rootfs.tar" .
	run "$KIST" import -c 'CMD ["sh"]' -c 'VOLUME /data' "$d/rootfs.tar" "$1"
	[ "$status" -eq 0 ] || fail "kist import $1 failed: $output"
}

# vol_dir NAME: the volume's data directory as the store keeps it
vol_dir() { echo "$KIST_ROOT/volumes/$1/_data"; }

# vol_names: the volumes on disk, one a line, sorted
vol_names() {
	local d
	for d in "$KIST_ROOT"/volumes/*/; do
		[ -d "$d" ] && basename "$d"
	done | sort
}

# no_container_made: kist ps -a lists nothing
no_container_made() {
	run "$KIST" ps -a -q
	if [ "$status" -ne 0 ] || [ -n "$output" ]; then
		fail "a container was made: $output"
	fi
}
