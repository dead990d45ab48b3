// SPDX-License-Identifier: Apache-2.0
//
// The client side of a worker's admin API (VenusWorker.*, docs/architecture.md
// §8.3): what `damocles-manager util worker info|pause|resume` and the web
// console's thread actions call, so both reach a worker the same way. A
// worker is named by the name it pings the manager with (its address is in
// the Venus.WorkerList rows) or by host[:port].
#pragma once

#include <cstddef>
#include <string>

#include "damocles/sdk/result.hpp"
#include "service/rpc/json_rpc.hpp"

namespace dmc::service {

// The admin API's port when an address names none (damocles' default).
constexpr int kWorkerAdminDefaultPort = 17890;

// The admin address of `name_or_address`: the address of the Venus.WorkerList
// row with that name, else the argument itself as host[:port].
Result<std::string> resolve_worker_admin_address(const rpc::json &worker_rows, const std::string &name_or_address);

class WorkerAdminClient {
public:
    explicit WorkerAdminClient(std::string address, int timeout_seconds = 30);

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
