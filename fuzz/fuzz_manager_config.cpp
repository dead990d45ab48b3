// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target: damocles-manager's config.toml parser. Any input must
// give a config or an error naming the problem, never a crash, a hang or
// undefined behaviour; a config it accepts keeps its invariants.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "service/manager/manager_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string text(reinterpret_cast<const char *>(data), size);
    auto cfg = dmc::service::parse_manager_config(text, "/fuzz/home", "config.toml");
    if (cfg.ok()) {
        if (cfg->registry_url.empty() || cfg->lease_seconds < 10) std::abort();
        for (const auto &s : cfg->persist_stores)
            if (s.weight == 0 || s.path.empty()) std::abort();
    } else if (cfg.error().message.empty()) {
        std::abort();
    }
    return 0;
}
