// SPDX-License-Identifier: Apache-2.0
//
// Process metrics in the Prometheus text exposition format (version 0.0.4),
// written here because no Prometheus client library is packaged in Debian.
// Counters, gauges and histograms live in families (one metric name, fixed
// label names); a series is created on first use of its label values.
// Values are atomics, so recording on a hot path costs one map lookup under
// a family mutex plus an atomic add; gauges that mirror live state (queue
// length, thread states) are filled by scrape hooks just before exposition.
//
// The series this project records are declared in series.hpp; GET /metrics
// is served by endpoint.hpp.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "damocles/sdk/result.hpp"

namespace dmc::service::metrics {

class Counter {
public:
    void inc(double by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
    double value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

class Gauge {
public:
    void set(double v) { value_.store(v, std::memory_order_relaxed); }
    void add(double by) { value_.fetch_add(by, std::memory_order_relaxed); }
    double value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

class Histogram {
public:
    explicit Histogram(std::vector<double> upper_bounds);
    void observe(double v);
    // Cumulative counts per upper bound (the last is +Inf), sum, count.
    struct Snapshot {
        std::vector<uint64_t> cumulative;
        double sum = 0;
        uint64_t count = 0;
    };
    Snapshot snapshot() const;
    const std::vector<double> &upper_bounds() const { return bounds_; }

private:
    std::vector<double> bounds_;                       // sorted, without +Inf
    std::unique_ptr<std::atomic<uint64_t>[]> buckets_; // bounds_.size() + 1 (the +Inf bucket)
    std::atomic<double> sum_{0};
    std::atomic<uint64_t> count_{0};
};

enum class Kind { counter, gauge, histogram };

// One metric name with its label names; series keyed by label values.
class Family {
public:
    Family(Kind kind, std::string name, std::string help, std::vector<std::string> label_names,
           std::vector<double> buckets);
    Kind kind() const { return kind_; }
    const std::string &name() const { return name_; }

    // The series with these label values (as many as label names; a
    // mismatch is a programming error and throws std::invalid_argument).
    Counter &counter(const std::vector<std::string> &values = {});
    Gauge &gauge(const std::vector<std::string> &values = {});
    Histogram &histogram(const std::vector<std::string> &values = {});
    // Forgets every series (gauges that mirror a set which may shrink).
    void clear();

    void expose(std::string &out) const;

private:
    struct Series {
        Counter counter;
        Gauge gauge;
        std::unique_ptr<Histogram> histogram;
    };
    Series &series(const std::vector<std::string> &values);

    Kind kind_;
    std::string name_, help_;
    std::vector<std::string> label_names_;
    std::vector<double> buckets_;
    mutable std::mutex mu_;
    std::map<std::vector<std::string>, std::unique_ptr<Series>> series_;
};

class Registry;

// Unregisters its scrape hook when destroyed (hooks capture daemon state
// that dies before the process-wide registry).
class ScrapeHook {
public:
    ScrapeHook() = default;
    ScrapeHook(Registry *registry, uint64_t id) : registry_(registry), id_(id) {}
    ~ScrapeHook();
    ScrapeHook(ScrapeHook &&o) noexcept : registry_(o.registry_), id_(o.id_) { o.registry_ = nullptr; }
    ScrapeHook &operator=(ScrapeHook &&o) noexcept;
    ScrapeHook(const ScrapeHook &) = delete;
    ScrapeHook &operator=(const ScrapeHook &) = delete;

private:
    Registry *registry_ = nullptr;
    uint64_t id_ = 0;
};

class Registry {
public:
    // Registering a name again returns the same family (same kind and
    // labels required; otherwise std::invalid_argument).
    Family &counter(const std::string &name, const std::string &help, std::vector<std::string> label_names = {});
    Family &gauge(const std::string &name, const std::string &help, std::vector<std::string> label_names = {});
    Family &histogram(const std::string &name, const std::string &help, std::vector<std::string> label_names,
                      std::vector<double> buckets);
    [[nodiscard]] ScrapeHook on_scrape(std::function<void()> hook);
    // Runs the scrape hooks, then renders every family in registration order.
    std::string expose();

private:
    friend class ScrapeHook;
    Family &add(Kind kind, const std::string &name, const std::string &help, std::vector<std::string> label_names,
                std::vector<double> buckets);
    void remove_hook(uint64_t id);

    std::mutex mu_;
    std::vector<std::unique_ptr<Family>> families_;
    std::map<uint64_t, std::function<void()>> hooks_;
    uint64_t next_hook_ = 1;
    std::mutex scrape_mu_; // one scrape at a time: hooks reset gauges
};

// The process-wide registry (what GET /metrics serves).
Registry &global();

// Text-format helpers (exposed for tests).
std::string format_value(double v);                 // "1", "0.25", "+Inf", "NaN"
std::string escape_label_value(std::string_view v); // \\, \", \n
bool valid_metric_name(std::string_view name);
bool valid_label_name(std::string_view name);

// Duration buckets in seconds: a 2KiB stage takes milliseconds, a 32GiB
// PC1 hours, so they span 1 ms .. 8 h.
const std::vector<double> &duration_buckets();

} // namespace dmc::service::metrics
