// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/hex.hpp"

namespace dmc {

std::string to_hex(std::span<const uint8_t> bytes)
{
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.resize(bytes.size() * 2);
    for (size_t i = 0; i < bytes.size(); ++i) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    return out;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Result<std::vector<uint8_t>> from_hex(std::string_view hex)
{
    if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
    if (hex.size() % 2 != 0)
        return make_error(Errc::invalid_argument,
                          "hex string has an odd number of characters (" + std::to_string(hex.size()) + ")");
    std::vector<uint8_t> out(hex.size() / 2);
    for (size_t i = 0; i < out.size(); ++i) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            size_t pos = hi < 0 ? 2 * i : 2 * i + 1;
            return make_error(Errc::invalid_argument, "invalid hex character '" + std::string(1, hex[pos]) +
                                                          "' at position " + std::to_string(pos));
        }
        out[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return out;
}

Result<Bytes32> bytes32_from_hex(std::string_view hex)
{
    auto v = from_hex(hex);
    if (!v) return v.error();
    if (v->size() != 32)
        return make_error(Errc::invalid_argument,
                          "expected 32 bytes (64 hex characters), got " + std::to_string(v->size()) + " bytes");
    Bytes32 out;
    std::copy(v->begin(), v->end(), out.begin());
    return out;
}

} // namespace dmc
