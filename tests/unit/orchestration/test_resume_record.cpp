// SPDX-License-Identifier: Apache-2.0
//
// Resume records: binary and JSON round trips, atomic saves (nothing left
// behind, the old file intact when a write fails), a version-1 record built
// by hand field by field, a newer version refused, corruption reported.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <sstream>

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "damocles/core/resume_record.hpp"
#include "damocles/sdk/file.hpp"
#include "orchestration_helpers.hpp"
#include "process.hpp"
#include "skip.hpp"

namespace fs = std::filesystem;
using namespace dmc::core;
using dmc::Bytes32;
using K = VertexKind;

namespace {

Bytes32 filled(uint8_t first)
{
    Bytes32 b{};
    for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(first + i);
    return b;
}

ResumeRecord sample()
{
    ResumeRecord r =
        ResumeRecord::for_sector({1001, 42, dmc::test::proof_id("StackedDrg32GiBV1_1"), Plan::snap}, 1700000000000);
    r.mark_done(K::add_pieces, 1700000001000);
    r.mark_done(K::tree_d, 1700000002000);
    r.mark_done(K::pc1, 1700000003000);
    r.outputs.replica_id = filled(1);
    r.outputs.comm_d = filled(2);
    r.outputs.comm_r_new = filled(3);
    r.pc1_layers_done = 11;
    r.numa_node = 1;
    r.attempts = 2;
    r.last_error = "permanent: tree_c: disk \"on\" fire";
    r.progress = 0.875;
    r.extra = {{"store", "store-a"}, {"sealed_path", "/data/sealed/s-t01001-42"}};
    return r;
}

std::vector<std::string> dir_entries(const std::string &dir)
{
    std::vector<std::string> out;
    for (const auto &e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<uint8_t> payload_of(std::span<const uint8_t> file) { return {file.begin() + 24, file.end() - 32}; }

} // namespace

TEST_CASE("mark_done moves the damocles state forward", "[state]")
{
    ResumeRecord r = ResumeRecord::for_sector({1001, 7, 5, Plan::cc}, 100);
    CHECK(r.sector_id == "s-t01001-7");
    CHECK(r.state == TaskState::allocated);
    CHECK(r.created_ms == 100);
    r.mark_done(K::add_pieces, 200);
    CHECK(r.state == TaskState::piece_added);
    CHECK(r.state_since_ms == 200);
    r.mark_done(K::tree_d, 300);
    r.mark_done(K::pc1, 400);
    r.mark_done(K::tree_r_last, 500);
    CHECK(r.state == TaskState::pc1_done);
    CHECK(r.state_since_ms == 400);
    CHECK(r.updated_ms == 500);
    CHECK(r.is_done(K::tree_r_last));
    CHECK_FALSE(r.is_done(K::tree_c));
    r.set_state(TaskState::aborted, 600);
    r.mark_done(K::tree_c, 700);
    CHECK(r.state == TaskState::aborted);
    CHECK(resume_record_file_name(r.sector_id) == "s-t01001-7.task");
}

TEST_CASE("binary and JSON round trips keep every field", "[state]")
{
    ResumeRecord r = sample();
    CHECK(r.state == TaskState::pc1_done);
    auto bytes = encode_resume_record(r);
    CHECK(std::string(bytes.begin(), bytes.begin() + 7) == "DMCTASK");
    auto back = decode_resume_record(bytes);
    REQUIRE(back.ok());
    CHECK(*back == r);

    std::string json = resume_record_to_json(r);
    CHECK_THAT(json, Catch::Contains("\"state\": \"PC1Done\""));
    CHECK_THAT(json, Catch::Contains("\"plan\": \"snap\""));
    CHECK_THAT(json, Catch::Contains("\"cereal_class_version\": 2"));
    CHECK_THAT(json, Catch::Contains(dmc::to_hex(filled(2))));
    CHECK_THAT(json, Catch::Contains("\"comm_c\": \"\""));
    CHECK_THAT(json, Catch::Contains("\"pc1\""));
    auto parsed = resume_record_from_json(json);
    REQUIRE(parsed.ok());
    CHECK(*parsed == r);

    auto broken = resume_record_from_json("{\"task\": {\"miner\": \"x\"");
    REQUIRE_FALSE(broken.ok());
    CHECK(broken.error().code == dmc::Errc::invalid_argument);
    std::string bad_state = json;
    bad_state.replace(bad_state.find("PC1Done"), 7, "PC9Done");
    auto bad = resume_record_from_json(bad_state);
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error().message, Catch::Contains("invalid state PC9Done"));
}

TEST_CASE("save is atomic and leaves nothing behind", "[state]")
{
    dmc::test::TempDir dir("dmc-task");
    std::string path = dir / "s-t01001-42.task";
    ResumeRecord r = sample();
    REQUIRE(save_resume_record(path, r).ok());
    CHECK(dir_entries(dir.path()) == std::vector<std::string>{"s-t01001-42.task"});
    auto loaded = load_resume_record(path);
    REQUIRE(loaded.ok());
    CHECK(*loaded == r);

    r.mark_done(K::tree_c, 1700000004000);
    REQUIRE(save_resume_record(path, r).ok());
    CHECK(load_resume_record(path)->completed.count(K::tree_c) == 1);
    CHECK(dir_entries(dir.path()).size() == 1);

    auto missing = load_resume_record(dir / "nope.task");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == dmc::Errc::not_found);
}

TEST_CASE("a failed save keeps the previous record intact", "[state]")
{
    dmc::test::TempDir dir("dmc-task");
    std::string path = dir / "s-t01001-42.task";
    ResumeRecord old = sample();
    REQUIRE(save_resume_record(path, old).ok());
    ResumeRecord next = old;
    next.mark_done(K::tree_c, 1700000009000);
    next.last_error = std::string(4096, 'x');

    SECTION("the write itself fails (file size limit, works as root too)")
    {
        struct rlimit saved {};
        REQUIRE(getrlimit(RLIMIT_FSIZE, &saved) == 0);
        auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
        struct rlimit small = saved;
        small.rlim_cur = 64;
        REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
        auto st = save_resume_record(path, next);
        setrlimit(RLIMIT_FSIZE, &saved);
        std::signal(SIGXFSZ, old_handler);
        REQUIRE_FALSE(st.ok());
        CHECK_THAT(st.error().message, Catch::Contains("saving resume record of s-t01001-42"));
    }
    CHECK(dir_entries(dir.path()) == std::vector<std::string>{"s-t01001-42.task"});
    auto loaded = load_resume_record(path);
    REQUIRE(loaded.ok());
    CHECK(*loaded == old);
}

TEST_CASE("a save into a directory that is not writable keeps the previous record intact", "[state]")
{
    if (geteuid() == 0) DMC_SKIP("root ignores directory permissions");
    dmc::test::TempDir dir("dmc-task");
    std::string path = dir / "s-t01001-42.task";
    ResumeRecord old = sample();
    REQUIRE(save_resume_record(path, old).ok());
    ResumeRecord next = old;
    next.mark_done(K::tree_c, 1700000009000);
    REQUIRE(chmod(dir.path().c_str(), 0555) == 0);
    auto st = save_resume_record(path, next);
    chmod(dir.path().c_str(), 0755);
    REQUIRE_FALSE(st.ok());
    CHECK(dir_entries(dir.path()) == std::vector<std::string>{"s-t01001-42.task"});
    auto loaded = load_resume_record(path);
    REQUIRE(loaded.ok());
    CHECK(*loaded == old);
}

TEST_CASE("a version-1 record (built by hand) is read with defaults", "[state]")
{
    const uint64_t proof = dmc::test::proof_id("StackedDrg2KiBV1_1");
    std::ostringstream os(std::ios::binary);
    {
        // The version-1 layout, field by field (resume_record.hpp): cereal's
        // class version first, then the fields; hashes are a presence flag
        // plus 32 bytes, enums and vertex kinds one byte each.
        cereal::PortableBinaryOutputArchive ar(os);
        ar(uint32_t(1));
        ar(uint64_t(1001), uint64_t(42), proof, std::string("s-t01001-42"));
        ar(uint8_t(1) /* deal */, uint8_t(4) /* PC1Done */);
        ar(std::vector<uint8_t>{0, 1, 2});
        ar(true, filled(9));  // replica_id
        ar(true, filled(10)); // comm_d
        ar(false, false, false);
        ar(uint32_t(11), uint32_t(3), std::string("temp: rpc error"), int64_t(1000), int64_t(2000));
    }
    std::string payload = os.str();
    auto file = frame_resume_record_payload(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(payload.data()), payload.size()));
    auto r = decode_resume_record(file);
    REQUIRE(r.ok());
    CHECK(r->miner == 1001);
    CHECK(r->number == 42);
    CHECK(r->proof_id == proof);
    CHECK(r->plan == Plan::deal);
    CHECK(r->state == TaskState::pc1_done);
    CHECK(r->completed == std::set<K>{K::add_pieces, K::tree_d, K::pc1});
    CHECK(r->outputs.replica_id == filled(9));
    CHECK(r->outputs.comm_d == filled(10));
    CHECK_FALSE(r->outputs.comm_c.has_value());
    CHECK(r->pc1_layers_done == 11);
    CHECK(r->attempts == 3);
    CHECK(r->last_error == "temp: rpc error");
    CHECK(r->updated_ms == 2000);
    // Fields added in version 2 get their defaults.
    CHECK(r->numa_node == -1);
    CHECK(r->state_since_ms == 2000);
    CHECK(r->progress == 0.0);
    CHECK(r->extra.empty());
    CHECK_FALSE(r->outputs.comm_r_new.has_value());
    // Saving it again writes the current version.
    auto again = decode_resume_record(encode_resume_record(*r));
    REQUIRE(again.ok());
    CHECK(*again == *r);
}

TEST_CASE("a record from a newer format version is refused clearly", "[state]")
{
    std::ostringstream os(std::ios::binary);
    {
        cereal::PortableBinaryOutputArchive ar(os);
        ar(uint32_t(ResumeRecord::kFormatVersion + 1), uint64_t(1001), uint64_t(42));
    }
    std::string payload = os.str();
    auto file = frame_resume_record_payload(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(payload.data()), payload.size()));
    auto r = decode_resume_record(file);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == dmc::Errc::unsupported);
    CHECK_THAT(r.error().message, Catch::Contains("format version 3"));
    CHECK_THAT(r.error().message, Catch::Contains("newer"));
    CHECK_THAT(r.error().message, Catch::Contains("upgrade"));
}

TEST_CASE("damaged record files are reported as corrupt", "[state]")
{
    auto good = encode_resume_record(sample());
    auto expect_corrupt = [](const std::vector<uint8_t> &bytes, const char *what) {
        auto r = decode_resume_record(bytes);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == dmc::Errc::corrupt);
        CHECK_THAT(r.error().message, Catch::Contains(what));
        CHECK_THAT(r.error().message, Catch::Contains("remove the file"));
    };
    SECTION("bit flip in the payload")
    {
        auto bytes = good;
        bytes[40] ^= 0x10;
        expect_corrupt(bytes, "checksum mismatch");
    }
    SECTION("truncated")
    {
        auto bytes = good;
        bytes.resize(bytes.size() - 10);
        expect_corrupt(bytes, "truncated");
        expect_corrupt(std::vector<uint8_t>(good.begin(), good.begin() + 20), "too short");
    }
    SECTION("not a resume record")
    {
        auto bytes = good;
        bytes[0] = 'X';
        expect_corrupt(bytes, "bad magic");
    }
    SECTION("checksum fine but the payload does not decode")
    {
        std::vector<uint8_t> garbage = {1, 2, 0, 0, 0, 7, 7, 7};
        expect_corrupt(frame_resume_record_payload(garbage), "cannot decode");
        auto payload = payload_of(good);
        payload.push_back(0);
        expect_corrupt(frame_resume_record_payload(payload), "trailing bytes");
        auto bad_plan = payload_of(good);
        // byte 0: endianness, 1..4: version, then miner/number/proof (24), sector id (8 + 11): plan at 48.
        bad_plan[48] = 9;
        expect_corrupt(frame_resume_record_payload(bad_plan), "plan");
    }
    SECTION("on disk, with the path in the message")
    {
        dmc::test::TempDir dir("dmc-task");
        std::string path = dir / "s-t01001-42.task";
        auto bytes = good;
        bytes[60] ^= 1;
        REQUIRE(dmc::write_file_atomic(path, std::span<const uint8_t>(bytes)).ok());
        auto r = load_resume_record(path);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == dmc::Errc::corrupt);
        CHECK_THAT(r.error().message, Catch::Contains(path));
    }
}
