// SPDX-License-Identifier: Apache-2.0
//
// A worker's state reports (service/worker/state_report.hpp) against a
// JSON-RPC manager stand-in this test serves on 127.0.0.1, its ReportState
// fed to the console's stage history as the manager's is: two steps that
// finish between two reports (persist, then finalize's "report") are sent
// one by one, oldest first, and both charted; a lease that is gone or lost
// ends the sending; steps a failed call did not deliver are sent next time.
#include <catch2/catch.hpp>

#include <mutex>
#include <thread>

#include <httplib.h>

#include "service/rpc/json_rpc.hpp"
#include "service/ui/history_feed.hpp"
#include "service/worker/state_report.hpp"

using namespace dmc;
using namespace dmc::service;
using rpc::json;

namespace {

constexpr uint64_t kLease = 7;

// A manager that answers ReportState as told and records each event it gets.
class ReportingManager {
public:
    explicit ReportingManager(std::shared_ptr<ui::StageHistory> history)
    {
        dispatcher_.add("Venus.AllocateRebuildSector", [](const json &) {
            return json{{"lease_id", kLease}, {"sector", {{"miner", 1002}, {"number", 3}}}};
        });
        dispatcher_.add("Venus.ReportState", [this](const json &params) {
            std::lock_guard lock(mu_);
            events_.push_back(params.at(3).value("event", ""));
            if (gone_after_ && events_.size() >= gone_after_)
                throw rpc::RpcError{rpc::kSectorStateNotFound, "sector state not found"};
            if (fail_at_ && events_.size() == fail_at_) {
                events_.pop_back(); // not recorded: the call failed
                fail_at_ = 0;
                throw rpc::RpcError{rpc::kInternalError, "registry unavailable"};
            }
            return json{{"Finalized", false},
                        {"LeaseValid", !(lost_after_ && events_.size() >= lost_after_)},
                        {"CancelRequested", false}};
        });
        ui::feed_stage_history(dispatcher_, std::move(history));
        rpc::mount(http_, std::make_shared<const rpc::Dispatcher>(dispatcher_), "t0ken");
        port_ = http_.bind_to_any_port("127.0.0.1");
        REQUIRE(port_ > 0);
        thread_ = std::thread([this] { http_.listen_after_bind(); });
        while (!http_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~ReportingManager()
    {
        http_.stop();
        thread_.join();
    }
    rpc::Client client() const { return rpc::Client("127.0.0.1:" + std::to_string(port_), "t0ken"); }
    std::vector<std::string> events()
    {
        std::lock_guard lock(mu_);
        return events_;
    }
    void lease_lost_at(size_t n)
    {
        std::lock_guard lock(mu_);
        lost_after_ = n;
    }
    void sector_gone_at(size_t n)
    {
        std::lock_guard lock(mu_);
        gone_after_ = n;
    }
    // The n-th report (counting the recorded ones + 1) fails once.
    void fail_once_at(size_t n)
    {
        std::lock_guard lock(mu_);
        fail_at_ = n;
    }

private:
    rpc::Dispatcher dispatcher_;
    httplib::Server http_;
    int port_ = 0;
    std::thread thread_;
    std::mutex mu_;
    std::vector<std::string> events_;
    size_t lost_after_ = 0, gone_after_ = 0, fail_at_ = 0;
};

std::vector<std::string> charted(const ui::StageHistory &history)
{
    std::vector<std::string> stages;
    for (const auto &s : history.stage_stats()) stages.push_back(s.stage);
    return stages;
}

} // namespace

TEST_CASE("state reports: each step finished since the last report is sent under its own name and charted",
          "[service][report]")
{
    auto history = std::make_shared<ui::StageHistory>();
    ReportingManager manager(history);
    const rpc::Client client = manager.client();
    REQUIRE(client.call("Venus.AllocateRebuildSector", json::array()).ok());
    const SectorKey key{1002, 3};
    LatestState state;
    state.next = "PC1Done";
    state.event = "pc1";

    UnreportedSteps steps;
    size_t sent = 0;
    steps.add("pc1");
    auto answer = send_state_report(client, key, kLease, state, steps.take(), "s-t01002-3", &sent);
    REQUIRE(answer);
    CHECK(answer->lease_valid);
    // A heartbeat with no new step: one report, its event as it was.
    REQUIRE(send_state_report(client, key, kLease, state, steps.take(), "s-t01002-3", &sent));
    CHECK(manager.events() == std::vector<std::string>{"pc1", "pc1"});

    // persist and finalize's report end before the heartbeat sends.
    steps.add("persist");
    steps.add("report");
    state.event = "report";
    REQUIRE(send_state_report(client, key, kLease, state, steps.take(), "s-t01002-3", &sent));
    CHECK(manager.events() == std::vector<std::string>{"pc1", "pc1", "persist", "report"});
    CHECK(charted(*history) == std::vector<std::string>{"pc1", "persist", "report"});
    CHECK(steps.take().empty());
}

TEST_CASE("state reports: a lease lost or a sector gone ends the sending at that step", "[service][report]")
{
    auto history = std::make_shared<ui::StageHistory>();
    ReportingManager manager(history);
    const rpc::Client client = manager.client();
    LatestState state;
    size_t sent = 0;

    manager.lease_lost_at(2);
    auto answer =
        send_state_report(client, {1002, 3}, kLease, state, {"tree_c", "tree_r_last", "comm_r_check"}, "s", &sent);
    REQUIRE(answer);
    CHECK_FALSE(answer->lease_valid);
    CHECK(manager.events() == std::vector<std::string>{"tree_c", "tree_r_last"});
    CHECK(sent == 2);

    manager.lease_lost_at(0);
    manager.sector_gone_at(3);
    answer = send_state_report(client, {1002, 3}, kLease, state, {"persist", "report"}, "s", &sent);
    REQUIRE(answer);
    CHECK(answer->finalized);
    CHECK(manager.events().size() == 3);
}

TEST_CASE("state reports: steps a failed call did not deliver are sent first by the next report", "[service][report]")
{
    auto history = std::make_shared<ui::StageHistory>();
    ReportingManager manager(history);
    const rpc::Client client = manager.client();
    REQUIRE(client.call("Venus.AllocateRebuildSector", json::array()).ok());
    LatestState state;
    UnreportedSteps steps;
    for (const char *step : {"tree_c", "tree_r_last", "comm_r_check"}) steps.add(step);
    manager.fail_once_at(2);
    std::vector<std::string> taken = steps.take();
    size_t sent = 0;
    CHECK_FALSE(send_state_report(client, {1002, 3}, kLease, state, taken, "s", &sent));
    CHECK(sent == 1);
    steps.restore(taken, sent);
    steps.add("check_sealed"); // finished while the call failed
    REQUIRE(send_state_report(client, {1002, 3}, kLease, state, steps.take(), "s", &sent));
    CHECK(sent == 3);
    CHECK(manager.events() == std::vector<std::string>{"tree_c", "tree_r_last", "comm_r_check", "check_sealed"});
    CHECK(charted(*history) == std::vector<std::string>{"tree_c", "tree_r_last", "comm_r_check", "check_sealed"});
}
