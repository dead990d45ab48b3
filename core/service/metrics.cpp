// SPDX-License-Identifier: Apache-2.0
//
// Metric families and their text exposition (Prometheus format 0.0.4:
// https://prometheus.io/docs/instrumenting/exposition_formats/), and the
// daemon glue of service/metrics.hpp (GET /metrics, instrumented method
// tables, HTTP status counts).
#include "service/metrics.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <httplib.h>
#include <spdlog/spdlog.h>

namespace dmc::core::metrics {

namespace {

int64_t steady_ns()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::string escape_help(std::string_view v)
{
    std::string out;
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

const char *kind_name(Kind k)
{
    switch (k) {
    case Kind::counter:
        return "counter";
    case Kind::gauge:
        return "gauge";
    case Kind::histogram:
        return "histogram";
    }
    return "untyped";
}

// `{a="x",b="y"}` (with an extra label appended when given), "" when empty.
std::string label_text(const std::vector<std::string> &names, const std::vector<std::string> &values,
                       std::string_view extra_name = {}, std::string_view extra_value = {})
{
    if (names.empty() && extra_name.empty()) return "";
    std::string out = "{";
    for (size_t i = 0; i < names.size(); ++i) {
        if (i) out += ',';
        out += names[i] + "=\"" + escape_label_value(values[i]) + "\"";
    }
    if (!extra_name.empty()) {
        if (!names.empty()) out += ',';
        out += std::string(extra_name) + "=\"" + escape_label_value(extra_value) + "\"";
    }
    return out + "}";
}

} // namespace

// ------------------------------------------------------------ text format

std::string format_value(double v)
{
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    // Integral values print without exponent or point (counters stay
    // readable and exact up to 2^53).
    if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.0f", v);
        return buf;
    }
    // The shortest text that reads back as the same double ("0.005", not
    // "0.0050000000000000001").
    char buf[40];
    for (int precision = 15; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    return buf;
}

std::string escape_label_value(std::string_view v)
{
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

bool valid_metric_name(std::string_view name)
{
    if (name.empty()) return false;
    for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

bool valid_label_name(std::string_view name)
{
    if (name.empty() || name.rfind("__", 0) == 0 || name == "le") return false;
    for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

// ------------------------------------------------------------ histogram

Histogram::Histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds))
{
    std::sort(bounds_.begin(), bounds_.end());
    bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
    if (!bounds_.empty() && std::isinf(bounds_.back())) bounds_.pop_back();
    buckets_ = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1);
    for (size_t i = 0; i <= bounds_.size(); ++i)
        buckets_[i].store(0);
}

void Histogram::observe(double v)
{
    // Bucket i counts observations <= bounds_[i] not counted by i-1; the
    // exposition accumulates them.
    size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(v, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const
{
    Snapshot s;
    uint64_t running = 0;
    for (size_t i = 0; i <= bounds_.size(); ++i) {
        running += buckets_[i].load(std::memory_order_relaxed);
        s.cumulative.push_back(running);
    }
    s.sum = sum_.load(std::memory_order_relaxed);
    // The +Inf bucket and _count must agree even while observe() races.
    s.count = running;
    return s;
}

// ------------------------------------------------------------ families

Family::Family(Kind kind, std::string name, std::string help, std::vector<std::string> label_names,
               std::vector<double> buckets)
    : kind_(kind), name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)),
      buckets_(std::move(buckets))
{
    if (!valid_metric_name(name_)) throw std::invalid_argument("invalid metric name: " + name_);
    for (const auto &l : label_names_)
        if (!valid_label_name(l)) throw std::invalid_argument("invalid label name " + l + " in " + name_);
}

Family::Series &Family::series(const std::vector<std::string> &values)
{
    if (values.size() != label_names_.size())
        throw std::invalid_argument(name_ + ": " + std::to_string(label_names_.size()) +
                                    " label values expected, got " + std::to_string(values.size()));
    std::lock_guard lock(mu_);
    auto &slot = series_[values];
    if (!slot) {
        slot = std::make_unique<Series>();
        if (kind_ == Kind::histogram) slot->histogram = std::make_unique<Histogram>(buckets_);
    }
    return *slot;
}

Counter &Family::counter(const std::vector<std::string> &values)
{
    if (kind_ != Kind::counter) throw std::invalid_argument(name_ + " is not a counter");
    return series(values).counter;
}

Gauge &Family::gauge(const std::vector<std::string> &values)
{
    if (kind_ != Kind::gauge) throw std::invalid_argument(name_ + " is not a gauge");
    return series(values).gauge;
}

Histogram &Family::histogram(const std::vector<std::string> &values)
{
    if (kind_ != Kind::histogram) throw std::invalid_argument(name_ + " is not a histogram");
    return *series(values).histogram;
}

void Family::clear()
{
    std::lock_guard lock(mu_);
    series_.clear();
}

void Family::expose(std::string &out) const
{
    out += "# HELP " + name_ + " " + escape_help(help_) + "\n";
    out += "# TYPE " + name_ + " " + kind_name(kind_) + "\n";
    std::lock_guard lock(mu_);
    for (const auto &[values, s] : series_) {
        switch (kind_) {
        case Kind::counter:
            out += name_ + label_text(label_names_, values) + " " + format_value(s->counter.value()) + "\n";
            break;
        case Kind::gauge:
            out += name_ + label_text(label_names_, values) + " " + format_value(s->gauge.value()) + "\n";
            break;
        case Kind::histogram: {
            auto snap = s->histogram->snapshot();
            const auto &bounds = s->histogram->upper_bounds();
            for (size_t i = 0; i <= bounds.size(); ++i) {
                std::string le = i < bounds.size() ? format_value(bounds[i]) : "+Inf";
                out += name_ + "_bucket" + label_text(label_names_, values, "le", le) + " " +
                       format_value(static_cast<double>(snap.cumulative[i])) + "\n";
            }
            out += name_ + "_sum" + label_text(label_names_, values) + " " + format_value(snap.sum) + "\n";
            out += name_ + "_count" + label_text(label_names_, values) + " " +
                   format_value(static_cast<double>(snap.count)) + "\n";
            break;
        }
        }
    }
}

// ------------------------------------------------------------ registry

ScrapeHook::~ScrapeHook()
{
    if (registry_) registry_->remove_hook(id_);
}

ScrapeHook &ScrapeHook::operator=(ScrapeHook &&o) noexcept
{
    if (this != &o) {
        if (registry_) registry_->remove_hook(id_);
        registry_ = o.registry_;
        id_ = o.id_;
        o.registry_ = nullptr;
    }
    return *this;
}

Family &Registry::add(Kind kind, const std::string &name, const std::string &help, std::vector<std::string> label_names,
                      std::vector<double> buckets)
{
    std::lock_guard lock(mu_);
    for (auto &f : families_) {
        if (f->name() != name) continue;
        if (f->kind() != kind) throw std::invalid_argument("metric " + name + " registered with another type");
        return *f;
    }
    families_.push_back(std::make_unique<Family>(kind, name, help, std::move(label_names), std::move(buckets)));
    return *families_.back();
}

Family &Registry::counter(const std::string &name, const std::string &help, std::vector<std::string> label_names)
{
    return add(Kind::counter, name, help, std::move(label_names), {});
}

Family &Registry::gauge(const std::string &name, const std::string &help, std::vector<std::string> label_names)
{
    return add(Kind::gauge, name, help, std::move(label_names), {});
}

Family &Registry::histogram(const std::string &name, const std::string &help, std::vector<std::string> label_names,
                            std::vector<double> buckets)
{
    return add(Kind::histogram, name, help, std::move(label_names), std::move(buckets));
}

ScrapeHook Registry::on_scrape(std::function<void()> hook)
{
    std::lock_guard lock(mu_);
    uint64_t id = next_hook_++;
    hooks_[id] = std::move(hook);
    return ScrapeHook(this, id);
}

void Registry::remove_hook(uint64_t id)
{
    // Waits for a scrape in progress: its hook may be using what the
    // owner of the ScrapeHook is about to destroy.
    std::lock_guard scrape(scrape_mu_);
    std::lock_guard lock(mu_);
    hooks_.erase(id);
}

std::string Registry::expose()
{
    std::lock_guard scrape(scrape_mu_);
    std::vector<std::function<void()>> hooks;
    {
        std::lock_guard lock(mu_);
        for (const auto &[id, h] : hooks_)
            hooks.push_back(h);
    }
    for (const auto &h : hooks)
        h();
    std::vector<const Family *> families;
    {
        std::lock_guard lock(mu_);
        for (const auto &f : families_)
            families.push_back(f.get());
    }
    std::string out;
    for (const auto *f : families)
        f->expose(out);
    return out;
}

Registry &global()
{
    // Never destroyed: threads of a daemon may still record while static
    // destructors run at exit.
    static Registry *registry = new Registry();
    return *registry;
}

// ------------------------------------------------------------ catalog

const std::vector<double> &duration_buckets()
{
    static const std::vector<double> buckets = {0.001, 0.005, 0.01, 0.05, 0.1,  0.5,  1,    5,     10,   30,
                                                60,    120,   300,  600,  1800, 3600, 7200, 14400, 28800};
    return buckets;
}

void observe_stage(std::string_view stage, double seconds, bool ok)
{
    static Family &f = global().histogram("dmc_stage_duration_seconds",
                                          "Duration of one run of a sealing stage (DAG vertex), by outcome",
                                          {"stage", "outcome"}, duration_buckets());
    f.histogram({std::string(stage), ok ? "ok" : "error"}).observe(seconds);
}

void count_rebuild(std::string_view outcome)
{
    static Family &f =
        global().counter("dmc_rebuilds_total",
                         "Rebuild tasks by outcome: finished, failed (permanent), retried (temporary)", {"outcome"});
    f.counter({std::string(outcome)}).inc();
}

void add_persisted_bytes(uint64_t bytes)
{
    static Family &f = global().counter("dmc_persisted_bytes_total", "Bytes of sector files written to persist stores");
    f.counter().inc(static_cast<double>(bytes));
}

void observe_rpc(std::string_view side, std::string_view method, double seconds, bool ok)
{
    static Family &calls = global().counter("dmc_rpc_requests_total", "JSON-RPC calls by method", {"side", "method"});
    static Family &errors = global().counter("dmc_rpc_errors_total", "JSON-RPC calls answered with an error, by method",
                                             {"side", "method"});
    static Family &durations = global().histogram("dmc_rpc_request_duration_seconds", "JSON-RPC call durations",
                                                  {"side", "method"}, duration_buckets());
    std::vector<std::string> labels = {std::string(side), std::string(method)};
    calls.counter(labels).inc();
    if (!ok) errors.counter(labels).inc();
    durations.histogram(labels).observe(seconds);
}

StageTimer::StageTimer(std::string_view stage) : stage_(stage), started_ns_(steady_ns()) {}

StageTimer::~StageTimer()
{
    observe_stage(stage_, static_cast<double>(steady_ns() - started_ns_) / 1e9, ok_);
}

// ------------------------------------------------------------ daemon glue

InstrumentedMethods::InstrumentedMethods(rpc::Dispatcher &table, std::string side)
    : table_(table), side_(std::move(side))
{
}

void InstrumentedMethods::add(const std::string &method, rpc::Handler handler)
{
    table_.add(method, [side = side_, method, handler = std::move(handler)](const rpc::json &params) {
        const int64_t started = steady_ns();
        auto seconds = [&] { return static_cast<double>(steady_ns() - started) / 1e9; };
        try {
            rpc::json result = handler(params);
            observe_rpc(side, method, seconds(), true);
            return result;
        } catch (...) {
            observe_rpc(side, method, seconds(), false);
            throw;
        }
    });
}

void mount(httplib::Server &server)
{
    server.Get("/metrics", [](const httplib::Request &, httplib::Response &res) {
        res.set_content(global().expose(), "text/plain; version=0.0.4; charset=utf-8");
    });
}

void count_http_responses(httplib::Server &server, std::string daemon)
{
    static Family &f = global().counter("dmc_http_responses_total",
                                        "HTTP responses by daemon and status (401: bad token, 413: body too large)",
                                        {"daemon", "code"});
    server.set_logger([daemon = std::move(daemon)](const httplib::Request &, const httplib::Response &res) {
        f.counter({daemon, std::to_string(res.status)}).inc();
    });
}

namespace {

std::vector<std::pair<std::string, double>> by_state(const ThreadCounts &c)
{
    return {{"total", c.threads},   {"empty", c.empty},     {"paused", c.paused},
            {"running", c.running}, {"waiting", c.waiting}, {"errors", c.errors}};
}

} // namespace

Endpoint::Endpoint() = default;

Endpoint::~Endpoint()
{
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
}

Status Endpoint::start(const std::string &listen)
{
    auto hp = rpc::parse_host_port(listen, 9000);
    if (!hp) return hp.error().context("[metrics] listen");
    server_ = std::make_unique<httplib::Server>();
    mount(*server_);
    int port = hp->second;
    if (port == 0)
        port = server_->bind_to_any_port(hp->first);
    else if (!server_->bind_to_port(hp->first, port))
        port = -1;
    if (port <= 0) return make_error(Errc::io, "cannot listen on " + listen + " for metrics (address in use?)");
    address_ = hp->first + ":" + std::to_string(port);
    thread_ = std::thread([server = server_.get()] { server->listen_after_bind(); });
    spdlog::info("metrics on http://{}/metrics", address_);
    return {};
}

ScrapeHook watch_registry(RegistryStore &registry)
{
    static Family &queue = global().gauge("dmc_rebuild_queue_length", "Sectors in the rebuild queue (leased or not)");
    static Family &leased =
        global().gauge("dmc_rebuild_queue_leased", "Queue entries leased to a worker whose lease has not expired");
    static Family &workers =
        global().gauge("dmc_manager_workers", "Workers known to the registry, by ping freshness", {"state"});
    static Family &threads = global().gauge(
        "dmc_manager_threads", "Sealing threads of alive workers by state, as their last ping reported", {"state"});
    static Family &up = global().gauge("dmc_registry_up", "1 when the registry answered the last scrape");
    return global().on_scrape([&registry] {
        const int64_t now =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        auto entries = registry.list_queue();
        auto known = registry.list_workers();
        up.gauge().set(entries.ok() && known.ok() ? 1 : 0);
        if (entries.ok()) {
            queue.gauge().set(static_cast<double>(entries->size()));
            size_t live = 0;
            for (const auto &q : *entries)
                live += !q.lease_worker.empty() && q.lease_expires >= now;
            leased.gauge().set(static_cast<double>(live));
        }
        if (known.ok()) {
            // A worker pings every 30 s by default: 2 min of silence is 4 missed pings.
            ThreadCounts sum;
            size_t alive = 0;
            for (const auto &w : *known) {
                if (now - w.last_ping > 120) continue;
                ++alive;
                sum.threads += w.threads;
                sum.empty += w.empty;
                sum.paused += w.paused;
                sum.running += w.running;
                sum.waiting += w.waiting;
                sum.errors += w.errors;
            }
            workers.gauge({"alive"}).set(static_cast<double>(alive));
            workers.gauge({"silent"}).set(static_cast<double>(known->size() - alive));
            for (const auto &[state, value] : by_state(sum))
                threads.gauge({state}).set(value);
        }
    });
}

void set_worker_threads(const ThreadCounts &c)
{
    static Family &threads = global().gauge("dmc_worker_threads", "Sealing threads of this worker by state", {"state"});
    for (const auto &[state, value] : by_state(c))
        threads.gauge({state}).set(value);
}

uint64_t persisted_bytes(const std::string &store_root, const std::string &sector_id, bool upgrade, bool with_replica)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    uint64_t total = 0;
    auto replica = fs::path(store_root) / (upgrade ? "update" : "sealed") / sector_id;
    if (auto n = fs::file_size(replica, ec); with_replica && !ec) total += n;
    auto cache = fs::path(store_root) / (upgrade ? "update-cache" : "cache") / sector_id;
    for (fs::directory_iterator it(cache, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code size_ec;
        if (auto n = it->file_size(size_ec); !size_ec && it->is_regular_file(size_ec)) total += n;
    }
    return total;
}

} // namespace dmc::core::metrics
