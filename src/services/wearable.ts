// Wearable early warning, server side. The client parses the raw series, seals them to the resident through the
// vault, and uploads only the daily stress index. The server re-derives warnings from the stored index with the
// same pure rule (detectWarnings), so a client cannot suppress or invent one; a new warning alerts the subject's
// MONITORING and TREATMENT counselors. Only MONITORING grantees (and the resident) may read the index.
import { randomBytes } from "node:crypto";
import { sha256 } from "@noble/hashes/sha2.js";
import { canonicalBytes } from "../crypto/index.js";
import { detectWarnings, STRESS_INDEX_NOTICE, type DailyStress } from "../assess/index.js";
import { Purpose } from "../consent/types.js";
import { indexDays, putIndexDay, putWarning } from "../store/wearable-repo.js";
import type { AppContext } from "./context.js";
import { alertRecipients, prepareAlert, raisedReply, writeAlert } from "./alerts.js";
import { consentCovers } from "./consents.js";
import { refuseErased } from "./erasure.js";

export interface IndexDay {
  date: string;
  index: number | null;
  status: "ok" | "no_data" | "insufficient_baseline";
}

const hashOf = (v: unknown) => Buffer.from(sha256(canonicalBytes(v))).toString("hex");
const day = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

export async function uploadIndex(ctx: AppContext, subject: string, days: IndexDay[]) {
  const uploadId = randomBytes(16).toString("hex");
  const at = new Date().toISOString();
  await ctx.writer.submit(async ({ q, append }) => {
    for (const d of days) await putIndexDay(q, subject, d, uploadId, at);
    append({ type: "access", id: `wearable:${uploadId}`, hash: hashOf({ uploadId, subject, days }), at, action: "wearable.index", decision: "stored", days: days.length });
  });
  // Warnings over the whole stored history, so a run spanning two uploads is seen.
  const stored = await readIndex(ctx, subject);
  const warnings = detectWarnings(stored.map((d) => ({ ...d, z: { hr: null, rmssd: null, sleep: null }, combined: null }) as DailyStress));
  const fresh = [];
  const recipients = warnings.length ? await alertRecipients(ctx, subject, "wearable_warning") : [];
  for (const w of warnings) {
    const warningId = randomBytes(16).toString("hex");
    const alert = prepareAlert({ kind: "wearable_warning", level: "elevated", subject, raisedBy: subject, detail: { from: w.from, to: w.to, days: w.days, peak: w.peak } }, recipients);
    // One warning per run start; a run that grows updates the row (no new alert). A new warning and its alert commit
    // in one transaction: a crash cannot keep the warning (whose dedupe would stop a retry) and lose the alert.
    const ins = await ctx.writer.submit(async (u) => {
      const inserted = await putWarning(u.q, { warningId, subject, from: w.from, to: w.to, days: w.days, peak: w.peak, ongoing: w.ongoing, uploadId });
      if (!inserted) return false;
      u.append({ type: "access", id: `warning:${warningId}`, hash: hashOf({ warningId, from: w.from, to: w.to, peak: w.peak }), at, action: "wearable.warning", decision: "warning" });
      await writeAlert(ctx, u, alert, ctx.cfg.alertsPerCounselorPerDay, "keep");
      return true;
    });
    if (ins) {
      const r = raisedReply(ctx, alert, null);
      fresh.push({ from: w.from, to: w.to, days: w.days, peak: w.peak, ongoing: w.ongoing, alertId: r.alertId, notified: r.notified });
    }
  }
  return { uploadId, stored: days.length, warnings: warnings.map((w) => ({ from: w.from, to: w.to, days: w.days, peak: w.peak, ongoing: w.ongoing })), newWarnings: fresh };
}

export async function readIndex(ctx: AppContext, subject: string): Promise<IndexDay[]> {
  const rows = await indexDays(ctx.db, subject);
  return rows.map((r) => ({ date: day(r.day), index: r.idx === null ? null : Number(r.idx), status: r.status }));
}

/** The index as a reader may see it: the resident themself, or a counselor with an active MONITORING grant. */
export async function indexFor(ctx: AppContext, reader: { address: string; isCounselor: boolean }, subject: string) {
  if (reader.address !== subject) {
    await refuseErased(ctx, subject);
    if (!reader.isCounselor) return undefined;
    // The grant's scope, not just its purpose: a MONITORING grant for assessments only does not open the index.
    if (!(await consentCovers(ctx, { subject, grantee: reader.address, purposes: [Purpose.MONITORING], category: "wearable_summary" }))) return undefined;
  }
  const days = await readIndex(ctx, subject);
  const warnings = detectWarnings(days.map((d) => ({ ...d, z: { hr: null, rmssd: null, sleep: null }, combined: null }) as DailyStress));
  return { subjectRef: subject, notice: STRESS_INDEX_NOTICE, days, warnings: warnings.map((w) => ({ from: w.from, to: w.to, days: w.days, peak: w.peak, ongoing: w.ongoing, message: w.message })) };
}
