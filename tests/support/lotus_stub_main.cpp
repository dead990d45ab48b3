// SPDX-License-Identifier: Apache-2.0
//
// lotus-stub: the test Lotus / lotus-miner (lotus_stub.hpp) as its own
// process, for integration tests that drive the command line.
//
//   lotus-stub FIXTURE.json [--port N] [--address-file PATH]
//
// Prints, once listening (stdout, flushed):
//   lotus-stub listening on 127.0.0.1:PORT
//   FULLNODE_API_INFO=TOKEN:/ip4/127.0.0.1/tcp/PORT/http
//   MINER_API_INFO=TOKEN:/ip4/127.0.0.1/tcp/PORT/http
// and writes "127.0.0.1:PORT" to --address-file (atomically) when given.
// Serves until SIGTERM or SIGINT; exit 0, or 2 on bad usage / fixture.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "lotus_stub.hpp"

int main(int argc, char **argv)
{
    std::string fixture_path, address_file;
    int port = 0;
    for (int index = 1; index < argc; ++index) {
        const std::string arg = argv[index];
        if (arg == "--port" && index + 1 < argc) {
            port = std::atoi(argv[++index]);
        } else if (arg == "--address-file" && index + 1 < argc) {
            address_file = argv[++index];
        } else if (arg == "-h" || arg == "--help") {
            std::printf("usage: lotus-stub FIXTURE.json [--port N] [--address-file PATH]\n");
            return 0;
        } else if (fixture_path.empty() && !arg.empty() && arg[0] != '-') {
            fixture_path = arg;
        } else {
            std::fprintf(stderr, "lotus-stub: unexpected argument '%s'\n", arg.c_str());
            return 2;
        }
    }
    if (fixture_path.empty()) {
        std::fprintf(stderr, "usage: lotus-stub FIXTURE.json [--port N] [--address-file PATH]\n");
        return 2;
    }
    auto fixture = dmc::test::load_lotus_stub_fixture(fixture_path);
    if (!fixture) {
        std::fprintf(stderr, "lotus-stub: %s\n", fixture.error().message.c_str());
        return 2;
    }

    // Block the stop signals before any thread starts, then wait for one.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    dmc::test::LotusStub stub(*fixture);
    if (auto started = stub.start(port); !started) {
        std::fprintf(stderr, "lotus-stub: %s\n", started.error().message.c_str());
        return 1;
    }
    if (!address_file.empty()) {
        const std::string temporary = address_file + ".tmp";
        std::ofstream(temporary) << stub.host_port() << "\n";
        std::rename(temporary.c_str(), address_file.c_str());
    }
    std::printf("lotus-stub listening on %s\n", stub.host_port().c_str());
    std::printf("FULLNODE_API_INFO=%s\n", stub.api_info().c_str());
    std::printf("MINER_API_INFO=%s\n", stub.api_info().c_str());
    std::fflush(stdout);

    int received = 0;
    sigwait(&stop_signals, &received);
    stub.stop();
    return 0;
}
