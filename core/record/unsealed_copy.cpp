// SPDX-License-Identifier: Apache-2.0
#include "damocles/core/internal/unsealed_copy.hpp"

#include <filesystem>

#include <spdlog/spdlog.h>

#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/unsealed_file.hpp"

namespace dmc::core {

std::optional<std::string> find_unsealed_copy(const std::vector<std::string> &candidates, const SealProof &proof,
                                              const Bytes32 &expected_comm_d)
{
    for (const auto &path : candidates) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) continue;
        auto layout = read_unsealed_layout(path, proof.sector_size);
        if (!layout) {
            spdlog::warn("unsealed copy {} not used: {}", path, layout.error().message);
            continue;
        }
        auto comm_d = unsealed_data_comm_d(path, proof.sector_size);
        if (!comm_d) {
            spdlog::warn("unsealed copy {} not used: {}", path, comm_d.error().message);
            continue;
        }
        if (*comm_d != expected_comm_d) {
            spdlog::warn("unsealed copy {} not used: its CommD is {}, registered {}; using the other piece sources",
                         path, commitment_to_cid(*comm_d, CommitmentKind::unsealed),
                         commitment_to_cid(expected_comm_d, CommitmentKind::unsealed));
            continue;
        }
        spdlog::info("unsealed copy {} matches the registered CommD: its pieces are used", path);
        return path;
    }
    return std::nullopt;
}

} // namespace dmc::core
