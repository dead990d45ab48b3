// SPDX-License-Identifier: Apache-2.0
#include "service/worker/batch_file.hpp"

#include <nlohmann/json.hpp>

#include "damocles/sdk/file.hpp"

namespace dmc::service {

using nlohmann::json;

Status save_batch_file(const std::string &path, const std::vector<RebuildLease> &leases)
{
    json list = json::array();
    for (const auto &lease : leases) list.push_back(rebuild_lease_to_json(lease));
    return write_file_atomic(path, json{{"leases", list}}.dump());
}

Result<std::vector<RebuildLease>> load_batch_file(const std::string &path)
{
    std::string text;
    DMC_TRY_ASSIGN(text, read_text_file(path));
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.contains("leases") || !j["leases"].is_array())
        return make_error(Errc::corrupt, "not a batch file (no \"leases\" array)");
    std::vector<RebuildLease> leases;
    for (const auto &item : j["leases"]) {
        RebuildLease lease;
        DMC_TRY_ASSIGN(lease, rebuild_lease_from_json(item));
        leases.push_back(std::move(lease));
    }
    return leases;
}

} // namespace dmc::service
