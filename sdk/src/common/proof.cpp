// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/proof.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace dmc {

namespace {

struct SizeParams {
    const char *size_name;
    uint64_t sector_size;
    uint32_t layers;
    TreeShape shape;
    uint32_t partitions, challenges, ni_partitions, ni_challenges;
};

// docs/algorithms.md §1.3 (partitions x challenges per partition).
const SizeParams kSizes[] = {
    {"2KiB", 2048ull, 2, {8, 0, 0}, 1, 2, 13, 2},           {"8MiB", 8ull << 20, 2, {8, 0, 0}, 1, 2, 13, 2},
    {"512MiB", 512ull << 20, 2, {8, 0, 0}, 1, 2, 13, 2},    {"32GiB", 32ull << 30, 11, {8, 8, 0}, 10, 18, 126, 18},
    {"64GiB", 64ull << 30, 11, {8, 8, 2}, 10, 18, 126, 18},
};

std::vector<SealProof> build_table()
{
    static const char *const kFamilies[] = {"V1", "V1_1", "V1_1_Feat_SyntheticPoRep", "V1_2_Feat_NonInteractivePoRep"};
    static std::vector<std::string> names; // storage for name strings
    names.reserve(20);
    std::vector<SealProof> table;
    for (uint32_t f = 0; f < 4; ++f) {
        for (uint32_t s = 0; s < 5; ++s) {
            const SizeParams &p = kSizes[s];
            names.push_back(std::string("StackedDrg") + p.size_name + kFamilies[f]);
            SealProof sp{};
            sp.id = f * 5 + s;
            sp.name = names.back().c_str();
            sp.size_name = p.size_name;
            sp.sector_size = p.sector_size;
            sp.api_major = 1;
            sp.api_minor = f == 0 ? 0 : (f == 1 ? 1 : 2);
            sp.api_patch = 0;
            sp.feature = f == 2 ? ProofFeature::synthetic_porep
                                : (f == 3 ? ProofFeature::non_interactive_porep : ProofFeature::none);
            sp.layers = p.layers;
            sp.shape = p.shape;
            sp.partitions = p.partitions;
            sp.challenges_per_partition = p.challenges;
            sp.ni_partitions = p.ni_partitions;
            sp.ni_challenges_per_partition = p.ni_challenges;
            table.push_back(sp);
        }
    }
    return table;
}

std::string valid_names()
{
    std::string s;
    for (const auto &p : all_seal_proofs()) {
        if (!s.empty()) s += ", ";
        s += p.name;
        s += " (" + std::to_string(p.id) + ")";
    }
    return s;
}

} // namespace

Bytes32 SealProof::porep_id() const
{
    Bytes32 out{};
    for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(id >> (8 * i));
    return out;
}

std::string SealProof::api_version_string() const
{
    return std::to_string(api_major) + "." + std::to_string(api_minor) + "." + std::to_string(api_patch);
}

const std::vector<SealProof> &all_seal_proofs()
{
    static const std::vector<SealProof> table = build_table();
    return table;
}

Result<const SealProof *> find_seal_proof(uint64_t id)
{
    const auto &t = all_seal_proofs();
    if (id < t.size()) return &t[id];
    return make_error(Errc::invalid_argument,
                      "unknown seal proof id " + std::to_string(id) + "; valid proofs: " + valid_names());
}

Result<const SealProof *> find_seal_proof(std::string_view text)
{
    if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        uint64_t id = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
        if (ec == std::errc() && p == text.data() + text.size()) return find_seal_proof(id);
    }
    std::string name(text);
    // Go spells the NI-PoRep family "..._NiPoRep".
    if (auto pos = name.find("V1_2_Feat_NiPoRep"); pos != std::string::npos)
        name.replace(pos, std::strlen("V1_2_Feat_NiPoRep"), "V1_2_Feat_NonInteractivePoRep");
    for (const auto &p : all_seal_proofs())
        if (name == p.name) return &p;
    return make_error(Errc::invalid_argument,
                      "unknown seal proof '" + std::string(text) + "'; valid proofs: " + valid_names());
}

Result<uint64_t> parse_sector_size(std::string_view text)
{
    for (const auto &s : kSizes)
        if (text == s.size_name) return s.sector_size;
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc() && p == text.data() + text.size()) {
        for (const auto &s : kSizes)
            if (v == s.sector_size) return v;
    }
    return make_error(Errc::invalid_argument,
                      "invalid sector size '" + std::string(text) + "'; valid sizes: 2KiB, 8MiB, 512MiB, 32GiB, 64GiB");
}

std::string sector_size_name(uint64_t bytes)
{
    for (const auto &s : kSizes)
        if (bytes == s.sector_size) return s.size_name;
    return std::to_string(bytes);
}

} // namespace dmc
