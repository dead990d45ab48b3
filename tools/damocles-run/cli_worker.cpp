// SPDX-License-Identifier: Apache-2.0
//
// `damocles-worker …` (= `damocles-run worker …`): the daemon, and the local
// thread commands against its admin API (docs/architecture.md §11.3, with the
// one-line list format of the seed documentation). The admin API needs the
// worker's token: with -c it is read through the config
// ([worker.rpc_server] token_file, https and its certificate as CA when
// tls_cert is set); with -H from --token-file (and --ca-file for https).
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "service/rpc/json_rpc.hpp"
#include "service/worker/worker_config.hpp"
#include "service/worker/worker_daemon.hpp"
#include "text_table.hpp"

namespace dmc::cli {

using nlohmann::json;

namespace {

struct WorkerOptions {
    std::string config;
    std::string host;
    std::string token_file;
    std::string ca_file;
    size_t index = 0;
    std::string state;
};

WorkerOptions &opts()
{
    static WorkerOptions o;
    return o;
}

std::string read_token_or_fail(const std::string &path)
{
    auto token = service::rpc::read_token_file(path);
    if (!token) fail_usage(token.error().message + " (the worker creates it on its first start)");
    return *token;
}

// The admin API client: address, token and CA from -c, or from -H,
// --token-file and --ca-file.
service::rpc::Client admin_client()
{
    const auto &o = opts();
    if (!o.config.empty()) {
        auto cfg = service::load_worker_config(o.config);
        if (!cfg) fail_usage(cfg.error().message);
        const std::string address = cfg->rpc_tls.enabled() ? "https://" + cfg->rpc_listen : cfg->rpc_listen;
        const std::string ca_file = o.ca_file.empty() ? cfg->rpc_tls.cert_file : o.ca_file;
        return service::rpc::Client(address, read_token_or_fail(cfg->rpc_token_file), 30, ca_file);
    }
    if (o.token_file.empty())
        fail_usage("the worker admin API needs its token: give -c worker.toml, or --token-file with -H");
    return service::rpc::Client(o.host.empty() ? "127.0.0.1:17890" : o.host, read_token_or_fail(o.token_file), 30,
                                o.ca_file);
}

json admin_call(const std::string &method, const json &params)
{
    auto client = admin_client();
    auto r = client.call(method, params);
    if (!r) fail(r.error().message);
    return *r;
}

std::string or_none(const json &v)
{
    if (v.is_null()) return "None";
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

void cmd_list()
{
    for (const auto &row : admin_call("VenusWorker.WorkerList", json::array())) {
        std::string paused_elapsed =
            row["paused_elapsed"].is_null() ? "None" : std::to_string(row["paused_elapsed"].get<int64_t>()) + "s";
        std::string last_err = row["last_err"].is_null() ? "None" : escape_debug(row["last_err"].get<std::string>());
        std::printf("#%zu: \"%s\"; plan=%s, sector_id=%s, paused=%s, paused_elapsed=%s, state=%s, last_err=%s\n",
                    row["index"].get<size_t>(), row["location"].get<std::string>().c_str(),
                    row["plan"].get<std::string>().c_str(), or_none(row["sector_id"]).c_str(),
                    row["paused"].get<bool>() ? "true" : "false", paused_elapsed.c_str(),
                    row["state"].get<std::string>().c_str(), last_err.c_str());
    }
}

void cmd_pause()
{
    bool done = admin_call("VenusWorker.WorkerPause", json::array({opts().index})).get<bool>();
    std::printf("#%zu worker pause done=%s\n", opts().index, done ? "true" : "false");
}

void cmd_resume()
{
    json params = json::array({opts().index});
    if (!opts().state.empty()) params.push_back(opts().state);
    auto client = admin_client();
    auto r = client.call("VenusWorker.WorkerResume", params);
    if (!r) {
        if (r.error().code == Errc::invalid_argument) fail_usage(r.error().message);
        fail(r.error().message);
    }
    std::printf("#%zu worker resume done=%s\n", opts().index, r->get<bool>() ? "true" : "false");
}

} // namespace

void register_worker_commands(CLI::App &app)
{
    auto &o = opts();
    auto *worker = app.add_subcommand("worker", "damocles-worker: sealing threads and their control");
    worker->require_subcommand(1);

    auto *daemon = worker->add_subcommand("daemon", "Run the worker daemon");
    daemon->require_subcommand(1);
    auto *run = daemon->add_subcommand("run", "Run the sealing threads of --config until SIGINT/SIGTERM");
    run->add_option("-c,--config", o.config, "worker.toml")->required()->check(CLI::ExistingFile);
    run->callback([] { must(service::run_worker_daemon(opts().config)); });

    auto *threads = worker->add_subcommand("worker", "Sealing threads of a running worker");
    threads->add_option("-c,--config", o.config, "worker.toml (its [worker.rpc_server] listen)")
        ->envname("DAMOCLES_WORKER_CONFIG");
    threads->add_option("-H,--host", o.host, "Admin API address (default 127.0.0.1:17890; https://… for TLS)")
        ->envname("DAMOCLES_WORKER_HOST");
    threads
        ->add_option("--token-file", o.token_file, "The admin API's token file (with -H; -c reads it from the config)")
        ->envname("DAMOCLES_WORKER_TOKEN_FILE");
    threads->add_option("--ca-file", o.ca_file, "CA certificate of an https admin API (-c: its tls_cert)");
    threads->require_subcommand(1);
    threads->add_subcommand("list", "One line per sealing thread")->callback(cmd_list);
    auto *pause = threads->add_subcommand("pause", "Pause a thread at its next check point");
    pause->add_option("--index", o.index, "Thread index")->required();
    pause->callback(cmd_pause);
    auto *resume = threads->add_subcommand("resume", "Resume a paused thread");
    resume->add_option("--index", o.index, "Thread index")->required();
    resume->add_option("--state", o.state, "Force the task into this state first (e.g. TreeDBuilt, Aborted)");
    resume->callback(cmd_resume);
}

} // namespace dmc::cli
