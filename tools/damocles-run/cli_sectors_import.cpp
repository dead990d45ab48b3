// SPDX-License-Identifier: Apache-2.0
//
// `util sealer sectors import`: sector records from a JSON file (the import
// format, docs/file-formats.md §8), or read by an importer from lotus-miner,
// curio's database, damocles' export-json output or the chain
// (docs/architecture.md §14.1). The importers run here, in the CLI process;
// their records go through the manager's Venus.SectorsImport, the same codec
// and import policy as a file. With --lotus every record is first compared
// with the chain (§14.3) and a record the chain contradicts is refused.
//
// Output: one line per sector that was refused or is incomplete (a file
// import also lists every sector's outcome, as before), then
//   imported N, unchanged N, incomplete N[, refused N]
// Exit 0, or 1 when a sector was refused; a node, database or file that
// cannot be read ends the command with one line (exit 1, or 2 for bad input)
// before anything is imported.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "cli_sectors.hpp"
#include "damocles/core/internal/sector_json.hpp"
#include "damocles/sdk/ids.hpp"
#include "lotus_api.hpp"
#include "manager_client.hpp"
#include "service/chain/id_address.hpp"
#include "service/importers/chain_confirmation.hpp"
#include "service/importers/chain_importer.hpp"
#include "service/importers/curio_importer.hpp"
#include "service/importers/damocles_importer.hpp"
#include "service/importers/lotus_miner_importer.hpp"
#include "service/importers/sector_range.hpp"

namespace dmc::cli {

namespace {

using nlohmann::json;
namespace importers = service::importers;

struct ImportOptions {
    std::string file;
    bool replace = false;
    std::string from_lotus_miner, miner_token;
    std::string from_curio;
    std::string from_damocles;
    bool from_chain = false;
    std::string lotus, lotus_token;
    std::string miner;
    std::string sectors;
    std::string store;
};

ImportOptions &options()
{
    static ImportOptions o;
    return o;
}

// The manager home (--home) and CA (--ca-file) of the command line, read
// when the command runs.
struct ManagerArgs {
    const std::string *home = nullptr;
    const std::string *ca_file = nullptr;
};

ManagerArgs &manager_args()
{
    static ManagerArgs args;
    return args;
}

service::rpc::Client connect_manager() { return manager_client(*manager_args().home, *manager_args().ca_file); }

struct ImportCounts {
    size_t imported = 0, unchanged = 0, incomplete = 0, refused = 0;
};

std::string read_file_or_fail(const std::string &path, const char *what)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) fail_usage(std::string("cannot read ") + what + " " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::optional<std::vector<uint64_t>> range_or_fail()
{
    if (options().sectors.empty()) return std::nullopt;
    auto numbers = importers::parse_sector_range(options().sectors);
    if (!numbers) fail_usage("--sectors: " + numbers.error().message);
    return std::move(*numbers);
}

std::optional<uint64_t> miner_or_fail()
{
    if (options().miner.empty()) return std::nullopt;
    auto miner = parse_miner_id(options().miner);
    if (!miner) fail_usage("invalid --miner: " + miner.error().message);
    return *miner;
}

// The source named on the command line, read into a batch.
importers::ImportBatch read_source(const service::chain::FullNodeClient *node)
{
    const auto &o = options();
    const char network = network_of(o.miner);
    if (!o.from_lotus_miner.empty()) {
        auto miner = miner_node_or_fail(o.from_lotus_miner, o.miner_token);
        return must(importers::import_from_lotus_miner(miner, node, {range_or_fail(), o.store, network}));
    }
    if (!o.from_curio.empty())
        return must(importers::import_from_curio(o.from_curio, {miner_or_fail(), range_or_fail(), o.store}));
    if (!o.from_damocles.empty())
        return must(
            importers::import_from_damocles_export(read_file_or_fail(o.from_damocles, "damocles export"), {o.store}));
    if (o.from_chain) {
        if (!node) fail_usage("--from-chain needs --lotus <TOKEN:ADDR | URL>");
        auto miner = miner_or_fail();
        auto numbers = range_or_fail();
        if (!miner || !numbers) fail_usage("--from-chain needs --miner M and --sectors RANGE");
        return must(importers::import_from_chain(*node, {{*miner, network}, *numbers, o.store}));
    }
    // A file in the import format, parsed here so the chain can check it.
    const std::string text = read_file_or_fail(o.file, "import file");
    json document = json::parse(text, nullptr, false);
    if (document.is_discarded()) fail_usage("import file " + o.file + " is not valid JSON");
    importers::ImportBatch batch;
    batch.records = must(core::parse_sector_import(document));
    return batch;
}

// Venus.SectorsImport of `document`; counts and prints the rows (one per
// sector, in the document's order). Returns the sectors now registered with
// these values (added, replaced or unchanged).
std::vector<core::SectorKey> import_document(const json &document, bool list_every_sector, ImportCounts &counts)
{
    auto client = connect_manager();
    auto rows = client.call("Venus.SectorsImport", json::array({document, options().replace}));
    if (!rows) fail("import failed: " + rows.error().message);
    std::vector<core::SectorKey> registered;
    for (size_t index = 0; index < rows->size(); ++index) {
        const json &row = (*rows)[index];
        const std::string id = row.value("sector_id", std::string());
        if (row.contains("error")) {
            ++counts.refused;
            std::printf("%s: refused: %s\n", id.c_str(), row["error"].get<std::string>().c_str());
            continue;
        }
        const std::string outcome = row.value("outcome", std::string());
        (outcome == "unchanged" ? counts.unchanged : counts.imported) += 1;
        if (list_every_sector) std::printf("%s: %s\n", id.c_str(), outcome.c_str());
        const json &sector = document["sectors"][index];
        registered.push_back({sector["miner"].get<uint64_t>(), sector["number"].get<uint64_t>()});
    }
    return registered;
}

// Records per Venus.SectorsImport call: each sector is one registry
// transaction, so a call stays well within the client's timeout however
// many sectors a lost store held.
constexpr size_t kRecordsPerCall = 1000;

std::vector<core::SectorKey> import_records(const std::vector<core::SectorRecord> &records, bool list_every_sector,
                                            ImportCounts &counts)
{
    std::vector<core::SectorKey> registered;
    for (size_t first = 0; first < records.size(); first += kRecordsPerCall) {
        json document = {{"sectors", json::array()}};
        for (size_t index = first; index < std::min(records.size(), first + kRecordsPerCall); ++index)
            document["sectors"].push_back(core::sector_to_json(records[index]));
        auto keys = import_document(document, list_every_sector, counts);
        registered.insert(registered.end(), keys.begin(), keys.end());
    }
    return registered;
}

// Records the chain confirmed and the registry now holds: their
// chain_checked_epoch (`sectors state` shows "Chain: checked at <epoch>").
void mark_chain_checked(const importers::ChainConfirmation &confirmation,
                        const std::vector<core::SectorKey> &registered)
{
    json keys = json::array();
    for (const auto &key : confirmation.confirmed)
        if (std::find(registered.begin(), registered.end(), key) != registered.end())
            keys.push_back(json::array({key.miner, key.number}));
    if (keys.empty()) return;
    auto client = connect_manager();
    auto marked = client.call("Venus.SectorsMarkChainChecked", json::array({confirmation.height, keys}));
    if (!marked) fail("recording the chain check failed: " + marked.error().message);
}

void print_summary(const ImportCounts &counts)
{
    std::printf("imported %zu, unchanged %zu, incomplete %zu", counts.imported, counts.unchanged, counts.incomplete);
    if (counts.refused) std::printf(", refused %zu", counts.refused);
    std::printf("\n");
}

void print_skipped(const std::vector<importers::SkippedSector> &skipped, const char *what)
{
    for (const auto &sector : skipped)
        std::printf("%s: %s: %s\n", core::sector_id_string(sector.key).c_str(), what, sector.reason.c_str());
}

// A file import without --lotus: the document goes to the manager as it is,
// as it always did (the manager parses it and refuses what is wrong).
void import_file_as_is()
{
    const auto &o = options();
    json document = json::parse(read_file_or_fail(o.file, "import file"), nullptr, false);
    if (document.is_discarded()) fail_usage("import file " + o.file + " is not valid JSON");
    ImportCounts counts;
    import_document(document, true, counts);
    print_summary(counts);
    if (counts.refused) throw Exit{kExitFailed, ""};
}

void cmd_import()
{
    const auto &o = options();
    const int sources =
        !o.file.empty() + !o.from_lotus_miner.empty() + !o.from_curio.empty() + !o.from_damocles.empty() + o.from_chain;
    if (sources != 1)
        fail_usage("name one source: a FILE, --from-lotus-miner, --from-curio, --from-damocles or --from-chain");
    if (!o.file.empty() && o.lotus.empty()) return import_file_as_is();

    std::optional<service::chain::FullNodeClient> node;
    if (!o.lotus.empty()) node = full_node_or_fail(o.lotus, o.lotus_token);
    importers::ImportBatch batch = read_source(node ? &*node : nullptr);
    std::optional<importers::ChainConfirmation> confirmation;
    if (node && !batch.records.empty()) {
        confirmation = must(importers::confirm_on_chain(*node, batch.records, network_of(o.miner)));
        importers::drop_refused(batch, *confirmation);
    }
    ImportCounts counts;
    const auto registered = import_records(batch.records, !o.file.empty(), counts);
    if (confirmation) mark_chain_checked(*confirmation, registered);
    print_skipped(batch.incomplete, "incomplete");
    print_skipped(batch.refused, "refused");
    counts.incomplete = batch.incomplete.size();
    counts.refused += batch.refused.size();
    print_summary(counts);
    if (counts.refused) throw Exit{kExitFailed, ""};
}

} // namespace

void register_sectors_import_command(CLI::App &sectors, const std::string &home, const std::string &ca_file)
{
    auto &o = options();
    manager_args() = {&home, &ca_file};
    auto *import = sectors.add_subcommand(
        "import", "Import sector records (ticket, proof, pieces, CIDs) from a JSON file, lotus-miner, curio, damocles "
                  "or the chain");
    import->add_option("file", o.file, "JSON file {\"sectors\": [...]} (docs/file-formats.md §8)");
    import->add_flag("--replace", o.replace, "Overwrite sectors already registered with different values");
    import->add_option("--from-lotus-miner", o.from_lotus_miner,
                       "lotus-miner's API: TOKEN:/ip4/H/tcp/P/http (MINER_API_INFO), or a URL with --token");
    import->add_option("--token", o.miner_token, "Token of the --from-lotus-miner URL");
    import->add_option("--from-curio", o.from_curio, "curio's database: postgres://user:password@host:port/db");
    import->add_option("--from-damocles", o.from_damocles,
                       "Output of damocles' `util sealer sectors state export-json` (one object per line)");
    import->add_flag("--from-chain", o.from_chain, "From a Lotus node alone (needs --lotus, --miner, --sectors)");
    import->add_option("--lotus", o.lotus,
                       "A Lotus full node: TOKEN:/ip4/H/tcp/P/http (FULLNODE_API_INFO), or a URL with --lotus-token; "
                       "every record is compared with the chain");
    import->add_option("--lotus-token", o.lotus_token, "Token of the --lotus URL");
    import->add_option("--miner", o.miner, "Miner actor (1000, t01000, f01000)");
    import->add_option("--sectors", o.sectors, "Sector numbers: N, A-B, or a list (1-10,15)");
    import->add_option("--store", o.store, "Persist store that holds the sectors' files (default: as the source says)");
    import->callback(cmd_import);
}

} // namespace dmc::cli
