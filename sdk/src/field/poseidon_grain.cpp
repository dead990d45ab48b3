// SPDX-License-Identifier: Apache-2.0
//
// Poseidon round constants from the Grain LFSR (docs/algorithms.md §9.2),
// as neptune's round_constants.rs / the reference sage script generate them.
// Constants are derived at run time, never pasted: the vectors only pin their
// digest and a few values.
#include "poseidon_internal.hpp"

#include <array>

namespace dmc::poseidon_detail {

namespace {

using u128 = unsigned __int128;

// The 80-bit register with b[0] (the oldest bit) at bit 79 of `state`.
class GrainLfsr {
public:
    GrainLfsr(unsigned width, unsigned full_rounds, unsigned partial_rounds)
    {
        // Fields MSB first: field type (2 bits) = 1 (prime field), S-box (4 bits)
        // = 1 (neptune's code for x^5), n (12) = 255, t (12), R_F (10), R_P (10),
        // then 30 ones.
        push(1, 2);
        push(1, 4);
        push(255, 12);
        push(width, 12);
        push(full_rounds, 10);
        push(partial_rounds, 10);
        push((1u << 30) - 1, 30);
        for (int i = 0; i < 160; ++i) step();
    }

    // Self-shrinking output: pairs (x, y); emit y when x = 1.
    unsigned next_bit()
    {
        for (;;) {
            const unsigned x = step();
            const unsigned y = step();
            if (x) return y;
        }
    }

private:
    static constexpr u128 kMask80 = (static_cast<u128>(1) << 80) - 1;
    u128 state_ = 0;

    void push(uint64_t value, unsigned bits) { state_ = ((state_ << bits) | value) & kMask80; }
    unsigned bit(unsigned i) const { return static_cast<unsigned>(state_ >> (79 - i)) & 1u; }

    unsigned step()
    {
        const unsigned fresh = bit(62) ^ bit(51) ^ bit(38) ^ bit(23) ^ bit(13) ^ bit(0);
        state_ = ((state_ << 1) | fresh) & kMask80;
        return fresh;
    }
};

} // namespace

GrainOutput grain_round_constants(unsigned width, unsigned full_rounds, unsigned partial_rounds, size_t count)
{
    GrainLfsr lfsr(width, full_rounds, partial_rounds);
    GrainOutput out;
    out.constants.reserve(count);
    while (out.constants.size() < count) {
        // 255 bits, the first one most significant.
        std::array<uint64_t, 4> limbs{};
        for (int i = 0; i < 255; ++i) {
            const uint64_t bit = lfsr.next_bit();
            limbs[3] = (limbs[3] << 1) | (limbs[2] >> 63);
            limbs[2] = (limbs[2] << 1) | (limbs[1] >> 63);
            limbs[1] = (limbs[1] << 1) | (limbs[0] >> 63);
            limbs[0] = (limbs[0] << 1) | bit;
        }
        ++out.candidates_drawn;
        auto candidate = Fr::from_canonical_limbs(limbs);
        if (!candidate) {
            ++out.candidates_rejected; // >= r: drawn and discarded, as upstream
            continue;
        }
        out.constants.push_back(*candidate);
    }
    return out;
}

} // namespace dmc::poseidon_detail
