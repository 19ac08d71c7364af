// The chain event index: consent grants and registry changes, followed from a remembered block.
// isActive answers from here (not an RPC per request); `anxin index rebuild` recreates it from block 0.
export default {
  version: 2,
  name: "chain_index",
  sql: `
CREATE TABLE chain_cursor (
  name text PRIMARY KEY,
  block bigint NOT NULL,
  block_hash text NOT NULL
);
CREATE TABLE consent_grants (
  grant_id text PRIMARY KEY,
  subject text NOT NULL,
  grantee text NOT NULL,
  purpose smallint NOT NULL,
  scope text NOT NULL,
  not_before bigint NOT NULL,
  not_after bigint NOT NULL,
  revoked_at bigint,
  emergency boolean NOT NULL DEFAULT false,
  block_number bigint NOT NULL,
  block_time bigint NOT NULL,
  tx_hash text NOT NULL,
  log_index int NOT NULL,
  revoke_block bigint,
  revoke_tx text
);
CREATE INDEX consent_grants_grantee ON consent_grants (grantee, purpose);
CREATE INDEX consent_grants_subject ON consent_grants (subject);
CREATE TABLE registry_events (
  block_number bigint NOT NULL,
  log_index int NOT NULL,
  tx_hash text NOT NULL,
  block_time bigint NOT NULL,
  event text NOT NULL,
  account text NOT NULL,
  data text NOT NULL,
  PRIMARY KEY (block_number, log_index)
);
CREATE INDEX registry_events_account ON registry_events (account);
`,
};
