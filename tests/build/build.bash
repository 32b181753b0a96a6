# tests/build/build.bash: fixtures for the kist-build suites (loaded after ../helpers).
# shellcheck disable=SC2154,SC2153 # status/output come from bats run, KIST_BIN from ../helpers

export BUILD="$KIST_BIN/kist-build"

# kbuild ARGS: kist-build on the test's store; output shows only on failure.
kbuild() { run "$BUILD" "$@"; echo "kist-build $*: $status $output" >&2; }

build_setup() {
	requires root overlay
	export KIST_ROOT="$BATS_TEST_TMPDIR/root"
	# short: runtime state paths stay well inside the socket path limit
	KIST_RUN=$(mktemp -d /tmp/kr.XXXXXX)
	export KIST_RUN
	CTX="$BATS_TEST_TMPDIR/ctx"
	mkdir -p "$CTX"
	unset SOURCE_DATE_EPOCH
}

# build_teardown: containers a failed build left, mounts, the run dir.
build_teardown() {
	local d
	for d in "${KIST_RUN:-/nonexistent}"/runtime/*; do
		[ -e "$d" ] && "$RT" --root "$KIST_RUN/runtime" delete --force "${d##*/}" >/dev/null 2>&1
	done
	for d in "$KIST_ROOT"/containers/[0-9a-f]*; do
		[ -d "$d" ] && "$STORE" --root "$KIST_ROOT" rm-container -f "${d##*/}" >/dev/null 2>&1
	done
	kist_cleanup
	case ${KIST_RUN:-} in /tmp/kr.*) rm -rf "$KIST_RUN" ;; esac
}

# import_base [REF]: the busybox rootfs (Debian's busybox-static) as REF.
import_base() {
	run "$STORE" --root "$KIST_ROOT" import -c 'CMD ["sh"]' "$(busybox_tar)" "${1:-busybox:test}"
	[ "$status" -eq 0 ] || fail "import busybox failed: $output"
}

# dockerfile TEXT...: write $CTX/Dockerfile (one argument a line).
dockerfile() { printf '%s\n' "$@" >"$CTX/Dockerfile"; }

# run_image IMAGE [OVERRIDES_JSON]: run a container of IMAGE with
# kist-runtime (its output in $output), then remove it.
run_image() {
	local id
	id=$("$STORE" --root "$KIST_ROOT" create-container "$1" "${2:-{\}}") || fail "create-container $1 failed"
	run "$RT" --root "$KIST_RUN/runtime" run --bundle "$KIST_ROOT/containers/$id/bundle" "$id"
	echo "run $1 ${2:-}: $status $output" >&2
	"$STORE" --root "$KIST_ROOT" rm-container -f "$id" >/dev/null
}

# image_config IMAGE JQ: a jq query over the image's config ("config" object of the blob).
image_config() {
	local id
	id=$("$STORE" --root "$KIST_ROOT" inspect --format '{{.Id}}' "$1") || fail "no image $1"
	jq -c "$2" "$KIST_ROOT/oci/blobs/sha256/${id#sha256:}"
}

# no_containers: the build left no container behind.
no_containers() {
	local n
	n=$(find "$KIST_ROOT/containers" -mindepth 1 -maxdepth 1 -name '[0-9a-f]*' 2>/dev/null | wc -l)
	[ "$n" -eq 0 ] || fail "containers left: $(ls "$KIST_ROOT/containers")"
	if grep -q " $KIST_ROOT/" /proc/self/mountinfo; then
		fail "mounts left under $KIST_ROOT"
	fi
}
