// The key directory no one has to trust (docs/FORMATS.md (Key directory)): every signed publication of a resident's
// X25519 key is kept with its signature and log leaf (history, so the audit can tell which key held when); a
// sealed key entry names the key it was sealed to. Keys published before this migration have no signature: they stay
// readable (legacy: null signature) but verifying clients refuse to seal to them until the owner republishes.
export default {
  version: 30,
  name: "key_directory",
  sql: `
    CREATE TABLE key_publications (
      owner text NOT NULL,
      version integer NOT NULL CHECK (version >= 1),
      x25519_public_key text NOT NULL,
      issued_at bigint NOT NULL,
      signature text NOT NULL,
      leaf_index bigint NOT NULL,
      published_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (owner, version)
    );
    ALTER TABLE vault_recipients ADD COLUMN version integer, ADD COLUMN leaf_index bigint;
    ALTER TABLE record_keys ADD COLUMN recipient_pk text;
  `,
};
