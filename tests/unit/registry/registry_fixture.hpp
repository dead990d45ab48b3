// SPDX-License-Identifier: Apache-2.0
//
// Sample records for the registry suite, shared by every backend's run of it.
#pragma once

#include "service/registry/registry_store.hpp"

namespace dmc::test {

inline core::SectorRecord sample_sector(uint64_t miner, uint64_t number, uint64_t proof = 5)
{
    core::SectorRecord r;
    r.key = {miner, number};
    r.proof_id = proof;
    Bytes32 t{};
    t[0] = static_cast<uint8_t>(number);
    t[31] = 0xaa;
    r.ticket = t;
    r.ticket_epoch = 1822;
    r.comm_d = "baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy";
    r.comm_r = "bagboea4b5abcbnym7z3pgc64fk5wwsk3nsmz62jamgaa3pekzelmm3fv5q6g6zji";
    return r;
}

} // namespace dmc::test
