// SPDX-License-Identifier: Apache-2.0
//
// The operator web console on the manager's HTTP server (docs/architecture.md
// §8.9):
//   GET  /ui                 the console, or only the login form without a session
//   POST /ui/login           form field `token`: sets the session cookie
//   POST /ui/logout          clears it
//   GET  /ui/assets/<file>   the compiled-in CSS/JS (no data in them)
//   GET  /ui/api/<view>      summary, queue, sectors, workers, stores, failures, stages
//   POST /ui/api/<action>    rebuild, repair-cache, cancel, priority,
//                            thread/pause, thread/resume
// The page and /ui/api/* need the session cookie or the bearer token
// (401 otherwise); actions also need a JSON body, so a page of another origin
// cannot post one without a CORS preflight that is never granted.
#pragma once

#include <memory>
#include <string>

#include "service/rpc/json_rpc.hpp"

namespace httplib {
class Server;
}

namespace dmc::service::ui {

// Mounts the routes and starts the stage history (it wraps the worker
// methods of `dispatcher`, history_feed.hpp): call before the server runs
// and before `dispatcher` serves its first request.
void mount_console(httplib::Server &server, const std::shared_ptr<rpc::Dispatcher> &dispatcher,
                   const std::string &token);

} // namespace dmc::service::ui
