// SPDX-License-Identifier: Apache-2.0
//
// damocles-worker configuration (docs/architecture.md §8.4, §8.5, §8.4;
// docs/architecture.md §8): the main file given to `daemon run --config`, and the
// per-thread hot file <location>/config.toml (plan + sealing.*) re-read
// before each task and whenever it changes.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "damocles/sdk/result.hpp"
#include "service/rpc/http_transport.hpp"

namespace toml {
inline namespace v3 {
class table;
}
} // namespace toml

namespace dmc::service {

// [sealing] and [[sealing_thread]].sealing.* (defaults as damocles).
struct SealingOptions {
    std::vector<uint64_t> allowed_miners;   // empty = any
    std::vector<std::string> allowed_sizes; // "32GiB", ...; empty = any
    uint32_t max_retries = 5;
    std::chrono::seconds seal_interval{30};
    std::chrono::seconds recover_interval{60};
    std::chrono::seconds rpc_polling_interval{180};
    uint32_t request_task_max_retries = 3;
    bool enable_deals = true;
    std::chrono::seconds piece_fetch_timeout{30 * 60}; // a whole piece download (each read has its own)
};

// A thread leases up to `batch` sectors of one proof type at a time and runs
// them through one engine run, their PC1 fused (docs/architecture.md §8.5).
inline constexpr uint32_t kMaxThreadBatch = 16;

struct SealingThreadConfig {
    std::string location;
    std::string plan = "sealer";
    uint32_t batch = 1;     // 1..kMaxThreadBatch
    SealingOptions sealing; // merged: defaults <- [sealing] <- thread's sealing.*
    // A companion thread at <location>/overlap takes turns with this one, so
    // one batch's trees run while the next batch's PC1 does (§8.5).
    bool overlap = false;
    // Where the hot config.toml is read; empty: `location`. A companion
    // reads its primary's.
    std::string config_dir;
    const std::string &hot_config_dir() const { return config_dir.empty() ? location : config_dir; }
};

// The companion of an `overlap = true` thread: same plan, batch and sealing
// options, its own location <location>/overlap, the primary's hot config.
SealingThreadConfig overlap_companion(const SealingThreadConfig &primary);

struct AttachedStore {
    std::string name;
    std::string location;
    bool readonly = false;
};

struct WorkerConfig {
    std::string name;                           // [worker] name (default: hostname)
    std::string rpc_listen = "127.0.0.1:17890"; // [worker.rpc_server] listen
    std::string rpc_token_file; // [worker.rpc_server] token_file (default worker.token next to the config)
    rpc::ServerTls rpc_tls;     // [worker.rpc_server] tls_cert, tls_key: https admin API
    std::vector<std::string> local_pieces_dirs; // [worker] local_pieces_dirs
    std::chrono::seconds ping_interval{30};
    std::string manager_url;                     // [sealer_rpc] url
    std::string manager_token;                   // [sealer_rpc] token
    std::string manager_ca_file;                 // [sealer_rpc] ca_file: the CA of an https manager
    SealingOptions sealing;                      // [sealing]
    std::vector<SealingThreadConfig> threads;    // [[sealing_thread]]
    std::map<std::string, uint32_t> concurrency; // [processors.limitation.concurrent]
    std::vector<AttachedStore> attached;         // [[attached]]
    std::map<std::string, std::string> plugins;  // [plugins] stage = "plugin"
    std::string parent_cache_dir;                // [processors] parent_cache_dir
    std::string metrics_listen;                  // [metrics] listen ("" = off)
    std::string metrics_token_file;              // [metrics] token_file: /metrics requires its bearer token
};

// File names in the config (token_file, tls_cert, ca_file, …) are relative
// to the config file's directory.
Result<WorkerConfig> load_worker_config(const std::string &path);
Result<WorkerConfig> parse_worker_config(const std::string &text, const std::string &source);

// A thread's hot config: plan, batch and sealing.* over the thread's own values.
struct HotConfig {
    std::optional<std::string> plan;
    std::optional<uint32_t> batch;
    SealingOptions sealing;
};
// Applies the TOML text of <location>/config.toml to `base`.
Result<HotConfig> parse_hot_config(const std::string &text, const std::string &source, const SealingOptions &base);

// "30s", "5min", "1h", "500ms", "2m" -> seconds (rounded up); error names the text.
Result<std::chrono::seconds> parse_duration(const std::string &text);
// Every registered seal proof id of the sizes ("2KiB", "32GiB", ...).
Result<std::vector<uint64_t>> proof_ids_for_sizes(const std::vector<std::string> &sizes);

} // namespace dmc::service
