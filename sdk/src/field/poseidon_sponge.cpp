// SPDX-License-Identifier: Apache-2.0
//
// neptune sponge constructions and filecoin-hashers hash_md
// (docs/algorithms.md §9.7; neptune src/sponge/vanilla.rs, api.rs;
// filecoin-hashers src/poseidon.rs).
#include "damocles/sdk/poseidon_sponge.hpp"

#include <stdexcept>
#include <string>

namespace dmc {

namespace {

using u128 = unsigned __int128;

Fr fr_from_u128(u128 value)
{
    const std::array<uint64_t, 4> limbs = {static_cast<uint64_t>(value), static_cast<uint64_t>(value >> 64), 0, 0};
    return *Fr::from_canonical_limbs(limbs); // < 2^128 < r
}

uint32_t op_value(const SpongeOp &op) { return op.kind == SpongeOpKind::absorb ? op.count + (1u << 31) : op.count; }

} // namespace

Fr poseidon_sponge_constant_length(unsigned arity, std::span<const Fr> elements)
{
    if (elements.empty()) throw std::invalid_argument("constant-length sponge needs at least one element");
    const PoseidonConstants &c = poseidon_constants(arity);
    std::vector<Fr> state(c.width, Fr::zero());
    state[0] = poseidon_constant_length_tag(elements.size());
    unsigned pos = 0;
    for (const Fr &element : elements) {
        state[1 + pos] += element;
        if (++pos == arity) {
            poseidon_permute(c, state);
            pos = 0;
        }
    }
    if (pos > 0) {
        for (unsigned i = 1 + pos; i <= arity; ++i) state[i] = Fr::zero();
        poseidon_permute(c, state);
    }
    return state[1];
}

Fr poseidon_hash_md(std::span<const Fr> elements)
{
    constexpr unsigned kArity = 36;
    if (elements.size() < 2) throw std::invalid_argument("hash_md needs more than one element");
    Fr acc = elements[0];
    std::vector<Fr> inputs(kArity);
    for (size_t next = 1; next < elements.size(); next += kArity - 1) {
        std::fill(inputs.begin(), inputs.end(), Fr::zero());
        inputs[0] = acc;
        for (size_t i = 0; i < kArity - 1 && next + i < elements.size(); ++i) inputs[1 + i] = elements[next + i];
        acc = poseidon_hash(kArity, inputs);
    }
    return acc;
}

unsigned __int128 sponge_io_pattern_tag(std::span<const SpongeOp> pattern, uint32_t domain_separator)
{
    const u128 base = static_cast<u128>(0) - 159; // 2^128 - 159, a prime
    u128 x_i = 1, state = 0;
    const auto update = [&](uint32_t value) {
        x_i *= base;
        state += x_i * value;
    };
    SpongeOp current{SpongeOpKind::absorb, 0};
    for (const SpongeOp &op : pattern) {
        if (op.kind == current.kind) {
            current.count += op.count;
            continue;
        }
        if (current.count != 0) update(op_value(current));
        current = op;
    }
    if (current.count != 0) update(op_value(current));
    update(domain_separator);
    return state;
}

PoseidonSpongeApi::PoseidonSpongeApi(unsigned arity, PoseidonStrength strength)
    : constants_(poseidon_constants(arity, strength)), state_(constants_.width, Fr::zero())
{
}

void PoseidonSpongeApi::start(std::vector<SpongeOp> pattern, uint32_t domain_separator)
{
    std::fill(state_.begin(), state_.end(), Fr::zero());
    state_[0] = fr_from_u128(sponge_io_pattern_tag(pattern, domain_separator));
    pattern_ = std::move(pattern);
    io_count_ = 0;
    absorb_pos_ = 0;
    squeeze_pos_ = 0;
}

Status PoseidonSpongeApi::expect_op(SpongeOpKind kind, uint32_t count)
{
    const size_t index = io_count_++;
    if (index >= pattern_.size() || pattern_[index].kind != kind || pattern_[index].count != count)
        return make_error(Errc::invalid_argument,
                          "sponge call " + std::to_string(index) + " does not match the declared I/O pattern");
    return {};
}

Status PoseidonSpongeApi::absorb(std::span<const Fr> elements)
{
    const unsigned rate = constants_.arity;
    for (const Fr &element : elements) {
        if (absorb_pos_ == rate) {
            poseidon_permute(constants_, state_);
            absorb_pos_ = 0;
        }
        state_[1 + absorb_pos_] += element;
        ++absorb_pos_;
    }
    DMC_TRY_VOID(expect_op(SpongeOpKind::absorb, static_cast<uint32_t>(elements.size())));
    squeeze_pos_ = rate;
    return {};
}

Result<std::vector<Fr>> PoseidonSpongeApi::squeeze(uint32_t count)
{
    const unsigned rate = constants_.arity;
    std::vector<Fr> out;
    for (uint32_t i = 0; i < count; ++i) {
        if (squeeze_pos_ == rate) {
            poseidon_permute(constants_, state_);
            squeeze_pos_ = 0;
            absorb_pos_ = 0;
        }
        out.push_back(state_[1 + squeeze_pos_]);
        ++squeeze_pos_;
    }
    DMC_TRY_VOID(expect_op(SpongeOpKind::squeeze, count));
    return out;
}

Status PoseidonSpongeApi::finish()
{
    std::fill(state_.begin(), state_.end(), Fr::zero());
    if (io_count_ != pattern_.size())
        return make_error(Errc::invalid_argument, "sponge finished after " + std::to_string(io_count_) + " of " +
                                                      std::to_string(pattern_.size()) + " declared operations");
    return {};
}

} // namespace dmc
