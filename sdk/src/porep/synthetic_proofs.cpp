// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/synthetic_proofs.hpp"

#include <algorithm>
#include <cstring>

#include "damocles/sdk/challenges.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/sdr_graph.hpp"

namespace dmc {

namespace {

constexpr uint32_t kMerkleChallenges = 1 + kParentCount; // the challenge and its parents

// Arity of each Poseidon path level: the base levels, then sub and top.
std::vector<uint32_t> path_arities(const SealProof &proof)
{
    std::vector<uint32_t> arities;
    for (uint64_t n = proof.nodes() / proof.shape.base_tree_count(); n > 1; n /= proof.shape.base_arity)
        arities.push_back(proof.shape.base_arity);
    if (proof.shape.sub_arity) arities.push_back(proof.shape.sub_arity);
    if (proof.shape.top_arity) arities.push_back(proof.shape.top_arity);
    return arities;
}

unsigned log2_nodes(const SealProof &proof)
{
    unsigned bits = 0;
    while ((uint64_t{1} << bits) < proof.nodes()) ++bits;
    return bits;
}

uint64_t poseidon_path_nodes(const std::vector<uint32_t> &arities)
{
    uint64_t n = 1; // the leaf
    for (uint32_t a : arities) n += a - 1;
    return n;
}

void put_u64(std::vector<uint8_t> &out, uint64_t v)
{
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_b32(std::vector<uint8_t> &out, const Bytes32 &b) { out.insert(out.end(), b.begin(), b.end()); }
void put_fr(std::vector<uint8_t> &out, const Fr &f) { put_b32(out, f.to_bytes()); }

Status put_poseidon(std::vector<uint8_t> &out, const PoseidonMerkleProof &p, const std::vector<uint32_t> &arities)
{
    if (p.path.size() != arities.size())
        return make_error(Errc::invalid_argument, "a Poseidon path has " + std::to_string(p.path.size()) +
                                                      " levels, the sector's trees " + std::to_string(arities.size()));
    put_fr(out, p.leaf);
    for (size_t i = 0; i < arities.size(); ++i) {
        if (p.path[i].siblings.size() + 1 != arities[i])
            return make_error(Errc::invalid_argument, "a Poseidon path level has the wrong arity");
        for (const Fr &s : p.path[i].siblings) put_fr(out, s);
    }
    return {};
}

Status put_column(std::vector<uint8_t> &out, const ColumnProof &c, const SealProof &proof,
                  const std::vector<uint32_t> &arities)
{
    if (c.labels.size() != proof.layers)
        return make_error(Errc::invalid_argument, "a column has " + std::to_string(c.labels.size()) + " labels, not " +
                                                      std::to_string(proof.layers));
    for (const Bytes32 &l : c.labels) put_b32(out, l);
    return put_poseidon(out, c.inclusion, arities);
}

// Reads fixed-size fields from one record.
class RecordReader {
public:
    explicit RecordReader(const uint8_t *p) : p_(p) {}
    uint64_t u64()
    {
        uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v |= uint64_t{p_[i]} << (8 * i);
        p_ += 8;
        return v;
    }
    Bytes32 b32()
    {
        Bytes32 b;
        std::memcpy(b.data(), p_, 32);
        p_ += 32;
        return b;
    }
    bool fr(Fr &out)
    {
        bool ok = Fr::try_from_bytes(p_, out);
        p_ += 32;
        return ok;
    }

private:
    const uint8_t *p_;
};

// A Poseidon path whose positions come from `node` (mixed radix, lowest level first).
bool read_poseidon(RecordReader &r, uint64_t node, const std::vector<uint32_t> &arities, const Fr &root,
                   PoseidonMerkleProof &out)
{
    if (!r.fr(out.leaf)) return false;
    out.root = root;
    out.path.clear();
    for (uint32_t arity : arities) {
        MerklePathElement e;
        e.index = static_cast<uint32_t>(node % arity);
        node /= arity;
        e.siblings.resize(arity - 1);
        for (auto &s : e.siblings)
            if (!r.fr(s)) return false;
        out.path.push_back(std::move(e));
    }
    return true;
}

bool read_column(RecordReader &r, uint64_t node, const SealProof &proof, const std::vector<uint32_t> &arities,
                 const Fr &root_c, ColumnProof &out)
{
    out.node = node;
    out.labels.resize(proof.layers);
    for (auto &l : out.labels) l = r.b32();
    return read_poseidon(r, node, arities, root_c, out.inclusion);
}

} // namespace

uint64_t synthetic_proof_record_bytes(const SealProof &proof)
{
    const auto arities = path_arities(proof);
    const uint64_t path_r = poseidon_path_nodes(arities);
    const uint64_t path_d = 1 + log2_nodes(proof);
    const uint64_t nodes = path_d + kMerkleChallenges * (proof.layers + path_r) + path_r;
    return 8 * kMerkleChallenges + 32 * nodes;
}

uint64_t synthetic_proofs_file_bytes(const SealProof &proof)
{
    return kSyntheticProofsHeaderBytes +
           default_synthetic_challenge_count(proof.nodes()) * synthetic_proof_record_bytes(proof);
}

std::vector<uint8_t> synthetic_proofs_header(const Bytes32 &comm_d, const Bytes32 &comm_c, const Bytes32 &comm_r_last)
{
    std::vector<uint8_t> out;
    put_b32(out, comm_d);
    put_b32(out, comm_c);
    put_b32(out, comm_r_last);
    return out;
}

Status append_synthetic_proof_record(std::vector<uint8_t> &out, const SealProof &proof, const ChallengeProof &p)
{
    const auto arities = path_arities(proof);
    if (p.parents.size() != kParentCount)
        return make_error(Errc::invalid_argument,
                          "a challenge proof needs " + std::to_string(kParentCount) + " parents");
    if (p.comm_d_proof.siblings.size() != log2_nodes(proof))
        return make_error(Errc::invalid_argument, "a tree_d path has the wrong length");
    const size_t start = out.size();
    put_u64(out, p.challenge);
    for (const auto &parent : p.parents) put_u64(out, parent.node);
    put_b32(out, p.comm_d_proof.leaf);
    for (const Bytes32 &s : p.comm_d_proof.siblings) put_b32(out, s);
    DMC_TRY_VOID(put_column(out, p.column, proof, arities));
    for (const auto &parent : p.parents) DMC_TRY_VOID(put_column(out, parent, proof, arities));
    DMC_TRY_VOID(put_poseidon(out, p.replica_proof, arities));
    if (out.size() - start != synthetic_proof_record_bytes(proof))
        return make_error(Errc::internal, "a synthetic proof record has the wrong size");
    return {};
}

Result<VanillaPorepProofs> read_synthetic_proofs(const SealProof &proof, const std::string &path,
                                                 const Bytes32 &replica_id, std::span<const uint64_t> indexes)
{
    MappedFile file;
    DMC_TRY_ASSIGN(file, MappedFile::open_read(path));
    const uint64_t record = synthetic_proof_record_bytes(proof);
    const uint64_t count = default_synthetic_challenge_count(proof.nodes());
    if (file.size() != synthetic_proofs_file_bytes(proof))
        return make_error(Errc::corrupt, path + " has " + std::to_string(file.size()) + " bytes, expected " +
                                             std::to_string(synthetic_proofs_file_bytes(proof)) + " for " + proof.name);
    file.advise_random();
    VanillaPorepProofs out;
    out.proof_id = proof.id;
    out.replica_id = replica_id;
    RecordReader header(file.data());
    header.b32(); // comm_d: the tree_d paths lead to it, checked by the verifier
    out.comm_c = header.b32();
    out.comm_r_last = header.b32();
    Fr root_c, root_r;
    if (!Fr::try_from_bytes(out.comm_c.data(), root_c) || !Fr::try_from_bytes(out.comm_r_last.data(), root_r))
        return make_error(Errc::corrupt, path + ": comm_c or comm_r_last is not a field element");
    const auto arities = path_arities(proof);
    const unsigned d_levels = log2_nodes(proof);
    for (uint64_t index : indexes) {
        if (index >= count)
            return make_error(Errc::invalid_argument, "synthetic proof " + std::to_string(index) + " of " +
                                                          std::to_string(count) + " requested");
        RecordReader r(file.data() + kSyntheticProofsHeaderBytes + index * record);
        ChallengeProof p;
        p.challenge = r.u64();
        std::vector<uint64_t> parents(kParentCount);
        for (auto &parent : parents) parent = r.u64();
        if (p.challenge >= proof.nodes() ||
            std::any_of(parents.begin(), parents.end(), [&](uint64_t v) { return v >= proof.nodes(); }))
            return make_error(Errc::corrupt,
                              path + ": record " + std::to_string(index) + " names a node outside the sector");
        p.comm_d_proof.index = p.challenge;
        p.comm_d_proof.leaf = r.b32();
        for (unsigned l = 0; l < d_levels; ++l) p.comm_d_proof.siblings.push_back(r.b32());
        bool ok = read_column(r, p.challenge, proof, arities, root_c, p.column);
        p.parents.resize(kParentCount);
        for (uint32_t k = 0; ok && k < kParentCount; ++k)
            ok = read_column(r, parents[k], proof, arities, root_c, p.parents[k]);
        ok = ok && read_poseidon(r, p.challenge, arities, root_r, p.replica_proof);
        if (!ok)
            return make_error(Errc::corrupt,
                              path + ": record " + std::to_string(index) + " holds a node that is not a field element");
        out.proofs.push_back(std::move(p));
    }
    return out;
}

Result<Bytes32> read_synthetic_proofs_comm_d(const std::string &path)
{
    MappedFile file;
    DMC_TRY_ASSIGN(file, MappedFile::open_read(path));
    if (file.size() < kSyntheticProofsHeaderBytes) return make_error(Errc::corrupt, path + " is too short");
    Bytes32 out;
    std::memcpy(out.data(), file.data(), 32);
    return out;
}

} // namespace dmc
