#!/usr/bin/env bats
# kist-runtime hooks: every kind, run at its point of the lifecycle with the
# state on stdin, its args, env and timeout; failures as the spec says.
bats_require_minimum_version 1.5.0
load ../helpers
load runtime

setup() {
	setup_bundle
	set_args '["sleep", "1000"]'
	# the hooks log into a directory that is at the same path on the host
	# and inside the container (createContainer/startContainer run there)
	HLOG=$BATS_TEST_TMPDIR/hooklog
	mkdir -p "$HLOG"
	chmod 777 "$HLOG"
	update_config "$BUNDLE/config.json" ".mounts += [{destination: \"$HLOG\", type: \"bind\", source: \"$HLOG\", options: [\"rbind\", \"rw\"]}]"
}

teardown() {
	teardown_bundle
}

# hook KIND: a hook that appends "KIND <id> <status> <its 2nd arg> <env>" to $HLOG/log
# (the script sits in $HLOG, which is at the same path in the container)
hook() {
	cat >"$HLOG/hook.sh" <<'SH'
s=$(cat)
id=$(echo "$s" | sed 's/.*"id":"\([^"]*\)".*/\1/')
st=$(echo "$s" | sed 's/.*"status":"\([^"]*\)".*/\1/')
echo "$1 $id $st $2 $HOOK_ENV" >>"$(dirname "$0")/log"
SH
	echo "{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"$HLOG/hook.sh\", \"$1\", \"arg-$1\"], \"env\": [\"HOOK_ENV=env-$1\", \"PATH=/usr/sbin:/usr/bin:/sbin:/bin\"]}"
}

@test "runtime hooks: every kind runs at its point with the state on stdin, args and env" {
	local k hooks="{}"
	for k in prestart createRuntime createContainer startContainer poststart poststop; do
		hooks=$(jq -c --argjson h "$(hook $k)" ".$k = [\$h]" <<<"$hooks")
	done
	update_config "$BUNDLE/config.json" ".hooks = $hooks"

	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	run cat "$HLOG/log"
	assert_line --index 0 "prestart $CID created arg-prestart env-prestart"
	assert_line --index 1 "createRuntime $CID creating arg-createRuntime env-createRuntime"
	assert_line --index 2 "createContainer $CID creating arg-createContainer env-createContainer"
	[ "${#lines[@]}" -eq 3 ]

	rt start "$CID"
	[ "$status" -eq 0 ]
	# start returns after poststart, which runs once the program has
	# started, so after the startContainer hook: the order is the spec's
	run cat "$HLOG/log"
	assert_line --index 3 "startContainer $CID running arg-startContainer env-startContainer"
	assert_line --index 4 "poststart $CID running arg-poststart env-poststart"

	rt delete --force "$CID"
	[ "$status" -eq 0 ]
	run cat "$HLOG/log"
	assert_line --index 5 "poststop $CID stopped arg-poststop env-poststop"
	[ "${#lines[@]}" -eq 6 ]
}

@test "runtime hooks: hooks without env: createContainer/startContainer get the process's, the others the runtime's (runc)" {
	local k hooks="{}"
	update_config "$BUNDLE/config.json" '.process.env = ["PATH=/bin:/usr/bin", "PROC_VAR=in-process", "PROC_VAR=last"]'
	for k in prestart createRuntime createContainer startContainer poststart; do
		hooks=$(jq -c --arg k "$k" --arg l "$HLOG" \
			'.[$k] = [{path: "/bin/sh", args: ["sh", "-c", "echo \"$0 ${PROC_VAR:-none} ${RT_VAR:-none}\" >>$1/env", $k, $l]}]' <<<"$hooks")
	done
	update_config "$BUNDLE/config.json" ".hooks = $hooks"
	RT_VAR=runtime-env rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	wait_for grep -q poststart "$HLOG/env"
	run cat "$HLOG/env"
	assert_line "prestart none runtime-env"
	assert_line "createRuntime none runtime-env"
	assert_line "createContainer last none"
	assert_line "startContainer last none"
	assert_line "poststart none runtime-env"
}

@test "runtime hooks: the state on stdin is the runtime's state JSON with the pid" {
	update_config "$BUNDLE/config.json" ".hooks.createRuntime = [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"cat > $HLOG/state.json\"]}]"
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .id "$HLOG/state.json")" = "$CID" ]
	[ "$(jq -r .pid "$HLOG/state.json")" = "$(ctr_pid)" ]
	[ "$(jq -r .bundle "$HLOG/state.json")" = "$BUNDLE" ]
	jq -e .ociVersion "$HLOG/state.json"
}

@test "runtime hooks: a failing prestart or createRuntime hook fails create, nothing left" {
	local k
	for k in prestart createRuntime createContainer; do
		update_config "$BUNDLE/config.json" "del(.hooks) | .hooks.$k = [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"echo hook-says-no; exit 3\"]}]"
		rt_bg create --bundle "$BUNDLE" "$CID"
		[ "$status" -eq 1 ]
		assert_output --partial "error running $k hook #0: '/bin/sh' exited with status 3: hook-says-no"
		assert_no_leftovers
	done
}

@test "runtime hooks: a failing hook is named by its kind and index (runc's wording)" {
	update_config "$BUNDLE/config.json" 'del(.hooks) | .hooks.createRuntime = [{path: "/bin/true"}, {path: "/bin/false"}]'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ]
	assert_output --partial "error running createRuntime hook #1: '/bin/false' exited with status 1"
	assert_no_leftovers
}

@test "runtime hooks: a failing startContainer hook fails start" {
	update_config "$BUNDLE/config.json" '.hooks.startContainer = [{path: "/bin/false"}]'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	rt start "$CID"
	retry 50 0.1 is_stopped
	run cat "$BATS_TEST_TMPDIR/ctr.log"
	assert_output --partial "error running startContainer hook #0: '/bin/false' exited with status 1"
}

@test "runtime hooks: failing poststart and poststop hooks are warnings only" {
	update_config "$BUNDLE/config.json" '.hooks.poststart = [{path: "/bin/false"}] | .hooks.poststop = [{path: "/bin/false"}]'
	rt_bg run -d --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	assert_output --partial "error running poststart hook #0: '/bin/false' exited with status 1"
	[ "$(ctr_status)" = running ]
	rt delete --force "$CID"
	[ "$status" -eq 0 ]
	assert_output --partial "error running poststop hook #0: '/bin/false' exited with status 1"
	[ ! -e "$RT_ROOT/$CID" ]
}

@test "runtime hooks: a hook that outlives its timeout is killed and fails create" {
	update_config "$BUNDLE/config.json" ".hooks.prestart = [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"echo \$\$ > $HLOG/hook.pid; exec sleep 60\"], timeout: 1}]"
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ]
	assert_output --partial "error running prestart hook #0: '/bin/sh' timed out after 1 seconds"
	local p
	p=$(cat "$HLOG/hook.pid")
	retry 50 0.1 sh -c "! kill -0 $p 2>/dev/null"
	assert_no_leftovers
}

@test "runtime create [bad input]: a hook path that is not executable, or relative" {
	update_config "$BUNDLE/config.json" '.hooks.prestart = [{path: "/etc/passwd"}]'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ]
	assert_output --partial "exec prestart hook '/etc/passwd': Permission denied"
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	assert_no_leftovers

	update_config "$BUNDLE/config.json" '.hooks.prestart = [{path: "bin/true"}]'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ]
	assert_output --partial "'hooks.prestart[0].path' must be an absolute path"
	assert_no_leftovers
}
