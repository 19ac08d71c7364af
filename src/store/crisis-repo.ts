// Crisis escalation in the store: on-call hours, each crisis alert's ladder state, and callback numbers sealed to
// the alerted counselors (ciphertext only).
import type { Queryable } from "./db.js";

export async function putOnCall(q: Queryable, counselor: string, hours: unknown, at: string): Promise<void> {
  await q.query(
    `INSERT INTO counselor_on_call (counselor, hours, updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (counselor) DO UPDATE SET hours = EXCLUDED.hours, updated_at = EXCLUDED.updated_at`,
    [counselor, JSON.stringify(hours), at],
  );
}

export async function onCallOf<H>(q: Queryable, counselor: string): Promise<H | null> {
  const [r] = await q.query<{ hours: H }>("SELECT hours FROM counselor_on_call WHERE counselor = $1", [counselor]);
  return r?.hours ?? null;
}

/** Every counselor's on-call hours with the areas of their matching profile (none: no profile yet). */
export async function onCallRoster<H>(q: Queryable): Promise<Array<{ counselor: string; hours: H; districts: string[] | null }>> {
  return q.query(
    `SELECT c.counselor, c.hours, p.profile->'districts' AS districts
       FROM counselor_on_call c LEFT JOIN match_profiles p ON p.counselor = c.counselor ORDER BY c.counselor`,
  );
}

export async function insertLadder(q: Queryable, alertId: string, area: string | null, at: string, done: boolean): Promise<void> {
  await q.query("INSERT INTO alert_ladders (alert_id, area, step, stepped_at, done) VALUES ($1, $2, 0, $3, $4)", [alertId, area, at, done]);
}

export interface LadderRow {
  alert_id: string;
  area: string | null;
  step: number;
  stepped_at: Date | string;
}

/** Open ladders whose current rung is older than `before` and whose alert nobody acknowledged. */
export async function dueLadders(q: Queryable, before: string): Promise<LadderRow[]> {
  return q.query<LadderRow>(
    `SELECT l.alert_id, l.area, l.step, l.stepped_at FROM alert_ladders l
      WHERE NOT l.done AND l.stepped_at <= $1
        AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.alert_id = l.alert_id AND a.acked_at IS NOT NULL)
      ORDER BY l.stepped_at LIMIT 100`,
    [before],
  );
}

/** Moves a ladder one rung on, only from the step it was read at (another tick may have moved it). */
export async function stepLadder(q: Queryable, alertId: string, fromStep: number, at: string, done: boolean): Promise<boolean> {
  const r = await q.query("UPDATE alert_ladders SET step = step + 1, stepped_at = $3, done = $4 WHERE alert_id = $1 AND step = $2 AND NOT done RETURNING alert_id", [alertId, fromStep, at, done]);
  return r.length > 0;
}

export async function closeLadder(q: Queryable, alertId: string): Promise<void> {
  await q.query("UPDATE alert_ladders SET done = true WHERE alert_id = $1", [alertId]);
}

export async function ladderOf(q: Queryable, alertId: string): Promise<{ step: number; done: boolean; area: string | null; stepped_at: Date | string } | null> {
  const [r] = await q.query<{ step: number; done: boolean; area: string | null; stepped_at: Date | string }>("SELECT step, done, area, stepped_at FROM alert_ladders WHERE alert_id = $1", [alertId]);
  return r ?? null;
}

/** The alert's rows: who was told on which rung, when, and whether they acknowledged. */
export async function alertRows(q: Queryable, alertId: string): Promise<Array<{ recipient: string; subject: string; kind: string; level: string; instrument: string | null; raised_by: string; tier: string; step: number; created_at: Date | string; acked_at: Date | string | null }>> {
  return q.query("SELECT recipient, subject, kind, level, instrument, raised_by, tier, step, created_at, acked_at FROM alerts WHERE alert_id = $1 ORDER BY step, recipient", [alertId]);
}

export async function insertAlertRow(
  q: Queryable,
  a: { alertId: string; recipient: string; subject: string; kind: string; level: string; instrument: string | null; raisedBy: string; tier: string; step: number; createdAt: string },
): Promise<void> {
  await q.query(
    `INSERT INTO alerts (alert_id, recipient, subject, kind, level, instrument, raised_by, emergency_offer, detail, created_at, tier, step)
     VALUES ($1,$2,$3,$4,$5,$6,$7,true,'{}'::jsonb,$8,$9,$10) ON CONFLICT (alert_id, recipient) DO NOTHING`,
    [a.alertId, a.recipient, a.subject, a.kind, a.level, a.instrument, a.raisedBy, a.createdAt, a.tier, a.step],
  );
}

export async function putCallback(q: Queryable, alertId: string, recipient: string, sealed: string, at: string, expiresAt: string): Promise<void> {
  await q.query(
    `INSERT INTO alert_callbacks (alert_id, recipient, sealed, created_at, expires_at) VALUES ($1,$2,$3,$4,$5)
     ON CONFLICT (alert_id, recipient) DO UPDATE SET sealed = EXCLUDED.sealed, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at`,
    [alertId, recipient, sealed, at, expiresAt],
  );
}

export async function callbackFor(q: Queryable, alertId: string, recipient: string, now: string): Promise<{ sealed: string; expires_at: Date | string } | null> {
  const [r] = await q.query<{ sealed: string; expires_at: Date | string }>("SELECT sealed, expires_at FROM alert_callbacks WHERE alert_id = $1 AND recipient = $2 AND expires_at > $3", [alertId, recipient, now]);
  return r ?? null;
}

export async function callbacksShared(q: Queryable, alertId: string): Promise<Array<{ recipient: string; expires_at: Date | string }>> {
  return q.query("SELECT recipient, expires_at FROM alert_callbacks WHERE alert_id = $1 ORDER BY recipient", [alertId]);
}
