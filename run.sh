#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Fresh Debian 12 machine -> installs what is missing, builds, runs the main
# job: the rebuild demo (scripts/demo.sh): seal 8MiB sectors, lose their
# files, rebuild them through damocles-manager + damocles-worker, verify.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install-deps.sh
./scripts/build.sh
echo "== plugins on this machine"
./build/tools/damocles-run/damocles-run plugins list
exec ./scripts/demo.sh build
