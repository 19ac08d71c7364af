// Alerts: one row per (alert, recipient counselor), or one row with the placeholder recipient when nobody holds a
// grant, so the resident still sees that the alert was raised.
import type { Queryable } from "./db.js";

export interface NewAlert {
  alertId: string;
  subject: string;
  kind: string;
  level: string;
  instrument: string | null;
  raisedBy: string;
  emergencyOffer: boolean;
  detail: Record<string, unknown>;
  createdAt: string;
}

export interface CounselorAlertRow {
  alert_id: string;
  subject: string;
  kind: string;
  level: string;
  instrument: string | null;
  emergency_offer: boolean;
  detail: Record<string, unknown>;
  created_at: Date | string;
  acked_at: Date | string | null;
  /** The ladder rung this row was sent on: care (her own counselors), on_call, fallback. */
  tier: string;
}

export interface ResidentAlertRow {
  alert_id: string;
  kind: string;
  level: string;
  created_at: Date | string;
  notified: string | number;
  acked: string | number;
}

export async function insertAlert(q: Queryable, a: NewAlert, recipients: string[]): Promise<void> {
  for (const r of recipients) {
    await q.query(
      `INSERT INTO alerts (alert_id, recipient, subject, kind, level, instrument, raised_by, emergency_offer, detail, created_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
      [a.alertId, r, a.subject, a.kind, a.level, a.instrument, a.raisedBy, a.emergencyOffer, JSON.stringify(a.detail), a.createdAt],
    );
  }
}

// Paged lists (newest first, by cursor): limits-repo.ts.

/** Acknowledges a recipient's alert; false if there is none unacknowledged. */
export async function ackAlertRow(q: Queryable, alertId: string, counselor: string, at: string): Promise<boolean> {
  const up = await q.query("UPDATE alerts SET acked_at = $3 WHERE alert_id = $1 AND recipient = $2 AND acked_at IS NULL RETURNING alert_id", [alertId, counselor, at]);
  return up.length > 0;
}

export async function alertExists(q: Queryable, alertId: string, recipient: string): Promise<boolean> {
  return (await q.query("SELECT 1 FROM alerts WHERE alert_id = $1 AND recipient = $2", [alertId, recipient])).length > 0;
}
