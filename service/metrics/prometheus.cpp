// SPDX-License-Identifier: Apache-2.0
//
// Metric families and their text exposition (Prometheus format 0.0.4:
// https://prometheus.io/docs/instrumenting/exposition_formats/).
#include "service/metrics/prometheus.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <httplib.h>
#include <spdlog/spdlog.h>

namespace dmc::service::metrics {

namespace {

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
    case Kind::counter: return "counter";
    case Kind::gauge: return "gauge";
    case Kind::histogram: return "histogram";
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
    for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
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
        for (const auto &[id, h] : hooks_) hooks.push_back(h);
    }
    for (const auto &h : hooks) h();
    std::vector<const Family *> families;
    {
        std::lock_guard lock(mu_);
        for (const auto &f : families_) families.push_back(f.get());
    }
    std::string out;
    for (const auto *f : families) f->expose(out);
    return out;
}

Registry &global()
{
    // Never destroyed: threads of a daemon may still record while static
    // destructors run at exit.
    static Registry *registry = new Registry();
    return *registry;
}

// ------------------------------------------------------------ buckets

const std::vector<double> &duration_buckets()
{
    static const std::vector<double> buckets = {0.001, 0.005, 0.01, 0.05, 0.1,  0.5,  1,    5,     10,   30,
                                                60,    120,   300,  600,  1800, 3600, 7200, 14400, 28800};
    return buckets;
}

} // namespace dmc::service::metrics
