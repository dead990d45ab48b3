// SPDX-License-Identifier: Apache-2.0
//
// Poseidon over Fr exactly as neptune computes it (docs/algorithms.md §9):
// width t = arity + 1, x^5 S-box, R_F = 8 full rounds, R_P partial rounds
// from neptune's port of the reference round calculator, round constants
// generated with the Grain LFSR on first use, Cauchy MDS matrix, domain tag in
// state[0], output state[1].
//
// Two permutations are provided: the plain HADES form (the definition, used as
// the independent check) and neptune's optimised form with folded partial-round
// constants and sparse partial-round matrices (the default; docs/algorithms.md §9.6).
// Constants are built once per (arity, strength), thread-safely.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "damocles/sdk/fr.hpp"
#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc {

enum class PoseidonStrength { standard, strengthened };

// Largest supported arity (neptune's round-number table goes to t = 65).
inline constexpr unsigned kPoseidonMaxArity = 64;

struct PoseidonRoundNumbers {
    unsigned full_rounds;
    unsigned partial_rounds;
};

// neptune round_numbers_base / round_numbers_strengthened (arity 1..64).
PoseidonRoundNumbers poseidon_round_numbers(unsigned arity, PoseidonStrength strength);

struct PoseidonConstants {
    unsigned arity = 0;
    unsigned width = 0; // arity + 1
    unsigned full_rounds = 0;
    unsigned partial_rounds = 0;
    PoseidonStrength strength = PoseidonStrength::standard;
    // The MerkleTree domain tag 2^arity - 1 (what poseidon_hash puts in state[0]).
    Fr merkle_tree_tag = Fr::zero();

    // Plain form: (R_F + R_P) * t round constants in Grain generation order,
    // t per round; MDS as t*t row-major, M[i][j] = 1 / (i + j + t).
    std::vector<Fr> round_constants;
    std::vector<Fr> mds;
    // Grain statistics (candidates drawn, candidates >= r rejected).
    uint32_t grain_candidates_drawn = 0;
    uint32_t grain_candidates_rejected = 0;

    // Optimised form. Full rounds: R_F * t constants (the first full round
    // after the partial rounds carries the folded partial-round constants).
    // Partial rounds: one constant for state[0] each. The last full round
    // before the partial rounds multiplies by pre_sparse_matrix (t*t) instead
    // of the MDS; partial round i multiplies by the sparse matrix stored at
    // sparse_matrices[i*(2t-1)]: [m00, w_1..w_{t-1}, v_1..v_{t-1}] meaning
    // s0' = m00*s0 + sum w_j*s_j and s_j' = v_j*s0 + s_j.
    std::vector<Fr> full_round_constants;
    std::vector<Fr> partial_round_constants;
    std::vector<Fr> pre_sparse_matrix;
    std::vector<Fr> sparse_matrices;
    // The dot-product rows above with every entry multiplied by 2^64: the
    // form the optimised permutation's single-reduction dot products expect
    // (mds, pre_sparse_matrix, and per partial round [m00, w_1..w_{t-1}]).
    std::vector<Fr> mds_scaled;
    std::vector<Fr> pre_sparse_matrix_scaled;
    std::vector<Fr> sparse_rows_scaled;
};

// Constants for an arity (1..kPoseidonMaxArity); built on first use, never
// freed. An unsupported arity is a programming error (std::invalid_argument).
const PoseidonConstants &poseidon_constants(unsigned arity, PoseidonStrength strength = PoseidonStrength::standard);

// Domain tags (neptune hash_type.rs, vector poseidon_domain_tags).
Fr poseidon_merkle_tree_tag(unsigned arity);      // 2^arity - 1
Fr poseidon_constant_length_tag(uint64_t length); // length * 2^64
Fr poseidon_custom_tag(uint64_t id);              // id * 2^40
Fr poseidon_encryption_tag();                     // 2^32
Fr poseidon_variable_length_tag();                // 2^64
inline Fr poseidon_sponge_tag() { return Fr::zero(); }

// Permutes a state of constants.width elements in place.
void poseidon_permute(const PoseidonConstants &constants, std::span<Fr> state);
// The plain HADES form; after_round (optional) sees the state after each round.
void poseidon_permute_plain(const PoseidonConstants &constants, std::span<Fr> state,
                            const std::function<void(unsigned round, std::span<const Fr> state)> &after_round = {});

// Poseidon_a(inputs) with the MerkleTree tag 2^a - 1; inputs.size() must be the
// arity (std::invalid_argument otherwise).
Fr poseidon_hash(unsigned arity, std::span<const Fr> inputs);
// Same constants, caller-chosen domain tag (Custom, ConstantLength, ...).
Fr poseidon_hash_tagged(unsigned arity, const Fr &tag, std::span<const Fr> inputs,
                        PoseidonStrength strength = PoseidonStrength::standard);
// Convenience: Poseidon_2(a, b) with the MerkleTree tag (comm_r, 2-ary nodes).
Fr poseidon_hash2(const Fr &a, const Fr &b);

// Byte-level: `inputs` holds arity canonical LE32 elements back to back; an
// element >= r is an error. Output is canonical LE32.
Result<Bytes32> poseidon_hash_bytes(unsigned arity, std::span<const uint8_t> inputs);

} // namespace dmc
