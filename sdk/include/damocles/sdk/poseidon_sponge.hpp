// SPDX-License-Identifier: Apache-2.0
//
// Poseidon constructions beyond one fixed-arity hash (docs/algorithms.md
// §9.7). None of them is used by sealing; they exist for parity with neptune
// and filecoin-hashers (and their vectors):
//  * the simplex sponge with the ConstantLength(L) domain tag;
//  * filecoin-hashers hash_md (arity 36, Merkle-Damgard style chaining);
//  * neptune's SAFE-style sponge API with its 128-bit I/O-pattern tag.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "damocles/sdk/fr.hpp"
#include "damocles/sdk/poseidon.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc {

// neptune Sponge (Simplex) over ConstantLength(elements.size()): rate = arity,
// absorb adds into state[1 + pos], permute after each full block, a partial
// last block is zero-padded and permuted; output state[1]. At least one element.
Fr poseidon_sponge_constant_length(unsigned arity, std::span<const Fr> elements);

// filecoin-hashers hash_md: acc = e0; for each chunk of 35 following elements,
// acc = Poseidon_36(acc, chunk, zero-filled). At least two elements.
Fr poseidon_hash_md(std::span<const Fr> elements);

enum class SpongeOpKind { absorb, squeeze };
struct SpongeOp {
    SpongeOpKind kind;
    uint32_t count;
};

// neptune IOPattern::value: consecutive ops of one kind merge; each op adds
// x_i * value (Absorb n -> n + 2^31, Squeeze n -> n), then the domain
// separator, with x_i = (2^128 - 159)^i, all mod 2^128.
unsigned __int128 sponge_io_pattern_tag(std::span<const SpongeOp> pattern, uint32_t domain_separator);

// neptune's SAFE-style sponge (sponge/api.rs) over one arity. state[0] is the
// pattern tag; absorbing permutes first when the rate is full; squeezing
// permutes when the squeeze position reached the rate (it does after every
// absorb). Calls that do not follow the declared pattern are errors.
class PoseidonSpongeApi {
public:
    explicit PoseidonSpongeApi(unsigned arity, PoseidonStrength strength = PoseidonStrength::standard);

    void start(std::vector<SpongeOp> pattern, uint32_t domain_separator = 0);
    Status absorb(std::span<const Fr> elements);
    Result<std::vector<Fr>> squeeze(uint32_t count);
    // Clears the state; an error when not every declared op was performed.
    Status finish();

private:
    const PoseidonConstants &constants_;
    std::vector<Fr> state_;
    std::vector<SpongeOp> pattern_;
    size_t io_count_ = 0;
    unsigned absorb_pos_ = 0;
    unsigned squeeze_pos_ = 0;

    Status expect_op(SpongeOpKind kind, uint32_t count);
};

} // namespace dmc
