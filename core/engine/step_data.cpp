// SPDX-License-Identifier: Apache-2.0
//
// Data steps: add_pieces stages the sector (pieces at their aligned offsets,
// fr32-padded, zero gaps, zero-extended; every piece's CommP checked against
// its registered CID) and tree_d builds the SHA-254 tree, whose root must be
// the CommD computed from the pieces and, for a rebuild, the registered one.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/fr32.hpp"
#include "damocles/sdk/staged_sector.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "engine/seal_runner.hpp"
#include "engine/stage_call.hpp"

namespace dmc::core::engine {

namespace {

std::string unsealed_cid(const Bytes32 &c) { return commitment_to_cid(c, CommitmentKind::unsealed); }

// A piece read from an unsealed copy: its padded bytes, unpadded on the fly.
Result<PieceInfo> stage_piece_from_copy(StagedSectorWriter &writer, const JobPiece &piece)
{
    const uint64_t unpadded = piece.padded_size / 128 * 127;
    std::unique_ptr<FILE, int (*)(FILE *)> f(std::fopen(piece.path.c_str(), "rb"), &std::fclose);
    if (!f) return make_error(Errc::io, "piece " + piece.cid + ": cannot open " + piece.path);
    if (::fseeko(f.get(), static_cast<off_t>(piece.padded_offset), SEEK_SET) != 0)
        return make_error(Errc::io, "piece " + piece.cid + ": cannot seek in " + piece.path);
    Fr32Unpadder unpadder;
    std::vector<uint8_t> padded(1u << 20), raw;
    size_t raw_pos = 0;
    uint64_t left = piece.padded_size;
    ReadFn read = [&](std::span<uint8_t> buf) -> Result<size_t> {
        if (raw_pos == raw.size()) {
            raw.clear();
            raw_pos = 0;
        }
        while (raw.empty() && left > 0) {
            const size_t want = static_cast<size_t>(std::min<uint64_t>(padded.size(), left));
            const size_t n = std::fread(padded.data(), 1, want, f.get());
            if (n != want) return make_error(Errc::io, "short read in " + piece.path);
            left -= n;
            DMC_TRY_VOID(unpadder.write(std::span<const uint8_t>(padded.data(), n), raw));
            if (left == 0) DMC_TRY_VOID(unpadder.finish(raw));
        }
        const size_t n = std::min(buf.size(), raw.size() - raw_pos);
        std::copy_n(raw.begin() + static_cast<std::ptrdiff_t>(raw_pos), n, buf.begin());
        raw_pos += n;
        return n;
    };
    return writer.add_piece(read, unpadded, unpadded);
}

Result<PieceInfo> stage_piece(StagedSectorWriter &writer, const JobPiece &piece)
{
    const uint64_t unpadded = piece.padded_size / 128 * 127;
    if (piece.path.empty()) return writer.add_piece(std::span<const uint8_t>(), unpadded);
    if (piece.from_unsealed_copy) return stage_piece_from_copy(writer, piece);
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(piece.path, ec);
    if (ec)
        return make_error(Errc::not_found,
                          "piece " + piece.cid + ": cannot read " + piece.path + " (" + ec.message() + ")");
    if (size > unpadded)
        return make_error(Errc::invalid_argument, "piece " + piece.cid + " from " + piece.source + " has " +
                                                      std::to_string(size) + " bytes, more than its unpadded size " +
                                                      std::to_string(unpadded));
    std::unique_ptr<FILE, int (*)(FILE *)> f(std::fopen(piece.path.c_str(), "rb"), &std::fclose);
    if (!f) return make_error(Errc::io, "piece " + piece.cid + ": cannot open " + piece.path);
    ReadFn read = [&](std::span<uint8_t> buf) -> Result<size_t> {
        size_t n = std::fread(buf.data(), 1, buf.size(), f.get());
        if (n == 0 && std::ferror(f.get())) return make_error(Errc::io, "read error in " + piece.path);
        return n;
    };
    return writer.add_piece(read, size, unpadded);
}

// The unseal plan's tree_d: the decoded data must be the registered data
// (comm_d_new for a snap sector's update), or the surviving file is damaged.
Status check_decoded_data(SectorJob &job, const Bytes32 &root)
{
    const bool update = job.snap.has_value();
    const std::optional<Bytes32> &expected = update ? job.snap->expected_comm_d_new : job.expected_comm_d;
    if (expected && *expected != root)
        return make_error(Errc::verify_failed, std::string(update ? "comm_d_new" : "comm_d") +
                                                   " mismatch: the data decoded from " + job.surviving_replica +
                                                   " gives " + unsealed_cid(root) + ", registered " +
                                                   unsealed_cid(*expected) + " (the surviving file is damaged)");
    std::lock_guard lock(job.record_mutex);
    (update ? job.record.outputs.comm_d_new : job.record.outputs.comm_d) = root;
    return {};
}

} // namespace

Result<Bytes32> stage_pieces(const std::string &path, const std::vector<JobPiece> &pieces, uint64_t sector_size,
                             VertexContext &ctx)
{
    StagedSectorWriter writer;
    DMC_TRY_ASSIGN(writer, StagedSectorWriter::create(path, sector_size));
    for (size_t i = 0; i < pieces.size(); ++i) {
        const JobPiece &piece = pieces[i];
        PieceInfo info;
        DMC_TRY_ASSIGN(info, stage_piece(writer, piece));
        if (info.padded_size != piece.padded_size)
            return make_error(Errc::invalid_argument,
                              "piece " + piece.cid + " staged as " + std::to_string(info.padded_size) +
                                  " padded bytes, registered " + std::to_string(piece.padded_size));
        if (piece.expected_comm && info.comm != *piece.expected_comm)
            return make_error(Errc::verify_failed, "piece " + piece.cid + " from " + piece.source + " has CommP " +
                                                       unsealed_cid(info.comm) + ", not its registered CID");
        ctx.report_progress(static_cast<double>(i + 1) / static_cast<double>(pieces.size() + 1));
        if (ctx.cancelled()) return make_error(Errc::cancelled, "cancelled");
    }
    return writer.finish();
}

Result<Bytes32> run_tree_d(Engine &engine, const SectorJob &job, const std::string &staged, const std::string &dir,
                           VertexContext &ctx)
{
    StageHandle stage;
    DMC_TRY_ASSIGN(stage, engine.stage(DMC_STAGE_TREE_D));
    DMC_TRY_VOID(make_dirs(dir));
    const std::string tree_d_path = dir + "/" + tree_d_file_name();
    dmc_tree_d_args args{};
    args.struct_size = sizeof args;
    args.sector_size = job.proof->sector_size;
    args.staged_path = staged.c_str();
    args.tree_d_path = tree_d_path.c_str();
    StageCall call(ctx);
    DMC_TRY_VOID(call.result(stage.ops<dmc_tree_d_ops>()->run(call.get(), &args), "tree_d", stage.plugin_name()));
    Bytes32 comm_d;
    std::copy(args.comm_d, args.comm_d + 32, comm_d.begin());
    return comm_d;
}

Status step_add_pieces(SectorJob &job, VertexContext &ctx)
{
    DMC_TRY_VOID(make_dirs(job.work_dir));
    Bytes32 comm_d;
    DMC_TRY_ASSIGN(comm_d, stage_pieces(job.staged_path(), job.pieces, job.proof->sector_size, ctx));
    std::lock_guard lock(job.record_mutex);
    job.record.outputs.comm_d = comm_d;
    return {};
}

Status step_tree_d(Engine &engine, SectorJob &job, VertexContext &ctx)
{
    Bytes32 comm_d;
    DMC_TRY_ASSIGN(comm_d, run_tree_d(engine, job, job.staged_path(), job.cache_dir(), ctx));
    if (job.spec.plan == Plan::unseal) return check_decoded_data(job, comm_d);
    std::lock_guard lock(job.record_mutex);
    auto &out = job.record.outputs;
    // The tree over the staged bytes and the CommD of the piece list are two
    // computations of the same value (docs/algorithms.md §3.4): a difference means the
    // pieces were placed wrongly.
    if (out.comm_d && *out.comm_d != comm_d)
        return make_error(Errc::verify_failed, "tree_d root " + unsealed_cid(comm_d) +
                                                   " differs from the CommD of the pieces " +
                                                   unsealed_cid(*out.comm_d));
    if (job.expected_comm_d && *job.expected_comm_d != comm_d)
        return make_error(Errc::verify_failed, "comm_d mismatch: rebuilt " + unsealed_cid(comm_d) + ", registered " +
                                                   unsealed_cid(*job.expected_comm_d) +
                                                   " (pieces or their order differ from the sealed sector)");
    out.comm_d = comm_d;
    return {};
}

} // namespace dmc::core::engine
