// SPDX-License-Identifier: Apache-2.0
#include "damocles/core/internal/check_challenges.hpp"

#include "damocles/sdk/challenges.hpp"

namespace dmc::core {

std::vector<uint64_t> synthetic_check_indexes(const SealProof &proof, const Bytes32 &replica_id, const Bytes32 &seed)
{
    const uint64_t count = default_synthetic_challenge_count(proof.nodes());
    std::vector<uint64_t> out;
    for (uint32_t k = 0; k < proof.partitions; ++k) {
        auto part = synthetic_selected_indexes(replica_id, seed, count, k, proof.challenges_per_partition);
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

std::vector<uint64_t> check_sealed_challenges(const SealProof &proof, const Bytes32 &replica_id, const Bytes32 &seed,
                                              const Bytes32 &comm_r)
{
    std::vector<uint64_t> out;
    switch (proof.feature) {
    case ProofFeature::non_interactive_porep:
        for (uint32_t k = 0; k < proof.ni_partitions; ++k) {
            auto part = ni_challenges(replica_id, comm_r, proof.nodes(), k, proof.ni_challenges_per_partition);
            out.insert(out.end(), part.begin(), part.end());
        }
        return out;
    case ProofFeature::synthetic_porep: {
        const Bytes32 key = synthetic_generation_key(replica_id, comm_r);
        for (uint64_t i : synthetic_check_indexes(proof, replica_id, seed))
            out.push_back(synthetic_challenge(key, i, proof.nodes()));
        return out;
    }
    case ProofFeature::none: break;
    }
    for (uint32_t k = 0; k < proof.partitions; ++k) {
        auto part = interactive_challenges(replica_id, seed, proof.nodes(), k, proof.challenges_per_partition);
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

} // namespace dmc::core
