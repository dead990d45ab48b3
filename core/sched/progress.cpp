// SPDX-License-Identifier: Apache-2.0
//
// Progress aggregation. ETA = elapsed × (1 − p) / (p − p_resumed): the rate is
// measured on the work done in this run only, so a sector resumed after PC1
// does not claim PC1's weight as speed. A fused PC1 reports one fraction that
// counts for each of its sectors.
#include "damocles/core/internal/progress.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace dmc::core {

namespace {

using Clock = ProgressTracker::Clock;

std::chrono::seconds to_seconds(Clock::duration d)
{
    return std::chrono::duration_cast<std::chrono::seconds>(std::max(d, Clock::duration::zero()));
}

std::optional<std::chrono::seconds> estimate(double fraction, double base, std::chrono::seconds elapsed, bool finished)
{
    if (finished) return std::chrono::seconds(0);
    double measured = fraction - base;
    if (measured < 1e-3 || elapsed.count() <= 0) return std::nullopt;
    double rest = static_cast<double>(elapsed.count()) * (1.0 - fraction) / measured;
    return std::chrono::seconds(static_cast<int64_t>(std::llround(rest)));
}

} // namespace

ProgressTracker::ProgressTracker(const Dag &dag)
    : dag_(dag), vertices_(dag.vertex_count()), first_start_(dag.sectors.size())
{
}

void ProgressTracker::on_started(const Dag &, VertexId v, const VertexContext &) { started(v, Clock::now()); }
void ProgressTracker::on_progress(const Dag &, VertexId v, double fraction) { progress(v, fraction); }

void ProgressTracker::on_finished(const Dag &, VertexId v, const VertexResult &result)
{
    bool completed = result.outcome == VertexOutcome::ok || result.outcome == VertexOutcome::skipped_done;
    finished(v, completed, result.outcome == VertexOutcome::skipped_done, Clock::now());
}

void ProgressTracker::started(VertexId v, Clock::time_point now)
{
    std::lock_guard lock(mu_);
    if (v >= vertices_.size()) return;
    auto &st = vertices_[v];
    st.running = true;
    st.start_order = ++starts_;
    for (uint32_t s : dag_[v].sectors)
        if (s < first_start_.size() && !first_start_[s]) first_start_[s] = now;
}

void ProgressTracker::progress(VertexId v, double fraction)
{
    std::lock_guard lock(mu_);
    if (v >= vertices_.size() || std::isnan(fraction)) return;
    // Monotonic: a plugin restarting its count (e.g. per tree) must not make
    // the display go backwards.
    vertices_[v].fraction = std::max(vertices_[v].fraction, std::clamp(fraction, 0.0, 1.0));
}

void ProgressTracker::finished(VertexId v, bool completed, bool previously_done, Clock::time_point)
{
    std::lock_guard lock(mu_);
    if (v >= vertices_.size()) return;
    auto &st = vertices_[v];
    st.running = false;
    st.settled = true;
    st.previously_done = previously_done;
    if (completed) st.fraction = 1.0;
}

SectorProgress ProgressTracker::sector(uint32_t sector, Clock::time_point now) const
{
    std::lock_guard lock(mu_);
    return sector_locked(sector, now);
}

SectorProgress ProgressTracker::sector_locked(uint32_t sector, Clock::time_point now) const
{
    SectorProgress out;
    double total = 0, done = 0, base = 0;
    bool all_settled = true;
    const VertexState *heaviest = nullptr, *latest = nullptr;
    VertexId heaviest_v = 0, latest_v = 0;
    for (VertexId v : dag_.vertices_of_sector(sector)) {
        const auto &st = vertices_[v];
        double w = std::max(0.0, dag_[v].weight);
        total += w;
        done += w * st.fraction;
        if (st.previously_done) base += w;
        all_settled = all_settled && st.settled;
        if (st.running && (!heaviest || w > dag_[heaviest_v].weight)) heaviest = &st, heaviest_v = v;
        if (st.start_order && (!latest || st.start_order > latest->start_order)) latest = &st, latest_v = v;
    }
    out.finished = all_settled;
    out.fraction = total > 0 ? done / total : (all_settled ? 1.0 : 0.0);
    base = total > 0 ? base / total : 0.0;
    if (heaviest)
        out.stage = vertex_kind_name(dag_[heaviest_v].kind);
    else if (latest)
        out.stage = vertex_kind_name(dag_[latest_v].kind);
    if (sector < first_start_.size() && first_start_[sector]) out.elapsed = to_seconds(now - *first_start_[sector]);
    out.eta = estimate(out.fraction, base, out.elapsed, out.finished);
    return out;
}

SectorProgress ProgressTracker::batch(Clock::time_point now) const
{
    std::lock_guard lock(mu_);
    SectorProgress out;
    const size_t n = dag_.sectors.size();
    if (n == 0) return out;
    double fraction = 0, base = 0;
    bool all_finished = true;
    std::optional<Clock::time_point> first;
    for (uint32_t s = 0; s < n; ++s) {
        auto p = sector_locked(s, now);
        fraction += p.fraction;
        all_finished = all_finished && p.finished;
        if (first_start_[s] && (!first || *first_start_[s] < *first)) first = first_start_[s];
        double total = 0, b = 0;
        for (VertexId v : dag_.vertices_of_sector(s)) {
            total += std::max(0.0, dag_[v].weight);
            if (vertices_[v].previously_done) b += std::max(0.0, dag_[v].weight);
        }
        base += total > 0 ? b / total : 0.0;
    }
    std::set<VertexKind> running;
    for (VertexId v = 0; v < vertices_.size(); ++v)
        if (vertices_[v].running) running.insert(dag_[v].kind);
    for (VertexKind k : running) out.stage += (out.stage.empty() ? "" : ",") + std::string(vertex_kind_name(k));
    out.fraction = fraction / static_cast<double>(n);
    out.finished = all_finished;
    if (first) out.elapsed = to_seconds(now - *first);
    out.eta = estimate(out.fraction, base / static_cast<double>(n), out.elapsed, out.finished);
    return out;
}

std::string format_duration(std::chrono::seconds d)
{
    int64_t s = std::max<int64_t>(0, d.count());
    char buf[32];
    if (s < 60)
        std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
    else if (s < 3600)
        std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
    else
        std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600),
                      static_cast<long long>(s / 60 % 60));
    return buf;
}

std::string format_progress_line(const std::string &label, const SectorProgress &p, uint32_t bar_width)
{
    std::string line = label;
    if (bar_width > 0) {
        auto filled = static_cast<uint32_t>(std::floor(std::clamp(p.fraction, 0.0, 1.0) * bar_width));
        line += " [" + std::string(filled, '#') + std::string(bar_width - filled, '.') + "]";
    }
    char pct[16];
    std::snprintf(pct, sizeof pct, "%5.1f%%", std::clamp(p.fraction, 0.0, 1.0) * 100.0);
    line += std::string(" ") + pct;
    if (!p.stage.empty()) line += "  " + p.stage;
    line += "  " + format_duration(p.elapsed) + " elapsed";
    if (p.finished)
        line += ", done";
    else
        line += ", ETA " + (p.eta ? format_duration(*p.eta) : std::string("--"));
    return line;
}

} // namespace dmc::core
