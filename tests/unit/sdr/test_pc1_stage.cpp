// SPDX-License-Identifier: Apache-2.0
//
// The pc1 stage's behaviour beyond the vectors: cancellation inside a layer
// (no partial layer file, with and without the producer thread), resume from
// a durable layer, layer_done after the file is complete, progress, and the
// argument checks. Expected layer bytes come from the vectors.
#include <catch2/catch.hpp>

#include <filesystem>

#include "damocles/sdk/ids.hpp"
#include "damocles/sdk/parent_cache.hpp"
#include "damocles/sdk/proof.hpp"
#include "sdr_test_support.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

const SealProof &proof_named(const char *name)
{
    auto p = find_seal_proof(name);
    REQUIRE(p.ok());
    return **p;
}

// One parent cache directory for the whole test binary.
std::string parent_cache(const SealProof &proof)
{
    static TempDir dir("sdr-pc1-parents");
    ParentCacheOptions options;
    options.dir = dir.path();
    options.threads = 2;
    auto path = ensure_parent_cache(proof, options);
    REQUIRE(path.ok());
    return *path;
}

std::vector<std::string> files_in(const std::string &dir)
{
    std::vector<std::string> names;
    if (!std::filesystem::exists(dir)) return names;
    for (const auto &e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
    return names;
}

struct CancelAt {
    volatile int32_t flag = 0;
    uint64_t at = 0;
    static void hook(void *user, uint64_t done, uint64_t)
    {
        auto *c = static_cast<CancelAt *>(user);
        if (done >= c->at) c->flag = 1;
    }
};

Pc1Request request_8mib(const std::string &cache_dir, uint32_t threads)
{
    const auto &v = use_vector("sdr", "pc1_cc_StackedDrg8MiBV1_1");
    const SealProof &proof = proof_named("StackedDrg8MiBV1_1");
    Pc1Request req;
    req.proof_id = proof.id;
    req.replica_id = bytes32_of(v.at("expected").at("replica_id_hex"));
    req.parent_cache_path = parent_cache(proof);
    req.cache_dir = cache_dir;
    req.threads = threads;
    return req;
}

std::string expected_8mib_layer_sha(uint32_t layer)
{
    const auto &v = use_vector("sdr", "pc1_cc_StackedDrg8MiBV1_1");
    return v.at("expected").at("layer" + std::to_string(layer)).at("file_sha256").get<std::string>();
}

} // namespace

TEST_CASE("pc1 cancelled inside layer 1 leaves no layer file (1 and 2 threads)", "[sdr][pc1]")
{
    const uint64_t nodes = proof_named("StackedDrg8MiBV1_1").nodes();
    for (uint32_t threads : {1u, 2u}) {
        INFO(threads << " thread(s)");
        TempDir dir("sdr-pc1-cancel");
        Pc1Request req = request_8mib(dir / "cache", threads);
        CancelAt cancel;
        cancel.at = nodes / 2;
        req.cancel = &cancel.flag;
        req.on_progress = &CancelAt::hook;
        req.on_progress_user = &cancel;
        const auto r = run_pc1_stage(req);
        CHECK(r.status == DMC_ERR_CANCELLED);
        CHECK_THAT(r.error, Catch::Contains("cancelled"));
        CHECK(r.layers_done.empty());
        CHECK(r.last_done < nodes);
        CHECK(files_in(req.cache_dir).empty());
    }
}

TEST_CASE("pc1 cancelled in layer 2 keeps layer 1; resuming at layer 2 completes the vector's layer", "[sdr][pc1]")
{
    const uint64_t nodes = proof_named("StackedDrg8MiBV1_1").nodes();
    TempDir dir("sdr-pc1-resume");
    Pc1Request req = request_8mib(dir / "cache", 2);
    CancelAt cancel;
    cancel.at = nodes + nodes / 3;
    req.cancel = &cancel.flag;
    req.on_progress = &CancelAt::hook;
    req.on_progress_user = &cancel;
    const auto first = run_pc1_stage(req);
    REQUIRE(first.status == DMC_ERR_CANCELLED);
    CHECK(first.layers_done == std::vector<uint32_t>{1});
    CHECK(first.layer_sizes_at_done == std::vector<uint64_t>{nodes * 32});
    CHECK(files_in(req.cache_dir) == std::vector<std::string>{"sc-02-data-layer-1.dat"});
    CHECK(sha256_file_hex(layer_file(req.cache_dir, 1)) == expected_8mib_layer_sha(1));

    Pc1Request resume = request_8mib(req.cache_dir, 1);
    resume.first_layer = 2;
    const auto second = run_pc1_stage(resume);
    REQUIRE(second.status == DMC_OK);
    CHECK(second.layers_done == std::vector<uint32_t>{2});
    CHECK(second.layer_sizes_at_done == std::vector<uint64_t>{nodes * 32});
    CHECK(second.last_done == 2 * nodes);
    CHECK(second.last_total == 2 * nodes);
    CHECK(sha256_file_hex(layer_file(req.cache_dir, 2)) == expected_8mib_layer_sha(2));
}

TEST_CASE("pc1 refuses bad arguments with a one-line error", "[sdr][pc1]")
{
    const auto &v = use_vector("sdr", "end_to_end_2kib_cc_v1_1_actor1000");
    const SealProof &proof = proof_named("StackedDrg2KiBV1_1");
    TempDir dir("sdr-pc1-args");
    Pc1Request good;
    good.proof_id = proof.id;
    good.replica_id = bytes32_of(v.at("expected").at("replica_id_hex"));
    good.parent_cache_path = parent_cache(proof);
    good.cache_dir = dir / "cache";

    auto expect_error = [](const Pc1Request &req, dmc_status status, const char *text) {
        const auto r = run_pc1_stage(req);
        CHECK(r.status == status);
        CHECK_THAT(r.error, Catch::Contains(text));
        CHECK(r.error.find('\n') == std::string::npos);
    };
    Pc1Request bad = good;
    bad.proof_id = 99;
    expect_error(bad, DMC_ERR_INVALID_ARG, "99");
    bad = good;
    bad.first_layer = 0;
    expect_error(bad, DMC_ERR_INVALID_ARG, "first_layer 0");
    bad.first_layer = 3;
    expect_error(bad, DMC_ERR_INVALID_ARG, "first_layer 3");
    bad = good;
    bad.first_layer = 2; // layer 1 does not exist yet
    expect_error(bad, DMC_ERR_INVALID_ARG, "needs layer 1");
    bad = good;
    bad.parent_cache_path = dir / "missing.cache";
    expect_error(bad, DMC_ERR_INVALID_ARG, "missing.cache");
    bad = good;
    bad.parent_cache_path = parent_cache(proof_named("StackedDrg8MiBV1_1"));
    expect_error(bad, DMC_ERR_INVALID_ARG, "expected 3584");
    bad = good;
    bad.replica_id.fill(0xff);
    expect_error(bad, DMC_ERR_INVALID_ARG, "replica_id");
    bad = good;
    bad.cache_dir = "";
    expect_error(bad, DMC_ERR_INVALID_ARG, "cache_dir");

    // ABI-level checks: null/short structs and more than one sector.
    char error[128] = {0};
    dmc_call call{};
    call.struct_size = sizeof call;
    call.error = error;
    call.error_size = sizeof error;
    dmc_pc1_args args{};
    args.struct_size = sizeof args - 8;
    CHECK(cpu::kCpuPc1Ops.run(&call, &args) == DMC_ERR_INVALID_ARG);
    CHECK_THAT(std::string(error), Catch::Contains("struct_size"));
    args.struct_size = sizeof args;
    args.num_sectors = 2;
    CHECK(cpu::kCpuPc1Ops.run(&call, &args) == DMC_ERR_INVALID_ARG);
    CHECK_THAT(std::string(error), Catch::Contains("one sector per call"));
    CHECK(cpu::kCpuPc1Ops.run(nullptr, &args) == DMC_ERR_INVALID_ARG);
    CHECK(cpu::kCpuPc1Ops.struct_size == sizeof(dmc_pc1_ops));

    // The good request still works after all that.
    const auto r = run_pc1_stage(good);
    CHECK(r.status == DMC_OK);
    CHECK(sha256_file_hex(layer_file(good.cache_dir, 2)) ==
          v.at("expected").at("layer2_file_sha256").get<std::string>());
}

TEST_CASE("pc1 progress is monotonic and ends at nodes x layers", "[sdr][pc1]")
{
    TempDir dir("sdr-pc1-progress");
    Pc1Request req = request_8mib(dir / "cache", 2);
    struct Track {
        uint64_t last = 0;
        bool monotonic = true;
        static void hook(void *user, uint64_t done, uint64_t total)
        {
            auto *t = static_cast<Track *>(user);
            t->monotonic &= done >= t->last && done <= total;
            t->last = done;
        }
    } track;
    req.on_progress = &Track::hook;
    req.on_progress_user = &track;
    const auto r = run_pc1_stage(req);
    REQUIRE(r.status == DMC_OK);
    CHECK(track.monotonic);
    CHECK(r.progress_calls > 100);
    CHECK(r.last_done == r.last_total);
    CHECK(r.last_total == 2 * proof_named("StackedDrg8MiBV1_1").nodes());
    CHECK(r.layers_done == std::vector<uint32_t>{1, 2});
}
