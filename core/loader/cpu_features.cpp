// SPDX-License-Identifier: Apache-2.0
#include "damocles/core/internal/cpu_features.hpp"

#include <cpuid.h>
#include <cstdlib>

#include "damocles/plugin.h"

namespace dmc::core {

namespace {

uint64_t xgetbv0()
{
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (static_cast<uint64_t>(edx) << 32) | eax;
}

uint64_t probe()
{
    uint32_t a, b, c, d;
    uint64_t mask = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const bool osxsave = c & (1u << 27);
    const uint64_t xcr0 = osxsave ? xgetbv0() : 0;
    const bool ymm_ok = (xcr0 & 0x6) == 0x6;
    const bool zmm_ok = ymm_ok && (xcr0 & 0xe0) == 0xe0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    if (b & (1u << 29)) mask |= DMC_CPU_SHA_NI;
    if ((b & (1u << 5)) && ymm_ok) mask |= DMC_CPU_AVX2;
    if (b & (1u << 19)) mask |= DMC_CPU_ADX;
    if (b & (1u << 8)) mask |= DMC_CPU_BMI2;
    if (zmm_ok) {
        if (b & (1u << 16)) mask |= DMC_CPU_AVX512F;
        if (b & (1u << 17)) mask |= DMC_CPU_AVX512DQ;
        if (b & (1u << 21)) mask |= DMC_CPU_AVX512IFMA;
        if (b & (1u << 28)) mask |= DMC_CPU_AVX512CD;
        if (b & (1u << 30)) mask |= DMC_CPU_AVX512BW;
        if (b & (1u << 31)) mask |= DMC_CPU_AVX512VL;
    }
    return mask;
}

} // namespace

uint64_t host_cpu_features()
{
    static const uint64_t features = probe();
    uint64_t mask = features;
    if (const char *m = std::getenv("DAMOCLES_CPU_MASK"); m && *m) mask &= ~std::strtoull(m, nullptr, 16);
    return mask;
}

std::string cpu_feature_names(uint64_t mask)
{
    static const struct {
        uint64_t bit;
        const char *name;
    } names[] = {
        {DMC_CPU_SHA_NI, "sha_ni"},     {DMC_CPU_AVX2, "avx2"},         {DMC_CPU_AVX512F, "avx512f"},
        {DMC_CPU_AVX512BW, "avx512bw"}, {DMC_CPU_AVX512VL, "avx512vl"}, {DMC_CPU_AVX512IFMA, "avx512ifma"},
        {DMC_CPU_ADX, "adx"},           {DMC_CPU_BMI2, "bmi2"},         {DMC_CPU_AVX512DQ, "avx512dq"},
        {DMC_CPU_AVX512CD, "avx512cd"},
    };
    std::string out;
    for (const auto &n : names) {
        if (mask & n.bit) {
            if (!out.empty()) out += ' ';
            out += n.name;
        }
    }
    uint64_t unknown = mask & ~DMC_CPU_KNOWN_MASK;
    if (unknown) {
        if (!out.empty()) out += ' ';
        out += "unknown-bits-0x";
        static const char hex[] = "0123456789abcdef";
        std::string h;
        for (; unknown; unknown >>= 4) h.insert(h.begin(), hex[unknown & 15]);
        out += h;
    }
    return out;
}

} // namespace dmc::core
