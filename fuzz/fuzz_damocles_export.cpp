// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target: the damocles importer (service/importers/
// damocles_importer.hpp), which reads whatever file an operator hands to
// `sectors import --from-damocles`. Beyond "no crash": a refusal or an
// incomplete sector says why, and every record it builds is one the import
// format accepts and gives back unchanged (sector_to_json ->
// parse_sector_object), with pieces inside the sector and in order.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "damocles/core/internal/sector_json.hpp"
#include "damocles/sdk/proof.hpp"
#include "service/importers/damocles_importer.hpp"

namespace {

void check_pieces(const std::vector<dmc::core::PieceRecord> &pieces, uint64_t sector_size)
{
    uint64_t end = 0;
    for (const auto &piece : pieces) {
        if (piece.offset < end || piece.offset % piece.size != 0 || piece.offset + piece.size > sector_size)
            std::abort();
        end = piece.offset + piece.size;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    auto batch = dmc::service::importers::import_from_damocles_export(text, {});
    if (!batch.ok()) {
        if (batch.error().message.empty()) std::abort();
        return 0;
    }
    for (const auto &skipped : batch->incomplete)
        if (skipped.reason.empty()) std::abort();
    for (const auto &record : batch->records) {
        auto proof = dmc::find_seal_proof(record.proof_id);
        if (!proof) std::abort();
        check_pieces(record.pieces, (*proof)->sector_size);
        if (record.snap) check_pieces(record.snap->pieces, (*proof)->sector_size);
        auto again = dmc::core::parse_sector_object(dmc::core::sector_to_json(record));
        if (!again.ok()) std::abort();
        if (!(again->key == record.key) || again->ticket != record.ticket || again->comm_d != record.comm_d ||
            again->comm_r != record.comm_r || again->pieces != record.pieces || again->snap != record.snap)
            std::abort();
    }
    return 0;
}
