#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Configures (once) and builds the release tree in build/. CUDA's nvcc is
# used for the gpu plugin when it is installed in /usr/local/cuda.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -d /usr/local/cuda/bin ] && ! command -v nvcc >/dev/null 2>&1; then
  export PATH="/usr/local/cuda/bin:$PATH"
fi
if [ ! -f build/build.ninja ]; then
  meson setup build --wrap-mode=nofallback --buildtype=release
fi
ninja -C build -j"$(nproc)"
