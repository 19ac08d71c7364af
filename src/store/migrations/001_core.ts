// Core tables: service metadata, SIWE nonces, the append-only log, anchors and the chain outbox.
export default {
  version: 1,
  name: "core",
  sql: `
CREATE TABLE meta (
  key text PRIMARY KEY,
  value text NOT NULL
);
CREATE TABLE auth_nonces (
  nonce text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
-- One row per leaf, never updated; idx is dense from 0 (the auditor checks for gaps).
CREATE TABLE log_leaves (
  idx bigint PRIMARY KEY,
  leaf_hash bytea NOT NULL,
  input text NOT NULL,
  type text NOT NULL,
  ref_id text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX log_leaves_ref ON log_leaves (ref_id);
-- The log head is one row locked by every append: it serialises index assignment across instances.
CREATE TABLE log_head (
  id int PRIMARY KEY CHECK (id = 1),
  size bigint NOT NULL,
  frontier text NOT NULL
);
INSERT INTO log_head (id, size, frontier) VALUES (1, 0, '[]');
-- Checkpoints we computed and (once confirmed) anchored on chain.
CREATE TABLE anchors (
  size bigint PRIMARY KEY,
  root bytea NOT NULL,
  prev_size bigint NOT NULL,
  status text NOT NULL CHECK (status IN ('pending','submitted','confirmed','failed')),
  tx_hash text,
  block_number bigint,
  block_time timestamptz,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Outbox: chain work acknowledged locally, sent later, retried with the same payload.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  ref_id text NOT NULL,
  payload text NOT NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','submitted','confirmed','failed')),
  attempts int NOT NULL DEFAULT 0,
  tx_hash text,
  block_number bigint,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (kind, ref_id)
);
CREATE INDEX outbox_pending ON outbox (status, id) WHERE status IN ('queued','submitted');
`,
};
