// SPDX-License-Identifier: Apache-2.0
//
// A damocles-worker for integration tests, attached to a ManagerFixture: its
// worker.toml (threads, stores, intervals) is built from WorkerSpec, the
// admin API listens on a free loopback port behind the worker's token
// (<name>.token next to the config), over https when the spec gives a
// certificate, and the daemon is stopped when the fixture goes away.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "manager_fixture.hpp"

namespace dmc::test {

struct WorkerSpec {
    std::vector<std::string> plans = {"rebuild"}; // one sealing thread each
    std::map<std::string, std::string> stores;    // name -> location ([[attached]])
    std::string parent_cache;
    std::string extra_toml;                 // appended verbatim
    std::string thread_toml;                // added to every [[sealing_thread]] ("batch = 4\n")
    std::map<std::string, std::string> env; // e.g. DAMOCLES_FAILPOINTS
    std::string sealing = "recover_interval = \"1s\"\nseal_interval = \"1s\"\nrpc_polling_interval = \"1s\"\n";
    std::string manager_ca_file;               // [sealer_rpc] ca_file (an https manager)
    std::string admin_tls_cert, admin_tls_key; // [worker.rpc_server] tls_cert / tls_key
    std::string admin_token_file;              // [worker.rpc_server] token_file ("" = <dir>/<name>.token)
};

class WorkerFixture {
public:
    WorkerFixture(const ManagerFixture &manager, WorkerSpec spec, TempDir &dir, const std::string &name = "worker");
    ~WorkerFixture();

    void start(const std::map<std::string, std::string> &env_override = {});
    void stop();
    void kill9();
    bool running() { return daemon_ && daemon_->running(); }
    // host:port of the admin API ("https://host:port" with TLS).
    std::string address() const;
    // The admin API's bearer token and the CA that signed its certificate.
    std::string token() const;
    const std::string &token_file() const { return token_file_; }
    const std::string &ca_file() const { return ca_file_; }
    std::string location(size_t i) const { return locations_.at(i); }
    const std::string &config_path() const { return config_; }
    // VenusWorker.WorkerList rows.
    nlohmann::json threads() const;
    // `damocles-worker worker -H <addr> --token-file <file> <args...>`.
    RunResult cli(const std::vector<std::string> &args) const;
    std::string log() const;
    // Waits until thread i matches `pred` (up to `seconds`).
    bool wait_thread(size_t i, const std::function<bool(const nlohmann::json &)> &pred, int seconds = 60) const;

private:
    TempDir &dir_;
    std::string name_, config_, log_, addr_file_, token_file_, ca_file_;
    std::vector<std::string> locations_;
    std::map<std::string, std::string> env_;
    std::unique_ptr<Background> daemon_;
};

} // namespace dmc::test
