// SPDX-License-Identifier: Apache-2.0
#include "service/ui/console_assets.hpp"

namespace dmc::service::ui {

const ConsoleAsset *find_console_asset(std::string_view name)
{
    for (size_t i = 0; i < kConsoleAssetCount; ++i)
        if (name == kConsoleAssetTable[i].name) return &kConsoleAssetTable[i];
    return nullptr;
}

} // namespace dmc::service::ui
