// SPDX-License-Identifier: Apache-2.0
//
// The CUDA side of the gpu plugin, behind an interface that names no CUDA
// and no sdk type: cuda_tree.cu is compiled by nvcc, everything that reads
// files and speaks the plugin ABI (tree_stream.cpp, stage_*.cpp) by g++, so
// the sdk headers (x86 intrinsics, inline asm) never go through nvcc.
//
// The engine works on one chunk of a base tree at a time: chunk_leaves =
// 8^h leaves are made into row 0 on the device (column hashes of the layer
// inputs, checked leaves, or the encoded replica), then rows 1..h of the
// chunk are hashed on the device and copied back row by row. Device memory
// is (inputs + 8/7) * chunk_leaves * 32 bytes whatever the sector size, so a
// 32GiB sector streams through the same buffers as a 2KiB one.
//
// Every call returns "" on success or a one-line description of the CUDA
// error; the engine is then unusable (the stage fails).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "poseidon_hd.hpp"

namespace dmc::gpu {

// "" when a CUDA device can be used, else why not (cudaGetDeviceCount's
// error, or "no CUDA device found"). Called at every stage entry.
std::string cuda_device_problem();

// The first invalid input (a value >= r) a kernel found in the current chunk.
struct BadInput {
    bool found = false;
    uint64_t index = 0;  // node index inside the chunk
    unsigned source = 0; // column hashes: 0-based layer; encoding: 0 key, 1 data
};

// What tree_stream.cpp needs from a device: one chunk at a time, inputs
// staged in host buffers the engine owns. An interface so that the host
// tests can run tree_stream.cpp's chunking and file offsets through an
// emulation built from the same DMC_HD functions (tests/unit/gpu).
class TreeEngine {
public:
    virtual ~TreeEngine() = default;

    // Host buffer of input slot `slot` (chunk_leaves canonical LE32 nodes).
    virtual uint8_t *input(unsigned slot) const = 0;
    // Host buffer that download_row() fills (chunk_leaves nodes).
    virtual uint8_t *output() const = 0;
    // Leaves per chunk the engine was sized for (a power of 8).
    virtual uint64_t chunk_leaves() const = 0;

    // Row 0 of a chunk of `count` nodes (a power of 8, <= chunk_leaves):
    // Poseidon_layers over input slots 0..layers-1 (layers = 2 or 11) ...
    virtual std::string column_hashes(unsigned layers, uint64_t count, BadInput &bad) = 0;
    // ... input slot 0 as it is (every node checked < r) ...
    virtual std::string leaves(uint64_t count, BadInput &bad) = 0;
    // ... or slot 0 (key) + slot 1 (data) mod r; without data, slot 0 itself.
    virtual std::string encode(uint64_t count, bool with_data, BadInput &bad) = 0;

    // Rows 1..height of the chunk (count = 8^height nodes in row 0).
    virtual std::string hash_rows(unsigned height) = 0;
    // Row `row` of the chunk (count >> 3*row nodes) into output().
    virtual std::string download_row(unsigned row) = 0;
};

class CudaTreeEngine final : public TreeEngine {
public:
    CudaTreeEngine() = default;
    ~CudaTreeEngine() override;
    CudaTreeEngine(const CudaTreeEngine &) = delete;
    CudaTreeEngine &operator=(const CudaTreeEngine &) = delete;

    // Uploads the Poseidon constants (`constants`, laid out by `layouts`, the
    // three arities of kGpuArities) and allocates device and pinned host
    // buffers for chunks of up to chunk_leaves nodes with `inputs` input slots.
    std::string init(const FrHd *constants, size_t constant_count, const PoseidonLayout (&layouts)[3],
                     uint64_t chunk_leaves, unsigned inputs);

    uint8_t *input(unsigned slot) const override;
    uint8_t *output() const override { return host_output_; }
    uint64_t chunk_leaves() const override { return chunk_leaves_; }
    std::string column_hashes(unsigned layers, uint64_t count, BadInput &bad) override;
    std::string leaves(uint64_t count, BadInput &bad) override;
    std::string encode(uint64_t count, bool with_data, BadInput &bad) override;
    std::string hash_rows(unsigned height) override;
    std::string download_row(unsigned row) override;

private:
    uint64_t chunk_leaves_ = 0;
    uint64_t count_ = 0; // nodes in row 0 of the current chunk
    unsigned inputs_ = 0;
    PoseidonLayout layouts_[3];
    void *device_constants_ = nullptr;
    void *device_inputs_ = nullptr; // inputs_ slots of chunk_leaves_ nodes
    void *device_rows_ = nullptr;   // rows 0..h of a chunk, back to back
    void *device_bad_ = nullptr;    // unsigned long long: min(index * 16 + source)
    uint8_t *host_inputs_ = nullptr;
    uint8_t *host_output_ = nullptr;

    uint64_t row_offset(unsigned row) const;
    std::string take_bad(BadInput &bad);
};

} // namespace dmc::gpu
