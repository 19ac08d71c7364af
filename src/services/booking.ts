// Booking: counselors publish opaque slots (id + time), a resident with an active TREATMENT grant to that
// counselor books one with details sealed client-side (a signed record envelope the server cannot open). The
// matching service only ever sees free/taken counts per counselor.
import { randomBytes } from "node:crypto";
import { sha256 } from "@noble/hashes/sha2.js";
import { canonicalBytes, verifyEnvelope } from "../crypto/index.js";
import { Purpose } from "../consent/types.js";
import {
  bookingOf,
  bookingsOf,
  cancelBooking,
  deleteFreeSlots,
  freeSlot,
  futureSlots,
  insertBooking,
  insertSlot,
  moveBooking,
  slotOwner,
  takeSlot,
} from "../store/booking-repo.js";
import type { Queryable } from "../store/db.js";
import { conflict, forbidden, notFound, tooMany, unprocessable } from "./errors.js";
import { liveBookingCount } from "../store/limits-repo.js";
import { cancelReasons } from "../store/booking-withdrawal-repo.js";
import type { AppContext } from "./context.js";
import { hasActiveGrant } from "./consents.js";

const hashOf = (v: unknown) => Buffer.from(sha256(canonicalBytes(v))).toString("hex");
const iso = (v: unknown) => (v instanceof Date ? v : new Date(String(v))).toISOString();
export const BOOKING_SCHEMA = "anxin.booking.v1";

export interface SlotInput {
  slotId?: string;
  start: string;
  end: string;
  /** Where the counselor receives residents in person (their workplace); null: online or phone only. */
  place?: string | null;
}

/** Replaces the counselor's free future slots with `slots`; taken slots stay as they are. */
export async function publishSlots(ctx: AppContext, counselor: string, slots: SlotInput[]) {
  const at = new Date().toISOString();
  return ctx.writer.submit(async ({ q, append }) => {
    await deleteFreeSlots(q, counselor);
    const out = [];
    for (const s of slots) {
      const id = s.slotId ?? randomBytes(12).toString("hex");
      if ((await slotOwner(q, id)) !== undefined) throw conflict("slotId already in use");
      await insertSlot(q, { slotId: id, counselor, start: s.start, end: s.end, place: s.place ?? null });
      out.push({ slotId: id, start: iso(s.start), end: iso(s.end), taken: false, place: s.place ?? null });
    }
    append({ type: "access", id: `slots:${counselor}`, hash: hashOf({ counselor, slots: out }), at, action: "slots.publish", count: out.length });
    return out;
  });
}

/** A counselor's slots that have not ended: to the counselor, or to a resident with an active TREATMENT grant to them. */
export async function slotsFor(ctx: AppContext, reader: { address: string; isResident: boolean }, counselor: string) {
  if (reader.address !== counselor) {
    if (!reader.isResident) throw forbidden();
    if (!(await hasTreatment(ctx, reader.address, counselor))) throw forbidden("no active TREATMENT consent to this counselor");
  }
  const rows = await futureSlots(ctx.db, counselor);
  return rows.map((r) => ({ slotId: r.slot_id, start: iso(r.starts_at), end: iso(r.ends_at), taken: r.taken, place: r.place ?? null }));
}

function hasTreatment(ctx: AppContext, subject: string, counselor: string) {
  return hasActiveGrant(ctx, { subject, grantee: counselor, purposes: [Purpose.TREATMENT] });
}

/** The counselor of a slot a resident books: it must exist and the resident must hold their TREATMENT consent. */
async function bookableSlot(ctx: AppContext, subject: string, slotId: string): Promise<string> {
  const counselor = await slotOwner(ctx.db, slotId);
  if (!counselor) throw notFound("no such slot");
  if (!(await hasTreatment(ctx, subject, counselor))) throw forbidden("booking needs an active TREATMENT consent to this counselor");
  return counselor;
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
  const counselor = await bookableSlot(ctx, subject, slotId);
  const contentHash = checkSealed(subject, counselor, sealed);
  const bookingId = randomBytes(16).toString("hex");
  const at = new Date().toISOString();
  return ctx.writer.submit(async ({ q, append }) => {
    // Counted in the writer's transaction: two concurrent bookings cannot both take the last place.
    if ((await liveBookingCount(q, subject)) >= ctx.cfg.bookingsPerResident)
      throw tooMany(`at most ${ctx.cfg.bookingsPerResident} bookings may be open at once: cancel one first`, { code: "booking_quota" });
    if (!(await takeSlot(q, slotId))) throw conflict("slot is already taken");
    await insertBooking(q, { bookingId, slotId, subject, counselor, sealed, contentHash, at });
    append({ type: "access", id: `booking:${bookingId}`, hash: contentHash.slice(2), at, action: "booking.create", decision: "booked" });
    return { bookingId, slotId, counselorId: counselor, status: "booked", contentHash };
  });
}

async function ownBooking(q: Queryable, subject: string, bookingId: string) {
  const b = await bookingOf(q, subject, bookingId);
  if (!b) throw notFound("no such booking");
  if (b.status !== "booked") throw conflict(`booking is ${b.status}`);
  return b;
}

export async function reschedule(ctx: AppContext, subject: string, bookingId: string, slotId: string, sealed: unknown) {
  const counselor = await bookableSlot(ctx, subject, slotId);
  const contentHash = checkSealed(subject, counselor, sealed);
  const at = new Date().toISOString();
  return ctx.writer.submit(async ({ q, append }) => {
    const b = await ownBooking(q, subject, bookingId);
    if (b.counselor !== counselor) throw unprocessable("reschedule within the same counselor's slots; book anew otherwise");
    if (b.slot_id !== slotId) {
      if (!(await takeSlot(q, slotId))) throw conflict("slot is already taken");
      await freeSlot(q, b.slot_id);
    }
    await moveBooking(q, { bookingId, slotId, sealed, contentHash, at });
    append({ type: "access", id: `booking:${bookingId}`, hash: contentHash.slice(2), at, action: "booking.reschedule", decision: "rescheduled" });
    return { bookingId, slotId, counselorId: counselor, status: "booked", contentHash };
  });
}

export async function cancel(ctx: AppContext, subject: string, bookingId: string) {
  const at = new Date().toISOString();
  return ctx.writer.submit(async ({ q, append }) => {
    const b = await ownBooking(q, subject, bookingId);
    await cancelBooking(q, bookingId, at);
    await freeSlot(q, b.slot_id);
    append({ type: "access", id: `booking:${bookingId}`, hash: hashOf({ bookingId, status: "cancelled", at }), at, action: "booking.cancel", decision: "cancelled" });
    return { bookingId, status: "cancelled" };
  });
}

/** Resident: own bookings; counselor: bookings on their slots. Both get the sealed details (they are recipients). */
export async function listBookings(ctx: AppContext, who: { address: string; isCounselor: boolean }) {
  const rows = await bookingsOf(ctx.db, who.isCounselor ? "counselor" : "subject", who.address);
  const reasons = await cancelReasons(ctx.db, who.address);
  return rows.map((r) => ({ bookingId: r.booking_id, slotId: r.slot_id, subjectRef: r.subject, counselorId: r.counselor, start: iso(r.starts_at), end: iso(r.ends_at), place: r.place ?? null, status: r.status, cancelReason: reasons.get(r.booking_id) ?? null, sealedDetails: r.sealed }));
}
