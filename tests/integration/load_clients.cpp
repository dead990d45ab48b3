// SPDX-License-Identifier: Apache-2.0
#include "load_clients.hpp"

#include <arpa/inet.h>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <netinet/in.h>
#include <random>
#include <set>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "service/manager/manager_daemon.hpp"
#include "service/rpc/json_rpc.hpp"

namespace dmc::test::load {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Shared {
    std::mutex mu;
    Outcome out;
    std::map<uint64_t, int> holders; // sector -> client holding a live lease
    std::set<uint64_t> finalized;
    std::atomic<bool> done{false};
    std::atomic<uint64_t> finalized_count{0};
    Clock::time_point start = Clock::now();
};

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Sends a JSON-RPC call over a fresh connection and closes it without
// reading the answer: after the whole request (the manager may allocate,
// and that lease is lost with the answer) or in the middle of the body (it
// must not allocate).
void hang_up(const std::string &address, const std::string &token, const json &request, std::mt19937_64 &rng)
{
    auto hp = service::rpc::parse_host_port(address, 1789);
    if (!hp) return;
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(hp->second));
    std::string host = hp->first == "0.0.0.0" ? "127.0.0.1" : hp->first;
    if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1 ||
        ::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return;
    }
    const std::string body = request.dump();
    std::ostringstream http;
    http << "POST /rpc/v0 HTTP/1.1\r\nHost: " << host << "\r\nAuthorization: Bearer " << token
         << "\r\nContent-Type: application/json\r\nContent-Length: " << body.size() << "\r\n\r\n";
    const bool torn = rng() % 3 == 0;
    std::string wire = http.str() + (torn ? body.substr(0, body.size() / 2) : body);
    ssize_t n = ::send(fd, wire.data(), wire.size(), MSG_NOSIGNAL);
    (void)n;
    if (!torn) sleep_ms(static_cast<int>(rng() % 3));
    ::close(fd);
}

void client(int index, const Options &o, Shared &sh)
{
    std::mt19937_64 rng(0x5eed0000u + static_cast<unsigned>(index));
    std::uniform_real_distribution<double> coin(0, 1);
    const std::string home = o.homes[static_cast<size_t>(index) % o.homes.size()];
    const json spec = json::array({{{"AllowedMiners", json::array({o.miner})},
                                    {"AllowedProofTypes", json::array()},
                                    {"Worker", "client-" + std::to_string(index)},
                                    {"Location", "/load/" + std::to_string(index)}}});
    while (!sh.done.load()) {
        auto ep = service::read_manager_endpoint(home);
        if (!ep) { // a manager restarting: its api file comes back
            sleep_ms(20);
            continue;
        }
        const bool misbehave = since(sh.start) < static_cast<double>(o.misbehave_for.count());
        if (misbehave && coin(rng) < o.hang_up_rate) {
            json request = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "Venus.AllocateRebuildSector"}, {"params", spec}};
            hang_up(ep->address, ep->token, request, rng);
            std::lock_guard lock(sh.mu);
            ++sh.out.hang_ups;
            continue;
        }
        service::rpc::Client c(ep->address, ep->token, 10);
        auto task = c.call("Venus.AllocateRebuildSector", spec);
        if (!task) {
            std::lock_guard lock(sh.mu);
            ++sh.out.call_errors;
        }
        if (!task || task->is_null()) {
            sleep_ms(task ? 50 : 20);
            continue;
        }
        const uint64_t number = (*task)["sector"]["number"].get<uint64_t>();
        const uint64_t lease_id = (*task)["lease_id"].get<uint64_t>();
        {
            std::lock_guard lock(sh.mu);
            if (sh.holders.count(number)) ++sh.out.double_holds;
            sh.holders[number] = index;
            if (++sh.out.received[number] == 1) sh.out.first_receipts.push_back(since(sh.start));
            if (misbehave && coin(rng) < o.crash_rate) {
                sh.out.crashed.push_back({number, lease_id});
                sh.holders.erase(number);
                continue;
            }
        }
        // Acknowledge; a manager killed meanwhile is retried (maybe after
        // its restart, on a new port), and a refusal is checked against the
        // sector's state: the kill may have come after the commit.
        bool acknowledged = false;
        while (!sh.done.load()) {
            auto now_ep = service::read_manager_endpoint(home);
            if (!now_ep) {
                sleep_ms(20);
                continue;
            }
            service::rpc::Client fc(now_ep->address, now_ep->token, 10);
            auto fin = fc.call("Venus.ReportFinalized", json::array({o.miner, number, lease_id}));
            if (fin) {
                acknowledged = true;
                break;
            }
            if (fin.error().code == Errc::conflict) {
                auto st = fc.call("Venus.FindSectorInAllStates", json::array({o.miner, number}));
                acknowledged = st && !(*st)["online"].get<bool>() && !(*st)["need_rebuild"].get<bool>();
                if (!acknowledged) {
                    std::lock_guard lock(sh.mu);
                    ++sh.out.finalize_conflicts;
                }
                break;
            }
            {
                std::lock_guard lock(sh.mu);
                ++sh.out.call_errors;
            }
            sleep_ms(20);
        }
        std::lock_guard lock(sh.mu);
        sh.holders.erase(number);
        if (acknowledged && sh.finalized.insert(number).second) sh.finalized_count = sh.finalized.size();
    }
}

} // namespace

Outcome run(const Options &opts)
{
    Shared sh;
    std::vector<std::thread> threads;
    for (int i = 0; i < opts.clients; ++i) threads.emplace_back([i, &opts, &sh] { client(i, opts, sh); });
    const auto deadline = Clock::now() + opts.deadline;
    while (sh.finalized_count.load() < opts.sectors && Clock::now() < deadline) {
        if (opts.on_progress) opts.on_progress(sh.finalized_count.load());
        sleep_ms(20);
    }
    sh.done = true;
    for (auto &t : threads) t.join();
    Outcome out = sh.out;
    out.finalized = sh.finalized.size();
    out.total_seconds = since(sh.start);
    return out;
}

std::map<std::string, std::vector<int64_t>> allocations_in_log(const std::string &log)
{
    std::map<std::string, std::vector<int64_t>> out;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);) {
        auto at = line.find(" allocated to ");
        auto sector = line.find(" sector s-t0");
        if (at == std::string::npos || sector == std::string::npos || sector > at) continue;
        std::tm tm{};
        int millis = 0;
        if (std::sscanf(line.c_str(), "%d-%d-%dT%d:%d:%d.%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                        &tm.tm_min, &tm.tm_sec, &millis) != 7)
            continue;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        const int64_t ms = static_cast<int64_t>(timegm(&tm)) * 1000 + millis;
        out[line.substr(sector + 8, at - sector - 8)].push_back(ms);
    }
    return out;
}

} // namespace dmc::test::load
