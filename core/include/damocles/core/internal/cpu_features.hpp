// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

namespace dmc::core {

// DMC_CPU_* bits present on this CPU (cpuid + OS support for AVX state).
// DAMOCLES_CPU_MASK (hex) clears bits, e.g. to test a plugin's fallback.
uint64_t host_cpu_features();

// "sha_ni avx512f ..." for a DMC_CPU_* mask.
std::string cpu_feature_names(uint64_t mask);

} // namespace dmc::core
