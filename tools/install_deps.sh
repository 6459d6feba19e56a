#!/usr/bin/env bash
# install_deps.sh -- installs what kentik_fdw needs to build, run and test on Debian 12.
#
# Used by tools/demo.sh, tests/run_all.sh and .ci/run so that each works on a fresh machine.
# Installs only what is missing; needs root (apt-get) when anything is.
set -euo pipefail

packages=(
	build-essential make gcc clang libclang-rt-14-dev
	postgresql-15 postgresql-server-dev-15 postgresql-contrib
	liblz4-dev libpcap-dev
	tshark python3
	iproute2 procps
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install_deps: missing packages: ${missing[*]}; run as root (or install them) and retry" >&2
	exit 1
fi

echo "install_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
