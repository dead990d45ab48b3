// SPDX-License-Identifier: Apache-2.0
//
// Binary form of VanillaPorepProofs, written by a plugin's porep_vanilla
// stage and read back by the host: "DMCVP001", then little-endian integers
// and 32-byte canonical nodes. The reader bounds every count by the bytes
// left, so a truncated or hostile file is an error, never a crash.
#include <cstring>

#include "damocles/sdk/vanilla_porep.hpp"

namespace dmc {

namespace {

constexpr char kMagic[8] = {'D', 'M', 'C', 'V', 'P', '0', '0', '1'};

class Writer {
public:
    void u32(uint32_t v) { put(&v, 4); }
    void u64(uint64_t v) { put(&v, 8); }
    void bytes32(const Bytes32 &b) { put(b.data(), 32); }
    void fr(const Fr &f) { bytes32(f.to_bytes()); }
    void merkle(const PoseidonMerkleProof &p)
    {
        fr(p.leaf);
        fr(p.root);
        u32(static_cast<uint32_t>(p.path.size()));
        for (const auto &e : p.path) {
            u32(e.index);
            u32(static_cast<uint32_t>(e.siblings.size()));
            for (const auto &s : e.siblings) fr(s);
        }
    }
    void column(const ColumnProof &c)
    {
        u64(c.node);
        u32(static_cast<uint32_t>(c.labels.size()));
        for (const auto &l : c.labels) bytes32(l);
        merkle(c.inclusion);
    }
    std::vector<uint8_t> out;

private:
    void put(const void *p, size_t n)
    {
        const uint8_t *b = static_cast<const uint8_t *>(p);
        out.insert(out.end(), b, b + n);
    }
};

class Reader {
public:
    explicit Reader(std::span<const uint8_t> b) : b_(b) {}
    bool ok() const { return ok_; }
    size_t left() const { return b_.size() - pos_; }
    uint32_t u32()
    {
        uint32_t v = 0;
        get(&v, 4);
        return v;
    }
    uint64_t u64()
    {
        uint64_t v = 0;
        get(&v, 8);
        return v;
    }
    Bytes32 bytes32()
    {
        Bytes32 b{};
        get(b.data(), 32);
        return b;
    }
    Fr fr()
    {
        Bytes32 b = bytes32();
        Fr f = Fr::zero();
        if (ok_ && !Fr::try_from_bytes(b.data(), f)) ok_ = false;
        return f;
    }
    // A count of items of at least `item_bytes` each must fit in what is left.
    uint32_t count(size_t item_bytes)
    {
        uint32_t n = u32();
        if (ok_ && static_cast<uint64_t>(n) * item_bytes > left()) ok_ = false;
        return ok_ ? n : 0;
    }
    PoseidonMerkleProof merkle()
    {
        PoseidonMerkleProof p;
        p.leaf = fr();
        p.root = fr();
        uint32_t n = count(8);
        for (uint32_t i = 0; i < n && ok_; ++i) {
            MerklePathElement e;
            e.index = u32();
            uint32_t k = count(32);
            for (uint32_t j = 0; j < k && ok_; ++j) e.siblings.push_back(fr());
            p.path.push_back(std::move(e));
        }
        return p;
    }
    ColumnProof column()
    {
        ColumnProof c;
        c.node = u64();
        uint32_t n = count(32);
        for (uint32_t i = 0; i < n && ok_; ++i) c.labels.push_back(bytes32());
        c.inclusion = merkle();
        return c;
    }

private:
    void get(void *p, size_t n)
    {
        if (!ok_ || left() < n) {
            ok_ = false;
            std::memset(p, 0, n);
            return;
        }
        std::memcpy(p, b_.data() + pos_, n);
        pos_ += n;
    }
    std::span<const uint8_t> b_;
    size_t pos_ = 0;
    bool ok_ = true;
};

} // namespace

std::vector<uint8_t> serialize_vanilla_proofs(const VanillaPorepProofs &v)
{
    Writer w;
    w.out.insert(w.out.end(), kMagic, kMagic + 8);
    w.u64(v.proof_id);
    w.bytes32(v.replica_id);
    w.bytes32(v.comm_c);
    w.bytes32(v.comm_r_last);
    w.u32(static_cast<uint32_t>(v.proofs.size()));
    for (const auto &p : v.proofs) {
        w.u64(p.challenge);
        w.bytes32(p.comm_d_proof.leaf);
        w.u64(p.comm_d_proof.index);
        w.u32(static_cast<uint32_t>(p.comm_d_proof.siblings.size()));
        for (const auto &s : p.comm_d_proof.siblings) w.bytes32(s);
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
    Reader r(bytes.subspan(8));
    VanillaPorepProofs v;
    v.proof_id = r.u64();
    v.replica_id = r.bytes32();
    v.comm_c = r.bytes32();
    v.comm_r_last = r.bytes32();
    uint32_t n = r.count(64);
    for (uint32_t i = 0; i < n && r.ok(); ++i) {
        ChallengeProof p;
        p.challenge = r.u64();
        p.comm_d_proof.leaf = r.bytes32();
        p.comm_d_proof.index = r.u64();
        uint32_t k = r.count(32);
        for (uint32_t j = 0; j < k && r.ok(); ++j) p.comm_d_proof.siblings.push_back(r.bytes32());
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
