// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run seal` with the avx512 plugin selected for every stage it
// offers: the real lotus devnet 2KiB CC sector (t01002, sector 1) is
// reproduced bit for bit (its CommR is the on-chain value, vector
// end_to_end_2kib_cc_lotus_devnet), alone and as a batch of two sectors
// whose PC1s the DAG fuses into one avx512 call; the second sector's CommR
// equals the cpu plugin's.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "plugin_runner.hpp"
#include "vectors.hpp"

using namespace dmc;
using namespace dmc::test;
using nlohmann::json;

namespace {

const char *kDevnetTicket = "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0";

std::string seal_parent_cache_dir()
{
    static TempDir dir("avx512-seal-parents");
    return dir.path();
}

// --plugin stage=<plugin> for every seal stage `plugin` offers here.
std::vector<std::string> plugin_args(const std::string &plugin)
{
    std::vector<std::string> args;
    for (auto kind : {DMC_STAGE_TREE_D, DMC_STAGE_PC1, DMC_STAGE_TREE_C, DMC_STAGE_TREE_R_LAST}) {
        for (const auto &h : plugin_registry().all(kind))
            if (h.plugin_name() == plugin) {
                args.push_back("--plugin");
                args.push_back(std::string(core::stage_kind_name(kind)) + "=" + plugin);
            }
    }
    return args;
}

json seal_devnet(const std::vector<std::string> &sectors, const std::string &plugin, const std::string &out)
{
    std::vector<std::string> argv = {
        damocles_run(), "seal",   "--parent-cache", seal_parent_cache_dir(), "--proof", "StackedDrg2KiBV1_1",
        "--miner",      "t01002", "--ticket",       kDevnetTicket,           "--out",   out,
        "--json"};
    for (const auto &s : sectors) {
        argv.push_back("--sector");
        argv.push_back(s);
    }
    const auto plugins = plugin_args(plugin);
    argv.insert(argv.end(), plugins.begin(), plugins.end());
    auto r = run(argv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto j = json::parse(r.out);
    return j.is_array() ? j : json::array({j});
}

} // namespace

TEST_CASE("devnet: the avx512 plugin reproduces the on-chain CommR of the lotus devnet sector", "[avx512][seal]")
{
    if (!avx512_stage_available(DMC_STAGE_PC1)) return;
    const auto &vec = use_vector("sdr", "end_to_end_2kib_cc_lotus_devnet");
    const std::string expected = vec.at("inputs").at("recorded_in_transcript").at("CIDcommR");
    const auto stages = plugin_args("avx512");
    INFO("avx512 stages selected: " << stages.size() / 2);
    REQUIRE(stages.size() >= 2);
    TempDir out("avx512-devnet");
    auto results = seal_devnet({"1"}, "avx512", out.path());
    REQUIRE(results.size() == 1);
    CHECK(results[0]["comm_r"] == expected);
    CHECK(results[0]["replica_id"] == vec.at("expected").at("replica_id_hex"));
}

TEST_CASE("devnet: a batch of two sectors fused into one avx512 pc1 call equals the cpu plugin", "[avx512][seal]")
{
    if (!avx512_stage_available(DMC_STAGE_PC1)) return;
    const auto &vec = use_vector("sdr", "end_to_end_2kib_cc_lotus_devnet");
    const std::string expected = vec.at("inputs").at("recorded_in_transcript").at("CIDcommR");
    TempDir avx_out("avx512-devnet-batch"), cpu_out("cpu-devnet-batch");
    auto avx = seal_devnet({"1", "2"}, "avx512", avx_out.path());
    auto cpu = seal_devnet({"1", "2"}, "cpu", cpu_out.path());
    REQUIRE(avx.size() == 2);
    REQUIRE(cpu.size() == 2);
    for (size_t i = 0; i < 2; ++i) {
        INFO("sector " << i + 1);
        CHECK(avx[i]["comm_r"] == cpu[i]["comm_r"]);
        CHECK(avx[i]["comm_d"] == cpu[i]["comm_d"]);
        CHECK(avx[i]["replica_id"] == cpu[i]["replica_id"]);
    }
    CHECK(avx[0]["comm_r"] == expected);
    CHECK(avx[1]["comm_r"] != expected);
}
