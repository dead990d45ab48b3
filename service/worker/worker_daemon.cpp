// SPDX-License-Identifier: Apache-2.0
#include "service/worker/worker_daemon.hpp"

#include <atomic>
#include <filesystem>
#include <poll.h>
#include <set>
#include <sys/inotify.h>
#include <unistd.h>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "damocles/core/plugin_registry.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/version.h"
#include "service/daemon/signal_waiter.hpp"
#include "service/metrics/endpoint.hpp"
#include "service/metrics/series.hpp"
#include "service/worker/piece_fetcher.hpp"

namespace dmc::service {

using namespace dmc::core;

namespace fs = std::filesystem;
using rpc::json;

json thread_status_json(const ThreadStatus &s)
{
    return {{"index", s.index},
            {"location", s.location},
            {"plan", s.plan},
            {"sector_id", s.sector_id.empty() ? json(nullptr) : json(s.sector_id)},
            {"paused", s.paused},
            {"paused_elapsed", s.paused_elapsed ? json(s.paused_elapsed->count()) : json(nullptr)},
            {"state", s.state},
            {"stage", s.stage},
            {"thread_state", s.thread_state},
            {"last_err", s.last_err.empty() ? json(nullptr) : json(s.last_err)},
            {"progress", s.progress},
            {"eta_seconds", s.eta_seconds}};
}

namespace {

// Wakes the threads reading a location's config.toml when it changes (a
// thread and its overlap companion read the same one).
class HotConfigWatcher {
public:
    explicit HotConfigWatcher(std::vector<std::unique_ptr<SealingThread>> &threads) : threads_(threads)
    {
        fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd_ < 0) {
            spdlog::warn("inotify unavailable: hot configs are re-read before each task only");
            return;
        }
        for (size_t i = 0; i < threads_.size(); ++i) {
            int wd = inotify_add_watch(fd_, threads_[i]->hot_config_dir().c_str(),
                                       IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_CREATE | IN_MOVED_FROM);
            if (wd >= 0) watches_[wd].push_back(i);
        }
        thread_ = std::thread([this] { loop(); });
    }
    ~HotConfigWatcher()
    {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        if (fd_ >= 0) close(fd_);
    }

private:
    void loop()
    {
        alignas(inotify_event) char buf[8192];
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, 200) <= 0) continue;
            ssize_t n = read(fd_, buf, sizeof buf);
            for (ssize_t off = 0; off < n;) {
                auto *ev = reinterpret_cast<inotify_event *>(buf + off);
                if (ev->len && std::string(ev->name) == "config.toml") {
                    auto it = watches_.find(ev->wd);
                    if (it != watches_.end())
                        for (size_t i : it->second) threads_[i]->notify_config_changed();
                }
                off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
            }
        }
    }
    std::vector<std::unique_ptr<SealingThread>> &threads_;
    std::map<int, std::vector<size_t>> watches_;
    int fd_ = -1;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

std::shared_ptr<rpc::Dispatcher> admin_dispatcher(std::vector<std::unique_ptr<SealingThread>> &threads)
{
    auto table = std::make_shared<rpc::Dispatcher>();
    auto d = std::make_unique<metrics::InstrumentedMethods>(*table, "server"); // counted for GET /metrics
    auto thread_at = [&threads](const json &p) -> SealingThread & {
        if (!p.is_array() || p.empty() || !p[0].is_number_unsigned())
            throw rpc::RpcError{rpc::kInvalidParams, "invalid params: thread index required"};
        size_t i = p[0].get<size_t>();
        if (i >= threads.size())
            throw rpc::RpcError{rpc::kInvalidParams, "invalid params: no sealing thread #" + std::to_string(i)};
        return *threads[i];
    };
    d->add("VenusWorker.WorkerVersion", [](const json &) { return json(DMC_VERSION); });
    d->add("VenusWorker.WorkerList", [&threads](const json &) {
        json out = json::array();
        for (const auto &t : threads) out.push_back(thread_status_json(t->status()));
        return out;
    });
    d->add("VenusWorker.WorkerPause", [thread_at](const json &p) { return json(thread_at(p).pause()); });
    d->add("VenusWorker.WorkerResume", [thread_at](const json &p) {
        std::optional<std::string> state;
        if (p.size() > 1 && p[1].is_string() && !p[1].get<std::string>().empty()) state = p[1].get<std::string>();
        auto r = thread_at(p).resume(state);
        if (!r) throw rpc::RpcError{rpc::kInvalidParams, r.error().message};
        return json(*r);
    });
    return table;
}

// One SealingThread per [[sealing_thread]] (a duplicate location skipped),
// and after an `overlap = true` one its companion at <location>/overlap,
// the two sharing a PC1 turn (docs/architecture.md §8.5).
std::vector<std::unique_ptr<SealingThread>> make_sealing_threads(const WorkerConfig &cfg, WorkerContext &ctx)
{
    std::vector<std::unique_ptr<SealingThread>> threads;
    std::set<std::string> locations;
    for (const auto &tc : cfg.threads) {
        if (!locations.insert(tc.location).second) {
            spdlog::warn("store already loaded: {} (duplicate [[sealing_thread]] location skipped)", tc.location);
            continue;
        }
        auto turn = tc.overlap ? std::make_shared<Pc1Turn>() : nullptr;
        threads.push_back(std::make_unique<SealingThread>(threads.size(), tc, ctx, turn));
        if (!tc.overlap) continue;
        SealingThreadConfig companion = overlap_companion(tc);
        if (!locations.insert(companion.location).second) {
            spdlog::warn("overlap companion location {} is also a [[sealing_thread]]; no companion",
                         companion.location);
            continue;
        }
        spdlog::info("sealing thread #{} at {}: overlap companion of #{} (their PC1 runs take turns)", threads.size(),
                     companion.location, threads.size() - 1);
        threads.push_back(std::make_unique<SealingThread>(threads.size(), companion, ctx, turn));
    }
    return threads;
}

json ping_body(const WorkerConfig &cfg, const std::string &address,
               std::vector<std::unique_ptr<SealingThread>> &threads)
{
    json rows = json::array();
    uint32_t empty = 0, paused = 0, running = 0, waiting = 0, errors = 0;
    for (const auto &t : threads) {
        ThreadStatus s = t->status();
        rows.push_back(thread_status_json(s));
        if (s.sector_id.empty()) ++empty;
        if (s.paused) ++paused;
        if (s.thread_state.rfind("Running", 0) == 0) ++running;
        if (s.thread_state.rfind("Waiting", 0) == 0) ++waiting;
        if (!s.last_err.empty()) ++errors;
    }
    return {{"name", cfg.name}, {"address", address}, {"version", DMC_VERSION}, {"threads", threads.size()},
            {"empty", empty},   {"paused", paused},   {"running", running},     {"waiting", waiting},
            {"errors", errors}, {"thread_rows", rows}};
}

// The manager answers and knows every [[attached]] store by name.
Status connect_manager(WorkerContext &ctx)
{
    const WorkerConfig &cfg = ctx.config;
    if (cfg.attached.empty()) return make_error(Errc::invalid_argument, "no attached store available");
    ctx.manager = std::make_unique<rpc::Client>(cfg.manager_url, cfg.manager_token, 120, cfg.manager_ca_file);
    auto stores = ctx.manager->call("Venus.StoreList", json::array());
    if (!stores) return stores.error().context("cannot reach damocles-manager at " + cfg.manager_url);
    for (const auto &a : cfg.attached) {
        bool known = false;
        for (const auto &s : *stores) known = known || s.value("name", "") == a.name;
        if (!known)
            return make_error(Errc::invalid_argument,
                              "store basic info of instance " + a.name + " not found in damocles-manager");
    }
    return {};
}

struct AdminServer {
    std::unique_ptr<httplib::Server> server;
    std::string address; // pinged to the manager ("util worker info" dials it), https:// when TLS
};

// The admin API (JSON-RPC, /metrics) bound to [worker.rpc_server] listen,
// with its own token (created 0600 on first run, like the manager's).
Result<AdminServer> bind_admin_server(const WorkerConfig &cfg, const std::string &config_path,
                                      std::vector<std::unique_ptr<SealingThread>> &threads,
                                      const std::string &metrics_token)
{
    auto hp = rpc::parse_host_port(cfg.rpc_listen, 17890);
    if (!hp) return hp.error();
    std::string admin_token;
    DMC_TRY_ASSIGN(admin_token, rpc::load_or_create_token(cfg.rpc_token_file));
    AdminServer out;
    DMC_TRY_ASSIGN(out.server,
                   rpc::make_http_server(cfg.rpc_tls, config_path + " [worker.rpc_server] tls_cert/tls_key"));
    httplib::Server &admin = *out.server;
    rpc::mount(admin, admin_dispatcher(threads), admin_token, 1u << 20);
    metrics::mount(admin, metrics_token);
    metrics::count_http_responses(admin, "worker");
    int port = hp->second;
    if (port == 0) {
        port = admin.bind_to_any_port(hp->first);
        if (port <= 0) return make_error(Errc::io, "cannot listen on " + hp->first);
    } else if (!admin.bind_to_port(hp->first, port)) {
        return make_error(Errc::io, "cannot listen on " + cfg.rpc_listen + " (address in use?)");
    }
    const std::string host_port = hp->first + ":" + std::to_string(port);
    out.address = cfg.rpc_tls.enabled() ? "https://" + host_port : host_port;
    return out;
}

} // namespace

Status run_worker_daemon(const std::string &config_path)
{
    WorkerContext ctx;
    DMC_TRY_ASSIGN(ctx.config, load_worker_config(config_path));
    const WorkerConfig &cfg = ctx.config;
    DMC_TRY_VOID(connect_manager(ctx));

    auto registry = PluginRegistry::discover();
    EngineOptions eo;
    eo.plugin_overrides = cfg.plugins;
    eo.parent_cache_dir = cfg.parent_cache_dir;
    eo.budget.concurrency = cfg.concurrency;
    eo.on_stage_timed = [](const std::string &stage, double seconds, bool ok) {
        metrics::observe_stage(stage, seconds, ok);
    };
    Engine engine(registry, eo);
    DMC_TRY_VOID(engine.init());
    ctx.engine = &engine;

    std::vector<std::unique_ptr<SealingThread>> threads = make_sealing_threads(cfg, ctx);

    std::string metrics_token;
    if (!cfg.metrics_token_file.empty()) {
        DMC_TRY_ASSIGN(metrics_token, rpc::load_or_create_token(cfg.metrics_token_file));
    }
    AdminServer admin_server;
    DMC_TRY_ASSIGN(admin_server, bind_admin_server(cfg, config_path, threads, metrics_token));
    httplib::Server &admin = *admin_server.server;
    const std::string &address = admin_server.address;
    auto thread_gauges = metrics::global().on_scrape([&] {
        const json b = ping_body(cfg, address, threads);
        metrics::set_worker_threads({b["threads"].get<uint32_t>(), b["empty"].get<uint32_t>(),
                                     b["paused"].get<uint32_t>(), b["running"].get<uint32_t>(),
                                     b["waiting"].get<uint32_t>(), b["errors"].get<uint32_t>()});
    });
    metrics::Endpoint metrics_endpoint; // [metrics] listen: /metrics on its own address too
    if (!cfg.metrics_listen.empty())
        DMC_TRY_VOID(metrics_endpoint.start(cfg.metrics_listen, cfg.rpc_tls, metrics_token));

    std::mutex stop_mu;
    std::condition_variable stop_cv;
    bool stopping = false;
    SignalWaiter waiter([&](int sig) {
        spdlog::info("signal {} received, stopping the worker", sig);
        {
            std::lock_guard lock(stop_mu);
            stopping = true;
        }
        stop_cv.notify_all();
        admin.stop();
    });
    for (auto &t : threads) t->start();
    HotConfigWatcher watcher(threads);
    std::thread pinger([&] {
        std::unique_lock lock(stop_mu);
        while (!stopping) {
            lock.unlock();
            auto r = ctx.manager->call("Venus.WorkerPing", json::array({ping_body(cfg, address, threads)}));
            if (!r) spdlog::warn("worker ping failed: {}", r.error().message);
            lock.lock();
            stop_cv.wait_for(lock, cfg.ping_interval, [&] { return stopping; });
        }
    });
    spdlog::info("damocles-worker {} listening on {} ({} sealing threads, manager {})", cfg.name, address,
                 threads.size(), cfg.manager_url);
    // Written for tests and tools that start the worker on port 0.
    if (const char *f = std::getenv("DAMOCLES_WORKER_ADDRESS_FILE"); f && *f)
        (void)write_file_atomic(f, address + "\n");
    admin.listen_after_bind();
    {
        std::lock_guard lock(stop_mu);
        stopping = true;
    }
    stop_cv.notify_all();
    pinger.join();
    for (auto &t : threads) t->request_stop();
    for (auto &t : threads) t->join();
    spdlog::info("damocles-worker stopped");
    return {};
}

} // namespace dmc::service
