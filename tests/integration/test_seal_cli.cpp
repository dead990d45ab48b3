// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run seal` and `util verify|commp|replica-id` on real files: the
// real lotus devnet sector (t01002, sector 1) reproduced bit for bit, an 8MiB
// CC seal that verifies and matches the upstream layer digest, a deal sector,
// corruption detected, bad input refused with exit 2.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/comm_p.hpp"
#include "damocles/sdk/sha254.hpp"
#include "process.hpp"
#include "vectors.hpp"

using namespace dmc::test;
using nlohmann::json;

namespace {

const char *kDevnetTicket = "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0";
const char *kDevnetCommR = "bagboea4b5abcbnym7z3pgc64fk5wwsk3nsmz62jamgaa3pekzelmm3fv5q6g6zji";

std::string parent_cache_dir()
{
    // Shared across tests of this binary: generated once, verified on load.
    static TempDir dir("parents");
    return dir.path();
}

std::string file_sha256(const std::string &path)
{
    std::string bytes = slurp(path);
    auto d = dmc::sha256(std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()));
    return dmc::to_hex(d);
}

RunResult seal(const std::vector<std::string> &extra)
{
    std::vector<std::string> argv = {damocles_run(), "seal", "--parent-cache", parent_cache_dir()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv);
}

std::vector<std::string> verify_args(const std::string &proof, const std::string &miner, const std::string &sector,
                                     const std::string &ticket, const std::string &comm_r, const std::string &sealed,
                                     const std::string &cache)
{
    return {damocles_run(),
            "util",
            "verify",
            "--proof",
            proof,
            "--miner",
            miner,
            "--sector",
            sector,
            "--ticket",
            ticket,
            "--comm-r",
            comm_r,
            "--sealed",
            sealed,
            "--cache",
            cache,
            "--parent-cache",
            parent_cache_dir()};
}

} // namespace

TEST_CASE("seal: the real lotus devnet 2KiB sector is reproduced and verifies", "[seal]")
{
    TempDir out("seal-devnet");
    auto r = seal({"--proof", "StackedDrg2KiBV1_1", "--miner", "t01002", "--sector", "1", "--ticket", kDevnetTicket,
                   "--out", out.path(), "--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto j = json::parse(r.out);
    CHECK(j["comm_r"] == kDevnetCommR);
    const auto &vec = use_vector("sdr", "end_to_end_2kib_cc_lotus_devnet");
    CHECK(j["replica_id"] == vec["expected"]["replica_id_hex"]);
    CHECK(j["comm_d"] == "baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy");
    CHECK(j["sector"]["miner"] == 1002);
    CHECK(j["sector"]["comm_r"] == kDevnetCommR);
    CHECK(j["sealed"] == out / "sealed/s-t01002-1");
    // Store layout: replica + p_aux, t_aux, tree-r-last; intermediates gone.
    CHECK(std::filesystem::file_size(out / "sealed/s-t01002-1") == 2048);
    CHECK(std::filesystem::file_size(out / "cache/s-t01002-1/p_aux") == 64);
    CHECK(std::filesystem::file_size(out / "cache/s-t01002-1/sc-02-data-tree-r-last.dat") == 32);
    CHECK(std::filesystem::exists(out / "cache/s-t01002-1/t_aux"));
    CHECK_FALSE(std::filesystem::exists(out / ".damocles-work"));

    auto v = run(verify_args("StackedDrg2KiBV1_1", "t01002", "1", kDevnetTicket, kDevnetCommR,
                             out / "sealed/s-t01002-1", out / "cache/s-t01002-1"));
    INFO(v.out << v.err);
    CHECK(v.exit_code == 0);
    CHECK(v.out.find("s-t01002-1: valid") == 0);
}

TEST_CASE("seal: an 8MiB CC sector matches the upstream digest and passes the full vanilla check", "[seal]")
{
    TempDir out("seal-8m");
    auto r = seal({"--proof", "StackedDrg8MiBV1_1", "--miner", "1000", "--sector", "1", "--ticket",
                   "0606060606060606060606060606060606060606060606060606060606060606", "--out", out.path(), "--work",
                   out / "work", "--keep-intermediate", "--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto j = json::parse(r.out);
    const auto &vec = use_vector("sdr", "pc1_cc_StackedDrg8MiBV1_1");
    CHECK(j["replica_id"] == vec["expected"]["replica_id_hex"]);
    CHECK(file_sha256(out / "sealed/s-t01000-1") == vec["expected"]["sealed_replica"]["file_sha256"]);
    CHECK(file_sha256(out / "work/s-t01000-1/cache/sc-02-data-layer-1.dat") ==
          vec["expected"]["layer1"]["file_sha256"]);

    // The kept work dir is a complete cache: the full vanilla check runs.
    auto full = run(verify_args("StackedDrg8MiBV1_1", "1000", "1",
                                "0606060606060606060606060606060606060606060606060606060606060606", j["comm_r"],
                                out / "work/s-t01000-1/sealed", out / "work/s-t01000-1/cache"));
    INFO(full.out << full.err);
    CHECK(full.exit_code == 0);
    CHECK(full.out.find("vanilla PoRep challenge proofs verify") != std::string::npos);
}

TEST_CASE("verify: a flipped byte in the replica or a tree file is reported (exit 1)", "[seal]")
{
    TempDir out("seal-corrupt");
    REQUIRE(seal({"--proof", "StackedDrg2KiBV1_1", "--miner", "1002", "--sector", "1", "--ticket", kDevnetTicket,
                  "--out", out.path(), "--work", out / "work", "--keep-intermediate"})
                .exit_code == 0);
    auto flip = [](const std::string &path, size_t offset) {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekg(static_cast<std::streamoff>(offset));
        char c;
        f.get(c);
        f.seekp(static_cast<std::streamoff>(offset));
        f.put(static_cast<char>(c ^ 0x01));
    };
    const std::string sealed = out / "sealed/s-t01002-1", cache = out / "cache/s-t01002-1";
    std::filesystem::copy_file(sealed, out / "sealed.orig");
    flip(sealed, 700);
    auto a = run(verify_args("StackedDrg2KiBV1_1", "1002", "1", kDevnetTicket, kDevnetCommR, sealed, cache));
    CHECK(a.exit_code == 1);
    CHECK(a.err.find("sc-02-data-tree-r-last.dat") != std::string::npos);
    std::filesystem::copy_file(out / "sealed.orig", sealed, std::filesystem::copy_options::overwrite_existing);
    flip(cache + "/p_aux", 40);
    auto b = run(verify_args("StackedDrg2KiBV1_1", "1002", "1", kDevnetTicket, kDevnetCommR, sealed, cache));
    CHECK(b.exit_code == 1);
    CHECK(b.err.find("p_aux") != std::string::npos);

    // Full check on the kept cache: a flipped label is caught by the vanilla proofs.
    flip(out / "work/s-t01002-1/cache/sc-02-data-layer-1.dat", 32 * 10 + 3);
    flip(out / "work/s-t01002-1/cache/sc-02-data-layer-1.dat", 32 * 20 + 3);
    flip(out / "work/s-t01002-1/cache/sc-02-data-layer-1.dat", 32 * 40 + 3);
    auto c = run(verify_args("StackedDrg2KiBV1_1", "1002", "1", kDevnetTicket, kDevnetCommR,
                             out / "work/s-t01002-1/sealed", out / "work/s-t01002-1/cache"));
    INFO(c.out << c.err);
    CHECK(c.exit_code == 1);
    CHECK(c.err.find("invalid") != std::string::npos);
    // Wrong comm_r: exit 1 naming comm_r.
    auto d = run(verify_args("StackedDrg2KiBV1_1", "1002", "1", kDevnetTicket,
                             "bagboea4b5abcaqbaugeaembi6mqugvhxo6htb4bjf57nxje5xnvandpsahy2rxbb", out / "sealed.orig",
                             cache));
    CHECK(d.exit_code == 1);
}

TEST_CASE("seal: a deal sector with a piece file, its CommP as util commp prints it", "[seal]")
{
    TempDir out("seal-deal");
    std::vector<uint8_t> data(2032);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>((i * 7 + 3) & 0xff);
    write_text(out / "piece.bin", std::string(data.begin(), data.end()));
    auto expected = dmc::compute_comm_p(data);
    REQUIRE(expected.ok());
    const std::string cid = dmc::commitment_to_cid(expected->comm, dmc::CommitmentKind::unsealed);

    auto commp = run({damocles_run(), "util", "commp", out / "piece.bin"});
    REQUIRE(commp.exit_code == 0);
    CHECK(commp.out == "CID: " + cid + "\nPiece size: 2048\n");

    auto r = seal({"--proof", "StackedDrg2KiBV1_1", "--miner", "1002", "--sector", "5", "--ticket", kDevnetTicket,
                   "--piece", out / "piece.bin", "--out", out / "store", "--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto j = json::parse(r.out);
    // One full-sector piece: CommD = CommP.
    CHECK(j["comm_d"] == cid);
    REQUIRE(j["sector"]["pieces"].size() == 1);
    CHECK(j["sector"]["pieces"][0]["cid"] == cid);
    CHECK(j["sector"]["pieces"][0]["size"] == 2048);
    auto v = run(verify_args("StackedDrg2KiBV1_1", "1002", "5", kDevnetTicket, j["comm_r"],
                             out / "store/sealed/s-t01002-5", out / "store/cache/s-t01002-5"));
    CHECK(v.exit_code == 0);
}

TEST_CASE("seal: bad input is one clear line and exit 2", "[seal]")
{
    TempDir out("seal-bad");
    auto bad_ticket = seal(
        {"--proof", "StackedDrg2KiBV1_1", "--miner", "1002", "--sector", "1", "--ticket", "abcd", "--out", out.path()});
    CHECK(bad_ticket.exit_code == 2);
    CHECK(bad_ticket.err.find("invalid ticket: expected 32 bytes (64 hex characters)") == 0);
    auto bad_proof = seal({"--proof", "StackedDrg3KiBV1", "--miner", "1002", "--sector", "1", "--ticket", kDevnetTicket,
                           "--out", out.path()});
    CHECK(bad_proof.exit_code == 2);
    CHECK(bad_proof.err.find("unknown seal proof 'StackedDrg3KiBV1'; valid proofs: StackedDrg2KiBV1 (0)") == 0);
    write_text(out / "big.bin", std::string(2033, 'x'));
    auto too_big = seal({"--proof", "StackedDrg2KiBV1_1", "--miner", "1002", "--sector", "1", "--ticket", kDevnetTicket,
                         "--piece", out / "big.bin", "--out", out.path()});
    CHECK(too_big.exit_code == 2);
    CHECK(too_big.err.find("more than the 2032 bytes a 2KiB sector holds") != std::string::npos);
    auto bad_miner =
        seal({"--proof", "5", "--miner", "t3xyz", "--sector", "1", "--ticket", kDevnetTicket, "--out", out.path()});
    CHECK(bad_miner.exit_code == 2);
    for (const auto *r : {&bad_ticket, &bad_proof, &too_big, &bad_miner})
        CHECK(std::count(r->err.begin(), r->err.end(), '\n') == 1);
}
