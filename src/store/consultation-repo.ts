// Consultation signaling rows (offers, answers, ICE candidates) and the booking facts a session is checked against.
import type { Queryable } from "./db.js";

export type Side = "resident" | "counselor";

export interface SessionBooking {
  booking_id: string;
  subject: string;
  counselor: string;
  status: string;
  starts_at: Date | string;
  ends_at: Date | string;
}

export interface SignalRow {
  seq: string | number;
  sender: Side;
  kind: string;
  data: unknown;
  created_at: Date | string;
}

/** A booking with its slot's times, any status. */
export async function sessionBooking(q: Queryable, bookingId: string): Promise<SessionBooking | undefined> {
  const [b] = await q.query<SessionBooking>(
    "SELECT b.booking_id, b.subject, b.counselor, b.status, s.starts_at, s.ends_at FROM bookings b JOIN booking_slots s ON s.slot_id = b.slot_id WHERE b.booking_id = $1",
    [bookingId],
  );
  return b;
}

export async function insertSignal(q: Queryable, s: { bookingId: string; sender: Side; kind: string; data: unknown }): Promise<number> {
  const [r] = await q.query<{ seq: string }>("INSERT INTO consultation_signals (booking_id, sender, kind, data) VALUES ($1,$2,$3,$4) RETURNING seq", [s.bookingId, s.sender, s.kind, JSON.stringify(s.data)]);
  return Number(r!.seq);
}

/** Signals of one booking after `after` sent by `from`, in order (at most `limit`). */
export async function signalsAfter(q: Queryable, bookingId: string, from: Side, after: number, limit = 100): Promise<SignalRow[]> {
  return q.query<SignalRow>("SELECT seq, sender, kind, data, created_at FROM consultation_signals WHERE booking_id = $1 AND sender = $2 AND seq > $3 ORDER BY seq LIMIT $4", [bookingId, from, after, limit]);
}

/** The newest sequence number of a booking's signals (0: none). */
export async function lastSignal(q: Queryable, bookingId: string): Promise<number> {
  const [r] = await q.query<{ seq: string | null }>("SELECT max(seq) AS seq FROM consultation_signals WHERE booking_id = $1", [bookingId]);
  return Number(r?.seq ?? 0);
}

/** How many signals `sender` sent for the booking in the last minute (the per-side rate). */
export async function recentSignals(q: Queryable, bookingId: string, sender: Side): Promise<number> {
  const [r] = await q.query<{ n: string }>("SELECT count(*) AS n FROM consultation_signals WHERE booking_id = $1 AND sender = $2 AND created_at > now() - interval '1 minute'", [bookingId, sender]);
  return Number(r?.n ?? 0);
}

/** Drops the signals of sessions whose window has closed (`lateMinutes` after the slot's end), and of cancelled bookings. */
export async function sweepSignals(q: Queryable, lateMinutes: number): Promise<number> {
  const rows = await q.query(
    `DELETE FROM consultation_signals c USING bookings b JOIN booking_slots s ON s.slot_id = b.slot_id
      WHERE c.booking_id = b.booking_id AND (b.status <> 'booked' OR s.ends_at < now() - make_interval(mins => $1::int)) RETURNING c.seq`,
    [lateMinutes],
  );
  return rows.length;
}
