// The consent relayer's own outbox: signed grants and revokes exactly as the resident sent them, queued until the
// operator has put them on chain. Kept apart from the generic `outbox` because a grant needs its scope opening
// (categories + scopeSalt) next to it for receipts, FHIR and key release, and every party asks for its status.
export default {
  version: 4,
  name: "consent_relay",
  sql: `
CREATE TABLE consent_requests (
  grant_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('grant','revoke','emergency')),
  subject text NOT NULL,
  grantee text NOT NULL,
  purpose smallint NOT NULL,
  categories text,
  scope_salt text,
  payload text NOT NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','submitted','on_chain','failed')),
  attempts int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  tx_hash text,
  block_number bigint,
  error text,
  lang text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (grant_id, kind)
);
CREATE INDEX consent_requests_pending ON consent_requests (status, next_attempt_at) WHERE status IN ('queued','submitted');
CREATE INDEX consent_requests_subject ON consent_requests (subject);
CREATE INDEX consent_requests_grantee ON consent_requests (grantee);
-- What happened to each request (queued, submitted, on chain, failed, re-queued after the chain lost it).
-- Reason codes only: no personal data.
CREATE TABLE consent_relay_events (
  id bigserial PRIMARY KEY,
  grant_id text NOT NULL,
  kind text NOT NULL,
  event text NOT NULL,
  detail text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consent_relay_events_grant ON consent_relay_events (grant_id);
-- Notices for a resident's pseudonymous address (break-glass opened on them).
CREATE TABLE consent_notices (
  grant_id text NOT NULL,
  subject text NOT NULL,
  kind text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at timestamptz,
  PRIMARY KEY (grant_id, kind)
);
CREATE INDEX consent_notices_subject ON consent_notices (subject);
`,
};
