// SPDX-License-Identifier: Apache-2.0
//
// What the registry learns about a sector after its import, on every
// backend: comm_c/comm_r_last read from an intact p_aux (many sectors in one
// transaction), the chain height a --lotus check confirmed the record at, and
// how an import treats both (a source that does not know the roots leaves
// them; a replacement forgets the chain check made of other values).
#include <catch2/catch.hpp>

#include "backends.hpp"
#include "registry_fixture.hpp"
#include "service/registry/registry_store.hpp"

using namespace dmc;
using namespace dmc::core;
using namespace dmc::service;
using dmc::test::PostgresBackend;
using dmc::test::sample_sector;
using dmc::test::SqliteBackend;

namespace {

Bytes32 filled(uint8_t value)
{
    Bytes32 bytes{};
    bytes.fill(value);
    return bytes;
}

} // namespace

TEMPLATE_TEST_CASE("registry: the chain check's epoch is kept, shown, and cleared by a replacement", "[registry]",
                   SqliteBackend, PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    REQUIRE(reg->import_sector(sample_sector(1001, 1), false).ok());
    REQUIRE(reg->import_sector(sample_sector(1001, 2), false).ok());
    CHECK_FALSE(reg->get_sector({1001, 1}).value()->chain_checked_epoch);

    REQUIRE(reg->set_chain_checked({{1001, 1}, {1001, 2}}, 3000).ok());
    CHECK(reg->get_sector({1001, 1}).value()->chain_checked_epoch == 3000);
    auto listed = reg->list_sectors({});
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == 2);
    CHECK((*listed)[1].chain_checked_epoch == 3000);

    // The same values again: nothing changes, the check stands.
    CHECK(reg->import_sector(sample_sector(1001, 1), false).value() == ImportOutcome::unchanged);
    CHECK(reg->get_sector({1001, 1}).value()->chain_checked_epoch == 3000);
    // Other values: the check was of the old ones.
    auto changed = sample_sector(1001, 1);
    changed.ticket_epoch = 1900;
    CHECK(reg->import_sector(changed, true).value() == ImportOutcome::replaced);
    CHECK_FALSE(reg->get_sector({1001, 1}).value()->chain_checked_epoch);

    // One transaction: a missing sector leaves every other one as it was.
    auto missing = reg->set_chain_checked({{1001, 2}, {1001, 99}}, 4000);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == Errc::not_found);
    CHECK(reg->get_sector({1001, 2}).value()->chain_checked_epoch == 3000);
}

TEMPLATE_TEST_CASE("registry: roots learnt for many sectors; an import without roots keeps them", "[registry]",
                   SqliteBackend, PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    for (uint64_t number = 1; number <= 3; ++number)
        REQUIRE(reg->import_sector(sample_sector(1001, number), false).ok());
    REQUIRE(reg->set_tree_roots_of({{{1001, 1}, filled(1), filled(2)}, {{1001, 3}, filled(3), filled(4)}}).ok());
    CHECK(reg->get_sector({1001, 1}).value()->comm_c == filled(1));
    CHECK(reg->get_sector({1001, 1}).value()->comm_r_last == filled(2));
    CHECK_FALSE(reg->get_sector({1001, 2}).value()->comm_c);
    CHECK(reg->get_sector({1001, 3}).value()->comm_r_last == filled(4));

    // lotus-miner, curio and the chain know no comm_c: the same record
    // without it is unchanged, and a replacement keeps what was learnt.
    CHECK(reg->import_sector(sample_sector(1001, 1), false).value() == ImportOutcome::unchanged);
    auto replaced = sample_sector(1001, 1);
    replaced.ticket_epoch = 1900;
    CHECK(reg->import_sector(replaced, true).value() == ImportOutcome::replaced);
    CHECK(reg->get_sector({1001, 1}).value()->comm_c == filled(1));

    // Roots given that differ are a conflict that names both values.
    auto other_roots = sample_sector(1001, 3);
    other_roots.comm_c = filled(9);
    other_roots.comm_r_last = filled(4);
    auto conflict = reg->import_sector(other_roots, false);
    REQUIRE_FALSE(conflict.ok());
    CHECK(conflict.error().message.find("comm_c: registered " + to_hex(filled(3)) + ", imported " +
                                        to_hex(filled(9))) != std::string::npos);
}
