#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Installs the Debian 12 packages damocles-run needs to build, test and run
# its demo, when any is missing. Uses apt-get (as root, or through sudo).
set -euo pipefail

PACKAGES=(
  g++ meson ninja-build pkg-config python3
  libboost-dev libboost-graph-dev libboost-filesystem-dev
  libtbb-dev libhwloc-dev hwloc libcereal-dev
  libssl-dev openssl libb2-dev
  libtomlplusplus-dev libcli11-dev nlohmann-json3-dev libspdlog-dev
  libsqlite3-dev libcpp-httplib-dev libpq-dev
  catch2 libgmp-dev
  postgresql iproute2 procps curl
  clang libclang-rt-14-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: missing packages (${missing[*]}) and not root: run as root or install them" >&2
    exit 2
  fi
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
