// SPDX-License-Identifier: Apache-2.0
//
// Conversions of the 8-lane IFMA Fr (fr_ifma.hpp): constants from the sdk's
// Fr, canonical bytes in and out. Bytes are gathered and scattered with a
// stride of 32 (one element per lane), so a batch of 8 consecutive nodes of
// a layer, a replica or a tree row is one call.
#include "fr_ifma.hpp"

namespace dmc::avx512::ifma {

namespace {

// Lane j reads bytes + 32·j + 8·word.
__m512i element_offsets(unsigned word)
{
    return _mm512_add_epi64(_mm512_set_epi64(224, 192, 160, 128, 96, 64, 32, 0),
                            _mm512_set1_epi64(static_cast<long long>(8 * word)));
}

__mmask8 lanes(unsigned count) { return count >= 8 ? __mmask8(0xff) : __mmask8((1u << count) - 1); }

// x - r for canonical limbs, normalized; the top limb is negative iff x < r.
FrVec minus_modulus(const FrVec &x)
{
    FrVec d;
    for (unsigned i = 0; i < kLimbs; ++i)
        d.l[i] = _mm512_sub_epi64(x.l[i], _mm512_set1_epi64(static_cast<long long>(kModulus52.l[i])));
    normalize(d);
    return d;
}

// 2^520 mod r as plain limbs: montgomery(x) = x·2^520·2^-260.
const FrScalar &r_squared()
{
    static const FrScalar value = [] {
        const auto limbs = dmc::pow(Fr::from_u64(2), 520).to_canonical_limbs();
        const Limbs52 l = split52(limbs.data());
        FrScalar s;
        for (unsigned i = 0; i < kLimbs; ++i) s.l[i] = l.l[i];
        return s;
    }();
    return value;
}

} // namespace

FrScalar scalar_from(const Fr &value)
{
    // The sdk holds value·2^256 mod r; value·16 in that form is value·2^260.
    const auto limbs = dmc::mul(value, Fr::from_u64(16)).montgomery_limbs();
    const Limbs52 l = split52(limbs.data());
    FrScalar s;
    for (unsigned i = 0; i < kLimbs; ++i) s.l[i] = l.l[i];
    return s;
}

FrVec broadcast(const FrScalar &c)
{
    FrVec v;
    for (unsigned i = 0; i < kLimbs; ++i) v.l[i] = _mm512_set1_epi64(static_cast<long long>(c.l[i]));
    return v;
}

__mmask8 load_canonical(const uint8_t *bytes, unsigned count, FrVec &out)
{
    const __mmask8 valid_lanes = lanes(count);
    const __m512i zero = _mm512_setzero_si512();
    __m512i w[4];
    for (unsigned k = 0; k < 4; ++k)
        w[k] = _mm512_mask_i64gather_epi64(zero, valid_lanes, element_offsets(k), bytes, 1);
    const __m512i mask = _mm512_set1_epi64(static_cast<long long>(kMask52));
    out.l[0] = _mm512_and_si512(w[0], mask);
    out.l[1] = _mm512_and_si512(_mm512_or_si512(shift_right(w[0], 52), shift_left(w[1], 12)), mask);
    out.l[2] = _mm512_and_si512(_mm512_or_si512(shift_right(w[1], 40), shift_left(w[2], 24)), mask);
    out.l[3] = _mm512_and_si512(_mm512_or_si512(shift_right(w[2], 28), shift_left(w[3], 36)), mask);
    out.l[4] = shift_right(w[3], 16);
    const FrVec d = minus_modulus(out);
    // d >= 0 means the bytes are >= r: not a field element (never reduced).
    return _mm512_mask_cmpge_epi64_mask(valid_lanes, d.l[4], zero);
}

FrVec to_montgomery(const FrVec &canonical) { return mul(canonical, r_squared()); }

FrVec to_canonical(const FrVec &montgomery)
{
    Wide w = wide_zero();
    for (unsigned i = 0; i < kLimbs; ++i) w.t[i] = montgomery.l[i];
    // x·2^-260 for x < 2r + 2^211 lies in [0, r].
    FrVec y = redc(w);
    const FrVec d = minus_modulus(y);
    const __mmask8 at_least_r = _mm512_cmpge_epi64_mask(d.l[4], _mm512_setzero_si512());
    for (unsigned i = 0; i < kLimbs; ++i) y.l[i] = _mm512_mask_mov_epi64(y.l[i], at_least_r, d.l[i]);
    return y;
}

void store_canonical(const FrVec &c, unsigned count, uint8_t *bytes)
{
    const __mmask8 valid_lanes = lanes(count);
    const __m512i w[4] = {
        _mm512_or_si512(c.l[0], shift_left(c.l[1], 52)),
        _mm512_or_si512(shift_right(c.l[1], 12), shift_left(c.l[2], 40)),
        _mm512_or_si512(shift_right(c.l[2], 24), shift_left(c.l[3], 28)),
        _mm512_or_si512(shift_right(c.l[3], 36), shift_left(c.l[4], 16)),
    };
    for (unsigned k = 0; k < 4; ++k) _mm512_mask_i64scatter_epi64(bytes, valid_lanes, element_offsets(k), w[k], 1);
}

} // namespace dmc::avx512::ifma
