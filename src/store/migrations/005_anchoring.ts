// Anchoring and reconciliation: anchors rows get their own id (the same size may be anchored again after a dev
// chain lost its state), remember which CheckpointLog they went to, and may be marked 'lost'. Incidents record
// divergence between the chain and the local log: they stop the service and wait for a human.
export default {
  version: 5,
  name: "anchoring",
  sql: `
ALTER TABLE anchors DROP CONSTRAINT anchors_pkey;
ALTER TABLE anchors DROP CONSTRAINT anchors_status_check;
ALTER TABLE anchors ADD COLUMN id bigserial PRIMARY KEY;
ALTER TABLE anchors ADD COLUMN contract text NOT NULL DEFAULT '';
ALTER TABLE anchors ADD COLUMN gas_used bigint;
ALTER TABLE anchors ADD CONSTRAINT anchors_status_check CHECK (status IN ('pending','submitted','confirmed','failed','lost'));
-- At most one live anchor per size and contract; failed and lost attempts stay as history.
CREATE UNIQUE INDEX anchors_live ON anchors (contract, size) WHERE status IN ('pending','submitted','confirmed');
CREATE TABLE incidents (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL,
  detail text NOT NULL,
  resolved_at timestamptz
);
`,
};
