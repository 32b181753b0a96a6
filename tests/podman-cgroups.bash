# tests/podman-cgroups.bash: podman with the cgroupfs manager leaves cgroups
# behind: /libpod_parent/{conmon,libpod-ID} in every hierarchy, and on a
# hybrid host plain directories (with tasks files) under /sys/fs/cgroup for
# controllers that are not mounted.  Sourced by the podman tests and benches.

# podman_cgroups_note DIR: what is there before podman runs, noted in DIR
podman_cgroups_note() {
	if ls -d /sys/fs/cgroup/*/libpod_parent >/dev/null 2>&1; then
		echo 1 >"$1/had-libpod-parent"
	fi
	ls -A /sys/fs/cgroup >"$1/cgroup-entries"
}

# podman_cgroups_clean DIR: remove what podman added since the note
podman_cgroups_clean() {
	local d e
	if [ ! -e "$1/had-libpod-parent" ]; then
		for d in /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/libpod_parent; do
			[ -d "$d" ] || continue
			find "$d" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
			rmdir "$d" 2>/dev/null || true
		done
	fi
	if [ -f "$1/cgroup-entries" ]; then
		for e in /sys/fs/cgroup/*; do
			grep -qxF "${e##*/}" "$1/cgroup-entries" && continue
			mountpoint -q "$e" || rm -rf "$e"
		done
	fi
}
