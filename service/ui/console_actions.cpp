// SPDX-License-Identifier: Apache-2.0
#include "service/ui/console_actions.hpp"

#include <sstream>
#include <vector>

#include "damocles/core/internal/sector_record.hpp"
#include "damocles/sdk/ids.hpp"
#include "service/ui/method_call.hpp"
#include "service/worker/worker_admin_client.hpp"

namespace dmc::service::ui {

namespace {

using core::sector_id_string;
using core::SectorKey;

// The same bound as `sectors rebuild --range`.
constexpr uint64_t kMaxRangeLength = 100000;

struct BadInput {
    std::string message;
};

ActionAnswer bad_request(const std::string &message) { return {400, {{"error", message}}}; }
ActionAnswer refused(int status, const std::string &message) { return {status, {{"error", message}}}; }

// HTTP status of a failed manager call: its own refusal is 409, anything
// else 500 (the message says which).
int status_of(const Error &e)
{
    if (e.code == Errc::conflict || e.code == Errc::not_found || e.code == Errc::invalid_argument) return 409;
    return 500;
}

uint64_t miner_field(const json &body)
{
    if (!body.contains("miner") || body["miner"].is_null())
        throw BadInput{"missing field 'miner': send the miner actor (1001, t01001 or f01001)"};
    const json &m = body["miner"];
    if (m.is_number_unsigned()) return m.get<uint64_t>();
    if (!m.is_string()) throw BadInput{"field 'miner' must be a miner actor such as t01001"};
    auto id = parse_miner_id(m.get<std::string>());
    if (!id) throw BadInput{"invalid miner actor id: " + id.error().message};
    return *id;
}

uint64_t number_text(const std::string &text)
{
    if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos)
        throw BadInput{"invalid sector number '" + text + "': send digits only"};
    return std::stoull(text);
}

uint64_t number_field(const json &body, const char *name)
{
    if (!body.contains(name)) throw BadInput{std::string("missing field '") + name + "': send a sector number"};
    const json &v = body[name];
    if (v.is_number_unsigned()) return v.get<uint64_t>();
    if (v.is_string()) return number_text(v.get<std::string>());
    throw BadInput{std::string("field '") + name + "' must be a sector number"};
}

int32_t priority_field(const json &body)
{
    if (!body.contains("priority") || body["priority"].is_null()) return 0;
    const json &p = body["priority"];
    if (p.is_number_integer() && p.get<int64_t>() >= INT32_MIN && p.get<int64_t>() <= INT32_MAX)
        return static_cast<int32_t>(p.get<int64_t>());
    if (p.is_string() && !p.get<std::string>().empty()) {
        const std::string text = p.get<std::string>();
        const bool negative = text[0] == '-';
        const uint64_t magnitude = number_text(negative ? text.substr(1) : text);
        if (magnitude <= static_cast<uint64_t>(INT32_MAX))
            return static_cast<int32_t>(negative ? -static_cast<int64_t>(magnitude) : static_cast<int64_t>(magnitude));
    }
    throw BadInput{"field 'priority' must be an integer (higher runs first)"};
}

std::string string_field(const json &body, const char *name)
{
    if (!body.contains(name) || body[name].is_null()) return "";
    if (!body[name].is_string()) throw BadInput{std::string("field '") + name + "' must be a string"};
    return body[name].get<std::string>();
}

bool bool_field(const json &body, const char *name)
{
    if (!body.contains(name) || body[name].is_null()) return false;
    if (!body[name].is_boolean()) throw BadInput{std::string("field '") + name + "' must be true or false"};
    return body[name].get<bool>();
}

// "1 2, 5" -> {1, 2, 5}
std::vector<uint64_t> number_list(const std::string &text)
{
    std::vector<uint64_t> out;
    std::string normalized = text;
    for (char &c : normalized)
        if (c == ',') c = ' ';
    std::istringstream in(normalized);
    for (std::string word; in >> word;) out.push_back(number_text(word));
    return out;
}

} // namespace

ConsoleActions::ConsoleActions(std::shared_ptr<const rpc::Dispatcher> dispatcher) : dispatcher_(std::move(dispatcher))
{
}

void ConsoleActions::queue_one(const SectorKey &key, const QueueOptions &options, json &row) const
{
    const json flags = {{"PiecesAvailable", options.pieces_available},
                        {"Priority", options.priority},
                        {"CacheOnly", options.cache_only}};
    auto r = call_method(*dispatcher_, "Venus.SectorSetForRebuild", json::array({key.miner, key.number, flags}));
    if (r) {
        row["outcome"] = "queued";
        return;
    }
    // A sector already in the queue is reported as such, not as refused,
    // and without the refusal's text (it is about queueing it again).
    auto st = call_method(*dispatcher_, "Venus.FindSectorInAllStates", json::array({key.miner, key.number}));
    if (st && (*st)["queue"].is_object()) {
        row["outcome"] = "already queued";
        return;
    }
    row["outcome"] = "refused";
    row["message"] = r.error().message;
}

ActionAnswer ConsoleActions::rebuild(const json &body, bool cache_only) const
{
    try {
        const std::string store = string_field(body, "store");
        const std::string range = string_field(body, "range");
        const int32_t priority = priority_field(body);
        const bool pieces_available = bool_field(body, "pieces_available");
        std::vector<SectorKey> keys;
        if (!store.empty()) {
            // A lost disk: every sector recorded in the store.
            json filter = {{"store", store}};
            if (body.contains("miner") && !body["miner"].is_null() && body["miner"] != "")
                filter["miner"] = miner_field(body);
            auto rows = call_method(*dispatcher_, "Venus.ListSectors", json::array({filter}));
            if (!rows) return refused(status_of(rows.error()), "list sectors: " + rows.error().message);
            for (const auto &s : *rows)
                keys.push_back({s["sector"]["miner"].get<uint64_t>(), s["sector"]["number"].get<uint64_t>()});
            if (keys.empty()) return refused(409, "no sector is recorded in persist store " + store);
        } else {
            const uint64_t miner = miner_field(body);
            if (!range.empty()) {
                const auto dash = range.find('-');
                if (dash == std::string::npos) throw BadInput{"invalid range '" + range + "' (want A-B)"};
                const uint64_t a = number_text(range.substr(0, dash)), b = number_text(range.substr(dash + 1));
                if (b < a || b - a >= kMaxRangeLength)
                    throw BadInput{"invalid range '" + range + "' (want A-B with A <= B, at most " +
                                   std::to_string(kMaxRangeLength) + " sectors)"};
                for (uint64_t n = a; n <= b; ++n) keys.push_back({miner, n});
            }
            for (uint64_t n : number_list(string_field(body, "sectors"))) keys.push_back({miner, n});
            if (keys.empty()) throw BadInput{"no sector given: send 'sectors' (numbers), 'range' (A-B) or 'store'"};
        }
        json rows = json::array();
        size_t queued = 0;
        for (const auto &key : keys) {
            json row = {{"sector_id", sector_id_string(key)}};
            queue_one(key, {pieces_available, priority, cache_only}, row);
            if (row["outcome"] == "queued") ++queued;
            rows.push_back(row);
        }
        const size_t not_queued = keys.size() - queued;
        std::string message = std::to_string(queued) + " queued, " + std::to_string(not_queued) + " not queued";
        if (keys.size() == 1)
            message = rows[0]["sector_id"].get<std::string>() + ": " + rows[0]["outcome"].get<std::string>() +
                      (rows[0].contains("message") ? ": " + rows[0]["message"].get<std::string>() : "");
        // As the CLI exits 1 when any sector was not queued.
        return {not_queued == 0 ? 200 : 409,
                {{"results", rows}, {"queued", queued}, {"refused", not_queued}, {"message", message}}};
    } catch (const BadInput &e) {
        return bad_request(e.message);
    }
}

ActionAnswer ConsoleActions::cancel(const json &body) const
{
    try {
        const SectorKey key{miner_field(body), number_field(body, "number")};
        const std::string id = sector_id_string(key);
        auto r = call_method(*dispatcher_, "Venus.SectorRebuildCancel", json::array({key.miner, key.number}));
        if (!r) return refused(status_of(r.error()), id + ": refused: " + r.error().message);
        const std::string outcome = r->is_string() ? r->get<std::string>() : "";
        if (outcome == "removed_from_queue")
            return {
                200,
                {{"sector_id", id}, {"outcome", outcome}, {"message", id + ": cancelled (removed from the queue)"}}};
        if (outcome == "cancel_requested")
            return {200,
                    {{"sector_id", id},
                     {"outcome", outcome},
                     {"message", id + ": cancel requested (the worker stops at the next step)"}}};
        return refused(409, id + ": refused: not queued for rebuild");
    } catch (const BadInput &e) {
        return bad_request(e.message);
    }
}

ActionAnswer ConsoleActions::set_priority(const json &body) const
{
    try {
        const SectorKey key{miner_field(body), number_field(body, "number")};
        if (!body.contains("priority")) throw BadInput{"missing field 'priority': send an integer (higher runs first)"};
        const int32_t priority = priority_field(body);
        const std::string id = sector_id_string(key);
        // One registry update: the entry never leaves the queue, so no worker
        // can take it in between (docs/architecture.md §7.3).
        auto changed =
            call_method(*dispatcher_, "Venus.SectorSetPriority", json::array({key.miner, key.number, priority}));
        if (!changed) return refused(status_of(changed.error()), id + ": refused: " + changed.error().message);
        const json &entry = (*changed)["entry"];
        const int previous = (*changed)["previous_priority"].get<int>();
        std::string message = id + ": priority " + std::to_string(previous) + " -> " + std::to_string(priority);
        const std::string worker = entry.value("lease_worker", std::string());
        if (!worker.empty())
            message += " (running on " + worker + ", which keeps it; the priority counts if it is allocated again)";
        return {200,
                {{"sector_id", id},
                 {"outcome", previous == priority ? "unchanged" : "changed"},
                 {"previous_priority", previous},
                 {"entry", entry},
                 {"message", message}}};
    } catch (const BadInput &e) {
        return bad_request(e.message);
    }
}

namespace {

// A check row as the page shows it: the file an unregistered row names goes
// in front of its detail, as `sectors check` prints it.
json check_row(const json &found)
{
    const bool has_key = found["miner"].is_number_unsigned() && found["number"].is_number_unsigned();
    std::string detail = found.value("detail", std::string());
    if (found.contains("file")) detail = found["file"].get<std::string>() + (detail.empty() ? "" : ": " + detail);
    return {{"sector_id",
             has_key ? json(sector_id_string({found["miner"].get<uint64_t>(), found["number"].get<uint64_t>()}))
                     : json(nullptr)},
            {"status", found["status"]},
            {"action", found["action"]},
            {"detail", detail}};
}

} // namespace

ActionAnswer ConsoleActions::check_store(const json &body) const
{
    try {
        const std::string store = string_field(body, "store");
        if (store.empty()) throw BadInput{"missing field 'store': send a persist store name as the stores table shows"};
        const bool queue_damaged = bool_field(body, "rebuild");
        const QueueOptions queue_options{bool_field(body, "pieces_available"), priority_field(body), false};
        json spec = {{"store", store}};
        if (body.contains("miner") && !body["miner"].is_null() && body["miner"] != "")
            spec["miner"] = miner_field(body);
        auto report = call_method(*dispatcher_, "Venus.SectorsCheck", json::array({spec}));
        // An unknown store is bad input, as `sectors check` exits 2 for it.
        if (!report && report.error().code == Errc::invalid_argument) return bad_request(report.error().message);
        if (!report)
            return refused(status_of(report.error()), "check of store " + store + ": " + report.error().message);
        json rows = json::array();
        size_t ok = 0, damaged = 0, unregistered = 0, queued = 0, not_queued = 0;
        for (const auto &found : (*report)["sectors"]) {
            json row = check_row(found);
            const std::string status = row["status"], action = row["action"];
            if (status == "ok")
                ++ok;
            else if (status == "unregistered")
                ++unregistered;
            else
                ++damaged;
            // As `sectors check --rebuild`: each damaged sector with its
            // repair; an unregistered file or a sector to inspect is a person's.
            if (queue_damaged && (action == "rebuild" || action == "repair-cache")) {
                QueueOptions options = queue_options;
                options.cache_only = action == "repair-cache";
                queue_one({found["miner"].get<uint64_t>(), found["number"].get<uint64_t>()}, options, row);
                if (row["outcome"] == "refused")
                    ++not_queued;
                else
                    ++queued;
            }
            rows.push_back(std::move(row));
        }
        std::string message = "store " + (*report)["store"].get<std::string>() + ": " + std::to_string(ok + damaged) +
                              " sectors, " + std::to_string(ok) + " ok, " + std::to_string(damaged) + " damaged, " +
                              std::to_string(unregistered) + " unregistered files";
        if (queue_damaged)
            message +=
                "; " + std::to_string(queued) + " queued or already queued, " + std::to_string(not_queued) + " refused";
        // As the rebuild action: 409 when a sector could not be queued.
        return {not_queued == 0 ? 200 : 409,
                {{"store", (*report)["store"]},
                 {"path", (*report)["path"]},
                 {"sectors", rows},
                 {"ok", ok},
                 {"damaged", damaged},
                 {"unregistered", unregistered},
                 {"queued", queued},
                 {"refused", not_queued},
                 {"message", message}}};
    } catch (const BadInput &e) {
        return bad_request(e.message);
    }
}

namespace {

struct ThreadTarget {
    std::string worker;
    size_t index = 0;
};

ThreadTarget thread_target(const json &body)
{
    ThreadTarget t;
    t.worker = string_field(body, "worker");
    if (t.worker.empty()) throw BadInput{"missing field 'worker': send a worker name or its host:port"};
    if (!body.contains("index") || !body["index"].is_number_unsigned())
        throw BadInput{"field 'index' must be a sealing thread index (0, 1, …)"};
    t.index = body["index"].get<size_t>();
    return t;
}

} // namespace

ActionAnswer ConsoleActions::pause_thread(const json &body) const
{
    try {
        const ThreadTarget t = thread_target(body);
        auto workers = call_method(*dispatcher_, "Venus.WorkerList", json::array());
        if (!workers) return refused(status_of(workers.error()), "worker list: " + workers.error().message);
        auto address = resolve_worker_admin_address(*workers, t.worker);
        if (!address) throw BadInput{address.error().message};
        auto ok = WorkerAdminClient(*address, 30).pause(t.index);
        if (!ok) return refused(502, "worker " + t.worker + ": " + ok.error().message);
        return {200, {{"ok", *ok}, {"message", std::string("pause call done, ok = ") + (*ok ? "true" : "false")}}};
    } catch (const BadInput &e) {
        return bad_request(e.message);
    }
}

ActionAnswer ConsoleActions::resume_thread(const json &body) const
{
    try {
        const ThreadTarget t = thread_target(body);
        const std::string state = string_field(body, "state");
        auto workers = call_method(*dispatcher_, "Venus.WorkerList", json::array());
        if (!workers) return refused(status_of(workers.error()), "worker list: " + workers.error().message);
        auto address = resolve_worker_admin_address(*workers, t.worker);
        if (!address) throw BadInput{address.error().message};
        auto ok = WorkerAdminClient(*address, 30).resume(t.index, state);
        if (!ok) {
            if (ok.error().code == Errc::invalid_argument)
                return bad_request("worker " + t.worker + ": " + ok.error().message);
            return refused(502, "worker " + t.worker + ": " + ok.error().message);
        }
        return {200, {{"ok", *ok}, {"message", std::string("resume call done, ok = ") + (*ok ? "true" : "false")}}};
    } catch (const BadInput &e) {
        return bad_request(e.message);
    }
}

} // namespace dmc::service::ui
