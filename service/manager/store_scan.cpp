// SPDX-License-Identifier: Apache-2.0
//
// Files in a persist store that no record of the store names
// (store_check.hpp): leftovers of a sector registered elsewhere, of one never
// imported, or foreign files. Reported for a person to inspect; never
// deleted.
#include <algorithm>
#include <charconv>
#include <filesystem>

#include "service/manager/store_check.hpp"

namespace dmc::service {

namespace {

namespace fs = std::filesystem;

// "s-t0<miner>-<number>" (damocles and lotus name every network t0).
std::optional<core::SectorKey> parse_sector_file_name(std::string_view name)
{
    constexpr std::string_view kPrefix = "s-t0";
    if (name.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
    name.remove_prefix(kPrefix.size());
    const size_t dash = name.find('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
    core::SectorKey key;
    auto read = [](std::string_view digits, uint64_t &out) {
        auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
        return error == std::errc() && end == digits.data() + digits.size();
    };
    if (!read(name.substr(0, dash), key.miner) || !read(name.substr(dash + 1), key.number)) return std::nullopt;
    return key;
}

} // namespace

std::vector<SectorFileCheck> find_unregistered_files(const std::string &store_root, const std::string &store_name,
                                                     const std::map<core::SectorKey, std::string> &registered,
                                                     const std::optional<uint64_t> &miner)
{
    std::vector<SectorFileCheck> out;
    for (const char *kind : {"sealed", "cache", "update", "update-cache", "unsealed"}) {
        std::error_code error;
        fs::directory_iterator entries(fs::path(store_root) / kind, error);
        if (error) continue; // the directory does not exist: nothing in it
        for (const auto &entry : entries) {
            const std::string name = entry.path().filename().string();
            // Hidden names are temporaries of a write in progress.
            if (name.empty() || name[0] == '.') continue;
            SectorFileCheck check;
            check.health = SectorHealth::unregistered;
            check.action = RepairAction::inspect;
            check.file = std::string(kind) + "/" + name;
            check.key = parse_sector_file_name(name);
            if (!check.key) {
                check.detail = "not named like a sector (s-t0<miner>-<number>)";
            } else {
                if (miner && check.key->miner != *miner) continue;
                auto found = registered.find(*check.key);
                if (found != registered.end() && found->second == store_name) continue;
                check.detail = found == registered.end()
                                   ? "no sector record names it"
                                   : "the sector is registered in store " +
                                         (found->second.empty() ? std::string("(none)") : found->second);
            }
            out.push_back(std::move(check));
        }
    }
    std::sort(out.begin(), out.end(),
              [](const SectorFileCheck &a, const SectorFileCheck &b) { return a.file < b.file; });
    return out;
}

} // namespace dmc::service
