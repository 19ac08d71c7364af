// Counts behind the per-resident limits (alerts per counselor per day, live bookings) and the paged alert lists
// that replace the newest-500 cut-off. Read inside the writer's transaction where a limit is enforced.
import type { Queryable } from "./db.js";
import type { CounselorAlertRow, ResidentAlertRow } from "./alert-repo.js";

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

/** A position in a newest-first alert list: strictly older than (createdAt, alertId). */
export interface AlertCursor {
  createdAt: string;
  alertId: string;
}

/** One page of the alerts addressed to a counselor, newest first. */
export async function alertsToPage(q: Queryable, counselor: string, limit: number, before?: AlertCursor): Promise<CounselorAlertRow[]> {
  const p: unknown[] = [counselor, limit];
  const cond = before ? ` AND (created_at, alert_id) < ($${p.push(before.createdAt)}::timestamptz, $${p.push(before.alertId)})` : "";
  return q.query<CounselorAlertRow>(
    `SELECT alert_id, subject, kind, level, instrument, emergency_offer, detail, created_at, acked_at, tier FROM alerts
      WHERE recipient = $1${cond} ORDER BY created_at DESC, alert_id DESC LIMIT $2`,
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
