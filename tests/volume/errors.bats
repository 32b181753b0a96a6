#!/usr/bin/env bats
# Bad input to kist's volumes and mounts: docker's messages and exit codes,
# and nothing made (no container, no volume, no host path) when refused.
# Hostile names and paths planted in the store cannot make kist write or
# delete outside $KIST_ROOT/volumes.
bats_require_minimum_version 1.5.0
load ../helpers
load ../cli/lib
load lib

setup() { vol_setup; }
teardown() { vol_teardown; }

# refused ARGS...: kist run ARGS exits 125 with one error line in $stderr,
# and made no container and no volume
refused() {
	run -125 --separate-stderr "$KIST" run --rm "$@"
	echo "kist run $*: $status $stderr" >&2
	[ "${#stderr_lines[@]}" -ge 1 ]
	no_container_made
	run vol_names
	assert_output ""
}

@test "kist run -v: malformed specifications are refused with docker's messages" {
	refused -v :/b bb true
	[ "$stderr" = "Error: invalid volume specification: ':/b'" ]
	refused -v /a:/b:/c:/d bb true
	[ "$stderr" = "Error: invalid volume specification: '/a:/b:/c:/d'" ]
	refused -v /data:ro bb true
	[ "$stderr" = "Error: invalid volume specification: '/data:ro'" ]
	refused -v "$BATS_TEST_TMPDIR/h:relative" bb true
	[ "$stderr" = "Error: invalid volume specification: '$BATS_TEST_TMPDIR/h:relative': invalid mount config for type \"bind\": invalid mount path: 'relative' mount path must be absolute" ]
	refused -v data:rel bb true
	[ "$stderr" = "Error: invalid volume specification: 'data:rel': invalid mount config for type \"volume\": invalid mount path: 'rel' mount path must be absolute" ]
	refused -v "$BATS_TEST_TMPDIR/h:" bb true
	[ "$stderr" = "Error: invalid volume specification: '$BATS_TEST_TMPDIR/h:'" ]
	refused -v "$BATS_TEST_TMPDIR/h:/" bb true
	[ "$stderr" = "Error: invalid volume specification: '$BATS_TEST_TMPDIR/h:/': invalid mount config for type \"bind\": invalid specification: destination can't be '/'" ]
	refused -v relative bb true
	[ "$stderr" = "Error: invalid volume specification: 'relative': invalid mount config for type \"volume\": invalid mount path: 'relative' mount path must be absolute" ]
	# none of these made the host path
	[ ! -e "$BATS_TEST_TMPDIR/h" ]
}

@test "kist run -v: unknown or repeated options are refused" {
	refused -v "$BATS_TEST_TMPDIR/h:/x:bogus" bb true
	[ "$stderr" = "Error: invalid mode: bogus" ]
	refused -v "$BATS_TEST_TMPDIR/h:/x:ro,rw" bb true
	[ "$stderr" = "Error: invalid mode: ro,rw" ]
	refused -v "$BATS_TEST_TMPDIR/h:/x:ro," bb true
	[ "$stderr" = "Error: invalid mode: ro," ]
	refused -v data:/x:shared,private bb true
	[ "$stderr" = "Error: invalid mode: shared,private" ]
	[ ! -e "$BATS_TEST_TMPDIR/h" ]
	# the options docker knows are taken
	kist run --rm -v "$BATS_TEST_TMPDIR/h:/x:ro,Z,rprivate" bb true
	assert_success
}

@test "kist run: two mounts on one destination are refused" {
	refused -v "$BATS_TEST_TMPDIR:/x" -v vol:/x bb true
	[ "$stderr" = "Error: Duplicate mount point: /x" ]
	refused -v "$BATS_TEST_TMPDIR:/x/" --mount type=tmpfs,target=/x bb true
	[ "$stderr" = "Error: Duplicate mount point: /x" ]
	refused -v "$BATS_TEST_TMPDIR:/x" --tmpfs /x bb true
	[ "$stderr" = "Error: Duplicate mount point: /x" ]
}

@test "kist run --mount: malformed values are usage errors naming the flag" {
	run -125 --separate-stderr "$KIST" run --rm --mount source=/x bb true
	assert_equal "${stderr_lines[0]}" 'invalid argument "source=/x" for "--mount" flag: target is required'
	assert_equal "${stderr_lines[1]}" "See 'kist run --help'."
	run -125 --separate-stderr "$KIST" run --rm --mount type=nfs,target=/x bb true
	assert_equal "${stderr_lines[0]}" 'invalid argument "type=nfs,target=/x" for "--mount" flag: invalid mount type: nfs'
	run -125 --separate-stderr "$KIST" run --rm --mount target=/x,color=red bb true
	assert_equal "${stderr_lines[0]}" "invalid argument \"target=/x,color=red\" for \"--mount\" flag: unexpected key 'color' in 'color'"
	run -125 --separate-stderr "$KIST" run --rm --mount target=/x,src bb true
	assert_equal "${stderr_lines[0]}" "invalid argument \"target=/x,src\" for \"--mount\" flag: invalid field 'src' must be a key=value pair"
	run -125 --separate-stderr "$KIST" run --rm --mount type=bind,source=/tmp,target=/x,tmpfs-size=1m bb true
	assert_equal "${stderr_lines[0]}" "invalid argument \"type=bind,source=/tmp,target=/x,tmpfs-size=1m\" for \"--mount\" flag: cannot mix 'tmpfs-*' options with mount type 'bind'"
	run -125 --separate-stderr "$KIST" run --rm --mount type=tmpfs,target=/x,tmpfs-size=lots bb true
	assert_equal "${stderr_lines[0]}" 'invalid argument "type=tmpfs,target=/x,tmpfs-size=lots" for "--mount" flag: invalid value for tmpfs-size: lots'
	run -125 --separate-stderr "$KIST" run --rm --mount type=volume,target=/x,readonly=maybe bb true
	assert_equal "${stderr_lines[0]}" 'invalid argument "type=volume,target=/x,readonly=maybe" for "--mount" flag: invalid value for readonly: maybe'
	no_container_made
}

@test "kist run --mount: docker's checks of a mount's fields" {
	refused --mount type=bind,target=/x bb true
	[ "$stderr" = 'Error: invalid mount config for type "bind": field Source must not be empty' ]
	refused --mount type=bind,source=relative,target=/x bb true
	[ "$stderr" = "Error: invalid mount config for type \"bind\": invalid mount path: 'relative' mount path must be absolute" ]
	refused --mount "type=bind,source=$BATS_TEST_TMPDIR,target=/x,bind-propagation=sideways" bb true
	[ "$stderr" = 'Error: invalid mount config for type "bind": invalid propagation mode: sideways' ]
	refused --mount type=volume,target=/x,readonly bb true
	[ "$stderr" = 'Error: invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes' ]
	refused --mount type=tmpfs,source=/x,target=/t bb true
	[ "$stderr" = 'Error: invalid mount config for type "tmpfs": field Source must not be specified' ]
	refused --mount type=volume,source=v1,target=/ bb true
	[ "$stderr" = "Error: invalid mount config for type \"volume\": invalid specification: destination can't be '/'" ]
}

@test "volume names outside [a-zA-Z0-9][a-zA-Z0-9_.-]+ are refused and nothing is made" {
	local before
	before=$(find "$KIST_ROOT/.." -maxdepth 1 -type d | sort)
	for name in a/b ../escape .. .hidden _under 'sp ace' x; do
		run -1 --separate-stderr "$KIST" volume create "$name"
		echo "volume create $name: $status $stderr" >&2
		if [ "$name" = x ]; then
			[ "$stderr" = "Error: create x: volume name is too short, names should be at least two alphanumeric characters" ]
		else
			[ "$stderr" = "Error: create $name: \"$name\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path" ]
		fi
	done
	run vol_names
	assert_output ""
	[ "$(find "$KIST_ROOT/.." -maxdepth 1 -type d | sort)" = "$before" ]
	[ ! -e "$KIST_ROOT/escape" ]
	# the same names through -v and --mount
	refused -v ../escape:/data bb true
	[ "$stderr" = "Error: create ../escape: \"../escape\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path" ]
	refused --mount type=volume,source=a/b,target=/data bb true
	[[ $stderr == 'Error: create a/b: "a/b" includes invalid characters'* ]]
	[ ! -e "$KIST_ROOT/escape" ]
	[ ! -e "$KIST_ROOT/../escape" ]
	[ ! -e "$KIST_ROOT/volumes/a" ]
}

@test "kist volume rm: a volume in use is refused, even with -f, and stays" {
	kist create --name user1 -v busy:/b bb true
	assert_success
	local id
	id=$("$KIST" inspect --format '{{.Id}}' user1)
	echo kept >"$(vol_dir busy)/f"
	run -1 --separate-stderr "$KIST" volume rm busy
	[ "$stderr" = "Error: remove busy: volume is in use - [$id]" ]
	run -1 --separate-stderr "$KIST" volume rm -f busy
	[ "$stderr" = "Error: remove busy: volume is in use - [$id]" ]
	[ "$(cat "$(vol_dir busy)/f")" = kept ]
	# -a prune leaves it too
	kist volume prune -a -f
	assert_output "Total reclaimed space: 0B"
	[ -d "$(vol_dir busy)" ]
	# free once its container is gone
	kist rm user1
	kist volume rm busy
	assert_success
	assert_output busy
}

@test "unknown volumes: docker's errors for rm and inspect, a listing without them" {
	kist volume create real
	run -1 --separate-stderr "$KIST" volume rm nosuch
	[ "$stderr" = "Error: get nosuch: no such volume" ]
	run -1 --separate-stderr "$KIST" volume inspect nosuch
	[ "$stderr" = "Error: No such volume: nosuch" ]
	# the rest of the arguments are still done
	run -1 --separate-stderr "$KIST" volume rm nosuch real
	assert_output real
	[ "$stderr" = "Error: get nosuch: no such volume" ]
	run -1 --separate-stderr "$KIST" volume ls --filter colour=red
	[ "$stderr" = "Error: invalid filter 'colour'" ]
	run -1 --separate-stderr "$KIST" volume create --driver nfs v2
	[ "$stderr" = 'Error: error looking up volume plugin nfs: plugin "nfs" not found' ]
	run vol_names
	assert_output ""
}

@test "hostile: a symlink planted in volumes/ is never followed out of the store" {
	local out="$BATS_TEST_TMPDIR/outside"
	mkdir -p "$out/_data" "$KIST_ROOT/volumes"
	echo precious >"$out/_data/keep"
	echo '{"Driver":"local"}' >"$out/volume.json"
	ln -s "$out" "$KIST_ROOT/volumes/evil"
	# the volume dir is real, its _data a link out
	mkdir -p "$KIST_ROOT/volumes/evil2"
	ln -s "$out/_data" "$KIST_ROOT/volumes/evil2/_data"
	echo '{"Driver":"local"}' >"$KIST_ROOT/volumes/evil2/volume.json"
	local snap
	snap=$(find "$out" -printf '%p %s %T@\n' | sort)
	run -125 --separate-stderr "$KIST" run --rm -v evil:/data bb sh -c 'echo pwned >/data/keep'
	run -125 --separate-stderr "$KIST" run --rm -v evil2:/data bb sh -c 'echo pwned >/data/keep'
	[[ $stderr == *"volume 'evil2'"*"is not a directory"* ]]
	no_container_made
	run -1 "$KIST" volume rm evil
	run -1 "$KIST" volume rm evil2
	run -0 "$KIST" volume prune -a -f
	run -0 "$KIST" volume ls -q
	assert_output ""
	[ "$(find "$out" -printf '%p %s %T@\n' | sort)" = "$snap" ]
	[ "$(cat "$out/_data/keep")" = precious ]
}

@test "kist volume verbs: argument counts and unknown flags are usage errors" {
	run -125 --separate-stderr "$KIST" volume ls extra
	assert_equal "${stderr_lines[0]}" '"kist volume ls" accepts no arguments.'
	assert_equal "${stderr_lines[1]}" "See 'kist volume ls --help'."
	run -125 --separate-stderr "$KIST" volume rm
	assert_equal "${stderr_lines[0]}" '"kist volume rm" requires at least 1 argument.'
	run -125 --separate-stderr "$KIST" volume inspect
	assert_equal "${stderr_lines[0]}" '"kist volume inspect" requires at least 1 argument.'
	run -125 --separate-stderr "$KIST" volume create a1 b1
	assert_equal "${stderr_lines[0]}" '"kist volume create" accepts at most 1 argument.'
	run -125 --separate-stderr "$KIST" volume prune --bogus
	assert_equal "${stderr_lines[0]}" 'unknown flag: --bogus'
	run -125 --separate-stderr "$KIST" volume nosuchverb
	run vol_names
	assert_output ""
}
