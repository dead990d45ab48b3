// SPDX-License-Identifier: Apache-2.0
//
// What the `damocles-run bench` commands share: in-process references
// (OpenSSL's SHA-256 block, the sdk's Fr multiplication), the work counts
// of PC1 and PC2, timers, the result line and scratch space. Plugin kernels
// are timed through plugin_kernels.hpp, GMP in gmp_fr_reference.hpp, and the
// limits built from them in bench_limits.hpp. A benchmark prints a ratio to
// a limit measured now, never to a figure written in the code.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "damocles/core/plugin_registry.hpp"
#include "damocles/sdk/proof.hpp"

namespace dmc::cli::bench {

// Wall clock and this process's CPU time since construction.
class Stopwatch {
public:
    Stopwatch();
    double wall_seconds() const;
    double user_seconds() const;
    double system_seconds() const;

private:
    double wall0_, user0_, system0_;
};

// The 1-minute load average (the machine may be shared: printed with every figure).
double load_average();

// One line of key=value pairs, printed last by every benchmark.
class ResultLine {
public:
    explicit ResultLine(const std::string &bench);
    ResultLine &add(const std::string &key, double value, int precision = 3);
    ResultLine &add(const std::string &key, const std::string &value);
    void print() const;

private:
    std::string text_;
};

// One SHA-256 compression in a single dependent chain, in-process, with
// OpenSSL's block function (SHA-NI when the CPU has it).
double openssl_sha_block_ns(uint64_t blocks);
// `openssl speed -evp sha256 -bytes 1024` as ns per compression (17 per
// 1 KiB message), when an openssl binary is on PATH.
std::optional<double> openssl_speed_block_ns();

// Fr multiplications of the sdk, in-process: 8 independent chains
// (throughput) or one chain (latency). The limit for a plugin that has no
// fr_mul kernel of its own (bench_limits.hpp).
double sdk_fr_mul_ns(uint64_t muls);
double sdk_fr_mul_latency_ns(uint64_t muls);

// Fr multiplications of one Poseidon hash of `arity` in the optimised form
// (docs/algorithms.md §14.2): 8·(3t + t²) + R_P·(3 + 2t − 1), t = arity + 1.
uint64_t poseidon_muls(unsigned arity);

// What Poseidon hashes of some arity cost, counted three ways:
//  * full_muls: Fr multiplications of the optimised form (poseidon_muls);
//  * sbox_muls: the S-box multiplications alone, 3 per x^5: R_F·t + R_P
//    S-boxes per hash;
//  * mds_rows: rows of the round matrices, (R_F + R_P)·t per hash; each
//    needs at least one Montgomery reduction, however its products are
//    accumulated (docs/algorithms.md §14.2).
struct PoseidonWork {
    uint64_t hashes = 0;
    uint64_t full_muls = 0;
    uint64_t sbox_muls = 0;
    uint64_t mds_rows = 0;
    void add(unsigned arity, uint64_t count);
    PoseidonWork &operator+=(const PoseidonWork &other);
};

// The Poseidon work of PC2 for a proof: column hashes + tree_c's arity-8
// and compound hashes; tree_r_last's arity-8 and compound hashes.
struct Pc2Work {
    unsigned column_arity = 0;
    uint64_t column_hashes = 0;
    PoseidonWork tree_c; // columns included
    PoseidonWork tree_r_last;
};
Pc2Work pc2_work(const SealProof &proof);

// Labels of a PC1 (nodes · layers per sector), 20 SHA-256 compressions each.
uint64_t pc1_labels(const SealProof &proof);
// Compressions per label, averaged over the layers, whose message block
// repeats an earlier block of the same label (docs/algorithms.md, SDR
// labelling): 15 in layer 1 (6 parents: blocks 4-18 repeat 1-3), 11 in
// later layers (14 parents: blocks 8-18 repeat 1-7).
double pc1_replayed_per_label(const SealProof &proof);
// The dependent ones: nodes · layers · 19 per sector (the prefix block of
// a label does not depend on any label, so it is off the chain).
uint64_t pc1_chain_compressions(const SealProof &proof);

// Peak anonymous memory (RssAnon of /proc/self/status) while it runs,
// sampled every 10 ms on a thread.
class AnonRssSampler {
public:
    AnonRssSampler();
    ~AnonRssSampler();
    uint64_t baseline_bytes() const { return baseline_; }
    uint64_t peak_bytes();

private:
    uint64_t baseline_ = 0;
    std::atomic<uint64_t> peak_{0};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};
uint64_t anon_rss_bytes();

// A directory for the benchmark's files, removed at the end unless kept.
class ScratchDir {
public:
    ScratchDir(const std::string &parent, const std::string &tag, bool keep);
    ~ScratchDir();
    const std::string &path() const { return path_; }

private:
    std::string path_;
    bool keep_;
};

// Default parent of scratch directories: $TMPDIR, else /var/tmp (the
// layers of a 512MiB sector do not belong in a RAM-backed /tmp).
std::string default_scratch_parent();

// A canonical 32-byte value (replica ids, tickets) from a seed.
void fill_canonical(uint8_t *out32, uint64_t seed);

// Registration of each benchmark (one file each).
void add_fr_bench(CLI::App *bench);
void add_pc1_bench(CLI::App *bench);
void add_pc2_bench(CLI::App *bench);
void add_rebuild_bench(CLI::App *bench);
void add_store_check_bench(CLI::App *bench);
void add_metrics_bench(CLI::App *bench);

} // namespace dmc::cli::bench
