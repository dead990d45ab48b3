// SPDX-License-Identifier: Apache-2.0
//
// `damocles-manager …` (= `damocles-run manager …`): the daemon and the
// operator commands that talk to it, with damocles' command lines, outputs
// and error texts (docs/architecture.md §11.1, §11.2, §12.2), plus batch rebuild
// and cancel.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>

#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "cli_sectors.hpp"
#include "damocles/sdk/ids.hpp"
#include "manager_client.hpp"
#include "sector_format.hpp"
#include "service/manager/manager_config.hpp"
#include "service/manager/manager_daemon.hpp"
#include "service/registry/registry_types.hpp"
#include "service/worker/worker_admin_client.hpp"
#include "service/worker/worker_config.hpp"
#include "text_table.hpp"

namespace dmc::cli {

using nlohmann::json;

namespace {

struct ManagerOptions {
    std::string home = default_manager_home();
    std::string listen = "127.0.0.1:1789";
    std::string db;      // daemon run --db: registry URL over [registry] url
    std::string ca_file; // --ca-file: the CA of an https manager (default: its [rpc] tls_cert)
    // sectors
    std::vector<std::string> args;
    bool pieces_available = false;
    bool unsealed = false;
    int priority = 0;
    std::string range;
    std::string store;
    bool offline = false;
    bool rebuild = false;
    bool sealing = true;
    bool snapup = false;
    std::string miner;
    // storage
    std::string store_name, store_path;
    bool store_readonly = false;
    unsigned store_weight = 1;
    std::vector<uint64_t> allow_miners, deny_miners;
    // workers
    std::string worker;
    size_t thread_index = 0;
    std::string expiration = "10m";
    std::string worker_token_file; // the worker admin API's token ([worker.rpc_server] token_file)
    std::string worker_ca_file;    // the CA of an https worker admin API
};

ManagerOptions &opts()
{
    static ManagerOptions o;
    return o;
}

uint64_t parse_miner_or_fail(const std::string &text)
{
    auto m = parse_miner_id(text);
    if (!m) fail("invalid miner actor id: " + m.error().message);
    return *m;
}

uint64_t parse_number_or_fail(const std::string &text)
{
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 20)
        fail("invalid sector number: strconv.ParseUint: parsing \"" + text + "\": invalid syntax");
    return std::stoull(text);
}

json call(const std::string &method, const json &params)
{
    auto client = manager_client(opts().home, opts().ca_file);
    auto r = client.call(method, params);
    if (!r) fail("rpc " + method.substr(method.find('.') + 1) + ": " + r.error().message);
    return *r;
}

// The sector numbers a rebuild request names: positional numbers, --range
// A-B, or every sector recorded in --store.
std::vector<core::SectorKey> rebuild_targets(uint64_t *single_miner)
{
    const auto &o = opts();
    std::vector<core::SectorKey> keys;
    if (!o.store.empty()) {
        json filter = {{"store", o.store}};
        if (!o.args.empty()) filter["miner"] = parse_miner_or_fail(o.args[0]);
        for (const auto &s : call("Venus.ListSectors", json::array({filter})))
            keys.push_back({s["sector"]["miner"].get<uint64_t>(), s["sector"]["number"].get<uint64_t>()});
        if (keys.empty()) fail("no sector is recorded in persist store " + o.store);
        return keys;
    }
    uint64_t miner = parse_miner_or_fail(o.args[0]);
    *single_miner = miner;
    if (!o.range.empty()) {
        auto dash = o.range.find('-');
        if (dash == std::string::npos) fail_usage("invalid --range " + o.range + " (want A-B)");
        uint64_t a = parse_number_or_fail(o.range.substr(0, dash)), b = parse_number_or_fail(o.range.substr(dash + 1));
        if (b < a || b - a > 100000) fail_usage("invalid --range " + o.range + " (want A-B with A <= B)");
        for (uint64_t n = a; n <= b; ++n) keys.push_back({miner, n});
    }
    for (size_t i = 1; i < o.args.size(); ++i) keys.push_back({miner, parse_number_or_fail(o.args[i])});
    return keys;
}

void cmd_rebuild(CLI::App *sub, bool cache_only)
{
    const auto &o = opts();
    if ((o.args.size() < 2 && o.range.empty() && o.store.empty()) || (o.args.empty() && o.store.empty())) {
        std::printf("%s", sub->help().c_str());
        return; // damocles prints the help and exits 0
    }
    uint64_t miner = 0;
    auto keys = rebuild_targets(&miner);
    const bool batch = keys.size() > 1 || !o.range.empty() || !o.store.empty();
    auto client = manager_client(o.home, o.ca_file);
    bool any_failed = false;
    for (const auto &key : keys) {
        json params = json::array({key.miner,
                                   key.number,
                                   {{"PiecesAvailable", o.pieces_available},
                                    {"Priority", o.priority},
                                    {"CacheOnly", cache_only},
                                    {"Unsealed", o.unsealed}}});
        auto r = client.call("Venus.SectorSetForRebuild", params);
        std::string id = core::sector_id_string(key);
        if (r) {
            if (batch) std::printf("%s: queued\n", id.c_str());
            continue;
        }
        any_failed = true;
        if (!batch)
            fail(std::string(cache_only ? "repair cache failed: " : "set sector for rebuild failed: ") +
                 r.error().message);
        // A sector already in the queue is reported as such, not as refused.
        auto st = client.call("Venus.FindSectorInAllStates", json::array({key.miner, key.number}));
        if (st && (*st)["queue"].is_object())
            std::printf("%s: already queued\n", id.c_str());
        else
            std::printf("%s: refused: %s\n", id.c_str(), r.error().message.c_str());
    }
    if (any_failed) throw Exit{kExitFailed, ""};
}

void cmd_rebuild_cancel()
{
    const auto &o = opts();
    if (o.args.size() < 2) fail_usage("usage: util sealer sectors rebuild-cancel <miner> <number>...");
    uint64_t miner = parse_miner_or_fail(o.args[0]);
    bool failed = false;
    for (size_t i = 1; i < o.args.size(); ++i) {
        core::SectorKey key{miner, parse_number_or_fail(o.args[i])};
        auto client = manager_client(o.home, o.ca_file);
        auto r = client.call("Venus.SectorRebuildCancel", json::array({key.miner, key.number}));
        std::string id = core::sector_id_string(key);
        if (!r) {
            failed = true;
            std::printf("%s: refused: %s\n", id.c_str(), r.error().message.c_str());
            continue;
        }
        std::string out = *r;
        if (out == "removed_from_queue")
            std::printf("%s: cancelled (removed from the queue)\n", id.c_str());
        else if (out == "cancel_requested")
            std::printf("%s: cancel requested (the worker stops at the next step)\n", id.c_str());
        else {
            failed = true;
            std::printf("%s: refused: not queued for rebuild\n", id.c_str());
        }
    }
    if (failed) throw Exit{kExitFailed, ""};
}

void cmd_state()
{
    const auto &o = opts();
    if (o.args.size() != 2) fail_usage("usage: util sealer sectors state [--offline] <miner> <number>");
    uint64_t miner = parse_miner_or_fail(o.args[0]);
    uint64_t number = parse_number_or_fail(o.args[1]);
    auto client = manager_client(o.home, o.ca_file);
    auto r = client.call("Venus.FindSectorInAllStates", json::array({miner, number}));
    if (!r) fail("rpc FindSectorInAllStates: " + r.error().message);
    std::printf("%s\n", format_sector_state(*r).c_str());
}

void cmd_list()
{
    const auto &o = opts();
    json filter = {{"online", !o.offline}};
    if (!o.miner.empty()) filter["miner"] = parse_miner_or_fail(o.miner);
    auto sectors = call("Venus.ListSectors", json::array({filter}));
    std::string out = "Sectors:\n";
    size_t count = 0;
    for (const auto &s : sectors) {
        bool upgraded = s.value("upgraded", false), need_rebuild = s.value("need_rebuild", false);
        bool match = (o.sealing && !upgraded && !need_rebuild) || (o.snapup && upgraded && !need_rebuild) ||
                     (o.rebuild && need_rebuild);
        if (!match) continue;
        out += format_sector_list_entry(s) + "\n";
        ++count;
    }
    std::printf("%sCount: %zu\n", out.c_str(), count);
}

void cmd_storage_attach()
{
    const auto &o = opts();
    json store = {{"name", o.store_name.empty() ? o.store_path : o.store_name},
                  {"path", o.store_path},
                  {"weight", o.store_weight},
                  {"read_only", o.store_readonly},
                  {"allow_miners", o.allow_miners},
                  {"deny_miners", o.deny_miners}};
    call("Venus.StoreAttach", json::array({store}));
    std::printf("persist store %s attached at %s\n", store["name"].get<std::string>().c_str(), o.store_path.c_str());
}

void cmd_storage_list()
{
    auto stores = call("Venus.StoreList", json::array());
    auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    for (const auto &s : stores) {
        uint64_t total = s["total"], free = s["free"], reserved = s["reserved"];
        uint64_t used = total - free;
        std::printf("%s:\n", s["name"].get<std::string>().c_str());
        std::printf("\tPath: %s\n\tType: persist\n\tReadOnly: %s\n\tWeight: %u\n", s["path"].get<std::string>().c_str(),
                    s["read_only"].get<bool>() ? "true" : "false", s["weight"].get<unsigned>());
        if (!s["reachable"].get<bool>()) {
            std::printf("\tUnreachable: the path does not exist on the manager host\n");
            continue;
        }
        std::printf("\tTotal: %s\n\tFree: %s\n\tUsed: %s\n\tUsedPercent: %.2f%%\n\tReserved: %s\n",
                    format_bytes(total).c_str(), format_bytes(free).c_str(), format_bytes(used).c_str(),
                    total ? 100.0 * static_cast<double>(used) / static_cast<double>(total) : 0.0,
                    format_bytes(reserved).c_str());
        size_t i = 0;
        for (const auto &r : s["reservations"])
            std::printf("\t\t#%zu: %s, %s, %s ago\n", i++, r["sector_id"].get<std::string>().c_str(),
                        format_bytes(r["size"].get<uint64_t>()).c_str(),
                        format_duration(now - r["at"].get<int64_t>()).c_str());
    }
}

// The worker's admin API: a ping record's address by name, else the
// argument itself as host[:port] (the console's thread actions resolve it
// the same way, service/worker/worker_admin_client.hpp).
// Its token and CA: --worker-token-file / --worker-ca-file, else the
// manager's own [worker_admin] token_file / ca_file.
service::WorkerAdminClient worker_admin(const std::string &name_or_addr)
{
    auto address = service::resolve_worker_admin_address(call("Venus.WorkerList", json::array()), name_or_addr);
    if (!address) fail_usage(address.error().message);
    std::string token_file = opts().worker_token_file, ca_file = opts().worker_ca_file;
    if (token_file.empty() || ca_file.empty()) {
        auto cfg = service::load_manager_config(opts().home);
        if (!cfg) fail_usage(cfg.error().message);
        if (token_file.empty()) token_file = cfg->worker_admin_token_file;
        if (ca_file.empty()) ca_file = cfg->worker_admin_ca_file;
    }
    service::WorkerAdminAccess access{{}, ca_file};
    if (!token_file.empty()) {
        auto token = service::rpc::read_token_file(token_file);
        if (!token) fail_usage(token.error().message);
        access.token = *token;
    }
    return service::WorkerAdminClient(*address, 30, access);
}

template <class T> T worker_must(const std::string &name_or_addr, Result<T> r)
{
    if (!r) fail("worker " + name_or_addr + ": " + r.error().message);
    return std::move(r).value();
}

void cmd_worker_list()
{
    auto expiration = service::parse_duration(opts().expiration);
    if (!expiration) fail_usage("invalid --expiration: " + expiration.error().message);
    auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    TextTable t({"Name", "Dest", "Version", "Threads", "Empty", "Paused", "Running", "Waiting", "Errors",
                 "LastPing(with ! if expired)"});
    for (const auto &w : call("Venus.WorkerList", json::array())) {
        int64_t ago = now - w["last_ping"].get<int64_t>();
        std::string ping = format_duration(ago) + " ago" + (ago > expiration->count() ? " (!)" : "");
        t.add({w["name"], w["address"], w["version"], std::to_string(w["threads"].get<int>()),
               std::to_string(w["empty"].get<int>()), std::to_string(w["paused"].get<int>()),
               std::to_string(w["running"].get<int>()), std::to_string(w["waiting"].get<int>()),
               std::to_string(w["errors"].get<int>()), ping});
    }
    std::printf("%s", t.str().c_str());
}

void cmd_worker_info()
{
    auto rows = worker_must(opts().worker, worker_admin(opts().worker).threads());
    TextTable t({"Index", "Loc", "Plan", "SectorID", "Paused", "PausedElapsed", "State", "LastErr"});
    auto null_or = [](const json &v) { return v.is_null() ? std::string("NULL") : v.get<std::string>(); };
    for (const auto &r : rows) {
        std::string elapsed =
            r["paused_elapsed"].is_null() ? "NULL" : format_duration(r["paused_elapsed"].get<int64_t>());
        std::string err = r["last_err"].is_null() ? "NULL" : escape_debug(r["last_err"].get<std::string>());
        t.add({std::to_string(r["index"].get<size_t>()), r["location"], r["plan"], null_or(r["sector_id"]),
               r["paused"].get<bool>() ? "true" : "false", elapsed, r["state"], err});
    }
    std::printf("%s", t.str().c_str());
}

void cmd_worker_pause()
{
    bool ok = worker_must(opts().worker, worker_admin(opts().worker).pause(opts().thread_index));
    std::printf("pause call done, ok = %s\n", ok ? "true" : "false");
}

void cmd_worker_resume()
{
    const std::string state = opts().args.empty() ? "" : opts().args.front();
    bool ok = worker_must(opts().worker, worker_admin(opts().worker).resume(opts().thread_index, state));
    std::printf("resume call done, ok = %s\n", ok ? "true" : "false");
}

} // namespace

namespace {

void register_daemon_command(CLI::App *manager)
{
    auto &o = opts();
    auto *daemon = manager->add_subcommand("daemon", "Run the manager daemon");
    daemon->require_subcommand(1);
    auto *run = daemon->add_subcommand("run", "Serve JSON-RPC on --listen until SIGINT/SIGTERM");
    run->add_option("--listen", o.listen, "host:port to listen on (port 0 = any free port)");
    run->add_option("--db", o.db,
                    "Registry: postgres://user@host/db (several managers may share it) or a SQLite "
                    "file; overrides [registry] url");
    run->callback([] {
        // The daemon reads it as an override of [registry] url (and so does a
        // deployment that sets the variable itself).
        if (!opts().db.empty()) setenv("DAMOCLES_REGISTRY_URL", opts().db.c_str(), 1);
        must(service::run_manager_daemon({opts().home, opts().listen}));
    });
}

// rebuild, repair-cache, rebuild-cancel, priority, state, list.
void register_sector_queue_commands(CLI::App *sectors)
{
    auto &o = opts();
    auto *rebuild = sectors->add_subcommand("rebuild", "Queue sectors for rebuild: <miner> <number> [<number>...]");
    rebuild->add_option("args", o.args, "<miner actor> <sector number>...");
    rebuild->add_flag("--pieces-available", o.pieces_available, "All deal pieces are available (imported sectors)");
    rebuild->add_flag("--unsealed", o.unsealed,
                      "Regenerate the unsealed copy too: decoded from the surviving sealed file, else by the rebuild");
    rebuild->add_option("--priority", o.priority, "Higher runs first (default 0)");
    rebuild->add_option("--range", o.range, "Sector numbers A-B of <miner>");
    rebuild->add_option("--store", o.store, "Every sector recorded in this persist store (a lost disk)");
    rebuild->callback([rebuild] { cmd_rebuild(rebuild, false); });

    auto *repair = sectors->add_subcommand(
        "repair-cache", "Rebuild only the cache (tree-r-last, p_aux, t_aux) of sectors whose sealed file survived");
    repair->add_option("args", o.args, "<miner actor> <sector number>...");
    repair->add_option("--priority", o.priority, "Higher runs first (default 0)");
    repair->callback([repair] { cmd_rebuild(repair, true); });

    auto *cancel = sectors->add_subcommand("rebuild-cancel", "Cancel queued or running rebuilds: <miner> <number>...");
    cancel->add_option("args", o.args, "<miner actor> <sector number>...");
    cancel->callback(cmd_rebuild_cancel);

    register_sectors_priority_command(*sectors, o.home, o.ca_file);

    auto *state = sectors->add_subcommand("state", "Show a sector's state (searches online and offline records)");
    state->add_option("args", o.args, "<miner> <number>");
    state->add_flag("--offline", o.offline, "DEPRECATED: every state db is searched anyway");
    state->callback(cmd_state);

    auto *list = sectors->add_subcommand("list", "List sectors");
    list->add_flag("--offline", o.offline, "List offline (finalized) sectors");
    list->add_flag("--rebuild", o.rebuild, "Include sectors that need a rebuild");
    list->add_flag("--sealing", o.sealing, "Include sealing sectors (default true; --sealing=false to exclude)");
    list->add_flag("--snapup", o.snapup, "Include upgraded (snap) sectors");
    list->add_option("--miner", o.miner, "Only this miner");
    list->callback(cmd_list);
}

void register_worker_commands(CLI::App *util)
{
    auto &o = opts();
    auto *worker = util->add_subcommand("worker", "Workers (from their pings) and their sealing threads");
    worker->require_subcommand(1);
    worker->fallthrough();
    worker
        ->add_option("--worker-token-file", o.worker_token_file,
                     "The worker admin API's token file ([worker.rpc_server] token_file of its worker.toml)")
        ->envname("DAMOCLES_WORKER_TOKEN_FILE");
    worker->add_option("--worker-ca-file", o.worker_ca_file, "CA certificate of an https worker admin API");
    auto *wlist = worker->add_subcommand("list", "Workers with thread counts and last ping");
    wlist->add_option("--expiration", o.expiration, "Mark pings older than this with (!) (default 10m)");
    wlist->callback(cmd_worker_list);
    auto *winfo = worker->add_subcommand("info", "Sealing threads of a worker: info <name or address>");
    winfo->add_option("worker", o.worker, "Worker name or host[:port]")->required();
    winfo->callback(cmd_worker_info);
    auto *wpause = worker->add_subcommand("pause", "Pause a thread: pause <name or address> <index>");
    wpause->add_option("worker", o.worker, "Worker name or host[:port]")->required();
    wpause->add_option("index", o.thread_index, "Thread index")->required();
    wpause->callback(cmd_worker_pause);
    auto *wresume = worker->add_subcommand("resume", "Resume a thread: resume <name or address> <index> [<state>]");
    wresume->add_option("worker", o.worker, "Worker name or host[:port]")->required();
    wresume->add_option("index", o.thread_index, "Thread index")->required();
    wresume->add_option("state", o.args, "Force this state first");
    wresume->callback(cmd_worker_resume);
}

void register_storage_commands(CLI::App *util)
{
    auto &o = opts();
    auto *storage = util->add_subcommand("storage", "Persist stores");
    storage->require_subcommand(1);
    auto *attach = storage->add_subcommand("attach", "Register a persist store: attach [--name N] <path>");
    attach->add_option("path", o.store_path, "Store path on the manager host")->required();
    attach->add_option("--name", o.store_name, "Store name (must match the workers' [[attached]] name)");
    attach->add_flag("--readonly", o.store_readonly, "Never choose it for new data");
    attach->add_option("--weight", o.store_weight, "Selection weight (default 1)");
    attach->add_option("--allow-miners", o.allow_miners, "Only these miners")->delimiter(',');
    attach->add_option("--deny-miners", o.deny_miners, "Never these miners")->delimiter(',');
    attach->callback(cmd_storage_attach);
    auto *slist = storage->add_subcommand("list", "Persist stores with space and reservations");
    slist->callback(cmd_storage_list);
}

} // namespace

void register_manager_commands(CLI::App &app)
{
    auto &o = opts();
    auto *manager = app.add_subcommand("manager", "damocles-manager: the registry daemon and its operator commands");
    manager->add_option("--home", o.home, "Manager home (api, token, config.toml, registry.db)")
        ->envname("DAMOCLES_MANAGER_HOME");
    manager->add_option("--ca-file", o.ca_file,
                        "CA certificate (PEM) that signed an https manager's certificate (default: the "
                        "certificate named by [rpc] tls_cert in <home>/config.toml)");
    manager->require_subcommand(1);
    register_daemon_command(manager);

    auto *util = manager->add_subcommand("util", "Operator utilities");
    util->require_subcommand(1);
    auto *sealer = util->add_subcommand("sealer", "Sector registry commands");
    sealer->require_subcommand(1);
    auto *sectors = sealer->add_subcommand("sectors", "Sectors known to the manager");
    sectors->require_subcommand(1);
    register_sectors_import_command(*sectors, o.home, o.ca_file);
    register_sectors_check_command(*sectors, o.home, o.ca_file);
    register_sector_queue_commands(sectors);
    register_worker_commands(util);
    register_storage_commands(util);
}

} // namespace dmc::cli
