// SPDX-License-Identifier: Apache-2.0
//
// Little-endian binary writer/reader shared by the proof file formats
// (vanilla PoRep proofs, SnapDeals partition proofs). The reader bounds every
// count by the bytes left, so truncated or hostile input fails cleanly.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "damocles/sdk/fr.hpp"
#include "damocles/sdk/merkle_proof.hpp"
#include "damocles/sdk/sha254_proof.hpp"
#include "damocles/sdk/vanilla_porep.hpp"

namespace dmc::codec {

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
    void sha254(const Sha254MerkleProof &p)
    {
        bytes32(p.leaf);
        u64(p.index);
        u32(static_cast<uint32_t>(p.siblings.size()));
        for (const auto &s : p.siblings) bytes32(s);
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
    Sha254MerkleProof sha254()
    {
        Sha254MerkleProof p;
        p.leaf = bytes32();
        p.index = u64();
        uint32_t k = count(32);
        for (uint32_t j = 0; j < k && ok_; ++j) p.siblings.push_back(bytes32());
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

} // namespace dmc::codec
