// SPDX-License-Identifier: Apache-2.0
#include "damocles/core/internal/sector_json.hpp"

#include <set>

#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/ids.hpp"
#include "damocles/sdk/proof.hpp"

namespace dmc::core {

using nlohmann::json;

namespace {

Error bad(const std::string &where, const std::string &what)
{
    return make_error(Errc::invalid_argument, where + ": " + what);
}

Status check_keys(const json &obj, const std::string &where, std::initializer_list<const char *> allowed)
{
    if (!obj.is_object()) return bad(where, "must be an object");
    std::set<std::string> ok(allowed.begin(), allowed.end());
    for (auto it = obj.begin(); it != obj.end(); ++it)
        if (!ok.count(it.key())) return bad(where, "unknown key '" + it.key() + "'");
    return {};
}

Result<uint64_t> get_u64(const json &obj, const char *key, const std::string &where, bool required = true,
                         uint64_t fallback = 0)
{
    if (!obj.contains(key) || obj[key].is_null()) {
        if (required) return bad(where, std::string("missing '") + key + "'");
        return fallback;
    }
    const json &v = obj[key];
    if (v.is_number_unsigned()) return v.get<uint64_t>();
    if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
    return bad(where, std::string("'") + key + "' must be a non-negative integer");
}

Result<std::string> get_cid(const json &obj, const char *key, const std::string &where, CommitmentKind kind)
{
    if (!obj.contains(key) || !obj[key].is_string())
        return bad(where, std::string("missing '") + key + "' (a CID string)");
    std::string cid = obj[key];
    auto c = cid_to_commitment(cid, kind);
    if (!c) return bad(where + "." + key, c.error().message);
    return cid;
}

Result<std::optional<Bytes32>> get_opt_hex32(const json &obj, const char *key, const std::string &where)
{
    if (!obj.contains(key) || obj[key].is_null()) return std::optional<Bytes32>{};
    if (!obj[key].is_string()) return bad(where, std::string("'") + key + "' must be a hex string");
    auto b = bytes32_from_hex(obj[key].get<std::string>());
    if (!b) return bad(where + "." + key, b.error().message);
    return std::optional<Bytes32>(*b);
}

Result<std::vector<PieceRecord>> parse_pieces(const json &obj, const std::string &where, uint64_t sector_size)
{
    std::vector<PieceRecord> out;
    if (!obj.contains("pieces") || obj["pieces"].is_null()) return out;
    if (!obj["pieces"].is_array()) return bad(where, "'pieces' must be an array");
    uint64_t end_of_last = 0;
    for (size_t i = 0; i < obj["pieces"].size(); ++i) {
        const json &p = obj["pieces"][i];
        std::string w = where + ".pieces[" + std::to_string(i) + "]";
        DMC_TRY_VOID(check_keys(p, w, {"cid", "size", "offset", "deal_id", "source"}));
        PieceRecord r;
        DMC_TRY_ASSIGN(r.cid, get_cid(p, "cid", w, CommitmentKind::unsealed));
        DMC_TRY_ASSIGN(r.size, get_u64(p, "size", w));
        DMC_TRY_ASSIGN(r.offset, get_u64(p, "offset", w, false, end_of_last));
        if (r.size < 128 || (r.size & (r.size - 1)) != 0)
            return bad(w, "size " + std::to_string(r.size) + " is not a padded piece size (a power of two >= 128)");
        if (r.offset % r.size != 0)
            return bad(w, "offset " + std::to_string(r.offset) + " is not aligned to the piece size");
        if (r.offset < end_of_last) return bad(w, "pieces overlap or are not in offset order");
        if (r.offset + r.size > sector_size)
            return bad(w, "piece ends at " + std::to_string(r.offset + r.size) + ", beyond the sector size " +
                              std::to_string(sector_size));
        end_of_last = r.offset + r.size;
        if (p.contains("deal_id") && !p["deal_id"].is_null()) {
            uint64_t d;
            DMC_TRY_ASSIGN(d, get_u64(p, "deal_id", w));
            r.deal_id = d;
        }
        if (p.contains("source") && !p["source"].is_null()) {
            if (!p["source"].is_string()) return bad(w, "'source' must be a string or null");
            std::string s = p["source"];
            if (s.rfind("file://", 0) != 0 && s.rfind("http://", 0) != 0 && s.rfind("https://", 0) != 0)
                return bad(w, "source '" + s + "' must start with file://, http:// or https://");
            r.source = s;
        }
        out.push_back(std::move(r));
    }
    return out;
}

} // namespace

Result<SectorRecord> parse_sector_object(const json &obj, const std::string &where)
{
    DMC_TRY_VOID(check_keys(obj, where,
                            {"miner", "number", "proof", "ticket", "ticket_epoch", "comm_d", "comm_r", "comm_c",
                             "comm_r_last", "pieces", "store", "snap", "unsealed"}));
    SectorRecord r;
    if (!obj.contains("miner")) return bad(where, "missing 'miner'");
    if (obj["miner"].is_string()) {
        auto m = parse_miner_id(obj["miner"].get<std::string>());
        if (!m) return bad(where + ".miner", m.error().message);
        r.key.miner = *m;
    } else {
        DMC_TRY_ASSIGN(r.key.miner, get_u64(obj, "miner", where));
    }
    DMC_TRY_ASSIGN(r.key.number, get_u64(obj, "number", where));
    const std::string id = where + " " + sector_id_string(r.key);
    if (!obj.contains("proof")) return bad(id, "missing 'proof'");
    const SealProof *proof = nullptr;
    if (obj["proof"].is_string()) {
        DMC_TRY_ASSIGN(proof, find_seal_proof(obj["proof"].get<std::string_view>()));
    } else if (obj["proof"].is_number_unsigned()) {
        DMC_TRY_ASSIGN(proof, find_seal_proof(obj["proof"].get<uint64_t>()));
    } else {
        return bad(id, "'proof' must be a registered seal proof name or id");
    }
    r.proof_id = proof->id;
    if (obj.contains("ticket") && !obj["ticket"].is_null()) {
        if (!obj["ticket"].is_string()) return bad(id, "'ticket' must be 64 hex characters");
        auto t = bytes32_from_hex(obj["ticket"].get<std::string>());
        if (!t) return bad(id + ".ticket", t.error().message);
        r.ticket = *t;
    }
    if (obj.contains("ticket_epoch") && !obj["ticket_epoch"].is_null()) {
        if (!obj["ticket_epoch"].is_number_integer()) return bad(id, "'ticket_epoch' must be an integer");
        r.ticket_epoch = obj["ticket_epoch"].get<int64_t>();
    }
    DMC_TRY_ASSIGN(r.comm_d, get_cid(obj, "comm_d", id, CommitmentKind::unsealed));
    DMC_TRY_ASSIGN(r.comm_r, get_cid(obj, "comm_r", id, CommitmentKind::sealed));
    DMC_TRY_ASSIGN(r.comm_c, get_opt_hex32(obj, "comm_c", id));
    DMC_TRY_ASSIGN(r.comm_r_last, get_opt_hex32(obj, "comm_r_last", id));
    if (r.comm_c.has_value() != r.comm_r_last.has_value()) return bad(id, "'comm_c' and 'comm_r_last' come together");
    DMC_TRY_ASSIGN(r.pieces, parse_pieces(obj, id, proof->sector_size));
    if (obj.contains("store") && !obj["store"].is_null()) {
        if (!obj["store"].is_string()) return bad(id, "'store' must be a string");
        r.store = obj["store"];
    }
    if (obj.contains("unsealed") && !obj["unsealed"].is_null()) {
        if (!obj["unsealed"].is_boolean()) return bad(id, "'unsealed' must be true or false");
        r.keep_unsealed = obj["unsealed"].get<bool>();
    }
    if (obj.contains("snap") && !obj["snap"].is_null()) {
        const json &s = obj["snap"];
        std::string w = id + ".snap";
        DMC_TRY_VOID(check_keys(s, w, {"proof", "comm_d_new", "comm_r_new", "pieces"}));
        SnapRecord snap;
        if (!s.contains("proof") || !s["proof"].is_string()) return bad(w, "missing 'proof' (the update proof name)");
        snap.proof = s["proof"];
        if (s.contains("comm_d_new") && !s["comm_d_new"].is_null()) {
            std::string c;
            DMC_TRY_ASSIGN(c, get_cid(s, "comm_d_new", w, CommitmentKind::unsealed));
            snap.comm_d_new = c;
        }
        if (s.contains("comm_r_new") && !s["comm_r_new"].is_null()) {
            std::string c;
            DMC_TRY_ASSIGN(c, get_cid(s, "comm_r_new", w, CommitmentKind::sealed));
            snap.comm_r_new = c;
        }
        DMC_TRY_ASSIGN(snap.pieces, parse_pieces(s, w, proof->sector_size));
        r.upgraded = true;
        r.snap = std::move(snap);
    }
    return r;
}

Result<std::vector<SectorRecord>> parse_sector_import(const json &doc)
{
    if (!doc.is_object()) return bad("import file", "must be a JSON object {\"sectors\": [...]}");
    DMC_TRY_VOID(check_keys(doc, "import file", {"sectors"}));
    if (!doc.contains("sectors") || !doc["sectors"].is_array()) return bad("import file", "missing 'sectors' array");
    std::vector<SectorRecord> out;
    std::set<SectorKey> seen;
    for (size_t i = 0; i < doc["sectors"].size(); ++i) {
        SectorRecord r;
        DMC_TRY_ASSIGN(r, parse_sector_object(doc["sectors"][i], "sectors[" + std::to_string(i) + "]"));
        if (!seen.insert(r.key).second)
            return bad("sectors[" + std::to_string(i) + "]", "sector " + sector_id_string(r.key) + " appears twice");
        out.push_back(std::move(r));
    }
    return out;
}

namespace {

json pieces_json(const std::vector<PieceRecord> &pieces)
{
    json arr = json::array();
    for (const auto &p : pieces) {
        arr.push_back({{"cid", p.cid},
                       {"size", p.size},
                       {"offset", p.offset},
                       {"deal_id", p.deal_id ? json(*p.deal_id) : json(nullptr)},
                       {"source", p.source ? json(*p.source) : json(nullptr)}});
    }
    return arr;
}

} // namespace

json sector_to_json(const SectorRecord &r)
{
    auto proof = find_seal_proof(r.proof_id);
    json j = {{"miner", r.key.miner},
              {"number", r.key.number},
              {"proof", proof ? json(proof.value()->name) : json(r.proof_id)},
              {"ticket", r.ticket ? json(to_hex(*r.ticket)) : json(nullptr)},
              {"ticket_epoch", r.ticket_epoch},
              {"comm_d", r.comm_d},
              {"comm_r", r.comm_r},
              {"pieces", pieces_json(r.pieces)}};
    if (r.comm_c) j["comm_c"] = to_hex(*r.comm_c);
    if (r.comm_r_last) j["comm_r_last"] = to_hex(*r.comm_r_last);
    if (!r.store.empty()) j["store"] = r.store;
    // Written only when set, so records without the flag keep their form.
    if (r.keep_unsealed) j["unsealed"] = true;
    if (r.snap) {
        j["snap"] = {{"proof", r.snap->proof},
                     {"comm_d_new", r.snap->comm_d_new ? json(*r.snap->comm_d_new) : json(nullptr)},
                     {"comm_r_new", r.snap->comm_r_new ? json(*r.snap->comm_r_new) : json(nullptr)},
                     {"pieces", pieces_json(r.snap->pieces)}};
    } else {
        j["snap"] = nullptr;
    }
    return j;
}

} // namespace dmc::core
