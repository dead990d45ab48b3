// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target: the manager's JSON-RPC request handling, a request body
// as it arrives after the token check (POST /rpc/v0). The body goes through
// the dispatcher (service/rpc/dispatcher.cpp) into the manager's method
// table (service/manager/manager_rpc.cpp) and the ManagerService behind it,
// on a real SQLite registry in a temporary directory, so every method's
// parameter decoding and validation is reached. Any input must give one
// JSON-RPC 2.0 response (a result or an error with a code and a message),
// never a crash, an exception, a hang or undefined behaviour.
//
// The registry keeps what earlier inputs imported or queued (as a manager
// would), so inputs reach the paths that need existing sectors; a seed in
// fuzz/corpus/manager_rpc imports one.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "service/manager/manager_service.hpp"
#include "service/registry/sql_registry.hpp"
#include "service/registry/sqlite_dialect.hpp"

namespace {

struct Manager {
    std::string dir;
    std::unique_ptr<dmc::service::ManagerService> service;
    std::shared_ptr<dmc::service::rpc::Dispatcher> dispatcher;
    ~Manager()
    {
        dispatcher.reset();
        service.reset();
        std::error_code ec;
        if (!dir.empty()) std::filesystem::remove_all(dir, ec);
    }
};

// A manager service on a fresh SQLite registry: miner 1001, store "store-a".
void start(Manager &m)
{
    spdlog::set_level(spdlog::level::off);
    // On tmpfs when there is one: every registry write is fsynced.
    const bool shm = ::access("/dev/shm", W_OK) == 0;
    std::string pattern = std::string(shm ? "/dev/shm" : "/tmp") + "/dmc-fuzz-manager-rpc-XXXXXX";
    if (!::mkdtemp(pattern.data())) std::abort();
    m.dir = pattern;
    std::filesystem::create_directories(m.dir + "/store");
    const std::string config =
        "[[Miners]]\nActor = 1001\n\n[[Common.PersistStores]]\nName = \"store-a\"\nPath = \"" + m.dir + "/store\"\n";
    auto cfg = dmc::service::parse_manager_config(config, m.dir, "config.toml");
    auto dialect = dmc::service::open_sqlite_dialect(m.dir + "/registry.db");
    if (!cfg || !dialect) std::abort();
    auto registry = dmc::service::SqlRegistry::open(std::move(*dialect));
    if (!registry) std::abort();
    for (const auto &store : cfg->persist_stores)
        if (!(*registry)->upsert_store(store)) std::abort();
    m.service = std::make_unique<dmc::service::ManagerService>(*cfg, std::move(*registry));
    m.dispatcher = m.service->make_dispatcher();
}

Manager &manager()
{
    static Manager m;
    static const bool started = (start(m), true);
    (void)started;
    return m;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string body(reinterpret_cast<const char *>(data), size);
    const std::string answer = manager().dispatcher->handle(body);
    const auto response = nlohmann::json::parse(answer, nullptr, false);
    if (!response.is_object() || response.value("jsonrpc", "") != "2.0") std::abort();
    const bool has_result = response.contains("result");
    const bool has_error = response.contains("error");
    if (has_result == has_error) std::abort();
    if (has_error) {
        const auto &e = response["error"];
        if (!e.is_object() || !e.contains("code") || !e["code"].is_number_integer() || !e.contains("message") ||
            !e["message"].is_string())
            std::abort();
    }
    return 0;
}
