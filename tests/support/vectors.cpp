// SPDX-License-Identifier: Apache-2.0
#include "vectors.hpp"

#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include "damocles/sdk/hex.hpp"

#ifndef DMC_SOURCE_ROOT
#error "DMC_SOURCE_ROOT must be defined by the build"
#endif

namespace dmc::test {

namespace {
std::mutex g_mutex;
std::map<std::string, json> g_files;
std::map<std::string, std::set<std::string>> g_used;
} // namespace

std::string vectors_dir()
{
    if (const char *d = std::getenv("DMC_VECTORS_DIR"); d && *d) return d;
    return std::string(DMC_SOURCE_ROOT) + "/tests/vectors";
}

const json &vector_file(const std::string &file)
{
    std::lock_guard lock(g_mutex);
    auto it = g_files.find(file);
    if (it != g_files.end()) return it->second;
    std::string path = vectors_dir() + "/" + file + ".json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open vector file " + path);
    json j = json::parse(in);
    return g_files.emplace(file, std::move(j)).first->second;
}

const json &use_vector(const std::string &file, const std::string &name)
{
    const json &f = vector_file(file);
    for (const auto &v : f.at("vectors")) {
        if (v.at("name") == name) {
            std::lock_guard lock(g_mutex);
            g_used[file].insert(name);
            return v;
        }
    }
    throw std::runtime_error("vector " + name + " not found in " + file + ".json");
}

std::vector<const json *> use_vectors_of_kind(const std::string &file, const std::string &kind)
{
    const json &f = vector_file(file);
    std::vector<const json *> out;
    std::lock_guard lock(g_mutex);
    for (const auto &v : f.at("vectors")) {
        if (v.at("kind") == kind) {
            out.push_back(&v);
            g_used[file].insert(v.at("name").get<std::string>());
        }
    }
    return out;
}

std::vector<std::string> unused_vectors(const std::string &file)
{
    const json &f = vector_file(file);
    std::lock_guard lock(g_mutex);
    std::vector<std::string> out;
    for (const auto &v : f.at("vectors")) {
        auto name = v.at("name").get<std::string>();
        if (!g_used[file].count(name)) out.push_back(name);
    }
    return out;
}

std::vector<uint8_t> hex_bytes(const std::string &s)
{
    auto r = dmc::from_hex(s);
    if (!r) throw std::runtime_error("bad hex in vector: " + r.error().message);
    return *r;
}

std::vector<uint8_t> hex_bytes(const json &j) { return hex_bytes(j.get<std::string>()); }

uint64_t as_u64(const json &v)
{
    if (v.is_string()) return std::stoull(v.get<std::string>());
    return v.get<uint64_t>();
}

} // namespace dmc::test
