// Bookings a withdrawn consent ends: live future bookings, and their cancellation with the reason kept.
import type { Queryable } from "./db.js";

export async function liveFutureBookings(q: Queryable, now: string): Promise<Array<{ booking_id: string; slot_id: string; subject: string; counselor: string }>> {
  return q.query(
    `SELECT b.booking_id, b.slot_id, b.subject, b.counselor FROM bookings b JOIN booking_slots s ON s.slot_id = b.slot_id
      WHERE b.status = 'booked' AND s.starts_at > $1 ORDER BY s.starts_at LIMIT 500`,
    [now],
  );
}

/** Cancels a still-live booking with a reason and frees its slot; false if it was no longer live. */
export async function cancelWithReason(q: Queryable, bookingId: string, slotId: string, reason: string, at: string): Promise<boolean> {
  const r = await q.query("UPDATE bookings SET status = 'cancelled', cancel_reason = $2, updated_at = $3 WHERE booking_id = $1 AND status = 'booked' RETURNING booking_id", [bookingId, reason, at]);
  if (!r.length) return false;
  await q.query("UPDATE booking_slots SET taken = false WHERE slot_id = $1", [slotId]);
  return true;
}

/** Why bookings of this resident or counselor were cancelled by the system (a withdrawn consent). */
export async function cancelReasons(q: Queryable, address: string): Promise<Map<string, string>> {
  const rows = await q.query<{ booking_id: string; cancel_reason: string }>("SELECT booking_id, cancel_reason FROM bookings WHERE cancel_reason IS NOT NULL AND (subject = $1 OR counselor = $1)", [address]);
  return new Map(rows.map((r) => [r.booking_id, r.cancel_reason]));
}
