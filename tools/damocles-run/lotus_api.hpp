// SPDX-License-Identifier: Apache-2.0
//
// `--lotus <TOKEN:MULTIADDR | URL>` with `--lotus-token T` (and lotus-miner's
// `--from-lotus-miner` with `--token T`) on the command line: the forms of
// FULLNODE_API_INFO / MINER_API_INFO, or a URL with the token apart. Bad
// forms end the command with one line and exit 2; a token is required, since
// every node call is authenticated.
#pragma once

#include <string>

#include "service/chain/full_node_client.hpp"
#include "service/chain/miner_client.hpp"

namespace dmc::cli {

service::chain::FullNodeClient full_node_or_fail(const std::string &api, const std::string &token);
service::chain::MinerClient miner_node_or_fail(const std::string &api, const std::string &token);

// The network letter of addresses sent to a node: 't' when the operator
// wrote the miner as t0…, else 'f' (Lotus accepts either).
char network_of(const std::string &miner_text);

} // namespace dmc::cli
