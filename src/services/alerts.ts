// Crisis path and early-warning alerts. An alert is written (data + log leaf, one DB transaction) for every
// counselor holding an active TREATMENT or MONITORING grant from the subject, read from the consent index: no
// chain call anywhere on this path, so it works and stays fast while the chain is down ("alert first, anchor
// after": the leaf is anchored later by the checkpoint worker). Alerts carry levels and ids, never answers.
import { randomBytes } from "node:crypto";
import { sha256 } from "@noble/hashes/sha2.js";
import { canonicalBytes } from "../crypto/index.js";
import { crisisResources, decideCrisis, detectWarnings, type CrisisLevel, type DailyStress, type Hotline, type ScoredAssessment } from "../assess/index.js";
import { Purpose } from "../consent/types.js";
import { activeGrants, grantCovers } from "../store/consent-repo.js";
import { ackAlertRow, alertExists, insertAlert } from "../store/alert-repo.js";
import { alertWindowRetrySeconds, alertsAboutPage, alertsInLastDay, alertsToPage, type AlertCursor } from "../store/limits-repo.js";
import type { AppContext } from "./context.js";
import type { UnitCtx } from "./log-writer.js";
import { conflict, invalid, notFound, tooMany } from "./errors.js";
import { closeLadder } from "../store/crisis-repo.js";
import { alertTrail, firstRung } from "./escalation.js";
import { toldMessage } from "../assess/on-call-text.js";

export const ALERT_KINDS = ["crisis", "counselor_mark", "wearable_warning"] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
/** Recipient placeholder when nobody holds a grant: the resident still sees that the alert was raised. */
export const NO_RECIPIENT = "-";

const nowS = () => Math.floor(Date.now() / 1000);
const hashOf = (v: unknown) => Buffer.from(sha256(canonicalBytes(v))).toString("hex");

export interface RaiseInput {
  kind: AlertKind;
  level: Exclude<CrisisLevel, "none">;
  subject: string;
  raisedBy: string;
  instrument?: string;
  lang?: "zh" | "en";
  detail?: Record<string, string | number | boolean>;
  /** The resident's area (a district of the city) for routing a crisis to the on-duty counselors there. */
  area?: string | null;
}

export interface RaisedAlert {
  alertId: string;
  kind: AlertKind;
  level: string;
  createdAt: string;
  /** How many counselors were alerted (never who, to the resident). */
  notified: number;
  hotlines: Hotline[];
  message: string;
  emergency: { offered: boolean; purpose: "EMERGENCY"; how: string };
}

/** The bilingual text a counselor reads for an alert level (from the pure crisis rules). */
export function counselorMessage(kind: AlertKind, level: string, detail: Record<string, unknown>): { zh: string; en: string } {
  if (kind === "wearable_warning") {
    const [w] = detectWarnings(
      Array.from({ length: Number(detail.days) }, (_, i) => ({ date: addDays(String(detail.from), i), index: Number(detail.peak), status: "ok", z: { hr: null, rmssd: null, sleep: null }, combined: null }) as DailyStress),
    );
    return w ? { zh: w.message.zh, en: w.message.en } : { zh: "压力指数偏高", en: "Stress index elevated" };
  }
  if (level === "high" || level === "imminent") return decideCrisis({ kind: "counselor_mark", level }).counselorMessage;
  // "elevated" comes only from PHQ-9 item 9 answered 1; the message depends on the level alone.
  const probe = { instrument: "phq9", crisis: { flag: true, reasons: ["phq9.item9"] }, answers: { phq9_9: 1 } } as unknown as ScoredAssessment;
  return decideCrisis(probe).counselorMessage;
}

function addDays(date: string, n: number): string {
  const d = new Date(date + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Counselors to alert for a subject: active TREATMENT or MONITORING grantees, from the index. A wearable warning
 * is a fact about wearable data: only grants whose scope covers wearable_summary hear of it. */
export async function alertRecipients(ctx: AppContext, subject: string, kind?: AlertKind): Promise<string[]> {
  const grants = await activeGrants(ctx.db, { subject, purposes: [Purpose.TREATMENT, Purpose.MONITORING], atSeconds: nowS() });
  const told = kind === "wearable_warning" ? grants.filter((g) => grantCovers(g, "wearable_summary")) : grants;
  return [...new Set(told.map((g) => g.grantee))].sort();
}

/** An alert decided but not yet written: its id, time and recipients are fixed before the transaction. */
/** The first rung of a crisis alert's ladder (null for a wearable warning). */
type Rung = Awaited<ReturnType<typeof firstRung>> | null;

export interface PreparedAlert {
  input: RaiseInput;
  alertId: string;
  createdAt: string;
  /** Narrowed by writeAlert to the counselors still under the daily limit. */
  recipients: string[];
  offer: boolean;
}

export function prepareAlert(a: RaiseInput, recipients: string[]): PreparedAlert {
  return { input: a, alertId: randomBytes(16).toString("hex"), createdAt: new Date().toISOString(), recipients, offer: a.kind !== "wearable_warning" };
}

/**
 * Writes the alert rows and their leaf in the caller's transaction (a wearable warning commits with its alert).
 * A counselor who had `cap` alerts about this subject in the last 24 hours is not alerted again (so a resident who
 * grants consent to any counselor cannot flood them); when that leaves nobody, a raised alert is refused (429) and
 * a wearable warning is kept with nobody notified.
 */
export async function writeAlert(ctx: AppContext, { q, append }: UnitCtx, p: PreparedAlert, cap: number, whenCapped: "refuse" | "keep"): Promise<Rung> {
  const a = p.input;
  if (p.recipients.length) {
    const today = await alertsInLastDay(q, a.subject, p.recipients);
    const open = p.recipients.filter((r) => (today.get(r) ?? 0) < cap);
    if (open.length === 0 && whenCapped === "refuse")
      throw tooMany("this resident has alerted these counselors as often as allowed today; call a crisis line (110, 120, 12356) if it is urgent", {
        code: "alert_quota",
        retryAfter: await alertWindowRetrySeconds(q, a.subject, p.recipients),
      });
    p.recipients = open;
  }
  const row = { alertId: p.alertId, subject: a.subject, kind: a.kind, level: a.level, instrument: a.instrument ?? null, raisedBy: a.raisedBy, emergencyOffer: p.offer, detail: a.detail ?? {}, createdAt: p.createdAt };
  // A crisis always has a rung to go to (the ladder ends at the crisis line), so no placeholder row for it.
  await insertAlert(q, row, p.recipients.length || p.offer ? p.recipients : [NO_RECIPIENT]);
  // The leaf commits to the alert metadata (hash), names no subject: the audit can check it later against the row.
  append({
    type: "access",
    id: `alert:${p.alertId}`,
    hash: hashOf({ alertId: p.alertId, kind: a.kind, level: a.level, subject: a.subject, recipients: p.recipients, createdAt: p.createdAt }),
    at: p.createdAt,
    action: `alert.${a.kind}`,
    decision: "alert",
    level: a.level,
    recipients: p.recipients.length,
  });
  return p.offer ? firstRung(ctx, q, append, row, a.area ?? null, p.recipients, p.createdAt) : null;
}

export async function raiseAlert(ctx: AppContext, a: RaiseInput): Promise<RaisedAlert> {
  const p = prepareAlert(a, await alertRecipients(ctx, a.subject, a.kind));
  const rung = await ctx.writer.submit((u) => writeAlert(ctx, u, p, ctx.cfg.alertsPerCounselorPerDay, "refuse"));
  return raisedReply(ctx, p, rung);
}

/** What the raiser is told (and logged: ids and counts only). */
export function raisedReply(ctx: AppContext, p: PreparedAlert, rung: Rung): RaisedAlert {
  const { input: a, alertId, recipients, createdAt, offer } = p;
  ctx.log.info({ alert: alertId, kind: a.kind, level: a.level, recipients: recipients.length }, "alert raised");
  const res = crisisResources(a.lang ?? "zh", { counselorNotified: recipients.length > 0, local: ctx.cfg.localHotlines });
  const onDuty = rung && rung.tier !== "crisis_line" ? rung.counselors.length : 0;
  return {
    alertId,
    kind: a.kind,
    level: a.level,
    createdAt,
    notified: recipients.length + onDuty,
    ...(rung ? { routed: { tier: rung.tier, counselors: onDuty, crisisLine: ctx.cfg.crisisLine, escalateSeconds: ctx.cfg.crisisEscalateSeconds, message: toldMessage(rung.tier, a.lang ?? "zh", ctx.cfg.crisisLine) } } : {}),
    hotlines: offer ? res.hotlines : [],
    message: offer ? res.message : "",
    emergency: {
      offered: offer,
      purpose: "EMERGENCY",
      how:
        a.lang === "en"
          ? "A counselor in your care may open time-limited emergency access (ConsentLedger.openEmergency); it is always audited."
          : "您的咨询师可以开启有时限的紧急授权（ConsentLedger.openEmergency），每次使用都会被审计。",
    },
  };
}

/** A page of a newest-first alert list: at most `limit` alerts strictly older than the cursor. */
export interface AlertPage {
  limit: number;
  cursor?: string;
}

const encodeCursor = (createdAt: Date | string, alertId: string) => Buffer.from(`${new Date(createdAt).toISOString()}~${alertId}`).toString("base64url");
function decodeCursor(c: string | undefined): AlertCursor | undefined {
  if (c === undefined) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)~([0-9a-f]{32})$/.exec(Buffer.from(c, "base64url").toString("utf8"));
  if (!m || Number.isNaN(Date.parse(m[1]))) throw invalid("cursor is not one this server returned", { errors: [{ path: "query.cursor", message: "unknown cursor" }] });
  return { createdAt: m[1], alertId: m[2] };
}
const nextOf = <R extends { created_at: Date | string; alert_id: string }>(rows: R[], limit: number) =>
  rows.length === limit ? encodeCursor(rows[limit - 1].created_at, rows[limit - 1].alert_id) : null;

export async function counselorAlerts(ctx: AppContext, counselor: string, page: AlertPage) {
  const rows = await alertsToPage(ctx.db, counselor, page.limit, decodeCursor(page.cursor));
  const alerts = rows.map((r) => ({
    alertId: r.alert_id,
    kind: r.kind,
    level: r.level,
    subjectRef: r.subject,
    instrument: r.instrument ?? null,
    emergencyOffer: r.emergency_offer,
    detail: r.detail,
    message: counselorMessage(r.kind as AlertKind, r.level, r.detail),
    createdAt: new Date(r.created_at).toISOString(),
    ackedAt: r.acked_at ? new Date(r.acked_at).toISOString() : null,
    tier: r.tier,
  }));
  return { alerts, next: nextOf(rows, page.limit) };
}

export async function residentAlerts(ctx: AppContext, subject: string, page: AlertPage) {
  const rows = await alertsAboutPage(ctx.db, subject, NO_RECIPIENT, page.limit, decodeCursor(page.cursor));
  const alerts = await Promise.all(rows.map(async (r) => ({
    alertId: r.alert_id,
    kind: r.kind,
    level: r.level,
    createdAt: new Date(r.created_at).toISOString(),
    notified: Number(r.notified),
    acknowledged: Number(r.acked) > 0,
    ...(r.kind === "wearable_warning" ? {} : await alertTrail(ctx, r.alert_id)),
  })));
  return { alerts, next: nextOf(rows, page.limit) };
}

/** A counselor acknowledges an alert addressed to them (once: a second time is a conflict). */
export async function ackAlert(ctx: AppContext, counselor: string, alertId: string): Promise<void> {
  const at = new Date().toISOString();
  const acked = await ctx.writer.submit(async ({ q, append }) => {
    if (!(await ackAlertRow(q, alertId, counselor, at))) return false;
    await closeLadder(q, alertId); // acknowledged: the ladder stops climbing
    append({ type: "access", id: `alert:${alertId}`, hash: hashOf({ alertId, ackBy: counselor, at }), at, action: "alert.ack", decision: "ack" });
    return true;
  });
  if (acked) return;
  if (!(await alertExists(ctx.db, alertId, counselor))) throw notFound("no such alert");
  throw conflict("alert already acknowledged");
}
