#!/bin/bash
# Install the Debian packages the build and tests need, when they are missing:
# apt-get update once, then one apt-get install.  Extra package lists (paths
# from the repository root, e.g. bench/packages.txt) may be given as arguments.
set -euo pipefail
cd "$(dirname "$0")"
extra=()
for f in "$@"; do extra+=("../$f"); done
mapfile -t want < <(cat packages.txt ./*/packages.txt "${extra[@]}" 2>/dev/null | sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
