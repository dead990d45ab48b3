// SPDX-License-Identifier: Apache-2.0
//
// neptune sponge constructions and filecoin-hashers hash_md against their
// upstream vectors.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "damocles/sdk/poseidon_sponge.hpp"
#include "field_test_support.hpp"
#include "vectors.hpp"

using dmc::Fr;
using dmc::SpongeOp;
using dmc::SpongeOpKind;
using dmc::test::hex_of;
using dmc::test::json;
using dmc::test::use_vector;

namespace {

std::vector<SpongeOp> pattern_of(const json &list)
{
    std::vector<SpongeOp> out;
    for (const auto &op : list) {
        const std::string kind = op.at(0).get<std::string>();
        REQUIRE((kind == "Absorb" || kind == "Squeeze"));
        out.push_back({kind == "Absorb" ? SpongeOpKind::absorb : SpongeOpKind::squeeze, op.at(1).get<uint32_t>()});
    }
    return out;
}

std::string decimal(unsigned __int128 value)
{
    if (value == 0) return "0";
    std::string digits;
    while (value > 0) {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(value % 10)));
        value /= 10;
    }
    return digits;
}

} // namespace

TEST_CASE("neptune_hash_values_constant_length4_*: simplex sponge, ConstantLength(4)", "[field][poseidon][vectors]")
{
    for (unsigned arity : {2u, 4u, 8u, 11u, 16u, 24u, 36u}) {
        const auto &v = use_vector("poseidon", "neptune_hash_values_constant_length4_arity" + std::to_string(arity));
        INFO("arity " << arity);
        REQUIRE(v.at("inputs").at("arity").get<unsigned>() == arity);
        std::vector<Fr> inputs;
        for (const auto &x : v.at("inputs").at("preimage_ints")) inputs.push_back(Fr::from_u64(x.get<uint64_t>()));
        REQUIRE(inputs.size() == 4);
        const Fr out = dmc::poseidon_sponge_constant_length(arity, inputs);
        CHECK(hex_of(out) == v.at("expected").at("output_le_hex").get<std::string>());
        CHECK(out.to_canonical_limbs() == dmc::test::limbs_from_json(v.at("expected").at("output_u64_limbs_le")));
    }
}

TEST_CASE("filecoin_hashers_test_hash_md: 71 ones through arity 36", "[field][poseidon][vectors]")
{
    const auto &v = use_vector("poseidon", "filecoin_hashers_test_hash_md");
    REQUIRE(v.at("inputs").at("arity").get<unsigned>() == 36);
    REQUIRE(v.at("inputs").at("elements_fr").get<std::string>() == "71 copies of 1");
    const std::vector<Fr> ones(71, Fr::one());
    CHECK(hex_of(dmc::poseidon_hash_md(ones)) == v.at("expected").at("output_le_hex").get<std::string>());
}

TEST_CASE("neptune_sponge_api_tag_values: IO pattern tags", "[field][poseidon][vectors]")
{
    const auto &v = use_vector("poseidon", "neptune_sponge_api_tag_values");
    const auto &cases = v.at("inputs").at("cases");
    const auto &values = v.at("expected").at("values_decimal");
    REQUIRE(cases.size() == values.size());
    for (size_t i = 0; i < cases.size(); ++i) {
        const auto pattern = pattern_of(cases[i].at("pattern"));
        const auto tag = dmc::sponge_io_pattern_tag(pattern, cases[i].at("domain_separator").get<uint32_t>());
        INFO("case " << i);
        CHECK(decimal(tag) == values[i].get<std::string>());
    }
}

TEST_CASE("neptune_sponge_api_simple: absorb 1 + 5, squeeze 3 (arity 5)", "[field][poseidon][vectors]")
{
    const auto &v = use_vector("poseidon", "neptune_sponge_api_simple");
    const auto &in = v.at("inputs");
    const unsigned arity = in.at("arity").get<unsigned>();
    REQUIRE(dmc::poseidon_constants(arity).partial_rounds == in.at("R_P").get<unsigned>());
    REQUIRE(dmc::poseidon_constants(arity).full_rounds == in.at("R_F").get<unsigned>());
    const auto pattern = pattern_of(in.at("pattern"));
    CHECK(decimal(dmc::sponge_io_pattern_tag(pattern, 0)) ==
          v.at("expected").at("pattern_tag_decimal").get<std::string>());

    std::vector<Fr> absorbed;
    for (const auto &x : in.at("absorbed_ints")) absorbed.push_back(Fr::from_u64(x.get<uint64_t>()));
    dmc::PoseidonSpongeApi sponge(arity);
    sponge.start(pattern);
    size_t used = 0;
    std::vector<Fr> outputs;
    for (const SpongeOp &op : pattern) {
        if (op.kind == SpongeOpKind::absorb) {
            REQUIRE(sponge.absorb(std::span<const Fr>(absorbed).subspan(used, op.count)).ok());
            used += op.count;
        } else {
            auto squeezed = sponge.squeeze(op.count);
            REQUIRE(squeezed.ok());
            outputs.insert(outputs.end(), squeezed->begin(), squeezed->end());
        }
    }
    REQUIRE(sponge.finish().ok());
    REQUIRE(used == absorbed.size());
    const auto &expected = v.at("expected").at("outputs_le_hex");
    REQUIRE(outputs.size() == expected.size());
    for (size_t i = 0; i < outputs.size(); ++i) CHECK(hex_of(outputs[i]) == expected[i].get<std::string>());

    // Calls that leave the declared pattern are refused.
    sponge.start(pattern);
    CHECK_FALSE(sponge.absorb(std::span<const Fr>(absorbed).subspan(0, 2)).ok());
    sponge.start(pattern);
    CHECK_FALSE(sponge.finish().ok());
}
