// SPDX-License-Identifier: Apache-2.0
//
// `util sealer sectors check --store <name|path> [--miner M] [--deep]
// [--rebuild] [--json] [--lotus API]` (docs/architecture.md §14.2): the
// manager classifies every sector it places in the store (Venus.SectorsCheck:
// it has the registry and the store's files); this prints the table, or with
// --json one array
//   [{"miner":1000,"number":2,"status":"sealed-missing","action":"rebuild"}, …]
// With --lotus each checked record is compared with the chain first, and one
// the chain contradicts becomes "chain-mismatch" (action inspect), never
// queued. With --rebuild every damaged sector is queued with its action, as
// `sectors rebuild` / `repair-cache` queue it; nothing ok is queued.
// Exit 0 when every sector is ok or was queued, 1 when something is left to
// a person, 2 for bad input (an unknown store).
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "cli_sectors.hpp"
#include "damocles/core/internal/sector_json.hpp"
#include "damocles/sdk/ids.hpp"
#include "lotus_api.hpp"
#include "manager_client.hpp"
#include "service/importers/chain_confirmation.hpp"
#include "text_table.hpp"

namespace dmc::cli {

namespace {

using nlohmann::json;

struct CheckOptions {
    std::string store;
    std::string miner;
    bool deep = false;
    bool rebuild = false;
    bool json_out = false;
    bool pieces_available = false;
    int priority = 0;
    std::string lotus, lotus_token;
    const std::string *home = nullptr;
    const std::string *ca_file = nullptr;
};

CheckOptions &options()
{
    static CheckOptions o;
    return o;
}

// A deep check reads every sampled node of every sector: allow it hours.
constexpr int kCheckTimeoutSeconds = 600;
constexpr int kDeepCheckTimeoutSeconds = 24 * 3600;

bool has_key(const json &row) { return row["miner"].is_number_unsigned() && row["number"].is_number_unsigned(); }

core::SectorKey key_of(const json &row) { return {row["miner"].get<uint64_t>(), row["number"].get<uint64_t>()}; }

// Rows of registered sectors whose record the chain contradicts become
// chain-mismatch (the action is a person's).
void mark_chain_disagreements(json &rows, const std::string &store, const std::optional<uint64_t> &miner)
{
    auto node = full_node_or_fail(options().lotus, options().lotus_token);
    auto client = manager_client(*options().home, *options().ca_file);
    json filter = {{"store", store}};
    if (miner) filter["miner"] = *miner;
    auto listed = client.call("Venus.ListSectors", json::array({filter}));
    if (!listed) fail("rpc ListSectors: " + listed.error().message);
    std::vector<core::SectorRecord> records;
    for (const auto &sector : *listed) {
        if (sector.value("removed", false)) continue;
        records.push_back(must(core::parse_sector_object(sector["sector"])));
    }
    auto confirmation = must(service::importers::confirm_on_chain(node, records, network_of(options().miner)));
    json confirmed = json::array();
    for (const auto &key : confirmation.confirmed) confirmed.push_back(json::array({key.miner, key.number}));
    if (!confirmed.empty()) {
        auto marked = client.call("Venus.SectorsMarkChainChecked", json::array({confirmation.height, confirmed}));
        if (!marked) fail("recording the chain check failed: " + marked.error().message);
    }
    for (const auto &refused : confirmation.refused)
        for (auto &row : rows)
            if (has_key(row) && key_of(row) == refused.key && row["status"] != "unregistered") {
                row["status"] = "chain-mismatch";
                row["action"] = "inspect";
                row["detail"] = refused.reason;
            }
}

// Queues every row whose action is a rebuild or a cache repair; records the
// outcome in row["queued"].
void queue_damaged(json &rows)
{
    auto client = manager_client(*options().home, *options().ca_file);
    for (auto &row : rows) {
        const std::string action = row["action"];
        if (action != "rebuild" && action != "repair-cache") continue;
        const core::SectorKey key = key_of(row);
        json params = json::array({key.miner,
                                   key.number,
                                   {{"PiecesAvailable", options().pieces_available},
                                    {"Priority", options().priority},
                                    {"CacheOnly", action == "repair-cache"}}});
        auto queued = client.call("Venus.SectorSetForRebuild", params);
        if (queued) {
            row["queued"] = "queued";
            continue;
        }
        auto state = client.call("Venus.FindSectorInAllStates", json::array({key.miner, key.number}));
        row["queued"] =
            state && (*state)["queue"].is_object() ? "already queued" : "refused: " + queued.error().message;
    }
}

bool settled(const json &row)
{
    if (row["status"] == "ok") return true;
    const std::string queued = row.value("queued", std::string());
    return queued == "queued" || queued == "already queued";
}

void print_table(const json &rows, const json &report)
{
    const bool with_queue = options().rebuild;
    std::vector<std::string> header = {"Sector", "Status", "Action", "Detail"};
    if (with_queue) header.push_back("Queue");
    TextTable table(header);
    size_t ok = 0, damaged = 0, unregistered = 0, queued = 0;
    for (const auto &row : rows) {
        const std::string status = row["status"];
        std::string sector = has_key(row) ? core::sector_id_string(key_of(row)) : "-";
        std::string detail = row.value("detail", std::string());
        if (row.contains("file")) detail = row["file"].get<std::string>() + ": " + detail;
        std::vector<std::string> cells = {sector, status, row["action"], detail};
        if (with_queue) cells.push_back(row.value("queued", std::string()));
        table.add(cells);
        if (status == "ok")
            ++ok;
        else if (status == "unregistered")
            ++unregistered;
        else
            ++damaged;
        if (row.value("queued", std::string()) == "queued") ++queued;
    }
    std::printf("%s", table.str().c_str());
    std::printf("store %s (%s): %zu sectors, %zu ok, %zu damaged, %zu unregistered files",
                report["store"].get<std::string>().c_str(), report["path"].get<std::string>().c_str(), ok + damaged, ok,
                damaged, unregistered);
    if (with_queue) std::printf(", %zu queued", queued);
    std::printf("\n");
}

void cmd_check()
{
    const auto &o = options();
    std::optional<uint64_t> miner;
    if (!o.miner.empty()) {
        auto parsed = parse_miner_id(o.miner);
        if (!parsed) fail_usage("invalid --miner: " + parsed.error().message);
        miner = *parsed;
    }
    json spec = {{"store", o.store}, {"deep", o.deep}};
    if (miner) spec["miner"] = *miner;
    auto client = manager_client(*o.home, *o.ca_file, o.deep ? kDeepCheckTimeoutSeconds : kCheckTimeoutSeconds);
    auto report = client.call("Venus.SectorsCheck", json::array({spec}));
    if (!report) fail_with(report.error());
    json rows = (*report)["sectors"];
    if (!o.lotus.empty()) mark_chain_disagreements(rows, (*report)["store"].get<std::string>(), miner);
    if (o.rebuild) queue_damaged(rows);
    if (o.json_out)
        std::printf("%s\n", rows.dump().c_str());
    else
        print_table(rows, *report);
    for (const auto &row : rows)
        if (!settled(row)) throw Exit{kExitFailed, ""};
}

} // namespace

void register_sectors_check_command(CLI::App &sectors, const std::string &home, const std::string &ca_file)
{
    auto &o = options();
    o.home = &home;
    o.ca_file = &ca_file;
    auto *check = sectors.add_subcommand(
        "check", "Check every sector of a persist store against its record (missing, corrupt, unregistered files)");
    check->add_option("--store", o.store, "Persist store name, or its path")->required();
    check->add_option("--miner", o.miner, "Only this miner's sectors");
    check->add_flag("--deep", o.deep, "Also prove sampled replica nodes up the tree-r-last (reads the replicas)");
    check->add_flag("--rebuild", o.rebuild, "Queue every damaged sector with its action (rebuild or repair-cache)");
    check->add_flag("--pieces-available", o.pieces_available, "With --rebuild: all deal pieces are available");
    check->add_option("--priority", o.priority, "With --rebuild: higher runs first (default 0)");
    check->add_flag("--json", o.json_out, "One JSON array: miner, number, status, action (and detail, file, queued)");
    check->add_option("--lotus", o.lotus,
                      "A Lotus full node (TOKEN:/ip4/H/tcp/P/http, or a URL with --lotus-token): records the chain "
                      "contradicts are reported, never queued");
    check->add_option("--lotus-token", o.lotus_token, "Token of the --lotus URL");
    check->callback(cmd_check);
}

} // namespace dmc::cli
