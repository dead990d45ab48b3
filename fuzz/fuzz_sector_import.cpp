// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target: the registry import format (docs/file-formats.md §8), as
// `util sealer sectors import` and Venus.SectorsImport read it. Beyond "no
// crash": a record it accepts, written back with sector_to_json and parsed
// again, is the same record (what `seal --json` prints can be imported).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "damocles/core/internal/sector_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    auto doc = nlohmann::json::parse(data, data + size, nullptr, false);
    if (doc.is_discarded()) return 0;
    auto records = dmc::core::parse_sector_import(doc);
    if (!records.ok()) {
        if (records.error().message.empty()) std::abort();
        return 0;
    }
    for (const auto &r : *records) {
        auto again = dmc::core::parse_sector_object(dmc::core::sector_to_json(r));
        if (!again.ok()) std::abort();
        const auto &a = *again;
        if (!(a.key == r.key) || a.proof_id != r.proof_id || a.ticket != r.ticket || a.comm_d != r.comm_d ||
            a.comm_r != r.comm_r || a.pieces != r.pieces || a.snap != r.snap || a.store != r.store)
            std::abort();
    }
    return 0;
}
