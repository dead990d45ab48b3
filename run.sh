#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Fresh Debian 12 machine -> installs what is missing, builds, runs the main
# job. The rebuild service does not exist yet, so the main job is the plugin
# list (which plugins are usable on this machine and why others are skipped).
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install-deps.sh
./scripts/build.sh
echo "== main job: damocles-run plugins list (the rebuild demo arrives with the rebuild service)"
./build/tools/damocles-run/damocles-run plugins list
