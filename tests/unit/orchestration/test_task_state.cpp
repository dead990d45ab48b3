// SPDX-License-Identifier: Apache-2.0
//
// damocles state names (docs/architecture.md §6.1) and the completed-vertices
// -> state mapping for each plan.
#include <catch2/catch.hpp>

#include "damocles/core/task_state.hpp"

using namespace dmc::core;
using K = VertexKind;
using S = TaskState;

TEST_CASE("state names are damocles' and parse back", "[state]")
{
    const char *names[] = {"Empty",    "Allocated",     "PieceAdded",     "TreeDBuilt",     "PC1Done",
                           "PC2Done",  "SealedChecked", "SnapPieceAdded", "SnapTreeDBuilt", "SnapEncoded",
                           "SnapDone", "Persisted",     "Finished",       "Aborted",        "Unsealed"};
    for (uint32_t i = 0; i < kTaskStateCount; ++i) {
        CHECK(std::string(task_state_name(static_cast<S>(i))) == names[i]);
        auto back = task_state_from_name(names[i]);
        REQUIRE(back.ok());
        CHECK(*back == static_cast<S>(i));
    }
    auto bad = task_state_from_name("TicketAssigned");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message == "invalid state TicketAssigned");
    CHECK(std::string(task_stage_label(S::tree_d_built)) == "PC1");
    CHECK(std::string(task_stage_label(S::pc2_done)) == "C1");
    CHECK(std::string(task_stage_label(S::snap_done)) == "PersistFiles");
    CHECK(std::string(task_stage_label(S::finished)) == "-");
}

TEST_CASE("completed vertices map to the furthest state reached", "[state]")
{
    std::set<K> done;
    CHECK(state_after(Plan::cc, done) == S::allocated);
    done.insert(K::add_pieces);
    CHECK(state_after(Plan::cc, done) == S::piece_added);
    done.insert(K::tree_d);
    CHECK(state_after(Plan::cc, done) == S::tree_d_built);
    done.insert(K::pc1);
    CHECK(state_after(Plan::cc, done) == S::pc1_done);
    done.insert(K::tree_c);
    CHECK(state_after(Plan::cc, done) == S::pc1_done); // tree_r_last still running
    done.insert(K::tree_r_last);
    CHECK(state_after(Plan::cc, done) == S::pc1_done); // comm_r not checked yet
    done.insert(K::comm_r_check);
    CHECK(state_after(Plan::cc, done) == S::pc2_done);
    done.insert(K::check_sealed);
    CHECK(state_after(Plan::deal, done) == S::sealed_checked);
    CHECK(state_after(Plan::snap, done) == S::sealed_checked);
    done.insert(K::persist);
    CHECK(state_after(Plan::cc, done) == S::persisted);
    CHECK(state_after(Plan::snap, done) == S::sealed_checked); // snap persists only after snap_check
    done.insert(K::report);
    CHECK(state_after(Plan::cc, done) == S::finished);

    std::set<K> snap = {K::add_pieces, K::tree_d, K::pc1, K::tree_c, K::tree_r_last, K::comm_r_check, K::check_sealed};
    snap.insert(K::add_new_pieces);
    CHECK(state_after(Plan::snap, snap) == S::snap_piece_added);
    snap.insert(K::tree_d_new);
    CHECK(state_after(Plan::snap, snap) == S::snap_tree_d_built);
    snap.insert(K::snap_encode);
    CHECK(state_after(Plan::snap, snap) == S::snap_encoded);
    snap.insert(K::snap_check);
    CHECK(state_after(Plan::snap, snap) == S::snap_done);
    snap.insert(K::persist);
    CHECK(state_after(Plan::snap, snap) == S::persisted);

    CHECK(state_after(Plan::cache_only, {K::tree_r_last}) == S::allocated);
    CHECK(state_after(Plan::cache_only, {K::tree_r_last, K::comm_r_check}) == S::pc2_done);
    CHECK(state_after(Plan::cache_only, {K::tree_r_last, K::comm_r_check, K::persist, K::report}) == S::finished);
}

TEST_CASE("completed_in_state is the inverse of state_after", "[state]")
{
    auto tree_d = completed_in_state(Plan::cc, S::tree_d_built);
    REQUIRE(tree_d.ok());
    CHECK(*tree_d == std::set<K>{K::add_pieces, K::tree_d});
    CHECK(completed_in_state(Plan::cc, S::empty)->empty());
    CHECK(completed_in_state(Plan::cc, S::allocated)->empty());
    auto bad = completed_in_state(Plan::cc, S::snap_encoded);
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error().message, Catch::Contains("not part of the cc rebuild flow"));
    CHECK_FALSE(completed_in_state(Plan::snap, S::aborted).ok());
    for (Plan plan : {Plan::cc, Plan::deal, Plan::snap, Plan::cache_only, Plan::unseal})
        for (uint32_t i = 1; i < kTaskStateCount; ++i) {
            auto kinds = completed_in_state(plan, static_cast<S>(i));
            if (kinds) CHECK(state_after(plan, *kinds) == static_cast<S>(i));
        }
}

TEST_CASE("the unseal flow: PC1Done, Unsealed, Persisted, Finished", "[state]")
{
    CHECK(state_after(Plan::unseal, {}) == S::allocated);
    CHECK(state_after(Plan::unseal, {K::pc1}) == S::pc1_done);
    CHECK(state_after(Plan::unseal, {K::pc1, K::unseal_decode}) == S::pc1_done);
    CHECK(state_after(Plan::unseal, {K::pc1, K::unseal_decode, K::tree_d}) == S::unsealed);
    CHECK(state_after(Plan::unseal, {K::pc1, K::unseal_decode, K::tree_d, K::persist, K::report}) == S::finished);
    CHECK(std::string(task_state_name(S::unsealed)) == "Unsealed");
    CHECK(*completed_in_state(Plan::unseal, S::unsealed) == std::set<K>{K::pc1, K::unseal_decode, K::tree_d});
    CHECK_THAT(completed_in_state(Plan::unseal, S::pc2_done).error().message,
               Catch::Contains("not part of the unseal rebuild flow"));
}
