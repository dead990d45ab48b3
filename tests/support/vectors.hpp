// SPDX-License-Identifier: Apache-2.0
//
// Access to the upstream/real/derived vectors copied from ../shared/vectors
// into tests/vectors (never edited). Every vector must be used by some test:
// use_vector() records the use and the vector-tests runner fails the run if a
// vector of the loaded files was never used (unless a test filter was given).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dmc::test {

using json = nlohmann::json;

// Directory of the vector files (DMC_VECTORS_DIR overrides the source tree).
std::string vectors_dir();

// The whole file ("sdr" or "poseidon"), parsed once.
const json &vector_file(const std::string &file);

// One vector by name; marks it used. Throws std::runtime_error if missing.
const json &use_vector(const std::string &file, const std::string &name);

// All vectors of one kind; marks them used.
std::vector<const json *> use_vectors_of_kind(const std::string &file, const std::string &kind);

// Names of vectors in `file` that no test used so far.
std::vector<std::string> unused_vectors(const std::string &file);

// Hex string (json string) to bytes; throws on bad hex.
std::vector<uint8_t> hex_bytes(const json &hex_string);
std::vector<uint8_t> hex_bytes(const std::string &hex_string);
// Decimal-string-or-number to u64 (vectors write big u64 as strings).
uint64_t as_u64(const json &v);

} // namespace dmc::test
