// SPDX-License-Identifier: Apache-2.0
//
// Helpers of the pc1 identity tests: one pc1 call of any plugin with a
// layer_done recorder, the cpu reference's layers for a replica id
// (computed once per test binary), layer comparison, and forcing the
// avx512 stage's batch engine (DAMOCLES_AVX512_PC1_ENGINE).
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "plugin_runner.hpp"

namespace dmc::test {

struct Pc1Sector {
    Bytes32 replica_id;
    std::string cache_dir;
    uint32_t first_layer = 1;
};

struct LayerDone {
    uint32_t sector, layer;
    uint64_t file_size; // size of the layer file when the hook ran
    std::string dir;
};

struct Pc1Run {
    CallResult result;
    std::vector<LayerDone> done;
};

// `on_progress`, when given, also sees every progress report (and may set
// *cancel to stop the call).
struct Pc1Hooks {
    std::function<void(uint64_t done, uint64_t total, volatile int32_t *cancel)> on_progress;
    bool cancel_at_start = false;
};

inline Pc1Run run_pc1(const core::StageHandle &stage, const SealProof &proof, const std::vector<Pc1Sector> &sectors,
                      uint32_t threads, const Pc1Hooks &hooks = {})
{
    struct Hook {
        const std::vector<Pc1Sector> *sectors;
        const Pc1Hooks *hooks;
        std::vector<LayerDone> done;
        volatile int32_t cancel = 0;
        uint64_t last_done = 0, last_total = 0;
        static void on_layer(void *user, uint32_t sector, uint32_t layer)
        {
            auto *self = static_cast<Hook *>(user);
            std::error_code ec;
            const std::string dir = sector < self->sectors->size() ? (*self->sectors)[sector].cache_dir : "";
            const auto size = std::filesystem::file_size(layer_file(dir, layer), ec);
            self->done.push_back({sector, layer, ec ? 0 : static_cast<uint64_t>(size), dir});
        }
        static void on_progress(void *user, uint64_t done, uint64_t total)
        {
            auto *self = static_cast<Hook *>(user);
            self->last_done = done;
            self->last_total = total;
            if (self->hooks->on_progress) self->hooks->on_progress(done, total, &self->cancel);
        }
    } hook{&sectors, &hooks, {}};
    hook.cancel = hooks.cancel_at_start ? 1 : 0;
    std::vector<dmc_pc1_sector> abi(sectors.size());
    for (size_t i = 0; i < sectors.size(); ++i) {
        abi[i].struct_size = sizeof(dmc_pc1_sector);
        abi[i].first_layer = sectors[i].first_layer;
        std::memcpy(abi[i].replica_id, sectors[i].replica_id.data(), 32);
        abi[i].cache_dir = sectors[i].cache_dir.c_str();
    }
    const std::string parents = parent_cache_for(proof);
    dmc_pc1_args args{};
    args.struct_size = sizeof args;
    args.num_sectors = static_cast<uint32_t>(sectors.size());
    args.registered_proof = proof.id;
    args.parent_cache_path = parents.c_str();
    args.sectors = abi.data();
    args.layer_done = &Hook::on_layer;
    args.layer_done_user = &hook;
    char error[1024] = {};
    dmc_call call{};
    call.struct_size = sizeof call;
    call.threads = threads;
    call.numa_node = -1;
    call.progress = &Hook::on_progress;
    call.progress_user = &hook;
    call.cancel = &hook.cancel;
    call.error = error;
    call.error_size = sizeof error;
    const dmc_status status = stage.ops<dmc_pc1_ops>()->run(&call, &args);
    return {{status, error, hook.last_done, hook.last_total}, std::move(hook.done)};
}

// The cpu plugin's layers for a replica id, computed once per (proof, id).
inline std::string cpu_layers(const SealProof &proof, const Bytes32 &replica_id)
{
    static TempDir root("avx512-cpu-pc1");
    static std::map<std::string, std::string> done;
    const std::string key = std::string(proof.name) + "-" + to_hex(replica_id);
    if (auto it = done.find(key); it != done.end()) return it->second;
    const std::string dir = root / key;
    auto run = run_pc1(cpu_stage(DMC_STAGE_PC1), proof, {{replica_id, dir, 1}}, 1);
    INFO(run.result.error);
    REQUIRE(run.result.status == DMC_OK);
    return done[key] = dir;
}

inline void require_same_layers(const SealProof &proof, const Bytes32 &replica_id, const std::string &dir,
                                uint32_t first_layer = 1)
{
    const std::string expected = cpu_layers(proof, replica_id);
    for (uint32_t layer = first_layer; layer <= proof.layers; ++layer)
        require_same_file(layer_file(expected, layer), layer_file(dir, layer));
}

// Sets DAMOCLES_AVX512_PC1_ENGINE for its lifetime ("" = unset: the stage's
// measured choice).
class ForcedPc1Engine {
public:
    explicit ForcedPc1Engine(const std::string &engine)
    {
        if (const char *old = std::getenv(kName)) old_ = old;
        if (engine.empty())
            ::unsetenv(kName);
        else
            ::setenv(kName, engine.c_str(), 1);
    }
    ~ForcedPc1Engine()
    {
        if (old_)
            ::setenv(kName, old_->c_str(), 1);
        else
            ::unsetenv(kName);
    }
    ForcedPc1Engine(const ForcedPc1Engine &) = delete;
    ForcedPc1Engine &operator=(const ForcedPc1Engine &) = delete;

private:
    static constexpr const char *kName = "DAMOCLES_AVX512_PC1_ENGINE";
    std::optional<std::string> old_;
};

// Names of every file in `dir` (to find leftover temporaries).
inline std::vector<std::string> files_in(const std::string &dir)
{
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto &e : std::filesystem::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
    return out;
}

} // namespace dmc::test
