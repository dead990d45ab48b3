// SPDX-License-Identifier: Apache-2.0
#include <cstring>

#include "binary_codec.hpp"
#include "damocles/sdk/snap_proof_file.hpp"

namespace dmc {

namespace {
constexpr char kMagic[8] = {'D', 'M', 'C', 'S', 'P', '0', '0', '1'};
} // namespace

std::vector<uint8_t> serialize_snap_proofs(const SnapProofFile &f)
{
    codec::Writer w;
    w.out.insert(w.out.end(), kMagic, kMagic + 8);
    w.u64(f.proof_id);
    w.u32(f.h);
    w.fr(f.comm_r_old);
    w.bytes32(f.comm_d_new);
    w.fr(f.comm_r_new);
    w.u32(static_cast<uint32_t>(f.partitions.size()));
    for (const auto &p : f.partitions) {
        w.fr(p.comm_c);
        w.u32(static_cast<uint32_t>(p.apex_leafs.size()));
        for (const auto &a : p.apex_leafs) w.bytes32(a);
        w.u32(static_cast<uint32_t>(p.challenge_proofs.size()));
        for (const auto &c : p.challenge_proofs) {
            w.merkle(c.proof_r_old);
            w.sha254(c.proof_d_new);
            w.merkle(c.proof_r_new);
        }
    }
    return std::move(w.out);
}

Result<SnapProofFile> parse_snap_proofs(std::span<const uint8_t> bytes)
{
    if (bytes.size() < 8 || std::memcmp(bytes.data(), kMagic, 8) != 0)
        return make_error(Errc::corrupt, "not a snap proof file (bad magic)");
    codec::Reader r(bytes.subspan(8));
    SnapProofFile f;
    f.proof_id = r.u64();
    f.h = r.u32();
    f.comm_r_old = r.fr();
    f.comm_d_new = r.bytes32();
    f.comm_r_new = r.fr();
    uint32_t n = r.count(40);
    for (uint32_t i = 0; i < n && r.ok(); ++i) {
        SnapPartitionProof p;
        p.comm_c = r.fr();
        uint32_t a = r.count(32);
        for (uint32_t j = 0; j < a && r.ok(); ++j) p.apex_leafs.push_back(r.bytes32());
        uint32_t c = r.count(72);
        for (uint32_t j = 0; j < c && r.ok(); ++j) {
            SnapChallengeProof cp;
            cp.proof_r_old = r.merkle();
            cp.proof_d_new = r.sha254();
            cp.proof_r_new = r.merkle();
            p.challenge_proofs.push_back(std::move(cp));
        }
        f.partitions.push_back(std::move(p));
    }
    if (!r.ok()) return make_error(Errc::corrupt, "snap proof file is truncated or malformed");
    if (r.left() != 0) return make_error(Errc::corrupt, "snap proof file has trailing bytes");
    return f;
}

} // namespace dmc
