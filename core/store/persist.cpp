// SPDX-License-Identifier: Apache-2.0
#include "damocles/core/internal/persist.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <functional>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "damocles/core/internal/sector_record.hpp"
#include "damocles/sdk/aux_files.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/synthetic_proofs.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "damocles/sdk/unsealed_file.hpp"
#include "engine/failpoints.hpp"

namespace dmc::core {

namespace fs = std::filesystem;

namespace {

// Copies `src` into the writer; `halfway` (may be empty) runs once half of
// it is written (a failpoint: a kill in the middle of a copy).
Status copy_into(const std::string &src, AtomicFileWriter &dst, const std::function<Status()> &halfway)
{
    int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) return make_error(Errc::not_found, "cannot open " + src + ": " + std::strerror(errno));
    struct stat st;
    fstat(in, &st);
    off_t offset = 0;
    const off_t half = st.st_size / 2;
    bool halfway_done = !halfway;
    while (offset < st.st_size) {
        const off_t until = halfway_done ? st.st_size : half;
        ssize_t n = until > offset ? ::sendfile(dst.fd(), in, &offset, static_cast<size_t>(until - offset)) : 0;
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            ::close(in);
            return make_error(Errc::io, "cannot copy " + src + " to " + dst.temp_path() + ": " + std::strerror(e));
        }
        if (!halfway_done && offset >= half) {
            halfway_done = true;
            if (Status st_half = halfway(); !st_half) {
                ::close(in);
                return st_half;
            }
            continue;
        }
        if (n == 0) break;
    }
    ::close(in);
    return {};
}

// Temporaries an earlier, killed persist may have left next to `dst`
// (AtomicFileWriter's "<name>.tmp-<pid>-<n>", the links' "<name>.link-<pid>").
void remove_stale_temporaries(const std::string &dst)
{
    const fs::path target(dst);
    const std::string name = target.filename().string();
    std::error_code ec;
    for (fs::directory_iterator it(target.parent_path(), ec), end; !ec && it != end; it.increment(ec)) {
        const std::string entry = it->path().filename().string();
        if (entry.rfind(name + ".tmp-", 0) == 0 || entry.rfind(name + ".link-", 0) == 0) {
            std::error_code rm;
            fs::remove(it->path(), rm);
        }
    }
}

// Places one file and passes the failpoint after it (docs/architecture.md §8.8).
Status place_sector_file(const SectorJob &job, const std::string &src, const std::string &dst, bool move)
{
    remove_stale_temporaries(dst);
    const std::string name = fs::path(dst).filename().string();
    DMC_TRY_VOID(place_file(src, dst, move, [&] { return engine::failpoint("persist.copying:" + name, job); }));
    return engine::failpoint("persist.placed:" + name, job);
}

} // namespace

Status place_file(const std::string &src, const std::string &dst, bool move, const std::function<Status()> &halfway)
{
    DMC_TRY_VOID(make_dirs(fs::path(dst).parent_path().string()));
    if (move) {
        // Same filesystem: a hard link under a temporary name, renamed over
        // the destination. The work copy stays until the sector is
        // finalized, so a kill at any point leaves every file a later run
        // still needs (it checks again and persists again).
        int fd = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return make_error(Errc::not_found, "cannot open " + src + ": " + std::strerror(errno));
        ::fsync(fd);
        ::close(fd);
        // Already in place (an earlier, interrupted persist linked it):
        // rename() of two links to one file would do nothing at all.
        struct stat src_st = {};
        struct stat dst_st = {};
        if (::stat(src.c_str(), &src_st) == 0 && ::stat(dst.c_str(), &dst_st) == 0 && src_st.st_dev == dst_st.st_dev &&
            src_st.st_ino == dst_st.st_ino)
            return fsync_dir(fs::path(dst).parent_path().string());
        const std::string link_path = dst + ".link-" + std::to_string(::getpid());
        ::unlink(link_path.c_str());
        if (::link(src.c_str(), link_path.c_str()) == 0) {
            if (::rename(link_path.c_str(), dst.c_str()) == 0) return fsync_dir(fs::path(dst).parent_path().string());
            const int e = errno;
            ::unlink(link_path.c_str());
            return make_error(Errc::io, "cannot rename " + link_path + " to " + dst + ": " + std::strerror(e));
        }
        // Another filesystem, or one without hard links: copy.
        if (errno != EXDEV && errno != EPERM && errno != EMLINK && errno != ENOTSUP)
            return make_error(Errc::io, "cannot link " + src + " to " + link_path + ": " + std::strerror(errno));
    }
    AtomicFileWriter out;
    DMC_TRY_ASSIGN(out, AtomicFileWriter::create(dst));
    DMC_TRY_VOID(copy_into(src, out, halfway));
    return out.commit();
}

PersistOptions persist_options_for(const SectorJob &job)
{
    PersistOptions o;
    o.upgrade = job.spec.plan == Plan::snap;
    o.cache_only = job.spec.plan == Plan::cache_only;
    o.unsealed_only = job.spec.plan == Plan::unseal;
    o.unsealed = job.write_unsealed || o.unsealed_only;
    return o;
}

Status persist_unsealed_copy(const SectorJob &job, const std::string &store_root)
{
    const std::string dst = store_root + "/unsealed/" + job.sector_id();
    DMC_TRY_VOID(make_dirs(store_root + "/unsealed"));
    return write_unsealed_file(job.unsealed_data_path(), dst, job.proof->sector_size);
}

Status persist_sector_files(const SectorJob &job, const std::string &store_root, const PersistOptions &opts)
{
    const std::string id = job.sector_id();
    // The unsealed copy first: the replica, written last, still marks a
    // complete sector.
    if (opts.unsealed || opts.unsealed_only) DMC_TRY_VOID(persist_unsealed_copy(job, store_root));
    if (opts.unsealed_only) return {};
    SectorTreeLayout layout;
    DMC_TRY_ASSIGN(layout, sector_tree_layout(job.proof->sector_size));
    const std::string replica_src = opts.upgrade ? job.update_path() : job.replica_path();
    const std::string cache_src = opts.upgrade ? job.update_cache_dir() : job.cache_dir();
    const std::string replica_dst = store_root + (opts.upgrade ? "/update/" : "/sealed/") + id;
    const std::string cache_dst = store_root + (opts.upgrade ? "/update-cache/" : "/cache/") + id;

    // Trees and p_aux first, the replica last: a reader that finds the
    // replica finds everything it needs.
    for (const auto &name : layout.tree_r_last_files)
        DMC_TRY_VOID(place_sector_file(job, cache_src + "/" + name, cache_dst + "/" + name, opts.move));
    DMC_TRY_VOID(place_sector_file(job, cache_src + "/" + kPAuxFileName, cache_dst + "/" + kPAuxFileName, opts.move));
    // What lotus keeps after a synthetic seal (docs/file-formats.md §2.7).
    if (!opts.upgrade && !opts.cache_only && job.proof->feature == ProofFeature::synthetic_porep)
        DMC_TRY_VOID(place_sector_file(job, cache_src + "/" + kSyntheticProofsFileName,
                                       cache_dst + "/" + kSyntheticProofsFileName, opts.move));
    TAux t_aux;
    DMC_TRY_ASSIGN(
        t_aux, make_t_aux(cache_dst, job.proof->layers, job.proof->nodes(), job.proof->shape, layout.rows_to_discard));
    remove_stale_temporaries(cache_dst + "/" + kTAuxFileName);
    DMC_TRY_VOID(write_t_aux(cache_dst, t_aux));
    DMC_TRY_VOID(engine::failpoint("persist.placed:" + std::string(kTAuxFileName), job));
    if (opts.cache_only) return {};
    DMC_TRY_VOID(place_sector_file(job, replica_src, replica_dst, opts.move));
    return {};
}

} // namespace dmc::core
