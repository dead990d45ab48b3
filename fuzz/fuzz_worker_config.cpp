// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target: damocles-worker's main config (worker.toml) and a
// thread's hot config (<location>/config.toml). The first byte chooses the
// parser; the rest is the TOML text. Errors must name the problem; nothing
// may crash, hang or hit undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "service/worker/worker_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    const std::string text(reinterpret_cast<const char *>(data + 1), size - 1);
    if (data[0] & 1) {
        auto cfg = dmc::service::parse_worker_config(text, "worker.toml");
        if (cfg.ok()) {
            if (cfg->manager_url.empty()) std::abort(); // required key
            for (const auto &t : cfg->threads)
                if (t.location.empty()) std::abort();
        } else if (cfg.error().message.empty()) {
            std::abort();
        }
    } else {
        auto hot = dmc::service::parse_hot_config(text, "config.toml", dmc::service::SealingOptions{});
        if (!hot.ok() && hot.error().message.empty()) std::abort();
        // parse_duration is reached through the sealing.* intervals; fuzz it
        // on the raw text as well.
        (void)dmc::service::parse_duration(text);
    }
    return 0;
}
