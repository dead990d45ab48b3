// SPDX-License-Identifier: Apache-2.0
//
// The avx512 plugin's stages use the sdk's entry-point support (the
// one-line error into call->error, Errc -> dmc_status, cancel flag and
// progress relay, no exception across the C boundary) under their own
// namespace's names.
#pragma once

#include "damocles/sdk/stage_support.hpp"

namespace dmc::avx512 {

using plugin::cancel_requested;
using plugin::ProgressRelay;
using plugin::run_stage;
using plugin::set_error;
using plugin::status_of;

} // namespace dmc::avx512
