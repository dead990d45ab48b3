// SPDX-License-Identifier: Apache-2.0
#include "service/registry/registry_schema.hpp"

namespace dmc::service {

const std::vector<Migration> &registry_migrations()
{
    static const std::vector<Migration> migrations = {
        {1, "sectors, pieces, snap info, rebuild queue, workers, persist stores",
         R"SQL(
CREATE TABLE sectors (
  miner BIGINT NOT NULL,
  number BIGINT NOT NULL,
  proof BIGINT NOT NULL,
  ticket TEXT,
  ticket_epoch BIGINT NOT NULL DEFAULT 0,
  comm_d TEXT NOT NULL,
  comm_r TEXT NOT NULL,
  comm_c TEXT,
  comm_r_last TEXT,
  upgraded INTEGER NOT NULL DEFAULT 0,
  store TEXT NOT NULL DEFAULT '',
  online INTEGER NOT NULL DEFAULT 0,
  need_rebuild INTEGER NOT NULL DEFAULT 0,
  finalized INTEGER NOT NULL DEFAULT 1,
  removed INTEGER NOT NULL DEFAULT 0,
  abort_reason TEXT NOT NULL DEFAULT '',
  latest_state TEXT,
  updated_at BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (miner, number)
);
CREATE TABLE pieces (
  miner BIGINT NOT NULL,
  number BIGINT NOT NULL,
  kind TEXT NOT NULL,
  idx INTEGER NOT NULL,
  cid TEXT NOT NULL,
  size BIGINT NOT NULL,
  piece_offset BIGINT NOT NULL,
  deal_id BIGINT,
  source TEXT,
  PRIMARY KEY (miner, number, kind, idx),
  FOREIGN KEY (miner, number) REFERENCES sectors (miner, number) ON DELETE CASCADE
);
CREATE TABLE snap_info (
  miner BIGINT NOT NULL,
  number BIGINT NOT NULL,
  proof TEXT NOT NULL,
  comm_d_new TEXT,
  comm_r_new TEXT,
  PRIMARY KEY (miner, number),
  FOREIGN KEY (miner, number) REFERENCES sectors (miner, number) ON DELETE CASCADE
);
CREATE TABLE rebuild_queue (
  miner BIGINT NOT NULL,
  number BIGINT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0,
  seq BIGINT NOT NULL,
  enqueued_at BIGINT NOT NULL,
  pieces_available INTEGER NOT NULL DEFAULT 0,
  lease_worker TEXT NOT NULL DEFAULT '',
  lease_location TEXT NOT NULL DEFAULT '',
  lease_id BIGINT NOT NULL DEFAULT 0,
  lease_expires BIGINT NOT NULL DEFAULT 0,
  allocations INTEGER NOT NULL DEFAULT 0,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (miner, number),
  FOREIGN KEY (miner, number) REFERENCES sectors (miner, number) ON DELETE CASCADE
);
CREATE INDEX rebuild_queue_order ON rebuild_queue (priority DESC, seq ASC);
CREATE TABLE counters (
  name TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('queue_seq', 0);
INSERT INTO counters (name, value) VALUES ('lease_id', 0);
CREATE TABLE workers (
  name TEXT PRIMARY KEY,
  address TEXT NOT NULL DEFAULT '',
  version TEXT NOT NULL DEFAULT '',
  last_ping BIGINT NOT NULL DEFAULT 0,
  threads INTEGER NOT NULL DEFAULT 0,
  empty INTEGER NOT NULL DEFAULT 0,
  paused INTEGER NOT NULL DEFAULT 0,
  running INTEGER NOT NULL DEFAULT 0,
  waiting INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  threads_json TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE persist_stores (
  name TEXT PRIMARY KEY,
  path TEXT NOT NULL,
  weight INTEGER NOT NULL DEFAULT 1,
  read_only INTEGER NOT NULL DEFAULT 0,
  allow_miners TEXT NOT NULL DEFAULT '',
  deny_miners TEXT NOT NULL DEFAULT ''
);
CREATE TABLE reservations (
  miner BIGINT NOT NULL,
  number BIGINT NOT NULL,
  store TEXT NOT NULL,
  size BIGINT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (miner, number)
)
)SQL"},
        {2, "sectors.chain_checked_epoch: the chain height a --lotus check confirmed the record at",
         R"SQL(
ALTER TABLE sectors ADD COLUMN chain_checked_epoch BIGINT
)SQL"},
        // docs/file-formats.md §1.1: the record's "keep an unsealed copy"
        // flag, and a rebuild queued with --unsealed.
        {3, "keep_unsealed on sectors, unsealed on rebuild_queue",
         R"SQL(
ALTER TABLE sectors ADD COLUMN keep_unsealed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rebuild_queue ADD COLUMN unsealed INTEGER NOT NULL DEFAULT 0
)SQL"},
    };
    return migrations;
}

} // namespace dmc::service
