// SPDX-License-Identifier: Apache-2.0
//
// One sector to seal or rebuild, as the engine (engine.hpp) sees it:
// its identity and inputs (ticket, pieces already fetched to local files),
// the registered values it must reproduce (rebuild), where its intermediate
// files live, its crash-safe resume record, and two hooks the caller supplies
// for the end of the flow (persist the files somewhere, report the result).
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "damocles/core/dag_types.hpp"
#include "damocles/core/resume_record.hpp"
#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/proof.hpp"

namespace dmc::core {

struct JobPiece {
    uint64_t padded_size = 0;             // power of two
    std::optional<Bytes32> expected_comm; // the piece CID's commitment, checked after staging
    std::string cid;                      // for messages
    std::string path;                     // unpadded client data; "" = zeros (a filler piece)
    std::string source;                   // where it came from, for messages
    // `path` is an unsealed copy (fr32-padded sector data): the piece is the
    // padded_size bytes at padded_offset, unpadded when staged.
    bool from_unsealed_copy = false;
    uint64_t padded_offset = 0;
};

struct SnapJob {
    std::vector<JobPiece> pieces; // the new data
    std::optional<Bytes32> expected_comm_d_new;
    std::optional<Bytes32> expected_comm_r_new;
};

struct SectorJob;
using JobHook = std::function<Status(SectorJob &job)>;

struct SectorJob {
    SectorSpec spec;
    const SealProof *proof = nullptr;
    Bytes32 ticket{};
    std::vector<JobPiece> pieces; // empty = committed capacity
    // The registered truth (rebuild): the flow fails before persisting
    // anything if the rebuilt values differ.
    std::optional<Bytes32> expected_comm_d;
    std::optional<Bytes32> expected_comm_r;
    std::optional<Bytes32> expected_comm_c; // cache-only repair
    std::optional<Bytes32> expected_comm_r_last;
    std::optional<SnapJob> snap;
    // cache-only repair: the sealed file that survived; unseal: the sealed
    // file, or the updated replica of a snap sector, that is decoded.
    std::string surviving_replica;
    // Also persist the unsealed copy unsealed/<id> (docs/file-formats.md §1.1).
    bool write_unsealed = false;

    std::string work_dir;    // intermediates: unsealed, cache/, sealed, ...
    std::string record_path; // <work_dir>/<sector id>.task
    ResumeRecord record;
    std::mutex record_mutex; // vertices of one sector may run in parallel

    JobHook persist; // required for the persist vertex
    JobHook report;  // optional

    std::string sector_id() const { return spec.sector_id(); }
    std::string staged_path() const { return work_dir + "/unsealed"; }
    std::string cache_dir() const { return work_dir + "/cache"; }
    std::string replica_path() const { return work_dir + "/sealed"; }
    std::string snap_staged_path() const { return work_dir + "/unsealed-new"; }
    std::string update_path() const { return work_dir + "/update"; }
    std::string update_cache_dir() const { return work_dir + "/update-cache"; }
    // The data whose unsealed copy is persisted: the new data of a snap
    // sector, the staged (or, for the unseal plan, decoded) data otherwise.
    std::string unsealed_data_path() const { return spec.plan == Plan::snap ? snap_staged_path() : staged_path(); }
};

} // namespace dmc::core
