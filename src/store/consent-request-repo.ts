// Consent requests: the resident-signed grants and revokes waiting for (or done with) the relayer, and the scope
// openings of break-glass accesses counselors opened on chain; their relay history; the residents' notices.
// What is on chain is the index's (consent-repo.ts), never this table's.
import type { Queryable } from "./db.js";

export type RequestStatus = "queued" | "submitted" | "on_chain" | "failed";

export interface RequestRow {
  grant_id: string;
  kind: "grant" | "revoke" | "emergency";
  subject: string;
  grantee: string;
  purpose: number;
  categories: string | null;
  scope_salt: string | null;
  payload: string;
  status: RequestStatus;
  attempts: number;
  tx_hash: string | null;
  block_number: number | null;
  error: string | null;
  lang: string | null;
  created_at: string;
  updated_at: string;
}

export function normRequest(r: any): RequestRow {
  return {
    ...r,
    purpose: Number(r.purpose),
    attempts: Number(r.attempts),
    block_number: r.block_number === null ? null : Number(r.block_number),
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
  };
}

export async function getRequest(q: Queryable, grantId: string, kind: RequestRow["kind"]): Promise<RequestRow | undefined> {
  const [r] = await q.query("SELECT * FROM consent_requests WHERE grant_id = $1 AND kind = $2", [grantId.toLowerCase(), kind]);
  return r ? normRequest(r) : undefined;
}

/** The grant request (resident-signed) or the emergency opening that carries the scope opening. */
export async function scopeRequest(q: Queryable, grantId: string): Promise<RequestRow | undefined> {
  const [r] = await q.query("SELECT * FROM consent_requests WHERE grant_id = $1 AND kind IN ('grant','emergency') ORDER BY kind DESC LIMIT 1", [grantId.toLowerCase()]);
  return r ? normRequest(r) : undefined;
}

/** Grant ids of the resident-signed grant requests matching the filters, oldest first. */
export async function grantRequestIds(q: Queryable, f: { subject?: string; grantee?: string }): Promise<string[]> {
  const where = ["kind = 'grant'"];
  const params: unknown[] = [];
  if (f.subject) where.push(`subject = $${params.push(f.subject.toLowerCase())}`);
  if (f.grantee) where.push(`grantee = $${params.push(f.grantee.toLowerCase())}`);
  const rows = await q.query<{ grant_id: string }>(`SELECT grant_id FROM consent_requests WHERE ${where.join(" AND ")} ORDER BY created_at, grant_id`, params);
  return rows.map((r) => String(r.grant_id));
}

export interface NewGrantRequest {
  grantId: string;
  subject: string;
  grantee: string;
  purpose: number;
  /** JSON array of the canonical categories. */
  categories: string;
  scopeSalt: string;
  payload: string;
  status: "queued" | "on_chain";
  lang: string | null;
  txHash: string | null;
  blockNumber: number | null;
}

/** Queues a signed grant (with its "queued" event); undefined when the same grant was queued already. */
export async function insertGrantRequest(q: Queryable, r: NewGrantRequest): Promise<RequestRow | undefined> {
  const [row] = await q.query(
    `INSERT INTO consent_requests (grant_id, kind, subject, grantee, purpose, categories, scope_salt, payload, status, lang, tx_hash, block_number)
     VALUES ($1,'grant',$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (grant_id, kind) DO NOTHING RETURNING *`,
    [r.grantId, r.subject, r.grantee, r.purpose, r.categories, r.scopeSalt, r.payload, r.status, r.lang, r.txHash, r.blockNumber],
  );
  if (row) await q.query("INSERT INTO consent_relay_events (grant_id, kind, event) VALUES ($1,'grant','queued')", [r.grantId]);
  return row ? normRequest(row) : undefined;
}

/** Queues a signed revoke (again, after a failed one), with its "queued" event. */
export async function upsertRevokeRequest(q: Queryable, r: { grantId: string; subject: string; grantee: string; purpose: number; payload: string }): Promise<RequestRow> {
  const [row] = await q.query(
    `INSERT INTO consent_requests (grant_id, kind, subject, grantee, purpose, payload, status)
     VALUES ($1,'revoke',$2,$3,$4,$5,'queued')
     ON CONFLICT (grant_id, kind) DO UPDATE SET payload = EXCLUDED.payload, status = 'queued', attempts = 0, error = NULL,
       tx_hash = NULL, block_number = NULL, next_attempt_at = now(), updated_at = now()
     RETURNING *`,
    [r.grantId, r.subject, r.grantee, r.purpose, r.payload],
  );
  await q.query("INSERT INTO consent_relay_events (grant_id, kind, event) VALUES ($1,'revoke','queued')", [r.grantId]);
  return normRequest(row);
}

/** Stores the scope opening of an emergency grant that is on chain already (once; a repeat changes nothing). */
export async function insertEmergencyOpening(
  q: Queryable,
  r: { grantId: string; subject: string; grantee: string; categories: string; scopeSalt: string; payload: string; txHash: string; blockNumber: number },
): Promise<void> {
  await q.query(
    `INSERT INTO consent_requests (grant_id, kind, subject, grantee, purpose, categories, scope_salt, payload, status, tx_hash, block_number)
     VALUES ($1,'emergency',$2,$3,4,$4,$5,$6,'on_chain',$7,$8) ON CONFLICT (grant_id, kind) DO NOTHING`,
    [r.grantId, r.subject, r.grantee, r.categories, r.scopeSalt, r.payload, r.txHash, r.blockNumber],
  );
}

/** The relay history of a grant and its revoke, in order. */
export async function relayEvents(q: Queryable, grantId: string): Promise<Array<{ kind: string; event: string; detail: string | null; at: string }>> {
  return q.query("SELECT kind, event, detail, at FROM consent_relay_events WHERE grant_id = $1 ORDER BY id", [grantId]);
}

export interface NoticeRow {
  grant_id: string;
  kind: string;
  created_at: string;
  grantee: string;
  not_before: number;
  not_after: number;
}

/** Notices for a subject (break-glass openings), with the grant's counselor and window, in order. */
export async function noticesOf(q: Queryable, subject: string): Promise<NoticeRow[]> {
  return q.query<NoticeRow>(
    `SELECT n.grant_id, n.kind, n.created_at, g.grantee, g.not_before, g.not_after
       FROM consent_notices n JOIN consent_grants g ON g.grant_id = n.grant_id WHERE n.subject = $1 ORDER BY n.created_at, n.grant_id`,
    [subject],
  );
}
