// SPDX-License-Identifier: Apache-2.0
//
// Calling the manager's own JSON-RPC method table in-process: the console's
// endpoints go through exactly the handlers `damocles-manager util …` reaches
// over HTTP (same validations, error texts and metrics), never around them.
#pragma once

#include <memory>
#include <string>

#include "damocles/sdk/result.hpp"
#include "service/rpc/json_rpc.hpp"

namespace dmc::service::ui {

using rpc::json;

// The method's result, or its JSON-RPC error as an Error carrying the
// server's message (code: not_found for 11001, invalid_argument for bad
// params, conflict for an application error, as rpc::Client maps them).
Result<json> call_method(const rpc::Dispatcher &dispatcher, const std::string &method, const json &params);

// The same call for a handler that must answer as the method would: a
// JSON-RPC error is rethrown as rpc::RpcError with its code and message.
json call_method_or_throw(const rpc::Dispatcher &dispatcher, const std::string &method, const json &params);

} // namespace dmc::service::ui
