// SPDX-License-Identifier: Apache-2.0
#include "service/importers/import_batch.hpp"

namespace dmc::service::importers {

std::string update_proof_name(const SealProof &proof) { return std::string("StackedDrg") + proof.size_name + "V1"; }

} // namespace dmc::service::importers
