// SPDX-License-Identifier: Apache-2.0
//
// A JSON value together with where it sits in a Lotus answer
// ("Pieces[1].Piece.PieceCID"), so that every decoder error names the field
// and what was wrong with it, in one line, without exceptions: Lotus output is
// network input, and a wrong type must be an error, never a crash.
//
// The readers follow Lotus' JSON encodings (Go encoding/json on Lotus types):
// integers as JSON numbers, big ints as decimal strings, []byte as standard
// base64 (null for a nil slice), CIDs as {"/": "<cid>"}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/result.hpp"
#include "service/chain/id_address.hpp"

namespace dmc::service::chain {

class JsonView {
public:
    // `value` must outlive the view and every view derived from it.
    JsonView(const nlohmann::json &value, std::string path) : value_(&value), path_(std::move(path)) {}

    const nlohmann::json &json() const { return *value_; }
    const std::string &path() const { return path_; }
    bool is_null() const { return value_->is_null(); }

    // A member that must be there (null allowed: readers decide).
    Result<JsonView> field(std::string_view name) const;
    // A member that may be missing or null: nullopt then. Not an object: error.
    Result<std::optional<JsonView>> optional_field(std::string_view name) const;
    bool has_field(std::string_view name) const;
    // Elements of an array; `null_is_empty` accepts null (a Go nil slice).
    Result<std::vector<JsonView>> elements(bool null_is_empty) const;

    Result<int64_t> as_int64() const;
    Result<uint64_t> as_uint64() const;
    Result<bool> as_bool() const;
    Result<std::string> as_string() const;
    // Decimal string of a Go big.Int ("0", "-12", "1000000000000000000").
    Result<std::string> as_big_int() const;
    // Standard base64 of a Go []byte; null reads as empty.
    Result<std::vector<uint8_t>> as_base64_bytes() const;
    // {"/": "<CIDv1, multibase base32>"}: the CID string, syntax checked.
    Result<std::string> as_cid() const;
    // A commitment CID of `kind` (CommD/CommP unsealed, CommR sealed).
    Result<Bytes32> as_commitment(CommitmentKind kind) const;
    Result<IdAddress> as_id_address() const;
    // A registered seal proof id (go-state-types abi.RegisteredSealProof).
    Result<uint64_t> as_seal_proof() const;

    // Errc::corrupt, "<path>: <what>".
    Error error(const std::string &what) const;

private:
    const nlohmann::json *value_;
    std::string path_;
};

// "object", "string", "number", ... for error messages.
std::string json_type_name(const nlohmann::json &value);

} // namespace dmc::service::chain
