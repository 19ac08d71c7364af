// The consultation itself: a booked video or phone session held between the two parties' browsers. Media and the
// in-session chat go peer to peer (WebRTC, DTLS-SRTP); the server only relays signaling — offers, answers and ICE
// candidates — between the resident and the counselor of one booking, during its window, at a bounded rate. Each
// side signs its DTLS fingerprint with its relationship key (docs/consultation.md), so a swapped SDP is refused by
// the other browser: this service cannot read or steer the call, only carry or drop its messages.
import { createHmac, randomBytes } from "node:crypto";
import { readTurnSecret } from "../config.js";
import { Purpose } from "../consent/types.js";
import { insertSignal, lastSignal, recentSignals, sessionBooking, signalsAfter, sweepSignals, type SessionBooking, type Side } from "../store/consultation-repo.js";
import type { AppContext } from "./context.js";
import { hasActiveGrant } from "./consents.js";
import { conflict, forbidden, notFound, tooMany } from "./errors.js";

export type { Side };
export interface Caller {
  address: string;
  isCounselor: boolean;
}

const MINUTE = 60_000;
const ms = (v: Date | string) => (v instanceof Date ? v : new Date(v)).getTime();

/** The window a booking can be joined in: `early` minutes before its start until `late` minutes after its end. */
export function sessionWindow(ctx: AppContext, b: { starts_at: Date | string; ends_at: Date | string }) {
  return { opensAt: ms(b.starts_at) - ctx.cfg.consultationEarlyMinutes * MINUTE, closesAt: ms(b.ends_at) + ctx.cfg.consultationLateMinutes * MINUTE };
}

/** The caller's side of a live booking; anyone else learns nothing about it (404). */
async function partyOf(ctx: AppContext, who: Caller, bookingId: string): Promise<{ b: SessionBooking; side: Side; peer: string }> {
  const b = await sessionBooking(ctx.db, bookingId);
  const side: Side | undefined = !b ? undefined : who.address === b.subject && !who.isCounselor ? "resident" : who.address === b.counselor && who.isCounselor ? "counselor" : undefined;
  if (!b || !side) throw notFound("no such consultation");
  if (b.status !== "booked") throw conflict(`the booking is ${b.status}`, { code: "booking_cancelled" });
  return { b, side, peer: side === "resident" ? b.counselor : b.subject };
}

/** Refuses outside the window and once the resident's TREATMENT consent has ended. */
async function mustBeOpen(ctx: AppContext, b: SessionBooking): Promise<void> {
  const w = sessionWindow(ctx, b);
  const now = Date.now();
  if (now < w.opensAt) throw conflict(`the consultation opens at ${new Date(w.opensAt).toISOString()}`, { code: "not_open_yet" });
  if (now > w.closesAt) throw conflict("the consultation window has closed", { code: "closed" });
  if (!(await hasActiveGrant(ctx, { subject: b.subject, grantee: b.counselor, purposes: [Purpose.TREATMENT] }))) throw forbidden("no active TREATMENT consent between the two parties", { code: "no_consent" });
}

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/**
 * The configured STUN/TURN servers. A TURN entry without credentials gets short-lived ones from the shared secret
 * (coturn use-auth-secret: username "<expiry>:<random>", credential base64 HMAC-SHA1): no address in the name.
 */
export function iceServersFor(ctx: AppContext, validUntilMs: number): IceServer[] {
  const secret = ctx.cfg.turnSecretFile ? readTurnSecret(ctx.cfg.turnSecretFile) : undefined;
  return ctx.cfg.iceServers.map((s) => {
    if (s.username || !secret || !s.urls.some((u) => u.startsWith("turn"))) return { ...s };
    const username = `${Math.ceil(validUntilMs / 1000)}:${randomBytes(8).toString("hex")}`;
    return { urls: s.urls, username, credential: createHmac("sha1", secret).update(username).digest("base64") };
  });
}

/** What a party needs to join: the window, the peer's address (checked against the signed fingerprint), ICE servers. */
export async function joinInfo(ctx: AppContext, who: Caller, bookingId: string) {
  const { b, side, peer } = await partyOf(ctx, who, bookingId);
  const w = sessionWindow(ctx, b);
  const now = Date.now();
  const open = now >= w.opensAt && now <= w.closesAt;
  if (open) await mustBeOpen(ctx, b);
  return {
    bookingId,
    side,
    peer,
    start: new Date(ms(b.starts_at)).toISOString(),
    end: new Date(ms(b.ends_at)).toISOString(),
    opensAt: new Date(w.opensAt).toISOString(),
    closesAt: new Date(w.closesAt).toISOString(),
    open,
    lastSeq: open ? await lastSignal(ctx.db, bookingId) : 0,
    iceServers: open ? iceServersFor(ctx, w.closesAt) : [],
    iceTransportPolicy: ctx.cfg.iceTransportPolicy,
  };
}

// ---- waking long polls: in this process at once, other instances through the database within a second ----

interface Hub {
  waiters: Map<string, Set<() => void>>;
  closed: boolean;
  lastSweep: number;
}
const hubs = new WeakMap<AppContext, Hub>();
function hubOf(ctx: AppContext): Hub {
  let hub = hubs.get(ctx);
  if (!hub) {
    const made: Hub = { waiters: new Map(), closed: false, lastSweep: 0 };
    hubs.set(ctx, made);
    ctx.onClose.push(async () => {
      made.closed = true;
      for (const set of made.waiters.values()) for (const wake of set) wake();
    });
    hub = made;
  }
  return hub;
}

export async function sendSignal(ctx: AppContext, who: Caller, bookingId: string, kind: string, data: unknown): Promise<{ seq: number }> {
  const { b, side } = await partyOf(ctx, who, bookingId);
  await mustBeOpen(ctx, b);
  if ((await recentSignals(ctx.db, bookingId, side)) >= ctx.cfg.consultationSignalsPerMinute)
    throw tooMany(`at most ${ctx.cfg.consultationSignalsPerMinute} signaling messages a minute per side`, { code: "signal_rate", retryAfter: 10 });
  const seq = await insertSignal(ctx.db, { bookingId, sender: side, kind, data });
  const hub = hubOf(ctx);
  for (const wake of hub.waiters.get(bookingId) ?? []) wake();
  if (Date.now() - hub.lastSweep > MINUTE) {
    hub.lastSweep = Date.now();
    await sweepSignals(ctx.db, ctx.cfg.consultationLateMinutes);
  }
  return { seq };
}

/** The peer's signals after `after`; waits up to `waitMs` for one (long poll), ending early when `aborted` says so. */
export async function receiveSignals(ctx: AppContext, who: Caller, bookingId: string, after: number, waitMs: number, aborted: () => boolean) {
  const { b, side } = await partyOf(ctx, who, bookingId);
  await mustBeOpen(ctx, b);
  const from: Side = side === "resident" ? "counselor" : "resident";
  const hub = hubOf(ctx);
  const until = Date.now() + waitMs;
  for (;;) {
    const rows = await signalsAfter(ctx.db, bookingId, from, after);
    if (rows.length || Date.now() >= until || hub.closed || aborted()) {
      return { signals: rows.map((r) => ({ seq: Number(r.seq), from: r.sender, kind: r.kind, data: r.data, at: new Date(ms(r.created_at)).toISOString() })) };
    }
    await new Promise<void>((resolve) => {
      const set = hub.waiters.get(bookingId) ?? new Set();
      hub.waiters.set(bookingId, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (!set.size) hub.waiters.delete(bookingId);
        resolve();
      };
      // Another instance's insert is seen at the next look (1 s); this instance's wakes at once.
      const timer = setTimeout(done, Math.min(1000, Math.max(0, until - Date.now())));
      set.add(done);
    });
  }
}
