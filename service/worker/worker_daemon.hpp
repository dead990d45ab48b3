// SPDX-License-Identifier: Apache-2.0
//
// `damocles-worker daemon run --config worker.toml`: the sealing threads,
// their hot configs (watched with inotify), the admin API on
// [worker.rpc_server] listen (VenusWorker.WorkerList/Pause/Resume), and the
// ping that keeps the manager's `util worker list` current.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "damocles/sdk/result.hpp"
#include "service/worker/sealing_thread.hpp"

namespace dmc::service {

Status run_worker_daemon(const std::string &config_path);

// One thread row as the admin API returns it (and the manager stores).
nlohmann::json thread_status_json(const ThreadStatus &s);

} // namespace dmc::service
