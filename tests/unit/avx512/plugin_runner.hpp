// SPDX-License-Identifier: Apache-2.0
//
// Helpers of the cross-plugin identity tests: the plugin registry of the
// build tree, calling any plugin's stage through its ops table with a
// dmc_call, inputs (parent caches, replica ids, staged data) and file
// comparison. Expected bytes always come from the cpu reference plugin,
// an independent implementation (OpenSSL SHA-256, the sdk's Fr/Poseidon).
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "damocles/core/internal/cpu_features.hpp"
#include "damocles/core/plugin_registry.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/parent_cache.hpp"
#include "damocles/sdk/proof.hpp"
#include "process.hpp"
#include "skip.hpp"

namespace dmc::test {

// The CPU features the avx512 plugin requires (its descriptor's list).
inline constexpr uint64_t kAvx512Features = DMC_CPU_SHA_NI | DMC_CPU_AVX2 | DMC_CPU_AVX512F | DMC_CPU_AVX512BW |
                                            DMC_CPU_AVX512VL | DMC_CPU_AVX512DQ | DMC_CPU_AVX512CD |
                                            DMC_CPU_AVX512IFMA | DMC_CPU_ADX | DMC_CPU_BMI2;

inline bool host_has_avx512_features() { return (core::host_cpu_features() & kAvx512Features) == kAvx512Features; }

// Plugins of the build tree, discovered once per test binary.
inline const core::PluginRegistry &plugin_registry()
{
    static const core::PluginRegistry registry = core::PluginRegistry::discover();
    return registry;
}

// The cpu reference implementation of a stage (must exist).
inline core::StageHandle cpu_stage(dmc_stage_kind kind)
{
    auto handle = plugin_registry().select(kind, "cpu");
    REQUIRE(handle.ok());
    return *handle;
}

// Every usable implementation of `kind` except the cpu reference.
inline std::vector<core::StageHandle> other_stages(dmc_stage_kind kind)
{
    std::vector<core::StageHandle> out;
    for (auto &h : plugin_registry().all(kind))
        if (h.plugin_name() != "cpu") out.push_back(h);
    return out;
}

// False (the test case marked skipped, with a WARN naming why) when the avx512 plugin cannot run here;
// REQUIREs that it is usable and offers `kind` when the CPU can run it.
inline bool avx512_stage_available(dmc_stage_kind kind)
{
    if (!host_has_avx512_features()) {
        const char *reason =
            "this CPU lacks the avx512 plugin's features (SHA-NI, AVX-512 F/BW/VL/DQ/CD/IFMA, ADX, BMI2)";
        mark_skipped(reason);
        WARN("SKIPPED: " << reason);
        return false;
    }
    bool found = false;
    for (auto &h : plugin_registry().all(kind)) found = found || h.plugin_name() == "avx512";
    INFO("stage " << core::stage_kind_name(kind));
    REQUIRE(found);
    return true;
}

struct CallResult {
    dmc_status status = DMC_ERR_INTERNAL;
    std::string error;
    uint64_t last_done = 0, last_total = 0;
};

// A dmc_call with an error buffer and a progress recorder.
class TestCall {
public:
    explicit TestCall(uint32_t threads = 1)
    {
        call_.struct_size = sizeof call_;
        call_.threads = threads;
        call_.numa_node = -1;
        call_.progress = &TestCall::on_progress;
        call_.progress_user = this;
        call_.cancel = &cancel_;
        call_.error = error_;
        call_.error_size = sizeof error_;
    }
    const dmc_call *get() const { return &call_; }
    CallResult result(dmc_status status) const { return {status, error_, last_done_, last_total_}; }
    volatile int32_t cancel_ = 0;

private:
    static void on_progress(void *user, uint64_t done, uint64_t total)
    {
        auto *self = static_cast<TestCall *>(user);
        self->last_done_ = done;
        self->last_total_ = total;
    }
    dmc_call call_{};
    char error_[1024] = {};
    uint64_t last_done_ = 0, last_total_ = 0;
};

inline const SealProof &proof_named(const char *name)
{
    auto p = find_seal_proof(name);
    REQUIRE(p.ok());
    return **p;
}

// One parent cache directory per test binary.
inline std::string parent_cache_for(const SealProof &proof)
{
    static TempDir dir("avx512-parents");
    ParentCacheOptions options;
    options.dir = dir.path();
    options.threads = 2;
    auto path = ensure_parent_cache(proof, options);
    REQUIRE(path.ok());
    return *path;
}

// A canonical (trunc254) 32-byte value derived from `seed`.
inline Bytes32 test_replica_id(uint32_t seed)
{
    Bytes32 id;
    uint64_t x = 0x9e3779b97f4a7c15ull * (seed + 1);
    for (auto &b : id) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b = static_cast<uint8_t>(x);
    }
    id[31] &= 0x3f;
    return id;
}

// `nodes` fr32-valid 32-byte nodes (top two bits clear) of pseudo-random data.
inline std::vector<uint8_t> test_staged_data(uint64_t nodes, uint32_t seed)
{
    std::vector<uint8_t> out(nodes * 32);
    uint64_t x = 0x2545f4914f6cdd1dull ^ seed;
    for (size_t i = 0; i < out.size(); ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out[i] = static_cast<uint8_t>(x >> 24);
        if (i % 32 == 31) out[i] &= 0x3f;
    }
    return out;
}

inline std::vector<uint8_t> file_bytes(const std::string &path)
{
    auto bytes = read_file(path);
    INFO(path);
    REQUIRE(bytes.ok());
    return std::move(bytes).value();
}

// Byte-for-byte equality of two files (a mismatch names the first differing node).
inline void require_same_file(const std::string &expected, const std::string &actual)
{
    const auto a = file_bytes(expected), b = file_bytes(actual);
    INFO(actual << " against the cpu plugin's " << expected);
    REQUIRE(a.size() == b.size());
    size_t first = a.size();
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i]) {
            first = i;
            break;
        }
    INFO("first difference at byte " << first << " (node " << first / 32 << ")");
    REQUIRE(first == a.size());
}

inline std::string layer_file(const std::string &cache_dir, uint32_t layer)
{
    return cache_dir + "/sc-02-data-layer-" + std::to_string(layer) + ".dat";
}

} // namespace dmc::test
