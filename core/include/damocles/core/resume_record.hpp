// SPDX-License-Identifier: Apache-2.0
//
// The crash-safe record of one sector task (docs/architecture.md §6): identity,
// plan, damocles state name, completed DAG vertices, outputs so far, PC1
// layers done, attempts and last error. Binary on disk (cereal portable
// binary, framed and checksummed, written atomically), JSON for humans.
// File format and versioning rules: core/state/resume_record.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "damocles/core/dag_types.hpp"
#include "damocles/core/task_state.hpp"
#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc::core {

struct TaskOutputs {
    std::optional<Bytes32> replica_id, comm_d, comm_c, comm_r_last, comm_r;
    std::optional<Bytes32> comm_d_new, comm_r_last_new, comm_r_new; // snap
    bool operator==(const TaskOutputs &) const = default;
};

struct ResumeRecord {
    // Version 1: identity, plan, state, completed, outputs up to comm_r,
    // pc1_layers_done, attempts, last_error, created/updated. Version 2 adds
    // the snap outputs, numa_node, state_since_ms, progress and extra.
    static constexpr uint32_t kFormatVersion = 2;

    uint64_t miner = 0;
    uint64_t number = 0;
    uint64_t proof_id = 0;
    std::string sector_id; // s-t0<M>-<N>
    Plan plan = Plan::cc;
    TaskState state = TaskState::empty;
    std::set<VertexKind> completed;
    TaskOutputs outputs;
    uint32_t pc1_layers_done = 0;
    int32_t numa_node = -1; // OS index of the node PC1 ran on, -1 = none/unknown
    uint32_t attempts = 0;
    std::string last_error;
    int64_t created_ms = 0; // unix time, milliseconds
    int64_t updated_ms = 0;
    int64_t state_since_ms = 0;
    double progress = 0;                      // 0..1, last known
    std::map<std::string, std::string> extra; // free-form outputs (paths, store name, ...)

    // A fresh record for `spec` in state Allocated.
    static ResumeRecord for_sector(const SectorSpec &spec, int64_t now_ms);

    bool is_done(VertexKind kind) const { return completed.count(kind) != 0; }
    // Adds `kind` to the completed set and moves the state forward
    // (state_after); Aborted stays Aborted.
    void mark_done(VertexKind kind, int64_t now_ms);
    void set_state(TaskState s, int64_t now_ms);

    bool operator==(const ResumeRecord &) const = default;
};

int64_t unix_now_ms();
// "<sector_id>.task": the record's file name in its thread's location.
std::string resume_record_file_name(const std::string &sector_id);

// The whole file: header, cereal payload, checksum.
std::vector<uint8_t> encode_resume_record(const ResumeRecord &record);
// Errors: corrupt (bad magic, truncated, checksum, undecodable) or
// unsupported (written by a newer format version), each saying what to do.
Result<ResumeRecord> decode_resume_record(std::span<const uint8_t> file_bytes);
// Frames a cereal portable-binary payload as a record file (tools, and tests
// that build records of older versions by hand).
std::vector<uint8_t> frame_resume_record_payload(std::span<const uint8_t> payload);

// Atomic: temporary in the same directory, fsync, rename, directory fsync.
// On failure the previous file is untouched.
Status save_resume_record(const std::string &path, const ResumeRecord &record);
Result<ResumeRecord> load_resume_record(const std::string &path);

// Pretty JSON (cereal JSON archive): hashes as hex, plan/state/vertex kinds
// by name, the format version as "cereal_class_version".
std::string resume_record_to_json(const ResumeRecord &record);
Result<ResumeRecord> resume_record_from_json(std::string_view json);

} // namespace dmc::core
