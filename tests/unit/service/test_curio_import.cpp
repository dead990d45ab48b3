// SPDX-License-Identifier: Apache-2.0
//
// The curio importer (service/importers/curio_importer.hpp) on curio's
// tables in a real PostgreSQL the test starts (tests/fixtures/curio/
// schema.sql: columns and types as curio's migrations define them). Curio
// keeps data pieces only for sectors it sealed, all pieces for sectors
// migrated from lotus-miner: both give the vector's pieces and CommD.
#include <catch2/catch.hpp>

#include "damocles/sdk/cid.hpp"
#include "postgres_fixture.hpp"
#include "service/importers/curio_importer.hpp"
#include "service/importers/sector_pieces.hpp"
#include "vectors.hpp"

using namespace dmc;
using namespace dmc::service::importers;

namespace {

std::string unsealed_cid(const std::string &hex)
{
    return commitment_to_cid(bytes32_from_hex(hex).value(), CommitmentKind::unsealed);
}

std::string sealed_cid(uint8_t seed)
{
    Bytes32 comm{};
    comm.fill(seed);
    comm[31] = 0x0f;
    return commitment_to_cid(comm, CommitmentKind::sealed);
}

struct Values {
    std::string ticket_hex, devnet_comm_r, cc, a, b, comm_d;
};

Values values()
{
    const auto &devnet = dmc::test::use_vector("sdr", "end_to_end_2kib_cc_lotus_devnet");
    const auto &two = dmc::test::use_vector("sdr", "comm_d_two_pieces_2kib");
    return {devnet.at("inputs").at("ticket_hex"),
            devnet.at("expected").at("comm_r_cid"),
            devnet.at("expected").at("comm_d_cid"),
            unsealed_cid(two.at("inputs").at("piece_a").at("comm_p_hex")),
            unsealed_cid(two.at("inputs").at("piece_b").at("comm_p_hex")),
            unsealed_cid(two.at("expected").at("comm_d_hex"))};
}

std::string meta_row(uint64_t sp, uint64_t number, const std::string &ticket_hex, const std::string &orig_sealed,
                     const std::string &orig_unsealed, const std::string &cur_sealed, const std::string &cur_unsealed,
                     bool snapped)
{
    return "INSERT INTO sectors_meta (sp_id, sector_num, reg_seal_proof, ticket_epoch, ticket_value, orig_sealed_cid, "
           "orig_unsealed_cid, cur_sealed_cid, cur_unsealed_cid, seed_epoch, seed_value, has_sector_key) VALUES (" +
           std::to_string(sp) + ", " + std::to_string(number) + ", 5, 1822, decode('" + ticket_hex + "', 'hex'), '" +
           orig_sealed + "', '" + orig_unsealed + "', '" + cur_sealed + "', '" + cur_unsealed + "', 2733, '\\x00', " +
           (snapped ? "TRUE" : "FALSE") + ");\n";
}

std::string piece_row(uint64_t number, uint64_t index, const std::string &cid, uint64_t size, const std::string &deal,
                      const std::string &ddo_pam = "NULL", bool keep_data = false)
{
    return "INSERT INTO sectors_meta_pieces (sp_id, sector_num, piece_num, piece_cid, piece_size, requested_keep_data, "
           "f05_deal_id, ddo_pam) VALUES (1002, " +
           std::to_string(number) + ", " + std::to_string(index) + ", '" + cid + "', " + std::to_string(size) + ", " +
           (keep_data ? "TRUE" : "FALSE") + ", " + deal + ", " + ddo_pam + ");\n";
}

std::string location_row(uint64_t number, int filetype, const std::string &storage, bool primary)
{
    return "INSERT INTO sector_location (miner_id, sector_num, sector_filetype, storage_id, is_primary) VALUES "
           "(1002, " +
           std::to_string(number) + ", " + std::to_string(filetype) + ", '" + storage + "', " +
           (primary ? "TRUE" : "FALSE") + ");\n";
}

// A curio database holding: 1 the devnet CC sector, 2 the two pieces as curio
// seals them (data only, one DDO), 3 the same migrated from lotus-miner
// (fillers included), 4 a snapped sector, 5 pieces that do not give its
// CommD, 6 a short ticket, and a sector of another miner.
std::string curio_database(dmc::test::PostgresServer &server, std::string &name)
{
    const std::string url = server.create_database("curio");
    name = url.substr(url.rfind('/') + 1);
    const auto schema =
        server.psql(name, dmc::test::slurp(std::string(DMC_SOURCE_ROOT) + "/tests/fixtures/curio/schema.sql"));
    REQUIRE(schema.exit_code == 0);
    const Values v = values();
    const std::string ticket_2 = std::string(62, '1') + "0a";
    std::string sql;
    sql += meta_row(1002, 1, v.ticket_hex, v.devnet_comm_r, v.cc, v.devnet_comm_r, v.cc, false);
    sql += location_row(1, 2, "store-a", true) + location_row(1, 4, "store-a", true) + location_row(1, 2, "old", false);
    sql += meta_row(1002, 2, ticket_2, sealed_cid(2), v.comm_d, sealed_cid(2), v.comm_d, false);
    sql += piece_row(2, 0, v.a, 128, "11") + piece_row(2, 1, v.b, 1024, "NULL", "'{\"Size\": 1024}'");
    sql += meta_row(1002, 3, ticket_2, sealed_cid(3), v.comm_d, sealed_cid(3), v.comm_d, false);
    sql += piece_row(3, 0, v.a, 128, "12") + piece_row(3, 1, zero_piece_cid(128), 128, "0") +
           piece_row(3, 2, zero_piece_cid(256), 256, "0") + piece_row(3, 3, zero_piece_cid(512), 512, "0") +
           piece_row(3, 4, v.b, 1024, "13", "NULL", true);
    sql += meta_row(1002, 4, ticket_2, sealed_cid(4), v.cc, sealed_cid(104), v.comm_d, true);
    sql += piece_row(4, 0, v.a, 128, "14") + piece_row(4, 1, v.b, 1024, "15");
    sql += location_row(4, 2, "store-a", true) + location_row(4, 8, "store-b", true);
    sql += meta_row(1002, 5, ticket_2, sealed_cid(5), v.comm_d, sealed_cid(5), v.comm_d, false);
    sql += piece_row(5, 0, v.a, 128, "16");
    sql += meta_row(1002, 6, "0a0b0c", sealed_cid(6), v.cc, sealed_cid(6), v.cc, false);
    sql += meta_row(2000, 1, v.ticket_hex, v.devnet_comm_r, v.cc, v.devnet_comm_r, v.cc, false);
    const auto rows = server.psql(name, sql);
    INFO(rows.err);
    REQUIRE(rows.exit_code == 0);
    return url;
}

const core::SectorRecord *find_record(const ImportBatch &batch, uint64_t number)
{
    for (const auto &record : batch.records)
        if (record.key.number == number) return &record;
    return nullptr;
}

} // namespace

TEST_CASE("curio import: records from sectors_meta and sectors_meta_pieces", "[service][importers][postgres]")
{
    DMC_POSTGRES_OR_SKIP(server);
    std::string name;
    const std::string url = curio_database(*server, name);
    const Values v = values();
    auto batch = import_from_curio(url, {1002, std::nullopt, ""});
    REQUIRE(batch.ok());
    CHECK(batch->records.size() == 4);

    const core::SectorRecord *cc = find_record(*batch, 1);
    REQUIRE(cc);
    CHECK(to_hex(cc->ticket.value()) == v.ticket_hex);
    CHECK(cc->ticket_epoch == 1822);
    CHECK(cc->comm_r == v.devnet_comm_r);
    CHECK(cc->comm_d == v.cc);
    CHECK(cc->pieces.empty());
    CHECK(cc->store == "store-a"); // the primary sealed location

    const core::SectorRecord *sealed_by_curio = find_record(*batch, 2);
    const core::SectorRecord *migrated = find_record(*batch, 3);
    REQUIRE(sealed_by_curio);
    REQUIRE(migrated);
    for (const auto *record : {sealed_by_curio, migrated}) {
        CHECK(record->comm_d == v.comm_d);
        REQUIRE(record->pieces.size() == 2);
        CHECK(record->pieces[0].cid == v.a);
        CHECK(record->pieces[0].offset == 0);
        CHECK(record->pieces[1].cid == v.b);
        CHECK(record->pieces[1].offset == 1024);
    }
    CHECK(sealed_by_curio->pieces[0].deal_id == 11u);
    CHECK_FALSE(sealed_by_curio->pieces[1].deal_id); // DDO
    CHECK(migrated->pieces[1].deal_id == 13u);
    CHECK(migrated->keep_unsealed); // one piece with requested_keep_data
    CHECK_FALSE(sealed_by_curio->keep_unsealed);

    const core::SectorRecord *snapped = find_record(*batch, 4);
    REQUIRE(snapped);
    CHECK(snapped->upgraded);
    CHECK(snapped->comm_r == sealed_cid(4));
    CHECK(snapped->comm_d == v.cc);
    CHECK(snapped->pieces.empty());
    REQUIRE(snapped->snap);
    CHECK(snapped->snap->comm_r_new == sealed_cid(104));
    CHECK(snapped->snap->comm_d_new == v.comm_d);
    REQUIRE(snapped->snap->pieces.size() == 2);
    CHECK(snapped->snap->pieces[1].deal_id == 15u);
    CHECK(snapped->store == "store-b"); // the update's location

    REQUIRE(batch->incomplete.size() == 2);
    CHECK(batch->incomplete[0].key.number == 5);
    CHECK(batch->incomplete[0].reason.find(v.comm_d) != std::string::npos);
    CHECK(batch->incomplete[1].key.number == 6);
    CHECK(batch->incomplete[1].reason == "ticket_value has 3 bytes, want 32");
}

TEST_CASE("curio import: --sectors, --store and another miner's rows", "[service][importers][postgres]")
{
    DMC_POSTGRES_OR_SKIP(server);
    std::string name;
    const std::string url = curio_database(*server, name);
    auto batch = import_from_curio(url, {1002, std::vector<uint64_t>{1, 4, 9}, "elsewhere"});
    REQUIRE(batch.ok());
    REQUIRE(batch->records.size() == 2);
    for (const auto &record : batch->records) CHECK(record.store == "elsewhere");
    REQUIRE(batch->incomplete.size() == 1);
    CHECK(batch->incomplete[0].key.number == 9);
    CHECK(batch->incomplete[0].reason == "curio's sectors_meta has no such sector");

    auto other = import_from_curio(url, {2000, std::nullopt, ""});
    REQUIRE(other.ok());
    REQUIRE(other->records.size() == 1);
    CHECK(other->records[0].key.miner == 2000);
}

TEST_CASE("curio import: an older database without has_sector_key tells a snap by its CIDs",
          "[service][importers][postgres]")
{
    DMC_POSTGRES_OR_SKIP(server);
    std::string name;
    const std::string url = curio_database(*server, name);
    REQUIRE(server->psql(name, "ALTER TABLE sectors_meta DROP COLUMN has_sector_key").exit_code == 0);
    auto batch = import_from_curio(url, {1002, std::vector<uint64_t>{4}, ""});
    REQUIRE(batch.ok());
    REQUIRE(batch->records.size() == 1);
    CHECK(batch->records[0].upgraded);
}

TEST_CASE("curio import: not a curio database, or no server, is one clear error", "[service][importers][postgres]")
{
    DMC_POSTGRES_OR_SKIP(server);
    const std::string empty = server->create_database("notcurio");
    auto not_curio = import_from_curio(empty, {});
    REQUIRE_FALSE(not_curio.ok());
    CHECK(not_curio.error().message.find("not a curio database") != std::string::npos);

    const int port = dmc::test::free_port();
    auto unreachable =
        import_from_curio("postgresql://postgres:secret@127.0.0.1:" + std::to_string(port) + "/curio", {});
    REQUIRE_FALSE(unreachable.ok());
    CHECK(unreachable.error().message.find("cannot connect to curio's database") != std::string::npos);
    CHECK(unreachable.error().message.find("secret") == std::string::npos); // the password is not printed
    CHECK(unreachable.error().message.find("postgres:***@") != std::string::npos);
}
