// SPDX-License-Identifier: Apache-2.0
//
// Design note: resume record files
// ==============================
//
// File = 24-byte header | payload | SHA-256(payload):
//   "DMCTASK\0"  u32 LE framing version (1)  u32 LE reserved (0)  u64 LE payload length
// The payload is a cereal PortableBinaryArchive (fixed endianness, so a
// record moves between machines) holding one ResumeRecord. cereal writes the
// class version (CEREAL_CLASS_VERSION) before the fields; serialize() reads
// every version up to ResumeRecord::kFormatVersion and throws on a newer one,
// which decode turns into "written by a newer damocles-run". Fields are only
// ever appended, guarded by `if (version >= N)`, so older records load with
// defaults for what they lack. Nested values (hashes, enums, sets) are
// written inline by helpers, not as versioned classes of their own, so the
// one version number of the record describes the whole payload.
//
// The checksum makes corruption (a torn sector, a bit flip) an explicit
// error instead of a record that decodes to plausible garbage; with atomic
// replacement a crash leaves either the old or the new file, never a mix.
// The JSON form uses the same serialize() through cereal's JSON archive,
// with hashes as hex and enums as names, for humans and for `--json` dumps.
#include "damocles/core/resume_record.hpp"

#include <chrono>
#include <cstring>
#include <sstream>

#include <cereal/archives/json.hpp>
#include <cereal/archives/portable_binary.hpp>
#include <cereal/cereal.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include "damocles/sdk/file.hpp"
#include "damocles/sdk/sha254.hpp"

namespace dmc::core {

namespace {

struct VersionTooNew {
    uint32_t version;
};
struct BadValue {
    std::string what;
};

template <class Archive> constexpr bool kText = cereal::traits::is_text_archive<Archive>::value;
template <class Archive> constexpr bool kLoading = Archive::is_loading::value;

template <class Archive> void hash_field(Archive &ar, const char *name, std::optional<Bytes32> &h)
{
    if constexpr (kText<Archive>) {
        std::string hex = h ? to_hex(*h) : "";
        ar(cereal::make_nvp(name, hex));
        if constexpr (kLoading<Archive>) {
            if (hex.empty()) {
                h.reset();
            } else {
                auto b = bytes32_from_hex(hex);
                if (!b) throw BadValue{std::string(name) + ": " + b.error().message};
                h = *b;
            }
        }
    } else {
        bool present = h.has_value();
        ar(present);
        if constexpr (kLoading<Archive>) {
            if (present) {
                Bytes32 b{};
                ar(b);
                h = b;
            } else {
                h.reset();
            }
        } else if (present) {
            ar(*h);
        }
    }
}

// Enums: by name in text archives, as one byte in binary ones.
template <class Archive, class Enum, class NameOf, class FromName>
void enum_field(Archive &ar, const char *name, Enum &value, uint32_t count, NameOf name_of, FromName from_name)
{
    if constexpr (kText<Archive>) {
        std::string text = name_of(value);
        ar(cereal::make_nvp(name, text));
        if constexpr (kLoading<Archive>) {
            auto parsed = from_name(text);
            if (!parsed) throw BadValue{std::string(name) + ": " + parsed.error().message};
            value = *parsed;
        }
    } else {
        auto raw = static_cast<uint8_t>(value);
        ar(raw);
        if constexpr (kLoading<Archive>) {
            if (raw >= count) throw BadValue{std::string(name) + ": value " + std::to_string(raw) + " out of range"};
            value = static_cast<Enum>(raw);
        }
    }
}

template <class Archive> void completed_field(Archive &ar, std::set<VertexKind> &completed)
{
    if constexpr (kText<Archive>) {
        std::vector<std::string> names;
        for (VertexKind k : completed) names.push_back(vertex_kind_name(k));
        ar(cereal::make_nvp("completed", names));
        if constexpr (kLoading<Archive>) {
            completed.clear();
            for (const auto &n : names) {
                auto k = vertex_kind_from_name(n);
                if (!k) throw BadValue{"completed: " + k.error().message};
                completed.insert(*k);
            }
        }
    } else {
        std::vector<uint8_t> raw;
        for (VertexKind k : completed) raw.push_back(static_cast<uint8_t>(k));
        ar(raw);
        if constexpr (kLoading<Archive>) {
            completed.clear();
            for (uint8_t k : raw) {
                if (k >= kVertexKindCount) throw BadValue{"completed: vertex kind " + std::to_string(k) + " unknown"};
                completed.insert(static_cast<VertexKind>(k));
            }
        }
    }
}

void put_u32(std::vector<uint8_t> &out, uint32_t v)
{
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_u64(std::vector<uint8_t> &out, uint64_t v)
{
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint64_t get_le(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
    return v;
}

constexpr char kMagic[8] = {'D', 'M', 'C', 'T', 'A', 'S', 'K', '\0'};
constexpr uint32_t kFraming = 1;
constexpr size_t kHeaderSize = 24;
constexpr size_t kChecksumSize = 32;
const char *const kRestartHint = "; remove the file to restart the sector from scratch";

} // namespace

// Found by ADL from cereal; lives in this file only.
template <class Archive> void serialize(Archive &ar, ResumeRecord &r, const std::uint32_t version)
{
    if (version > ResumeRecord::kFormatVersion) throw VersionTooNew{version};
    ar(cereal::make_nvp("miner", r.miner), cereal::make_nvp("number", r.number),
       cereal::make_nvp("proof_id", r.proof_id), cereal::make_nvp("sector_id", r.sector_id));
    enum_field(ar, "plan", r.plan, 5, plan_name, plan_from_name);
    enum_field(ar, "state", r.state, kTaskStateCount, task_state_name, task_state_from_name);
    completed_field(ar, r.completed);
    hash_field(ar, "replica_id", r.outputs.replica_id);
    hash_field(ar, "comm_d", r.outputs.comm_d);
    hash_field(ar, "comm_c", r.outputs.comm_c);
    hash_field(ar, "comm_r_last", r.outputs.comm_r_last);
    hash_field(ar, "comm_r", r.outputs.comm_r);
    ar(cereal::make_nvp("pc1_layers_done", r.pc1_layers_done), cereal::make_nvp("attempts", r.attempts),
       cereal::make_nvp("last_error", r.last_error), cereal::make_nvp("created_ms", r.created_ms),
       cereal::make_nvp("updated_ms", r.updated_ms));
    if (version >= 2) {
        hash_field(ar, "comm_d_new", r.outputs.comm_d_new);
        hash_field(ar, "comm_r_last_new", r.outputs.comm_r_last_new);
        hash_field(ar, "comm_r_new", r.outputs.comm_r_new);
        ar(cereal::make_nvp("numa_node", r.numa_node), cereal::make_nvp("state_since_ms", r.state_since_ms),
           cereal::make_nvp("progress", r.progress), cereal::make_nvp("extra", r.extra));
    } else if constexpr (kLoading<Archive>) {
        r.state_since_ms = r.updated_ms;
    }
}

} // namespace dmc::core

CEREAL_CLASS_VERSION(dmc::core::ResumeRecord, dmc::core::ResumeRecord::kFormatVersion);

namespace dmc::core {

ResumeRecord ResumeRecord::for_sector(const SectorSpec &spec, int64_t now_ms)
{
    ResumeRecord r;
    r.miner = spec.miner;
    r.number = spec.number;
    r.proof_id = spec.proof_id;
    r.sector_id = spec.sector_id();
    r.plan = spec.plan;
    r.state = TaskState::allocated;
    r.created_ms = r.updated_ms = r.state_since_ms = now_ms;
    return r;
}

void ResumeRecord::mark_done(VertexKind kind, int64_t now_ms)
{
    completed.insert(kind);
    updated_ms = now_ms;
    if (state == TaskState::aborted) return;
    TaskState next = state_after(plan, completed);
    if (next != state) set_state(next, now_ms);
}

void ResumeRecord::set_state(TaskState s, int64_t now_ms)
{
    if (s != state) state_since_ms = now_ms;
    state = s;
    updated_ms = now_ms;
}

int64_t unix_now_ms()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string resume_record_file_name(const std::string &sector_id) { return sector_id + ".task"; }

std::vector<uint8_t> frame_resume_record_payload(std::span<const uint8_t> payload)
{
    std::vector<uint8_t> out(kMagic, kMagic + sizeof kMagic);
    put_u32(out, kFraming);
    put_u32(out, 0);
    put_u64(out, payload.size());
    out.insert(out.end(), payload.begin(), payload.end());
    Bytes32 sum = sha256(payload);
    out.insert(out.end(), sum.begin(), sum.end());
    return out;
}

std::vector<uint8_t> encode_resume_record(const ResumeRecord &record)
{
    std::ostringstream os(std::ios::binary);
    {
        cereal::PortableBinaryOutputArchive ar(os);
        ResumeRecord copy = record; // serialize() takes a mutable reference for both directions
        ar(copy);
    }
    std::string payload = os.str();
    return frame_resume_record_payload(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(payload.data()), payload.size()));
}

Result<ResumeRecord> decode_resume_record(std::span<const uint8_t> bytes)
{
    if (bytes.size() < kHeaderSize + kChecksumSize)
        return make_error(Errc::corrupt, "too short to be a resume record (" + std::to_string(bytes.size()) +
                                             " bytes)" + kRestartHint);
    if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
        return make_error(Errc::corrupt, std::string("not a damocles resume record (bad magic)") + kRestartHint);
    auto framing = static_cast<uint32_t>(get_le(bytes.data() + 8, 4));
    if (framing > kFraming)
        return make_error(Errc::unsupported, "resume record framing version " + std::to_string(framing) +
                                                 " is newer than this build reads (" + std::to_string(kFraming) +
                                                 "); upgrade damocles-run");
    uint64_t length = get_le(bytes.data() + 16, 8);
    if (length != bytes.size() - kHeaderSize - kChecksumSize)
        return make_error(Errc::corrupt, "truncated resume record: header says " + std::to_string(length) +
                                             " payload bytes, the file holds " +
                                             std::to_string(bytes.size() - kHeaderSize - kChecksumSize) + kRestartHint);
    auto payload = bytes.subspan(kHeaderSize, length);
    Bytes32 sum = sha256(payload);
    if (std::memcmp(sum.data(), bytes.data() + kHeaderSize + length, kChecksumSize) != 0)
        return make_error(Errc::corrupt,
                          std::string("resume record checksum mismatch (the file is damaged)") + kRestartHint);
    std::istringstream is(std::string(reinterpret_cast<const char *>(payload.data()), payload.size()),
                          std::ios::binary);
    ResumeRecord record;
    try {
        cereal::PortableBinaryInputArchive ar(is);
        ar(record);
    } catch (const VersionTooNew &v) {
        return make_error(Errc::unsupported, "resume record format version " + std::to_string(v.version) +
                                                 " was written by a newer damocles-run (this build reads up to " +
                                                 std::to_string(ResumeRecord::kFormatVersion) +
                                                 "); upgrade damocles-run");
    } catch (const BadValue &b) {
        return make_error(Errc::corrupt, "resume record holds an invalid " + b.what + kRestartHint);
    } catch (const std::exception &e) {
        return make_error(Errc::corrupt, std::string("cannot decode resume record: ") + e.what() + kRestartHint);
    }
    if (static_cast<uint64_t>(is.tellg()) != length)
        return make_error(Errc::corrupt, "resume record has " +
                                             std::to_string(length - static_cast<uint64_t>(is.tellg())) +
                                             " unexpected trailing bytes" + kRestartHint);
    return record;
}

Status save_resume_record(const std::string &path, const ResumeRecord &record)
{
    auto bytes = encode_resume_record(record);
    auto st = write_file_atomic(path, std::span<const uint8_t>(bytes));
    if (!st) return st.error().context("saving resume record of " + record.sector_id);
    return {};
}

Result<ResumeRecord> load_resume_record(const std::string &path)
{
    auto bytes = read_file(path);
    if (!bytes) return bytes.error().context("loading resume record");
    auto record = decode_resume_record(*bytes);
    if (!record) return record.error().context(path);
    return record;
}

std::string resume_record_to_json(const ResumeRecord &record)
{
    std::ostringstream os;
    {
        cereal::JSONOutputArchive ar(os);
        ResumeRecord copy = record;
        ar(cereal::make_nvp("task", copy));
    }
    return os.str() + "\n";
}

Result<ResumeRecord> resume_record_from_json(std::string_view json)
{
    std::istringstream is{std::string(json)};
    ResumeRecord record;
    try {
        cereal::JSONInputArchive ar(is);
        ar(cereal::make_nvp("task", record));
    } catch (const VersionTooNew &v) {
        return make_error(Errc::unsupported, "resume record format version " + std::to_string(v.version) +
                                                 " was written by a newer damocles-run (this build reads up to " +
                                                 std::to_string(ResumeRecord::kFormatVersion) + ")");
    } catch (const BadValue &b) {
        return make_error(Errc::invalid_argument, "resume record JSON holds an invalid " + b.what);
    } catch (const std::exception &e) {
        return make_error(Errc::invalid_argument, std::string("cannot parse resume record JSON: ") + e.what());
    }
    return record;
}

} // namespace dmc::core
