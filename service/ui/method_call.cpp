// SPDX-License-Identifier: Apache-2.0
#include "service/ui/method_call.hpp"

namespace dmc::service::ui {

namespace {

// The whole JSON-RPC response of one in-process call.
json respond(const rpc::Dispatcher &dispatcher, const std::string &method, const json &params)
{
    const json request = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
    json response = json::parse(dispatcher.handle(request.dump()), nullptr, false);
    if (response.is_discarded() || !response.is_object())
        throw rpc::RpcError{rpc::kInternalError, "internal error: malformed answer from " + method};
    return response;
}

} // namespace

Result<json> call_method(const rpc::Dispatcher &dispatcher, const std::string &method, const json &params)
{
    json response;
    try {
        response = respond(dispatcher, method, params);
    } catch (const rpc::RpcError &e) {
        return make_error(Errc::internal, e.message);
    }
    if (response.contains("error") && response["error"].is_object()) {
        const json &e = response["error"];
        Error err = make_error(Errc::io, e.value("message", std::string("unknown error from ") + method));
        const int code = e.value("code", 0);
        if (code == rpc::kSectorStateNotFound)
            err.code = Errc::not_found;
        else if (code == rpc::kInvalidParams || code == rpc::kMethodNotFound)
            err.code = Errc::invalid_argument;
        else if (code == rpc::kApplicationError)
            err.code = Errc::conflict;
        return err;
    }
    return response.contains("result") ? response["result"] : json(nullptr);
}

json call_method_or_throw(const rpc::Dispatcher &dispatcher, const std::string &method, const json &params)
{
    json response = respond(dispatcher, method, params);
    if (response.contains("error") && response["error"].is_object()) {
        const json &e = response["error"];
        throw rpc::RpcError{e.value("code", rpc::kInternalError), e.value("message", std::string("unknown error"))};
    }
    return response.contains("result") ? response["result"] : json(nullptr);
}

} // namespace dmc::service::ui
