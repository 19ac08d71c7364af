// Server-side sessions (a hash of each token, so sign-out, expiry and revocation work), and the end of the session
// key in the database: the key now lives outside it (a key file or a configured secret), and the old row goes.
export default {
  version: 13,
  name: "sessions",
  sql: `
CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  address text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX sessions_address ON sessions (address) WHERE revoked_at IS NULL;
CREATE INDEX sessions_expires ON sessions (expires_at);
DELETE FROM meta WHERE key = 'session_key';
`,
};
