// SPDX-License-Identifier: Apache-2.0
//
// The two things every gpu stage does before any work: check that a CUDA
// device exists, and open a CUDA engine with the Poseidon constants of the
// sdk uploaded. Kept apart from tree_stream.cpp so that the streaming code
// links without CUDA (the host tests run it through an emulated engine).
#include <memory>
#include <string>

#include "gpu_stages.hpp"
#include "poseidon_tables.hpp"

namespace dmc::gpu {

Status require_cuda_device(const std::string &stage)
{
    const std::string problem = cuda_device_problem();
    if (problem.empty()) return {};
    return make_error(Errc::device, "no usable CUDA device (" + problem +
                                        "); the gpu plugin needs one: run this stage with another plugin "
                                        "(e.g. --plugin " +
                                        stage + "=cpu)");
}

Result<std::unique_ptr<TreeEngine>> open_engine(const SectorTreeLayout &layout, unsigned first_row, unsigned inputs)
{
    const PoseidonImage image = build_poseidon_image();
    auto engine = std::make_unique<CudaTreeEngine>();
    const std::string err = engine->init(image.elements.data(), image.elements.size(), image.layouts,
                                         gpu_chunk_leaves(layout.base_tree.leaves, first_row), inputs);
    if (!err.empty()) return make_error(Errc::device, "CUDA: " + err);
    return std::unique_ptr<TreeEngine>(std::move(engine));
}

} // namespace dmc::gpu
