// SPDX-License-Identifier: Apache-2.0
//
// Registered seal proofs (docs/algorithms.md §1.1, §1.3): ids and names as in go-state-types
// and rust-filecoin-proofs-api, with every per-size parameter the pipeline
// needs (nodes, layers, tree shape, challenge counts, porep id).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc {

enum class ProofFeature { none, synthetic_porep, non_interactive_porep };

// Shape of the Poseidon trees (docs/algorithms.md §10.2).
struct TreeShape {
    uint32_t base_arity = 8;
    uint32_t sub_arity = 0; // 0 = none
    uint32_t top_arity = 0; // 0 = none
    uint32_t base_tree_count() const
    {
        if (sub_arity == 0 && top_arity == 0) return 1;
        return top_arity == 0 ? sub_arity : sub_arity * top_arity;
    }
};

struct SealProof {
    uint64_t id;                              // RegisteredSealProof
    const char *name;                         // "StackedDrg2KiBV1_1"
    const char *size_name;                    // "2KiB"
    uint64_t sector_size;                     // bytes
    uint32_t api_major, api_minor, api_patch; // 1.0.0 / 1.1.0 / 1.2.0
    ProofFeature feature;
    uint32_t layers;
    TreeShape shape;
    uint32_t partitions; // interactive / synthetic PoRep
    uint32_t challenges_per_partition;
    uint32_t ni_partitions; // non-interactive PoRep
    uint32_t ni_challenges_per_partition;

    uint64_t nodes() const { return sector_size / 32; }
    // api >= 1.1.0 changes the graph (docs/algorithms.md §6.2/§6.3).
    bool api_v1_1_or_later() const { return api_major > 1 || api_minor >= 1; }
    // u64_le(id) || u64_le(nonce = 0) || 16 zero bytes (docs/algorithms.md §1.1).
    Bytes32 porep_id() const;
    // Unpadded capacity: sector_size * 127 / 128.
    uint64_t unpadded_sector_size() const { return sector_size / 128 * 127; }
    std::string api_version_string() const;
};

// All 20 registered seal proofs, ordered by id.
const std::vector<SealProof> &all_seal_proofs();

// By numeric id or upstream name (case-sensitive, as upstream; the Go
// spelling "..._NiPoRep" is accepted too). Unknown -> error listing valid names.
Result<const SealProof *> find_seal_proof(std::string_view name_or_id);
Result<const SealProof *> find_seal_proof(uint64_t id);

// Sector sizes: "2KiB" / "8MiB" / "512MiB" / "32GiB" / "64GiB" or a byte count.
Result<uint64_t> parse_sector_size(std::string_view text);
// "2KiB" for 2048 etc.; plain number for other sizes.
std::string sector_size_name(uint64_t bytes);

} // namespace dmc
