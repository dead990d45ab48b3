// SPDX-License-Identifier: Apache-2.0
#include "pc1_batch_plan.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <span>

#include "lane_label_kernel.hpp"
#include "sdr_label_kernel.hpp"

namespace dmc::avx512 {

namespace {

// The synthetic layer the engines are timed on: small enough to stay in
// cache (the comparison is of hashing, not of memory). Each timing covers a
// short window (at most ~0.3 ms, shorter than a scheduler time slice) and
// the best of many is kept, so that a machine busy with other work (the
// other core compiling, say) still gives a clean figure for every engine.
constexpr uint64_t kCalibrationNodes = 1024;
constexpr uint64_t kWindowBegin = 512, kWindowNodes = 64;
constexpr unsigned kParentCount = 14;
constexpr int kRepeats = 25;
// The calibration runs in cache; on a real layer the SHA-NI groups lose
// more to memory than the lanes do (each group reads its own lines of every
// parent). Measured at 16 x 512MiB on the Zen 5 host: 8 + 8 sectors in
// SHA-NI groups on 2 threads 130 s, 16 lanes on one thread 122 s, while the
// calibration gave the two threads 12-18 % less time per node (its lanes16
// figure varies from 3.0 to 3.2 us between runs). So a plan with more
// threads must be at least 25 % faster in the calibration.
constexpr double kMoreThreadsGain = 0.25;

// Parents shaped like SDR's: parent 0 = v-1, base parents below v,
// expander parents anywhere in the layer.
std::vector<uint32_t> synthetic_parents()
{
    std::vector<uint32_t> parents(kCalibrationNodes * kParentCount);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    auto next = [&x] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    };
    for (uint64_t v = 1; v < kCalibrationNodes; ++v) {
        uint32_t *p = parents.data() + v * kParentCount;
        p[0] = static_cast<uint32_t>(v - 1);
        for (unsigned i = 1; i < 6; ++i) p[i] = static_cast<uint32_t>(next() % v);
        for (unsigned i = 6; i < kParentCount; ++i) p[i] = static_cast<uint32_t>(next() % kCalibrationNodes);
    }
    return parents;
}

struct AlignedBuffer {
    explicit AlignedBuffer(uint64_t bytes) : data(static_cast<uint8_t *>(std::aligned_alloc(64, bytes)))
    {
        std::fill(data, data + bytes, uint8_t(0x5a));
    }
    ~AlignedBuffer() { std::free(data); }
    AlignedBuffer(const AlignedBuffer &) = delete;
    AlignedBuffer &operator=(const AlignedBuffer &) = delete;
    uint8_t *data;
};

template <class Body> double best_ns_per_node(Body &&body)
{
    double best = 1e300;
    for (int r = 0; r < kRepeats; ++r) {
        const auto start = std::chrono::steady_clock::now();
        body();
        const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
        best = std::min(best, ns / double(kWindowNodes));
    }
    return best;
}

double time_sha_ni(const std::vector<uint32_t> &parents, unsigned chains)
{
    const uint64_t pitch = 32 * uint64_t(chains);
    AlignedBuffer cur(kCalibrationNodes * pitch), prev(kCalibrationNodes * pitch);
    std::vector<SectorLayerView> views(chains);
    for (unsigned k = 0; k < chains; ++k) {
        views[k].cur = cur.data + 32 * k;
        views[k].prev = prev.data + 32 * k;
        views[k].pitch = pitch;
        for (unsigned w = 0; w < 8; ++w) views[k].replica_words[w] = 0x01020304u * (k + 1) + w;
    }
    return best_ns_per_node(
        [&] { label_nodes(views, parents.data(), kCalibrationNodes, 2, kWindowBegin, kWindowBegin + kWindowNodes); });
}

double time_lanes(const std::vector<uint32_t> &parents, unsigned lanes)
{
    const uint64_t pitch = 32 * uint64_t(lanes);
    AlignedBuffer cur(kCalibrationNodes * pitch), prev(kCalibrationNodes * pitch), replica(8 * 16 * 4);
    LaneLayerView view;
    view.lanes = lanes;
    view.cur = cur.data;
    view.prev = prev.data;
    view.replica_words = reinterpret_cast<const uint32_t *>(replica.data);
    return best_ns_per_node([&] {
        label_lane_nodes(view, parents.data(), kCalibrationNodes, 2, kWindowBegin, kWindowBegin + kWindowNodes);
    });
}

// Balanced split of `count` into `parts` sizes.
std::vector<uint32_t> split(uint32_t count, uint32_t parts)
{
    std::vector<uint32_t> sizes(parts, count / parts);
    for (uint32_t i = 0; i < count % parts; ++i) ++sizes[i];
    return sizes;
}

Pc1Engine lanes_for(uint32_t sectors) { return sectors <= 8 ? Pc1Engine::lanes8 : Pc1Engine::lanes16; }

Pc1Engine best_engine(const EngineTimes &times, uint32_t sectors, const std::string &forced)
{
    if (forced == "sha-ni") return Pc1Engine::sha_ni;
    if (forced == "lanes") return lanes_for(sectors);
    const Pc1Engine lanes = lanes_for(sectors);
    return predicted_node_ns(times, lanes, sectors) < predicted_node_ns(times, Pc1Engine::sha_ni, sectors)
               ? lanes
               : Pc1Engine::sha_ni;
}

} // namespace

const char *engine_name(Pc1Engine engine)
{
    switch (engine) {
    case Pc1Engine::sha_ni: return "sha-ni";
    case Pc1Engine::lanes8: return "lanes8";
    case Pc1Engine::lanes16: return "lanes16";
    }
    return "?";
}

const EngineTimes &engine_times()
{
    static EngineTimes times;
    static std::once_flag once;
    std::call_once(once, [] {
        const auto parents = synthetic_parents();
        for (unsigned k = 1; k <= kMaxInterleavedSectors; ++k) times.sha_ni[k] = time_sha_ni(parents, k);
        times.lanes8 = time_lanes(parents, 8);
        times.lanes16 = time_lanes(parents, 16);
    });
    return times;
}

double predicted_node_ns(const EngineTimes &times, Pc1Engine engine, uint32_t sectors)
{
    if (engine == Pc1Engine::lanes8) return sectors <= 8 ? times.lanes8 : 1e300;
    if (engine == Pc1Engine::lanes16) return sectors <= 16 ? times.lanes16 : 1e300;
    double total = 0;
    const uint32_t groups = (sectors + kMaxInterleavedSectors - 1) / kMaxInterleavedSectors;
    for (uint32_t size : split(sectors, groups)) total += times.sha_ni[size];
    return total;
}

bool pc1_single_path(uint32_t sectors, uint32_t threads, const std::string &forced)
{
    return forced.empty() && sectors <= std::max(1u, threads);
}

std::vector<Pc1WorkerPlan> plan_pc1_workers(uint32_t sectors, uint32_t threads, const EngineTimes &times,
                                            const std::string &forced)
{
    std::vector<Pc1WorkerPlan> best;
    double best_ns = 1e300;
    const uint32_t max_workers = std::max(1u, std::min(threads, sectors));
    for (uint32_t workers = 1; workers <= max_workers; ++workers) {
        std::vector<Pc1WorkerPlan> plan;
        double slowest = 0;
        uint32_t next = 0;
        for (uint32_t size : split(sectors, workers)) {
            Pc1WorkerPlan w;
            w.engine = best_engine(times, size, forced);
            for (uint32_t i = 0; i < size; ++i) w.sectors.push_back(next++);
            slowest = std::max(slowest, predicted_node_ns(times, w.engine, size));
            plan.push_back(std::move(w));
        }
        // Another thread must pay for itself: kMoreThreadsGain less time per
        // node in the calibration.
        if (best.empty() || slowest < best_ns * (1.0 - kMoreThreadsGain)) {
            best = std::move(plan);
            best_ns = slowest;
        }
    }
    return best;
}

} // namespace dmc::avx512
