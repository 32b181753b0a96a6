# tests/store/lib.bash: fixtures for the kist-store suites (loaded after ../helpers).

store_setup() {
	export KIST_ROOT="$BATS_TEST_TMPDIR/root"
}

store_teardown() {
	kist_cleanup
}

# The busybox rootfs imported as IMAGE (default busybox:test).
import_busybox() {
	local ref=${1:-busybox:test}
	store import "$(busybox_tar)" "$ref"
	[ "$status" -eq 0 ] || fail "import busybox failed: $output"
}

# make_layout DIR TAG TAR... : an OCI layout holding one image whose layers
# are the given tars (gzip-compressed), tagged TAG in index.json.
# LAYOUT_CONFIG (a jq filter) may edit the image config.
make_layout() {
	local dir=$1 tag=$2 t diff dg sz cfg man
	shift 2
	mkdir -p "$dir/blobs/sha256"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
	local layers='[]' diffs='[]'
	for t in "$@"; do
		diff=$(sha256sum <"$t" | cut -d' ' -f1)
		gzip -n -c "$t" >"$dir/blob.tmp"
		dg=$(sha256sum <"$dir/blob.tmp" | cut -d' ' -f1)
		sz=$(stat -c %s "$dir/blob.tmp")
		mv "$dir/blob.tmp" "$dir/blobs/sha256/$dg"
		layers=$(jq -c --arg d "sha256:$dg" --argjson s "$sz" \
			'. + [{mediaType:"application/vnd.oci.image.layer.v1.tar+gzip",digest:$d,size:$s}]' <<<"$layers")
		diffs=$(jq -c --arg d "sha256:$diff" '. + [$d]' <<<"$diffs")
	done
	cfg=$(jq -cn --argjson d "$diffs" \
		'{architecture:"amd64",os:"linux",created:"2024-01-01T00:00:00Z",
		  config:{Env:["PATH=/bin:/usr/bin"],Cmd:["sh"]},
		  rootfs:{type:"layers",diff_ids:$d},
		  history:[$d[] | {created:"2024-01-01T00:00:00Z",created_by:"layer"}]}' |
		jq -c "${LAYOUT_CONFIG:-.}")
	printf '%s' "$cfg" >"$dir/blob.tmp"
	dg=$(sha256sum <"$dir/blob.tmp" | cut -d' ' -f1)
	sz=$(stat -c %s "$dir/blob.tmp")
	mv "$dir/blob.tmp" "$dir/blobs/sha256/$dg"
	man=$(jq -cn --arg d "sha256:$dg" --argjson s "$sz" --argjson l "$layers" \
		'{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",
		  config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$d,size:$s},layers:$l}')
	printf '%s' "$man" >"$dir/blob.tmp"
	dg=$(sha256sum <"$dir/blob.tmp" | cut -d' ' -f1)
	sz=$(stat -c %s "$dir/blob.tmp")
	mv "$dir/blob.tmp" "$dir/blobs/sha256/$dg"
	jq -n --arg d "sha256:$dg" --argjson s "$sz" --arg t "$tag" \
		'{schemaVersion:2,manifests:[{mediaType:"application/vnd.oci.image.manifest.v1+json",
		  digest:$d,size:$s,annotations:{"org.opencontainers.image.ref.name":$t}}]}' >"$dir/index.json"
}

# Number of layer directories in the store.
count_layers() {
	find "$KIST_ROOT/layers" -mindepth 1 -maxdepth 1 -regextype egrep -regex '.*/[0-9a-f]{64}' | wc -l
}

# crun on this machine needs the cgroup v1 "unified" mount hidden.
run_crun() {
	if [ -d /sys/fs/cgroup/unified ] && mountpoint -q /sys/fs/cgroup/unified; then
		unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec crun "$@"' sh "$@"
	else
		crun "$@"
	fi
}
