/* SPDX-License-Identifier: Apache-2.0 */
/*
 * damocles stage-plugin ABI (C, no exceptions, no STL across the boundary).
 *
 * A plugin is a shared object exporting one symbol:
 *
 *     DMC_EXPORT const dmc_plugin_descriptor *dmc_plugin_query(void);
 *
 * returning a pointer to static, immutable data. The host validates the
 * descriptor (ABI major, struct sizes, CPU features, GPU need) before it calls
 * any other plugin function. Each advertised stage points to a function table
 * of the type matching its kind (dmc_<kind>_ops); every table and every args
 * struct starts with `uint32_t struct_size` so that either side can detect a
 * shorter (older) struct and refuse it instead of reading past its end.
 *
 * Rules (see docs/plugin-guide.md):
 *  - ABI major must equal DMC_PLUGIN_ABI_MAJOR; the host accepts any minor
 *    (fields are only ever appended; a newer host checks struct_size before
 *    reading appended fields).
 *  - A stage is advertised only when it is fully implemented. Outputs must be
 *    byte-identical to the cpu reference plugin.
 *  - Every entry point returns a dmc_status; on failure it writes one line of
 *    text into call->error (NUL-terminated, truncated to error_size).
 *  - A stage polls *call->cancel regularly and returns DMC_ERR_CANCELLED.
 *  - Progress is reported through call->progress (may be NULL).
 *  - All paths are NUL-terminated UTF-8; all 32-byte values are canonical
 *    little-endian field/hash bytes exactly as stored on disk.
 */
#ifndef DAMOCLES_PLUGIN_H
#define DAMOCLES_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DMC_PLUGIN_ABI_MAJOR 1u
#define DMC_PLUGIN_ABI_MINOR 2u /* 1.1: DMC_STAGE_KERNEL_BENCH; 1.2: dmc_pc1_ops batch hints */
#define DMC_PLUGIN_ABI ((DMC_PLUGIN_ABI_MAJOR << 16) | DMC_PLUGIN_ABI_MINOR)
#define DMC_PLUGIN_ABI_MAJOR_OF(v) ((uint32_t)(v) >> 16)
#define DMC_PLUGIN_QUERY_SYMBOL "dmc_plugin_query"

#if defined(__GNUC__)
#define DMC_EXPORT __attribute__((visibility("default")))
#else
#define DMC_EXPORT
#endif

/* ------------------------------------------------------------------ *
 * Capabilities                                                        *
 * ------------------------------------------------------------------ */

/* CPU features a plugin may require (probed by the host with cpuid). */
#define DMC_CPU_SHA_NI (1ull << 0)
#define DMC_CPU_AVX2 (1ull << 1)
#define DMC_CPU_AVX512F (1ull << 2)
#define DMC_CPU_AVX512BW (1ull << 3)
#define DMC_CPU_AVX512VL (1ull << 4)
#define DMC_CPU_AVX512IFMA (1ull << 5)
#define DMC_CPU_ADX (1ull << 6)
#define DMC_CPU_BMI2 (1ull << 7)
#define DMC_CPU_AVX512DQ (1ull << 8)
#define DMC_CPU_AVX512CD (1ull << 9)
#define DMC_CPU_KNOWN_MASK ((1ull << 10) - 1)

typedef enum dmc_gpu_need {
    DMC_GPU_NONE = 0,
    DMC_GPU_CUDA = 1, /* needs a CUDA device visible through libcuda */
} dmc_gpu_need;

/* ------------------------------------------------------------------ *
 * Status, progress, cancellation                                      *
 * ------------------------------------------------------------------ */

typedef enum dmc_status {
    DMC_OK = 0,
    DMC_ERR_INVALID_ARG = 1,
    DMC_ERR_IO = 2,
    DMC_ERR_CANCELLED = 3,
    DMC_ERR_UNSUPPORTED = 4,
    DMC_ERR_NO_MEMORY = 5,
    DMC_ERR_DEVICE = 6,
    DMC_ERR_INTERNAL = 7,
    DMC_ERR_VERIFY = 8, /* data did not check (bad proof, mismatching root...) */
} dmc_status;

/* done/total in stage-defined units (nodes, layers...). Called from the
 * stage's own threads; must be cheap and thread-safe. */
typedef void (*dmc_progress_fn)(void *user, uint64_t done, uint64_t total);

typedef struct dmc_call {
    uint32_t struct_size;
    uint32_t threads;  /* threads the stage may use; 0 means 1 */
    int32_t numa_node; /* NUMA node the host placed the call on, -1 = any */
    uint32_t reserved0;
    dmc_progress_fn progress; /* may be NULL */
    void *progress_user;
    const volatile int32_t *cancel; /* may be NULL; non-zero = stop */
    char *error;                    /* out: one-line message on failure */
    uint32_t error_size;
    uint32_t reserved1;
} dmc_call;

/* ------------------------------------------------------------------ *
 * Stage kinds and their argument structs                              *
 * ------------------------------------------------------------------ */

typedef enum dmc_stage_kind {
    DMC_STAGE_TREE_D = 1,
    DMC_STAGE_PC1 = 2,
    DMC_STAGE_TREE_C = 3,
    DMC_STAGE_TREE_R_LAST = 4,
    DMC_STAGE_POREP_VANILLA = 5,
    DMC_STAGE_SNAP_ENCODE = 6,
    DMC_STAGE_SNAP_VANILLA = 7,
    DMC_STAGE_KERNEL_BENCH = 8, /* ABI 1.1: kernel measurements for benchmarks */
    DMC_STAGE_KIND_MAX = 8,
} dmc_stage_kind;

/* Interface versions of each stage's ops table (bumped on additions). */
#define DMC_TREE_D_IFACE 1u
#define DMC_PC1_IFACE 1u
#define DMC_TREE_C_IFACE 1u
#define DMC_TREE_R_LAST_IFACE 1u
#define DMC_POREP_VANILLA_IFACE 1u
#define DMC_SNAP_ENCODE_IFACE 1u
#define DMC_SNAP_VANILLA_IFACE 1u
#define DMC_KERNEL_BENCH_IFACE 1u

/* tree_d: binary SHA-256/trunc254 tree over the staged (fr32-padded) data. */
typedef struct dmc_tree_d_args {
    uint32_t struct_size;
    uint32_t reserved0;
    uint64_t sector_size;    /* bytes; a power of two */
    const char *staged_path; /* padded data; a shorter file is zero-extended */
    const char *tree_d_path; /* out: (2N-1)*32 bytes, leaves first, root last */
    uint8_t comm_d[32];      /* out */
} dmc_tree_d_args;

typedef struct dmc_tree_d_ops {
    uint32_t struct_size;
    uint32_t reserved0;
    dmc_status (*run)(const dmc_call *call, dmc_tree_d_args *args);
} dmc_tree_d_ops;

/* pc1: SDR labels of every layer for one or more replicas. */
typedef struct dmc_pc1_sector {
    uint32_t struct_size;
    uint32_t first_layer; /* 1 = from scratch; resume: layers < first_layer
                             exist in cache_dir and are final */
    uint8_t replica_id[32];
    const char *cache_dir; /* out: sc-02-data-layer-<l>.dat, written atomically */
} dmc_pc1_sector;

typedef void (*dmc_layer_done_fn)(void *user, uint32_t sector_index, uint32_t layer);

typedef struct dmc_pc1_args {
    uint32_t struct_size;
    uint32_t num_sectors;          /* > 1 only if the stage advertises max_sectors > 1;
                                      all sectors share the proof type */
    uint64_t registered_proof;     /* RegisteredSealProof id (0..19) */
    const char *parent_cache_path; /* 56*N bytes, verified by the host */
    dmc_pc1_sector *sectors;       /* num_sectors entries */
    dmc_layer_done_fn layer_done;  /* may be NULL: checkpoint hook, called
                                      after a layer file is durable */
    void *layer_done_user;
} dmc_pc1_args;

typedef struct dmc_pc1_ops {
    uint32_t struct_size;
    uint32_t reserved0;
    dmc_status (*run)(const dmc_call *call, dmc_pc1_args *args);
    /* ABI 1.2, read only when struct_size covers them (0 = not given): how a
     * multi-sector call uses the machine, for the host's resource estimate
     * of a fused vertex of k sectors (docs/plugin-guide.md). */
    uint32_t sectors_per_thread; /* sectors one thread labels at full speed: the host asks
                                    ceil(k / this) + 1 cores instead of k + 2 */
    uint32_t memory_permille;    /* resident memory per sector when a call has more sectors
                                    than threads, in thousandths of the sector size (0: 2000) */
} dmc_pc1_ops;

/* tree_c: column hashes over all layers + arity-8 Poseidon tree(s). */
typedef struct dmc_tree_c_args {
    uint32_t struct_size;
    uint32_t reserved0;
    uint64_t registered_proof;
    const char *cache_dir; /* in: layer files; out: sc-02-data-tree-c[-i].dat */
    uint8_t comm_c[32];    /* out */
} dmc_tree_c_args;

typedef struct dmc_tree_c_ops {
    uint32_t struct_size;
    uint32_t reserved0;
    dmc_status (*run)(const dmc_call *call, dmc_tree_c_args *args);
} dmc_tree_c_ops;

/* tree_r_last: encode (replica = data + last layer in Fr) and build the
 * arity-8 tree(s) keeping rows above rows_to_discard. With
 * DMC_TREE_R_BUILD_ONLY the replica already exists and is only read. */
#define DMC_TREE_R_BUILD_ONLY (1u << 0)

typedef struct dmc_tree_r_last_args {
    uint32_t struct_size;
    uint32_t flags;
    uint64_t registered_proof;
    uint32_t rows_to_discard;
    uint32_t reserved0;
    const char *layer_path;   /* in: last layer labels (unused in BUILD_ONLY) */
    const char *staged_path;  /* in: padded data; NULL = all zero (CC) */
    const char *replica_path; /* out (or in with BUILD_ONLY): N*32 bytes */
    const char *tree_dir;     /* out: sc-02-data-tree-r-last[-i].dat */
    uint8_t comm_r_last[32];  /* out */
} dmc_tree_r_last_args;

typedef struct dmc_tree_r_last_ops {
    uint32_t struct_size;
    uint32_t reserved0;
    dmc_status (*run)(const dmc_call *call, dmc_tree_r_last_args *args);
} dmc_tree_r_last_ops;

/* porep_vanilla: vanilla PoRep proofs for the given challenges, written in
 * the sdk's vanilla-proof file format (damocles/sdk/vanilla_porep.hpp). The
 * host verifies them with the sdk verifier against comm_d/comm_r. */
typedef struct dmc_porep_vanilla_args {
    uint32_t struct_size;
    uint32_t num_challenges;
    uint64_t registered_proof;
    uint8_t replica_id[32];
    const uint64_t *challenges; /* node indexes */
    const char *parent_cache_path;
    const char *cache_dir; /* layers, tree-d, tree-c, tree-r-last, t_aux */
    const char *replica_path;
    const char *proofs_path; /* out */
} dmc_porep_vanilla_args;

typedef struct dmc_porep_vanilla_ops {
    uint32_t struct_size;
    uint32_t reserved0;
    dmc_status (*run)(const dmc_call *call, dmc_porep_vanilla_args *args);
} dmc_porep_vanilla_ops;

/* snap_encode: new_replica = sector_key + data * rho(v >> shift), tree_r_last
 * over the new replica into new_cache_dir, comm_r_last_new out. */
typedef struct dmc_snap_encode_args {
    uint32_t struct_size;
    uint32_t rows_to_discard;
    uint64_t registered_proof; /* the sector's seal proof */
    uint8_t comm_d_new[32];
    uint8_t comm_r_old[32];
    const char *sector_key_path;  /* in: old replica */
    const char *staged_path;      /* in: new padded data */
    const char *new_replica_path; /* out */
    const char *new_cache_dir;    /* out: tree-r-last files */
    uint8_t comm_r_last_new[32];  /* out */
} dmc_snap_encode_args;

typedef struct dmc_snap_encode_ops {
    uint32_t struct_size;
    uint32_t reserved0;
    dmc_status (*run)(const dmc_call *call, dmc_snap_encode_args *args);
} dmc_snap_encode_ops;

/* snap_vanilla: vanilla partition proofs of a sector update, written in the
 * sdk's snap-proof file format; verified by the host. */
typedef struct dmc_snap_vanilla_args {
    uint32_t struct_size;
    uint32_t rows_to_discard;
    uint64_t registered_proof;
    uint8_t comm_c[32];
    uint8_t comm_r_last_old[32];
    uint8_t comm_r_last_new[32];
    uint8_t comm_d_new[32];
    const char *sector_key_path;
    const char *old_cache_dir;
    const char *new_replica_path;
    const char *new_cache_dir; /* tree-r-last (new) and tree-d (new data) */
    const char *proofs_path;   /* out */
} dmc_snap_vanilla_args;

typedef struct dmc_snap_vanilla_ops {
    uint32_t struct_size;
    uint32_t reserved0;
    dmc_status (*run)(const dmc_call *call, dmc_snap_vanilla_args *args);
} dmc_snap_vanilla_ops;

/* kernel_bench (ABI 1.1): times one of the plugin's compute kernels, so that
 * `damocles-run bench` compares a stage with a limit measured in the same
 * run on the same code, without reaching into the plugin's private symbols.
 * It is not a sealing stage: the engine never schedules it. The kernel names
 * and the meaning of work/params are the plugin's; docs/plugin-guide.md
 * lists the names the benchmarks ask for. */
typedef struct dmc_kernel_bench_args {
    uint32_t struct_size;
    uint32_t text_size; /* bytes of text, 0 when text is NULL */
    const char *kernel; /* one of dmc_kernel_bench_ops.kernels */
    uint64_t work;      /* units to run (blocks, products, hashes...) */
    uint64_t params[4]; /* kernel-specific (lanes, arity...); unused = 0 */
    double ns_per_op;   /* out: wall-clock ns per unit; 0 for a kernel that
                           only describes (text). Params the kernel does not
                           offer: DMC_ERR_UNSUPPORTED */
    char *text;         /* out, may be NULL: one NUL-terminated line */
} dmc_kernel_bench_args;

typedef struct dmc_kernel_bench_ops {
    uint32_t struct_size;
    uint32_t reserved0;
    /* DMC_ERR_UNSUPPORTED for a kernel name it does not have. */
    dmc_status (*run)(const dmc_call *call, dmc_kernel_bench_args *args);
    const char *const *kernels; /* NULL-terminated list of kernel names */
} dmc_kernel_bench_ops;

/* ------------------------------------------------------------------ *
 * Descriptor                                                          *
 * ------------------------------------------------------------------ */

/* The stage can process several sectors in one call (fused PC1 vertex). */
#define DMC_STAGE_FLAG_MULTI_SECTOR (1u << 0)

typedef struct dmc_stage_desc {
    uint32_t struct_size;
    uint32_t kind;              /* dmc_stage_kind */
    uint32_t interface_version; /* DMC_<KIND>_IFACE the plugin was built for */
    int32_t priority;           /* higher wins; cpu reference uses 0 */
    uint32_t flags;             /* DMC_STAGE_FLAG_* */
    uint32_t max_sectors;       /* >= 1 */
    const void *ops;            /* const dmc_<kind>_ops * */
} dmc_stage_desc;

typedef struct dmc_plugin_descriptor {
    uint32_t abi_version; /* DMC_PLUGIN_ABI at build time */
    uint32_t struct_size; /* sizeof(dmc_plugin_descriptor) at build time */
    const char *name;     /* [a-z0-9_-]{1,32}, unique among loaded plugins */
    const char *version;
    const char *description;
    uint64_t required_cpu_features; /* DMC_CPU_* */
    uint32_t gpu_need;              /* dmc_gpu_need */
    uint32_t num_stages;
    const dmc_stage_desc *stages;
    void *reserved[4];
} dmc_plugin_descriptor;

typedef const dmc_plugin_descriptor *(*dmc_plugin_query_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* DAMOCLES_PLUGIN_H */
