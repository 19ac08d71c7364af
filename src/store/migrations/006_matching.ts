// Matching: counselor profiles, the needs behind the publication gate, proposals and the private accept link,
// and the differential-privacy budget of community statistics. The matcher's API reads only `shown`-level data
// through the service; `subject` and `treatment_subject` never leave the server through the matcher routes.
export default {
  version: 6,
  name: "matching",
  sql: `
CREATE TABLE match_profiles (
  counselor text PRIMARY KEY,
  profile jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE match_needs (
  need_id text PRIMARY KEY,
  seq bigserial NOT NULL,
  subject text NOT NULL,
  matcher text NOT NULL,
  need jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('pooled', 'emergency', 'matched', 'withdrawn')),
  period text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  closed_at timestamptz
);
CREATE INDEX match_needs_subject ON match_needs (subject, status);
CREATE INDEX match_needs_matcher ON match_needs (matcher, status);
CREATE INDEX match_needs_period ON match_needs (period);
CREATE TABLE match_proposals (
  proposal_id text PRIMARY KEY,
  need_id text NOT NULL REFERENCES match_needs (need_id),
  matcher text NOT NULL,
  counselor text NOT NULL,
  cost int NOT NULL,
  reasons jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('proposed', 'accepting', 'accepted', 'declined', 'expired', 'withdrawn')),
  treatment_subject text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  decided_at timestamptz
);
CREATE INDEX match_proposals_need ON match_proposals (need_id, status);
CREATE INDEX match_proposals_counselor ON match_proposals (counselor, status);
CREATE INDEX match_proposals_open ON match_proposals (status, expires_at);
CREATE TABLE dp_budgets (
  period text PRIMARY KEY,
  total double precision NOT NULL,
  spent double precision NOT NULL DEFAULT 0
);
CREATE TABLE dp_releases (
  release_id text PRIMARY KEY,
  period text NOT NULL,
  epsilon double precision NOT NULL,
  level text NOT NULL,
  counts jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dp_releases_period ON dp_releases (period);
`,
};
