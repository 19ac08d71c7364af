// Booking: counselors publish opaque slots (id + time), a resident with an active TREATMENT grant to that
// counselor books one with details sealed client-side (a signed record envelope the server cannot open). The
// matching service only ever sees free/taken counts per counselor.
import { randomBytes } from "node:crypto";
import { sha256 } from "@noble/hashes/sha2.js";
import { canonicalBytes, verifyEnvelope } from "../crypto/index.js";
import { Purpose } from "../consent/types.js";
import { activeGrants } from "../store/consent-repo.js";
import type { Queryable } from "../store/db.js";
import { conflict, forbidden, notFound, unprocessable } from "./errors.js";
import type { AppContext } from "./context.js";

const hashOf = (v: unknown) => Buffer.from(sha256(canonicalBytes(v))).toString("hex");
const iso = (v: unknown) => (v instanceof Date ? v : new Date(String(v))).toISOString();
export const BOOKING_SCHEMA = "anxin.booking.v1";

export interface SlotInput {
  slotId?: string;
  start: string;
  end: string;
}

/** Replaces the counselor's free future slots with `slots`; taken slots stay as they are. */
export async function publishSlots(ctx: AppContext, counselor: string, slots: SlotInput[]) {
  const at = new Date().toISOString();
  return ctx.writer.submit(async ({ q, append }) => {
    await q.query("DELETE FROM booking_slots WHERE counselor = $1 AND taken = false AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = booking_slots.slot_id)", [counselor]);
    const out = [];
    for (const s of slots) {
      const id = s.slotId ?? randomBytes(12).toString("hex");
      const clash = await q.query("SELECT counselor FROM booking_slots WHERE slot_id = $1", [id]);
      if (clash.length) throw conflict("slotId already in use");
      await q.query("INSERT INTO booking_slots (slot_id, counselor, starts_at, ends_at) VALUES ($1,$2,$3,$4)", [id, counselor, s.start, s.end]);
      out.push({ slotId: id, start: iso(s.start), end: iso(s.end), taken: false });
    }
    append({ type: "access", id: `slots:${counselor}`, hash: hashOf({ counselor, slots: out }), at, action: "slots.publish", count: out.length });
    return out;
  });
}

export async function listSlots(q: Queryable, counselor: string) {
  const rows = await q.query<any>("SELECT slot_id, starts_at, ends_at, taken FROM booking_slots WHERE counselor = $1 AND ends_at > now() ORDER BY starts_at, slot_id", [counselor]);
  return rows.map((r) => ({ slotId: r.slot_id, start: iso(r.starts_at), end: iso(r.ends_at), taken: r.taken }));
}

async function hasTreatment(ctx: AppContext, subject: string, counselor: string) {
  return (await activeGrants(ctx.db, { subject, grantee: counselor, purposes: [Purpose.TREATMENT], atSeconds: Math.floor(Date.now() / 1000) })).length > 0;
}

function checkSealed(subject: string, counselor: string, sealed: unknown): string {
  const v = verifyEnvelope(sealed);
  if (!v.ok) throw unprocessable(`sealedDetails: ${v.reason}`);
  const e = v.envelope;
  if (e.schema !== BOOKING_SCHEMA) throw unprocessable(`sealedDetails.schema must be ${BOOKING_SCHEMA}`);
  if (e.author !== subject || e.subjectRef !== subject) throw unprocessable("sealedDetails must be authored by and about the signed-in address");
  if (!e.keys.some((k) => k.to === counselor)) throw unprocessable("sealedDetails must be readable by the counselor");
  return v.contentHash;
}

export async function book(ctx: AppContext, subject: string, slotId: string, sealed: unknown) {
  const [slot] = await ctx.db.query<{ counselor: string }>("SELECT counselor FROM booking_slots WHERE slot_id = $1", [slotId]);
  if (!slot) throw notFound("no such slot");
  if (!(await hasTreatment(ctx, subject, slot.counselor))) throw forbidden("booking needs an active TREATMENT consent to this counselor");
  const contentHash = checkSealed(subject, slot.counselor, sealed);
  const bookingId = randomBytes(16).toString("hex");
  const at = new Date().toISOString();
  return ctx.writer.submit(async ({ q, append }) => {
    const up = await q.query("UPDATE booking_slots SET taken = true WHERE slot_id = $1 AND taken = false RETURNING slot_id", [slotId]);
    if (!up.length) throw conflict("slot is already taken");
    await q.query("INSERT INTO bookings (booking_id, slot_id, subject, counselor, sealed, content_hash, status, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,'booked',$7,$7)", [
      bookingId, slotId, subject, slot.counselor, JSON.stringify(sealed), contentHash, at,
    ]);
    append({ type: "access", id: `booking:${bookingId}`, hash: contentHash.slice(2), at, action: "booking.create", decision: "booked" });
    return { bookingId, slotId, counselorId: slot.counselor, status: "booked", contentHash };
  });
}

async function ownBooking(q: Queryable, subject: string, bookingId: string) {
  const [b] = await q.query<any>("SELECT booking_id, slot_id, counselor, status FROM bookings WHERE booking_id = $1 AND subject = $2", [bookingId, subject]);
  if (!b) throw notFound("no such booking");
  if (b.status !== "booked") throw conflict(`booking is ${b.status}`);
  return b;
}

export async function reschedule(ctx: AppContext, subject: string, bookingId: string, slotId: string, sealed: unknown) {
  const [slot] = await ctx.db.query<{ counselor: string }>("SELECT counselor FROM booking_slots WHERE slot_id = $1", [slotId]);
  if (!slot) throw notFound("no such slot");
  if (!(await hasTreatment(ctx, subject, slot.counselor))) throw forbidden("booking needs an active TREATMENT consent to this counselor");
  const contentHash = checkSealed(subject, slot.counselor, sealed);
  const at = new Date().toISOString();
  return ctx.writer.submit(async ({ q, append }) => {
    const b = await ownBooking(q, subject, bookingId);
    if (b.counselor !== slot.counselor) throw unprocessable("reschedule within the same counselor's slots; book anew otherwise");
    if (b.slot_id !== slotId) {
      const up = await q.query("UPDATE booking_slots SET taken = true WHERE slot_id = $1 AND taken = false RETURNING slot_id", [slotId]);
      if (!up.length) throw conflict("slot is already taken");
      await q.query("UPDATE booking_slots SET taken = false WHERE slot_id = $1", [b.slot_id]);
    }
    await q.query("UPDATE bookings SET slot_id = $2, sealed = $3, content_hash = $4, updated_at = $5 WHERE booking_id = $1", [bookingId, slotId, JSON.stringify(sealed), contentHash, at]);
    append({ type: "access", id: `booking:${bookingId}`, hash: contentHash.slice(2), at, action: "booking.reschedule", decision: "rescheduled" });
    return { bookingId, slotId, counselorId: slot.counselor, status: "booked", contentHash };
  });
}

export async function cancel(ctx: AppContext, subject: string, bookingId: string) {
  const at = new Date().toISOString();
  return ctx.writer.submit(async ({ q, append }) => {
    const b = await ownBooking(q, subject, bookingId);
    await q.query("UPDATE bookings SET status = 'cancelled', updated_at = $2 WHERE booking_id = $1", [bookingId, at]);
    await q.query("UPDATE booking_slots SET taken = false WHERE slot_id = $1", [b.slot_id]);
    append({ type: "access", id: `booking:${bookingId}`, hash: hashOf({ bookingId, status: "cancelled", at }), at, action: "booking.cancel", decision: "cancelled" });
    return { bookingId, status: "cancelled" };
  });
}

/** Resident: own bookings; counselor: bookings on their slots. Both get the sealed details (they are recipients). */
export async function listBookings(ctx: AppContext, who: { address: string; isCounselor: boolean }) {
  const col = who.isCounselor ? "b.counselor" : "b.subject";
  const rows = await ctx.db.query<any>(
    `SELECT b.booking_id, b.slot_id, b.subject, b.counselor, b.sealed, b.status, s.starts_at, s.ends_at FROM bookings b JOIN booking_slots s ON s.slot_id = b.slot_id
      WHERE ${col} = $1 ORDER BY s.starts_at, b.booking_id`,
    [who.address],
  );
  return rows.map((r) => ({ bookingId: r.booking_id, slotId: r.slot_id, subjectRef: r.subject, counselorId: r.counselor, start: iso(r.starts_at), end: iso(r.ends_at), status: r.status, sealedDetails: r.sealed }));
}
