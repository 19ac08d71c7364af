// Consultation signaling: the offers, answers and ICE candidates the two sides of a booked session exchange through
// the server (never media). Rows go with their booking (erasure deletes bookings) and are swept once the session
// window has closed: an SDP names network addresses.
export default {
  version: 75,
  name: "consultation_signals",
  sql: `
CREATE TABLE consultation_signals (
  seq bigserial PRIMARY KEY,
  booking_id text NOT NULL REFERENCES bookings (booking_id) ON DELETE CASCADE,
  sender text NOT NULL CHECK (sender IN ('resident', 'counselor')),
  kind text NOT NULL,
  data jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consultation_signals_booking ON consultation_signals (booking_id, seq);
CREATE INDEX consultation_signals_created ON consultation_signals (created_at);
`,
};
