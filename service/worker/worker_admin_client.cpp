// SPDX-License-Identifier: Apache-2.0
#include "service/worker/worker_admin_client.hpp"

#include <mutex>

namespace dmc::service {

using rpc::json;

Result<std::string> resolve_worker_admin_address(const json &worker_rows, const std::string &name_or_address)
{
    if (worker_rows.is_array())
        for (const auto &w : worker_rows)
            if (w.is_object() && w.value("name", "") == name_or_address && w.contains("address"))
                return w["address"].get<std::string>();
    auto hp = rpc::parse_host_port(name_or_address, kWorkerAdminDefaultPort);
    if (!hp)
        return make_error(Errc::invalid_argument,
                          "unknown worker " + name_or_address + " (not a worker name, nor host:port)");
    return hp->first + ":" + std::to_string(hp->second);
}

namespace {

std::mutex g_access_mutex;
WorkerAdminAccess g_access;

} // namespace

void set_worker_admin_access(WorkerAdminAccess access)
{
    std::lock_guard lock(g_access_mutex);
    g_access = std::move(access);
}

WorkerAdminAccess worker_admin_access()
{
    std::lock_guard lock(g_access_mutex);
    return g_access;
}

// The admin API needs the worker's token (docs/architecture.md §8.3).
WorkerAdminClient::WorkerAdminClient(std::string address, int timeout_seconds, std::optional<WorkerAdminAccess> access)
    : client_(std::move(address), access ? access->token : worker_admin_access().token, timeout_seconds,
              access ? access->ca_file : worker_admin_access().ca_file)
{
}

Result<json> WorkerAdminClient::threads() const { return client_.call("VenusWorker.WorkerList", json::array()); }

Result<bool> WorkerAdminClient::call_bool(const std::string &method, const json &params) const
{
    auto r = client_.call(method, params);
    if (!r) return r.error();
    if (!r->is_boolean()) return make_error(Errc::io, "malformed " + method + " answer from " + client_.address());
    return r->get<bool>();
}

Result<bool> WorkerAdminClient::pause(size_t index) const
{
    return call_bool("VenusWorker.WorkerPause", json::array({index}));
}

Result<bool> WorkerAdminClient::resume(size_t index, const std::string &state) const
{
    json params = json::array({index});
    if (!state.empty()) params.push_back(state);
    return call_bool("VenusWorker.WorkerResume", params);
}

} // namespace dmc::service
