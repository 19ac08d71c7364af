// Cosignatures that witnesses returned for our signed checkpoints (C2SP tlog-witness), one per witness and size.
// The log's own signature is not stored: Ed25519 is deterministic, so it is re-made from (size, root) on demand.
export default {
  version: 19,
  name: "witness_cosignatures",
  sql: `
    CREATE TABLE checkpoint_cosignatures (
      witness text NOT NULL,
      size bigint NOT NULL CHECK (size >= 0),
      root bytea NOT NULL CHECK (length(root) = 32),
      line text NOT NULL,
      cosigned_at timestamptz NOT NULL,
      PRIMARY KEY (witness, size)
    );
    CREATE INDEX checkpoint_cosignatures_size ON checkpoint_cosignatures (size DESC);
  `,
};
