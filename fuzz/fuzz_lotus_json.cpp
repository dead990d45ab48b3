// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target: what the Lotus client reads from the network and from
// operators (service/chain): the decoders of Lotus / lotus-miner results, the
// JSON-RPC response envelope, FULLNODE_API_INFO / URLs, base64 and ID
// addresses. The first input byte picks the reader, the rest is its input.
// Beyond "no crash": every refusal has a message, and what is accepted
// survives a round trip (base64, addresses, API info, commitment CIDs).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "damocles/sdk/cid.hpp"
#include "service/chain/api_info.hpp"
#include "service/chain/base64.hpp"
#include "service/chain/full_node_decode.hpp"
#include "service/chain/miner_decode.hpp"
#include "service/chain/rpc_envelope.hpp"

using namespace dmc;
using namespace dmc::service::chain;

namespace {

// A refusal must say something; decoders refuse with Errc::corrupt.
template <class T> bool accepted(const Result<T> &result, bool decoder)
{
    if (result.ok()) return true;
    if (result.error().message.empty()) std::abort();
    if (decoder && result.error().code != Errc::corrupt) std::abort();
    return false;
}

void check_sealed(const std::string &cid, const Bytes32 &comm)
{
    if (commitment_to_cid(comm, CommitmentKind::sealed) != cid) std::abort();
}

void check_unsealed(const std::string &cid, const Bytes32 &comm)
{
    if (commitment_to_cid(comm, CommitmentKind::unsealed) != cid) std::abort();
}

void fuzz_decoder(uint8_t selector, const nlohmann::json &document)
{
    switch (selector % 7) {
    case 0: {
        auto info = decode_sector_on_chain_info(document);
        if (accepted(info, true) && info->has_value()) {
            check_sealed((*info)->sealed_cid, (*info)->comm_r);
            if ((*info)->sector_key_cid) check_sealed(*(*info)->sector_key_cid, *(*info)->comm_r_old);
        }
        break;
    }
    case 1: {
        auto tipset = decode_tipset(document);
        if (accepted(tipset, true) && (tipset->key.is_head() || tipset->height < 0)) std::abort();
        break;
    }
    case 2: {
        auto precommit = decode_precommit_info(document);
        if (accepted(precommit, true) && precommit->has_value()) {
            check_sealed((*precommit)->sealed_cid, (*precommit)->comm_r);
            if ((*precommit)->unsealed_cid) check_unsealed(*(*precommit)->unsealed_cid, *(*precommit)->comm_d);
        }
        break;
    }
    case 3: {
        auto randomness = decode_randomness(document);
        if (accepted(randomness, true) && base64_encode(*randomness) != document.get<std::string>()) std::abort();
        break;
    }
    case 4: {
        auto deal = decode_market_deal(document);
        if (accepted(deal, true)) {
            check_unsealed(deal->piece_cid, deal->comm_p);
            if (!is_padded_piece_size(deal->piece_size)) std::abort();
        }
        break;
    }
    case 5: {
        auto sector = decode_miner_sector_info(document);
        if (accepted(sector, true)) {
            for (const auto &piece : sector->pieces) {
                check_unsealed(piece.piece_cid, piece.comm_p);
                if (!is_padded_piece_size(piece.padded_size)) std::abort();
            }
            if (sector->comm_r_cid) check_sealed(*sector->comm_r_cid, *sector->comm_r);
            if (sector->comm_d_cid) check_unsealed(*sector->comm_d_cid, *sector->comm_d);
        }
        break;
    }
    default: {
        (void)accepted(decode_sector_numbers(document), true);
        auto address = decode_actor_address(document);
        if (accepted(address, true) && address->to_string() != document.get<std::string>()) std::abort();
        break;
    }
    }
}

void fuzz_text(uint8_t selector, std::string_view text)
{
    switch (selector % 3) {
    case 0: {
        auto response = parse_rpc_response(text, 1);
        if (accepted(response, true) && response->error) (void)rpc_error_to_error(*response->error);
        break;
    }
    case 1: {
        auto endpoint = parse_api_info(text, kFullNodeRpcPath);
        // "/" maps to the default path on the way back: not a round trip.
        if (accepted(endpoint, false) && endpoint->path != "/") {
            auto again = parse_api_url(endpoint->url(), endpoint->token, kFullNodeRpcPath);
            if (!again.ok() || !(*again == *endpoint)) std::abort();
        }
        break;
    }
    default: {
        auto bytes = base64_decode(text);
        if (accepted(bytes, false) && base64_encode(*bytes) != text) std::abort();
        auto address = parse_id_address(text);
        if (accepted(address, false) && address->to_string() != text) std::abort();
        break;
    }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const uint8_t selector = data[0];
    const std::string_view text(reinterpret_cast<const char *>(data + 1), size - 1);
    // Selectors below 0x80 feed a decoder with parsed JSON, the others text.
    if (selector < 0x80) {
        // The client bounds nesting before parsing; do the same here.
        if (json_nesting_exceeds(text, kDefaultMaxJsonDepth)) return 0;
        auto document = nlohmann::json::parse(text, nullptr, false);
        if (document.is_discarded()) return 0;
        fuzz_decoder(selector, document);
    } else {
        fuzz_text(selector, text);
    }
    return 0;
}
