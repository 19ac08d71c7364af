// Erasure of a pseudonymous address (PIPL Art. 47): one tombstone per erased address, keyed by the SHA-256 of the
// address (it names nobody to whoever does not already know the address), so every later request of that address is
// answered 410. `pending_grants` lists the grants whose subject-signed revocations were queued with the erasure: once
// each is revoked on chain, the relay rows that still name the address are purged and the list is emptied.
export default {
  version: 40,
  name: "erasures",
  sql: `
CREATE TABLE erasures (
  subject_hash text PRIMARY KEY,
  erased_at timestamptz NOT NULL,
  pending_grants text NOT NULL DEFAULT '[]'
);
CREATE INDEX erasures_pending ON erasures (erased_at) WHERE pending_grants <> '[]';
`,
};
