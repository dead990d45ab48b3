// SPDX-License-Identifier: Apache-2.0
#include "service/manager/manager_service.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <sys/statvfs.h>

#include <spdlog/spdlog.h>

#include "damocles/core/internal/sector_json.hpp"
#include "damocles/core/internal/store_layout.hpp"
#include "damocles/sdk/proof.hpp"

namespace dmc::service {

using namespace dmc::core;

namespace {

int64_t now_seconds()
{
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

const char *kRestorePrefix = "restore sector state: ";
const char *kCallbackPrefix = "restore sector state: callback failed before restore: ";

bool allowed_by_policy(const PersistStoreRecord &s, uint64_t miner)
{
    if (std::find(s.deny_miners.begin(), s.deny_miners.end(), miner) != s.deny_miners.end()) return false;
    return s.allow_miners.empty() ||
           std::find(s.allow_miners.begin(), s.allow_miners.end(), miner) != s.allow_miners.end();
}

} // namespace

ManagerService::ManagerService(ManagerConfig config, std::unique_ptr<RegistryStore> registry)
    : config_(std::move(config)), registry_(std::move(registry)), rng_(std::random_device{}())
{
}

bool ManagerService::miner_configured(uint64_t miner) const
{
    return std::find(config_.miners.begin(), config_.miners.end(), miner) != config_.miners.end();
}

Result<SectorRecord> ManagerService::require_sector(const SectorKey &key)
{
    std::optional<SectorRecord> s;
    DMC_TRY_ASSIGN(s, registry_->get_sector(key));
    if (!s) return make_error(Errc::not_found, "sector state not found: " + sector_id_string(key));
    return std::move(*s);
}

Status ManagerService::set_for_rebuild(const QueueRebuildRequest &req)
{
    const SectorKey &key = req.key;
    if (!miner_configured(key.miner))
        return make_error(Errc::invalid_argument, "miner config unavailable: config for miner actor " +
                                                      std::to_string(key.miner) + " not found");
    std::optional<SectorRecord> s;
    DMC_TRY_ASSIGN(s, registry_->get_sector(key));
    // The registry is our view of the chain: a sector never imported, or
    // removed, is not in the miner's sector set.
    if (!s || s->removed) return make_error(Errc::not_found, "no available sector info");
    if (s->online)
        return make_error(Errc::conflict, std::string(kRestorePrefix) +
                                              "load from offline store: load state from offline: key not found");
    bool deal_without_source = std::any_of(s->pieces.begin(), s->pieces.end(), [](const PieceRecord &p) {
        return p.deal_id.has_value() && !p.source.has_value();
    });
    if (deal_without_source && !req.pieces_available)
        return make_error(Errc::invalid_argument, std::string(kCallbackPrefix) + "sector with unavailable deal pieces");
    if (!s->ticket) return make_error(Errc::invalid_argument, std::string(kCallbackPrefix) + "invalid ticket info");
    if (s->upgraded && (!s->snap || !s->snap->comm_r_new || !s->snap->comm_d_new))
        return make_error(Errc::invalid_argument, std::string(kCallbackPrefix) + "unavailable upgrade public info");
    if (req.cache_only) DMC_TRY_VOID(check_cache_repair(*s));
    bool marked;
    DMC_TRY_ASSIGN(marked, registry_->mark_for_rebuild(
                               key, RebuildMark{req.priority, req.pieces_available, req.unsealed}, now_seconds()));
    if (!marked)
        return make_error(Errc::conflict, std::string(kRestorePrefix) +
                                              "load from offline store: load state from offline: key not found");
    spdlog::info("sector {} queued for rebuild (priority {})", sector_id_string(key), req.priority);
    return {};
}

Status ManagerService::check_cache_repair(const SectorRecord &s)
{
    const std::string id = sector_id_string(s.key);
    if (s.upgraded)
        return make_error(Errc::unsupported, "cache-only repair of an upgraded (snap) sector is not supported: "
                                             "use `sectors rebuild`");
    if (!s.comm_c || !s.comm_r_last)
        return make_error(Errc::invalid_argument, "no comm_c/comm_r_last registered for " + id +
                                                      ": a cache-only repair cannot be checked; use `sectors rebuild` "
                                                      "(a full rebuild)");
    if (s.store.empty())
        return make_error(Errc::invalid_argument, "no persist store recorded for " + id + ": use `sectors rebuild`");
    std::vector<PersistStoreRecord> stores;
    DMC_TRY_ASSIGN(stores, registry_->list_stores());
    for (const auto &st : stores) {
        if (st.name != s.store) continue;
        const SealProof *proof;
        DMC_TRY_ASSIGN(proof, find_seal_proof(s.proof_id));
        std::error_code ec;
        auto size = std::filesystem::file_size(std::filesystem::path(st.path) / "sealed" / id, ec);
        if (ec || size != proof->sector_size)
            return make_error(Errc::not_found, "the sealed file of " + id + " is not in store " + s.store + " (" +
                                                   st.path + "/sealed/" + id + "): use `sectors rebuild`");
        return {};
    }
    return make_error(Errc::not_found, "persist store " + s.store + " of " + id + " is not known to the manager");
}

Result<std::optional<RebuildLease>> ManagerService::allocate(const AllocationRequest &req)
{
    // Candidates: configured miners, narrowed by the worker's allow list.
    AllocationFilter f;
    for (uint64_t m : config_.miners)
        if (req.allowed_miners.empty() ||
            std::find(req.allowed_miners.begin(), req.allowed_miners.end(), m) != req.allowed_miners.end())
            f.allowed_miners.push_back(m);
    if (f.allowed_miners.empty()) return std::optional<RebuildLease>{};
    f.allowed_proofs = req.allowed_proofs;
    f.worker = req.worker;
    f.location = req.location;
    f.lease_seconds = config_.lease_seconds;
    f.unsealed_only = req.unseal_only;
    std::optional<Allocation> a;
    DMC_TRY_ASSIGN(a, registry_->allocate(f, now_seconds()));
    if (!a) return std::optional<RebuildLease>{};
    RebuildLease t;
    t.sector = std::move(a->sector);
    t.lease_id = a->entry.lease_id;
    t.lease_seconds = config_.lease_seconds;
    t.pieces_available = a->entry.pieces_available;
    t.priority = a->entry.priority;
    t.unsealed = a->entry.unsealed;
    spdlog::info("sector {} allocated to {} ({}), lease {}", sector_id_string(t.sector.key), req.worker, req.location,
                 t.lease_id);
    return std::optional<RebuildLease>(std::move(t));
}

Result<ReportOutcome> ManagerService::report_state(const SectorKey &key, uint64_t lease_id, const LatestState &state)
{
    LatestState st = state;
    st.updated_at = now_seconds();
    return registry_->report_state(key, lease_id, st, now_seconds() + config_.lease_seconds);
}

Status ManagerService::report_finalized(const SectorKey &key, uint64_t lease_id)
{
    SectorRecord s;
    DMC_TRY_ASSIGN(s, require_sector(key));
    DMC_TRY_VOID(registry_->finalize(key, lease_id, s.store));
    spdlog::info("sector finalized miner={} num={} store={}", key.miner, key.number, s.store);
    return {};
}

Status ManagerService::report_aborted(const SectorKey &key, uint64_t lease_id, const std::string &reason)
{
    DMC_TRY_VOID(registry_->abort(key, lease_id, reason));
    // Unlike damocles (R2) nothing is released and no snap info is wiped: the
    // sector can be queued again with the same registered data.
    spdlog::warn("sector {} rebuild aborted: {}", sector_id_string(key), reason);
    return {};
}

Result<std::vector<StoreStatus>> ManagerService::store_status()
{
    std::vector<PersistStoreRecord> stores;
    DMC_TRY_ASSIGN(stores, registry_->list_stores());
    std::vector<Reservation> reservations;
    DMC_TRY_ASSIGN(reservations, registry_->list_reservations());
    std::vector<StoreStatus> out;
    for (auto &s : stores) {
        StoreStatus st;
        st.store = s;
        struct statvfs vfs;
        if (::statvfs(s.path.c_str(), &vfs) == 0) {
            st.reachable = true;
            st.total = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize;
            st.free = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
        }
        for (const auto &r : reservations)
            if (r.store == s.name) {
                st.reserved += r.size;
                st.reservations.push_back(r);
            }
        out.push_back(std::move(st));
    }
    return out;
}

Result<std::optional<StoreChoice>> ManagerService::reserve_space(const SectorKey &key, uint64_t size,
                                                                 const std::vector<std::string> &candidates)
{
    std::lock_guard lock(reserve_mutex_);
    std::vector<StoreStatus> stores;
    DMC_TRY_ASSIGN(stores, store_status());
    std::vector<const StoreStatus *> eligible;
    for (const auto &st : stores) {
        if (!allowed_by_policy(st.store, key.miner)) continue;
        if (std::find(candidates.begin(), candidates.end(), st.store.name) == candidates.end()) continue;
        // Idempotent re-persist: the same sector already holds a reservation.
        for (const auto &r : st.reservations)
            if (r.key == key && r.size == size)
                return std::optional<StoreChoice>(StoreChoice{st.store.name, st.store.path});
        if (st.store.read_only || !st.reachable || st.free < st.reserved + size) continue;
        eligible.push_back(&st);
    }
    if (eligible.empty()) {
        spdlog::info("no available store for {} ({} bytes)", sector_id_string(key), size);
        return std::optional<StoreChoice>{};
    }
    // Prefer the store that held the sector before (no stale copy elsewhere,
    // unlike damocles R12), else a weighted random pick.
    std::optional<SectorRecord> sector;
    DMC_TRY_ASSIGN(sector, registry_->get_sector(key));
    const StoreStatus *pick = nullptr;
    if (sector && !sector->store.empty())
        for (const auto *e : eligible)
            if (e->store.name == sector->store) pick = e;
    if (!pick) {
        uint64_t total = 0;
        for (const auto *e : eligible) total += e->store.weight;
        uint64_t r = std::uniform_int_distribution<uint64_t>(0, total - 1)(rng_);
        for (const auto *e : eligible) {
            if (r < e->store.weight) {
                pick = e;
                break;
            }
            r -= e->store.weight;
        }
    }
    DMC_TRY_VOID(registry_->put_reservation({pick->store.name, key, size, now_seconds()}));
    spdlog::info("store selected for {}: {}", sector_id_string(key), pick->store.name);
    return std::optional<StoreChoice>(StoreChoice{pick->store.name, pick->store.path});
}

Status ManagerService::submit_persisted(const SectorKey &key, uint64_t lease_id, const std::string &instance,
                                        const PersistedSet &written)
{
    SectorRecord s;
    DMC_TRY_ASSIGN(s, require_sector(key));
    std::optional<QueueEntry> entry;
    DMC_TRY_ASSIGN(entry, registry_->queue_entry(key));
    if (!entry || entry->lease_id != lease_id)
        return make_error(Errc::conflict, "sector " + sector_id_string(key) + " is not leased to this task");
    std::vector<PersistStoreRecord> stores;
    DMC_TRY_ASSIGN(stores, registry_->list_stores());
    auto it = std::find_if(stores.begin(), stores.end(), [&](const auto &st) { return st.name == instance; });
    if (it == stores.end())
        return make_error(Errc::not_found, "persist store " + instance + " is not known to the manager");
    const SealProof *proof;
    DMC_TRY_ASSIGN(proof, find_seal_proof(s.proof_id));
    DMC_TRY_VOID(check_persisted_files(it->path, *proof, key, written));
    return registry_->set_location(key, instance);
}

Status ManagerService::attach_store(const PersistStoreRecord &store)
{
    if (store.name.empty() || store.path.empty())
        return make_error(Errc::invalid_argument, "a persist store needs a name and a path");
    std::error_code ec;
    if (!std::filesystem::is_directory(store.path, ec))
        return make_error(Errc::invalid_argument, "persist store path " + store.path + " is not a directory");
    return registry_->upsert_store(store);
}

} // namespace dmc::service
