// SPDX-License-Identifier: Apache-2.0
#include "service/worker/worker_config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <unistd.h>

#include <toml++/toml.h>

#include "damocles/sdk/file.hpp"
#include "damocles/sdk/proof.hpp"

namespace dmc::service {

namespace {

Error bad(const std::string &source, const std::string &what)
{
    return make_error(Errc::invalid_argument, source + ": " + what);
}

Error parse_failure(const std::string &source, const toml::parse_error &e)
{
    std::ostringstream os;
    os << source << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    return make_error(Errc::invalid_argument, os.str());
}

// sealing.* keys from `t` (a [sealing] table or the "sealing" sub-table of a
// thread/hot config) over `base`.
Result<SealingOptions> apply_sealing(const toml::table *t, const SealingOptions &base, const std::string &source,
                                     const std::string &prefix)
{
    SealingOptions s = base;
    if (!t) return s;
    for (const auto &[key, node] : *t) {
        const std::string k(key.str());
        const std::string where = prefix + k;
        if (k == "allowed_miners") {
            const auto *arr = node.as_array();
            if (!arr) return bad(source, where + " must be an array of miner ids");
            s.allowed_miners.clear();
            for (const auto &v : *arr) {
                auto i = v.value_exact<int64_t>();
                if (!i || *i < 0) return bad(source, where + " must contain miner ids");
                s.allowed_miners.push_back(static_cast<uint64_t>(*i));
            }
        } else if (k == "allowed_sizes") {
            const auto *arr = node.as_array();
            if (!arr) return bad(source, where + " must be an array of sizes");
            s.allowed_sizes.clear();
            for (const auto &v : *arr) {
                auto str = v.value<std::string>();
                if (!str) return bad(source, where + " must contain size strings");
                if (auto p = parse_sector_size(*str); !p)
                    return bad(source, "invalid size string " + *str + " in " + where);
                s.allowed_sizes.push_back(*str);
            }
        } else if (k == "max_retries" || k == "request_task_max_retries") {
            auto i = node.value_exact<int64_t>();
            if (!i || *i < 0 || *i > int64_t{UINT32_MAX}) return bad(source, where + " must be a non-negative integer");
            (k == "max_retries" ? s.max_retries : s.request_task_max_retries) = static_cast<uint32_t>(*i);
        } else if (k == "seal_interval" || k == "recover_interval" || k == "rpc_polling_interval") {
            auto str = node.value<std::string>();
            if (!str) return bad(source, where + " must be a duration string like \"30s\"");
            auto d = parse_duration(*str);
            if (!d) return bad(source, where + ": " + d.error().message);
            (k == "seal_interval"      ? s.seal_interval
             : k == "recover_interval" ? s.recover_interval
                                       : s.rpc_polling_interval) = *d;
        } else if (k == "piece_fetch_timeout") {
            auto str = node.value<std::string>();
            if (!str) return bad(source, where + " must be a duration string like \"30min\"");
            auto d = parse_duration(*str);
            if (!d) return bad(source, where + ": " + d.error().message);
            s.piece_fetch_timeout = *d;
        } else if (k == "enable_deals") {
            auto b = node.value<bool>();
            if (!b) return bad(source, where + " must be true or false");
            s.enable_deals = *b;
        } else if (k == "disable_cc" || k == "max_deals" || k == "min_deal_space" || k == "ignore_proof_check" ||
                   k == "verify_after_pc2") {
            // damocles keys the rebuild plan does not consult.
        } else {
            return bad(source, "unknown key " + where);
        }
    }
    return s;
}

// `batch` of a [[sealing_thread]] or of its hot config: sectors per lease
// round, all of one proof type (their PC1 fused into one plugin call).
Result<uint32_t> parse_batch(const toml::node &node, const std::string &source, const std::string &where)
{
    auto n = node.value_exact<int64_t>();
    if (!n || *n < 1 || *n > int64_t{kMaxThreadBatch})
        return bad(source, where + " must be an integer from 1 to " + std::to_string(kMaxThreadBatch) +
                               " (how many sectors of one proof type a thread rebuilds together)");
    return static_cast<uint32_t>(*n);
}

// One [[sealing_thread]] entry (index i), its sealing.* over `sealing`.
Result<SealingThreadConfig> parse_sealing_thread(const toml::node &entry, size_t i, const SealingOptions &sealing,
                                                 const std::string &source)
{
    const auto *t = entry.as_table();
    const std::string where = "sealing_thread[" + std::to_string(i) + "]";
    if (!t) return bad(source, where + " must be a table");
    SealingThreadConfig th;
    auto loc = (*t)["location"].value<std::string>();
    if (!loc || loc->empty()) return bad(source, where + ".location is required");
    th.location = std::filesystem::absolute(*loc).lexically_normal().string();
    th.plan = (*t)["plan"].value_or(std::string("sealer"));
    if (const auto *b = (*t)["batch"].node()) {
        DMC_TRY_ASSIGN(th.batch, parse_batch(*b, source, where + ".batch"));
    }
    if (const auto *o = (*t)["overlap"].node()) {
        auto flag = o->value_exact<bool>();
        if (!flag)
            return bad(source, where + ".overlap must be true or false (true: a companion thread labels the "
                                       "next batch while this one builds its trees)");
        th.overlap = *flag;
    }
    if (th.overlap && th.batch < 2)
        return bad(source, where + ".overlap = true needs batch = 2 or more (the two threads take turns per batch)");
    DMC_TRY_ASSIGN(th.sealing, apply_sealing((*t)["sealing"].as_table(), sealing, source, where + ".sealing."));
    return th;
}

// A file name from the config: relative ones are relative to the config
// file's directory.
std::string config_relative(const std::string &source, const std::string &name)
{
    std::filesystem::path path(name);
    if (path.is_absolute()) return path.lexically_normal().string();
    return (std::filesystem::absolute(source).parent_path() / path).lexically_normal().string();
}

Result<std::string> file_key(const toml::node *node, const std::string &source, const std::string &key)
{
    if (!node) return std::string();
    auto text = node->value<std::string>();
    if (!text || text->empty()) return bad(source, key + " must be a file name");
    return config_relative(source, *text);
}

std::string hostname()
{
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "damocles-worker";
    return buf;
}

} // namespace

Result<std::chrono::seconds> parse_duration(const std::string &text)
{
    const auto invalid = [&] {
        return make_error(Errc::invalid_argument, "invalid duration '" + text + "' (e.g. 30s, 1.5min, 1h)");
    };
    size_t i = 0, dots = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
        dots += text[i++] == '.';
    // from_chars never throws (stod did on "." and on 400 digits).
    double value = 0;
    if (i == 0 || dots > 1) return invalid();
    if (auto [end, ec] = std::from_chars(text.data(), text.data() + i, value);
        ec != std::errc() || end != text.data() + i)
        return invalid();
    std::string unit = text.substr(i);
    double seconds;
    if (unit == "ms")
        seconds = value / 1000.0;
    else if (unit == "s" || unit == "sec" || unit.empty())
        seconds = value;
    else if (unit == "m" || unit == "min")
        seconds = value * 60;
    else if (unit == "h")
        seconds = value * 3600;
    else
        return make_error(Errc::invalid_argument, "invalid duration unit in '" + text + "' (ms, s, min, h)");
    // A year is far beyond any interval or timeout here, and keeps the cast below defined.
    if (!(seconds <= 365.0 * 86400))
        return make_error(Errc::invalid_argument, "duration '" + text + "' is longer than a year");
    // Whole seconds, rounded up, and never 0: every duration here is an
    // interval or a timeout, and 0 would make a loop spin (ping, polling).
    if (!(seconds > 0)) return make_error(Errc::invalid_argument, "duration '" + text + "' must be longer than 0");
    return std::chrono::seconds(std::max<int64_t>(1, static_cast<int64_t>(std::ceil(seconds))));
}

Result<std::vector<uint64_t>> proof_ids_for_sizes(const std::vector<std::string> &sizes)
{
    std::vector<uint64_t> ids;
    for (const auto &s : sizes) {
        uint64_t bytes;
        DMC_TRY_ASSIGN(bytes, parse_sector_size(s));
        for (const auto &p : all_seal_proofs())
            if (p.sector_size == bytes) ids.push_back(p.id);
    }
    return ids;
}

Result<WorkerConfig> parse_worker_config(const std::string &text, const std::string &source)
{
    toml::table tbl;
    try {
        tbl = toml::parse(text, source);
    } catch (const toml::parse_error &e) {
        return parse_failure(source, e);
    }
    WorkerConfig c;
    c.name = hostname();
    if (const auto *w = tbl["worker"].as_table()) {
        c.name = (*w)["name"].value_or(c.name);
        if (auto rpc = (*w)["rpc_server"]["listen"].value<std::string>()) c.rpc_listen = *rpc;
        const auto rpc_server = (*w)["rpc_server"];
        DMC_TRY_ASSIGN(c.rpc_token_file,
                       file_key(rpc_server["token_file"].node(), source, "worker.rpc_server.token_file"));
        DMC_TRY_ASSIGN(c.rpc_tls.cert_file,
                       file_key(rpc_server["tls_cert"].node(), source, "worker.rpc_server.tls_cert"));
        DMC_TRY_ASSIGN(c.rpc_tls.key_file, file_key(rpc_server["tls_key"].node(), source, "worker.rpc_server.tls_key"));
        if (c.rpc_tls.cert_file.empty() != c.rpc_tls.key_file.empty())
            return bad(source, "[worker.rpc_server] needs both tls_cert and tls_key for https, or neither");
        for (const char *key : {"local_pieces_dirs", "local_pieces_dir"}) {
            if (const auto *arr = (*w)[key].as_array()) {
                for (const auto &v : *arr)
                    if (auto s = v.value<std::string>()) c.local_pieces_dirs.push_back(*s);
            } else if (auto s = (*w)[key].value<std::string>()) {
                c.local_pieces_dirs.push_back(*s);
            }
        }
        if (auto p = (*w)["ping_interval"].value<std::string>()) {
            DMC_TRY_ASSIGN(c.ping_interval, parse_duration(*p));
        }
    }
    if (const auto *r = tbl["sealer_rpc"].as_table()) {
        c.manager_url = (*r)["url"].value_or(std::string());
        c.manager_token = (*r)["token"].value_or(std::string());
        DMC_TRY_ASSIGN(c.manager_ca_file, file_key((*r)["ca_file"].node(), source, "sealer_rpc.ca_file"));
    }
    if (c.rpc_token_file.empty()) c.rpc_token_file = config_relative(source, "worker.token");
    if (c.manager_url.empty()) return bad(source, "[sealer_rpc] url is required (the damocles-manager address)");
    DMC_TRY_ASSIGN(c.sealing, apply_sealing(tbl["sealing"].as_table(), SealingOptions{}, source, "sealing."));
    if (const auto *threads = tbl["sealing_thread"].as_array()) {
        for (size_t i = 0; i < threads->size(); ++i) {
            SealingThreadConfig th;
            DMC_TRY_ASSIGN(th, parse_sealing_thread((*threads)[i], i, c.sealing, source));
            c.threads.push_back(std::move(th));
        }
    }
    if (const auto *lim = tbl["processors"]["limitation"]["concurrent"].as_table()) {
        for (const auto &[key, node] : *lim) {
            auto v = node.value_exact<int64_t>();
            if (!v || *v <= 0 || *v > int64_t{UINT32_MAX})
                return bad(source, "processors.limitation.concurrent." + std::string(key.str()) + " must be >= 1");
            c.concurrency[std::string(key.str())] = static_cast<uint32_t>(*v);
        }
    }
    c.parent_cache_dir = tbl["processors"]["parent_cache_dir"].value_or(std::string());
    if (const auto *att = tbl["attached"].as_array()) {
        for (size_t i = 0; i < att->size(); ++i) {
            const auto *t = (*att)[i].as_table();
            if (!t) return bad(source, "[[attached]] entries must be tables");
            AttachedStore s;
            auto loc = (*t)["location"].value<std::string>();
            if (!loc) return bad(source, "[[attached]] entry " + std::to_string(i) + " needs location");
            s.location = std::filesystem::absolute(*loc).lexically_normal().string();
            s.name = (*t)["name"].value_or(s.location);
            s.readonly = (*t)["readonly"].value_or(false);
            for (const auto &o : c.attached)
                if (o.name == s.name) return bad(source, "duplicate persist name " + s.name);
            c.attached.push_back(std::move(s));
        }
    }
    if (const auto *pl = tbl["plugins"].as_table())
        for (const auto &[key, node] : *pl)
            if (auto v = node.value<std::string>()) c.plugins[std::string(key.str())] = *v;
    c.metrics_listen = tbl["metrics"]["listen"].value_or(std::string());
    DMC_TRY_ASSIGN(c.metrics_token_file, file_key(tbl["metrics"]["token_file"].node(), source, "metrics.token_file"));
    return c;
}

SealingThreadConfig overlap_companion(const SealingThreadConfig &primary)
{
    SealingThreadConfig c = primary;
    c.location = (std::filesystem::path(primary.location) / "overlap").string();
    c.config_dir = primary.hot_config_dir();
    c.overlap = false;
    return c;
}

Result<WorkerConfig> load_worker_config(const std::string &path)
{
    auto text = read_text_file(path);
    if (!text) return text.error().context("cannot read worker config");
    return parse_worker_config(*text, path);
}

Result<HotConfig> parse_hot_config(const std::string &text, const std::string &source, const SealingOptions &base)
{
    toml::table tbl;
    try {
        tbl = toml::parse(text, source);
    } catch (const toml::parse_error &e) {
        return parse_failure(source, e);
    }
    HotConfig h;
    h.sealing = base;
    for (const auto &[key, node] : tbl) {
        const std::string k(key.str());
        if (k == "plan") {
            auto p = node.value<std::string>();
            if (!p) return bad(source, "plan must be a string");
            h.plan = *p;
        } else if (k == "batch") {
            DMC_TRY_ASSIGN(h.batch, parse_batch(node, source, "batch"));
        } else if (k == "sealing") {
            DMC_TRY_ASSIGN(h.sealing, apply_sealing(node.as_table(), base, source, "sealing."));
        } else if (k == "location") {
            return bad(source, "location cannot be changed by the hot config");
        } else {
            return bad(source, "unknown key " + k);
        }
    }
    return h;
}

} // namespace dmc::service
