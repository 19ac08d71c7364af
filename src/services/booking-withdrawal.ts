// A withdrawn TREATMENT consent cancels the future bookings it carried, for both sides: the slot is freed (the
// counselor's list no longer says 已被预约) and the counselor's booking list says why (consent_withdrawn).
// Runs with the matching upkeep; a queued withdrawal counts at once, as for key releases.
import { sha256 } from "@noble/hashes/sha2.js";
import { canonicalBytes } from "../crypto/index.js";
import { Purpose } from "../consent/types.js";
import { activeGrants } from "../store/consent-repo.js";
import { revocationRequested } from "../store/relay-queue-repo.js";
import { cancelWithReason, liveFutureBookings } from "../store/booking-withdrawal-repo.js";
import type { AppContext } from "./context.js";

const hashOf = (v: unknown) => Buffer.from(sha256(canonicalBytes(v))).toString("hex");
export const CONSENT_WITHDRAWN = "consent_withdrawn";

async function stillConsented(ctx: AppContext, subject: string, counselor: string): Promise<boolean> {
  const grants = await activeGrants(ctx.db, { subject, grantee: counselor, purposes: [Purpose.TREATMENT], atSeconds: Math.floor(Date.now() / 1000) });
  for (const g of grants) if (!(await revocationRequested(ctx.db, g.grant_id))) return true;
  return false;
}

/** Cancels every live future booking whose TREATMENT consent is no longer in force. Returns how many. */
export async function cancelWithdrawnBookings(ctx: AppContext): Promise<number> {
  let n = 0;
  for (const b of await liveFutureBookings(ctx.db, new Date().toISOString())) {
    if (await stillConsented(ctx, b.subject, b.counselor)) continue;
    const at = new Date().toISOString();
    const done = await ctx.writer.submit(async ({ q, append }) => {
      if (!(await cancelWithReason(q, b.booking_id, b.slot_id, CONSENT_WITHDRAWN, at))) return false;
      append({ type: "access", id: `booking:${b.booking_id}`, hash: hashOf({ bookingId: b.booking_id, status: "cancelled", reason: CONSENT_WITHDRAWN, at }), at, action: "booking.cancel", decision: CONSENT_WITHDRAWN });
      return true;
    });
    if (done) n++;
  }
  return n;
}
