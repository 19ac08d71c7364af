// Booking slots (opaque id + time per counselor) and bookings (sealed details the server cannot open).
import type { Queryable } from "./db.js";

export interface SlotRow {
  slot_id: string;
  starts_at: Date | string;
  ends_at: Date | string;
  taken: boolean;
  place: string | null;
}

export interface BookingRow {
  booking_id: string;
  slot_id: string;
  subject: string;
  counselor: string;
  sealed: unknown;
  status: string;
  starts_at: Date | string;
  ends_at: Date | string;
  place: string | null;
}

/** Drops the counselor's free slots that no booking refers to. */
export async function deleteFreeSlots(q: Queryable, counselor: string): Promise<void> {
  await q.query("DELETE FROM booking_slots WHERE counselor = $1 AND taken = false AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = booking_slots.slot_id)", [counselor]);
}

/** The counselor a slot belongs to, if the slot exists. */
export async function slotOwner(q: Queryable, slotId: string): Promise<string | undefined> {
  const [r] = await q.query<{ counselor: string }>("SELECT counselor FROM booking_slots WHERE slot_id = $1", [slotId]);
  return r?.counselor;
}

export async function insertSlot(q: Queryable, s: { slotId: string; counselor: string; start: string; end: string; place?: string | null }): Promise<void> {
  await q.query("INSERT INTO booking_slots (slot_id, counselor, starts_at, ends_at, place) VALUES ($1,$2,$3,$4,$5)", [s.slotId, s.counselor, s.start, s.end, s.place ?? null]);
}

/** The counselor's slots that have not ended, in time order. */
export async function futureSlots(q: Queryable, counselor: string): Promise<SlotRow[]> {
  return q.query<SlotRow>("SELECT slot_id, starts_at, ends_at, taken, place FROM booking_slots WHERE counselor = $1 AND ends_at > now() ORDER BY starts_at, slot_id", [counselor]);
}

/** Free and taken counts of the counselor's slots that have not ended (all the matcher learns). */
export async function slotCounts(q: Queryable, counselor: string): Promise<{ free: number; taken: number }> {
  const rows = await q.query<{ taken: boolean; n: string }>("SELECT taken, count(*) AS n FROM booking_slots WHERE counselor = $1 AND ends_at > now() GROUP BY taken", [counselor]);
  return { free: Number(rows.find((s) => !s.taken)?.n ?? 0), taken: Number(rows.find((s) => s.taken)?.n ?? 0) };
}

/** Marks a free slot taken; false if it was taken already. */
export async function takeSlot(q: Queryable, slotId: string): Promise<boolean> {
  const up = await q.query("UPDATE booking_slots SET taken = true WHERE slot_id = $1 AND taken = false RETURNING slot_id", [slotId]);
  return up.length > 0;
}

export async function freeSlot(q: Queryable, slotId: string): Promise<void> {
  await q.query("UPDATE booking_slots SET taken = false WHERE slot_id = $1", [slotId]);
}

export async function insertBooking(
  q: Queryable,
  b: { bookingId: string; slotId: string; subject: string; counselor: string; sealed: unknown; contentHash: string; at: string },
): Promise<void> {
  await q.query("INSERT INTO bookings (booking_id, slot_id, subject, counselor, sealed, content_hash, status, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,'booked',$7,$7)", [
    b.bookingId, b.slotId, b.subject, b.counselor, JSON.stringify(b.sealed), b.contentHash, b.at,
  ]);
}

/** A subject's booking (any status). */
export async function bookingOf(q: Queryable, subject: string, bookingId: string): Promise<{ booking_id: string; slot_id: string; counselor: string; status: string } | undefined> {
  const [b] = await q.query<{ booking_id: string; slot_id: string; counselor: string; status: string }>(
    "SELECT booking_id, slot_id, counselor, status FROM bookings WHERE booking_id = $1 AND subject = $2",
    [bookingId, subject],
  );
  return b;
}

/** Moves a booking to another slot with new sealed details. */
export async function moveBooking(q: Queryable, b: { bookingId: string; slotId: string; sealed: unknown; contentHash: string; at: string }): Promise<void> {
  await q.query("UPDATE bookings SET slot_id = $2, sealed = $3, content_hash = $4, updated_at = $5 WHERE booking_id = $1", [b.bookingId, b.slotId, JSON.stringify(b.sealed), b.contentHash, b.at]);
}

export async function cancelBooking(q: Queryable, bookingId: string, at: string): Promise<void> {
  await q.query("UPDATE bookings SET status = 'cancelled', updated_at = $2 WHERE booking_id = $1", [bookingId, at]);
}

/** Bookings of a resident (`as: "subject"`) or on a counselor's slots (`as: "counselor"`), in slot time order. */
export async function bookingsOf(q: Queryable, as: "subject" | "counselor", address: string): Promise<BookingRow[]> {
  const col = as === "counselor" ? "b.counselor" : "b.subject";
  return q.query<BookingRow>(
    `SELECT b.booking_id, b.slot_id, b.subject, b.counselor, b.sealed, b.status, s.starts_at, s.ends_at, s.place FROM bookings b JOIN booking_slots s ON s.slot_id = b.slot_id
      WHERE ${col} = $1 ORDER BY s.starts_at, b.booking_id`,
    [address],
  );
}
