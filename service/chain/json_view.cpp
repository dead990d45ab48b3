// SPDX-License-Identifier: Apache-2.0
#include "service/chain/json_view.hpp"

#include "damocles/sdk/proof.hpp"
#include "service/chain/base64.hpp"
#include "service/chain/lotus_encoding.hpp"

namespace dmc::service::chain {

using nlohmann::json;

std::string json_type_name(const json &value)
{
    switch (value.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a fractional number";
    case json::value_t::binary: return "binary";
    case json::value_t::discarded: return "nothing";
    }
    return "an unknown value";
}

Error JsonView::error(const std::string &what) const
{
    return make_error(Errc::corrupt, (path_.empty() ? std::string("result") : path_) + ": " + what);
}

namespace {

std::string child_path(const std::string &parent, std::string_view name)
{
    return parent.empty() ? std::string(name) : parent + "." + std::string(name);
}

} // namespace

Result<JsonView> JsonView::field(std::string_view name) const
{
    if (!value_->is_object()) return error("expected an object, got " + json_type_name(*value_));
    auto found = value_->find(name);
    if (found == value_->end()) return error("missing field \"" + std::string(name) + "\"");
    return JsonView(*found, child_path(path_, name));
}

Result<std::optional<JsonView>> JsonView::optional_field(std::string_view name) const
{
    if (!value_->is_object()) return error("expected an object, got " + json_type_name(*value_));
    auto found = value_->find(name);
    if (found == value_->end() || found->is_null()) return std::optional<JsonView>{};
    return std::optional<JsonView>{JsonView(*found, child_path(path_, name))};
}

bool JsonView::has_field(std::string_view name) const
{
    return value_->is_object() && value_->find(name) != value_->end();
}

Result<std::vector<JsonView>> JsonView::elements(bool null_is_empty) const
{
    std::vector<JsonView> out;
    if (value_->is_null() && null_is_empty) return out;
    if (!value_->is_array()) return error("expected an array, got " + json_type_name(*value_));
    out.reserve(value_->size());
    for (size_t index = 0; index < value_->size(); ++index)
        out.emplace_back((*value_)[index], (path_.empty() ? "result" : path_) + "[" + std::to_string(index) + "]");
    return out;
}

Result<int64_t> JsonView::as_int64() const
{
    if (value_->is_number_unsigned()) {
        const auto value = value_->get<uint64_t>();
        if (value > uint64_t(INT64_MAX)) return error("integer " + std::to_string(value) + " is out of range");
        return static_cast<int64_t>(value);
    }
    if (value_->is_number_integer()) return value_->get<int64_t>();
    return error("expected an integer, got " + json_type_name(*value_));
}

Result<uint64_t> JsonView::as_uint64() const
{
    if (value_->is_number_unsigned()) return value_->get<uint64_t>();
    // Parsed text gives non-negative numbers as unsigned, built JSON may not.
    if (value_->is_number_integer()) {
        const auto value = value_->get<int64_t>();
        if (value >= 0) return static_cast<uint64_t>(value);
        return error("expected a non-negative integer, got " + std::to_string(value));
    }
    return error("expected an integer, got " + json_type_name(*value_));
}

Result<bool> JsonView::as_bool() const
{
    if (!value_->is_boolean()) return error("expected true or false, got " + json_type_name(*value_));
    return value_->get<bool>();
}

Result<std::string> JsonView::as_string() const
{
    if (!value_->is_string()) return error("expected a string, got " + json_type_name(*value_));
    return value_->get<std::string>();
}

Result<std::string> JsonView::as_big_int() const
{
    if (!value_->is_string())
        return error("expected a big integer as a decimal string, got " + json_type_name(*value_));
    const auto &text = value_->get_ref<const std::string &>();
    if (!is_decimal_big_int(text)) return error(quoted_excerpt(text) + " is not a decimal integer");
    return text;
}

Result<std::vector<uint8_t>> JsonView::as_base64_bytes() const
{
    if (value_->is_null()) return std::vector<uint8_t>{};
    if (!value_->is_string()) return error("expected base64 bytes (a string), got " + json_type_name(*value_));
    auto bytes = base64_decode(value_->get_ref<const std::string &>());
    if (!bytes) return error(bytes.error().message);
    return bytes;
}

Result<std::string> JsonView::as_cid() const
{
    if (!value_->is_object() || value_->size() != 1 || !value_->contains("/"))
        return error("expected a CID object {\"/\": \"…\"}, got " +
                     (value_->is_object() ? std::string("an object with other keys") : json_type_name(*value_)));
    const auto &inner = (*value_)["/"];
    if (!inner.is_string()) return error("the CID under \"/\" is " + json_type_name(inner) + ", not a string");
    const auto &cid = inner.get_ref<const std::string &>();
    if (auto checked = check_cid_string(cid); !checked) return error(checked.error().message);
    return cid;
}

Result<Bytes32> JsonView::as_commitment(CommitmentKind kind) const
{
    DMC_TRY_ASSIGN(std::string cid, as_cid());
    auto comm = cid_to_commitment(cid, kind);
    if (!comm)
        return error(
            std::string(kind == CommitmentKind::sealed ? "not a sealed (CommR)" : "not an unsealed (CommD/CommP)") +
            " commitment CID: " + comm.error().message);
    return comm;
}

Result<IdAddress> JsonView::as_id_address() const
{
    DMC_TRY_ASSIGN(std::string text, as_string());
    auto address = parse_id_address(text);
    if (!address) return error(address.error().message);
    return address;
}

Result<uint64_t> JsonView::as_seal_proof() const
{
    DMC_TRY_ASSIGN(uint64_t id, as_uint64());
    if (!find_seal_proof(id)) return error("seal proof " + std::to_string(id) + " is not a registered seal proof");
    return id;
}

} // namespace dmc::service::chain
