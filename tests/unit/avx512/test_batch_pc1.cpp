// SPDX-License-Identifier: Apache-2.0
//
// The avx512 stage's batch PC1 (up to 16 sectors of one proof type per
// call) against the cpu reference plugin, byte for byte: each engine (the
// measured choice, SHA-NI chains and AVX-512 lanes, forced through
// DAMOCLES_AVX512_PC1_ENGINE), batches of 1, 3 and 16 on 1 and 2 threads,
// every proof family at 2KiB and V1_1 at 8MiB; 17 sectors (refused by the
// stage, split 16 + 1 by the host's PC1 fusion); sectors of a batch that
// resume at layer 2; cancellation before and during a batch. The expected
// bytes come from the cpu plugin (OpenSSL SHA-256 over the sdk's graph),
// never from the code under test.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>

#include "damocles/core/internal/dag_builder.hpp"
#include "pc1_runner.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

const char *const kEngines[] = {"", "sha-ni", "lanes"};

core::StageHandle avx512_pc1()
{
    auto handle = plugin_registry().select(DMC_STAGE_PC1, "avx512");
    REQUIRE(handle.ok());
    return *handle;
}

std::vector<Pc1Sector> batch(const std::string &root, uint32_t count, uint32_t seed)
{
    std::vector<Pc1Sector> sectors;
    for (uint32_t i = 0; i < count; ++i)
        sectors.push_back({test_replica_id(seed + i), root + "/s" + std::to_string(i), 1});
    return sectors;
}

// Every layer of every sector equals the cpu plugin's; layer_done once per
// (sector, layer) after the file is complete, layers in order per sector;
// progress ends at its total.
void check_batch(const SealProof &proof, const std::vector<Pc1Sector> &sectors, const Pc1Run &run)
{
    INFO(run.result.error);
    REQUIRE(run.result.status == DMC_OK);
    uint64_t layers_run = 0;
    for (const auto &s : sectors) {
        require_same_layers(proof, s.replica_id, s.cache_dir, s.first_layer);
        layers_run += proof.layers - s.first_layer + 1;
    }
    REQUIRE(run.done.size() == layers_run);
    for (const auto &d : run.done) CHECK(d.file_size == proof.nodes() * 32);
    for (uint32_t i = 0; i < sectors.size(); ++i) {
        uint32_t last = sectors[i].first_layer - 1;
        for (const auto &d : run.done)
            if (d.sector == i) {
                CHECK(d.layer == last + 1);
                last = d.layer;
            }
        CHECK(last == proof.layers);
    }
    CHECK(run.result.last_total == layers_run * proof.nodes());
    CHECK(run.result.last_done == run.result.last_total);
    // Nothing but the layer files is left in the cache directories (the
    // scratch files have no name, the temporaries were renamed).
    for (const auto &s : sectors)
        for (const auto &name : files_in(s.cache_dir)) {
            INFO(s.cache_dir << ": " << name);
            CHECK(name.rfind("sc-02-data-layer-", 0) == 0);
            CHECK(name.find(".tmp") == std::string::npos);
        }
}

} // namespace

TEST_CASE("batch pc1: every engine equals cpu at 2KiB for every proof family", "[avx512][pc1][batch]")
{
    if (!avx512_stage_available(DMC_STAGE_PC1)) return;
    const auto stage = avx512_pc1();
    REQUIRE(stage.max_sectors() == 16);
    for (const char *name : {"StackedDrg2KiBV1", "StackedDrg2KiBV1_1", "StackedDrg2KiBV1_1_Feat_SyntheticPoRep",
                             "StackedDrg2KiBV1_2_Feat_NonInteractivePoRep"}) {
        const SealProof &proof = proof_named(name);
        for (const char *engine : kEngines) {
            ForcedPc1Engine forced(engine);
            for (uint32_t count : {1u, 3u, 16u}) {
                for (uint32_t threads : {1u, 2u}) {
                    INFO(name << " engine '" << engine << "' sectors " << count << " threads " << threads);
                    TempDir root("avx512-batch-2k");
                    const auto sectors = batch(root.path(), count, 400);
                    check_batch(proof, sectors, run_pc1(stage, proof, sectors, threads));
                }
            }
        }
    }
}

TEST_CASE("batch pc1: every engine equals cpu at 8MiB V1_1 for batches of 1, 3 and 16", "[avx512][pc1][batch]")
{
    if (!avx512_stage_available(DMC_STAGE_PC1)) return;
    const auto stage = avx512_pc1();
    const SealProof &proof = proof_named("StackedDrg8MiBV1_1");
    for (const char *engine : kEngines) {
        ForcedPc1Engine forced(engine);
        for (uint32_t count : {1u, 3u, 16u}) {
            for (uint32_t threads : {1u, 2u}) {
                if (threads == 2 && count == 1) continue; // the same single-thread run as threads 1
                INFO("engine '" << engine << "' sectors " << count << " threads " << threads);
                TempDir root("avx512-batch-8m");
                const auto sectors = batch(root.path(), count, 500);
                check_batch(proof, sectors, run_pc1(stage, proof, sectors, threads));
            }
        }
    }
}

TEST_CASE("batch pc1: 17 sectors are refused by the stage and split 16 + 1 by the host", "[avx512][pc1][batch]")
{
    if (!avx512_stage_available(DMC_STAGE_PC1)) return;
    const auto stage = avx512_pc1();
    const SealProof &proof = proof_named("StackedDrg2KiBV1_1");
    TempDir root("avx512-batch-17");
    const auto sectors = batch(root.path(), 17, 600);

    auto refused = run_pc1(stage, proof, sectors, 1);
    CHECK(refused.result.status == DMC_ERR_INVALID_ARG);
    CHECK(refused.result.error.find("1..16") != std::string::npos);
    CHECK(refused.done.empty());
    for (const auto &s : sectors) CHECK_FALSE(std::filesystem::exists(layer_file(s.cache_dir, 1)));

    // The host fuses PC1 vertices of one proof type into chunks of the
    // selected plugin's max_sectors.
    std::vector<core::SectorSpec> specs;
    for (uint64_t n = 1; n <= 17; ++n) specs.push_back({1001, n, proof.id, core::Plan::cc});
    core::DagBuildOptions options;
    options.chooser = core::registry_stage_chooser(plugin_registry(), {{"pc1", "avx512"}});
    auto dag = core::build_batch_dag(specs, options);
    REQUIRE(dag.ok());
    std::vector<std::vector<uint32_t>> chunks;
    for (core::VertexId v = 0; v < dag->vertex_count(); ++v)
        if ((*dag)[v].kind == core::VertexKind::pc1) chunks.push_back((*dag)[v].sectors);
    REQUIRE(chunks.size() == 2);
    CHECK(chunks[0].size() == 16);
    CHECK(chunks[1] == std::vector<uint32_t>{16});
    for (const auto &chunk : chunks) {
        std::vector<Pc1Sector> part;
        for (uint32_t i : chunk) part.push_back(sectors[i]);
        check_batch(proof, part, run_pc1(stage, proof, part, 1));
    }
}

TEST_CASE("batch pc1: sectors of a batch resume at layer 2", "[avx512][pc1][batch]")
{
    if (!avx512_stage_available(DMC_STAGE_PC1)) return;
    const auto stage = avx512_pc1();
    for (const char *name : {"StackedDrg2KiBV1_1", "StackedDrg8MiBV1_1"}) {
        const SealProof &proof = proof_named(name);
        for (const char *engine : kEngines) {
            ForcedPc1Engine forced(engine);
            for (bool all_resume : {false, true}) {
                INFO(name << " engine '" << engine << "' all resume " << all_resume);
                TempDir root("avx512-batch-resume");
                auto sectors = batch(root.path(), 16, 700);
                for (uint32_t i = 0; i < sectors.size(); ++i) {
                    if (!all_resume && i != 2 && i != 9 && i != 15) continue;
                    // Its layer 1 is the cpu plugin's (a resumed sector's layers < first_layer are final).
                    sectors[i].first_layer = 2;
                    std::filesystem::create_directories(sectors[i].cache_dir);
                    std::filesystem::copy_file(layer_file(cpu_layers(proof, sectors[i].replica_id), 1),
                                               layer_file(sectors[i].cache_dir, 1));
                }
                check_batch(proof, sectors, run_pc1(stage, proof, sectors, 1));
                // Resumed sectors' layer 1 was read, not rewritten.
                for (const auto &s : sectors) require_same_layers(proof, s.replica_id, s.cache_dir, 1);
            }
        }
    }
}

TEST_CASE("batch pc1: a resumed sector's short layer file is refused", "[avx512][pc1][batch]")
{
    if (!avx512_stage_available(DMC_STAGE_PC1)) return;
    const auto stage = avx512_pc1();
    const SealProof &proof = proof_named("StackedDrg2KiBV1_1");
    for (const char *engine : {"sha-ni", "lanes"}) {
        ForcedPc1Engine forced(engine);
        INFO("engine " << engine);
        TempDir root("avx512-batch-short");
        auto sectors = batch(root.path(), 3, 750);
        sectors[1].first_layer = 2;
        std::filesystem::create_directories(sectors[1].cache_dir);
        write_text(layer_file(sectors[1].cache_dir, 1), "too short");
        auto run = run_pc1(stage, proof, sectors, 1);
        CHECK(run.result.status == DMC_ERR_INVALID_ARG);
        CHECK(run.result.error.find("bytes, expected") != std::string::npos);
    }
}

TEST_CASE("batch pc1: a cancelled batch leaves no partial layer file", "[avx512][pc1][batch]")
{
    if (!avx512_stage_available(DMC_STAGE_PC1)) return;
    const auto stage = avx512_pc1();
    const SealProof &proof = proof_named("StackedDrg8MiBV1_1");
    for (const char *engine : kEngines) {
        ForcedPc1Engine forced(engine);
        SECTION(std::string("cancelled before it starts, engine '") + engine + "'")
        {
            TempDir root("avx512-batch-cancel0");
            const auto sectors = batch(root.path(), 16, 800);
            Pc1Hooks hooks;
            hooks.cancel_at_start = true;
            auto run = run_pc1(stage, proof, sectors, 1, hooks);
            CHECK(run.result.status == DMC_ERR_CANCELLED);
            CHECK(run.done.empty());
            for (const auto &s : sectors) CHECK(files_in(s.cache_dir).empty());
        }
        SECTION(std::string("cancelled in the middle of layer 2, engine '") + engine + "'")
        {
            TempDir root("avx512-batch-cancel2");
            const auto sectors = batch(root.path(), 16, 800);
            Pc1Hooks hooks;
            const uint64_t stop_at = uint64_t(16) * proof.nodes() * 3 / 2; // half way through layer 2
            std::atomic<bool> cancelled{false};
            hooks.on_progress = [&](uint64_t done, uint64_t, volatile int32_t *cancel) {
                if (done >= stop_at) {
                    *cancel = 1;
                    cancelled = true;
                }
            };
            auto run = run_pc1(stage, proof, sectors, 2, hooks);
            REQUIRE(cancelled.load());
            CHECK(run.result.status == DMC_ERR_CANCELLED);
            // Layer 1 is complete and was reported for every sector; layer 2
            // never appears under its name, and no temporary is left.
            CHECK(run.done.size() == sectors.size());
            for (const auto &d : run.done) CHECK(d.layer == 1);
            for (const auto &s : sectors) {
                require_same_file(layer_file(cpu_layers(proof, s.replica_id), 1), layer_file(s.cache_dir, 1));
                CHECK_FALSE(std::filesystem::exists(layer_file(s.cache_dir, 2)));
                CHECK(files_in(s.cache_dir) == std::vector<std::string>{"sc-02-data-layer-1.dat"});
            }
        }
    }
}
