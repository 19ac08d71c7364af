// Crisis escalation: counselors' on-call hours, the ladder state of each crisis alert, which rung each alert row
// was sent on, and callback numbers sealed to the alerted counselors (ciphertext only, with an expiry).
export default {
  version: 60,
  name: "crisis_escalation",
  sql: `
CREATE TABLE counselor_on_call (
  counselor text PRIMARY KEY,
  hours jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE alerts ADD COLUMN tier text NOT NULL DEFAULT 'care';
ALTER TABLE alerts ADD COLUMN step int NOT NULL DEFAULT 0;
CREATE TABLE alert_ladders (
  alert_id text PRIMARY KEY,
  area text,
  step int NOT NULL DEFAULT 0,
  stepped_at timestamptz NOT NULL,
  done boolean NOT NULL DEFAULT false
);
CREATE INDEX alert_ladders_open ON alert_ladders (stepped_at) WHERE NOT done;
CREATE TABLE alert_callbacks (
  alert_id text NOT NULL,
  recipient text NOT NULL,
  sealed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (alert_id, recipient)
);
ALTER TABLE bookings ADD COLUMN cancel_reason text;
`,
};
