// SPDX-License-Identifier: Apache-2.0
//
// Fr against GMP as an independent oracle: thousands of random products,
// sums, differences, inverses and powers, the edges around 0 and r, and the
// rejection (never reduction) of non-canonical encodings.
#include <array>
#include <cstring>
#include <random>
#include <vector>

#include <catch2/catch.hpp>
#include <gmp.h>

#include "damocles/sdk/fr.hpp"
#include "field_test_support.hpp"

namespace {

using dmc::Fr;

class Mpz {
public:
    Mpz() { mpz_init(v_); }
    explicit Mpz(const char *hex) { mpz_init_set_str(v_, hex, 16); }
    ~Mpz() { mpz_clear(v_); }
    Mpz(const Mpz &) = delete;
    Mpz &operator=(const Mpz &) = delete;
    mpz_ptr get() { return v_; }
    mpz_srcptr get() const { return v_; }

private:
    mpz_t v_;
};

const Mpz &modulus()
{
    static const Mpz r("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001");
    return r;
}

void to_mpz(const std::array<uint64_t, 4> &limbs, Mpz &out) { mpz_import(out.get(), 4, -1, 8, 0, 0, limbs.data()); }

std::array<uint64_t, 4> from_mpz(const Mpz &value)
{
    std::array<uint64_t, 4> limbs{};
    size_t count = 0;
    REQUIRE(mpz_sizeinbase(value.get(), 2) <= 256);
    mpz_export(limbs.data(), &count, -1, 8, 0, 0, value.get());
    return limbs;
}

void oracle(const Fr &value, Mpz &out) { to_mpz(value.to_canonical_limbs(), out); }

Fr fr_of(const Mpz &value)
{
    auto fr = Fr::from_canonical_limbs(from_mpz(value));
    REQUIRE(fr.ok());
    return *fr;
}

std::vector<Fr> interesting_values(std::mt19937_64 &rng)
{
    Mpz v;
    std::vector<Fr> values = {Fr::zero(), Fr::one(), Fr::from_u64(2), Fr::from_u64(~0ull)};
    for (unsigned k : {1u, 2u, 3u}) { // r - k
        mpz_sub_ui(v.get(), modulus().get(), k);
        values.push_back(fr_of(v));
    }
    for (unsigned bit : {63u, 64u, 127u, 128u, 191u, 192u, 253u, 254u}) {
        mpz_set_ui(v.get(), 0);
        mpz_setbit(v.get(), bit);
        values.push_back(fr_of(v));
    }
    for (int i = 0; i < 8; ++i) values.push_back(dmc::test::random_fr(rng));
    return values;
}

} // namespace

TEST_CASE("Fr arithmetic matches GMP on random and edge values", "[field][fr]")
{
    std::mt19937_64 rng(0x5eed0001);
    std::vector<Fr> values = interesting_values(rng);
    for (int i = 0; i < 4000; ++i) values.push_back(dmc::test::random_fr(rng));

    Mpz a, b, expected, got;
    size_t checked = 0;
    for (size_t i = 0; i < values.size(); ++i) {
        const Fr &x = values[i];
        const Fr &y = values[(i * 7 + 3) % values.size()];
        oracle(x, a);
        oracle(y, b);

        mpz_mul(expected.get(), a.get(), b.get());
        mpz_mod(expected.get(), expected.get(), modulus().get());
        oracle(x * y, got);
        REQUIRE(mpz_cmp(got.get(), expected.get()) == 0);

        mpz_add(expected.get(), a.get(), b.get());
        mpz_mod(expected.get(), expected.get(), modulus().get());
        oracle(x + y, got);
        REQUIRE(mpz_cmp(got.get(), expected.get()) == 0);

        mpz_sub(expected.get(), a.get(), b.get());
        mpz_mod(expected.get(), expected.get(), modulus().get());
        oracle(x - y, got);
        REQUIRE(mpz_cmp(got.get(), expected.get()) == 0);

        mpz_neg(expected.get(), a.get());
        mpz_mod(expected.get(), expected.get(), modulus().get());
        oracle(-x, got);
        REQUIRE(mpz_cmp(got.get(), expected.get()) == 0);

        mpz_mul(expected.get(), a.get(), a.get());
        mpz_mod(expected.get(), expected.get(), modulus().get());
        oracle(dmc::square(x), got);
        REQUIRE(mpz_cmp(got.get(), expected.get()) == 0);
        ++checked;
    }
    CHECK(checked == values.size());
}

TEST_CASE("Fr inverse and pow match GMP", "[field][fr]")
{
    std::mt19937_64 rng(0x5eed0002);
    Mpz a, expected, got, exponent;
    for (int i = 0; i < 300; ++i) {
        const Fr x = dmc::test::random_fr(rng);
        oracle(x, a);
        if (mpz_sgn(a.get()) != 0) {
            auto inv = dmc::inverse(x);
            REQUIRE(inv.ok());
            REQUIRE(mpz_invert(expected.get(), a.get(), modulus().get()) != 0);
            oracle(*inv, got);
            REQUIRE(mpz_cmp(got.get(), expected.get()) == 0);
        }
        const std::array<uint64_t, 4> e = {rng(), rng(), rng(), rng()};
        to_mpz(e, exponent);
        mpz_powm(expected.get(), a.get(), exponent.get(), modulus().get());
        oracle(dmc::pow(x, e), got);
        REQUIRE(mpz_cmp(got.get(), expected.get()) == 0);

        const uint64_t small = rng() % 1000;
        mpz_powm_ui(expected.get(), a.get(), small, modulus().get());
        oracle(dmc::pow(x, small), got);
        REQUIRE(mpz_cmp(got.get(), expected.get()) == 0);
    }
    CHECK_FALSE(dmc::inverse(Fr::zero()).ok());
}

TEST_CASE("Fr bytes round trip and non-canonical encodings are rejected", "[field][fr]")
{
    std::mt19937_64 rng(0x5eed0003);
    Mpz v;
    for (int i = 0; i < 2000; ++i) {
        std::array<uint8_t, 32> bytes;
        for (auto &b : bytes) b = static_cast<uint8_t>(rng());
        mpz_import(v.get(), 32, -1, 1, 0, 0, bytes.data());
        const bool canonical = mpz_cmp(v.get(), modulus().get()) < 0;
        auto fr = Fr::from_bytes(bytes);
        REQUIRE(fr.ok() == canonical);
        REQUIRE(dmc::fr_bytes_valid(bytes.data()) == canonical);
        if (canonical) REQUIRE(fr->to_bytes() == bytes); // no reduction, exact round trip
    }
    // r, r + 1 and 2^256 - 1 are rejected with a message, never reduced.
    for (const char *hex : {"73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001",
                            "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000002",
                            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"}) {
        Mpz big(hex);
        std::array<uint8_t, 32> bytes{};
        mpz_export(bytes.data(), nullptr, -1, 1, 0, 0, big.get());
        auto fr = Fr::from_bytes(bytes);
        REQUIRE_FALSE(fr.ok());
        CHECK(fr.error().code == dmc::Errc::invalid_argument);
        CHECK(fr.error().message.find(">= r") != std::string::npos);
        CHECK_FALSE(Fr::from_canonical_limbs(from_mpz(big)).ok());
        CHECK_FALSE(Fr::from_montgomery_limbs(from_mpz(big)).ok());
    }
    CHECK_FALSE(Fr::from_bytes(std::vector<uint8_t>(31)).ok());
    CHECK_FALSE(Fr::from_bytes(std::vector<uint8_t>(33)).ok());
}

TEST_CASE("Fr Montgomery limbs mean value * R mod r", "[field][fr]")
{
    std::mt19937_64 rng(0x5eed0004);
    Mpz a, r_pow, expected, got;
    mpz_set_ui(r_pow.get(), 0);
    mpz_setbit(r_pow.get(), 256);
    mpz_mod(r_pow.get(), r_pow.get(), modulus().get());
    for (int i = 0; i < 500; ++i) {
        const Fr x = dmc::test::random_fr(rng);
        oracle(x, a);
        mpz_mul(expected.get(), a.get(), r_pow.get());
        mpz_mod(expected.get(), expected.get(), modulus().get());
        to_mpz(x.montgomery_limbs(), got);
        REQUIRE(mpz_cmp(got.get(), expected.get()) == 0);
        auto back = Fr::from_montgomery_limbs(x.montgomery_limbs());
        REQUIRE(back.ok());
        REQUIRE(*back == x);
    }
    CHECK(Fr::from_u64(12345) == *Fr::from_canonical_limbs({12345, 0, 0, 0}));
    CHECK(Fr::one().to_canonical_limbs() == std::array<uint64_t, 4>{1, 0, 0, 0});
}

TEST_CASE("Fr assembly and portable Montgomery products agree", "[field][fr]")
{
    std::mt19937_64 rng(0x5eed0005);
    std::vector<Fr> values = interesting_values(rng);
    for (int i = 0; i < 3000; ++i) values.push_back(dmc::test::random_fr(rng));
    for (size_t i = 0; i < values.size(); ++i) {
        const Fr &x = values[i];
        const Fr &y = values[(i * 13 + 5) % values.size()];
        Fr portable;
        dmc::fr_detail::mont_mul_portable(portable.l, x.l, y.l);
        REQUIRE(portable == x * y);
    }
}
