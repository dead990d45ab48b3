// SPDX-License-Identifier: Apache-2.0
#include "service/rpc/json_rpc.hpp"

#include <fcntl.h>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

#include <httplib.h>

#include "damocles/sdk/file.hpp"
#include "damocles/sdk/hex.hpp"

namespace dmc::service::rpc {

namespace {

json error_response(const json &id, int code, const std::string &message)
{
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

// Deepest [ / { nesting in a JSON text (brackets inside strings skipped).
// nlohmann::json copies and dumps recursively: a body nested ~100k deep
// would overflow an HTTP thread's stack, so bodies are checked before any
// parse. No method takes params deeper than a few levels.
bool nesting_exceeds(std::string_view text, int limit)
{
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) return true;
        } else if (c == ']' || c == '}') {
            if (--depth < 0) return true;  // closes more than it opened: malformed, refuse too
        }
    }
    return false;
}

} // namespace

void Dispatcher::add(const std::string &method, Handler handler) { handlers_[method] = std::move(handler); }

std::string Dispatcher::handle(const std::string &body) const
{
    if (nesting_exceeds(body, kMaxNesting))
        return error_response(nullptr, kInvalidRequest,
                              "invalid request: JSON nested deeper than " + std::to_string(kMaxNesting) + " levels")
            .dump();
    json req = json::parse(body, nullptr, false);
    if (req.is_discarded()) return error_response(nullptr, kParseError, "parse error: body is not JSON").dump();
    if (!req.is_object()) return error_response(nullptr, kInvalidRequest, "invalid request: not an object").dump();
    json id = req.contains("id") ? req["id"] : json(nullptr);
    if (!id.is_null() && !id.is_number_integer() && !id.is_string())
        return error_response(nullptr, kInvalidRequest, "invalid request: bad id").dump();
    if (req.value("jsonrpc", "") != "2.0")
        return error_response(id, kInvalidRequest, "invalid request: jsonrpc must be \"2.0\"").dump();
    if (!req.contains("method") || !req["method"].is_string())
        return error_response(id, kInvalidRequest, "invalid request: method must be a string").dump();
    std::string method = req["method"];
    json params = req.contains("params") ? req["params"] : json::array();
    if (!params.is_array() && !params.is_object())
        return error_response(id, kInvalidParams, "invalid params: must be an array or object").dump();
    auto it = handlers_.find(method);
    if (it == handlers_.end()) return error_response(id, kMethodNotFound, "method not found: " + method).dump();
    try {
        json result = it->second(params);
        return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", result}}.dump();
    } catch (const RpcError &e) {
        return error_response(id, e.code, e.message).dump();
    } catch (const json::exception &e) {
        return error_response(id, kInvalidParams, std::string("invalid params: ") + e.what()).dump();
    } catch (const std::exception &e) {
        return error_response(id, kInternalError, std::string("internal error: ") + e.what()).dump();
    }
}

Result<std::string> load_or_create_token(const std::string &path)
{
    if (::access(path.c_str(), F_OK) == 0) {
        auto text = read_text_file(path);
        if (!text) return text.error();
        std::string t = *text;
        while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
        if (t.empty()) return make_error(Errc::invalid_argument, "token file " + path + " is empty; delete it to regenerate");
        return t;
    }
    std::random_device rd;
    Bytes32 raw;
    for (auto &b : raw) b = static_cast<uint8_t>(rd());
    std::string token = to_hex(raw);
    // Created 0600 before any byte is written (umask cannot widen it).
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return make_error(Errc::io, "cannot create token file " + tmp);
    ::fchmod(fd, 0600);
    std::string line = token + "\n";
    bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) return make_error(Errc::io, "cannot write token file " + path);
    return token;
}

void mount(httplib::Server &server, std::shared_ptr<const Dispatcher> dispatcher, std::string token,
           size_t max_body_bytes)
{
    server.set_payload_max_length(max_body_bytes);
    server.Post("/rpc/v0", [dispatcher, token](const httplib::Request &req, httplib::Response &res) {
        auto auth = req.get_header_value("Authorization");
        if (auth != "Bearer " + token) {
            res.status = 401;
            res.set_content("{\"error\":\"unauthorized: missing or wrong bearer token\"}\n", "application/json");
            return;
        }
        res.set_content(dispatcher->handle(req.body), "application/json");
    });
}

Result<std::pair<std::string, int>> parse_host_port(const std::string &address, int default_port)
{
    std::string a = address;
    for (const char *scheme : {"http://", "https://"})
        if (a.rfind(scheme, 0) == 0) a = a.substr(std::string(scheme).size());
    while (!a.empty() && a.back() == '/') a.pop_back();
    if (auto slash = a.find('/'); slash != std::string::npos) a = a.substr(0, slash);
    if (a.empty()) return make_error(Errc::invalid_argument, "empty address");
    auto colon = a.rfind(':');
    if (colon == std::string::npos) return std::make_pair(a, default_port);
    std::string host = a.substr(0, colon);
    std::string port = a.substr(colon + 1);
    if (host.empty() || port.empty() || port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5)
        return make_error(Errc::invalid_argument, "invalid address '" + address + "' (want host:port)");
    int p = std::stoi(port);
    if (p < 0 || p > 65535) return make_error(Errc::invalid_argument, "invalid port in '" + address + "'");
    return std::make_pair(host, p);
}

Client::Client(std::string address, std::string token, int timeout_seconds)
    : address_(std::move(address)), token_(std::move(token)), timeout_(timeout_seconds)
{
}

Result<json> Client::call(const std::string &method, const json &params) const
{
    auto hp = parse_host_port(address_, 1789);
    if (!hp) return hp.error();
    uint64_t id;
    {
        std::lock_guard lock(mutex_);
        id = next_id_++;
    }
    httplib::Client cli(hp->first, hp->second);
    cli.set_connection_timeout(5, 0);
    cli.set_read_timeout(timeout_, 0);
    cli.set_write_timeout(timeout_, 0);
    if (!token_.empty()) cli.set_bearer_token_auth(token_.c_str());
    json req = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
    auto res = cli.Post("/rpc/v0", req.dump(), "application/json");
    if (!res)
        return make_error(Errc::io, "cannot reach " + address_ + " (" + httplib::to_string(res.error()) +
                                        "): is the daemon running?");
    if (res->status == 401) return make_error(Errc::invalid_argument, "unauthorized at " + address_ + ": wrong token");
    if (res->status != 200)
        return make_error(Errc::io, "HTTP " + std::to_string(res->status) + " from " + address_);
    json resp = nesting_exceeds(res->body, kMaxNesting) ? json(json::value_t::discarded)
                                                         : json::parse(res->body, nullptr, false);
    if (resp.is_discarded() || !resp.is_object())
        return make_error(Errc::io, "malformed JSON-RPC response from " + address_);
    if (resp.contains("error") && !resp["error"].is_null()) {
        const auto &e = resp["error"];
        Error err = make_error(Errc::io, e.value("message", std::string("unknown error")));
        int code = e.value("code", 0);
        if (code == kSectorStateNotFound) err.code = Errc::not_found;
        else if (code == kInvalidParams || code == kMethodNotFound) err.code = Errc::invalid_argument;
        else if (code == kApplicationError) err.code = Errc::conflict;
        return err;
    }
    return resp.contains("result") ? resp["result"] : json(nullptr);
}

} // namespace dmc::service::rpc
