// The daily stress index residents upload (one row per subject and day) and the warnings re-derived from it
// (one row per run start).
import type { Queryable } from "./db.js";

export interface IndexDayRow {
  day: Date | string;
  idx: number | string | null;
  status: "ok" | "no_data" | "insufficient_baseline";
}

/** Stores one day of the index (replacing an earlier upload of that day). */
export async function putIndexDay(q: Queryable, subject: string, d: { date: string; index: number | null; status: string }, uploadId: string, at: string): Promise<void> {
  await q.query(
    `INSERT INTO wearable_index (subject, day, idx, status, upload_id, updated_at) VALUES ($1,$2,$3,$4,$5,$6)
     ON CONFLICT (subject, day) DO UPDATE SET idx = EXCLUDED.idx, status = EXCLUDED.status, upload_id = EXCLUDED.upload_id, updated_at = EXCLUDED.updated_at`,
    [subject, d.date, d.status === "ok" ? d.index : null, d.status, uploadId, at],
  );
}

export async function indexDays(q: Queryable, subject: string): Promise<IndexDayRow[]> {
  return q.query<IndexDayRow>("SELECT day, idx, status FROM wearable_index WHERE subject = $1 ORDER BY day", [subject]);
}

/** Stores a warning, or grows the one with the same start; true when it is new. */
export async function putWarning(
  q: Queryable,
  w: { warningId: string; subject: string; from: string; to: string; days: number; peak: number; ongoing: boolean; uploadId: string },
): Promise<boolean> {
  const r = await q.query<{ inserted: boolean | string }>(
    `INSERT INTO wearable_warnings (warning_id, subject, day_from, day_to, days, peak, ongoing, upload_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
     ON CONFLICT (subject, day_from) DO UPDATE SET day_to = EXCLUDED.day_to, days = EXCLUDED.days, peak = EXCLUDED.peak, ongoing = EXCLUDED.ongoing
     RETURNING (xmax = 0) AS inserted`,
    [w.warningId, w.subject, w.from, w.to, w.days, w.peak, w.ongoing, w.uploadId],
  );
  return r[0]?.inserted === true || r[0]?.inserted === "t";
}
