// SPDX-License-Identifier: Apache-2.0
//
// Bearer token files: <home>/token of the manager, worker.token of a worker
// ([worker.rpc_server] token_file), [metrics] token_file.
#pragma once

#include <string>

#include "damocles/sdk/result.hpp"

namespace dmc::service::rpc {

// Reads a token file, or creates one (32 random bytes as hex, mode 0600,
// written under a unique temporary name and linked into place, so that two
// daemons starting at once end up with the same token).
Result<std::string> load_or_create_token(const std::string &path);

// Reads an existing token file (trailing whitespace dropped); the error
// names the file and says what to do.
Result<std::string> read_token_file(const std::string &path);

} // namespace dmc::service::rpc
