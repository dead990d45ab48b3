// SPDX-License-Identifier: Apache-2.0
//
// `--sectors RANGE` of the importers (service/importers/sector_range.hpp).
#include <catch2/catch.hpp>

#include "service/importers/sector_range.hpp"

using dmc::service::importers::parse_sector_range;

TEST_CASE("sector range: numbers, ranges and lists, sorted without duplicates", "[service][importers]")
{
    CHECK(parse_sector_range("7").value() == std::vector<uint64_t>{7});
    CHECK(parse_sector_range("1-3").value() == std::vector<uint64_t>{1, 2, 3});
    CHECK(parse_sector_range("10,1-3,2").value() == std::vector<uint64_t>{1, 2, 3, 10});
    CHECK(parse_sector_range("0-0").value() == std::vector<uint64_t>{0});
}

TEST_CASE("sector range: malformed or huge ranges are one clear error", "[service][importers]")
{
    for (const char *bad : {"", "a", "1-", "-1", "3-1", "1,,2", "1,", "1-2-3", "1 - 2", "0x10"}) {
        INFO(bad);
        auto numbers = parse_sector_range(bad);
        REQUIRE_FALSE(numbers.ok());
        CHECK(numbers.error().message.find("range") != std::string::npos);
    }
    auto huge = parse_sector_range("1-100000000");
    REQUIRE_FALSE(huge.ok());
    CHECK(huge.error().message.find("more than") != std::string::npos);
}
