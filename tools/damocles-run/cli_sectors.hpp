// SPDX-License-Identifier: Apache-2.0
//
// The `util sealer sectors` subcommands that live in their own files:
// import (from a file, lotus-miner, curio, damocles or the chain), the
// store check and a queued rebuild's priority. `home` is the manager home
// and `ca_file` the CA of an https manager (--ca-file), both read when the
// command runs.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace dmc::cli {

void register_sectors_import_command(CLI::App &sectors, const std::string &home, const std::string &ca_file);
void register_sectors_check_command(CLI::App &sectors, const std::string &home, const std::string &ca_file);
void register_sectors_priority_command(CLI::App &sectors, const std::string &home, const std::string &ca_file);

} // namespace dmc::cli
