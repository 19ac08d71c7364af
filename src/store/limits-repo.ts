// Counts behind the per-resident limits (alerts per counselor per day, live bookings) and the paged alert lists
// that replace the newest-500 cut-off. Read inside the writer's transaction where a limit is enforced.
import type { Queryable } from "./db.js";
import type { CounselorAlertRow, ResidentAlertRow } from "./alert-repo.js";
import { Purpose } from "../consent/types.js";
import { withdrawalRequested } from "./relay-queue-repo.js";

/** Alerts about `subject` each recipient received in the last 24 hours, on any rung of the crisis ladder (counted
 * by alert id: an alert is one alert to a counselor, whatever rows the ladder adds for others). */
export async function alertsInLastDay(q: Queryable, subject: string, recipients: string[]): Promise<Map<string, number>> {
  if (recipients.length === 0) return new Map();
  const rows = await q.query<{ recipient: string; n: number }>(
    "SELECT recipient, count(DISTINCT alert_id)::int AS n FROM alerts WHERE subject = $1 AND recipient = ANY($2::text[]) AND created_at > now() - interval '1 day' GROUP BY recipient",
    [subject, recipients],
  );
  return new Map(rows.map((r) => [r.recipient, Number(r.n)]));
}

/** Seconds until the oldest of a pair's alerts in the last day leaves the window (for Retry-After). */
export async function alertWindowRetrySeconds(q: Queryable, subject: string, recipients: string[]): Promise<number> {
  const [r] = await q.query<{ s: number | null }>(
    "SELECT ceil(extract(epoch FROM (min(created_at) + interval '1 day' - now())))::int AS s FROM alerts WHERE subject = $1 AND recipient = ANY($2::text[]) AND created_at > now() - interval '1 day'",
    [subject, recipients],
  );
  return Math.max(1, Number(r?.s ?? 1));
}

export async function liveBookingCount(q: Queryable, subject: string): Promise<number> {
  const [r] = await q.query<{ n: number }>("SELECT count(*)::int AS n FROM bookings WHERE subject = $1 AND status = 'booked'", [subject]);
  return Number(r.n);
}

/** TREATMENT and MONITORING (docs/FORMATS.md purposes): the grants a care alert is sent under. */
const CARE_PURPOSES = `${Purpose.TREATMENT}, ${Purpose.MONITORING}`;

/** A position in a newest-first alert list: strictly older than (createdAt, alertId). */
export interface AlertCursor {
  createdAt: string;
  alertId: string;
}

/**
 * One page of the alerts addressed to a counselor, newest first. A care alert (sent because she consented to this
 * counselor) is shown only while a TREATMENT or MONITORING grant from her to the counselor is in force and no
 * withdrawal of it is queued: once she withdraws, her alerts leave his list. Emergency-route alerts (on call,
 * fallback) stay: they reached him as the one on duty, not by her consent.
 */
export async function alertsToPage(q: Queryable, counselor: string, limit: number, before?: AlertCursor, nowSeconds = Math.floor(Date.now() / 1000)): Promise<CounselorAlertRow[]> {
  const p: unknown[] = [counselor, limit, nowSeconds];
  const cond = before ? ` AND (a.created_at, a.alert_id) < ($${p.push(before.createdAt)}::timestamptz, $${p.push(before.alertId)})` : "";
  return q.query<CounselorAlertRow>(
    `SELECT a.alert_id, a.subject, a.kind, a.level, a.instrument, a.emergency_offer, a.detail, a.created_at, a.acked_at, a.tier FROM alerts a
      WHERE a.recipient = $1${cond}
        AND (a.tier <> 'care' OR EXISTS (
          SELECT 1 FROM consent_grants g
           WHERE g.subject = a.subject AND g.grantee = $1 AND g.purpose IN (${CARE_PURPOSES}) AND g.not_before <= $3 AND g.not_after > $3
             AND g.revoked_at IS NULL
             AND NOT ${withdrawalRequested("g.grant_id")}))
      ORDER BY a.created_at DESC, a.alert_id DESC LIMIT $2`,
    p,
  );
}

/** One page of the alerts about a subject (one per alert), newest first. */
export async function alertsAboutPage(q: Queryable, subject: string, placeholder: string, limit: number, before?: AlertCursor): Promise<ResidentAlertRow[]> {
  const p: unknown[] = [subject, placeholder, limit];
  const cond = before ? ` HAVING (min(created_at), alert_id) < ($${p.push(before.createdAt)}::timestamptz, $${p.push(before.alertId)})` : "";
  return q.query<ResidentAlertRow>(
    `SELECT alert_id, kind, level, min(created_at) AS created_at, count(*) FILTER (WHERE recipient <> $2 AND recipient NOT LIKE 'line:%') AS notified, count(acked_at) AS acked
       FROM alerts WHERE subject = $1 GROUP BY alert_id, kind, level${cond} ORDER BY min(created_at) DESC, alert_id DESC LIMIT $3`,
    p,
  );
}
