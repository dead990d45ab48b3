// SPDX-License-Identifier: Apache-2.0
//
// The damocles importer (service/importers/damocles_importer.hpp) on
// tests/fixtures/damocles/export.jsonl: SectorState objects as damocles'
// `util sealer sectors state export-json` prints them (Go json.Marshal, one
// per line). Expected values come from the vectors (the devnet sector, the
// two-piece CommD) or are the fixture's own literals, never the code's output.
#include <catch2/catch.hpp>

#include "damocles/sdk/cid.hpp"
#include "process.hpp"
#include "service/importers/damocles_importer.hpp"
#include "vectors.hpp"

using namespace dmc;
using namespace dmc::service::importers;

namespace {

std::string fixture_text()
{
    return dmc::test::slurp(std::string(DMC_SOURCE_ROOT) + "/tests/fixtures/damocles/export.jsonl");
}

std::string unsealed_cid(const std::string &hex)
{
    return commitment_to_cid(bytes32_from_hex(hex).value(), CommitmentKind::unsealed);
}

const core::SectorRecord *find_record(const ImportBatch &batch, uint64_t number)
{
    for (const auto &record : batch.records)
        if (record.key.number == number) return &record;
    return nullptr;
}

const SkippedSector *find_incomplete(const ImportBatch &batch, uint64_t number)
{
    for (const auto &skipped : batch.incomplete)
        if (skipped.key.number == number) return &skipped;
    return nullptr;
}

} // namespace

TEST_CASE("damocles import: the devnet CC sector from its SectorState", "[service][importers]")
{
    const auto &devnet = dmc::test::use_vector("sdr", "end_to_end_2kib_cc_lotus_devnet");
    auto batch = import_from_damocles_export(fixture_text(), {"store-a"});
    REQUIRE(batch.ok());
    const core::SectorRecord *record = find_record(*batch, 1);
    REQUIRE(record);
    CHECK(record->key.miner == 1002);
    CHECK(record->proof_id == 5);
    REQUIRE(record->ticket);
    CHECK(to_hex(*record->ticket) == devnet.at("inputs").at("ticket_hex").get<std::string>());
    CHECK(record->ticket_epoch == 1822);
    CHECK(record->comm_d == devnet.at("expected").at("comm_d_cid").get<std::string>());
    CHECK(record->comm_r == devnet.at("expected").at("comm_r_cid").get<std::string>());
    CHECK(record->pieces.empty());
    CHECK_FALSE(record->upgraded);
    CHECK(record->store == "store-a");
}

TEST_CASE("damocles import: Pieces (with fillers, DDO) and legacy Deals give the data pieces", "[service][importers]")
{
    const auto &v = dmc::test::use_vector("sdr", "comm_d_two_pieces_2kib");
    const std::string a = unsealed_cid(v.at("inputs").at("piece_a").at("comm_p_hex"));
    const std::string b = unsealed_cid(v.at("inputs").at("piece_b").at("comm_p_hex"));
    const std::string comm_d = unsealed_cid(v.at("expected").at("comm_d_hex"));
    auto batch = import_from_damocles_export(fixture_text(), {});
    REQUIRE(batch.ok());

    const core::SectorRecord *v2 = find_record(*batch, 2);
    REQUIRE(v2);
    CHECK(v2->comm_d == comm_d);
    REQUIRE(v2->pieces.size() == 2);
    CHECK(v2->pieces[0].cid == a);
    CHECK(v2->pieces[0].offset == 0);
    CHECK(v2->pieces[0].deal_id == 11u);
    CHECK(v2->pieces[1].cid == b);
    CHECK(v2->pieces[1].offset == 1024);
    CHECK_FALSE(v2->pieces[1].deal_id); // a DDO piece (allocation 77): no market deal

    const core::SectorRecord *legacy = find_record(*batch, 3);
    REQUIRE(legacy);
    REQUIRE(legacy->pieces.size() == 2);
    CHECK(legacy->pieces[0].deal_id == 12u);
    CHECK(legacy->pieces[1].deal_id == 13u);
    CHECK(legacy->pieces[1].offset == 1024);
}

TEST_CASE("damocles import: an upgraded sector keeps its sector key and gets the update", "[service][importers]")
{
    const auto &v = dmc::test::use_vector("sdr", "comm_d_two_pieces_2kib");
    auto batch = import_from_damocles_export(fixture_text(), {});
    REQUIRE(batch.ok());
    const core::SectorRecord *snapped = find_record(*batch, 4);
    REQUIRE(snapped);
    CHECK(snapped->upgraded);
    // Pre.CommR and UpgradePublic.SealedCID (the sector key), as in the fixture.
    CHECK(snapped->comm_r == "bagboea4b5abcbixmrlnmp7jews32r3oytudjsblz6yjd6vzeuffup3sl3x5sxjjs");
    CHECK(snapped->pieces.empty());
    REQUIRE(snapped->snap);
    CHECK(snapped->snap->proof == "StackedDrg2KiBV1");
    CHECK(snapped->snap->comm_r_new == "bagboea4b5abcbsh4zoyxssd7mrzaspantyj5nwdsbrsa2w65ex2kb6y6xq77n4rb");
    CHECK(snapped->snap->comm_d_new == unsealed_cid(v.at("expected").at("comm_d_hex")));
    REQUIRE(snapped->snap->pieces.size() == 2);
    CHECK(snapped->snap->pieces[1].offset == 1024);
}

TEST_CASE("damocles import: states a rebuild cannot use are incomplete, with the reason", "[service][importers]")
{
    auto batch = import_from_damocles_export(fixture_text(), {});
    REQUIRE(batch.ok());
    CHECK(batch->records.size() == 4);
    REQUIRE(batch->incomplete.size() == 3);
    const SkippedSector *no_ticket = find_incomplete(*batch, 5);
    REQUIRE(no_ticket);
    CHECK(no_ticket->reason.find("no ticket") != std::string::npos);
    const SkippedSector *removed = find_incomplete(*batch, 6);
    REQUIRE(removed);
    CHECK(removed->reason.find("removed") != std::string::npos);
    const SkippedSector *wrong_pieces = find_incomplete(*batch, 7);
    REQUIRE(wrong_pieces);
    // Both CommDs named: what the pieces give and what damocles recorded.
    CHECK(wrong_pieces->reason.find("give CommD baga") != std::string::npos);
    CHECK(wrong_pieces->reason.find("baga6ea4seaqpgbep4ma63hbnek6oqgm3ouwaml4e5ho3i3c5ph5zmn4nsggxypa") !=
          std::string::npos);
}

TEST_CASE("damocles import: an array of states reads like one per line", "[service][importers]")
{
    const std::string text = fixture_text();
    std::string array = "[";
    size_t start = 0;
    while (start < text.size()) {
        const size_t end = text.find('\n', start);
        array += (array.size() > 1 ? "," : "") + text.substr(start, end - start);
        start = end + 1;
    }
    array += "]";
    auto from_lines = import_from_damocles_export(text, {});
    auto from_array = import_from_damocles_export(array, {});
    REQUIRE(from_lines.ok());
    REQUIRE(from_array.ok());
    CHECK(from_array->records.size() == from_lines->records.size());
    CHECK(from_array->incomplete.size() == from_lines->incomplete.size());
}

TEST_CASE("damocles import: text that is not a SectorState export is one clear error", "[service][importers]")
{
    auto not_json = import_from_damocles_export("{\"ID\": {\"Miner\": 1002\n this is not JSON", {});
    REQUIRE_FALSE(not_json.ok());
    CHECK(not_json.error().message.find("line 1 is not JSON") != std::string::npos);

    auto no_id = import_from_damocles_export(R"({"SectorType": 5})", {});
    REQUIRE_FALSE(no_id.ok());
    CHECK(no_id.error().message.find("ID") != std::string::npos);
    CHECK(no_id.error().message.find("not a damocles SectorState") != std::string::npos);

    auto wrong_type = import_from_damocles_export(R"({"ID": {"Miner": 1002, "Number": 1}, "SectorType": "five"})", {});
    REQUIRE_FALSE(wrong_type.ok());
    CHECK(wrong_type.error().message.find("SectorType") != std::string::npos);

    auto empty = import_from_damocles_export("\n\n", {});
    REQUIRE_FALSE(empty.ok());
}

TEST_CASE("damocles import: a CID of the wrong kind leaves the sector incomplete (found by the fuzzer)",
          "[service][importers]")
{
    // Sector 4's update CommR replaced by an unsealed CID (its new CommD).
    std::string text = fixture_text();
    const std::string comm_r_new = "bagboea4b5abcbsh4zoyxssd7mrzaspantyj5nwdsbrsa2w65ex2kb6y6xq77n4rb";
    const size_t at = text.find(comm_r_new);
    REQUIRE(at != std::string::npos);
    text.replace(at, comm_r_new.size(), "baga6ea4seaqpgbep4ma63hbnek6oqgm3ouwaml4e5ho3i3c5ph5zmn4nsggxypa");
    auto batch = import_from_damocles_export(text, {});
    REQUIRE(batch.ok());
    const SkippedSector *wrong_kind = find_incomplete(*batch, 4);
    REQUIRE(wrong_kind);
    CHECK(wrong_kind->reason.find("comm_r_new") == 0);
    CHECK_FALSE(find_record(*batch, 4));
}
