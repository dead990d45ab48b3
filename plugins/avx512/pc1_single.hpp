// SPDX-License-Identifier: Apache-2.0
//
// The avx512 pc1 stage's path for sectors with a thread each: layers in
// anonymous huge-page buffers, SHA-NI chains (pc1_single.cpp).
#pragma once

#include "pc1_common.hpp"

namespace dmc::avx512 {

Status run_pc1_single(const Pc1Job &job);

} // namespace dmc::avx512
