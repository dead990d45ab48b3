// SPDX-License-Identifier: Apache-2.0
//
// A damocles-manager daemon for integration tests: its own home in a temp
// dir, a config.toml written by the test, listening on a free loopback port,
// stopped (SIGTERM) when the fixture goes away.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "process.hpp"

namespace dmc::test {

class ManagerFixture {
public:
    // `config_toml` goes to <home>/config.toml before the daemon starts.
    explicit ManagerFixture(const std::string &config_toml, const std::string &tag = "manager");
    ~ManagerFixture();

    const std::string &home() const { return home_; }
    std::string address() const; // host:port from <home>/api
    std::string token() const;
    // Runs `damocles-manager --home <home> <args...>`.
    RunResult cli(const std::vector<std::string> &args, const RunOptions &opts = {}) const;
    void restart();
    void stop();
    void kill9();
    std::string log() const;
    TempDir &dir() { return dir_; }

private:
    void start();
    TempDir dir_;
    std::string home_;
    std::unique_ptr<Background> daemon_;
};

} // namespace dmc::test
