// SPDX-License-Identifier: Apache-2.0
#include "service/chain/base64.hpp"

#include <array>

namespace dmc::service::chain {

namespace {

constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr int8_t kNotBase64 = -1;

constexpr std::array<int8_t, 256> make_reverse_table()
{
    std::array<int8_t, 256> table{};
    for (auto &entry : table) entry = kNotBase64;
    for (int index = 0; index < 64; ++index)
        table[static_cast<uint8_t>(kBase64Alphabet[index])] = static_cast<int8_t>(index);
    return table;
}
constexpr auto kReverse = make_reverse_table();

Error bad_base64(const std::string &what) { return make_error(Errc::invalid_argument, "invalid base64: " + what); }

} // namespace

std::string base64_encode(std::span<const uint8_t> bytes)
{
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t pos = 0;
    for (; pos + 3 <= bytes.size(); pos += 3) {
        const uint32_t group = uint32_t(bytes[pos]) << 16 | uint32_t(bytes[pos + 1]) << 8 | bytes[pos + 2];
        for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kBase64Alphabet[(group >> shift) & 0x3f]);
    }
    const size_t rest = bytes.size() - pos;
    if (rest > 0) {
        uint32_t group = uint32_t(bytes[pos]) << 16;
        if (rest == 2) group |= uint32_t(bytes[pos + 1]) << 8;
        out.push_back(kBase64Alphabet[(group >> 18) & 0x3f]);
        out.push_back(kBase64Alphabet[(group >> 12) & 0x3f]);
        out.push_back(rest == 2 ? kBase64Alphabet[(group >> 6) & 0x3f] : '=');
        out.push_back('=');
    }
    return out;
}

Result<std::vector<uint8_t>> base64_decode(std::string_view text)
{
    if (text.size() % 4 != 0) return bad_base64("length " + std::to_string(text.size()) + " is not a multiple of 4");
    std::vector<uint8_t> out;
    out.reserve(text.size() / 4 * 3);
    for (size_t pos = 0; pos < text.size(); pos += 4) {
        const bool last_group = pos + 4 == text.size();
        uint32_t group = 0;
        int padding = 0;
        for (size_t offset = 0; offset < 4; ++offset) {
            const char symbol = text[pos + offset];
            if (symbol == '=') {
                // '=' may only fill the last one or two places of the last group.
                if (!last_group || offset < 2)
                    return bad_base64("'=' at position " + std::to_string(pos + offset) + " before the end");
                ++padding;
                group <<= 6;
                continue;
            }
            if (padding > 0) return bad_base64("character after '=' at position " + std::to_string(pos + offset));
            const int8_t value = kReverse[static_cast<uint8_t>(symbol)];
            if (value == kNotBase64)
                return bad_base64("character " + std::to_string(static_cast<unsigned>(static_cast<uint8_t>(symbol))) +
                                  " at position " + std::to_string(pos + offset) + " is not in the alphabet");
            group = group << 6 | static_cast<uint32_t>(value);
        }
        // Non-zero bits under the padding would decode to the same bytes as
        // another text: refuse, so one byte string has one encoding.
        if ((padding == 1 && (group & 0xff) != 0) || (padding == 2 && (group & 0xffff) != 0))
            return bad_base64("non-zero bits before the padding at position " + std::to_string(pos));
        out.push_back(static_cast<uint8_t>(group >> 16));
        if (padding < 2) out.push_back(static_cast<uint8_t>(group >> 8));
        if (padding < 1) out.push_back(static_cast<uint8_t>(group));
    }
    return out;
}

} // namespace dmc::service::chain
