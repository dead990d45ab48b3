// SPDX-License-Identifier: Apache-2.0
//
// Interactive, non-interactive and synthetic PoRep challenges (docs/algorithms.md §12).
#include <catch2/catch.hpp>

#include "damocles/sdk/challenges.hpp"
#include "sdr_test_support.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

void check_list(const std::vector<uint64_t> &actual, const json &expected)
{
    REQUIRE(actual.size() == expected.size());
    for (size_t i = 0; i < actual.size(); ++i) {
        INFO("index " << i);
        CHECK(actual[i] == as_u64(expected[i]));
    }
}

} // namespace

TEST_CASE("interactive challenges for every partition (interactive_challenges_*)", "[sdr][challenges]")
{
    for (const char *name : {"interactive_challenges_2kib", "interactive_challenges_32gib"}) {
        const auto &v = use_vector("sdr", name);
        INFO(name);
        const auto &in = v.at("inputs");
        const Bytes32 rid = bytes32_of(in.at("replica_id_hex"));
        const Bytes32 seed = bytes32_of(in.at("seed_hex"));
        const auto &by_partition = v.at("expected").at("challenges_by_partition");
        REQUIRE(by_partition.size() == in.at("partitions").get<size_t>());
        for (uint32_t k = 0; k < by_partition.size(); ++k) {
            INFO("partition " << k);
            check_list(interactive_challenges(rid, seed, as_u64(in.at("sector_nodes")), k,
                                              in.at("challenges_per_partition").get<uint32_t>()),
                       by_partition[k]);
        }
    }
}

TEST_CASE("non-interactive challenges of the first and last partition (ni_challenges_32gib_k0_k125)",
          "[sdr][challenges]")
{
    const auto &v = use_vector("sdr", "ni_challenges_32gib_k0_k125");
    const auto &in = v.at("inputs");
    const Bytes32 rid = bytes32_of(in.at("replica_id_hex"));
    const Bytes32 comm_r = bytes32_of(in.at("comm_r_hex"));
    const uint64_t nodes = as_u64(in.at("sector_nodes"));
    const uint32_t per = in.at("challenges_per_partition").get<uint32_t>();
    check_list(ni_challenges(rid, comm_r, nodes, 0, per), v.at("expected").at("challenges_k0"));
    check_list(ni_challenges(rid, comm_r, nodes, in.at("partitions").get<uint32_t>() - 1, per),
               v.at("expected").at("challenges_k125"));
}

TEST_CASE("synthetic challenges, selection and keys match the upstream hard-coded test", "[sdr][challenges]")
{
    const auto &v = use_vector("sdr", "synthetic_challenges_hardcoded");
    const auto &in = v.at("inputs");
    const auto &e = v.at("expected");
    const Bytes32 rid = bytes32_of(in.at("replica_id_hex"));
    const Bytes32 comm_r = bytes32_of(in.at("comm_r_hex"));
    const Bytes32 rand = bytes32_of(in.at("porep_rand_hex"));
    const uint64_t nodes = as_u64(in.at("sector_nodes"));
    const uint64_t count = as_u64(in.at("num_synth_challenges"));
    const uint32_t porep = in.at("num_porep_challenges").get<uint32_t>();
    CHECK(rid[0] == in.at("replica_id_fr").get<uint64_t>());
    CHECK(comm_r[0] == in.at("comm_r_fr").get<uint64_t>());

    CHECK(to_hex(synthetic_generation_key(rid, comm_r)) == e.at("generation_key_hex").get<std::string>());
    CHECK(to_hex(synthetic_selection_key(rid, rand)) == e.at("selection_key_hex").get<std::string>());
    const auto all = synthetic_challenges(rid, comm_r, nodes, count);
    check_list(all, e.at("synth_challenges"));
    // Random access gives the same values as the sequence.
    const Bytes32 key = synthetic_generation_key(rid, comm_r);
    for (uint64_t i = 0; i < count; ++i) CHECK(synthetic_challenge(key, i, nodes) == all[i]);
    check_list(synthetic_selected_indexes(rid, rand, count, 0, porep), e.at("selected_synth_indexes"));
    check_list(synthetic_porep_challenges(rid, comm_r, rand, nodes, count, 0, porep), e.at("porep_challenges"));
}
