// SPDX-License-Identifier: Apache-2.0
//
// Fr against the blstrs-derived vectors of poseidon.json.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "damocles/sdk/fr.hpp"
#include "field_test_support.hpp"
#include "vectors.hpp"

using dmc::Fr;
using dmc::test::fr_from_hex;
using dmc::test::hex_bytes;
using dmc::test::hex_of;
using dmc::test::limbs_from_json;
using dmc::test::use_vector;

namespace {

// Big-endian hex of a 32-byte little-endian value.
std::string be_hex(const dmc::Bytes32 &le)
{
    dmc::Bytes32 be;
    for (int i = 0; i < 32; ++i) be[i] = le[31 - i];
    return dmc::to_hex(be);
}

} // namespace

TEST_CASE("fr_constants: modulus, Montgomery constants, -1, root of unity", "[field][fr][vectors]")
{
    const auto &v = use_vector("poseidon", "fr_constants");
    const auto &e = v.at("expected");
    CHECK(dmc::to_hex(dmc::fr_modulus_bytes()) == e.at("modulus_le_hex").get<std::string>());
    CHECK(be_hex(dmc::fr_modulus_bytes()) == e.at("modulus_be_hex").get<std::string>());
    CHECK(dmc::kFrModulusLimbs == limbs_from_json(e.at("modulus_u64_limbs_le")));

    // R = 2^256 mod r is the Montgomery form of one; R^2 and R^3 follow from
    // powers of two computed through multiplication only.
    const Fr two_64 = dmc::pow(Fr::from_u64(2), 64);
    const Fr r_value = dmc::pow(two_64, 4); // 2^256 mod r
    CHECK(be_hex(r_value.to_bytes()) == e.at("montgomery_R_be_hex").get<std::string>());
    CHECK(hex_of(r_value) == e.at("montgomery_R_le_hex").get<std::string>());
    CHECK(r_value.to_canonical_limbs() == Fr::one().montgomery_limbs());
    CHECK(be_hex((r_value * r_value).to_bytes()) == e.at("montgomery_R2_be_hex").get<std::string>());
    CHECK(be_hex((r_value * r_value * r_value).to_bytes()) == e.at("montgomery_R3_be_hex").get<std::string>());
    CHECK(dmc::fr_detail::kInv == dmc::test::u64_from_hex(e.at("montgomery_inv_u64")));
    // INV * r[0] = -1 mod 2^64.
    CHECK(dmc::fr_detail::kInv * dmc::kFrModulusLimbs[0] == ~0ull);

    CHECK(hex_of(-Fr::one()) == e.at("minus_one_le_hex").get<std::string>());
    CHECK(hex_of(Fr::one()) == e.at("one_le_hex").get<std::string>());
    CHECK(e.at("num_bits").get<int>() == 255);
    CHECK(e.at("capacity_bits").get<int>() == 254);

    // Root of unity = g^((r-1)/2^S) with g = 7, S = 32, of order exactly 2^S.
    const unsigned s = e.at("two_adicity_S").get<unsigned>();
    const Fr g = Fr::from_u64(e.at("multiplicative_generator").get<uint64_t>());
    std::array<uint64_t, 4> t = dmc::kFrModulusLimbs;
    t[0] -= 1; // r - 1, then >> S
    for (unsigned i = 0; i < s; ++i) {
        for (int k = 0; k < 4; ++k) t[k] = (t[k] >> 1) | (k < 3 ? t[k + 1] << 63 : 0);
    }
    const Fr root = dmc::pow(g, t);
    CHECK(be_hex(root.to_bytes()) == e.at("root_of_unity_2^32_be_hex").get<std::string>());
    Fr x = root;
    for (unsigned i = 0; i + 1 < s; ++i) x = dmc::square(x);
    CHECK(x == -Fr::one()); // root^(2^(S-1)) = -1
}

TEST_CASE("fr_mul_blstrs_test_multiplication: Montgomery limbs and canonical bytes", "[field][fr][vectors]")
{
    const auto &v = use_vector("poseidon", "fr_mul_blstrs_test_multiplication");
    const auto &in = v.at("inputs");
    const auto &e = v.at("expected");
    auto a = Fr::from_montgomery_limbs(limbs_from_json(in.at("a_montgomery_limbs_le")));
    auto b = Fr::from_montgomery_limbs(limbs_from_json(in.at("b_montgomery_limbs_le")));
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(hex_of(*a) == in.at("a_le_hex").get<std::string>());
    CHECK(hex_of(*b) == in.at("b_le_hex").get<std::string>());
    const Fr c = *a * *b;
    CHECK(c.montgomery_limbs() == limbs_from_json(e.at("c_montgomery_limbs_le")));
    CHECK(hex_of(c) == e.at("c_le_hex").get<std::string>());
    CHECK(fr_from_hex(in.at("a_le_hex")) * fr_from_hex(in.at("b_le_hex")) == fr_from_hex(e.at("c_le_hex")));
}

TEST_CASE("fr_add_sub_examples: -1 identities and 1/2", "[field][fr][vectors]")
{
    const auto &v = use_vector("poseidon", "fr_add_sub_examples");
    const Fr minus_one = fr_from_hex(v.at("inputs").at("minus_one_le_hex"));
    const auto &e = v.at("expected");
    CHECK(hex_of(minus_one + minus_one) == e.at("minus_one_plus_minus_one_le_hex").get<std::string>());
    CHECK(hex_of(minus_one + Fr::one()) == e.at("minus_one_plus_one_le_hex").get<std::string>());
    CHECK(hex_of(Fr::zero() - minus_one) == e.at("zero_minus_minus_one_le_hex").get<std::string>());
    auto half = dmc::inverse(Fr::from_u64(2));
    REQUIRE(half.ok());
    CHECK(hex_of(*half) == e.at("inverse_of_2_le_hex").get<std::string>());
}

TEST_CASE("fr_bytes_validity: canonical iff below r", "[field][fr][vectors]")
{
    const auto &v = use_vector("poseidon", "fr_bytes_validity");
    const auto &list = v.at("inputs").at("le_hex_list");
    const auto &valid = v.at("expected").at("is_valid_fr");
    REQUIRE(list.size() == valid.size());
    for (size_t i = 0; i < list.size(); ++i) {
        auto bytes = hex_bytes(list[i]);
        auto fr = Fr::from_bytes(bytes);
        INFO("case " << i << " " << list[i].get<std::string>());
        CHECK(fr.ok() == valid[i].get<bool>());
        if (fr.ok()) CHECK(dmc::to_hex(fr->to_bytes()) == list[i].get<std::string>());
    }
}
