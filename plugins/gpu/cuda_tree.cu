// SPDX-License-Identifier: Apache-2.0
//
// CUDA kernels of the gpu plugin and the engine that drives them
// (cuda_tree.hpp): column hashes (tree_c leaves, docs/algorithms.md
// §10.5), replica encoding (§10.6) and arity-8 tree rows (§10.3). One thread per
// output node; device buffers hold canonical LE32 nodes, exactly the file
// bytes, and each thread converts to Montgomery form and back around its
// hash (two extra products against ~600 for an arity-8 Poseidon).
//
// A value >= r is never reduced (docs/algorithms.md §8.2): the kernel that meets it records
// min(index * 16 + source) with atomicMin, so the host reports the first bad
// node of the chunk, like the sdk's sequential checks.
//
// Copies are synchronous on the legacy default stream: a chunk is hashed while
// the host waits, which keeps the code simple to reason about without a GPU to
// test on; overlapping the next chunk's upload is a later optimisation.
#include "cuda_tree.hpp"

#include <cuda_runtime.h>

namespace dmc::gpu {

namespace {

constexpr unsigned kHashBlock = 128; // register-heavy Poseidon threads
constexpr unsigned kCheckBlock = 256;
constexpr unsigned long long kNoBadInput = ~0ull;

#define DMC_CUDA_TRY(expr)                                                                                             \
    do {                                                                                                               \
        const cudaError_t dmc_cuda_rc = (expr);                                                                        \
        if (dmc_cuda_rc != cudaSuccess) return std::string(#expr) + ": " + cudaGetErrorString(dmc_cuda_rc);            \
    } while (0)

unsigned blocks_for(uint64_t count, unsigned block) { return static_cast<unsigned>((count + block - 1) / block); }

__device__ __forceinline__ uint64_t thread_index()
{
    return static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}

__device__ __forceinline__ void report_bad(unsigned long long *bad, uint64_t index, unsigned source)
{
    atomicMin(bad, static_cast<unsigned long long>(index * 16 + source));
}

// out[v] = Poseidon_L(layer_0[v], ..., layer_{L-1}[v]); layer l at inputs + l * stride.
template <unsigned kLayers>
__global__ void column_hash_kernel(PoseidonTableHd table, const FrHd *inputs, uint64_t stride, uint64_t count,
                                   FrHd *out, unsigned long long *bad)
{
    const uint64_t v = thread_index();
    if (v >= count) return;
    FrHd column[kLayers];
#pragma unroll
    for (unsigned l = 0; l < kLayers; ++l) {
        column[l] = inputs[l * stride + v];
        if (!fr_canonical_valid(column[l])) {
            report_bad(bad, v, l);
            return;
        }
    }
    out[v] = poseidon_hash_canonical_hd<kLayers>(table, column);
}

__global__ void check_kernel(const FrHd *nodes, uint64_t count, unsigned long long *bad)
{
    const uint64_t v = thread_index();
    if (v < count && !fr_canonical_valid(nodes[v])) report_bad(bad, v, 0);
}

// replica = key + data (mod r). Addition mod r of canonical values is the
// same in canonical and Montgomery form, so no conversion is needed.
__global__ void encode_kernel(const FrHd *key, const FrHd *data, uint64_t count, FrHd *out, unsigned long long *bad)
{
    const uint64_t v = thread_index();
    if (v >= count) return;
    const FrHd k = key[v];
    if (!fr_canonical_valid(k)) {
        report_bad(bad, v, 0);
        return;
    }
    if (!data) {
        out[v] = k;
        return;
    }
    const FrHd d = data[v];
    if (!fr_canonical_valid(d)) {
        report_bad(bad, v, 1);
        return;
    }
    out[v] = fr_add(k, d);
}

// parents[m] = Poseidon_8(children[8m .. 8m+7]); children are hash outputs
// or checked leaves, so they are < r.
__global__ void tree_row_kernel(PoseidonTableHd table, const FrHd *children, uint64_t parent_count, FrHd *parents)
{
    const uint64_t m = thread_index();
    if (m >= parent_count) return;
    parents[m] = poseidon_hash_canonical_hd<8>(table, children + 8 * m);
}

} // namespace

std::string cuda_device_problem()
{
    int devices = 0;
    const cudaError_t rc = cudaGetDeviceCount(&devices);
    if (rc != cudaSuccess) {
        cudaGetLastError(); // clear it, so that a later probe reports its own result
        return std::string("cudaGetDeviceCount failed: ") + cudaGetErrorString(rc);
    }
    if (devices <= 0) return "cudaGetDeviceCount found no CUDA device";
    return {};
}

CudaTreeEngine::~CudaTreeEngine()
{
    // Errors are ignored: nothing can be done about them in a destructor and
    // the stage has already returned its result.
    cudaFree(device_constants_);
    cudaFree(device_inputs_);
    cudaFree(device_rows_);
    cudaFree(device_bad_);
    if (host_inputs_) cudaFreeHost(host_inputs_);
    if (host_output_) cudaFreeHost(host_output_);
}

std::string CudaTreeEngine::init(const FrHd *constants, size_t constant_count, const PoseidonLayout (&layouts)[3],
                                 uint64_t chunk_leaves, unsigned inputs)
{
    chunk_leaves_ = chunk_leaves;
    inputs_ = inputs;
    for (unsigned i = 0; i < 3; ++i) layouts_[i] = layouts[i];
    const size_t node = sizeof(FrHd);
    const uint64_t row_nodes = (8 * chunk_leaves - 1) / 7; // rows 0..h of a chunk
    DMC_CUDA_TRY(cudaMalloc(&device_constants_, constant_count * node));
    DMC_CUDA_TRY(cudaMemcpy(device_constants_, constants, constant_count * node, cudaMemcpyHostToDevice));
    DMC_CUDA_TRY(cudaMalloc(&device_inputs_, inputs * chunk_leaves * node));
    DMC_CUDA_TRY(cudaMalloc(&device_rows_, row_nodes * node));
    DMC_CUDA_TRY(cudaMalloc(&device_bad_, sizeof(unsigned long long)));
    DMC_CUDA_TRY(cudaMemcpy(device_bad_, &kNoBadInput, sizeof kNoBadInput, cudaMemcpyHostToDevice));
    DMC_CUDA_TRY(cudaMallocHost(reinterpret_cast<void **>(&host_inputs_), inputs * chunk_leaves * node));
    DMC_CUDA_TRY(cudaMallocHost(reinterpret_cast<void **>(&host_output_), chunk_leaves * node));
    return {};
}

uint8_t *CudaTreeEngine::input(unsigned slot) const { return host_inputs_ + slot * chunk_leaves_ * sizeof(FrHd); }

uint64_t CudaTreeEngine::row_offset(unsigned row) const
{
    uint64_t offset = 0;
    for (unsigned r = 0; r < row; ++r) offset += count_ >> (3 * r);
    return offset;
}

std::string CudaTreeEngine::take_bad(BadInput &bad)
{
    DMC_CUDA_TRY(cudaGetLastError()); // launch errors
    unsigned long long first = kNoBadInput;
    DMC_CUDA_TRY(cudaMemcpy(&first, device_bad_, sizeof first, cudaMemcpyDeviceToHost));
    bad = BadInput{};
    if (first != kNoBadInput) {
        bad.found = true;
        bad.index = first / 16;
        bad.source = static_cast<unsigned>(first % 16);
        DMC_CUDA_TRY(cudaMemcpy(device_bad_, &kNoBadInput, sizeof kNoBadInput, cudaMemcpyHostToDevice));
    }
    return {};
}

std::string CudaTreeEngine::column_hashes(unsigned layers, uint64_t count, BadInput &bad)
{
    if (layers > inputs_ || count > chunk_leaves_) return "column_hashes: more layers or nodes than allocated";
    count_ = count;
    DMC_CUDA_TRY(
        cudaMemcpy(device_inputs_, host_inputs_, layers * chunk_leaves_ * sizeof(FrHd), cudaMemcpyHostToDevice));
    const auto *in = static_cast<const FrHd *>(device_inputs_);
    auto *out = static_cast<FrHd *>(device_rows_);
    auto *flag = static_cast<unsigned long long *>(device_bad_);
    const PoseidonLayout *layout = nullptr;
    for (const auto &l : layouts_)
        if (l.arity == layers) layout = &l;
    if (!layout) return "column_hashes: no Poseidon constants for " + std::to_string(layers) + " layers";
    const PoseidonTableHd table = bind_poseidon_table(*layout, static_cast<const FrHd *>(device_constants_));
    if (layers == 2)
        column_hash_kernel<2>
            <<<blocks_for(count, kHashBlock), kHashBlock>>>(table, in, chunk_leaves_, count, out, flag);
    else if (layers == 11)
        column_hash_kernel<11>
            <<<blocks_for(count, kHashBlock), kHashBlock>>>(table, in, chunk_leaves_, count, out, flag);
    else
        return "column_hashes: " + std::to_string(layers) + " layers are not supported";
    return take_bad(bad);
}

std::string CudaTreeEngine::leaves(uint64_t count, BadInput &bad)
{
    if (count > chunk_leaves_) return "leaves: more nodes than allocated";
    count_ = count;
    DMC_CUDA_TRY(cudaMemcpy(device_rows_, host_inputs_, count * sizeof(FrHd), cudaMemcpyHostToDevice));
    check_kernel<<<blocks_for(count, kCheckBlock), kCheckBlock>>>(static_cast<const FrHd *>(device_rows_), count,
                                                                  static_cast<unsigned long long *>(device_bad_));
    return take_bad(bad);
}

std::string CudaTreeEngine::encode(uint64_t count, bool with_data, BadInput &bad)
{
    if (count > chunk_leaves_ || inputs_ < (with_data ? 2u : 1u)) return "encode: more inputs than allocated";
    count_ = count;
    auto *key = static_cast<FrHd *>(device_inputs_);
    FrHd *data = with_data ? key + chunk_leaves_ : nullptr;
    DMC_CUDA_TRY(cudaMemcpy(key, input(0), count * sizeof(FrHd), cudaMemcpyHostToDevice));
    if (data) DMC_CUDA_TRY(cudaMemcpy(data, input(1), count * sizeof(FrHd), cudaMemcpyHostToDevice));
    encode_kernel<<<blocks_for(count, kCheckBlock), kCheckBlock>>>(key, data, count, static_cast<FrHd *>(device_rows_),
                                                                   static_cast<unsigned long long *>(device_bad_));
    return take_bad(bad);
}

std::string CudaTreeEngine::hash_rows(unsigned height)
{
    if ((uint64_t{1} << (3 * height)) != count_) return "hash_rows: height does not match the chunk";
    // layouts_[1] is arity 8 (kGpuArities order).
    const PoseidonTableHd table = bind_poseidon_table(layouts_[1], static_cast<const FrHd *>(device_constants_));
    auto *rows = static_cast<FrHd *>(device_rows_);
    for (unsigned row = 1; row <= height; ++row) {
        const uint64_t parents = count_ >> (3 * row);
        tree_row_kernel<<<blocks_for(parents, kHashBlock), kHashBlock>>>(table, rows + row_offset(row - 1), parents,
                                                                         rows + row_offset(row));
        DMC_CUDA_TRY(cudaGetLastError());
    }
    DMC_CUDA_TRY(cudaDeviceSynchronize());
    return {};
}

std::string CudaTreeEngine::download_row(unsigned row)
{
    const uint64_t nodes = count_ >> (3 * row);
    DMC_CUDA_TRY(cudaMemcpy(host_output_, static_cast<const FrHd *>(device_rows_) + row_offset(row),
                            nodes * sizeof(FrHd), cudaMemcpyDeviceToHost));
    return {};
}

} // namespace dmc::gpu
