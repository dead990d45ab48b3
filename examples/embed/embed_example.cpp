// SPDX-License-Identifier: Apache-2.0
//
// Seals the real lotus devnet sector (2KiB CC, miner t01002, sector 1)
// through dmc::Framework, then verifies it, printing progress on the way.
// Usage: dmc-embed-example <store dir> [parent cache dir]
#include <cstdio>

#include "damocles/core/framework.hpp"

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s <store dir> [parent cache dir]\n", argv[0]);
        return 2;
    }
    dmc::FrameworkOptions options;
    if (argc > 2) options.parent_cache_dir = argv[2];
    auto fw = dmc::Framework::open(options);
    if (!fw) {
        std::fprintf(stderr, "open: %s\n", fw.error().message.c_str());
        return 1;
    }
    for (const auto &p : (*fw)->plugins())
        std::printf("plugin %s %s: %s\n", p.name.c_str(), p.version.c_str(),
                    p.usable ? "usable" : p.skip_reason.c_str());

    dmc::SealRequest req;
    req.proof = "StackedDrg2KiBV1_1";
    req.miner = "t01002";
    req.sectors = {1};
    req.ticket = "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0";
    req.out_dir = argv[1];
    int last_percent = -1;
    auto sealed = (*fw)->seal(req, [&](const dmc::Progress &p) {
        int percent = static_cast<int>(p.fraction * 100);
        if (percent / 25 != last_percent / 25)
            std::printf("progress %s %d%% (%s)\n", p.sector_id.c_str(), percent, p.stage.c_str());
        last_percent = percent;
    });
    if (!sealed) {
        std::fprintf(stderr, "seal: %s\n", sealed.error().message.c_str());
        return 1;
    }
    const dmc::SealResult &r = sealed->front();
    std::printf("sealed %s comm_r %s\n", r.sector_id.c_str(), r.comm_r_cid.c_str());

    dmc::VerifyRequest v;
    v.proof = req.proof;
    v.miner = req.miner;
    v.ticket = req.ticket;
    v.sector = 1;
    v.comm_r = r.comm_r_cid;
    v.sealed_path = r.sealed_path;
    v.cache_dir = r.cache_path;
    auto checked = (*fw)->verify(v);
    if (!checked) {
        std::fprintf(stderr, "verify: %s\n", checked.error().message.c_str());
        return 1;
    }
    std::printf("%s: %s\n", checked->valid ? "valid" : "invalid", checked->detail.c_str());
    return checked->valid ? 0 : 1;
}
