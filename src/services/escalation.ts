// Crisis escalation: a crisis alert (a resident's crisis answer or a counselor's risk mark) reaches, at once and
// besides her own counselors, the first on-duty counselor for her area; an unacknowledged alert climbs the ladder
// every ANXIN_CRISIS_ESCALATE_SECONDS (the next on-duty counselor, then the community's fallback counselors, then
// the community's crisis line). Every rung, callback share and callback read is a log leaf naming no subject.
import { sha256 } from "@noble/hashes/sha2.js";
import { canonicalBytes } from "../crypto/index.js";
import { ladder, onCallAt, OnCallHoursSchema, type OnCallWindow, type Rung } from "../assess/on-call.js";
import { placeContains } from "../deid/geo.js";
import * as repo from "../store/crisis-repo.js";
import { alertsInLastDay } from "../store/limits-repo.js";
import type { Queryable } from "../store/db.js";
import type { AppContext } from "./context.js";
import { isIndexedAccredited } from "./registry-view.js";
import { forbidden, notFound, unprocessable } from "./errors.js";

const hashOf = (v: unknown) => Buffer.from(sha256(canonicalBytes(v))).toString("hex");
const nowS = () => Math.floor(Date.now() / 1000);
/** Row recipient of the ladder's last rung: the community crisis line, not a person. */
export const lineRecipient = (number: string) => `line:${number}`;
/** A callback number shared in an alert stays readable this long at most (24 h). */
export const CALLBACK_MAX_SECONDS = 86_400;

export async function putOnCallHours(ctx: AppContext, counselor: string, hours: OnCallWindow[]) {
  const parsed = OnCallHoursSchema.safeParse(hours);
  if (!parsed.success) throw unprocessable("on-call hours: [{day: mon..sun, from: HH:MM, to: HH:MM}]");
  const at = new Date().toISOString();
  await ctx.writer.submit(async ({ q, append }) => {
    await repo.putOnCall(q, counselor, parsed.data, at);
    append({ type: "access", id: `oncall:${counselor}`, hash: hashOf(parsed.data), at, action: "oncall.put" });
  });
  return { hours: parsed.data, timeZone: ctx.cfg.timeZone, onCallNow: onCallAt(parsed.data, new Date(), ctx.cfg.timeZone) };
}

export async function onCallHoursOf(ctx: AppContext, counselor: string) {
  const hours = (await repo.onCallOf<OnCallWindow[]>(ctx.db, counselor)) ?? [];
  return { hours, timeZone: ctx.cfg.timeZone, onCallNow: onCallAt(hours, new Date(), ctx.cfg.timeZone) };
}

/** Accredited counselors on call now whose served areas cover `area` (no area: anyone on call in the city). */
export async function onDutyNow(ctx: AppContext, q: Queryable, area: string | null, at = new Date()): Promise<string[]> {
  const out: string[] = [];
  for (const r of await repo.onCallRoster<OnCallWindow[]>(q)) {
    if (!onCallAt(r.hours, at, ctx.cfg.timeZone)) continue;
    const served = r.districts ?? [];
    // A counselor serving no district in person takes calls for the whole city.
    const covers = !area || served.length === 0 || served.some((d) => placeContains(d, area, ctx.places) || placeContains(area, d, ctx.places));
    if (covers && (await isIndexedAccredited(q, r.counselor, nowS()))) out.push(r.counselor);
  }
  return out;
}

interface AlertFacts {
  alertId: string;
  subject: string;
  kind: string;
  level: string;
  instrument: string | null;
  raisedBy: string;
}

/** Writes one rung's rows and its log leaf (inside the caller's transaction). */
async function writeRung(ctx: AppContext, q: Queryable, append: (e: any) => number, a: AlertFacts, rung: Rung, step: number, at: string): Promise<void> {
  const recipients = rung.tier === "crisis_line" ? [lineRecipient(ctx.cfg.crisisLine)] : rung.counselors;
  for (const r of recipients) await repo.insertAlertRow(q, { ...a, recipient: r, tier: rung.tier, step, createdAt: at });
  append({ type: "access", id: `alert:${a.alertId}`, hash: hashOf({ alertId: a.alertId, step, tier: rung.tier, recipients, at }), at, action: step === 0 ? "alert.route" : "alert.escalate", decision: rung.tier, step, recipients: recipients.length });
}

/** On-duty and fallback counselors who already had the daily number of alerts about this subject: the ladder passes
 * them by, so a resident cannot flood the counselors on call either (the ladder still ends at the crisis line). */
async function atDailyCap(ctx: AppContext, q: Queryable, subject: string, counselors: string[]): Promise<string[]> {
  const n = await alertsInLastDay(q, subject, counselors);
  return counselors.filter((c) => (n.get(c) ?? 0) >= ctx.cfg.alertsPerCounselorPerDay);
}

/** The first rung of a new crisis alert, written with it; `care` are her own counselors (already alerted). */
export async function firstRung(ctx: AppContext, q: Queryable, append: (e: any) => number, a: AlertFacts, area: string | null, care: string[], at: string): Promise<Rung> {
  const onDuty = await onDutyNow(ctx, q, area);
  const full = await atDailyCap(ctx, q, a.subject, [...onDuty, ...ctx.cfg.crisisFallbackCounselors]);
  const rung = ladder(onDuty, ctx.cfg.crisisFallbackCounselors, [...care, ...full])[0]!;
  await writeRung(ctx, q, append, a, rung, 0, at);
  await repo.insertLadder(q, a.alertId, area, at, rung.tier === "crisis_line");
  return rung;
}

/** Moves every overdue, unacknowledged ladder one rung on. Returns how many moved. */
export async function escalateDue(ctx: AppContext, now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - ctx.cfg.crisisEscalateSeconds * 1000).toISOString();
  let moved = 0;
  for (const l of await repo.dueLadders(ctx.db, before)) {
    const at = new Date().toISOString();
    const ok = await ctx.writer.submit(async ({ q, append }) => {
      const rows = await repo.alertRows(q, l.alert_id);
      if (!rows.length) return false;
      const told = rows.map((r) => r.recipient);
      const onDuty = await onDutyNow(ctx, q, l.area, now);
      const full = await atDailyCap(ctx, q, rows[0]!.subject, [...onDuty, ...ctx.cfg.crisisFallbackCounselors]);
      const rung = ladder(onDuty, ctx.cfg.crisisFallbackCounselors, [...told, ...full])[0]!;
      if (!(await repo.stepLadder(q, l.alert_id, l.step, at, rung.tier === "crisis_line"))) return false;
      const r0 = rows[0]!;
      await writeRung(ctx, q, append, { alertId: l.alert_id, subject: r0.subject, kind: r0.kind, level: r0.level, instrument: r0.instrument, raisedBy: r0.raised_by }, rung, l.step + 1, at);
      return true;
    });
    if (ok) {
      moved++;
      ctx.log.info({ alert: l.alert_id, step: l.step + 1 }, "crisis alert escalated");
    }
  }
  return moved;
}

/** Runs the ladder a few times per escalation period (at most every second). */
export async function escalationWorker(ctx: AppContext): Promise<() => Promise<void>> {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const tick = async () => {
    try {
      await escalateDue(ctx);
    } catch (e) {
      if (!stopped) ctx.log.warn({ err: (e as Error).name }, "crisis escalation failed; retrying");
    }
  };
  const timer = setInterval(() => (running = running.then(tick)), Math.min(1000, ctx.cfg.crisisEscalateSeconds * 250));
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}

/** What the resident sees of an alert: who was told on which rung and when, acknowledgements, shared callbacks. */
export async function alertTrail(ctx: AppContext, alertId: string) {
  const rows = await repo.alertRows(ctx.db, alertId);
  const ladderRow = await repo.ladderOf(ctx.db, alertId);
  const shared = await repo.callbacksShared(ctx.db, alertId);
  return {
    told: rows
      .filter((r) => r.recipient !== "-")
      .map((r) => ({
        tier: r.tier,
        step: r.step,
        at: new Date(r.created_at).toISOString(),
        acknowledgedAt: r.acked_at ? new Date(r.acked_at).toISOString() : null,
        ...(r.recipient.startsWith("line:") ? { crisisLine: r.recipient.slice(5) } : { counselor: r.recipient }),
      })),
    escalating: ladderRow ? !ladderRow.done && !rows.some((r) => r.acked_at) : false,
    nextStepAt: ladderRow && !ladderRow.done && !rows.some((r) => r.acked_at) ? new Date(new Date(ladderRow.stepped_at).getTime() + ctx.cfg.crisisEscalateSeconds * 1000).toISOString() : null,
    callbacks: shared.map((s) => ({ counselor: s.recipient, expiresAt: new Date(s.expires_at).toISOString() })),
  };
}

/**
 * The resident shares a callback number sealed (X25519 sealed box, on her device) to counselors told of this
 * alert; the server stores ciphertext only, with an expiry, and logs the share.
 */
export async function shareCallback(ctx: AppContext, resident: string, alertId: string, sealed: Record<string, string>, ttlSeconds: number) {
  const rows = await repo.alertRows(ctx.db, alertId);
  if (!rows.length || rows[0]!.subject !== resident) throw notFound("no such alert about you");
  const counselors = new Set(rows.filter((r) => r.tier !== "crisis_line" && r.recipient !== "-").map((r) => r.recipient));
  const to = Object.keys(sealed);
  if (!to.length) throw unprocessable("seal the number to at least one counselor told of this alert");
  for (const c of to) if (!counselors.has(c)) throw forbidden("a callback number is shared only with counselors told of this alert");
  const at = new Date().toISOString();
  const expiresAt = new Date(Date.now() + Math.min(ttlSeconds, CALLBACK_MAX_SECONDS) * 1000).toISOString();
  await ctx.writer.submit(async ({ q, append }) => {
    for (const c of to) await repo.putCallback(q, alertId, c, sealed[c]!, at, expiresAt);
    append({ type: "access", id: `alert:${alertId}`, hash: hashOf({ alertId, to, expiresAt, at }), at, action: "alert.callback.share", decision: "EMERGENCY", recipients: to.length });
  });
  return { alertId, sharedWith: to.sort(), expiresAt };
}

/** A told counselor reads the sealed callback number (logged; gone after the expiry). */
export async function readCallback(ctx: AppContext, counselor: string, alertId: string) {
  const at = new Date().toISOString();
  const c = await repo.callbackFor(ctx.db, alertId, counselor, at);
  if (!c) throw notFound("no callback number shared with you for this alert, or it has expired");
  await ctx.writer.submit(async ({ append }) => {
    append({ type: "access", id: `alert:${alertId}`, hash: hashOf({ alertId, counselor, at }), at, action: "alert.callback.read", decision: "EMERGENCY" });
  });
  return { alertId, sealed: c.sealed, expiresAt: new Date(c.expires_at).toISOString() };
}
