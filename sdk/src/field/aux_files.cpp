// SPDX-License-Identifier: Apache-2.0
//
// p_aux / t_aux encoding (docs/file-formats.md §3, §3.2): bincode 1.x
// with its default options (little-endian, fixed-width u64 lengths, Option as
// a one-byte tag, PhantomData as nothing).
#include "damocles/sdk/aux_files.hpp"

#include <string>

#include "damocles/sdk/file.hpp"
#include "damocles/sdk/tree_files.hpp"

namespace dmc {

namespace {

void put_u64(std::vector<uint8_t> &out, uint64_t value)
{
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

void put_string(std::vector<uint8_t> &out, const std::string &text)
{
    put_u64(out, text.size());
    out.insert(out.end(), text.begin(), text.end());
}

void put_store_config(std::vector<uint8_t> &out, const StoreConfig &config)
{
    put_string(out, config.path);
    put_string(out, config.id);
    out.push_back(config.size ? 1 : 0);
    if (config.size) put_u64(out, *config.size);
    put_u64(out, config.rows_to_discard);
}

bool valid_utf8(const std::string &text)
{
    size_t i = 0;
    while (i < text.size()) {
        const auto byte = static_cast<unsigned char>(text[i]);
        size_t extra = 0;
        uint32_t code = 0;
        if (byte < 0x80) {
            ++i;
            continue;
        } else if ((byte & 0xe0) == 0xc0) {
            extra = 1, code = byte & 0x1f;
        } else if ((byte & 0xf0) == 0xe0) {
            extra = 2, code = byte & 0x0f;
        } else if ((byte & 0xf8) == 0xf0) {
            extra = 3, code = byte & 0x07;
        } else {
            return false;
        }
        if (i + extra >= text.size()) return false; // sequence cut short
        for (size_t k = 1; k <= extra; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xc0) != 0x80) return false;
            code = (code << 6) | (next & 0x3f);
        }
        static constexpr uint32_t kMinimum[4] = {0, 0x80, 0x800, 0x10000};
        if (code < kMinimum[extra] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
        i += extra + 1;
    }
    return true;
}

class BincodeReader {
public:
    explicit BincodeReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

    Result<uint64_t> u64(const char *what)
    {
        if (bytes_.size() - pos_ < 8) return truncated(what);
        uint64_t value = 0;
        for (int i = 7; i >= 0; --i) value = (value << 8) | bytes_[pos_ + i];
        pos_ += 8;
        return value;
    }

    Result<uint8_t> u8(const char *what)
    {
        if (pos_ >= bytes_.size()) return truncated(what);
        return bytes_[pos_++];
    }

    Result<std::string> string(const char *what)
    {
        DMC_TRY_ASSIGN(const uint64_t length, u64(what));
        if (length > bytes_.size() - pos_)
            return make_error(Errc::corrupt, std::string("t_aux: ") + what + " claims " + std::to_string(length) +
                                                 " bytes, only " + std::to_string(bytes_.size() - pos_) + " remain");
        std::string text(reinterpret_cast<const char *>(bytes_.data() + pos_), length);
        pos_ += length;
        if (!valid_utf8(text)) return make_error(Errc::corrupt, std::string("t_aux: ") + what + " is not UTF-8");
        return text;
    }

    Result<StoreConfig> store_config(const char *what)
    {
        StoreConfig config;
        DMC_TRY_ASSIGN(config.path, string(what));
        DMC_TRY_ASSIGN(config.id, string(what));
        DMC_TRY_ASSIGN(const uint8_t tag, u8(what));
        if (tag > 1)
            return make_error(Errc::corrupt, std::string("t_aux: ") + what + " has Option tag " + std::to_string(tag));
        if (tag == 1) {
            DMC_TRY_ASSIGN(config.size, u64(what));
        }
        DMC_TRY_ASSIGN(config.rows_to_discard, u64(what));
        return config;
    }

    size_t remaining() const { return bytes_.size() - pos_; }

private:
    std::span<const uint8_t> bytes_;
    size_t pos_ = 0;

    Error truncated(const char *what) const
    {
        return make_error(Errc::corrupt,
                          std::string("t_aux is truncated inside ") + what + " (at byte " + std::to_string(pos_) + ")");
    }
};

StoreConfig config(const std::string &dir, std::string id, uint64_t size, uint64_t rows_to_discard)
{
    return StoreConfig{dir, std::move(id), size, rows_to_discard};
}

} // namespace

std::vector<uint8_t> serialize_p_aux(const PAux &p_aux)
{
    std::vector<uint8_t> out(64);
    p_aux.comm_c.to_bytes(out.data());
    p_aux.comm_r_last.to_bytes(out.data() + 32);
    return out;
}

Result<PAux> parse_p_aux(std::span<const uint8_t> bytes)
{
    if (bytes.size() != 64)
        return make_error(Errc::corrupt,
                          "p_aux must be 64 bytes (comm_c || comm_r_last), got " + std::to_string(bytes.size()));
    PAux out;
    if (!Fr::try_from_bytes(bytes.data(), out.comm_c) || !Fr::try_from_bytes(bytes.data() + 32, out.comm_r_last))
        return make_error(Errc::corrupt, "p_aux holds a value that is not a canonical field element");
    return out;
}

std::vector<uint8_t> serialize_t_aux(const TAux &t_aux)
{
    std::vector<uint8_t> out;
    put_u64(out, t_aux.labels.size());
    for (const auto &label : t_aux.labels) put_store_config(out, label);
    put_store_config(out, t_aux.tree_d);
    put_store_config(out, t_aux.tree_r_last);
    put_store_config(out, t_aux.tree_c);
    return out;
}

Result<TAux> parse_t_aux(std::span<const uint8_t> bytes)
{
    BincodeReader reader(bytes);
    DMC_TRY_ASSIGN(const uint64_t count, reader.u64("the label count"));
    // Each StoreConfig takes at least 33 bytes: bounds a hostile count.
    if (count > reader.remaining() / 33)
        return make_error(Errc::corrupt, "t_aux claims " + std::to_string(count) + " label configs in " +
                                             std::to_string(bytes.size()) + " bytes");
    TAux out;
    for (uint64_t l = 0; l < count; ++l) {
        DMC_TRY_ASSIGN(StoreConfig label, reader.store_config("a label config"));
        out.labels.push_back(std::move(label));
    }
    DMC_TRY_ASSIGN(out.tree_d, reader.store_config("tree_d_config"));
    DMC_TRY_ASSIGN(out.tree_r_last, reader.store_config("tree_r_last_config"));
    DMC_TRY_ASSIGN(out.tree_c, reader.store_config("tree_c_config"));
    if (reader.remaining() != 0)
        return make_error(Errc::corrupt, "t_aux has " + std::to_string(reader.remaining()) + " trailing bytes");
    return out;
}

Result<TAux> make_t_aux(const std::string &cache_dir, uint32_t layers, uint64_t nodes, const TreeShape &shape,
                        uint64_t rows_to_discard)
{
    const uint32_t count = shape.base_tree_count();
    if (count == 0 || nodes % count != 0)
        return make_error(Errc::invalid_argument,
                          std::to_string(nodes) + " nodes do not split into " + std::to_string(count) + " base trees");
    DMC_TRY_ASSIGN(const BaseTreeGeometry base, BaseTreeGeometry::for_leaves(nodes / count));
    if (rows_to_discard + 1 > base.height)
        return make_error(Errc::invalid_argument, "rows_to_discard " + std::to_string(rows_to_discard) +
                                                      " leaves no cached row in a base tree of " +
                                                      std::to_string(base.rows()) + " rows");
    TAux out;
    for (uint32_t l = 1; l <= layers; ++l)
        out.labels.push_back(config(cache_dir, "layer-" + std::to_string(l), nodes, 0));
    out.tree_d = config(cache_dir, "tree-d", 2 * nodes - 1, 0);
    out.tree_r_last = config(cache_dir, "tree-r-last", base.total_nodes(), rows_to_discard);
    out.tree_c = config(cache_dir, "tree-c", base.total_nodes(), 0);
    return out;
}

Status write_p_aux(const std::string &cache_dir, const PAux &p_aux)
{
    return write_file_atomic(cache_dir + "/" + kPAuxFileName, serialize_p_aux(p_aux));
}

Result<PAux> read_p_aux(const std::string &cache_dir)
{
    const std::string path = cache_dir + "/" + kPAuxFileName;
    DMC_TRY_ASSIGN(const std::vector<uint8_t> bytes, read_file(path));
    auto parsed = parse_p_aux(bytes);
    if (!parsed) return parsed.error().context(path);
    return parsed;
}

Status write_t_aux(const std::string &cache_dir, const TAux &t_aux)
{
    return write_file_atomic(cache_dir + "/" + kTAuxFileName, serialize_t_aux(t_aux));
}

Result<TAux> read_t_aux(const std::string &cache_dir)
{
    const std::string path = cache_dir + "/" + kTAuxFileName;
    DMC_TRY_ASSIGN(const std::vector<uint8_t> bytes, read_file(path));
    auto parsed = parse_t_aux(bytes);
    if (!parsed) return parsed.error().context(path);
    return parsed;
}

} // namespace dmc
