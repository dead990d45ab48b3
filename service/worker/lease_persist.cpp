// SPDX-License-Identifier: Apache-2.0
#include "service/worker/lease_persist.hpp"

#include <algorithm>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "damocles/core/internal/persist.hpp"
#include "damocles/sdk/proof.hpp"
#include "service/metrics/series.hpp"
#include "service/worker/sealing_thread_impl.hpp"

namespace dmc::service {

using namespace dmc::core;

namespace fs = std::filesystem;
using rpc::json;

std::string surviving_replica(const WorkerConfig &config, const RebuildLease &lease, const char *dir)
{
    const std::string sid = sector_id_string(lease.sector.key);
    for (const auto &s : config.attached) {
        if (s.name != lease.sector.store) continue;
        const std::string path = s.location + "/" + dir + "/" + sid;
        auto proof = find_seal_proof(lease.sector.proof_id);
        std::error_code ec;
        if (proof && fs::file_size(path, ec) == proof.value()->sector_size && !ec) return path;
    }
    return {};
}

Status persist_leased_sector(SealingThreadImpl &t, const RebuildLease &lease, SectorJob &job)
{
    const auto &cfg = t.ctx->config;
    const SectorKey &key = lease.sector.key;
    const std::string sid = sector_id_string(key);
    const PersistOptions opts = persist_options_for(job);
    // A cache-only repair writes the cache next to the sealed file, an
    // unseal the unsealed copy next to it.
    const bool in_place = opts.cache_only || opts.unsealed_only;
    std::vector<std::string> candidates;
    for (const auto &s : cfg.attached)
        if (!s.readonly && (!in_place || s.name == lease.sector.store)) candidates.push_back(s.name);
    if (candidates.empty()) return make_error(Errc::invalid_argument, "no available local persist store candidate");
    const uint64_t size = job.proof->sector_size;
    uint64_t required = opts.cache_only ? (64u << 20) : size >= (32ull << 30) ? size + size / 50 : 2 * size;
    if (opts.unsealed_only)
        required = size + (64u << 20);
    else if (opts.unsealed)
        required += size;
    rpc::Client &manager = *t.ctx->manager;
    json chosen;
    for (;;) {
        auto r = manager.call("Venus.StoreReserveSpace", json::array({key.miner, key.number, required, candidates}));
        if (!r) return make_error(Errc::io, "store_reserve_space: " + r.error().message);
        if (!r->is_null()) {
            chosen = *r;
            break;
        }
        spdlog::info("{}: no persist store selected, wait for next polling", sid);
        std::chrono::seconds wait;
        {
            std::lock_guard lock(t.mu);
            wait = t.sealing.rpc_polling_interval;
        }
        t.idle_wait(wait);
        if (t.stopping() || t.cancel.load()) return make_error(Errc::cancelled, "stopped while waiting for a store");
    }
    const std::string name = chosen.value("Name", "");
    auto it = std::find_if(cfg.attached.begin(), cfg.attached.end(), [&](const auto &s) { return s.name == name; });
    if (it == cfg.attached.end())
        return make_error(Errc::internal, "the manager chose store " + name + ", not attached here");
    spdlog::info("{}: persist store acquired: {} ({})", sid, name, it->location);
    DMC_TRY_VOID(persist_sector_files(job, it->location, opts));
    metrics::add_persisted_bytes(metrics::persisted_bytes(it->location, sid, opts));
    json written = {{"Unsealed", opts.unsealed}, {"UnsealedOnly", opts.unsealed_only}, {"CacheOnly", opts.cache_only}};
    auto r = manager.call("Venus.SubmitPersistedEx",
                          json::array({key.miner, key.number, lease.lease_id, name, opts.upgrade, written}));
    if (!r)
        return make_error(r.error().code == Errc::conflict ? Errc::conflict : Errc::io,
                          "submit_persisted_ex: " + r.error().message);
    if (!r->value("ok", false))
        return make_error(Errc::corrupt, "sector files are persisted but unavailable for sealer: " +
                                             r->value("reason", std::string()));
    return {};
}

} // namespace dmc::service
