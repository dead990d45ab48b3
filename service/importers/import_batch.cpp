// SPDX-License-Identifier: Apache-2.0
#include "service/importers/import_batch.hpp"

#include "damocles/sdk/cid.hpp"

namespace dmc::service::importers {

namespace {

Status check_cid(const std::string &cid, CommitmentKind kind, const char *field)
{
    if (auto comm = cid_to_commitment(cid, kind); !comm) return comm.error().context(field);
    return {};
}

} // namespace

Status check_record_cids(const core::SectorRecord &record)
{
    DMC_TRY_VOID(check_cid(record.comm_d, CommitmentKind::unsealed, "comm_d"));
    DMC_TRY_VOID(check_cid(record.comm_r, CommitmentKind::sealed, "comm_r"));
    if (!record.snap) return {};
    if (record.snap->comm_d_new)
        DMC_TRY_VOID(check_cid(*record.snap->comm_d_new, CommitmentKind::unsealed, "comm_d_new"));
    if (record.snap->comm_r_new)
        DMC_TRY_VOID(check_cid(*record.snap->comm_r_new, CommitmentKind::sealed, "comm_r_new"));
    return {};
}

std::string update_proof_name(const SealProof &proof) { return std::string("StackedDrg") + proof.size_name + "V1"; }

} // namespace dmc::service::importers
