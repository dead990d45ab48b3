// SPDX-License-Identifier: Apache-2.0
//
// The CLI's way into the embedding API: a dmc::Framework opened with the
// shared engine options, and the JSON/text forms of its results.
#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "damocles/core/framework.hpp"
#include "engine_setup.hpp"

namespace dmc::cli {

std::unique_ptr<Framework> open_framework(const EngineCliOptions &o);
// The `seal --json` object: CIDs, paths and the registry import object.
nlohmann::json seal_result_json(const SealResult &r);

} // namespace dmc::cli
