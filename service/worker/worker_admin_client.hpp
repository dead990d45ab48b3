// SPDX-License-Identifier: Apache-2.0
//
// The client side of a worker's admin API (VenusWorker.*, docs/architecture.md
// §8.3): what `damocles-manager util worker info|pause|resume` and the web
// console's thread actions call, so both reach a worker the same way. A
// worker is named by the name it pings the manager with (its address is in
// the Venus.WorkerList rows) or by host[:port]. The API needs the worker's
// bearer token and, over https, the CA of its certificate: the manager
// presents [worker_admin] token_file / ca_file of its config (the workers'
// [worker.rpc_server] token_file must hold the same token), the CLI its
// --worker-token-file / --worker-ca-file.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "damocles/sdk/result.hpp"
#include "service/rpc/json_rpc.hpp"

namespace dmc::service {

// The admin API's port when an address names none (damocles' default).
constexpr int kWorkerAdminDefaultPort = 17890;

// The admin address of `name_or_address`: the address of the Venus.WorkerList
// row with that name, else the argument itself as host[:port].
Result<std::string> resolve_worker_admin_address(const rpc::json &worker_rows, const std::string &name_or_address);

// The token and CA a client presents to worker admin APIs.
struct WorkerAdminAccess {
    std::string token;
    std::string ca_file;
};
// This process's default (the manager daemon sets it once at start from its
// config); empty until set.
void set_worker_admin_access(WorkerAdminAccess access);
WorkerAdminAccess worker_admin_access();

class WorkerAdminClient {
public:
    // `access` unset: this process's default (set_worker_admin_access).
    explicit WorkerAdminClient(std::string address, int timeout_seconds = 30,
                               std::optional<WorkerAdminAccess> access = std::nullopt);

    // VenusWorker.WorkerList: one row per sealing thread.
    Result<rpc::json> threads() const;
    // VenusWorker.WorkerPause: true when the thread will pause.
    Result<bool> pause(size_t index) const;
    // VenusWorker.WorkerResume, forcing `state` first unless it is empty.
    Result<bool> resume(size_t index, const std::string &state = "") const;
    const std::string &address() const { return client_.address(); }

private:
    Result<bool> call_bool(const std::string &method, const rpc::json &params) const;
    rpc::Client client_;
};

} // namespace dmc::service
