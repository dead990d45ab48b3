// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run bench store-check [--sectors N]`: the manager's store check
// (docs/architecture.md §14.2, without --deep) over N 2KiB sectors registered
// in an SQLite registry, against the bare metadata reads it cannot avoid
// (stat of the replica and of the cache files, p_aux, t_aux and the last
// tree-r-last node per sector), measured in the same run on the same files.
//
// The sectors are one consistent sector (a replica, its tree-r-last built by
// the sdk, p_aux, t_aux) hard-linked under N sector ids, so the files are as
// small as a 2KiB sector's and the figure is the per-sector cost of the check
// (registry reads included), on a warm page cache. The first check also
// records comm_c/comm_r_last for every sector (learnt from p_aux); the
// second is the steady state. ratio = first check / metadata reads.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "bench_support.hpp"
#include "cli_common.hpp"
#include "damocles/sdk/aux_files.hpp"
#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/piece.hpp"
#include "damocles/sdk/poseidon_tree.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "service/manager/store_check.hpp"
#include "service/registry/registry_store.hpp"

namespace dmc::cli::bench {

namespace {

namespace fs = std::filesystem;

struct StoreCheckBenchOptions {
    uint64_t sectors = 10000;
    std::string work;
    bool keep = false;
};

StoreCheckBenchOptions &store_check_options()
{
    static StoreCheckBenchOptions o;
    return o;
}

constexpr uint64_t kMiner = 1000;

// One consistent 2KiB sector in `dir`: the replica, cache/ with p_aux, t_aux
// and tree-r-last. Returns its CommR.
std::string make_template_sector(const SealProof &proof, const std::string &dir)
{
    const SectorTreeLayout layout = must(sector_tree_layout(proof.sector_size));
    std::vector<uint8_t> replica(proof.sector_size);
    for (uint64_t node = 0; node < proof.nodes(); ++node) fill_canonical(replica.data() + node * 32, node + 1);
    std::vector<uint8_t> tree(layout.tree_r_last_file_bytes);
    const Fr comm_r_last =
        must(build_base_tree(replica.data(), layout.base_tree.leaves, tree.data(), layout.rows_to_discard + 1));
    Bytes32 comm_c_bytes;
    fill_canonical(comm_c_bytes.data(), 4242);
    const Fr comm_c = must(Fr::from_bytes(comm_c_bytes));
    const std::string cache = dir + "/cache";
    must(make_dirs(cache));
    must(write_file_atomic(dir + "/sealed", replica));
    must(write_file_atomic(cache + "/" + layout.tree_r_last_files[0], tree));
    must(write_p_aux(cache, PAux{comm_c, comm_r_last}));
    must(write_t_aux(cache, must(make_t_aux(cache, proof.layers, proof.nodes(), proof.shape, layout.rows_to_discard))));
    return commitment_to_cid(comm_r_from(comm_c, comm_r_last).to_bytes(), CommitmentKind::sealed);
}

// The template hard-linked as sector 1..n of kMiner in `store`.
void populate_store(const std::string &template_dir, const std::string &store, uint64_t sectors)
{
    fs::create_directories(store + "/sealed");
    fs::create_directories(store + "/cache");
    std::vector<std::string> cache_files;
    for (const auto &entry : fs::directory_iterator(template_dir + "/cache"))
        cache_files.push_back(entry.path().filename().string());
    for (uint64_t number = 1; number <= sectors; ++number) {
        const std::string id = core::sector_id_string({kMiner, number});
        fs::create_hard_link(template_dir + "/sealed", store + "/sealed/" + id);
        fs::create_directory(store + "/cache/" + id);
        for (const auto &name : cache_files)
            fs::create_hard_link(template_dir + "/cache/" + name, store + "/cache/" + id + "/" + name);
    }
}

// The reads the check cannot avoid, for every sector: stat of the replica and
// of each cache file, p_aux, t_aux and the tree-r-last's last node.
double metadata_read_seconds(const std::string &store, uint64_t sectors, const SectorTreeLayout &layout)
{
    Stopwatch watch;
    uint64_t checksum = 0;
    std::vector<uint8_t> buffer(4096);
    for (uint64_t number = 1; number <= sectors; ++number) {
        const std::string id = core::sector_id_string({kMiner, number});
        const std::string cache = store + "/cache/" + id + "/";
        struct stat st {};
        for (const std::string &path : {store + "/sealed/" + id, cache, cache + kPAuxFileName, cache + kTAuxFileName,
                                        cache + layout.tree_r_last_files[0]})
            if (::stat(path.c_str(), &st) == 0) checksum += static_cast<uint64_t>(st.st_size);
        for (const std::string &name : {std::string(kPAuxFileName), std::string(kTAuxFileName)}) {
            const int fd = ::open((cache + name).c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) continue;
            checksum += static_cast<uint64_t>(::read(fd, buffer.data(), buffer.size()));
            ::close(fd);
        }
        const int fd = ::open((cache + layout.tree_r_last_files[0]).c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            checksum += static_cast<uint64_t>(
                ::pread(fd, buffer.data(), 32, static_cast<off_t>(layout.tree_r_last_file_bytes - 32)));
            ::close(fd);
        }
    }
    if (checksum == 0) fail("store-check bench: the metadata reads found no file");
    return watch.wall_seconds();
}

void run_store_check()
{
    const auto &o = store_check_options();
    if (o.sectors == 0 || o.sectors > 1'000'000) fail_usage("--sectors must be 1..1000000");
    const SealProof *proof = must(find_seal_proof("StackedDrg2KiBV1_1"));
    const SectorTreeLayout layout = must(sector_tree_layout(proof->sector_size));
    ScratchDir scratch(o.work.empty() ? default_scratch_parent() : o.work, "store-check", o.keep);
    const std::string store = scratch.path() + "/store";
    const std::string comm_r = make_template_sector(*proof, scratch.path() + "/template");
    populate_store(scratch.path() + "/template", store, o.sectors);

    auto registry = must(service::open_registry(scratch.path() + "/registry.db"));
    must(registry->upsert_store({"bench-store", store, 1, false, {}, {}}));
    std::printf("store-check: registering %llu sectors ...\n", static_cast<unsigned long long>(o.sectors));
    std::fflush(stdout);
    core::SectorRecord record;
    record.proof_id = proof->id;
    record.ticket = Bytes32{};
    fill_canonical(record.ticket->data(), 7);
    record.comm_d = commitment_to_cid(must(zero_piece_commitment(proof->sector_size)), CommitmentKind::unsealed);
    record.comm_r = comm_r;
    record.store = "bench-store";
    for (uint64_t number = 1; number <= o.sectors; ++number) {
        record.key = {kMiner, number};
        must(registry->import_sector(record, false));
    }

    const double load_before = load_average();
    service::StoreCheckOptions check_options;
    Stopwatch first_watch;
    const auto first = must(service::check_store(*registry, "bench-store", check_options));
    const double first_seconds = first_watch.wall_seconds();
    Stopwatch steady_watch;
    const auto steady = must(service::check_store(*registry, "bench-store", check_options));
    const double steady_seconds = steady_watch.wall_seconds();
    const double metadata_seconds = metadata_read_seconds(store, o.sectors, layout);
    size_t not_ok = 0;
    for (const auto &check : steady.sectors) not_ok += check.health != service::SectorHealth::ok;
    if (not_ok != 0 || steady.sectors.size() != o.sectors || first.roots_learnt != o.sectors)
        fail("store-check bench: " + std::to_string(not_ok) + " of " + std::to_string(steady.sectors.size()) +
             " sectors not ok, " + std::to_string(first.roots_learnt) + " roots learnt");

    ResultLine line("store-check");
    line.add("sectors", static_cast<double>(o.sectors), 0).add("proof", proof->name);
    line.add("first_check_s", first_seconds).add("steady_check_s", steady_seconds);
    line.add("metadata_reads_s", metadata_seconds).add("us_per_sector", steady_seconds * 1e6 / double(o.sectors), 1);
    line.add("seconds", first_seconds).add("ratio", first_seconds / metadata_seconds);
    line.add("ratio_basis", "first_check/metadata_reads_same_files");
    line.add("load1_before", load_before, 2).add("load1_after", load_average(), 2).print();
}

} // namespace

void add_store_check_bench(CLI::App *bench)
{
    auto &o = store_check_options();
    auto *cmd = bench->add_subcommand("store-check", "The store check (no --deep) of N registered 2KiB sectors "
                                                     "against the metadata reads it needs");
    cmd->add_option("--sectors", o.sectors, "Sectors in the store (default 10000)");
    cmd->add_option("--work", o.work, "Work directory (default $TMPDIR or /var/tmp)");
    cmd->add_flag("--keep", o.keep, "Keep the store and the registry");
    cmd->callback(run_store_check);
}

} // namespace dmc::cli::bench
