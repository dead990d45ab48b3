// SPDX-License-Identifier: Apache-2.0
//
// A headless Chromium driven over the DevTools protocol, for browser tests
// of the manager's web console. The browser is started with
// --remote-debugging-pipe: it reads commands on fd 3 and writes answers and
// events on fd 4, each message one JSON text ended by a NUL byte. No port,
// no websocket, no npm; the browser and its profile directory go away with
// the object.
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <sys/types.h>

#include <nlohmann/json.hpp>

namespace dmc::test {

class HeadlessChromium {
public:
    // $DMC_CHROMIUM, else Debian's /usr/bin/chromium; nullopt (and why) when
    // neither is an executable file.
    static std::optional<std::string> find(std::string *why);

    // Starts the browser with a fresh profile in `profile_dir`, its output
    // going to `log_path`. Throws std::runtime_error when it does not start.
    HeadlessChromium(const std::string &executable, const std::string &profile_dir, const std::string &log_path);
    ~HeadlessChromium();
    HeadlessChromium(const HeadlessChromium &) = delete;
    HeadlessChromium &operator=(const HeadlessChromium &) = delete;

    // One DevTools command (to the browser, or to a page's session) and its
    // result; throws std::runtime_error on an error answer or a timeout.
    nlohmann::json send(const std::string &method, const nlohmann::json &params = nlohmann::json::object(),
                        const std::string &session = "", std::chrono::milliseconds timeout = std::chrono::seconds(20));

    // A new browser context: its own cookie jar (a second user).
    std::string new_context();
    // A new tab of `width` x `height` CSS pixels, attached; returns its session id.
    std::string open_tab(const std::string &context = "", int width = 1400, int height = 1000);
    // Navigates and waits until the document has loaded.
    void navigate(const std::string &session, const std::string &url);
    // The value of a JavaScript expression (promises awaited); throws when
    // it throws.
    nlohmann::json evaluate(const std::string &session, const std::string &expression);
    // Polls `expression` every 100 ms until it is truthy; false on timeout.
    // Errors while a page loads (no document yet) count as false.
    bool wait_for(const std::string &session, const std::string &expression, std::chrono::milliseconds timeout);
    // A PNG of the whole page (beyond the viewport) to `path`.
    void screenshot(const std::string &session, const std::string &path);

private:
    void write_message(const nlohmann::json &message);
    // The next message, or nullopt when none came within `timeout`.
    std::optional<nlohmann::json> read_message(std::chrono::milliseconds timeout);

    pid_t pid_ = -1;
    int to_browser_ = -1, from_browser_ = -1;
    std::string buffer_;
    uint64_t next_id_ = 1;
};

} // namespace dmc::test
