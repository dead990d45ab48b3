// SPDX-License-Identifier: Apache-2.0
//
// What the importer tests share: the Lotus stub serving the devnet fixture
// (tests/fixtures/lotus/devnet_t01002.json), clients for it, and sectors a
// test adds (a SnapDeals upgrade, other states).
#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "damocles/sdk/cid.hpp"
#include "lotus_stub.hpp"
#include "service/chain/full_node_client.hpp"
#include "service/chain/miner_client.hpp"

namespace dmc::test {

// CommD of the fixture's sector 2: a 1KiB deal piece and a 1KiB filler.
inline const char *kTwoPieceCommD = "baga6ea4seaqdng47sne42hg3ofidpwn3ajfp57c6anh7lu3vhalre2vvogtmyjq";
inline const char *kDealPieceCid = "baga6ea4seaqeso56vpn45rhuumtx2vbv2meyq2hauthddywzqvxumlunewpcipq";
inline const char *kFillerPieceCid = "baga6ea4seaqb66wjlfkrbye6uqoemcyxmqylwmrm235uclwfpsyx3ge2imidoly";

struct DevnetStub {
    LotusStub stub;

    DevnetStub() : stub(load_fixture()) { REQUIRE(stub.start().ok()); }

    static LotusStubFixture load_fixture()
    {
        auto fixture = load_lotus_stub_fixture(std::string(DMC_LOTUS_FIXTURES) + "/devnet_t01002.json");
        REQUIRE(fixture.ok());
        return std::move(*fixture);
    }

    service::chain::FullNodeClient node() const
    {
        auto client = service::chain::FullNodeClient::from_api_info(stub.api_info());
        REQUIRE(client.ok());
        return std::move(*client);
    }

    service::chain::MinerClient miner() const
    {
        auto client = service::chain::MinerClient::from_api_info(stub.api_info());
        REQUIRE(client.ok());
        return std::move(*client);
    }

    // A CommR-shaped CID from a seed (any 32 bytes below the field modulus).
    static std::string sealed_cid(uint8_t seed)
    {
        Bytes32 comm{};
        comm.fill(seed);
        comm[31] = 0x0f;
        return commitment_to_cid(comm, CommitmentKind::sealed);
    }

    // A CC sector of t01002 upgraded by SnapDeals at epoch 2950 with the
    // fixture's deal piece and a filler (CommD kTwoPieceCommD).
    LotusStubSector snapped_sector(uint64_t number) const
    {
        LotusStubSector sector;
        sector.miner = 1002;
        sector.number = number;
        sector.seal_proof = 5;
        sector.ticket.fill(0x11);
        sector.ticket_epoch = 2000 + static_cast<int64_t>(number);
        sector.comm_d = "baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy"; // CC 2KiB
        sector.comm_r = sealed_cid(static_cast<uint8_t>(number));
        sector.precommit_epoch = 2100 + static_cast<int64_t>(number);
        sector.activation = 2200 + static_cast<int64_t>(number);
        sector.expiration = 600000;
        sector.pieces = {{1024, kDealPieceCid, 5432}, {1024, kFillerPieceCid, std::nullopt}};
        sector.comm_r_new = sealed_cid(static_cast<uint8_t>(number + 100));
        sector.update_epoch = 2950;
        return sector;
    }
};

} // namespace dmc::test
