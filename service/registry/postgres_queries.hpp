// SPDX-License-Identifier: Apache-2.0
//
// The registry's rows in PostgreSQL: column lists, row decoders, and the
// multi-statement reads and writes the PostgresRegistry methods compose
// inside one transaction (a sector with its pieces and snap info, a queue
// entry, optionally row-locked).
#pragma once

#include <optional>
#include <vector>

#include "service/registry/registry_types.hpp"
#include "service/registry/postgres_db.hpp"

namespace dmc::service::pgq {

extern const char *const kSectorColumns;  // "miner, number, proof, …" in read_sector_row's order
extern const char *const kQueueColumns;   // in read_queue_row's order

SectorRecord read_sector_row(const pg::Rows &r, int i);
QueueEntry read_queue_row(const pg::Rows &r, int i);
// cid, size, piece_offset, deal_id, source from column `base` on.
PieceRecord read_piece_row(const pg::Rows &r, int i, int base);

int64_t now_seconds();
std::vector<pg::Param> key_params(const SectorKey &key);
// "sector s-t0M-N is not leased to this task" (conflict).
Error not_leased(const SectorKey &key);
// Runs `sql` with $1 = miner, $2 = number.
Status exec_key(pg::Connection &c, const char *sql, const SectorKey &key);
// counters row `name` incremented; its new value.
Result<int64_t> next_counter(pg::Connection &c, const char *name);

// The sector with its pieces and snap info; `lock` takes its row lock.
Result<std::optional<SectorRecord>> get_sector_tx(pg::Connection &c, const SectorKey &key, bool lock = false);
Result<std::optional<QueueEntry>> queue_get_tx(pg::Connection &c, const SectorKey &key, bool lock);
Status insert_pieces(pg::Connection &c, const SectorKey &key, const char *kind, const std::vector<PieceRecord> &pieces);
Status write_sector_tx(pg::Connection &c, const SectorRecord &r);
Status delete_sector_tx(pg::Connection &c, const SectorKey &key);
// Queue entry and reservation gone (finalize, abort, cancel).
Status drop_queue_and_reservation(pg::Connection &c, const SectorKey &key);

} // namespace dmc::service::pgq
