// SPDX-License-Identifier: Apache-2.0
//
// Smoke tests of `damocles-run bench`: each bench runs on a 2KiB sector (or a
// few products), ends in one key=value line with seconds= and ratio=, names
// the basis of its ratio, and reaches plugin kernels through the
// kernel_bench stage (docs/plugin-guide.md). Nothing here is timed: the
// figures are checked for presence and for the work counts, never for speed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <sstream>

#include "process.hpp"
#include "skip.hpp"

using namespace dmc::test;

namespace {

// The last line of stdout as key -> value.
std::map<std::string, std::string> result_line(const std::string &out)
{
    std::string last, line;
    std::istringstream in(out);
    while (std::getline(in, line))
        if (!line.empty()) last = line;
    std::map<std::string, std::string> kv;
    std::istringstream words(last);
    std::string word;
    while (words >> word) {
        const auto eq = word.find('=');
        if (eq != std::string::npos) kv[word.substr(0, eq)] = word.substr(eq + 1);
    }
    return kv;
}

RunResult bench(std::vector<std::string> args, const TempDir &dir)
{
    args.insert(args.begin(), {damocles_run(), "bench"});
    return run(args, RunOptions{{{"DAMOCLES_LOG", "warn"}, {"TMPDIR", dir.path()}}, "", "", std::chrono::seconds(600)});
}

} // namespace

TEST_CASE("bench fr: the fastest GMP way is named; plugin kernels come through kernel_bench", "[bench]")
{
    TempDir dir("bench-fr");
    auto r = bench({"fr", "--muls", "40000", "--repeat", "1"}, dir);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    auto kv = result_line(r.out);
    CHECK(kv["bench"] == "fr");
    CHECK(kv.count("seconds"));
    CHECK(kv.count("ratio"));
    for (const char *method : {"gmp_mpn_montgomery_ns", "gmp_mpn_tdiv_ns", "gmp_mpz_mod_ns"}) CHECK(kv.count(method));
    const std::string fastest = kv["gmp_method"];
    CHECK((fastest == "mpn_montgomery" || fastest == "mpn_tdiv" || fastest == "mpz_mod"));
    CHECK(kv["gmp_ns"] == kv["gmp_" + fastest + "_ns"]);
    CHECK(kv["cpu_source"] == "cpu:fr_mul");
}

TEST_CASE("bench pc2: full_mul_equivalents and the IFMA floor, counted for a 2KiB sector", "[bench]")
{
    TempDir dir("bench-pc2");
    auto r = bench({"pc2", "--proof", "StackedDrg2KiBV1_1", "--parent-cache", dir / "parents"}, dir);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    auto kv = result_line(r.out);
    CHECK(kv["bench"] == "pc2");
    // 2KiB: 64 columns of 2 layers (Poseidon arity 2: t = 3, R_F = 8, R_P =
    // 55) and 9 arity-8 hashes per tree (t = 9, R_P = 57), counted by hand:
    //   full: arity 2 8·(3·3+9) + 55·(3+2·3−1) = 584, arity 8 864 + 1140 = 2004
    //         -> 64·584 + 2·9·2004 = 73448
    //   S-box multiplications: 3·(8·3+55) = 237, 3·(8·9+57) = 387 -> 64·237 + 18·387
    //   matrix rows: (8+55)·3 = 189, (8+57)·9 = 585 -> 64·189 + 18·585
    CHECK(kv["full_mul_equivalents"] == "73448");
    CHECK(kv["sbox_muls"] == std::to_string(64 * 237 + 18 * 387));
    CHECK(kv["mds_rows"] == std::to_string(64 * 189 + 18 * 585));
    CHECK(kv.count("full_mul_equivalents_bound_s"));
    CHECK(kv.count("ratio_full_mul_equivalents"));
    CHECK(kv.count("floor_s"));
    CHECK(kv.count("ratio_cpu"));
    CHECK(kv.count("seconds"));
    CHECK(kv.count("ratio"));
    CHECK(kv["ratio_basis"].rfind("ifma_floor:sbox_muls_x_mul_ns", 0) == 0);
    CHECK(r.out.find("pc2 basis full_mul_equivalents:") != std::string::npos);
    CHECK(r.out.find("pc2 basis ifma_floor:") != std::string::npos);
}

TEST_CASE("bench rebuild: a batch of 2KiB CC sectors against the PC1 batch bound + PC2 floor", "[bench]")
{
    TempDir dir("bench-rebuild");
    auto r = bench({"rebuild", "--size", "2KiB", "--sectors", "2", "--parent-cache", dir / "parents"}, dir);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    auto kv = result_line(r.out);
    CHECK(kv["bench"] == "rebuild");
    CHECK(kv["proof"] == "StackedDrg2KiBV1_1");
    CHECK(kv["sectors"] == "2");
    for (const char *key :
         {"sectors_per_hour_per_core", "bound_sectors_per_hour_per_core", "pc1_batch_bound_s_per_sector",
          "pc2_floor_s_per_sector", "pc1_basis", "pc2_basis", "seconds", "ratio", "ratio_cpu"})
        CHECK(kv.count(key));
    CHECK(kv["ratio_basis"] == "seconds/(sectors*(pc1_batch_bound+pc2_ifma_floor)/cores)");

    auto bad = bench({"rebuild", "--size", "3KiB"}, dir);
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("invalid --size '3KiB'") != std::string::npos);
    auto both = bench({"rebuild", "--size", "2KiB", "--comm-r", "x", "--sectors", "2"}, dir);
    CHECK(both.exit_code == 2);
}

TEST_CASE("bench pc1: per-core speed-up against the throughput limit and the limit this split can reach", "[bench]")
{
    TempDir dir("bench-pc1");
    // 16 sectors in one call need the avx512 plugin (the cpu one takes 1).
    if (!plugin_usable("avx512")) DMC_SKIP("the avx512 plugin is not usable on this CPU: no 16-sector pc1 stage");
    auto r = bench({"pc1", "--proof", "StackedDrg2KiBV1_1", "--sectors", "16", "--threads", "2", "--no-openssl-speed",
                    "--parent-cache", dir / "parents"},
                   dir);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    auto kv = result_line(r.out);
    CHECK(kv["bench"] == "pc1");
    CHECK(kv["sectors"] == "16");
    CHECK(kv["threads"] == "2");
    for (const char *key : {"seconds", "bound_s", "per_core_speedup", "ratio", "anon_rss_peak_per_sector"})
        CHECK(kv.count(key));
    REQUIRE(kv.count("limit_per_core_speedup"));
    // The split limit holds 16 sectors on 2 threads: 8 chains on each of 2
    // threads, or 16 on one; it can never exceed the limit of 20 chains.
    const std::string basis = kv["limit_split_basis"];
    CHECK((basis.rfind("2_thread(s)_x_8_chains:", 0) == 0 || basis.rfind("1_thread(s)_x_16_chains:", 0) == 0));
    const double limit = std::stod(kv["limit_per_core_speedup"]);
    // A label of 2 layers: 13 of its 20 blocks repeat an earlier one. The
    // cheapest mix is no slower than 20 plain compressions at the best plain
    // rate, and no faster than 20 at the best rate of any configuration.
    CHECK(kv["replayed_per_label"] == "13.00");
    CHECK(kv["limit_basis"].find('*') != std::string::npos);
    const double chain = std::stod(kv["sha_block_ns"]);
    const double plain = std::stod(kv["multi_best_ns"]);
    const double fastest = std::min(plain, std::stod(kv["replay_best_ns"]));
    CHECK(limit >= 19 * chain / (20 * plain) * (1 - 0.002));
    CHECK(limit <= 19 * chain / (20 * fastest) * (1 + 0.002));
    const double split = std::stod(kv["limit_split_per_core_speedup"]);
    CHECK(split > 0);
    CHECK(split <= limit * (1 + 1e-9));
    // Figures are printed to 3 decimals: compare within that rounding.
    CHECK(std::stod(kv["ratio_split"]) == Approx(std::stod(kv["per_core_speedup"]) / split).margin(0.002));

    auto too_many = bench({"pc1", "--proof", "StackedDrg2KiBV1_1", "--sectors", "17"}, dir);
    CHECK(too_many.exit_code == 2);
    CHECK(too_many.err.find("at most 16 sectors per call") != std::string::npos);
}
