// SPDX-License-Identifier: Apache-2.0
#include "bench_support.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "damocles/sdk/fr.hpp"
#include "damocles/sdk/poseidon.hpp"
#include "damocles/sdk/sha254.hpp"
#include "damocles/sdk/tree_files.hpp"

namespace dmc::cli::bench {

namespace {

double now_wall() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

void cpu_times(double &user, double &system)
{
    rusage r{};
    getrusage(RUSAGE_SELF, &r);
    user = double(r.ru_utime.tv_sec) + double(r.ru_utime.tv_usec) * 1e-6;
    system = double(r.ru_stime.tv_sec) + double(r.ru_stime.tv_usec) * 1e-6;
}

std::string format(double value, int precision)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", precision, value);
    return buf;
}

Fr sample_fr(uint64_t seed)
{
    uint8_t bytes[32];
    fill_canonical(bytes, seed);
    Fr out;
    Fr::try_from_bytes(bytes, out);
    return out;
}

} // namespace

Stopwatch::Stopwatch() : wall0_(now_wall()) { cpu_times(user0_, system0_); }
double Stopwatch::wall_seconds() const { return now_wall() - wall0_; }
double Stopwatch::user_seconds() const
{
    double user, system;
    cpu_times(user, system);
    return user - user0_;
}
double Stopwatch::system_seconds() const
{
    double user, system;
    cpu_times(user, system);
    return system - system0_;
}

double load_average()
{
    double load[1] = {0};
    return getloadavg(load, 1) == 1 ? load[0] : -1;
}

ResultLine::ResultLine(const std::string &bench) : text_("bench=" + bench) {}
ResultLine &ResultLine::add(const std::string &key, double value, int precision)
{
    text_ += " " + key + "=" + (std::isfinite(value) ? format(value, precision) : std::string("nan"));
    return *this;
}
ResultLine &ResultLine::add(const std::string &key, const std::string &value)
{
    text_ += " " + key + "=" + value;
    return *this;
}
void ResultLine::print() const
{
    std::printf("%s\n", text_.c_str());
    std::fflush(stdout);
}

double openssl_sha_block_ns(uint64_t blocks)
{
    // The sdk's one-shot SHA-256 (OpenSSL) over 256 KiB: OpenSSL's assembly
    // runs the 4097 blocks as one dependent chain, the way a label's 19 are.
    constexpr uint64_t kChunkBlocks = 4096;
    std::vector<uint8_t> data(kChunkBlocks * 64);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 131 + 7);
    const uint64_t chunks = blocks / kChunkBlocks + 1;
    const double start = now_wall();
    for (uint64_t c = 0; c < chunks; ++c) {
        const Bytes32 digest = sha256(std::span<const uint8_t>(data));
        data[c % data.size()] ^= digest[0]; // chains the calls; keeps the work observable
    }
    const double seconds = now_wall() - start;
    return seconds * 1e9 / double(chunks * (kChunkBlocks + 1));
}

std::optional<double> openssl_speed_block_ns()
{
    FILE *pipe = ::popen("openssl speed -evp sha256 -bytes 1024 -seconds 3 2>/dev/null", "r");
    if (!pipe) return std::nullopt;
    std::string last, line;
    char buf[512];
    while (std::fgets(buf, sizeof buf, pipe)) {
        line = buf;
        if (line.find_first_not_of(" \t\r\n") != std::string::npos) last = line;
    }
    if (::pclose(pipe) != 0 || last.empty()) return std::nullopt;
    // "sha256   1706775.69k": thousands of bytes per second of 1 KiB messages.
    std::istringstream in(last);
    std::string name, value;
    in >> name >> value;
    if (value.empty() || value.back() != 'k') return std::nullopt;
    const double bytes_per_second = std::strtod(value.c_str(), nullptr) * 1000.0;
    if (bytes_per_second <= 0) return std::nullopt;
    // A 1024-byte message is 16 blocks plus one padding block.
    return 1e9 / (bytes_per_second / 1024.0 * 17.0);
}

double sdk_fr_mul_ns(uint64_t muls)
{
    Fr v[8];
    for (uint64_t i = 0; i < 8; ++i) v[i] = sample_fr(i + 1);
    const uint64_t rounds = muls / 8 + 1;
    const double start = now_wall();
    for (uint64_t k = 0; k < rounds; ++k)
        for (unsigned i = 0; i < 8; ++i) v[i] = mul(v[i], v[(i + 1) & 7]);
    const double seconds = now_wall() - start;
    volatile uint64_t sink = v[0].l[0];
    (void)sink;
    return seconds * 1e9 / double(rounds * 8);
}

double sdk_fr_mul_latency_ns(uint64_t muls)
{
    Fr x = sample_fr(3);
    const Fr y = sample_fr(4);
    const double start = now_wall();
    for (uint64_t k = 0; k < muls; ++k) x = mul(x, y);
    const double seconds = now_wall() - start;
    volatile uint64_t sink = x.l[0];
    (void)sink;
    return seconds * 1e9 / double(muls);
}

uint64_t poseidon_muls(unsigned arity)
{
    const PoseidonConstants &c = poseidon_constants(arity);
    const uint64_t t = c.width;
    return uint64_t(c.full_rounds) * (3 * t + t * t) + uint64_t(c.partial_rounds) * (3 + 2 * t - 1);
}

void PoseidonWork::add(unsigned arity, uint64_t count)
{
    const PoseidonConstants &c = poseidon_constants(arity);
    const uint64_t t = c.width;
    hashes += count;
    full_muls += count * poseidon_muls(arity);
    sbox_muls += count * 3 * (uint64_t(c.full_rounds) * t + c.partial_rounds);
    mds_rows += count * (uint64_t(c.full_rounds) + c.partial_rounds) * t;
}

PoseidonWork &PoseidonWork::operator+=(const PoseidonWork &other)
{
    hashes += other.hashes;
    full_muls += other.full_muls;
    sbox_muls += other.sbox_muls;
    mds_rows += other.mds_rows;
    return *this;
}

Pc2Work pc2_work(const SealProof &proof)
{
    Pc2Work w;
    auto layout = sector_tree_layout(proof.sector_size);
    if (!layout) return w;
    const uint64_t per_tree = (layout->base_tree.leaves - 1) / 7;
    PoseidonWork trees;
    trees.add(8, uint64_t(layout->base_tree_count) * per_tree);
    if (proof.shape.sub_arity) {
        trees.add(proof.shape.sub_arity, proof.shape.top_arity ? proof.shape.top_arity : 1);
        if (proof.shape.top_arity) trees.add(proof.shape.top_arity, 1);
    }
    w.column_arity = layout->column_arity;
    w.column_hashes = layout->nodes;
    w.tree_c.add(w.column_arity, w.column_hashes);
    w.tree_c += trees;
    w.tree_r_last = trees;
    return w;
}

uint64_t pc1_labels(const SealProof &proof) { return proof.nodes() * proof.layers; }

double pc1_replayed_per_label(const SealProof &proof)
{
    return (15.0 + 11.0 * double(proof.layers - 1)) / double(proof.layers);
}

uint64_t pc1_chain_compressions(const SealProof &proof) { return proof.nodes() * proof.layers * 19; }

uint64_t anon_rss_bytes()
{
    std::ifstream in("/proc/self/status");
    std::string key;
    uint64_t value = 0;
    while (in >> key) {
        if (key == "RssAnon:") {
            in >> value;
            return value * 1024;
        }
        std::string rest;
        std::getline(in, rest);
    }
    return 0;
}

AnonRssSampler::AnonRssSampler() : baseline_(anon_rss_bytes())
{
    peak_ = baseline_;
    thread_ = std::thread([this] {
        while (!stop_.load()) {
            const uint64_t now = anon_rss_bytes();
            if (now > peak_.load()) peak_.store(now);
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    });
}

AnonRssSampler::~AnonRssSampler()
{
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

uint64_t AnonRssSampler::peak_bytes()
{
    const uint64_t now = anon_rss_bytes();
    if (now > peak_.load()) peak_.store(now);
    return peak_.load();
}

std::string default_scratch_parent()
{
    if (const char *tmp = std::getenv("TMPDIR"); tmp && *tmp) return tmp;
    return "/var/tmp";
}

ScratchDir::ScratchDir(const std::string &parent, const std::string &tag, bool keep) : keep_(keep)
{
    path_ = parent + "/damocles-bench-" + tag + "-" + std::to_string(::getpid());
    std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir()
{
    if (keep_) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

void fill_canonical(uint8_t *out32, uint64_t seed)
{
    uint64_t x = 0x9e3779b97f4a7c15ull * (seed + 1);
    for (int i = 0; i < 32; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out32[i] = static_cast<uint8_t>(x >> 11);
    }
    out32[31] &= 0x3f;
}

} // namespace dmc::cli::bench
