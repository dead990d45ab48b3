// SPDX-License-Identifier: Apache-2.0
//
// damocles-manager configuration: <home>/config.toml. Keys follow damocles'
// sector-manager.cfg where one exists ([[Miners]] Actor,
// [[Common.PersistStores]], [Common] PieceStores) plus [registry] url,
// [rebuild] lease_seconds, [rpc] tls_cert/tls_key and [metrics] token_file.
// Relative file names are relative to the home.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "damocles/sdk/result.hpp"
#include "service/registry/registry_types.hpp"
#include "service/rpc/http_transport.hpp"

namespace dmc::service {

struct ManagerConfig {
    std::string home;
    std::vector<uint64_t> miners;                   // [[Miners]] Actor
    std::vector<PersistStoreRecord> persist_stores; // [[Common.PersistStores]]
    std::vector<std::string> piece_stores;          // [Common] PieceStores: dirs served at /piecestore/<cid>
    std::string registry_url;                       // [registry] url; default <home>/registry.db
    int64_t lease_seconds = 600;                    // [rebuild] lease_seconds
    rpc::ServerTls rpc_tls;                         // [rpc] tls_cert, tls_key: https for RPC, piece store, /metrics
    std::string metrics_token_file;                 // [metrics] token_file: /metrics requires its bearer token
    std::string worker_admin_token_file;            // [worker_admin] token_file: what the manager presents to workers
    std::string worker_admin_ca_file;               // [worker_admin] ca_file: the CA of https worker admin APIs
};

// Parses <home>/config.toml; a missing file gives the defaults (no miners).
// Parse errors name the file, line and key.
Result<ManagerConfig> load_manager_config(const std::string &home);
// Parses TOML text (tests and fuzzing).
Result<ManagerConfig> parse_manager_config(const std::string &text, const std::string &home,
                                           const std::string &source_name);

} // namespace dmc::service
