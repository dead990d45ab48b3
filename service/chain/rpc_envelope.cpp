// SPDX-License-Identifier: Apache-2.0
#include "service/chain/rpc_envelope.hpp"

#include "service/chain/lotus_encoding.hpp"

namespace dmc::service::chain {

using nlohmann::json;

namespace {

Error malformed(const std::string &what) { return make_error(Errc::corrupt, what); }

} // namespace

std::string qualified_method(std::string_view method)
{
    if (method.substr(0, kMethodPrefix.size()) == kMethodPrefix) return std::string(method);
    return std::string(kMethodPrefix) + std::string(method);
}

std::string build_request(std::string_view method, const json &params, uint64_t id)
{
    json request = {{"jsonrpc", "2.0"}, {"method", qualified_method(method)}, {"params", params}, {"id", id}};
    return request.dump();
}

bool json_nesting_exceeds(std::string_view text, int limit)
{
    int depth = 0;
    bool in_string = false;
    for (size_t pos = 0; pos < text.size(); ++pos) {
        const char symbol = text[pos];
        if (in_string) {
            if (symbol == '\\')
                ++pos;
            else if (symbol == '"')
                in_string = false;
        } else if (symbol == '"') {
            in_string = true;
        } else if (symbol == '[' || symbol == '{') {
            if (++depth > limit) return true;
        } else if (symbol == ']' || symbol == '}') {
            --depth;
        }
    }
    return false;
}

Result<RpcResponse> parse_rpc_response(std::string_view body, uint64_t expected_id, int max_depth)
{
    if (body.empty()) return malformed("empty body");
    if (json_nesting_exceeds(body, max_depth))
        return malformed("JSON nested deeper than " + std::to_string(max_depth) + " levels");
    json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (document.is_discarded()) return malformed("not JSON: " + printable_excerpt(body, 200));
    if (!document.is_object()) return malformed("not a JSON-RPC response object: " + printable_excerpt(body, 200));
    auto version = document.find("jsonrpc");
    if (version == document.end() || *version != "2.0") return malformed("\"jsonrpc\" is not \"2.0\"");

    auto error = document.find("error");
    if (error != document.end() && !error->is_null()) {
        // An error for a request the server could not read carries id null;
        // it still answers this request, so the id is not checked here.
        if (!error->is_object()) return malformed("\"error\" is not an object");
        RpcErrorObject object;
        auto code = error->find("code");
        if (code == error->end() || !code->is_number_integer())
            return malformed("error object without an integer code");
        object.code = code->get<int64_t>();
        auto message = error->find("message");
        if (message != error->end() && message->is_string()) object.message = message->get<std::string>();
        return RpcResponse{nullptr, object};
    }
    auto id = document.find("id");
    if (id == document.end() || !id->is_number_unsigned() || id->get<uint64_t>() != expected_id)
        return malformed("response id " +
                         (id == document.end() ? std::string("missing") : printable_excerpt(id->dump(), 40)) +
                         ", request id " + std::to_string(expected_id));
    auto result = document.find("result");
    // go-jsonrpc always writes "result" on success, null included.
    if (result == document.end()) return malformed("neither \"result\" nor \"error\"");
    return RpcResponse{std::move(*result), std::nullopt};
}

Error rpc_error_to_error(const RpcErrorObject &error)
{
    Errc code = Errc::io;
    if (error.code == kRpcMethodNotFound)
        code = Errc::unsupported;
    else if (error.code == kRpcInvalidParams || error.code == kRpcInvalidRequest)
        code = Errc::invalid_argument;
    std::string message = error.message.empty() ? std::string("(no message)") : printable_excerpt(error.message, 1000);
    return make_error(code, "JSON-RPC error " + std::to_string(error.code) + ": " + message);
}

} // namespace dmc::service::chain
