// SPDX-License-Identifier: Apache-2.0
//
// Binary form of VanillaPorepProofs, written by a plugin's porep_vanilla
// stage and read back by the host: "DMCVP001", then little-endian integers
// and 32-byte canonical nodes. The reader bounds every count by the bytes
// left, so a truncated or hostile file is an error, never a crash.
#include <cstring>

#include "binary_codec.hpp"
#include "damocles/sdk/vanilla_porep.hpp"

namespace dmc {

namespace {

constexpr char kMagic[8] = {'D', 'M', 'C', 'V', 'P', '0', '0', '1'};

} // namespace

std::vector<uint8_t> serialize_vanilla_proofs(const VanillaPorepProofs &v)
{
    codec::Writer w;
    w.out.insert(w.out.end(), kMagic, kMagic + 8);
    w.u64(v.proof_id);
    w.bytes32(v.replica_id);
    w.bytes32(v.comm_c);
    w.bytes32(v.comm_r_last);
    w.u32(static_cast<uint32_t>(v.proofs.size()));
    for (const auto &p : v.proofs) {
        w.u64(p.challenge);
        w.sha254(p.comm_d_proof);
        w.column(p.column);
        w.u32(static_cast<uint32_t>(p.parents.size()));
        for (const auto &c : p.parents) w.column(c);
        w.merkle(p.replica_proof);
    }
    return std::move(w.out);
}

Result<VanillaPorepProofs> parse_vanilla_proofs(std::span<const uint8_t> bytes)
{
    if (bytes.size() < 8 || std::memcmp(bytes.data(), kMagic, 8) != 0)
        return make_error(Errc::corrupt, "not a vanilla proof file (bad magic)");
    codec::Reader r(bytes.subspan(8));
    VanillaPorepProofs v;
    v.proof_id = r.u64();
    v.replica_id = r.bytes32();
    v.comm_c = r.bytes32();
    v.comm_r_last = r.bytes32();
    uint32_t n = r.count(64);
    for (uint32_t i = 0; i < n && r.ok(); ++i) {
        ChallengeProof p;
        p.challenge = r.u64();
        p.comm_d_proof = r.sha254();
        p.column = r.column();
        uint32_t np = r.count(40);
        for (uint32_t j = 0; j < np && r.ok(); ++j) p.parents.push_back(r.column());
        p.replica_proof = r.merkle();
        v.proofs.push_back(std::move(p));
    }
    if (!r.ok()) return make_error(Errc::corrupt, "vanilla proof file is truncated or malformed");
    if (r.left() != 0) return make_error(Errc::corrupt, "vanilla proof file has trailing bytes");
    return v;
}

} // namespace dmc
