// SPDX-License-Identifier: Apache-2.0
#include "service/importers/sector_range.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace dmc::service::importers {

namespace {

Result<uint64_t> parse_number(std::string_view text, std::string_view part)
{
    uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size())
        return make_error(Errc::invalid_argument,
                          "invalid sector range part '" + std::string(part) + "': want N or A-B (e.g. 1-10,15)");
    return value;
}

} // namespace

Result<std::vector<uint64_t>> parse_sector_range(std::string_view text)
{
    if (text.empty()) return make_error(Errc::invalid_argument, "empty sector range: want N or A-B (e.g. 1-10,15)");
    std::vector<uint64_t> numbers;
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        if (comma == std::string_view::npos) comma = text.size();
        const std::string_view part = text.substr(start, comma - start);
        const size_t dash = part.find('-');
        uint64_t first = 0, last = 0;
        DMC_TRY_ASSIGN(first, parse_number(part.substr(0, dash), part));
        last = first;
        if (dash != std::string_view::npos) {
            DMC_TRY_ASSIGN(last, parse_number(part.substr(dash + 1), part));
        }
        if (last < first)
            return make_error(Errc::invalid_argument,
                              "invalid sector range part '" + std::string(part) + "': the end is before the start");
        if (last - first >= kMaxRangeSectors || numbers.size() + (last - first) >= kMaxRangeSectors)
            return make_error(Errc::invalid_argument, "sector range " + std::string(text) + " names more than " +
                                                          std::to_string(kMaxRangeSectors) + " sectors");
        for (uint64_t number = first;; ++number) {
            numbers.push_back(number);
            if (number == last) break;
        }
        start = comma + 1;
    }
    std::sort(numbers.begin(), numbers.end());
    numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
    return numbers;
}

} // namespace dmc::service::importers
