// SPDX-License-Identifier: Apache-2.0
//
// `util sealer sectors priority <miner> <number> <priority>`
// (docs/architecture.md §7.3): changes the priority of a queued rebuild in
// place (Venus.SectorSetPriority). The entry is never taken out of the
// queue, so no worker can take it in between as with cancel + re-queue; a
// sector a worker already runs keeps its lease, and the new priority counts
// if it is allocated again. Exit 0 when changed, 1 when the sector is not
// queued, 2 for bad input.
#include <cstdint>
#include <cstdio>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "cli_sectors.hpp"
#include "damocles/core/internal/sector_record.hpp"
#include "damocles/sdk/ids.hpp"
#include "manager_client.hpp"

namespace dmc::cli {

namespace {

using nlohmann::json;

struct PriorityOptions {
    std::vector<std::string> args;
    const std::string *home = nullptr;
    const std::string *ca_file = nullptr;
};

PriorityOptions &options()
{
    static PriorityOptions o;
    return o;
}

bool all_digits(const std::string &text)
{
    return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

uint64_t sector_number(const std::string &text)
{
    if (!all_digits(text) || text.size() > 19)
        fail_usage("invalid sector number '" + text + "': give digits only, e.g. 123");
    return std::stoull(text);
}

int32_t priority_value(const std::string &text)
{
    const bool negative = !text.empty() && text[0] == '-';
    const std::string digits = negative ? text.substr(1) : text;
    if (all_digits(digits) && digits.size() <= 10) {
        const int64_t magnitude = std::stoll(digits);
        const int64_t value = negative ? -magnitude : magnitude;
        if (value >= INT32_MIN && value <= INT32_MAX) return static_cast<int32_t>(value);
    }
    fail_usage("invalid priority '" + text + "': give an integer (higher runs first), e.g. 10 or -1");
}

void cmd_priority()
{
    const auto &o = options();
    if (o.args.size() != 3) fail_usage("usage: util sealer sectors priority <miner> <number> <priority>");
    auto miner = parse_miner_id(o.args[0]);
    if (!miner) fail_usage("invalid miner actor id: " + miner.error().message);
    const core::SectorKey key{*miner, sector_number(o.args[1])};
    const int32_t priority = priority_value(o.args[2]);
    auto client = manager_client(*o.home, *o.ca_file);
    auto answer = client.call("Venus.SectorSetPriority", json::array({key.miner, key.number, priority}));
    if (!answer) fail("rpc SectorSetPriority: " + answer.error().message);
    const json &entry = (*answer)["entry"];
    const std::string id = core::sector_id_string(key);
    std::printf("%s: priority %d -> %d", id.c_str(), (*answer)["previous_priority"].get<int>(),
                entry["priority"].get<int>());
    const std::string worker = entry.value("lease_worker", std::string());
    if (!worker.empty())
        std::printf(" (running on %s, which keeps it; the priority counts if it is allocated again)", worker.c_str());
    std::printf("\n");
}

} // namespace

void register_sectors_priority_command(CLI::App &sectors, const std::string &home, const std::string &ca_file)
{
    auto &o = options();
    o.home = &home;
    o.ca_file = &ca_file;
    auto *priority = sectors.add_subcommand(
        "priority", "Change a queued rebuild's priority in place: <miner> <number> <priority> (higher runs first)");
    priority->add_option("args", o.args, "<miner actor> <sector number> <priority>");
    priority->callback(cmd_priority);
}

} // namespace dmc::cli
