// SPDX-License-Identifier: Apache-2.0
//
// ManagerService without a transport: persist-store selection (policy,
// read-only, candidates, idempotent re-persist, the previous store first,
// weights) and the submit-persisted check of files and sizes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

#include "damocles/core/internal/store_layout.hpp"
#include "process.hpp"
#include "service/manager/manager_service.hpp"

using namespace dmc;
using namespace dmc::core;
using namespace dmc::service;
namespace fs = std::filesystem;

namespace {

SectorRecord sector(uint64_t miner, uint64_t number, const std::string &store = "")
{
    SectorRecord r;
    r.key = {miner, number};
    r.proof_id = 5; // 2KiB V1_1
    Bytes32 t{};
    r.ticket = t;
    r.comm_d = "baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy";
    r.comm_r = "bagboea4b5abcbnym7z3pgc64fk5wwsk3nsmz62jamgaa3pekzelmm3fv5q6g6zji";
    r.store = store;
    return r;
}

struct Fixture {
    test::TempDir dir{"mgr-svc"};
    std::unique_ptr<ManagerService> svc;

    explicit Fixture(std::vector<PersistStoreRecord> stores)
    {
        ManagerConfig cfg;
        cfg.home = dir.path();
        cfg.miners = {1001, 1002};
        auto reg = open_registry(dir / "registry.db");
        REQUIRE(reg.ok());
        for (auto &s : stores) {
            s.path = dir / s.name;
            fs::create_directories(s.path);
            REQUIRE((*reg)->upsert_store(s).ok());
        }
        svc = std::make_unique<ManagerService>(cfg, std::move(*reg));
    }
    std::string pick(uint64_t miner, uint64_t number, std::vector<std::string> candidates, uint64_t size = 4096)
    {
        auto r = svc->reserve_space({miner, number}, size, candidates);
        REQUIRE(r.ok());
        return *r ? (*r)->name : std::string("none");
    }
};

} // namespace

TEST_CASE("manager: store selection honours deny/allow lists, read-only and the worker's candidates", "[manager-svc]")
{
    Fixture f({{"a", "", 1, false, {}, {1002}}, {"b", "", 1, true, {}, {}}, {"c", "", 1, false, {1002}, {}}});
    REQUIRE(f.svc->registry().import_sector(sector(1001, 1), false).ok());
    REQUIRE(f.svc->registry().import_sector(sector(1002, 1), false).ok());
    // 1002 is denied on a, b is read-only: c.
    CHECK(f.pick(1002, 1, {"a", "b", "c"}) == "c");
    // 1001 is not allowed on c, b is read-only: a.
    CHECK(f.pick(1001, 1, {"a", "b", "c"}) == "a");
    // Only candidates the worker has attached count.
    CHECK(f.pick(1001, 2, {"b", "c"}) == "none");
    // The same sector asking again gets the same reservation.
    CHECK(f.pick(1001, 1, {"a", "b", "c"}) == "a");
    auto reservations = f.svc->registry().list_reservations();
    REQUIRE(reservations.ok());
    CHECK(reservations->size() == 2);
}

TEST_CASE("manager: the store that held the sector before is preferred; weights spread the rest", "[manager-svc]")
{
    Fixture f({{"x", "", 1, false, {}, {}}, {"y", "", 9, false, {}, {}}});
    REQUIRE(f.svc->registry().import_sector(sector(1001, 1, "x"), false).ok());
    CHECK(f.pick(1001, 1, {"x", "y"}) == "x"); // despite y's weight
    std::map<std::string, int> counts;
    for (uint64_t n = 100; n < 300; ++n) {
        REQUIRE(f.svc->registry().import_sector(sector(1001, n), false).ok());
        ++counts[f.pick(1001, n, {"x", "y"})];
    }
    CHECK(counts["y"] > counts["x"] * 3); // weight 9 vs 1 (expected 180 vs 20)
    CHECK(counts["x"] > 0);
}

TEST_CASE("manager: submit persisted checks every file and its size", "[manager-svc]")
{
    Fixture f({{"s", "", 1, false, {}, {}}});
    auto &reg = f.svc->registry();
    REQUIRE(reg.import_sector(sector(1001, 1), false).ok());
    REQUIRE(*reg.mark_for_rebuild({1001, 1}, 0, false, 1));
    auto a = reg.allocate(AllocationFilter{}, 2);
    REQUIRE(a.ok());
    REQUIRE(a->has_value());
    const uint64_t lease = (*a)->entry.lease_id;
    auto proof = find_seal_proof(5);
    REQUIRE(proof.ok());
    const std::string root = f.dir / "s";
    auto st = f.svc->submit_persisted({1001, 1}, lease, "s", false);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message == "missing " + root + "/sealed/s-t01001-1");
    for (const auto &file : persisted_files(**proof, {1001, 1}, false)) {
        fs::create_directories(fs::path(root + "/" + file.relative_path).parent_path());
        test::write_text(root + "/" + file.relative_path, std::string(file.size ? file.size : 10, 'x'));
    }
    test::write_text(root + "/cache/s-t01001-1/p_aux", std::string(63, 'x'));
    st = f.svc->submit_persisted({1001, 1}, lease, "s", false);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("p_aux has 63 bytes, expected 64") != std::string::npos);
    test::write_text(root + "/cache/s-t01001-1/p_aux", std::string(64, 'x'));
    CHECK(f.svc->submit_persisted({1001, 1}, lease, "s", false).ok());
    CHECK((*reg.get_sector({1001, 1}))->store == "s");
    auto wrong_lease = f.svc->submit_persisted({1001, 1}, lease + 1, "s", false);
    CHECK_FALSE(wrong_lease.ok());
}
