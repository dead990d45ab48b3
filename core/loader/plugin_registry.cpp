// SPDX-License-Identifier: Apache-2.0
//
// Design note: how stage plugins are found, checked and chosen
// ============================================================
//
// Search order (first match of a plugin *name* wins; later files with the same
// name are listed as "skipped: shadowed by <path>"):
//   1. DiscoveryOptions::extra_dirs (tests, embedding programs);
//   2. DAMOCLES_PLUGIN_PATH, colon separated. A directory that does not exist
//      gives a warning, never an error;
//   3. the build tree (<build>/plugins/<dir>/), only when the running
//      executable itself lives under the build root, so an installed binary
//      never picks up a stale build;
//   4. the install directory <libdir>/damocles/plugins, found next to this
//      library at run time (dladdr), so that an installed tree can be moved
//      (or installed with DESTDIR) and still finds its plugins.
// Candidates are regular files named "*.so" in those directories.
//
// Checks, in order, before any plugin function other than dmc_plugin_query()
// is called (each failure marks the file "skipped: <reason>", never a crash):
//   a. ELF header of a 64-bit shared object (a text file named x.so is
//      rejected without dlopen);
//   b. dlopen via Boost.DLL (unresolved dependencies are reported);
//   c. the dmc_plugin_query symbol exists and returns a descriptor;
//   d. abi_version major == DMC_PLUGIN_ABI_MAJOR; struct_size covers the
//      1.0 descriptor; name is [a-z0-9_-]{1,32};
//   e. every stage descriptor and ops table is at least as large as 1.0's,
//      has a run function, a known kind, and an interface version this host
//      understands (unknown kinds are ignored, a too-new interface skips the
//      plugin); a kernel_bench table (ABI 1.1) lists valid kernel names;
//   f. required CPU features are present (cpuid, core/loader/cpu_features);
//   g. a CUDA plugin needs a CUDA device (libcuda probe, no CUDA link).
// A skipped plugin is unloaded at once.
//
// Lifetime: every StageHandle holds a shared_ptr to its LoadedPlugin, which
// owns the boost::dll::shared_library, so the object code outlives every
// handle taken from it.
//
// Selection per stage kind: the usable implementation with the highest
// priority (ties: first in search order), unless the config names a plugin
// for that stage ([plugins] pc1 = "cpu"), in which case that one is required.

#include "damocles/core/plugin_registry.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <filesystem>
#include <fstream>
#include <set>

#include <boost/dll/shared_library.hpp>
#include <spdlog/spdlog.h>

#include "damocles/core/internal/cpu_features.hpp"
#include "damocles/core/internal/gpu_probe.hpp"

#include "config.h"

namespace fs = std::filesystem;

namespace dmc::core {

class LoadedPlugin {
public:
    boost::dll::shared_library lib;
    const dmc_plugin_descriptor *desc = nullptr;
    std::string name;
};

namespace {

struct KindInfo {
    dmc_stage_kind kind;
    const char *name;
    uint32_t iface;
    size_t ops_size;
};

const KindInfo kKinds[] = {
    {DMC_STAGE_TREE_D, "tree_d", DMC_TREE_D_IFACE, sizeof(dmc_tree_d_ops)},
    {DMC_STAGE_PC1, "pc1", DMC_PC1_IFACE, offsetof(dmc_pc1_ops, sectors_per_thread)}, // 1.2 hints optional
    {DMC_STAGE_TREE_C, "tree_c", DMC_TREE_C_IFACE, sizeof(dmc_tree_c_ops)},
    {DMC_STAGE_TREE_R_LAST, "tree_r_last", DMC_TREE_R_LAST_IFACE, sizeof(dmc_tree_r_last_ops)},
    {DMC_STAGE_POREP_VANILLA, "porep_vanilla", DMC_POREP_VANILLA_IFACE, sizeof(dmc_porep_vanilla_ops)},
    {DMC_STAGE_SNAP_ENCODE, "snap_encode", DMC_SNAP_ENCODE_IFACE, sizeof(dmc_snap_encode_ops)},
    {DMC_STAGE_SNAP_VANILLA, "snap_vanilla", DMC_SNAP_VANILLA_IFACE, sizeof(dmc_snap_vanilla_ops)},
    {DMC_STAGE_KERNEL_BENCH, "kernel_bench", DMC_KERNEL_BENCH_IFACE, sizeof(dmc_kernel_bench_ops)},
};

const KindInfo *kind_info(uint32_t kind)
{
    for (const auto &k : kKinds)
        if (static_cast<uint32_t>(k.kind) == kind) return &k;
    return nullptr;
}

// pc1's batch hints (ABI 1.2), when its function table is long enough.
// The table may be a 1.1 one (16 bytes), so nothing past struct_size is
// touched, and the fields are copied out as validate_descriptor reads ops.
StageBatchHints read_batch_hints(const dmc_stage_desc &s)
{
    if (s.kind != DMC_STAGE_PC1 || !s.ops) return {};
    const auto *bytes = static_cast<const char *>(s.ops);
    uint32_t size = 0;
    std::memcpy(&size, bytes, sizeof size);
    if (size < offsetof(dmc_pc1_ops, memory_permille) + sizeof(uint32_t)) return {};
    StageBatchHints hints;
    std::memcpy(&hints.sectors_per_thread, bytes + offsetof(dmc_pc1_ops, sectors_per_thread), sizeof(uint32_t));
    std::memcpy(&hints.memory_permille, bytes + offsetof(dmc_pc1_ops, memory_permille), sizeof(uint32_t));
    return hints;
}

// Sizes of the 1.0 structs: the minimum a plugin may declare.
constexpr size_t kMinDescriptorSize = sizeof(dmc_plugin_descriptor);
constexpr size_t kMinStageDescSize = sizeof(dmc_stage_desc);

// A kernel_bench table's kernel names (ABI 1.1), read as static data like
// the descriptor: NULL-terminated, each a valid name, at most kMaxKernels.
constexpr size_t kMaxKernels = 64;

bool valid_name(const char *name);

std::string read_kernel_names(const dmc_kernel_bench_ops &ops, std::vector<std::string> &out)
{
    if (!ops.kernels) return "stage kernel_bench has no kernel list";
    for (size_t i = 0; ops.kernels[i]; ++i) {
        if (i == kMaxKernels) return "stage kernel_bench lists more than " + std::to_string(kMaxKernels) + " kernels";
        if (!valid_name(ops.kernels[i]))
            return "stage kernel_bench kernel " + std::to_string(i) + " has an invalid name (want [a-z0-9_-]{1,32})";
        out.emplace_back(ops.kernels[i]);
    }
    if (out.empty()) return "stage kernel_bench lists no kernel";
    return {};
}

bool valid_name(const char *name)
{
    if (!name) return false;
    size_t n = std::strlen(name);
    if (n == 0 || n > 32) return false;
    for (size_t i = 0; i < n; ++i) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
    }
    return true;
}

// a. ELF64 ET_DYN header check without loading anything.
std::string check_elf(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    unsigned char hdr[18] = {};
    in.read(reinterpret_cast<char *>(hdr), sizeof hdr);
    if (in.gcount() < static_cast<std::streamsize>(sizeof hdr) || hdr[0] != 0x7f || hdr[1] != 'E' || hdr[2] != 'L' ||
        hdr[3] != 'F')
        return "not a shared object (no ELF header)";
    if (hdr[4] != 2) return "not a 64-bit ELF object";
    uint16_t type = static_cast<uint16_t>(hdr[16] | (hdr[17] << 8));
    if (type != 3) return "ELF file is not a shared object (e_type " + std::to_string(type) + ")";
    return {};
}

// <dir of libdamocles-core.so>/damocles/plugins.
std::string installed_plugin_dir()
{
    Dl_info info{};
    if (dladdr(reinterpret_cast<void *>(&installed_plugin_dir), &info) && info.dli_fname)
        return (fs::path(info.dli_fname).parent_path() / "damocles" / "plugins").lexically_normal().string();
    return DMC_INSTALL_PLUGIN_DIR;
}

bool running_from_build_tree()
{
    std::error_code ec;
    auto exe = fs::canonical("/proc/self/exe", ec);
    if (ec) return false;
    auto root = fs::weakly_canonical(DMC_BUILD_ROOT, ec);
    if (ec) return false;
    auto e = exe.string(), r = root.string();
    return e.size() > r.size() && e.compare(0, r.size(), r) == 0 && e[r.size()] == '/';
}

std::vector<std::string> split_path(const std::string &s)
{
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t end = s.find(':', start);
        if (end == std::string::npos) end = s.size();
        if (end > start) out.push_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

std::vector<std::string> candidates_in(const std::string &dir)
{
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(dir, ec)) {
        if (!entry.is_regular_file(ec)) continue;
        auto name = entry.path().filename().string();
        if (name.size() > 3 && name.compare(name.size() - 3, 3, ".so") == 0) out.push_back(entry.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

// d.-e. Descriptor checks; returns the skip reason or "".
std::string validate_descriptor(const dmc_plugin_descriptor *d, PluginInfo &info)
{
    if (!d) return "dmc_plugin_query() returned NULL";
    uint32_t major = DMC_PLUGIN_ABI_MAJOR_OF(d->abi_version);
    if (major != DMC_PLUGIN_ABI_MAJOR)
        return "plugin ABI " + std::to_string(major) + "." + std::to_string(d->abi_version & 0xffff) +
               " does not match host ABI " + std::to_string(DMC_PLUGIN_ABI_MAJOR) + "." +
               std::to_string(DMC_PLUGIN_ABI_MINOR) + " (rebuild the plugin against this SDK)";
    if (d->struct_size < kMinDescriptorSize)
        return "descriptor too short (" + std::to_string(d->struct_size) + " bytes, need " +
               std::to_string(kMinDescriptorSize) + ")";
    if (!valid_name(d->name)) return "invalid plugin name (want [a-z0-9_-]{1,32})";
    info.name = d->name;
    info.version = d->version ? d->version : "";
    info.description = d->description ? d->description : "";
    info.required_cpu = d->required_cpu_features;
    info.gpu_need = d->gpu_need;
    if (d->num_stages > 64) return "descriptor declares too many stages (" + std::to_string(d->num_stages) + ")";
    if (d->num_stages > 0 && !d->stages) return "descriptor has stages but no stage table";
    if (d->gpu_need > DMC_GPU_CUDA) return "unknown GPU need " + std::to_string(d->gpu_need);
    for (uint32_t i = 0; i < d->num_stages; ++i) {
        const dmc_stage_desc &s = d->stages[i];
        if (s.struct_size < kMinStageDescSize) return "stage " + std::to_string(i) + " descriptor too short";
        const KindInfo *k = kind_info(s.kind);
        if (!k) continue; // a newer stage kind this host does not know: ignored
        if (s.interface_version == 0 || s.interface_version > k->iface)
            return std::string("stage ") + k->name + " interface " + std::to_string(s.interface_version) +
                   " is not supported by this host (max " + std::to_string(k->iface) + ")";
        if (!s.ops) return std::string("stage ") + k->name + " has no function table";
        // Every ops table starts with struct_size and has run() right after
        // the 8-byte header.
        uint32_t ops_size;
        std::memcpy(&ops_size, s.ops, sizeof ops_size);
        if (ops_size < k->ops_size) return std::string("stage ") + k->name + " function table too short";
        void *run = nullptr;
        std::memcpy(&run, static_cast<const char *>(s.ops) + 8, sizeof run);
        if (!run) return std::string("stage ") + k->name + " has no run function";
        if (s.max_sectors == 0) return std::string("stage ") + k->name + " declares max_sectors 0";
        PluginStageInfo st;
        if (k->kind == DMC_STAGE_KERNEL_BENCH)
            if (auto why = read_kernel_names(*static_cast<const dmc_kernel_bench_ops *>(s.ops), st.kernels);
                !why.empty())
                return why;
        st.kind = k->kind;
        st.interface_version = s.interface_version;
        st.priority = s.priority;
        st.flags = s.flags;
        st.max_sectors = s.max_sectors;
        st.hints = read_batch_hints(s);
        info.stages.push_back(st);
    }
    return {};
}

} // namespace

const char *stage_kind_name(uint32_t kind)
{
    const KindInfo *k = kind_info(kind);
    return k ? k->name : "unknown";
}

std::optional<dmc_stage_kind> stage_kind_from_name(const std::string &name)
{
    for (const auto &k : kKinds)
        if (name == k.name) return k.kind;
    return std::nullopt;
}

StageHandle::StageHandle(std::shared_ptr<const LoadedPlugin> plugin, const dmc_stage_desc *desc)
    : plugin_(std::move(plugin)), desc_(desc)
{
}

const std::string &StageHandle::plugin_name() const
{
    static const std::string none;
    return plugin_ ? plugin_->name : none;
}

uint32_t StageHandle::max_sectors() const { return desc_ ? desc_->max_sectors : 0; }

StageBatchHints StageHandle::batch_hints() const { return desc_ ? read_batch_hints(*desc_) : StageBatchHints{}; }

namespace {

// DAMOCLES_PLUGIN_PATH, the build tree's plugin folders, the install dir
// (docs/architecture.md §3.3), after the caller's own.
std::vector<std::string> plugin_search_path(const DiscoveryOptions &opts, const std::string &install_dir)
{
    std::vector<std::string> dirs = opts.extra_dirs;
    if (opts.use_env) {
        if (const char *env = std::getenv("DAMOCLES_PLUGIN_PATH"); env && *env)
            for (auto &d : split_path(env)) dirs.push_back(d);
    }
    if (opts.use_build_tree && running_from_build_tree()) {
        std::error_code ec;
        std::vector<std::string> sub;
        for (const auto &e : fs::directory_iterator(DMC_BUILD_PLUGIN_DIR, ec))
            if (e.is_directory()) sub.push_back(e.path().string());
        std::sort(sub.begin(), sub.end());
        dirs.insert(dirs.end(), sub.begin(), sub.end());
    }
    if (opts.use_install_dir) dirs.push_back(install_dir);
    return dirs;
}

// One candidate file, examined in order: ELF, load, query symbol,
// descriptor, name not taken (`claimed` name -> path), CPU features, GPU.
// `plugin` is set only when it is usable; otherwise info.skip_reason says why.
struct Candidate {
    PluginInfo info;
    std::shared_ptr<LoadedPlugin> plugin;
};

Candidate examine_candidate(const std::string &path, uint64_t host_cpu, std::map<std::string, std::string> &claimed)
{
    Candidate c;
    c.info.path = path;
    auto skip = [&c](std::string reason) {
        c.info.skip_reason = std::move(reason);
        c.plugin.reset();
        return std::move(c);
    };
    if (auto why = check_elf(path); !why.empty()) return skip(why);
    auto loaded = std::make_shared<LoadedPlugin>();
    try {
        loaded->lib.load(path, boost::dll::load_mode::rtld_lazy | boost::dll::load_mode::rtld_local);
    } catch (const std::exception &e) {
        return skip(std::string("cannot load: ") + e.what());
    }
    if (!loaded->lib.has(DMC_PLUGIN_QUERY_SYMBOL)) return skip("no dmc_plugin_query symbol (not a damocles plugin)");
    auto query = loaded->lib.get<const dmc_plugin_descriptor *()>(DMC_PLUGIN_QUERY_SYMBOL);
    const dmc_plugin_descriptor *desc = query();
    if (auto why = validate_descriptor(desc, c.info); !why.empty()) {
        c.info.stages.clear();
        return skip(why);
    }
    if (auto it = claimed.find(c.info.name); it != claimed.end()) return skip("shadowed by " + it->second);
    // The name is taken even when the plugin cannot run here, so that a later
    // copy of it is reported as shadowed rather than loaded instead.
    claimed[c.info.name] = path;
    if (uint64_t missing = c.info.required_cpu & ~host_cpu)
        return skip("missing CPU features: " + cpu_feature_names(missing));
    if (c.info.gpu_need == DMC_GPU_CUDA) {
        const auto &gpu = probe_gpus();
        if (gpu.cuda_devices <= 0) return skip("needs a CUDA GPU: " + gpu.reason);
    }
    loaded->desc = desc;
    loaded->name = c.info.name;
    c.info.usable = true;
    c.plugin = std::move(loaded);
    return c;
}

} // namespace

PluginRegistry PluginRegistry::discover(const DiscoveryOptions &opts)
{
    PluginRegistry reg;
    const std::string install_dir = installed_plugin_dir();
    const uint64_t host_cpu = host_cpu_features();
    std::map<std::string, std::string> claimed; // plugin name -> path
    std::set<std::string> seen_files;
    for (const auto &dir : plugin_search_path(opts, install_dir)) {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) {
            // The install dir is optional when running from the build tree.
            if (dir != install_dir) {
                std::string w = "plugin directory " + dir + " does not exist (ignored)";
                spdlog::warn("{}", w);
                reg.warnings_.push_back(w);
            }
            continue;
        }
        reg.dirs_.push_back(dir);
        for (const auto &path : candidates_in(dir)) {
            if (!seen_files.insert(fs::weakly_canonical(path, ec).string()).second) continue;
            Candidate c = examine_candidate(path, host_cpu, claimed);
            if (c.plugin) reg.loaded_.push_back(std::move(c.plugin));
            reg.infos_.push_back(std::move(c.info));
        }
    }
    return reg;
}

std::vector<StageHandle> PluginRegistry::all(dmc_stage_kind kind) const
{
    std::vector<std::pair<int32_t, StageHandle>> found;
    for (const auto &lp : loaded_) {
        for (uint32_t i = 0; i < lp->desc->num_stages; ++i) {
            const dmc_stage_desc &s = lp->desc->stages[i];
            if (s.kind == static_cast<uint32_t>(kind)) found.emplace_back(s.priority, StageHandle(lp, &s));
        }
    }
    std::stable_sort(found.begin(), found.end(), [](auto &a, auto &b) { return a.first > b.first; });
    std::vector<StageHandle> out;
    for (auto &f : found) out.push_back(std::move(f.second));
    return out;
}

Result<StageHandle> PluginRegistry::select(dmc_stage_kind kind, const std::string &override_plugin) const
{
    auto impls = all(kind);
    if (override_plugin.empty()) {
        if (impls.empty())
            return make_error(Errc::unsupported, std::string("no usable plugin implements stage ") +
                                                     stage_kind_name(kind) + " (see `damocles-run plugins list`)");
        return impls.front();
    }
    for (auto &h : impls)
        if (h.plugin_name() == override_plugin) return h;
    for (const auto &info : infos_) {
        if (info.name != override_plugin) continue;
        if (!info.usable)
            return make_error(Errc::unsupported, "plugin " + override_plugin + " configured for stage " +
                                                     stage_kind_name(kind) + " is skipped: " + info.skip_reason);
        return make_error(Errc::unsupported, "plugin " + override_plugin + " configured for stage " +
                                                 stage_kind_name(kind) + " does not implement it");
    }
    return make_error(Errc::not_found, "plugin " + override_plugin + " configured for stage " + stage_kind_name(kind) +
                                           " was not found in " + std::to_string(dirs_.size()) + " plugin directories");
}

Result<StageHandle> PluginRegistry::select(dmc_stage_kind kind,
                                           const std::map<std::string, std::string> &overrides) const
{
    auto it = overrides.find(stage_kind_name(kind));
    return select(kind, it == overrides.end() ? std::string() : it->second);
}

} // namespace dmc::core
