// SPDX-License-Identifier: Apache-2.0
//
// Helpers shared by the operations tests (metrics, faults and load, many
// hosts): 2KiB CC sectors sealed offline into a store, Prometheus text read
// back, root-only set-ups skipped with a warning elsewhere.
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <unistd.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "process.hpp"
#include "service/rpc/json_rpc.hpp"
#include "skip.hpp"

namespace dmc::test::ops {

inline const char *kTicket = "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0";

inline std::string parent_cache_dir()
{
    static TempDir dir("parents-ops");
    return dir.path();
}

// Seals 2KiB CC sector (miner, n) into `store_dir` and returns its import
// object with "store" set to `store_name`.
inline nlohmann::json seal_sector(uint64_t miner, uint64_t n, const std::string &store_dir,
                                  const std::string &store_name)
{
    auto r = run({damocles_run(), "seal", "--proof", "StackedDrg2KiBV1_1", "--miner", std::to_string(miner), "--sector",
                  std::to_string(n), "--ticket", kTicket, "--out", store_dir, "--parent-cache", parent_cache_dir(),
                  "--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    nlohmann::json sector = nlohmann::json::parse(r.out)["sector"];
    sector["store"] = store_name;
    return sector;
}

// An import object that is valid but was never sealed (allocation tests
// that never run the engine).
inline nlohmann::json paper_sector(uint64_t miner, uint64_t n)
{
    return {{"miner", miner},
            {"number", n},
            {"proof", "StackedDrg2KiBV1_1"},
            {"ticket", kTicket},
            {"ticket_epoch", 10},
            {"comm_d", "baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy"},
            {"comm_r", "bagboea4b5abcbnym7z3pgc64fk5wwsk3nsmz62jamgaa3pekzelmm3fv5q6g6zji"},
            {"pieces", nlohmann::json::array()},
            {"snap", nullptr}};
}

// GET http://<address>/metrics, with a bearer token when not empty: the
// HTTP status (0 when unreachable) and the body.
inline std::pair<int, std::string> scrape_with(const std::string &address, const std::string &token)
{
    auto hp = service::rpc::parse_host_port(address, 0);
    if (!hp) return {0, ""};
    httplib::Client c(hp->first, hp->second);
    c.set_connection_timeout(5, 0);
    if (!token.empty()) c.set_bearer_token_auth(token.c_str());
    auto res = c.Get("/metrics");
    if (!res) return {0, ""};
    return {res->status, res->body};
}

// GET http://<address>/metrics ("" when unreachable or not 200).
inline std::string scrape(const std::string &address, const std::string &token = "")
{
    auto [status, body] = scrape_with(address, token);
    return status == 200 ? body : "";
}

// The value of one series (`name{labels}` exactly as exposed) in
// Prometheus text; NaN when absent. Parsed here, independently of the
// writer: split on the last space of the line.
inline double sample(const std::string &text, const std::string &series)
{
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        auto space = line.rfind(' ');
        if (space == std::string::npos || line.compare(0, space, series) != 0 || space != series.size()) continue;
        const std::string value = line.substr(space + 1);
        if (value == "+Inf") return INFINITY;
        return std::stod(value);
    }
    return NAN;
}

// 0 for an absent series (counters start absent).
inline double counter(const std::string &text, const std::string &series)
{
    double v = sample(text, series);
    return std::isnan(v) ? 0 : v;
}

inline bool is_root() { return geteuid() == 0; }

// Leaves a test that needs root as skipped (CI runs as root).
#define DMC_REQUIRE_ROOT()                                                                                             \
    if (!::dmc::test::ops::is_root()) DMC_SKIP("needs root (network namespaces, mounts)")

} // namespace dmc::test::ops
