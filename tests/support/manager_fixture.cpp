// SPDX-License-Identifier: Apache-2.0
#include "manager_fixture.hpp"

#include <csignal>
#include <filesystem>
#include <stdexcept>

namespace dmc::test {

ManagerFixture::ManagerFixture(const std::string &config_toml, const std::string &tag) : dir_(tag)
{
    home_ = dir_ / "home";
    std::filesystem::create_directories(home_);
    write_text(home_ + "/config.toml", config_toml);
    start();
}

ManagerFixture::~ManagerFixture() { stop(); }

void ManagerFixture::start()
{
    std::filesystem::remove(home_ + "/api");
    daemon_ = std::make_unique<Background>(
        std::vector<std::string>{damocles_manager(), "--home", home_, "daemon", "run", "--listen", "127.0.0.1:0"},
        RunOptions{}, dir_ / "manager.log");
    bool up = wait_until([&] { return std::filesystem::exists(home_ + "/api") || !daemon_->running(); },
                         std::chrono::milliseconds(20000));
    if (!up || !daemon_->running()) throw std::runtime_error("manager did not start:\n" + log());
}

void ManagerFixture::stop()
{
    if (daemon_) daemon_->stop();
    daemon_.reset();
}

void ManagerFixture::kill9()
{
    if (daemon_) {
        daemon_->kill(SIGKILL);
        daemon_->wait();
    }
    daemon_.reset();
}

void ManagerFixture::restart()
{
    stop();
    start();
}

std::string ManagerFixture::address() const
{
    auto a = slurp(home_ + "/api");
    while (!a.empty() && a.back() == '\n') a.pop_back();
    return a;
}

std::string ManagerFixture::token() const
{
    auto t = slurp(home_ + "/token");
    while (!t.empty() && t.back() == '\n') t.pop_back();
    return t;
}

RunResult ManagerFixture::cli(const std::vector<std::string> &args, const RunOptions &opts) const
{
    std::vector<std::string> argv = {damocles_manager(), "--home", home_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, opts);
}

std::string ManagerFixture::log() const { return slurp(dir_.path() + "/manager.log"); }

} // namespace dmc::test
