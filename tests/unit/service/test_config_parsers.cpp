// SPDX-License-Identifier: Apache-2.0
//
// The manager and worker config parsers on the inputs libFuzzer found
// (fuzz/corpus keeps them as seeds): numbers that are floats or out of range
// and durations that are not numbers are one clear error, never an
// exception or undefined conversion.
#include <catch2/catch.hpp>

#include "service/manager/manager_config.hpp"
#include "service/worker/worker_config.hpp"

using namespace dmc::core;
using namespace dmc::service;

TEST_CASE("config: durations parse, and malformed ones are clear errors", "[service][config]")
{
    CHECK(parse_duration("30s").value().count() == 30);
    CHECK(parse_duration("1.5min").value().count() == 90);
    CHECK(parse_duration("2h").value().count() == 7200);
    CHECK(parse_duration("250ms").value().count() == 1); // rounded up, never 0 for a positive interval
    CHECK(parse_duration("0.5ms").value().count() == 1);
    CHECK(parse_duration("0.0001s").value().count() == 1);
    CHECK(parse_duration("1.2s").value().count() == 2);
    CHECK(parse_duration("45").value().count() == 45);
    for (const char *bad : {"", ".", "..s", "0s", "0", "0.0min", "1.2.3s", "s", "-5s", "10 s", "5d", "1e3s"}) {
        INFO(bad);
        auto r = parse_duration(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find("duration") != std::string::npos);
    }
    CHECK(parse_duration("0s").error().message.find("longer than 0") != std::string::npos);
    CHECK_FALSE(parse_duration(std::string(400, '9') + "s")); // beyond double: invalid
    auto r = parse_duration(std::string(30, '9') + "s");
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("longer than a year") != std::string::npos);
    CHECK_FALSE(parse_duration("9000h"));
    CHECK(parse_duration("8760h").value().count() == 365 * 86400);
}

TEST_CASE("config: manager numbers must be integers in range", "[service][config]")
{
    auto ok =
        parse_manager_config("[[Miners]]\nActor = 1001\n[rebuild]\nlease_seconds = 60\n", "/tmp/h", "config.toml");
    REQUIRE(ok);
    CHECK(ok.value().lease_seconds == 60);
    CHECK(ok.value().miners == std::vector<uint64_t>{1001});
    // File names are relative to the home.
    auto tls = parse_manager_config("[rpc]\ntls_cert = \"c.pem\"\ntls_key = \"/k/key.pem\"\n[metrics]\ntoken_file = "
                                    "\"m.token\"\n",
                                    "/srv/home", "config.toml");
    REQUIRE(tls);
    CHECK(tls->rpc_tls.cert_file == "/srv/home/c.pem");
    CHECK(tls->rpc_tls.key_file == "/k/key.pem");
    CHECK(tls->metrics_token_file == "/srv/home/m.token");

    const std::vector<std::pair<std::string, std::string>> bad = {
        {"[[Miners]]\nActor = 1e60\n", "Actor"},
        {"[[Miners]]\nActor = 1001.0\n", "Actor"},
        {"[rebuild]\nlease_seconds = 1e30\n", "lease_seconds"},
        {"[rebuild]\nlease_seconds = 5\n", "lease_seconds"},
        {"[rebuild]\nlease_seconds = 9223372036854775807\n", "lease_seconds"},
        {"[[Common.PersistStores]]\nPath = \"/a\"\nWeight = 2.5\n", "Weight"},
        {"[[Common.PersistStores]]\nPath = \"/a\"\nWeight = 99999999999\n", "Weight"},
        {"[[Common.PersistStores]]\nName = \"store-a\"\nPath = \"\"\n", "Path"},
        {"[[Common.PersistStores]]\nPath = \"/a\"\nWeight = -3\n", "Weight"},
        {"[Common]\nPieceStores = [\"\"]\n", "PieceStores"},
        {"[registry]\nurl = \"\"\n", "[registry] url"}, // would open an empty registry
        {"[rpc]\ntls_cert = \"cert.pem\"\n", "tls_key"},
        {"[rpc]\ntls_cert = \"\"\ntls_key = \"k\"\n", "rpc.tls_cert"},
        {"[metrics]\ntoken_file = 3\n", "metrics.token_file"},
    };
    for (const auto &[text, key] : bad) {
        INFO(text);
        auto r = parse_manager_config(text, "/tmp/h", "config.toml");
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find(key) != std::string::npos);
        CHECK(r.error().message.find("config.toml") != std::string::npos);
    }
}

TEST_CASE("config: worker numbers and durations are checked", "[service][config]")
{
    const std::string base = "[sealer_rpc]\nurl = \"127.0.0.1:1789\"\n[[sealing_thread]]\nlocation = \"/data/0\"\n";
    REQUIRE(parse_worker_config(base, "worker.toml"));
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"[sealing]\nmax_retries = 1e40\n", "max_retries"},
        {"[sealing]\nmax_retries = 4294967296\n", "max_retries"},
        {"[sealing]\nseal_interval = \".\"\n", "duration"},
        {"[sealing]\nrecover_interval = \"99999999999999999999999h\"\n", "longer than a year"},
        {"[processors.limitation.concurrent]\npc1 = 2.0\n", "concurrent.pc1"},
        {"[sealing]\nallowed_miners = [1e20]\n", "allowed_miners"},
    };
    for (const auto &[extra, what] : bad) {
        INFO(extra);
        auto r = parse_worker_config(base + extra, "worker.toml");
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find(what) != std::string::npos);
    }
}

TEST_CASE("config: worker token, TLS and CA files are relative to the config; piece_fetch_timeout", "[service][config]")
{
    auto defaults = parse_worker_config("[sealer_rpc]\nurl = \"127.0.0.1:1789\"\n", "/etc/dmc/worker.toml");
    REQUIRE(defaults);
    CHECK(defaults->rpc_token_file == "/etc/dmc/worker.token");
    CHECK_FALSE(defaults->rpc_tls.enabled());
    CHECK(defaults->sealing.piece_fetch_timeout.count() == 30 * 60);
    auto set =
        parse_worker_config("[worker.rpc_server]\ntoken_file = \"t/admin.token\"\ntls_cert = \"c.pem\"\ntls_key = "
                            "\"/k.pem\"\n[sealer_rpc]\nurl = \"https://m:1789\"\nca_file = \"ca.pem\"\n[sealing]\n"
                            "piece_fetch_timeout = \"5min\"\n[metrics]\ntoken_file = \"m.token\"\n",
                            "/etc/dmc/worker.toml");
    REQUIRE(set);
    CHECK(set->rpc_token_file == "/etc/dmc/t/admin.token");
    CHECK(set->rpc_tls.cert_file == "/etc/dmc/c.pem");
    CHECK(set->rpc_tls.key_file == "/k.pem");
    CHECK(set->manager_ca_file == "/etc/dmc/ca.pem");
    CHECK(set->metrics_token_file == "/etc/dmc/m.token");
    CHECK(set->sealing.piece_fetch_timeout.count() == 300);
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"[worker.rpc_server]\ntls_cert = \"c.pem\"\n", "both tls_cert and tls_key"},
        {"[worker.rpc_server]\ntoken_file = \"\"\n", "worker.rpc_server.token_file"},
        {"[sealing]\npiece_fetch_timeout = \"0s\"\n", "sealing.piece_fetch_timeout"},
    };
    for (const auto &[text, key] : bad) {
        INFO(text);
        auto r = parse_worker_config("[sealer_rpc]\nurl = \"m:1\"\n" + text, "/etc/dmc/worker.toml");
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find(key) != std::string::npos);
    }
}

TEST_CASE("config: a sealing thread's batch is 1 to 16, in the main and the hot config", "[service][config]")
{
    const std::string base = "[sealer_rpc]\nurl = \"127.0.0.1:1789\"\n[[sealing_thread]]\nlocation = \"/data/0\"\n";
    auto plain = parse_worker_config(base, "worker.toml");
    REQUIRE(plain);
    CHECK(plain->threads.at(0).batch == 1);
    auto four = parse_worker_config(base + "batch = 4\n", "worker.toml");
    REQUIRE(four);
    CHECK(four->threads.at(0).batch == 4);
    CHECK(parse_worker_config(base + "batch = 16\n", "worker.toml").value().threads.at(0).batch == 16);
    for (const char *bad : {"batch = 0\n", "batch = 17\n", "batch = -1\n", "batch = 2.0\n", "batch = \"4\"\n"}) {
        INFO(bad);
        auto r = parse_worker_config(base + bad, "worker.toml");
        REQUIRE_FALSE(r);
        CHECK(r.error().message == "worker.toml: sealing_thread[0].batch must be an integer from 1 to 16 (how many "
                                   "sectors of one proof type a thread rebuilds together)");
    }
    SealingOptions defaults;
    auto hot = parse_hot_config("plan = \"rebuild\"\nbatch = 8\n", "config.toml", defaults);
    REQUIRE(hot);
    CHECK(hot->batch == 8u);
    CHECK_FALSE(parse_hot_config("plan = \"rebuild\"\n", "config.toml", defaults).value().batch.has_value());
    auto wrong = parse_hot_config("batch = 32\n", "config.toml", defaults);
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().message.find("config.toml: batch must be an integer from 1 to 16") == 0);
}

TEST_CASE("config: overlap = true gives a thread a companion at <location>/overlap reading its hot config",
          "[service][config]")
{
    const std::string base = "[sealer_rpc]\nurl = \"127.0.0.1:1789\"\n[[sealing_thread]]\nlocation = \"/data/0\"\n"
                             "plan = \"rebuild\"\nbatch = 8\n";
    CHECK_FALSE(parse_worker_config(base, "worker.toml").value().threads.at(0).overlap);
    auto on = parse_worker_config(base + "overlap = true\n", "worker.toml");
    REQUIRE(on);
    const SealingThreadConfig &primary = on->threads.at(0);
    CHECK(primary.overlap);
    CHECK(primary.hot_config_dir() == "/data/0");
    const SealingThreadConfig companion = overlap_companion(primary);
    CHECK(companion.location == "/data/0/overlap");
    CHECK(companion.hot_config_dir() == "/data/0");
    CHECK(companion.plan == "rebuild");
    CHECK(companion.batch == 8);
    CHECK_FALSE(companion.overlap); // a companion has no companion of its own
    const std::string single = "[sealer_rpc]\nurl = \"127.0.0.1:1789\"\n[[sealing_thread]]\nlocation = \"/data/0\"\n"
                               "plan = \"rebuild\"\noverlap = true\n";
    auto refused = parse_worker_config(single, "worker.toml");
    REQUIRE_FALSE(refused);
    CHECK(
        refused.error().message ==
        "worker.toml: sealing_thread[0].overlap = true needs batch = 2 or more (the two threads take turns per batch)");
    for (const char *bad : {"overlap = 1\n", "overlap = \"yes\"\n"}) {
        INFO(bad);
        auto r = parse_worker_config(base + bad, "worker.toml");
        REQUIRE_FALSE(r);
        CHECK(r.error().message == "worker.toml: sealing_thread[0].overlap must be true or false (true: a companion "
                                   "thread labels the next batch while this one builds its trees)");
    }
}
