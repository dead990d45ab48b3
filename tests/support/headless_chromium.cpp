// SPDX-License-Identifier: Apache-2.0
#include "headless_chromium.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "service/chain/base64.hpp"

namespace dmc::test {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

void close_fd(int &fd)
{
    if (fd >= 0) ::close(fd);
    fd = -1;
}

} // namespace

std::optional<std::string> HeadlessChromium::find(std::string *why)
{
    std::string path = "/usr/bin/chromium";
    if (const char *env = std::getenv("DMC_CHROMIUM"); env && *env) path = env;
    if (::access(path.c_str(), X_OK) == 0) return path;
    if (why) *why = "chromium not found at " + path + " (install it with scripts/install-deps.sh, or set DMC_CHROMIUM)";
    return std::nullopt;
}

HeadlessChromium::HeadlessChromium(const std::string &executable, const std::string &profile_dir,
                                   const std::string &log_path)
{
    int commands[2], answers[2]; // [0] read end, [1] write end
    if (::pipe2(commands, O_CLOEXEC) != 0 || ::pipe2(answers, O_CLOEXEC) != 0)
        throw std::runtime_error("cannot create the DevTools pipes");
    const std::vector<std::string> args = {executable,
                                           "--headless",
                                           "--no-sandbox",
                                           "--disable-gpu",
                                           "--disable-quic",
                                           "--no-first-run",
                                           "--disable-background-networking",
                                           "--disable-component-update",
                                           "--disable-sync",
                                           "--disable-dev-shm-usage",
                                           "--remote-debugging-pipe",
                                           "--user-data-dir=" + profile_dir,
                                           "about:blank"};
    // Everything the child needs is made before fork: it only calls
    // async-signal-safe functions.
    std::vector<char *> argv;
    for (const auto &a : args) argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("cannot fork the browser");
    if (pid_ == 0) {
        // fds 3 and 4 are the protocol's; everything else is closed on exec.
        int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (log >= 0) {
            ::dup2(log, 1);
            ::dup2(log, 2);
        }
        const int in = ::fcntl(commands[0], F_DUPFD, 10), out = ::fcntl(answers[1], F_DUPFD, 10);
        ::dup2(in, 3);
        ::dup2(out, 4);
        ::execv(executable.c_str(), argv.data());
        ::_exit(127);
    }
    ::close(commands[0]);
    ::close(answers[1]);
    to_browser_ = commands[1];
    from_browser_ = answers[0];
    // The browser answers once it is up; a crash shows as a closed pipe.
    send("Browser.getVersion", json::object(), "", std::chrono::seconds(30));
}

HeadlessChromium::~HeadlessChromium()
{
    if (pid_ > 0) {
        try {
            write_message({{"id", next_id_++}, {"method", "Browser.close"}});
        } catch (...) {
        }
        close_fd(to_browser_);
        const auto end = Clock::now() + std::chrono::seconds(5);
        int status = 0;
        while (::waitpid(pid_, &status, WNOHANG) == 0) {
            if (Clock::now() > end) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    close_fd(to_browser_);
    close_fd(from_browser_);
}

void HeadlessChromium::write_message(const json &message)
{
    std::string text = message.dump();
    text.push_back('\0');
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(to_browser_, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error("the browser closed its DevTools pipe");
        done += static_cast<size_t>(n);
    }
}

std::optional<json> HeadlessChromium::read_message(std::chrono::milliseconds timeout)
{
    const auto end = Clock::now() + timeout;
    for (;;) {
        if (auto nul = buffer_.find('\0'); nul != std::string::npos) {
            json message = json::parse(buffer_.substr(0, nul), nullptr, false);
            buffer_.erase(0, nul + 1);
            if (!message.is_discarded()) return message;
            continue;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
        if (left.count() <= 0) return std::nullopt;
        pollfd p{from_browser_, POLLIN, 0};
        int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return std::nullopt;
        char chunk[65536];
        ssize_t n = ::read(from_browser_, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error("the browser exited (DevTools pipe closed)");
        buffer_.append(chunk, static_cast<size_t>(n));
    }
}

json HeadlessChromium::send(const std::string &method, const json &params, const std::string &session,
                            std::chrono::milliseconds timeout)
{
    const uint64_t id = next_id_++;
    json message = {{"id", id}, {"method", method}, {"params", params}};
    if (!session.empty()) message["sessionId"] = session;
    write_message(message);
    const auto end = Clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
        auto answer = read_message(std::max(left, std::chrono::milliseconds(0)));
        if (!answer)
            throw std::runtime_error("no answer to " + method + " within " + std::to_string(timeout.count()) + " ms");
        // Events (no id) are not needed by these tests.
        if (!answer->contains("id") || (*answer)["id"] != id) continue;
        if (answer->contains("error"))
            throw std::runtime_error(method + ": " + (*answer)["error"].value("message", std::string("error")));
        return answer->value("result", json::object());
    }
}

std::string HeadlessChromium::new_context()
{
    return send("Target.createBrowserContext", {{"disposeOnDetach", true}})["browserContextId"];
}

std::string HeadlessChromium::open_tab(const std::string &context, int width, int height)
{
    json params = {{"url", "about:blank"}};
    if (!context.empty()) params["browserContextId"] = context;
    const std::string target = send("Target.createTarget", params)["targetId"];
    const std::string session = send("Target.attachToTarget", {{"targetId", target}, {"flatten", true}})["sessionId"];
    send("Page.enable", json::object(), session);
    send("Emulation.setDeviceMetricsOverride",
         {{"width", width}, {"height", height}, {"deviceScaleFactor", 1}, {"mobile", false}}, session);
    return session;
}

void HeadlessChromium::navigate(const std::string &session, const std::string &url)
{
    json r = send("Page.navigate", {{"url", url}}, session);
    if (r.contains("errorText") && !r["errorText"].get<std::string>().empty())
        throw std::runtime_error("navigating to " + url + ": " + r["errorText"].get<std::string>());
    if (!wait_for(session, "document.readyState === 'complete' && location.href === " + json(url).dump(),
                  std::chrono::seconds(20)))
        throw std::runtime_error(url + " did not load within 20 s");
}

json HeadlessChromium::evaluate(const std::string &session, const std::string &expression)
{
    json r = send("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}},
                  session);
    if (r.contains("exceptionDetails")) {
        const json &d = r["exceptionDetails"];
        std::string text = d.value("text", std::string("exception"));
        if (d.contains("exception") && d["exception"].contains("description"))
            text += ": " + d["exception"]["description"].get<std::string>();
        throw std::runtime_error("evaluating `" + expression + "`: " + text);
    }
    return r.contains("result") && r["result"].contains("value") ? r["result"]["value"] : json(nullptr);
}

bool HeadlessChromium::wait_for(const std::string &session, const std::string &expression,
                                std::chrono::milliseconds timeout)
{
    const auto end = Clock::now() + timeout;
    for (;;) {
        try {
            json v = evaluate(session, "!!(" + expression + ")");
            if (v.is_boolean() && v.get<bool>()) return true;
        } catch (const std::runtime_error &) {
            // The page is between two documents.
        }
        if (Clock::now() > end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

void HeadlessChromium::screenshot(const std::string &session, const std::string &path)
{
    const json metrics = send("Page.getLayoutMetrics", json::object(), session);
    const json size = metrics.value("cssContentSize", metrics.value("contentSize", json::object()));
    json params = {{"format", "png"}, {"captureBeyondViewport", true}};
    if (size.contains("width") && size.contains("height"))
        params["clip"] = {{"x", 0}, {"y", 0}, {"width", size["width"]}, {"height", size["height"]}, {"scale", 1}};
    const json shot = send("Page.captureScreenshot", params, session, std::chrono::seconds(30));
    auto png = service::chain::base64_decode(shot.value("data", std::string()));
    if (!png) throw std::runtime_error("screenshot: " + png.error().message);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char *>(png->data()), static_cast<std::streamsize>(png->size()));
    if (!out) throw std::runtime_error("cannot write " + path);
}

} // namespace dmc::test
