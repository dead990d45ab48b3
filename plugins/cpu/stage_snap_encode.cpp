// SPDX-License-Identifier: Apache-2.0
//
// snap_encode stage of the cpu plugin (docs/algorithms.md §13.3):
// new_replica[v] = sector_key[v] + data[v] * rho(v >> shift) in Fr, with
// phi = Poseidon2^(2^40)(comm_d_new, comm_r_old) and the default h of the
// sector size, then the tree_r_last level caches over the new replica in the
// new cache dir. Everything is written to temporaries and published last.
#include <algorithm>
#include <string>
#include <vector>

#include "cpu_stages.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/snap.hpp"
#include "damocles/sdk/stage_support.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "tree_r_build.hpp"

namespace dmc::cpu {

namespace {

constexpr uint64_t kChunkNodes = 1u << 16;

Status encode(const dmc_call *call, dmc_snap_encode_args *args)
{
    if (args->struct_size < sizeof(dmc_snap_encode_args))
        return make_error(Errc::invalid_argument, "args struct too short");
    if (!args->sector_key_path || !args->staged_path || !args->new_replica_path || !args->new_cache_dir)
        return make_error(Errc::invalid_argument,
                          "sector_key_path, staged_path, new_replica_path and new_cache_dir are required");
    const SealProof *proof;
    DMC_TRY_ASSIGN(proof, find_seal_proof(args->registered_proof));
    SectorTreeLayout layout;
    DMC_TRY_ASSIGN(layout, sector_tree_layout(proof->sector_size, args->rows_to_discard));
    const uint64_t nodes = layout.nodes;
    SnapParams params;
    DMC_TRY_ASSIGN(params, snap_params(nodes));
    Fr comm_d_new, comm_r_old;
    DMC_TRY_ASSIGN(comm_d_new, Fr::from_bytes(std::span<const uint8_t>(args->comm_d_new, 32)));
    DMC_TRY_ASSIGN(comm_r_old, Fr::from_bytes(std::span<const uint8_t>(args->comm_r_old, 32)));
    SnapEncoding encoding;
    DMC_TRY_ASSIGN(encoding, snap_encoding(params, snap_phi(comm_d_new, comm_r_old), params.h_default));

    MappedFile key, data;
    DMC_TRY_ASSIGN(key, MappedFile::open_read(args->sector_key_path));
    if (key.size() != proof->sector_size)
        return make_error(Errc::corrupt, std::string(args->sector_key_path) + " has " + std::to_string(key.size()) +
                                             " bytes, expected " + std::to_string(proof->sector_size));
    DMC_TRY_ASSIGN(data, MappedFile::open_read(args->staged_path));
    if (data.size() > proof->sector_size)
        return make_error(Errc::invalid_argument, std::string(args->staged_path) + " is larger than the sector");

    const uint64_t tree_hashes = layout.base_tree.total_nodes() - layout.base_tree.leaves;
    plugin::ProgressRelay progress(call, nodes + layout.base_tree_count * tree_hashes);
    AtomicFileWriter replica_file;
    DMC_TRY_ASSIGN(replica_file, AtomicFileWriter::create(args->new_replica_path));
    MappedFile replica;
    DMC_TRY_ASSIGN(replica, MappedFile::open_rw(replica_file.temp_path(), proof->sector_size));
    std::vector<uint8_t> chunk;
    for (uint64_t start = 0; start < nodes; start += kChunkNodes) {
        const uint64_t count = std::min(kChunkNodes, nodes - start);
        const uint8_t *d = data.data() + start * 32;
        if (data.size() < (start + count) * 32) { // zero-extended tail of a short staged file
            chunk.assign(count * 32, 0);
            if (data.size() > start * 32) std::copy(data.data() + start * 32, data.data() + data.size(), chunk.begin());
            d = chunk.data();
        }
        DMC_TRY_VOID(
            snap_encode_nodes(encoding, start, count, key.data() + start * 32, d, replica.mutable_data() + start * 32));
        progress.report(0, start + count);
        if (progress.cancelled()) return make_error(Errc::cancelled, "cancelled");
    }
    TreeRBuild trees;
    DMC_TRY_ASSIGN(trees, build_tree_r_last_files(*proof, layout, replica.data(), args->new_cache_dir, call->threads,
                                                  progress, nodes));
    DMC_TRY_VOID(replica.sync());
    replica = MappedFile();
    DMC_TRY_VOID(replica_file.commit());
    for (auto &f : trees.files) DMC_TRY_VOID(f.commit());
    trees.root.to_bytes(args->comm_r_last_new);
    return {};
}

dmc_status run(const dmc_call *call, dmc_snap_encode_args *args)
{
    return plugin::run_stage(call, "snap_encode", [&] { return encode(call, args); });
}

} // namespace

const dmc_snap_encode_ops kCpuSnapEncodeOps = {sizeof(dmc_snap_encode_ops), 0, run};

} // namespace dmc::cpu
