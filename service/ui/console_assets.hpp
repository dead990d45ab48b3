// SPDX-License-Identifier: Apache-2.0
//
// The console's static files (service/ui/assets/), compiled into the
// binary by embed_assets.py at build time: no CDN, nothing fetched.
#pragma once

#include <cstddef>
#include <string_view>

namespace dmc::service::ui {

struct ConsoleAsset {
    const char *name; // file name, e.g. "console.js"
    const char *content_type;
    const unsigned char *data;
    size_t size;
    std::string_view text() const { return {reinterpret_cast<const char *>(data), size}; }
};

// nullptr when there is no such file.
const ConsoleAsset *find_console_asset(std::string_view name);

// Defined in the generated console_assets_data.cpp.
extern const ConsoleAsset kConsoleAssetTable[];
extern const size_t kConsoleAssetCount;

} // namespace dmc::service::ui
