// SPDX-License-Identifier: Apache-2.0
//
// NI-PoRep and synthetic-PoRep sectors rebuilt end to end through manager +
// worker (docs/algorithms.md §12.3, §12.4): CC and data, every file
// byte-identical with the sealed original (so the CommR matches it too).
// A synthetic sector's cache holds what lotus keeps after a synthetic seal
// (the synthetic proofs file, no layers) and `util verify` reads its proofs
// from it. The synthetic challenges are checked through a rebuild, not only
// through the challenge function: the challenge field of every record of the
// rebuilt file is compared with challenges derived here by a second
// implementation (OpenSSL's BLAKE2b MAC and ChaCha20), itself checked against
// the upstream vector first.
//
// The 8MiB synthetic sectors (a 6.2 GB proofs file each, 2^18 records) and
// the 8MiB NI CC sector run only on request: `test-integration "[.slow]"`.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "damocles/sdk/hex.hpp"
#include "manager_fixture.hpp"
#include "service/rpc/json_rpc.hpp"
#include "vectors.hpp"
#include "worker_fixture.hpp"

using namespace dmc::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char *kTicket = "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0";
const char *kSynFile = "syn-porep-vanilla-proofs.dat";

std::string parent_cache_dir()
{
    static TempDir dir("parents-features");
    return dir.path();
}

// ---- the second implementation of the synthetic challenges

std::vector<uint8_t> keyed_blake2b_256(const std::string &key, const std::vector<uint8_t> &message)
{
    EVP_MAC *mac = EVP_MAC_fetch(nullptr, "BLAKE2BMAC", nullptr);
    REQUIRE(mac != nullptr);
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    size_t size = 32;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size), OSSL_PARAM_construct_end()};
    REQUIRE(EVP_MAC_init(ctx, reinterpret_cast<const unsigned char *>(key.data()), key.size(), params) == 1);
    REQUIRE(EVP_MAC_update(ctx, message.data(), message.size()) == 1);
    std::vector<uint8_t> out(32);
    size_t len = 0;
    REQUIRE(EVP_MAC_final(ctx, out.data(), &len, out.size()) == 1);
    REQUIRE(len == 32);
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return out;
}

// RFC 8439 ChaCha20 keystream from block 0, nonce "synth-porep\0".
std::vector<uint8_t> chacha20_keystream(const std::vector<uint8_t> &key, size_t bytes)
{
    uint8_t iv[16] = {0, 0, 0, 0, 's', 'y', 'n', 't', 'h', '-', 'p', 'o', 'r', 'e', 'p', 0};
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    REQUIRE(EVP_EncryptInit_ex(ctx, EVP_chacha20(), nullptr, key.data(), iv) == 1);
    std::vector<uint8_t> zeros(bytes, 0), out(bytes);
    int len = 0;
    REQUIRE(EVP_EncryptUpdate(ctx, out.data(), &len, zeros.data(), static_cast<int>(bytes)) == 1);
    EVP_CIPHER_CTX_free(ctx);
    return out;
}

// (little-endian integer mod (nodes - 1)) + 1, by long division.
uint64_t reduce(const uint8_t *le32, uint64_t nodes)
{
    unsigned __int128 r = 0;
    for (int i = 31; i >= 0; --i) r = (r * 256 + le32[i]) % (nodes - 1);
    return static_cast<uint64_t>(r) + 1;
}

std::vector<uint64_t> synthetic_challenges_openssl(const std::vector<uint8_t> &replica_id,
                                                   const std::vector<uint8_t> &comm_r, uint64_t nodes, uint64_t count)
{
    std::vector<uint8_t> message = replica_id;
    message.insert(message.end(), comm_r.begin(), comm_r.end());
    const auto key = keyed_blake2b_256("filecoin.io|PoRep|1|Synthetic|1|Generation", message);
    const auto stream = chacha20_keystream(key, 32 * count);
    std::vector<uint64_t> out;
    for (uint64_t i = 0; i < count; ++i) out.push_back(reduce(stream.data() + 32 * i, nodes));
    return out;
}

uint64_t le64_at(std::ifstream &in, uint64_t offset)
{
    uint8_t b[8] = {};
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(reinterpret_cast<char *>(b), 8);
    REQUIRE(in.good());
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{b[i]} << (8 * i);
    return v;
}

// SHA-256 of a file, streamed (synthetic proofs files reach 6.2 GB at 8MiB).
std::string file_digest(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    std::vector<char> buf(1 << 20);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        EVP_DigestUpdate(ctx, buf.data(), static_cast<size_t>(in.gcount()));
    }
    unsigned char d[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, d, &len);
    EVP_MD_CTX_free(ctx);
    return dmc::to_hex(std::span<const uint8_t>(d, len));
}

// ---- manager + worker

struct Features {
    TempDir dir{"porep-features"};
    std::string store = dir / "store";
    std::unique_ptr<ManagerFixture> manager;

    Features()
    {
        fs::create_directories(store);
        manager = std::make_unique<ManagerFixture>("[[Miners]]\nActor = 1002\n\n[[Common.PersistStores]]\nName = "
                                                   "\"store-a\"\nPath = \"" +
                                                   store + "\"\n");
    }

    std::string id(uint64_t n) const { return "s-t01002-" + std::to_string(n); }

    // Seals sector n offline (CC without `piece`) and imports it.
    json seal_import(const std::string &proof, uint64_t n, const std::string &piece = "")
    {
        std::vector<std::string> argv = {
            damocles_run(),    "seal",     "--proof", proof,   "--miner", "1002",           "--sector",
            std::to_string(n), "--ticket", kTicket,   "--out", store,     "--parent-cache", parent_cache_dir(),
            "--json"};
        if (!piece.empty()) argv.insert(argv.end(), {"--piece", piece});
        auto r = run(argv);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        json j = json::parse(r.out);
        json sector = j["sector"];
        sector["store"] = "store-a";
        write_text(dir / "import.json", json{{"sectors", json::array({sector})}}.dump());
        REQUIRE(manager->cli({"util", "sealer", "sectors", "import", dir / "import.json"}).exit_code == 0);
        return j;
    }

    std::map<std::string, std::string> files(uint64_t n) const
    {
        std::map<std::string, std::string> out;
        out["sealed"] = file_digest(store + "/sealed/" + id(n));
        for (const auto &f : fs::directory_iterator(store + "/cache/" + id(n)))
            out[f.path().filename().string()] = file_digest(f.path());
        return out;
    }

    bool finished(uint64_t n) const
    {
        dmc::service::rpc::Client c(manager->address(), manager->token());
        auto r = c.call("Venus.FindSectorInAllStates", json::array({1002, n}));
        REQUIRE(r.ok());
        return !(*r)["need_rebuild"].get<bool>() && (*r)["finalized"].get<bool>() && !(*r)["online"].get<bool>();
    }

    // Loses every file of `sectors`, rebuilds them with one worker and
    // checks every file against the original.
    void lose_and_rebuild(const std::vector<uint64_t> &sectors, std::chrono::seconds timeout)
    {
        std::map<uint64_t, std::map<std::string, std::string>> originals;
        for (uint64_t n : sectors) {
            originals[n] = files(n);
            fs::remove_all(store + "/sealed/" + id(n));
            fs::remove_all(store + "/cache/" + id(n));
        }
        WorkerSpec spec;
        spec.plans = {"rebuild", "rebuild"};
        spec.stores = {{"store-a", store}};
        spec.parent_cache = parent_cache_dir();
        WorkerFixture w(*manager, spec, dir);
        w.start();
        std::vector<std::string> args = {"util", "sealer", "sectors", "rebuild", "1002"};
        for (uint64_t n : sectors) args.push_back(std::to_string(n));
        REQUIRE(manager->cli(args).exit_code == 0);
        REQUIRE(wait_until(
            [&] {
                for (uint64_t n : sectors)
                    if (!finished(n)) return false;
                return true;
            },
            timeout));
        INFO(w.log());
        for (uint64_t n : sectors) {
            auto rebuilt = files(n);
            CHECK(rebuilt.size() == originals[n].size());
            for (const auto &[name, bytes] : originals[n]) {
                INFO(id(n) << " " << name);
                CHECK((rebuilt[name] == bytes));
            }
        }
    }

    RunResult verify(const json &sealed, uint64_t n) const
    {
        return run({damocles_run(),
                    "util",
                    "verify",
                    "--proof",
                    sealed["sector"]["proof"],
                    "--miner",
                    "1002",
                    "--sector",
                    std::to_string(n),
                    "--ticket",
                    kTicket,
                    "--comm-r",
                    sealed["comm_r"],
                    "--comm-d",
                    sealed["comm_d"],
                    "--sealed",
                    store + "/sealed/" + id(n),
                    "--cache",
                    store + "/cache/" + id(n),
                    "--parent-cache",
                    parent_cache_dir()});
    }
};

std::string write_piece(const TempDir &dir, size_t size)
{
    std::string data(size, '\0');
    for (size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 37 + 11) & 0xff);
    write_text(dir / "piece.bin", data);
    return dir / "piece.bin";
}

// The synthetic proofs file of sector n: its size, no layers beside it, and
// every record's challenge equal to the independently derived one.
void check_synthetic_file(const Features &f, const json &sealed, uint64_t n, uint64_t nodes, uint64_t record_bytes)
{
    const std::string cache = f.store + "/cache/" + f.id(n);
    const uint64_t count = std::min<uint64_t>(nodes, 1u << 18);
    REQUIRE(fs::file_size(cache + "/" + kSynFile) == 96 + count * record_bytes);
    for (const auto &e : fs::directory_iterator(cache))
        CHECK(e.path().filename().string().find("layer") == std::string::npos);
    const auto expected =
        synthetic_challenges_openssl(hex_bytes(sealed["replica_id"]), hex_bytes(sealed["comm_r_hex"]), nodes, count);
    std::ifstream in(cache + "/" + kSynFile, std::ios::binary);
    for (uint64_t i = 0; i < count; ++i) {
        INFO("synthetic challenge " << i);
        REQUIRE(le64_at(in, 96 + i * record_bytes) == expected[i]);
    }
}

} // namespace

TEST_CASE("features: the OpenSSL synthetic challenges reproduce the upstream vector", "[features]")
{
    const auto &v = use_vector("sdr", "synthetic_challenges_hardcoded");
    const auto &in = v.at("inputs");
    const auto got = synthetic_challenges_openssl(hex_bytes(in.at("replica_id_hex")), hex_bytes(in.at("comm_r_hex")),
                                                  as_u64(in.at("sector_nodes")), as_u64(in.at("num_synth_challenges")));
    const auto &expected = v.at("expected").at("synth_challenges");
    REQUIRE(got.size() == expected.size());
    for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == as_u64(expected[i]));
}

TEST_CASE("features: 2KiB NI-PoRep sectors, CC and data, rebuilt byte-identical", "[features]")
{
    Features f;
    f.seal_import("StackedDrg2KiBV1_2_Feat_NonInteractivePoRep", 1);
    json data = f.seal_import("StackedDrg2KiBV1_2_Feat_NonInteractivePoRep", 2, write_piece(f.dir, 2000));
    f.lose_and_rebuild({1, 2}, std::chrono::seconds(90));
    auto v = f.verify(data, 2);
    INFO(v.err);
    CHECK(v.exit_code == 0);
    // With the layers kept, util verify proves what an NI C1 proves: the
    // challenges of 13 NI partitions x 2, derived from comm_r.
    auto kept = run({damocles_run(), "seal", "--proof", "StackedDrg2KiBV1_2_Feat_NonInteractivePoRep", "--miner",
                     "1002", "--sector", "3", "--ticket", kTicket, "--out", f.dir / "full", "--work", f.dir / "work",
                     "--keep-intermediate", "--parent-cache", parent_cache_dir(), "--json"});
    REQUIRE(kept.exit_code == 0);
    json j = json::parse(kept.out);
    auto full = run({damocles_run(), "util", "verify", "--proof", "StackedDrg2KiBV1_2_Feat_NonInteractivePoRep",
                     "--miner", "1002", "--sector", "3", "--ticket", kTicket, "--comm-r", j["comm_r"], "--sealed",
                     f.dir / "work/s-t01002-3/sealed", "--cache", f.dir / "work/s-t01002-3/cache", "--parent-cache",
                     parent_cache_dir()});
    INFO(full.err);
    CHECK(full.exit_code == 0);
    CHECK(full.out.find("26 vanilla PoRep challenge proofs verify") != std::string::npos);
}

TEST_CASE("features: 2KiB synthetic-PoRep sectors, CC and data, rebuilt with their synthetic proofs file", "[features]")
{
    Features f;
    json cc = f.seal_import("StackedDrg2KiBV1_1_Feat_SyntheticPoRep", 1);
    json data = f.seal_import("StackedDrg2KiBV1_1_Feat_SyntheticPoRep", 2, write_piece(f.dir, 1500));
    // docs/file-formats.md §2.7: 15 u64 + 277 nodes per 2KiB record.
    const uint64_t record = 8 * 15 + 32 * 277;
    f.lose_and_rebuild({1, 2}, std::chrono::seconds(90));
    check_synthetic_file(f, cc, 1, 64, record);
    check_synthetic_file(f, data, 2, 64, record);
    for (auto [n, sealed] : {std::pair{1, cc}, std::pair{2, data}}) {
        auto v = f.verify(sealed, n);
        INFO(v.err);
        CHECK(v.exit_code == 0);
        CHECK(v.out.find("2 vanilla PoRep challenge proofs verify (read from the synthetic proofs file)") !=
              std::string::npos);
    }
    // A proof damaged in the file is caught by util verify.
    const std::string file = f.store + "/cache/" + f.id(2) + "/" + kSynFile;
    std::string bytes = slurp(file);
    for (uint64_t i = 0; i < 64; ++i) bytes[96 + i * record + 8 * 15 + 5] ^= 0x01; // every tree_d leaf
    write_text(file, bytes);
    auto bad = f.verify(data, 2);
    CHECK(bad.exit_code == 1);
    CHECK(bad.err.find("invalid") != std::string::npos);
}

TEST_CASE("features: an 8MiB NI-PoRep data sector rebuilt byte-identical", "[features]")
{
    Features f;
    f.seal_import("StackedDrg8MiBV1_2_Feat_NonInteractivePoRep", 1, write_piece(f.dir, 3000000));
    f.lose_and_rebuild({1}, std::chrono::seconds(180));
}

TEST_CASE("features: 8MiB NI CC and synthetic CC and data sectors (6.2 GB proofs files)", "[.slow][features]")
{
    Features f;
    f.seal_import("StackedDrg8MiBV1_2_Feat_NonInteractivePoRep", 1);
    json cc = f.seal_import("StackedDrg8MiBV1_1_Feat_SyntheticPoRep", 2);
    json data = f.seal_import("StackedDrg8MiBV1_1_Feat_SyntheticPoRep", 3, write_piece(f.dir, 3000000));
    f.lose_and_rebuild({1, 2, 3}, std::chrono::seconds(1800));
    // 15 u64 + (19 + 15 x (2 + 43) + 43) nodes per 8MiB record.
    const uint64_t record = 8 * 15 + 32 * (19 + 15 * 45 + 43);
    check_synthetic_file(f, cc, 2, 1u << 18, record);
    check_synthetic_file(f, data, 3, 1u << 18, record);
    CHECK(f.verify(data, 3).exit_code == 0);
}
