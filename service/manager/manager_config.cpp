// SPDX-License-Identifier: Apache-2.0
#include "service/manager/manager_config.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <sstream>
#include <utility>

#include <toml++/toml.h>

#include "damocles/sdk/file.hpp"

namespace dmc::service {

using namespace dmc::core;

namespace {

Error bad(const std::string &source, const std::string &what)
{
    return make_error(Errc::invalid_argument, source + ": " + what);
}

Result<std::vector<uint64_t>> id_array(const toml::node_view<const toml::node> &node, const std::string &source,
                                       const std::string &key)
{
    std::vector<uint64_t> out;
    if (!node) return out;
    const auto *arr = node.as_array();
    if (!arr) return bad(source, key + " must be an array of miner ids");
    for (const auto &v : *arr) {
        auto i = v.value_exact<int64_t>();
        if (!i || *i < 0) return bad(source, key + " must contain non-negative integers");
        out.push_back(static_cast<uint64_t>(*i));
    }
    return out;
}

// A file name from the config: relative ones are relative to the home.
Result<std::string> file_key(const toml::node *node, const std::string &home, const std::string &source,
                             const std::string &key)
{
    if (!node) return std::string();
    auto text = node->value<std::string>();
    if (!text || text->empty()) return bad(source, key + " must be a file name");
    std::filesystem::path path(*text);
    return (path.is_absolute() ? path : std::filesystem::path(home) / path).lexically_normal().string();
}

Result<std::vector<uint64_t>> read_miners(const toml::table &tbl, const std::string &source)
{
    std::vector<uint64_t> miners;
    auto node = tbl["Miners"];
    if (!node) return miners;
    const auto *arr = node.as_array();
    if (!arr) return bad(source, "[[Miners]] must be an array of tables");
    for (const auto &m : *arr) {
        const auto *t = m.as_table();
        auto actor = t ? (*t)["Actor"].value_exact<int64_t>() : std::nullopt;
        if (!actor || *actor < 0) return bad(source, "every [[Miners]] entry needs Actor = <miner id>");
        miners.push_back(static_cast<uint64_t>(*actor));
    }
    return miners;
}

Result<std::vector<std::string>> read_piece_stores(toml::node_view<const toml::node> common, const std::string &source)
{
    std::vector<std::string> dirs;
    auto node = common["PieceStores"];
    if (!node) return dirs;
    const auto *arr = node.as_array();
    if (!arr) return bad(source, "Common.PieceStores must be an array of directories");
    for (const auto &v : *arr) {
        auto dir = v.value<std::string>();
        if (!dir || dir->empty()) return bad(source, "Common.PieceStores must contain directory names");
        dirs.push_back(*dir);
    }
    return dirs;
}

// One [[Common.PersistStores]] entry, damocles' keys.
Result<PersistStoreRecord> read_persist_store(const toml::node &entry, const std::string &source)
{
    const auto *t = entry.as_table();
    if (!t) return bad(source, "[[Common.PersistStores]] entries must be tables");
    PersistStoreRecord rec;
    auto path = (*t)["Path"].value<std::string>();
    if (!path || path->empty()) return bad(source, "every [[Common.PersistStores]] entry needs a non-empty Path");
    rec.path = *path;
    rec.name = (*t)["Name"].value_or(rec.path);
    const auto weight_node = (*t)["Weight"];
    const auto weight = weight_node ? weight_node.value_exact<int64_t>() : std::optional<int64_t>(1);
    if (!weight || *weight < 0 || *weight > int64_t{UINT32_MAX})
        return bad(source,
                   "[[Common.PersistStores]] Weight of " + rec.path + " must be an integer from 0 to 4294967295");
    rec.weight = *weight <= 0 ? 1u : static_cast<uint32_t>(*weight); // damocles: 0 counts as 1
    rec.read_only = (*t)["ReadOnly"].value_or(false);
    DMC_TRY_ASSIGN(rec.allow_miners, id_array((*t)["AllowMiners"], source, "AllowMiners"));
    DMC_TRY_ASSIGN(rec.deny_miners, id_array((*t)["DenyMiners"], source, "DenyMiners"));
    return rec;
}

Result<std::vector<PersistStoreRecord>> read_persist_stores(toml::node_view<const toml::node> common,
                                                            const std::string &source)
{
    std::vector<PersistStoreRecord> stores;
    auto node = common["PersistStores"];
    if (!node) return stores;
    const auto *arr = node.as_array();
    if (!arr) return bad(source, "[[Common.PersistStores]] must be an array of tables");
    for (const auto &entry : *arr) {
        PersistStoreRecord rec;
        DMC_TRY_ASSIGN(rec, read_persist_store(entry, source));
        for (const auto &other : stores)
            if (other.name == rec.name) return bad(source, "duplicate persist store name " + rec.name);
        stores.push_back(std::move(rec));
    }
    return stores;
}

// [registry], [rpc], [metrics], [worker_admin], [rebuild]: this project's
// own sections (docs/architecture.md §8.2).
Status read_service_sections(const toml::table &tbl, const std::string &home, const std::string &source,
                             ManagerConfig &cfg)
{
    if (auto url = tbl["registry"]["url"].value<std::string>()) {
        // SQLite would open "" as a private, empty database: the
        // registry would silently be empty (found by fuzz_manager_config).
        if (url->empty())
            return bad(source, "[registry] url is empty; remove it for <home>/registry.db or name the registry");
        cfg.registry_url = *url;
    }
    if (auto rpc = tbl["rpc"]; rpc) {
        if (!rpc.is_table()) return bad(source, "[rpc] must be a table");
        DMC_TRY_ASSIGN(cfg.rpc_tls.cert_file, file_key(rpc["tls_cert"].node(), home, source, "rpc.tls_cert"));
        DMC_TRY_ASSIGN(cfg.rpc_tls.key_file, file_key(rpc["tls_key"].node(), home, source, "rpc.tls_key"));
        if (cfg.rpc_tls.cert_file.empty() != cfg.rpc_tls.key_file.empty())
            return bad(source, "[rpc] needs both tls_cert and tls_key for https, or neither");
    }
    if (auto metrics = tbl["metrics"]; metrics) {
        if (!metrics.is_table()) return bad(source, "[metrics] must be a table");
        DMC_TRY_ASSIGN(cfg.metrics_token_file,
                       file_key(metrics["token_file"].node(), home, source, "metrics.token_file"));
    }
    if (auto admin = tbl["worker_admin"]; admin) {
        if (!admin.is_table()) return bad(source, "[worker_admin] must be a table");
        DMC_TRY_ASSIGN(cfg.worker_admin_token_file,
                       file_key(admin["token_file"].node(), home, source, "worker_admin.token_file"));
        DMC_TRY_ASSIGN(cfg.worker_admin_ca_file,
                       file_key(admin["ca_file"].node(), home, source, "worker_admin.ca_file"));
    }
    if (auto rb = tbl["rebuild"]; rb) {
        const auto node = rb["lease_seconds"];
        const auto lease = node ? node.value_exact<int64_t>() : std::optional<int64_t>(cfg.lease_seconds);
        if (!lease || *lease < 10 || *lease > 7 * 86400)
            return bad(source, "rebuild.lease_seconds must be an integer from 10 to 604800 (a week)");
        cfg.lease_seconds = *lease;
    }
    return {};
}

} // namespace

Result<ManagerConfig> parse_manager_config(const std::string &text, const std::string &home, const std::string &source)
{
    ManagerConfig cfg;
    cfg.home = home;
    cfg.registry_url = (std::filesystem::path(home) / "registry.db").string();
    toml::table tbl;
    try {
        tbl = toml::parse(text, source);
    } catch (const toml::parse_error &e) {
        std::ostringstream os;
        os << source << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
        return make_error(Errc::invalid_argument, os.str());
    }
    DMC_TRY_ASSIGN(cfg.miners, read_miners(tbl, source));
    const auto common = std::as_const(tbl)["Common"];
    DMC_TRY_ASSIGN(cfg.piece_stores, read_piece_stores(common, source));
    DMC_TRY_ASSIGN(cfg.persist_stores, read_persist_stores(common, source));
    DMC_TRY_VOID(read_service_sections(tbl, home, source, cfg));
    return cfg;
}

Result<ManagerConfig> load_manager_config(const std::string &home)
{
    const std::string path = (std::filesystem::path(home) / "config.toml").string();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return parse_manager_config("", home, path);
    auto text = read_text_file(path);
    if (!text) return text.error();
    return parse_manager_config(*text, home, path);
}

} // namespace dmc::service
