// SPDX-License-Identifier: Apache-2.0
//
// Worker clients for the load and fault tests: threads that call
// Venus.AllocateRebuildSector directly (no sealing) and acknowledge with
// Venus.ReportFinalized, through one or several managers, while they
// misbehave at random: hang up in the middle of a call (the answer, and
// maybe a lease, is lost), or "crash" holding a lease (never finalize).
// What they saw is compared afterwards with what the managers logged.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace dmc::test::load {

struct Options {
    std::vector<std::string> homes; // manager homes; client i uses homes[i % size]
    uint64_t miner = 1001;
    uint64_t sectors = 200; // numbers 1..sectors are queued
    int clients = 8;
    double hang_up_rate = 0; // per allocation call: hang up mid-call
    double crash_rate = 0;   // per task received: keep it, never finalize
    // Misbehave only this long after the start: a lease lost late would be
    // re-allocated only after another lease period (test time, not coverage).
    std::chrono::seconds misbehave_for{3600};
    std::chrono::seconds deadline{90};
    // Called about every 20 ms from the calling thread with the number of
    // sectors finalized so far (the kill-the-manager test acts here).
    std::function<void(uint64_t finalized)> on_progress;
};

struct Lease {
    uint64_t number = 0;
    uint64_t lease_id = 0;
};

struct Outcome {
    uint64_t finalized = 0;             // distinct sectors acknowledged
    std::map<uint64_t, int> received;   // sector -> tasks received by clients
    std::vector<Lease> crashed;         // leases dropped by "crashed" clients
    uint64_t hang_ups = 0;              // calls hung up on
    uint64_t double_holds = 0;          // a sector received while another client held it
    uint64_t finalize_conflicts = 0;    // an acknowledged task the manager refused
    uint64_t call_errors = 0;           // transport errors (manager down)
    std::vector<double> first_receipts; // seconds from start to each sector's first receipt, in order
    double total_seconds = 0;           // until every sector was finalized
};

Outcome run(const Options &opts);

// Allocation lines of a manager log ("sector s-t0M-N allocated to ..."):
// sector id -> times (ms since epoch, local clock) in log order.
std::map<std::string, std::vector<int64_t>> allocations_in_log(const std::string &log);

} // namespace dmc::test::load
