// SPDX-License-Identifier: Apache-2.0
//
// The HTTP side of LotusStub: routes, bearer-token check, JSON-RPC envelope
// and fault injection (the answers are lotus_stub_chain.cpp). Delays wait on
// a condition variable so that stop() never waits for a sleeping handler.
#include "lotus_stub.hpp"

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include <httplib.h>

#include "lotus_stub_chain.hpp"

namespace dmc::test {

using nlohmann::json;

struct LotusStub::Server {
    httplib::Server http;
    std::thread thread;
    std::mutex mutex;
    std::condition_variable wake;
    bool stopping = false;

    // Waits `delay` unless the stub stops first; false when it stopped.
    bool sleep_for(std::chrono::milliseconds delay)
    {
        std::unique_lock lock(mutex);
        return !wake.wait_for(lock, delay, [this] { return stopping; });
    }
};

namespace {

std::string envelope(const json &id, const LotusStubReply &reply)
{
    json body = {{"jsonrpc", "2.0"}};
    if (reply.error_code) {
        body["id"] = id;
        body["error"] = {{"code", *reply.error_code}, {"message", reply.error_message}};
    } else {
        // go-jsonrpc's field order: result, then id.
        body["result"] = reply.result;
        body["id"] = id;
    }
    return body.dump() + "\n";
}

using SleepFor = std::function<bool(std::chrono::milliseconds)>;

void handle_rpc(LotusStubChain &chain, const SleepFor &sleep_for, const httplib::Request &request,
                httplib::Response &response)
{
    const std::string authorization = request.get_header_value("Authorization");
    const bool has_token = !authorization.empty();
    // go-jsonrpc's auth handler: a token that does not verify is a bare 401.
    if (has_token && authorization != "Bearer " + chain.options().token) {
        response.status = 401;
        return;
    }
    json call = json::parse(request.body, nullptr, false);
    if (call.is_discarded() || !call.is_object()) {
        response.status = 500;
        response.set_content(envelope(nullptr, LotusStubReply::failure(-32700, "Parse error")), "application/json");
        return;
    }
    const json id = call.contains("id") ? call["id"] : json(nullptr);
    if (!call.contains("method") || !call["method"].is_string()) {
        response.status = 400;
        response.set_content(envelope(id, LotusStubReply::failure(-32600, "Invalid request")), "application/json");
        return;
    }
    const std::string method = call["method"].get<std::string>();
    const json params = call.contains("params") ? call["params"] : json::array();

    // Without a token Lotus grants no permission: every method refuses.
    if (!has_token) {
        const std::string name = method.rfind("Filecoin.", 0) == 0 ? method.substr(9) : method;
        response.set_content(
            envelope(id, LotusStubReply::failure(1, "missing permission to invoke '" + name + "' (need 'read')")),
            "application/json");
        return;
    }
    chain.record_call(method, params);
    if (auto fault = chain.fault(method)) {
        if (fault->delay.count() > 0) sleep_for(fault->delay);
        if (fault->raw_body && fault->trickle.count() > 0) {
            // A server that keeps the connection busy: only a total
            // deadline on the client's side ends this.
            response.status = fault->http_status;
            response.set_chunked_content_provider("application/json",
                                                  [body = *fault->raw_body, interval = fault->trickle,
                                                   sleep_for](size_t offset, httplib::DataSink &sink) {
                                                      if (offset >= body.size()) {
                                                          sink.done();
                                                          return true;
                                                      }
                                                      if (!sleep_for(interval)) return false;
                                                      return sink.write(body.data() + offset, 1);
                                                  });
            return;
        }
        if (fault->raw_body) {
            response.status = fault->http_status;
            response.set_content(*fault->raw_body, "application/json");
            return;
        }
        if (fault->rpc_error_code) {
            response.set_content(
                envelope(id, LotusStubReply::failure(*fault->rpc_error_code, fault->rpc_error_message)),
                "application/json");
            return;
        }
    }
    const LotusStubReply reply = chain.answer(method, params);
    response.status = reply.http_status;
    response.set_content(envelope(id, reply), "application/json");
}

} // namespace

LotusStub::LotusStub(LotusStubOptions options)
    : chain_(std::make_unique<LotusStubChain>(std::move(options))), server_(std::make_unique<Server>())
{
}

LotusStub::LotusStub(const LotusStubFixture &fixture) : LotusStub(fixture.options)
{
    for (const auto &sector : fixture.sectors) add_sector(sector);
    for (const auto &deal : fixture.deals) add_deal(deal);
    for (const auto &randomness : fixture.randomness) set_randomness(randomness);
    for (const auto &[method, fault] : fixture.faults) set_fault(method, fault);
}

LotusStub::~LotusStub() { stop(); }

Status LotusStub::start(int port)
{
    if (server_->thread.joinable()) return make_error(Errc::invalid_argument, "lotus stub already started");
    auto &http = server_->http;
    http.set_payload_max_length(size_t(1) << 20);
    auto rpc = [this](const httplib::Request &request, httplib::Response &response) {
        handle_rpc(
            *chain_, [this](std::chrono::milliseconds delay) { return server_->sleep_for(delay); }, request, response);
    };
    // Lotus serves /rpc/v1 and /rpc/v0; lotus-miner only /rpc/v0.
    http.Post("/rpc/v0", rpc);
    if (chain_->options().role != LotusStubRole::miner) http.Post("/rpc/v1", rpc);
    if (port == 0) {
        port_ = http.bind_to_any_port("127.0.0.1");
    } else {
        port_ = http.bind_to_port("127.0.0.1", port) ? port : -1;
    }
    if (port_ <= 0) {
        port_ = 0;
        return make_error(Errc::io, "lotus stub cannot listen on 127.0.0.1:" + std::to_string(port));
    }
    server_->thread = std::thread([&http] { http.listen_after_bind(); });
    for (int waited = 0; !http.is_running(); ++waited) {
        if (waited > 5000) return make_error(Errc::io, "lotus stub did not start serving within 5 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return {};
}

void LotusStub::stop()
{
    if (!server_ || !server_->thread.joinable()) return;
    {
        std::lock_guard lock(server_->mutex);
        server_->stopping = true;
    }
    server_->wake.notify_all();
    server_->http.stop();
    server_->thread.join();
}

std::string LotusStub::host_port() const { return "127.0.0.1:" + std::to_string(port_); }

std::string LotusStub::api_info() const
{
    return chain_->options().token + ":/ip4/127.0.0.1/tcp/" + std::to_string(port_) + "/http";
}

const std::string &LotusStub::token() const { return chain_->options().token; }

void LotusStub::add_sector(const LotusStubSector &sector) { chain_->add_sector(sector); }
void LotusStub::add_deal(const LotusStubDeal &deal) { chain_->add_deal(deal); }
void LotusStub::set_randomness(const LotusStubRandomness &randomness) { chain_->set_randomness(randomness); }
void LotusStub::set_head_height(int64_t height) { chain_->set_head_height(height); }
void LotusStub::set_fault(const std::string &method, const LotusStubFault &fault) { chain_->set_fault(method, fault); }
void LotusStub::clear_faults() { chain_->clear_faults(); }
uint64_t LotusStub::call_count(const std::string &method) const { return chain_->call_count(method); }
json LotusStub::last_params(const std::string &method) const { return chain_->last_params(method); }

} // namespace dmc::test
