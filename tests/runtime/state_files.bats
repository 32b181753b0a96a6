#!/usr/bin/env bats
# kist-runtime's state dir: state.json is replaced whole (a new file swapped
# in for each write, the old one removed) and nothing is left beside it.
bats_require_minimum_version 1.5.0
load ../helpers
load runtime

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "runtime create: state.json written three times, the last one kept and nothing beside it" {
	set_args '["/tools/init", "pause"]'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	# the first write names no init, the second no start pipe: the file
	# kept is the last
	[ "$(ls -A "$RT_ROOT/$CID")" = state.json ]
	[ "$(jq -r .pid "$RT_ROOT/$CID/state.json")" = "$(ctr_pid)" ]
	[ "$(jq -r .pid "$RT_ROOT/$CID/state.json")" -gt 0 ]
	[ "$(jq -r .startPipeIno "$RT_ROOT/$CID/state.json")" -gt 0 ]
	[ "$(jq -r 'has("creatorPid")' "$RT_ROOT/$CID/state.json")" = false ]
	[ "$(ctr_status)" = created ]
	rt start "$CID"
	[ "$status" -eq 0 ]
	[ "$(ctr_status)" = running ]
	[ "$(ls -A "$RT_ROOT/$CID")" = state.json ]
	rt delete --force "$CID"
	[ "$status" -eq 0 ]
	[ ! -e "$RT_ROOT/$CID" ]
}
