// SPDX-License-Identifier: Apache-2.0
#include "service/rpc/dispatcher.hpp"

namespace dmc::service::rpc {

namespace {

// A response's text. Invalid UTF-8 (a message quoting bytes of a request)
// is replaced rather than thrown on: handle() never throws.
std::string text_of(const json &response) { return response.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string error_response(const json &id, int code, const std::string &message)
{
    return text_of(json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
}

} // namespace

// nlohmann::json copies and dumps recursively: a body nested ~100k deep
// would overflow an HTTP thread's stack, so bodies are checked before any
// parse. No method takes params deeper than a few levels.
bool json_nesting_exceeds(std::string_view text, int limit)
{
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) return true;
        } else if (c == ']' || c == '}') {
            if (--depth < 0) return true; // closes more than it opened: malformed, refuse too
        }
    }
    return false;
}

void Dispatcher::add(const std::string &method, Handler handler) { handlers_[method] = std::move(handler); }

std::string Dispatcher::handle(const std::string &body) const
{
    if (json_nesting_exceeds(body, kMaxNesting))
        return error_response(nullptr, kInvalidRequest,
                              "invalid request: JSON nested deeper than " + std::to_string(kMaxNesting) + " levels");
    json req = json::parse(body, nullptr, false);
    if (req.is_discarded()) return error_response(nullptr, kParseError, "parse error: body is not JSON");
    if (!req.is_object()) return error_response(nullptr, kInvalidRequest, "invalid request: not an object");
    json id = req.contains("id") ? req["id"] : json(nullptr);
    if (!id.is_null() && !id.is_number_integer() && !id.is_string())
        return error_response(nullptr, kInvalidRequest, "invalid request: bad id");
    // (value() would throw on a non-string "jsonrpc".)
    if (!req.contains("jsonrpc") || req["jsonrpc"] != "2.0")
        return error_response(id, kInvalidRequest, "invalid request: jsonrpc must be \"2.0\"");
    if (!req.contains("method") || !req["method"].is_string())
        return error_response(id, kInvalidRequest, "invalid request: method must be a string");
    std::string method = req["method"];
    json params = req.contains("params") ? req["params"] : json::array();
    if (!params.is_array() && !params.is_object())
        return error_response(id, kInvalidParams, "invalid params: must be an array or object");
    auto it = handlers_.find(method);
    if (it == handlers_.end()) return error_response(id, kMethodNotFound, "method not found: " + method);
    try {
        json result = it->second(params);
        return text_of(json{{"jsonrpc", "2.0"}, {"id", id}, {"result", result}});
    } catch (const RpcError &e) {
        return error_response(id, e.code, e.message);
    } catch (const json::exception &e) {
        return error_response(id, kInvalidParams, std::string("invalid params: ") + e.what());
    } catch (const std::exception &e) {
        return error_response(id, kInternalError, std::string("internal error: ") + e.what());
    }
}

} // namespace dmc::service::rpc
