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
  clang libclang-rt-14-dev clang-format-14
)

# Wanted but not required: the web console's browser test drives chromium
# headless and is skipped (with a SKIPPED: warning) where it is missing.
OPTIONAL_PACKAGES=(chromium)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for p in "${PACKAGES[@]}"; do
  installed "$p" || missing+=("$p")
done
optional_missing=()
for p in "${OPTIONAL_PACKAGES[@]}"; do
  installed "$p" || optional_missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ] && [ ${#optional_missing[@]} -eq 0 ]; then
  echo "install-deps: all $(( ${#PACKAGES[@]} + ${#OPTIONAL_PACKAGES[@]} )) packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; elif [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: optional ${optional_missing[*]} missing and not root: the browser test will be skipped" >&2
    exit 0
  else
    echo "install-deps: missing packages (${missing[*]}) and not root: run as root or install them" >&2
    exit 2
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ${#optional_missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${optional_missing[*]} (optional)"
  if ! $SUDO apt-get install -y -qq --no-install-recommends "${optional_missing[@]}" >/dev/null; then
    echo "install-deps: WARNING: could not install ${optional_missing[*]}: the browser test will be skipped" >&2
  fi
fi
echo "install-deps: done"
