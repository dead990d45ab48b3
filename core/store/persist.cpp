// SPDX-License-Identifier: Apache-2.0
#include "damocles/core/internal/persist.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
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

namespace dmc::core {

namespace fs = std::filesystem;

namespace {

Status copy_into(const std::string &src, AtomicFileWriter &dst)
{
    int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) return make_error(Errc::not_found, "cannot open " + src + ": " + std::strerror(errno));
    struct stat st;
    fstat(in, &st);
    off_t offset = 0;
    while (offset < st.st_size) {
        ssize_t n = ::sendfile(dst.fd(), in, &offset, static_cast<size_t>(st.st_size - offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            ::close(in);
            return make_error(e == ENOSPC ? Errc::io : Errc::io,
                              "cannot copy " + src + " to " + dst.temp_path() + ": " + std::strerror(e));
        }
        if (n == 0) break;
    }
    ::close(in);
    return {};
}

} // namespace

Status place_file(const std::string &src, const std::string &dst, bool move)
{
    DMC_TRY_VOID(make_dirs(fs::path(dst).parent_path().string()));
    if (move) {
        // Same filesystem: fsync the source, rename over the destination.
        int fd = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ::fsync(fd);
            ::close(fd);
        }
        if (::rename(src.c_str(), dst.c_str()) == 0) return fsync_dir(fs::path(dst).parent_path().string());
        if (errno != EXDEV) return make_error(Errc::io, "cannot move " + src + " to " + dst + ": " + std::strerror(errno));
    }
    AtomicFileWriter out;
    DMC_TRY_ASSIGN(out, AtomicFileWriter::create(dst));
    DMC_TRY_VOID(copy_into(src, out));
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
        DMC_TRY_VOID(place_file(cache_src + "/" + name, cache_dst + "/" + name, opts.move));
    DMC_TRY_VOID(place_file(cache_src + "/" + kPAuxFileName, cache_dst + "/" + kPAuxFileName, opts.move));
    // What lotus keeps after a synthetic seal (docs/file-formats.md §2.7).
    if (!opts.upgrade && !opts.cache_only && job.proof->feature == ProofFeature::synthetic_porep)
        DMC_TRY_VOID(place_file(cache_src + "/" + kSyntheticProofsFileName, cache_dst + "/" + kSyntheticProofsFileName,
                                opts.move));
    TAux t_aux;
    DMC_TRY_ASSIGN(t_aux, make_t_aux(cache_dst, job.proof->layers, job.proof->nodes(), job.proof->shape,
                                     layout.rows_to_discard));
    DMC_TRY_VOID(write_t_aux(cache_dst, t_aux));
    if (opts.cache_only) return {};
    DMC_TRY_VOID(place_file(replica_src, replica_dst, opts.move));
    return {};
}

} // namespace dmc::core
