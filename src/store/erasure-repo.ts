// Erasure of a pseudonymous address beyond the record vault (record-repo/key-repo shred the vault): the resident's
// rows in every other table, the address tombstone that answers 410 afterwards, and the purge of relay rows once the
// revocations queued with the erasure are on chain. Which table is covered how: erasure-coverage.ts.
import type { Queryable } from "./db.js";
import { dropNeedsFromPublications } from "./publication-repo.js";
import { withdrawalRequested } from "./relay-queue-repo.js";

export interface ErasedRows {
  wearableDays: number;
  wearableWarnings: number;
  alerts: number;
  bookings: number;
  needs: number;
  proposals: number;
  notices: number;
  sessions: number;
  relationshipVault: number;
  queuedGrants: number;
}

const n = (rows: unknown[]) => rows.length;

/** Deletes every row of `subject` outside the vault and the log, in the caller's transaction. */
export async function eraseResidentRows(q: Queryable, subject: string): Promise<ErasedRows> {
  const s = [subject];
  const wearableDays = n(await q.query("DELETE FROM wearable_index WHERE subject = $1 RETURNING day", s));
  const wearableWarnings = n(await q.query("DELETE FROM wearable_warnings WHERE subject = $1 RETURNING warning_id", s));
  // A crisis alert's escalation state and the callback number she sealed go with the alert.
  const mine = "SELECT alert_id FROM alerts WHERE subject = $1 OR raised_by = $1";
  await q.query(`DELETE FROM alert_callbacks WHERE alert_id IN (${mine})`, s);
  await q.query(`DELETE FROM alert_ladders WHERE alert_id IN (${mine})`, s);
  const alerts = n(await q.query("DELETE FROM alerts WHERE subject = $1 OR raised_by = $1 RETURNING alert_id", s));
  // A booked slot is free again for others; the booking (and both sealed keys of its details) goes.
  await q.query("UPDATE booking_slots SET taken = false WHERE slot_id IN (SELECT slot_id FROM bookings WHERE subject = $1 AND status = 'booked')", s);
  const bookings = n(await q.query("DELETE FROM bookings WHERE subject = $1 RETURNING booking_id", s));
  // A proposal names the address as its need's subject or as the TREATMENT relationship it was accepted under.
  const proposals = n(
    await q.query("DELETE FROM match_proposals WHERE treatment_subject = $1 OR need_id IN (SELECT need_id FROM match_needs WHERE subject = $1) RETURNING proposal_id", s),
  );
  await dropNeedsFromPublications(q, subject); // her needs leave the stored pool publications too
  const needs = n(await q.query("DELETE FROM match_needs WHERE subject = $1 RETURNING need_id", s));
  const notices = n(await q.query("DELETE FROM consent_notices WHERE subject = $1 RETURNING grant_id", s));
  const sessions = n(await q.query("DELETE FROM sessions WHERE address = $1 RETURNING token_hash", s));
  // Her sealed relationship list (owned by her vault address): erasing the vault address forgets it too.
  const relationshipVault = n(await q.query("DELETE FROM relationship_vaults WHERE owner = $1 RETURNING owner", s));
  return { wearableDays, wearableWarnings, alerts, bookings, needs, proposals, notices, sessions, relationshipVault, queuedGrants: 0 };
}

/**
 * Cancels the grants of `subject` still only queued (never sent): they need no revocation, they are dropped. Run
 * first in the erasure's transaction, before it checks which grants need a revocation: the relayer claims a row
 * before sending it (relay-queue-repo claimQueued), so a grant is either cancelled here or claimed, and a claimed one
 * needs the resident's revocation like any grant on its way.
 */
export async function cancelQueuedGrants(q: Queryable, subject: string): Promise<number> {
  const queued = await q.query<{ grant_id: string }>("DELETE FROM consent_requests WHERE subject = $1 AND kind = 'grant' AND status = 'queued' RETURNING grant_id", [subject]);
  if (queued.length) await q.query("DELETE FROM consent_relay_events WHERE grant_id = ANY($1::text[])", [queued.map((r) => r.grant_id)]);
  return queued.length;
}

/**
 * Grants of `subject` that may still open access and have no standing revocation: active or not yet valid in the
 * index, or sent to the chain and not indexed yet. Each needs a revocation the subject signs before erasure.
 */
export async function grantsNeedingRevocation(q: Queryable, subject: string, nowSeconds: number): Promise<string[]> {
  const rows = await q.query<{ grant_id: string }>(
    `SELECT grant_id FROM (
       SELECT grant_id FROM consent_grants WHERE subject = $1 AND revoked_at IS NULL AND not_after > $2
       UNION
       SELECT r.grant_id FROM consent_requests r WHERE r.subject = $1 AND r.kind = 'grant' AND r.status IN ('submitted', 'on_chain')
          AND NOT EXISTS (SELECT 1 FROM consent_grants g WHERE g.grant_id = r.grant_id)
     ) t
     WHERE NOT ${withdrawalRequested("t.grant_id")}
     ORDER BY grant_id`,
    [subject, nowSeconds],
  );
  return rows.map((r) => r.grant_id);
}

/** Grants of `subject` whose revocation is queued, on its way or on chain (they are purged after erasure too). */
export async function grantsWithStandingRevocation(q: Queryable, subject: string): Promise<string[]> {
  const rows = await q.query<{ grant_id: string }>("SELECT grant_id FROM consent_requests WHERE subject = $1 AND kind = 'revoke' AND status <> 'failed' ORDER BY grant_id", [subject]);
  return rows.map((r) => r.grant_id);
}

export async function insertErasure(q: Queryable, subjectHash: string, at: Date, pendingGrants: string[]): Promise<void> {
  await q.query("INSERT INTO erasures (subject_hash, erased_at, pending_grants) VALUES ($1, $2, $3) ON CONFLICT (subject_hash) DO NOTHING", [
    subjectHash,
    at,
    JSON.stringify(pendingGrants),
  ]);
}

export async function erasedAt(q: Queryable, subjectHash: string): Promise<Date | undefined> {
  const [r] = await q.query<{ erased_at: Date | string }>("SELECT erased_at FROM erasures WHERE subject_hash = $1", [subjectHash]);
  return r ? new Date(r.erased_at) : undefined;
}

/** Erasures whose queued revocations have not all been purged yet, oldest first. */
export async function pendingErasures(q: Queryable, limit: number): Promise<Array<{ subjectHash: string; grants: string[] }>> {
  const rows = await q.query<{ subject_hash: string; pending_grants: string }>(
    "SELECT subject_hash, pending_grants FROM erasures WHERE pending_grants <> '[]' ORDER BY erased_at LIMIT $1",
    [limit],
  );
  return rows.map((r) => ({ subjectHash: r.subject_hash, grants: JSON.parse(r.pending_grants) as string[] }));
}

/** Which of these grants are revoked in the chain index (their revocation is on chain). */
export async function revokedInIndex(q: Queryable, grantIds: string[]): Promise<Set<string>> {
  const rows = await q.query<{ grant_id: string }>("SELECT grant_id FROM consent_grants WHERE grant_id = ANY($1::text[]) AND revoked_at IS NOT NULL", [grantIds]);
  return new Set(rows.map((r) => r.grant_id));
}

/** Drops the relay rows (signed requests, their history, notices) of grants revoked on chain. */
export async function purgeRelayRows(q: Queryable, grantIds: string[]): Promise<void> {
  if (grantIds.length === 0) return;
  const p = [grantIds];
  await q.query("DELETE FROM consent_requests WHERE grant_id = ANY($1::text[])", p);
  await q.query("DELETE FROM consent_relay_events WHERE grant_id = ANY($1::text[])", p);
  await q.query("DELETE FROM consent_notices WHERE grant_id = ANY($1::text[])", p);
}

export async function setPendingGrants(q: Queryable, subjectHash: string, grants: string[]): Promise<void> {
  await q.query("UPDATE erasures SET pending_grants = $2 WHERE subject_hash = $1", [subjectHash, JSON.stringify(grants)]);
}
