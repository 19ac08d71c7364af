// Encrypted record vault: envelope versions (ciphertext only), sealed content keys per reader, the access log and
// erasure tombstones. The server never holds a plaintext or an unsealed key (docs/FORMATS.md (Record vault)).
export default {
  version: 3,
  name: "records",
  sql: `
-- One row per record version. envelope = canonical JSON of the envelope WITHOUT keys (ciphertext and sig included);
-- contentHash(envelope) = content_hash = the hash of the log leaf at leaf_index. NULL after erasure.
CREATE TABLE records (
  content_hash text PRIMARY KEY,
  record_id text NOT NULL,
  version int NOT NULL CHECK (version >= 1),
  kind text NOT NULL,
  schema text NOT NULL,
  author text NOT NULL,
  subject_ref text NOT NULL,
  consent_id text,
  prev text,
  created_at timestamptz NOT NULL,
  envelope text,
  leaf_index bigint NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  erased_at timestamptz,
  UNIQUE (record_id, version)
);
CREATE INDEX records_subject ON records (subject_ref);
CREATE INDEX records_author ON records (author);
-- The content key of one version sealed to one reader (crypto_box_seal). grant_id names the grant a re-wrap relied
-- on when the record's subject is not the grant's subject (identity vault entries). sealed is NULL after erasure.
CREATE TABLE record_keys (
  content_hash text NOT NULL REFERENCES records (content_hash) ON DELETE CASCADE,
  recipient text NOT NULL,
  sealed text,
  added_by text NOT NULL,
  added_at timestamptz NOT NULL DEFAULT now(),
  grant_id text,
  PRIMARY KEY (content_hash, recipient)
);
CREATE INDEX record_keys_recipient ON record_keys (recipient);
-- Every key release and every refusal; each row has its own log leaf. reason is a short code, never personal.
CREATE TABLE access_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  requester text NOT NULL,
  content_hash text NOT NULL,
  record_id text NOT NULL,
  decision text NOT NULL CHECK (decision IN ('released','refused')),
  basis text CHECK (basis IN ('author','subject','grant','emergency')),
  grant_id text,
  reason text,
  leaf_index bigint NOT NULL
);
CREATE INDEX access_log_content ON access_log (content_hash);
CREATE INDEX access_log_requester ON access_log (requester);
CREATE TABLE tombstones (
  subject_ref text NOT NULL,
  content_hash text PRIMARY KEY,
  erased_at timestamptz NOT NULL,
  leaf_index bigint NOT NULL
);
-- X25519 public keys that residents publish for their own pseudonymous addresses, so that a counselor can seal a
-- record's key to the resident (the counselors' own keys are on chain: CounselorRegistry.encryptionKeyOf).
CREATE TABLE vault_recipients (
  address text PRIMARY KEY,
  x25519_public_key text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`,
};
