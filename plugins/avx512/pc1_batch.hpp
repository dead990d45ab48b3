// SPDX-License-Identifier: Apache-2.0
//
// Batch PC1 of the avx512 plugin: the sectors of one call (one proof type,
// so one graph) labelled together, each worker thread taking a share of
// them with the engine chosen for it (pc1_batch_plan.hpp). A worker keeps
// its sectors' current and previous layers interleaved in two unnamed
// files of the first sector's cache directory (batch_layout.hpp,
// batch_scratch.hpp), mapped shared: the previous layer is read through
// that mapping, the current one is written into it node by node, and a
// helper thread copies finished nodes out to each sector's layer file in
// chunks (batch_layer_writer.hpp). Anonymous memory is a few tens of MiB
// whatever the batch; the layers are page cache.
//
// Files, layer_done checkpoints (after a layer file is durable, from the
// calling thread), progress, cancellation and first_layer resume behave as
// in the cpu stage: a sector resuming at layer l joins the batch at layer
// l, its layer l-1 read from its file into its slot of the previous layer.
#pragma once

#include <vector>

#include "pc1_batch_plan.hpp"
#include "pc1_common.hpp"

namespace dmc::avx512 {

Status run_pc1_batch(const Pc1Job &job, const std::vector<Pc1WorkerPlan> &workers);

} // namespace dmc::avx512
