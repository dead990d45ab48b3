// SPDX-License-Identifier: Apache-2.0
//
// unseal_decode (the unseal plan, docs/architecture.md §4.2): the sealed
// file survived and only its unsealed copy is wanted, as curio's unseal
// does. PC1 regenerated the key (label_L of the sector, from the registered
// CommD); the data is replica - key (docs/algorithms.md §10.6). A snap
// sector's surviving file is the updated replica: its key is the sector
// key, i.e. label_L of the CC sector (CC data is zero), and the new data is
// (updated - sector key) * rho^-1 (docs/algorithms.md §13.3), phi from the
// registered comm_d_new and the sector key's CommR. The decoded data is
// written as the staged file; tree_d then checks it against the registered
// CommD (comm_d_new) before anything is persisted.
//
// Field arithmetic only, through the sdk's primitives, streamed in chunks.
#include <algorithm>

#include "damocles/sdk/file.hpp"
#include "damocles/sdk/replica_encoding.hpp"
#include "damocles/sdk/snap.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "engine/seal_runner.hpp"

namespace dmc::core::engine {

namespace {

constexpr uint64_t kChunkNodes = 1u << 20; // 32 MiB of each file at a time

// The snap encoding the update was made with: default h, phi from the
// registered values.
Result<SnapEncoding> update_encoding(const SectorJob &job)
{
    if (!job.snap->expected_comm_d_new || !job.expected_comm_r)
        return make_error(Errc::invalid_argument, "unavailable upgrade public info");
    SnapParams params;
    DMC_TRY_ASSIGN(params, snap_params(job.proof->nodes()));
    Fr comm_d_new, comm_r_old;
    DMC_TRY_ASSIGN(comm_d_new, Fr::from_bytes(*job.snap->expected_comm_d_new));
    DMC_TRY_ASSIGN(comm_r_old, Fr::from_bytes(*job.expected_comm_r));
    return snap_encoding(params, snap_phi(comm_d_new, comm_r_old), params.h_default);
}

} // namespace

Status step_unseal_decode(SectorJob &job, VertexContext &ctx)
{
    const uint64_t nodes = job.proof->nodes();
    SectorTreeLayout layout;
    DMC_TRY_ASSIGN(layout, sector_tree_layout(job.proof->sector_size));
    MappedFile replica, key;
    DMC_TRY_ASSIGN(replica, MappedFile::open_read(job.surviving_replica));
    if (replica.size() != job.proof->sector_size)
        return make_error(Errc::corrupt, job.surviving_replica + " has " + std::to_string(replica.size()) +
                                             " bytes, not the sector size " + std::to_string(job.proof->sector_size));
    DMC_TRY_ASSIGN(key, MappedFile::open_read(job.cache_dir() + "/" + layout.label_files.back()));
    if (key.size() != job.proof->sector_size)
        return make_error(Errc::internal, "the last layer has the wrong size; PC1 must run again");
    replica.advise_sequential();
    key.advise_sequential();
    std::optional<SnapEncoding> encoding;
    if (job.snap) {
        SnapEncoding e;
        DMC_TRY_ASSIGN(e, update_encoding(job));
        encoding = std::move(e);
    }
    AtomicFileWriter out;
    DMC_TRY_ASSIGN(out, AtomicFileWriter::create(job.staged_path()));
    std::vector<uint8_t> data(static_cast<size_t>(std::min(nodes, kChunkNodes) * 32));
    for (uint64_t first = 0; first < nodes; first += kChunkNodes) {
        const uint64_t count = std::min(kChunkNodes, nodes - first);
        const uint8_t *r = replica.data() + first * 32, *k = key.data() + first * 32;
        Status st = encoding ? snap_decode_nodes(*encoding, first, count, r, k, data.data())
                             : decode_replica(r, k, data.data(), count);
        // A node that is not a field element: the surviving file is damaged.
        if (!st)
            return make_error(Errc::corrupt, "decoding " + job.surviving_replica + ": " + st.error().message +
                                                 " (the surviving file is damaged)");
        DMC_TRY_VOID(out.write(std::span<const uint8_t>(data.data(), static_cast<size_t>(count * 32))));
        ctx.report_progress(static_cast<double>(first + count) / static_cast<double>(nodes));
        if (ctx.cancelled()) return make_error(Errc::cancelled, "cancelled");
    }
    return out.commit();
}

} // namespace dmc::core::engine
