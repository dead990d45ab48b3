// SPDX-License-Identifier: Apache-2.0
//
// Poseidon instance constants (docs/algorithms.md §9.1-§9.4): round
// numbers, Grain round constants, Cauchy MDS, domain tags, and the
// preprocessing of neptune's optimised form (docs/algorithms.md §9.6).
//
// Optimised form, in the column-vector convention s <- M s:
//  * Partial-round constants are folded forward: in a partial round only
//    state[0] passes the S-box, so the constant added to s[1..] can be moved
//    through the linear layer into the next round. Walking the partial rounds
//    in order, c = C_r + carry keeps c[0] for round r and carries M (0, c[1..]);
//    the last carry lands in the first full round after the partial rounds.
//  * Sparse matrices: write a partial round's matrix N = [[n00, nrow],
//    [ncol, N^]] = B A with A = diag(1, N^) and B = [[n00, w], [ncol, I]],
//    w = nrow N^-1. A touches neither state[0] nor its constant nor the S-box,
//    so it moves into the previous round: N_{r-1} = A_r M. The first partial
//    round's A ends in the last full round before them (pre_sparse_matrix).
// The permutation is unchanged as a whole (tested against the plain form).
#include "damocles/sdk/poseidon.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "fr_dot.hpp"
#include "poseidon_internal.hpp"

namespace dmc {

namespace {

using poseidon_detail::Matrix;

// neptune round_numbers.rs round_numbers_are_secure, in f32 as upstream
// (n = 256 there, on purpose: it is not the Grain field size).
bool round_numbers_are_secure(unsigned t_int, unsigned rf, unsigned rp_int)
{
    const float rp = static_cast<float>(rp_int), t = static_cast<float>(t_int), n = 256.0f, m = 128.0f;
    const float rf_stat = m <= (n - 3.0f) * (t + 1.0f) ? 6.0f : 10.0f;
    const float rf_interp = 0.43f * m + std::log2(t) - rp;
    const float rf_grob_1 = 0.21f * n - rp;
    const float rf_grob_2 = (0.14f * n - 1.0f - rp) / (t - 1.0f);
    float rf_max = 0;
    for (float v : {rf_stat, rf_interp, rf_grob_1, rf_grob_2}) {
        // Rust `ceil as usize` saturates negatives to 0.
        const float c = std::ceil(v);
        rf_max = std::max(rf_max, c < 0 ? 0.0f : c);
    }
    return static_cast<float>(rf) >= rf_max;
}

// neptune calc_round_numbers(t, security_margin = true).
PoseidonRoundNumbers calc_round_numbers(unsigned t)
{
    unsigned rf = 0, rp = 0;
    unsigned long best = ~0ul;
    for (unsigned rf_test = 2; rf_test <= 1000; rf_test += 2) {
        for (unsigned rp_test = 4; rp_test < 200; ++rp_test) {
            if (!round_numbers_are_secure(t, rf_test, rp_test)) continue;
            const unsigned rf_margin = rf_test + 2;
            const unsigned rp_margin = static_cast<unsigned>(std::ceil(1.075f * static_cast<float>(rp_test)));
            const unsigned long cost = static_cast<unsigned long>(t) * rf_margin + rp_margin;
            if (cost < best || (cost == best && rf_margin < rf)) {
                rf = rf_margin;
                rp = rp_margin;
                best = cost;
            }
        }
    }
    return {rf, rp};
}

Fr power_of_two(unsigned exponent) { return pow(Fr::from_u64(2), exponent); }

void fold_partial_round_constants(PoseidonConstants &c)
{
    const unsigned t = c.width, half = c.full_rounds / 2;
    const auto plain = [&](unsigned round, unsigned i) { return c.round_constants[round * t + i]; };
    c.full_round_constants.assign(static_cast<size_t>(c.full_rounds) * t, Fr::zero());
    for (unsigned round = 0; round < half; ++round) {
        for (unsigned i = 0; i < t; ++i) c.full_round_constants[round * t + i] = plain(round, i);
    }
    std::vector<Fr> carry(t, Fr::zero()), folded(t);
    c.partial_round_constants.resize(c.partial_rounds);
    for (unsigned p = 0; p < c.partial_rounds; ++p) {
        for (unsigned i = 0; i < t; ++i) folded[i] = plain(half + p, i) + carry[i];
        c.partial_round_constants[p] = folded[0];
        for (unsigned i = 0; i < t; ++i) {
            Fr acc = Fr::zero();
            for (unsigned j = 1; j < t; ++j) acc += c.mds[i * t + j] * folded[j];
            carry[i] = acc;
        }
    }
    for (unsigned q = 0; q < half; ++q) {
        for (unsigned i = 0; i < t; ++i) {
            Fr value = plain(half + c.partial_rounds + q, i);
            if (q == 0) value += carry[i];
            c.full_round_constants[(half + q) * t + i] = value;
        }
    }
}

void factor_sparse_matrices(PoseidonConstants &c)
{
    const unsigned t = c.width, inner = t - 1, stride = 2 * t - 1;
    c.sparse_matrices.assign(static_cast<size_t>(c.partial_rounds) * stride, Fr::zero());
    Matrix n = c.mds;
    for (unsigned p = c.partial_rounds; p-- > 0;) {
        Matrix hat(static_cast<size_t>(inner) * inner);
        for (unsigned i = 0; i < inner; ++i) {
            for (unsigned j = 0; j < inner; ++j) hat[i * inner + j] = n[(i + 1) * t + (j + 1)];
        }
        const Matrix hat_inv = poseidon_detail::invert(hat, inner);
        Fr *sparse = &c.sparse_matrices[static_cast<size_t>(p) * stride];
        sparse[0] = n[0];
        for (unsigned j = 0; j < inner; ++j) {
            Fr w = Fr::zero();
            for (unsigned k = 0; k < inner; ++k) w += n[k + 1] * hat_inv[k * inner + j];
            sparse[1 + j] = w;
            sparse[t + j] = n[(j + 1) * t];
        }
        // N_{p-1} = diag(1, N^) M.
        Matrix a(static_cast<size_t>(t) * t, Fr::zero());
        a[0] = Fr::one();
        for (unsigned i = 0; i < inner; ++i) {
            for (unsigned j = 0; j < inner; ++j) a[(i + 1) * t + (j + 1)] = hat[i * inner + j];
        }
        n = poseidon_detail::multiply(a, c.mds, t);
    }
    c.pre_sparse_matrix = n;
}

void scale_dot_product_rows(PoseidonConstants &c)
{
    const auto scaled = [](const std::vector<Fr> &in) {
        std::vector<Fr> out;
        for (const Fr &x : in) out.push_back(fr_detail::scaled_by_2_64(x));
        return out;
    };
    c.mds_scaled = scaled(c.mds);
    c.pre_sparse_matrix_scaled = scaled(c.pre_sparse_matrix);
    const unsigned t = c.width;
    for (unsigned p = 0; p < c.partial_rounds; ++p) {
        for (unsigned j = 0; j < t; ++j)
            c.sparse_rows_scaled.push_back(fr_detail::scaled_by_2_64(c.sparse_matrices[p * (2 * t - 1) + j]));
    }
}

std::unique_ptr<PoseidonConstants> build_constants(unsigned arity, PoseidonStrength strength)
{
    auto c = std::make_unique<PoseidonConstants>();
    const PoseidonRoundNumbers rounds = poseidon_round_numbers(arity, strength);
    c->arity = arity;
    c->width = arity + 1;
    c->full_rounds = rounds.full_rounds;
    c->partial_rounds = rounds.partial_rounds;
    c->strength = strength;
    c->merkle_tree_tag = poseidon_merkle_tree_tag(arity);
    const size_t count = static_cast<size_t>(rounds.full_rounds + rounds.partial_rounds) * c->width;
    auto grain = poseidon_detail::grain_round_constants(c->width, rounds.full_rounds, rounds.partial_rounds, count);
    c->round_constants = std::move(grain.constants);
    c->grain_candidates_drawn = grain.candidates_drawn;
    c->grain_candidates_rejected = grain.candidates_rejected;
    c->mds = poseidon_detail::cauchy_mds(c->width);
    fold_partial_round_constants(*c);
    factor_sparse_matrices(*c);
    scale_dot_product_rows(*c);
    return c;
}

void check_arity(unsigned arity)
{
    if (arity < 1 || arity > kPoseidonMaxArity)
        throw std::invalid_argument("poseidon: arity " + std::to_string(arity) + " is outside 1.." +
                                    std::to_string(kPoseidonMaxArity));
}

} // namespace

PoseidonRoundNumbers poseidon_round_numbers(unsigned arity, PoseidonStrength strength)
{
    check_arity(arity);
    PoseidonRoundNumbers base = calc_round_numbers(arity + 1);
    if (strength == PoseidonStrength::strengthened)
        base.partial_rounds = static_cast<unsigned>(std::ceil(static_cast<double>(base.partial_rounds) * 1.25));
    return base;
}

const PoseidonConstants &poseidon_constants(unsigned arity, PoseidonStrength strength)
{
    check_arity(arity);
    struct Slot {
        std::once_flag once;
        std::unique_ptr<PoseidonConstants> constants;
    };
    static Slot slots[2][kPoseidonMaxArity + 1];
    Slot &slot = slots[strength == PoseidonStrength::strengthened ? 1 : 0][arity];
    std::call_once(slot.once, [&] { slot.constants = build_constants(arity, strength); });
    return *slot.constants;
}

Fr poseidon_merkle_tree_tag(unsigned arity) { return power_of_two(arity) - Fr::one(); }
Fr poseidon_constant_length_tag(uint64_t length) { return Fr::from_u64(length) * power_of_two(64); }
Fr poseidon_custom_tag(uint64_t id) { return Fr::from_u64(id) * power_of_two(40); }
Fr poseidon_encryption_tag() { return power_of_two(32); }
Fr poseidon_variable_length_tag() { return power_of_two(64); }

} // namespace dmc
