// SPDX-License-Identifier: Apache-2.0
#include "worker_fixture.hpp"

#include <csignal>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "service/rpc/json_rpc.hpp"

namespace dmc::test {

WorkerFixture::WorkerFixture(const ManagerFixture &manager, WorkerSpec spec, TempDir &dir, const std::string &name)
    : dir_(dir), name_(name), env_(spec.env)
{
    config_ = dir / (name + ".toml");
    log_ = dir / (name + ".log");
    addr_file_ = dir / (name + ".addr");
    token_file_ = spec.admin_token_file.empty() ? dir / (name + ".token") : spec.admin_token_file;
    ca_file_ = spec.admin_tls_cert;
    std::ostringstream toml;
    toml << "[worker]\nname = \"" << name << "\"\n\n[worker.rpc_server]\nlisten = \"127.0.0.1:0\"\n";
    toml << "token_file = \"" << token_file_ << "\"\n";
    if (!spec.admin_tls_cert.empty())
        toml << "tls_cert = \"" << spec.admin_tls_cert << "\"\ntls_key = \"" << spec.admin_tls_key << "\"\n";
    toml << "\n[sealer_rpc]\nurl = \"" << manager.address() << "\"\ntoken = \"" << manager.token() << "\"\n";
    if (!spec.manager_ca_file.empty()) toml << "ca_file = \"" << spec.manager_ca_file << "\"\n";
    toml << "\n";
    toml << "[sealing]\n" << spec.sealing << "\n";
    if (!spec.parent_cache.empty()) toml << "[processors]\nparent_cache_dir = \"" << spec.parent_cache << "\"\n\n";
    for (size_t i = 0; i < spec.plans.size(); ++i) {
        std::string loc = dir / (name + "-thread-" + std::to_string(i));
        std::filesystem::create_directories(loc);
        locations_.push_back(loc);
        toml << "[[sealing_thread]]\nlocation = \"" << loc << "\"\nplan = \"" << spec.plans[i] << "\"\n"
             << spec.thread_toml << "\n";
    }
    for (const auto &[store, location] : spec.stores)
        toml << "[[attached]]\nname = \"" << store << "\"\nlocation = \"" << location << "\"\n\n";
    toml << spec.extra_toml;
    write_text(config_, toml.str());
}

WorkerFixture::~WorkerFixture() { stop(); }

void WorkerFixture::start(const std::map<std::string, std::string> &env_override)
{
    std::filesystem::remove(addr_file_);
    RunOptions opts;
    opts.env = env_;
    opts.env.emplace("DAMOCLES_LOG", "info"); // tests read the worker's log
    for (const auto &[k, v] : env_override) opts.env[k] = v;
    opts.env["DAMOCLES_WORKER_ADDRESS_FILE"] = addr_file_;
    daemon_ = std::make_unique<Background>(
        std::vector<std::string>{damocles_worker(), "daemon", "run", "--config", config_}, opts, log_);
    bool up = wait_until([&] { return std::filesystem::exists(addr_file_) || !daemon_->running(); },
                         std::chrono::milliseconds(30000));
    if (!up || !daemon_->running()) throw std::runtime_error("worker did not start:\n" + log());
}

void WorkerFixture::stop()
{
    if (daemon_) daemon_->stop();
    daemon_.reset();
}

void WorkerFixture::kill9()
{
    if (daemon_) {
        daemon_->kill(SIGKILL);
        daemon_->wait();
    }
    daemon_.reset();
}

std::string WorkerFixture::address() const
{
    auto a = slurp(addr_file_);
    while (!a.empty() && a.back() == '\n') a.pop_back();
    return a;
}

std::string WorkerFixture::token() const
{
    auto t = slurp(token_file_);
    while (!t.empty() && t.back() == '\n') t.pop_back();
    return t;
}

nlohmann::json WorkerFixture::threads() const
{
    service::rpc::Client c(address(), token(), 10, ca_file_);
    auto r = c.call("VenusWorker.WorkerList", nlohmann::json::array());
    if (!r) throw std::runtime_error("worker list failed: " + r.error().message);
    return *r;
}

RunResult WorkerFixture::cli(const std::vector<std::string> &args) const
{
    std::vector<std::string> argv = {damocles_worker(), "worker", "-H", address(), "--token-file", token_file_};
    if (!ca_file_.empty()) argv.insert(argv.end(), {"--ca-file", ca_file_});
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
}

std::string WorkerFixture::log() const { return slurp(log_); }

bool WorkerFixture::wait_thread(size_t i, const std::function<bool(const nlohmann::json &)> &pred, int seconds) const
{
    return wait_until(
        [&] {
            try {
                return pred(threads().at(i));
            } catch (...) {
                return false;
            }
        },
        std::chrono::milliseconds(seconds * 1000));
}

} // namespace dmc::test
