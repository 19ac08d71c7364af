// Assessments side of the server: crisis/wearable alerts, wearable stress indices, booking slots and bookings.
// The server holds no answers, raw series or booking details in clear: only what it must act on.
export default {
  version: 7,
  name: "assess_alerts_booking",
  sql: `
CREATE TABLE alerts (
  alert_id text NOT NULL,
  recipient text NOT NULL,
  subject text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('crisis', 'counselor_mark', 'wearable_warning')),
  level text NOT NULL,
  instrument text,
  raised_by text NOT NULL,
  emergency_offer boolean NOT NULL DEFAULT false,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  acked_at timestamptz,
  PRIMARY KEY (alert_id, recipient)
);
CREATE INDEX alerts_recipient ON alerts (recipient, created_at);
CREATE INDEX alerts_subject ON alerts (subject, created_at);
CREATE TABLE wearable_index (
  subject text NOT NULL,
  day date NOT NULL,
  idx int,
  status text NOT NULL,
  upload_id text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subject, day)
);
CREATE TABLE wearable_warnings (
  warning_id text PRIMARY KEY,
  subject text NOT NULL,
  day_from date NOT NULL,
  day_to date NOT NULL,
  days int NOT NULL,
  peak int NOT NULL,
  ongoing boolean NOT NULL,
  upload_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (subject, day_from)
);
CREATE TABLE booking_slots (
  slot_id text PRIMARY KEY,
  counselor text NOT NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  taken boolean NOT NULL DEFAULT false
);
CREATE INDEX booking_slots_counselor ON booking_slots (counselor, starts_at);
CREATE TABLE bookings (
  booking_id text PRIMARY KEY,
  slot_id text NOT NULL REFERENCES booking_slots (slot_id),
  subject text NOT NULL,
  counselor text NOT NULL,
  sealed jsonb NOT NULL,
  content_hash text NOT NULL,
  status text NOT NULL CHECK (status IN ('booked', 'cancelled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX bookings_live_slot ON bookings (slot_id) WHERE status = 'booked';
CREATE INDEX bookings_subject ON bookings (subject);
`,
};
