#!/usr/bin/env bats
# A Kubernetes node: containerd's CRI plugin runs pods with kist-runtime as the
# RuntimeClass handler `kist` (io.containerd.runc.v2, BinaryName kist-runtime),
# driven through the CRI gRPC API as a kubelet drives it (cri/cri.py over
# stubs generated here from cri/cri.proto).  A private containerd (config,
# root, state, socket, netns, CNI config) under the file's tmp dir; the pause
# image and the containers' image are made offline and imported.
bats_require_minimum_version 1.5.0
load ../helpers

PY=/usr/bin/python3 # Debian's python3, the one python3-grpcio serves
CRI_DIR="$TESTS_DIR/orchestrators/cri"
PAUSE_IMG=localhost/kist-pause:cri
BB_IMG=localhost/kist-bb:cri

# cri METHOD [JSON]: one CRI call; the response's JSON in $output.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr
cri() {
	run --separate-stderr "$PY" "$CRI_DIR/cri.py" "$CD/stubs" "$CD/containerd.sock" "$@"
	echo "cri $*: $status $output $stderr" >&2
}

# A /24 in 10.0.0.0/8 that no route of the host's covers.
free_subnet() {
	local i n
	for ((i = 0; i < 200; i++)); do
		n="10.$((100 + RANDOM % 150)).$((RANDOM % 256))"
		if ! ip -4 route show | grep -q "^$n\.\|^10\.$(echo "$n" | cut -d. -f2)\.0\.0/16"; then
			echo "$n"
			return 0
		fi
	done
	return 1
}

# A pod's sandbox config: pod_config NAME UID [node] (node: host network).
pod_config() {
	local net=POD
	[ "${3:-}" = node ] && net=NODE
	mkdir -p "$CD/logs/$1"
	jq -nc --arg n "$1" --arg u "$2" --arg net "$net" --arg logs "$CD/logs/$1" \
		--arg cg "$CGPARENT" '{metadata: {name: $n, uid: $u, namespace: "kist-test"},
		log_directory: $logs,
		linux: {cgroup_parent: $cg,
			security_context: {namespace_options: {network: $net, pid: "CONTAINER", ipc: "POD"}}}}
		# a kubelet names the host only in a pod with its own network (and
		# UTS) namespace: runc and kist-runtime refuse a hostname without
		| if $net == "POD" then .hostname = $n else . end'
}

# run_pod NAME [node]: RunPodSandbox with the kist handler (HANDLER=runc
# runs the same pods with runc, to compare); sets $POD and $POD_CFG.
run_pod() {
	local cfg
	cfg=$(pod_config "$1" "uid-$1-$$" "${2:-}")
	cri RunPodSandbox "$(jq -nc --argjson c "$cfg" --arg h "${HANDLER:-kist}" '{config: $c, runtime_handler: $h}')"
	[ "$status" -eq 0 ]
	POD=$(echo "$output" | jq -r .pod_sandbox_id)
	echo "$POD" >>"$CD/pods"
	POD_CFG=$cfg
}

# create_ctr NAME JSON-ARRAY-COMMAND: CreateContainer in $POD; sets $CTR.
create_ctr() {
	cri CreateContainer "$(jq -nc --arg p "$POD" --argjson s "$POD_CFG" --arg n "$1" \
		--argjson cmd "$2" --arg img "$BB_IMG" '{pod_sandbox_id: $p, sandbox_config: $s,
		config: {metadata: {name: $n}, image: {image: $img}, command: $cmd,
			log_path: ($n + ".log"), envs: [{key: "KIST_CRI", value: $n}]}}')"
	[ "$status" -eq 0 ]
	CTR=$(echo "$output" | jq -r .container_id)
}

ctr_state() { # ctr_state ID: the CRI's state of a container
	"$PY" "$CRI_DIR/cri.py" "$CD/stubs" "$CD/containerd.sock" ContainerStatus \
		"{\"container_id\": \"$1\"}" | jq -r '.status.state // "CONTAINER_CREATED"'
}
ctr_state_is() { [ "$(ctr_state "$1")" = "$2" ]; }

# kist-runtime's own record of a container containerd made (namespace k8s.io)
rt_state() { "$RT" --root "$CD/rt/k8s.io" state "$1"; }

setup_file() {
	requires root cmd:containerd cmd:ctr cmd:containerd-shim-runc-v2 cmd:runc cmd:jq
	if ! "$PY" -c 'import grpc, grpc_tools' 2>/dev/null; then
		skip_or_fail "needs Debian's python3-grpcio and python3-grpc-tools"
	fi
	[ -x /usr/lib/cni/bridge ] || skip_or_fail "needs containernetworking-plugins"
	export CD=$BATS_FILE_TMPDIR/cri
	export CGPARENT=/kist-cri-$$
	export BRIDGE=kcri$$
	mkdir -p "$CD/stubs" "$CD/cni" "$CD/logs" "$CD/img"
	: >"$CD/pods"
	# the bridge plugin turns IPv4 forwarding on for its gateway: put it back
	cat /proc/sys/net/ipv4/ip_forward >"$BATS_FILE_TMPDIR/ip_forward"
	# CNI caches its results under /var/lib/cni whatever the config says
	[ -e /var/lib/cni ] && touch "$BATS_FILE_TMPDIR/had-var-lib-cni"
	"$PY" -m grpc_tools.protoc -I "$CRI_DIR" --python_out="$CD/stubs" \
		--grpc_python_out="$CD/stubs" cri.proto

	SUBNET=$(free_subnet)
	export SUBNET
	cat >"$CD/cni/10-kist-cri.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "kist-cri-$$",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false,
     "ipam": {"type": "host-local", "dataDir": "$CD/ipam",
              "ranges": [[{"subnet": "$SUBNET.0/24"}]]}},
    {"type": "loopback"}
  ]
}
EOF
	cat >"$CD/config.toml" <<EOF
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.internal.v1.opt"]
[grpc]
  address = "$CD/containerd.sock"
[ttrpc]
  address = "$CD/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMG"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$CD/runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kist]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kist.options]
        BinaryName = "$RT"
        Root = "$CD/rt"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CD/cni"
    max_conf_num = 1
EOF
	containerd --config "$CD/config.toml" >"$CD/containerd.log" 2>&1 &
	echo $! >"$CD/containerd.pid"
	if ! retry 100 0.1 ctr -a "$CD/containerd.sock" version >/dev/null 2>&1; then
		cat "$CD/containerd.log" >&2
		return 1
	fi

	# the images, made offline: the sandbox's pause (our static init) and a
	# busybox rootfs, imported by kist-store, saved as a docker archive
	# and imported into the CRI's namespace
	local st=$CD/img/store
	mkdir -p "$CD/img/pause" "$CD/img/bb"
	cp "$TOOLS_BIN/init" "$CD/img/pause/init"
	tar -C "$CD/img/pause" -cf "$CD/img/pause.tar" .
	"$STORE" --root "$st" import -c 'ENTRYPOINT ["/init", "pause"]' "$CD/img/pause.tar" "$PAUSE_IMG" >/dev/null
	make_rootfs "$CD/img/bb"
	chmod 755 "$CD/img/bb"
	tar -C "$CD/img/bb" -cf "$CD/img/bb.tar" .
	"$STORE" --root "$st" import -c 'CMD ["sh"]' "$CD/img/bb.tar" "$BB_IMG" >/dev/null
	"$STORE" --root "$st" save -o "$CD/img/images.tar" "$PAUSE_IMG" "$BB_IMG"
	cleanup_mounts "$st"
	rm -rf "$st" "$CD/img/pause" "$CD/img/bb"
	ctr -a "$CD/containerd.sock" -n k8s.io images import "$CD/img/images.tar" >/dev/null
	# the CRI plugin learns of imported images from containerd's events
	local img
	for img in "$PAUSE_IMG" "$BB_IMG"; do
		retry 100 0.1 sh -c "'$PY' '$CRI_DIR/cri.py' '$CD/stubs' '$CD/containerd.sock' \
			ImageService.ImageStatus '{\"image\": {\"image\": \"$img\"}}' | grep -q '\"id\"'"
	done
}

# Remove every pod the test made (stop first, as a kubelet does).
remove_pods() {
	local p
	[ -s "$CD/pods" ] || return 0
	while read -r p; do
		"$PY" "$CRI_DIR/cri.py" "$CD/stubs" "$CD/containerd.sock" StopPodSandbox \
			"{\"pod_sandbox_id\": \"$p\"}" >/dev/null 2>&1 || true
		"$PY" "$CRI_DIR/cri.py" "$CD/stubs" "$CD/containerd.sock" RemovePodSandbox \
			"{\"pod_sandbox_id\": \"$p\"}" >/dev/null 2>&1 || true
	done <"$CD/pods"
	: >"$CD/pods"
}

teardown() {
	[ -n "${CD:-}" ] && remove_pods
	kist_cleanup
}

teardown_file() {
	[ -n "${CD:-}" ] || return 0
	local pid id d
	remove_pods
	pid=$(cat "$CD/containerd.pid" 2>/dev/null)
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	fi
	# what a failed test may have left: the runc shims serving our
	# containerd (found by its socket in their command lines), then the
	# containers kist-runtime still knows
	for pid in $(pgrep -f -- "-address $CD/containerd.sock" || true); do
		kill -9 "$pid" 2>/dev/null || true
	done
	if [ -d "$CD/rt/k8s.io" ]; then
		for id in $("$RT" --root "$CD/rt/k8s.io" list -q 2>/dev/null); do
			"$RT" --root "$CD/rt/k8s.io" delete -f "$id" >/dev/null 2>&1 || true
		done
	fi
	cleanup_mounts "$CD"
	rm -rf "$CD"
	# the shims put their sockets under /run/containerd/s whatever the
	# config says: remove the directories if we left them empty
	rmdir /run/containerd/s /run/containerd 2>/dev/null || true
	# the pods' cgroups: CGPARENT/<id> in every hierarchy
	for d in /sys/fs/cgroup/*/"$CGPARENT" /sys/fs/cgroup/"$CGPARENT"; do
		[ -d "$d" ] || continue
		find "$d" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
		rmdir "$d" 2>/dev/null || true
	done
	ip link del "$BRIDGE" 2>/dev/null || true
	if [ ! -e "$BATS_FILE_TMPDIR/had-var-lib-cni" ]; then
		rmdir /var/lib/cni/results /var/lib/cni 2>/dev/null || true
	fi
	if [ -f "$BATS_FILE_TMPDIR/ip_forward" ]; then
		cat "$BATS_FILE_TMPDIR/ip_forward" >/proc/sys/net/ipv4/ip_forward
	fi
}

@test "cri: Version over the private socket" {
	cri Version '{"version": "v1"}'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .runtime_name)" = containerd ]
	[ "$(echo "$output" | jq -r .runtime_api_version)" = v1 ]
}

@test "cri: a pod on the CNI bridge with the kist handler: run, create, start, exec, status, stop, remove" {
	local spid cpid ip
	run_pod web
	cri PodSandboxStatus "{\"pod_sandbox_id\": \"$POD\"}"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .status.state)" = SANDBOX_READY ]
	[ "$(echo "$output" | jq -r .status.runtime_handler)" = kist ]
	ip=$(echo "$output" | jq -r .status.network.ip)
	[[ "$ip" == "$SUBNET".* ]]
	# the sandbox is a kist-runtime container running our pause
	run rt_state "$POD"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .status)" = running ]
	spid=$(echo "$output" | jq -r .pid)
	[ "$(tr '\0' ' ' </proc/"$spid"/cmdline)" = "/init pause " ]

	# shellcheck disable=SC2016 # the container's shell expands it
	create_ctr app '["sh", "-c", "echo started $KIST_CRI; exec /tools/init pause"]'
	[ "$(ctr_state "$CTR")" = CONTAINER_CREATED ]
	cri StartContainer "{\"container_id\": \"$CTR\"}"
	[ "$status" -eq 0 ]
	[ "$(ctr_state "$CTR")" = CONTAINER_RUNNING ]
	run rt_state "$CTR"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .status)" = running ]
	cpid=$(echo "$output" | jq -r .pid)
	# the container joined the pod's network namespace and, its own
	# namespace_options left at the CRI's default (POD), the pod's pid
	# namespace: kist-runtime entered the paths containerd gave
	[ "$(readlink /proc/"$cpid"/ns/net)" = "$(readlink /proc/"$spid"/ns/net)" ]
	[ "$(readlink /proc/"$cpid"/ns/net)" != "$(readlink /proc/self/ns/net)" ]
	[ "$(readlink /proc/"$cpid"/ns/pid)" = "$(readlink /proc/"$spid"/ns/pid)" ]
	[ "$(readlink /proc/"$cpid"/ns/pid)" != "$(readlink /proc/self/ns/pid)" ]
	# the CRI log the shim wrote from the container's stdout
	wait_for grep -q ' stdout F started app$' "$CD/logs/web/app.log"

	cri ExecSync "{\"container_id\": \"$CTR\", \"cmd\": [\"sh\", \"-c\", \"echo out \$KIST_CRI; echo err >&2; exit 3\"], \"timeout\": 60}"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .stdout | base64 -d)" = "out app" ]
	[ "$(echo "$output" | jq -r .stderr | base64 -d)" = err ]
	[ "$(echo "$output" | jq -r .exit_code)" = 3 ]
	# the pod's address is on the container's eth0
	cri ExecSync "{\"container_id\": \"$CTR\", \"cmd\": [\"ip\", \"-4\", \"-o\", \"addr\", \"show\", \"eth0\"]}"
	[ "$status" -eq 0 ]
	[[ "$(echo "$output" | jq -r .stdout | base64 -d)" == *" inet $ip/24 "* ]]

	# StopContainer: SIGTERM, which our pause ends on with 0
	cri StopContainer "{\"container_id\": \"$CTR\", \"timeout\": 30}"
	[ "$status" -eq 0 ]
	cri ContainerStatus "{\"container_id\": \"$CTR\"}"
	[ "$(echo "$output" | jq -r .status.state)" = CONTAINER_EXITED ]
	[ "$(echo "$output" | jq -r '.status.exit_code // 0')" = 0 ]
	[ "$(echo "$output" | jq -r .status.reason)" = Completed ]
	run ! kill -0 "$cpid"
	cri RemoveContainer "{\"container_id\": \"$CTR\"}"
	[ "$status" -eq 0 ]
	run rt_state "$CTR"
	[ "$status" -ne 0 ]

	cri StopPodSandbox "{\"pod_sandbox_id\": \"$POD\"}"
	[ "$status" -eq 0 ]
	run ! kill -0 "$spid"
	cri RemovePodSandbox "{\"pod_sandbox_id\": \"$POD\"}"
	[ "$status" -eq 0 ]
	: >"$CD/pods"
	run "$RT" --root "$CD/rt/k8s.io" list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# its network namespace and its address are given back
	[ -z "$(find "$CD/state" -path '*netns*' -type f)" ]
	[ ! -e "$CD/ipam/kist-cri-$$/$ip" ]
}

@test "cri: a pod on the host network; a container's exit code" {
	local spid
	run_pod hostnet node
	run rt_state "$POD"
	[ "$status" -eq 0 ]
	spid=$(echo "$output" | jq -r .pid)
	[ "$(readlink /proc/"$spid"/ns/net)" = "$(readlink /proc/self/ns/net)" ]

	create_ctr job '["sh", "-c", "ls /sys/class/net; exit 7"]'
	cri StartContainer "{\"container_id\": \"$CTR\"}"
	[ "$status" -eq 0 ]
	wait_for ctr_state_is "$CTR" CONTAINER_EXITED
	cri ContainerStatus "{\"container_id\": \"$CTR\"}"
	[ "$(echo "$output" | jq -r .status.exit_code)" = 7 ]
	[ "$(echo "$output" | jq -r .status.reason)" = Error ]
	# it saw the host's interfaces
	local want
	for want in /sys/class/net/*; do
		grep -q " stdout F ${want##*/}$" "$CD/logs/hostnet/job.log"
	done
}

@test "cri: an unknown runtime handler is refused, nothing left behind" {
	local cfg
	cfg=$(pod_config bad "uid-bad-$$")
	cri RunPodSandbox "$(jq -nc --argjson c "$cfg" '{config: $c, runtime_handler: "no-such-handler"}')"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *no-such-handler* ]]
	run "$RT" --root "$CD/rt/k8s.io" list -q
	[ -z "$output" ]
}
