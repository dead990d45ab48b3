// SPDX-License-Identifier: Apache-2.0
//
// Unsealed copies (docs/file-formats.md §1.1, docs/architecture.md §4.2, §8.7):
// written by `seal --unsealed` and by a rebuild that asks for it, byte-identical
// and holding the registered CommD (checked here against the padded piece
// data built independently and a naive SHA-254 tree); decoded from a surviving
// sealed (or update) file by an unseal thread with no piece anywhere; a
// surviving copy as the only piece source of a deal rebuild, named by
// `sectors state`; a copy whose CommD differs is skipped with a warning; a
// damaged sealed file is not decoded but the sector rebuilt in full.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <openssl/sha.h>

#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/fr32.hpp"
#include "manager_fixture.hpp"
#include "service/rpc/json_rpc.hpp"
#include "worker_fixture.hpp"

using namespace dmc::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char *kTicket = "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0";
// RLE+ of one allocated run of 2048 bytes and its u32 length.
const char kTrailer2KiB[] = "\x04\x10\x02\x03\x00\x00\x00";

std::string parent_cache_dir()
{
    static TempDir dir("parents-unsealed");
    return dir.path();
}

std::string piece_data(size_t n, int salt)
{
    std::string data(n, '\0');
    for (size_t i = 0; i < n; ++i) data[i] = static_cast<char>((i * 29 + salt) & 0xff);
    return data;
}

// The unsealed copy of a 2KiB sector holding one piece of `payload` at
// offset 0: the payload zero-filled to 2032 bytes, fr32-padded, then the
// trailer. Built from the payload alone, not by the staging code.
std::string expected_copy(const std::string &payload)
{
    std::string raw = payload;
    raw.resize(2032, '\0');
    auto padded = dmc::fr32_pad(std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(raw.data()), raw.size()));
    std::string out(reinterpret_cast<const char *>(padded.data()), padded.size());
    out.resize(2048, '\0');
    return out + std::string(kTrailer2KiB, 7);
}

// Naive SHA-254 tree root (OpenSSL directly) over the first `bytes` bytes.
std::string naive_comm_d_cid(const std::string &file, size_t bytes)
{
    std::string level = file.substr(0, bytes);
    while (level.size() > 32) {
        std::string next(level.size() / 2, '\0');
        for (size_t i = 0; i < next.size(); i += 32) {
            SHA256(reinterpret_cast<const uint8_t *>(level.data()) + 2 * i, 64,
                   reinterpret_cast<uint8_t *>(next.data()) + i);
            next[i + 31] = static_cast<char>(next[i + 31] & 0x3f);
        }
        level.swap(next);
    }
    dmc::Bytes32 root;
    std::copy(level.begin(), level.end(), root.begin());
    return dmc::commitment_to_cid(root, dmc::CommitmentKind::unsealed);
}

struct Unsealed {
    TempDir dir{"unsealed"};
    std::string store = dir / "store", pieces = dir / "manager-pieces";
    std::unique_ptr<ManagerFixture> manager;

    Unsealed()
    {
        fs::create_directories(store);
        fs::create_directories(pieces);
        manager = std::make_unique<ManagerFixture>("[[Miners]]\nActor = 1002\n\n[Common]\nPieceStores = [\"" + pieces +
                                                   "\"]\n\n[[Common.PersistStores]]\nName = \"store-a\"\nPath = \"" +
                                                   store + "\"\n");
    }

    WorkerSpec spec(const std::string &plan = "rebuild") const
    {
        WorkerSpec s;
        s.plans = {plan};
        s.stores = {{"store-a", store}};
        s.parent_cache = parent_cache_dir();
        return s;
    }

    // `damocles-run seal --unsealed` of 2KiB sector n with one piece; the
    // import object (edited by `edit`) is imported.
    json seal_import(uint64_t n, const std::string &piece, bool snap, const std::function<void(json &)> &edit = {})
    {
        std::vector<std::string> argv = {damocles_run(),
                                         "seal",
                                         "--unsealed",
                                         "--proof",
                                         "StackedDrg2KiBV1_1",
                                         "--miner",
                                         "1002",
                                         "--sector",
                                         std::to_string(n),
                                         "--ticket",
                                         kTicket,
                                         "--out",
                                         store,
                                         "--piece",
                                         piece,
                                         "--parent-cache",
                                         parent_cache_dir(),
                                         "--json"};
        if (snap) argv.push_back("--snap");
        auto r = run(argv);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        json j = json::parse(r.out);
        CHECK(j["unsealed"] == store + "/unsealed/" + id(n));
        json sector = j["sector"];
        CHECK(sector["unsealed"] == true);
        sector["store"] = "store-a";
        if (edit) edit(sector);
        write_text(dir / "import.json", json{{"sectors", json::array({sector})}}.dump());
        REQUIRE(manager->cli({"util", "sealer", "sectors", "import", dir / "import.json"}).exit_code == 0);
        return j;
    }

    std::string id(uint64_t n) const { return "s-t01002-" + std::to_string(n); }
    std::string copy(uint64_t n) const { return store + "/unsealed/" + id(n); }
    json state(uint64_t n) const
    {
        dmc::service::rpc::Client c(manager->address(), manager->token());
        auto r = c.call("Venus.FindSectorInAllStates", json::array({1002, n}));
        REQUIRE(r.ok());
        return *r;
    }
    bool finished(uint64_t n) const
    {
        auto s = state(n);
        return !s["need_rebuild"].get<bool>() && s["finalized"].get<bool>() && !s["online"].get<bool>();
    }
    std::map<std::string, std::string> files(uint64_t n, const std::vector<std::string> &dirs) const
    {
        std::map<std::string, std::string> out;
        for (const auto &d : dirs) {
            fs::path p = fs::path(store) / d / id(n);
            if (fs::is_regular_file(p)) out[p.string()] = slurp(p);
            if (fs::is_directory(p))
                for (const auto &f : fs::directory_iterator(p)) out[f.path().string()] = slurp(f.path());
        }
        return out;
    }
    void remove(uint64_t n, const std::vector<std::string> &dirs) const
    {
        for (const auto &d : dirs) fs::remove_all(store + "/" + d + "/" + id(n));
    }
};

} // namespace

TEST_CASE("unsealed: seal --unsealed writes lotus' unsealed file; a rebuild --unsealed writes it again", "[unsealed]")
{
    Unsealed u;
    const std::string data = piece_data(1500, 3);
    write_text(u.dir / "piece.bin", data);
    json sealed = u.seal_import(1, u.dir / "piece.bin", false);
    const std::string original = slurp(u.copy(1));
    CHECK(original == expected_copy(data));
    CHECK(naive_comm_d_cid(original, 2048) == sealed["comm_d"]);
    auto everything = u.files(1, {"sealed", "cache", "unsealed"});

    // The disk died; the piece is still in the manager's piece store.
    write_text(u.pieces + "/" + sealed["sector"]["pieces"][0]["cid"].get<std::string>(), data);
    fs::remove(u.dir / "piece.bin");
    u.remove(1, {"sealed", "cache", "unsealed"});
    WorkerFixture w(*u.manager, u.spec(), u.dir);
    w.start();
    REQUIRE(u.manager->cli({"util", "sealer", "sectors", "rebuild", "--unsealed", "1002", "1"}).exit_code == 0);
    REQUIRE(wait_until([&] { return u.finished(1); }, std::chrono::seconds(90)));
    INFO(w.log());
    CHECK(u.files(1, {"sealed", "cache", "unsealed"}) == everything);
    CHECK(u.state(1)["latest"]["pieces_source"].get<std::string>().find("manager piece store") != std::string::npos);

    // Offline, the record's own flag asks for it.
    u.remove(1, {"sealed", "cache", "unsealed"});
    write_text(u.dir / "record.json", sealed["sector"].dump());
    auto r = run({damocles_run(), "rebuild", "--record", u.dir / "record.json", "--store", u.store, "--pieces-dir",
                  u.pieces, "--parent-cache", parent_cache_dir()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(slurp(u.copy(1)) == original);
}

TEST_CASE("unsealed: a snap sector's unsealed copy holds the new data (comm_d_new)", "[unsealed]")
{
    Unsealed u;
    const std::string data = piece_data(2032, 9);
    write_text(u.dir / "new.bin", data);
    json sealed = u.seal_import(1, u.dir / "new.bin", true);
    const std::string original = slurp(u.copy(1));
    CHECK(original == expected_copy(data));
    CHECK(naive_comm_d_cid(original, 2048) == sealed["comm_d_new"]);
    auto everything = u.files(1, {"update", "update-cache", "unsealed"});
    u.remove(1, {"sealed", "cache", "update", "update-cache", "unsealed"});
    WorkerFixture w(*u.manager, u.spec(), u.dir);
    w.start();
    REQUIRE(u.manager->cli({"util", "sealer", "sectors", "rebuild", "--unsealed", "1002", "1"}).exit_code == 0);
    REQUIRE(wait_until([&] { return u.finished(1); }, std::chrono::seconds(90)));
    INFO(w.log());
    CHECK(u.files(1, {"update", "update-cache", "unsealed"}) == everything);
}

TEST_CASE("unsealed: an unseal thread decodes the surviving sealed and update files, no piece anywhere", "[unsealed]")
{
    Unsealed u;
    const std::string deal = piece_data(1800, 5), update = piece_data(2000, 11);
    write_text(u.dir / "deal.bin", deal);
    write_text(u.dir / "update.bin", update);
    json sealed = u.seal_import(1, u.dir / "deal.bin", false, [](json &s) { s["pieces"][0]["source"] = nullptr; });
    json snapped =
        u.seal_import(2, u.dir / "update.bin", true, [](json &s) { s["snap"]["pieces"][0]["source"] = nullptr; });
    const std::string copy1 = slurp(u.copy(1)), copy2 = slurp(u.copy(2));
    auto kept1 = u.files(1, {"sealed", "cache"});
    auto kept2 = u.files(2, {"update", "update-cache"});
    // Only the unsealed copies are lost, and no piece exists anywhere.
    fs::remove(u.dir / "deal.bin");
    fs::remove(u.dir / "update.bin");
    u.remove(1, {"unsealed"});
    u.remove(2, {"unsealed", "sealed", "cache"}); // a snap sector keeps only its update
    WorkerFixture w(*u.manager, u.spec("unseal"), u.dir);
    w.start();
    // An unseal thread takes only entries that ask for the unsealed copy.
    REQUIRE(u.manager->cli({"util", "sealer", "sectors", "rebuild", "--pieces-available", "1002", "1"}).exit_code == 0);
    std::this_thread::sleep_for(std::chrono::seconds(3));
    CHECK(u.state(1)["latest"].is_null());
    REQUIRE(u.manager->cli({"util", "sealer", "sectors", "rebuild-cancel", "1002", "1"}).exit_code == 0);
    REQUIRE(
        u.manager->cli({"util", "sealer", "sectors", "rebuild", "--unsealed", "--pieces-available", "1002", "1", "2"})
            .exit_code == 0);
    REQUIRE(wait_until([&] { return u.finished(1) && u.finished(2); }, std::chrono::seconds(90)));
    INFO(w.log());
    CHECK(slurp(u.copy(1)) == copy1);
    CHECK(slurp(u.copy(2)) == copy2);
    CHECK(u.files(1, {"sealed", "cache"}) == kept1);
    CHECK(u.files(2, {"update", "update-cache"}) == kept2);
    CHECK_FALSE(fs::exists(u.store + "/sealed/" + u.id(2))); // the sector key is not persisted
    CHECK(w.log().find("decoding it for the unsealed copy") != std::string::npos);
    CHECK(w.log().find("tree_c done") == std::string::npos); // no PC2, only the key

    auto st = u.state(1);
    CHECK(st["latest"]["next"] == "Finished");
    CHECK(st["latest"]["prev"] == "Persisted");
}

TEST_CASE("unsealed: a deal rebuild with every piece source gone takes its pieces from the surviving copy",
          "[unsealed]")
{
    Unsealed u;
    const std::string data = piece_data(1900, 7);
    write_text(u.dir / "piece.bin", data);
    json sealed = u.seal_import(1, u.dir / "piece.bin", false);
    auto everything = u.files(1, {"sealed", "cache"});
    fs::remove(u.dir / "piece.bin"); // the recorded file:// source is gone too
    u.remove(1, {"sealed", "cache"});
    WorkerFixture w(*u.manager, u.spec(), u.dir);
    w.start();
    REQUIRE(u.manager->cli({"util", "sealer", "sectors", "rebuild", "1002", "1"}).exit_code == 0);
    REQUIRE(wait_until([&] { return u.finished(1); }, std::chrono::seconds(90)));
    INFO(w.log());
    CHECK(u.files(1, {"sealed", "cache"}) == everything);
    auto state = u.manager->cli({"util", "sealer", "sectors", "state", "1002", "1"});
    CHECK(state.out.find("\tPieces: unsealed copy " + u.copy(1) + "\n") != std::string::npos);
}

TEST_CASE("unsealed: a copy whose CommD differs is not used, named in a warning, and the rebuild falls back",
          "[unsealed]")
{
    Unsealed u;
    const std::string data = piece_data(1700, 1);
    write_text(u.dir / "piece.bin", data);
    json sealed = u.seal_import(1, u.dir / "piece.bin", false);
    auto everything = u.files(1, {"sealed", "cache"});
    {
        // One bit of the data region flipped (still fr32 data): another CommD.
        std::fstream f(u.copy(1), std::ios::in | std::ios::out | std::ios::binary);
        f.seekg(700);
        char c = 0;
        f.get(c);
        f.seekp(700);
        f.put(static_cast<char>(c ^ 0x01));
    }
    u.remove(1, {"sealed", "cache"});
    write_text(u.dir / "record.json", sealed["sector"].dump());
    auto r = run({damocles_run(), "rebuild", "--record", u.dir / "record.json", "--store", u.store, "--parent-cache",
                  parent_cache_dir()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("unsealed copy " + u.copy(1) + " not used: its CommD is ") != std::string::npos);
    CHECK(r.err.find("registered " + sealed["comm_d"].get<std::string>()) != std::string::npos);
    CHECK(u.files(1, {"sealed", "cache"}) == everything);
    // The record asks for an unsealed copy: the bad one is replaced by a good one.
    CHECK(slurp(u.copy(1)) == expected_copy(data));
}

TEST_CASE("unsealed: a damaged surviving sealed file is not decoded: the sector is rebuilt in full with its copy",
          "[unsealed]")
{
    Unsealed u;
    const std::string data = piece_data(1600, 13);
    write_text(u.dir / "piece.bin", data);
    json sealed = u.seal_import(1, u.dir / "piece.bin", false);
    const std::string copy = slurp(u.copy(1));
    auto everything = u.files(1, {"sealed", "cache"});
    u.remove(1, {"unsealed"});
    {
        std::fstream f(u.store + "/sealed/" + u.id(1), std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(100);
        f.put('\x11');
    }
    WorkerFixture w(*u.manager, u.spec("unseal"), u.dir);
    w.start();
    REQUIRE(u.manager->cli({"util", "sealer", "sectors", "rebuild", "--unsealed", "1002", "1"}).exit_code == 0);
    REQUIRE(wait_until([&] { return u.finished(1); }, std::chrono::seconds(90)));
    INFO(w.log());
    CHECK(w.log().find("unsealing the surviving file failed") != std::string::npos);
    CHECK(w.log().find("the surviving file is damaged") != std::string::npos);
    CHECK(slurp(u.copy(1)) == copy);
    CHECK(u.files(1, {"sealed", "cache"}) == everything); // the damaged replica was replaced
}
