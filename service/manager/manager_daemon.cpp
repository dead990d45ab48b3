// SPDX-License-Identifier: Apache-2.0
#include "service/manager/manager_daemon.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "damocles/sdk/file.hpp"
#include "service/daemon/signal_waiter.hpp"
#include "service/manager/manager_service.hpp"
#include "service/metrics/endpoint.hpp"
#include "service/metrics/registry_gauges.hpp"
#include "service/metrics/series.hpp"
#include "service/registry/postgres_db.hpp"
#include "service/rpc/bearer_auth.hpp"
#include "service/rpc/http_transport.hpp"
#include "service/ui/console_routes.hpp"
#include "service/worker/worker_admin_client.hpp"

namespace dmc::service {

using namespace dmc::core;

namespace {

// GET /piecestore/<cid>: a piece file from the [Common] PieceStores dirs
// (<dir>/<cid> or <dir>/<cid>.car), streamed.
rpc::HttpHandler serve_piece(std::vector<std::string> dirs)
{
    return [dirs](const httplib::Request &req, httplib::Response &res) {
        const std::string cid = req.matches[1];
        for (const auto &dir : dirs) {
            for (const std::string &name : {cid, cid + ".car"}) {
                auto path = std::filesystem::path(dir) / name;
                std::error_code ec;
                if (!std::filesystem::is_regular_file(path, ec)) continue;
                auto size = std::filesystem::file_size(path, ec);
                auto file = std::make_shared<std::ifstream>(path, std::ios::binary);
                res.set_content_provider(size, "application/octet-stream",
                                         [file](size_t offset, size_t length, httplib::DataSink &sink) {
                                             std::vector<char> buf(std::min<size_t>(length, 1u << 20));
                                             file->seekg(static_cast<std::streamoff>(offset));
                                             file->read(buf.data(), static_cast<std::streamsize>(buf.size()));
                                             auto n = static_cast<size_t>(file->gcount());
                                             if (n == 0) return false;
                                             sink.write(buf.data(), n);
                                             return true;
                                         });
                spdlog::info("piece store: serving {} from {}", cid, path.string());
                return;
            }
        }
        res.status = 404;
        res.set_content("piece " + cid + " not found in the manager's piece stores\n", "text/plain");
    };
}

// The piece store behind the manager's token.
void mount_piece_store(httplib::Server &server, std::vector<std::string> dirs, std::string token)
{
    server.Get(R"(/piecestore/([A-Za-z0-9]+))",
               rpc::require_bearer_token(std::move(token), serve_piece(std::move(dirs))));
}

} // namespace

Result<ManagerEndpoint> read_manager_endpoint(const std::string &home)
{
    const auto api_path = (std::filesystem::path(home) / "api").string();
    auto api = read_text_file(api_path);
    if (!api)
        return make_error(Errc::not_found, "no manager API address in " + api_path + ": is `damocles-manager --home " +
                                               home + " daemon run` running?");
    auto token = read_text_file((std::filesystem::path(home) / "token").string());
    if (!token) return make_error(Errc::not_found, "cannot read the manager token in " + home + "/token");
    auto trim = [](std::string s) {
        while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
        return s;
    };
    ManagerEndpoint endpoint{trim(*api), trim(*token), {}};
    // An https manager is trusted through its own certificate ([rpc]
    // tls_cert; a self-signed one is its own CA).
    if (endpoint.address.rfind("https://", 0) == 0) {
        auto cfg = load_manager_config(home);
        if (!cfg) return cfg.error();
        endpoint.ca_file = cfg->rpc_tls.cert_file;
    }
    return endpoint;
}

Status run_manager_daemon(const ManagerDaemonOptions &opts)
{
    DMC_TRY_VOID(make_dirs(opts.home));
    ManagerConfig cfg;
    DMC_TRY_ASSIGN(cfg, load_manager_config(opts.home));
    // `daemon run --db URL` (or the variable itself) overrides [registry] url.
    if (const char *url = std::getenv("DAMOCLES_REGISTRY_URL"); url && *url) cfg.registry_url = url;
    std::unique_ptr<RegistryStore> reg;
    DMC_TRY_ASSIGN(reg, open_registry(cfg.registry_url));
    for (const auto &store : cfg.persist_stores) DMC_TRY_VOID(reg->upsert_store(store));
    std::string token;
    DMC_TRY_ASSIGN(token, rpc::load_or_create_token((std::filesystem::path(opts.home) / "token").string()));

    auto hp = rpc::parse_host_port(opts.listen, 1789);
    if (!hp) return hp.error();

    std::string metrics_token;
    if (!cfg.metrics_token_file.empty()) {
        DMC_TRY_ASSIGN(metrics_token, rpc::load_or_create_token(cfg.metrics_token_file));
    }
    // What the console presents to the workers' admin APIs (created 0600
    // when missing: the workers' token_file names the same token).
    WorkerAdminAccess worker_access{{}, cfg.worker_admin_ca_file};
    if (!cfg.worker_admin_token_file.empty()) {
        DMC_TRY_ASSIGN(worker_access.token, rpc::load_or_create_token(cfg.worker_admin_token_file));
    }
    set_worker_admin_access(worker_access);

    auto service = std::make_shared<ManagerService>(cfg, std::move(reg));
    std::unique_ptr<httplib::Server> server_ptr;
    DMC_TRY_ASSIGN(server_ptr, rpc::make_http_server(cfg.rpc_tls, opts.home + "/config.toml [rpc] tls_cert/tls_key"));
    httplib::Server &server = *server_ptr;
    auto dispatcher = service->make_dispatcher();
    ui::mount_console(server, dispatcher, token); // GET /ui: the web console (docs/architecture.md §8.9)
    rpc::mount(server, dispatcher, token);
    server.Get("/healthz",
               [](const httplib::Request &, httplib::Response &res) { res.set_content("ok\n", "text/plain"); });
    mount_piece_store(server, cfg.piece_stores, token);
    metrics::mount(server, metrics_token);
    metrics::count_http_responses(server, "manager");
    // Scrapes read gauges this thread keeps up to date; an RPC may have changed them.
    metrics::RegistryGauges registry_gauges(service->registry());
    server.set_post_routing_handler([&registry_gauges](const httplib::Request &req, httplib::Response &) {
        if (req.method == "POST") registry_gauges.poke();
    });

    int port = hp->second;
    if (port == 0) {
        port = server.bind_to_any_port(hp->first);
        if (port <= 0) return make_error(Errc::io, "cannot listen on " + hp->first);
    } else if (!server.bind_to_port(hp->first, port)) {
        return make_error(Errc::io, "cannot listen on " + opts.listen + " (address in use?)");
    }
    // Clients read the scheme from <home>/api: "https://host:port" when TLS is on.
    const std::string host_port = hp->first + ":" + std::to_string(port);
    const std::string address = cfg.rpc_tls.enabled() ? "https://" + host_port : host_port;
    DMC_TRY_VOID(write_file_atomic((std::filesystem::path(opts.home) / "api").string(), address + "\n"));
    spdlog::info("damocles-manager listening on {} (home {}, registry {}, {} miners, {} persist stores)", address,
                 opts.home, pg::redact_url(cfg.registry_url), cfg.miners.size(), cfg.persist_stores.size());

    SignalWaiter waiter([&server](int sig) {
        spdlog::info("signal {} received, stopping", sig);
        server.stop();
    });
    if (!server.listen_after_bind()) return make_error(Errc::io, "manager server stopped with an error");
    spdlog::info("damocles-manager stopped");
    return {};
}

} // namespace dmc::service
