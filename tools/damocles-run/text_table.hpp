// SPDX-License-Identifier: Apache-2.0
//
// Left-aligned columns separated by two spaces, like Go's tabwriter as
// damocles prints its tables.
#pragma once

#include <string>
#include <vector>

namespace dmc::cli {

class TextTable {
public:
    explicit TextTable(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    std::string str() const
    {
        std::vector<size_t> width;
        for (const auto &r : rows_)
            for (size_t i = 0; i < r.size(); ++i) {
                if (width.size() <= i) width.push_back(0);
                width[i] = std::max(width[i], r[i].size());
            }
        std::string out;
        for (const auto &r : rows_) {
            std::string line;
            for (size_t i = 0; i < r.size(); ++i) {
                line += r[i];
                if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
            }
            out += line + "\n";
        }
        return out;
    }

private:
    std::vector<std::vector<std::string>> rows_;
};

// Newlines, tabs, quotes and backslashes escaped (Rust escape_debug style).
inline std::string escape_debug(const std::string &s)
{
    std::string out;
    for (char c : s) {
        switch (c) {
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        default: out += c;
        }
    }
    return out;
}

} // namespace dmc::cli
