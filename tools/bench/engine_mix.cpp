// SPDX-License-Identifier: Apache-2.0
#include "engine_mix.hpp"

#include <cmath>
#include <cstdio>

namespace dmc::cli::bench {

namespace {

constexpr double kTolerance = 1e-12;

struct Candidate {
    double ns = 0;
    const EngineCall *first = nullptr, *second = nullptr;
    double first_calls = 0, second_calls = 0;
};

std::string calls_text(const EngineCall &engine, double calls)
{
    char text[32];
    std::snprintf(text, sizeof text, "*%.4g", calls);
    return engine.name + text;
}

// One configuration alone: enough calls for both constraints.
std::optional<Candidate> alone(const EngineCall &e, double plain, double total)
{
    if (plain > kTolerance && e.plain <= 0) return std::nullopt;
    if (e.plain + e.replayed <= 0) return std::nullopt;
    double calls = total / (e.plain + e.replayed);
    if (plain > kTolerance) calls = std::max(calls, plain / e.plain);
    return Candidate{calls * e.ns, &e, nullptr, calls, 0};
}

// Two configurations with both constraints tight.
std::optional<Candidate> paired(const EngineCall &a, const EngineCall &b, double plain, double total)
{
    const double ta = a.plain + a.replayed, tb = b.plain + b.replayed;
    const double det = a.plain * tb - b.plain * ta;
    if (std::fabs(det) < kTolerance) return std::nullopt;
    const double xa = (plain * tb - b.plain * total) / det;
    const double xb = (a.plain * total - plain * ta) / det;
    if (xa < -kTolerance || xb < -kTolerance) return std::nullopt;
    return Candidate{std::max(0.0, xa) * a.ns + std::max(0.0, xb) * b.ns, &a, &b, xa, xb};
}

} // namespace

std::optional<EngineMix> cheapest_mix(const std::vector<EngineCall> &engines, double plain, double replayed)
{
    const double total = plain + replayed;
    std::optional<Candidate> best;
    auto consider = [&best](const std::optional<Candidate> &c) {
        if (c && (!best || c->ns < best->ns)) best = c;
    };
    for (size_t i = 0; i < engines.size(); ++i) {
        consider(alone(engines[i], plain, total));
        for (size_t j = i + 1; j < engines.size(); ++j) consider(paired(engines[i], engines[j], plain, total));
    }
    if (!best) return std::nullopt;
    EngineMix mix{best->ns, {}};
    if (best->first_calls > kTolerance) mix.basis = calls_text(*best->first, best->first_calls);
    if (best->second && best->second_calls > kTolerance)
        mix.basis += (mix.basis.empty() ? "" : ",") + calls_text(*best->second, best->second_calls);
    return mix;
}

} // namespace dmc::cli::bench
