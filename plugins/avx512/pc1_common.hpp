// SPDX-License-Identifier: Apache-2.0
//
// What both ways of running the avx512 pc1 stage share: the call's checked
// inputs (stage_pc1.cpp builds them), the layer file names and the reading
// of a resumed sector's last durable layer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "damocles/plugin.h"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/parent_cache.hpp"
#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc::avx512 {

struct Pc1SectorSpec {
    uint32_t index = 0; // in args->sectors (the layer_done sector_index)
    uint32_t first_layer = 1;
    std::string cache_dir;
    uint32_t replica_words[8] = {}; // replica id as the prefix block's big-endian words
};

struct Pc1Job {
    const dmc_call *call = nullptr;
    const dmc_pc1_args *args = nullptr; // for layer_done
    const SealProof *proof = nullptr;
    const ParentCache *cache = nullptr;
    std::vector<Pc1SectorSpec> sectors;
    uint64_t progress_total = 0; // nodes of every layer to label, all sectors
};

inline std::string pc1_layer_path(const std::string &cache_dir, uint32_t layer)
{
    return cache_dir + "/sc-02-data-layer-" + std::to_string(layer) + ".dat";
}

// Maps layer `layer` of a sector that resumes at layer + 1, checking its size.
inline Result<MappedFile> open_resume_layer(const std::string &cache_dir, uint32_t layer, uint64_t bytes)
{
    const std::string path = pc1_layer_path(cache_dir, layer);
    auto opened = MappedFile::open_read(path);
    if (!opened)
        return opened.error().context("pc1: resuming at layer " + std::to_string(layer + 1) + " needs layer " +
                                      std::to_string(layer));
    MappedFile file = std::move(opened).value();
    if (file.size() != bytes)
        return make_error(Errc::invalid_argument, "pc1: layer file " + path + " has " + std::to_string(file.size()) +
                                                      " bytes, expected " + std::to_string(bytes));
    file.advise_sequential();
    return file;
}

} // namespace dmc::avx512
