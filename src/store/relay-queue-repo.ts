// The consent relay queue (consent_requests): residents' signed grants and revokes exactly as they were sent, and
// counselors' break-glass openings, with their relay status; what happened to each (consent_relay_events); and
// the notices a resident is owed (consent_notices).
import type { Queryable } from "./db.js";

export type RequestKind = "grant" | "revoke" | "emergency";
export type RequestStatus = "queued" | "submitted" | "on_chain" | "failed";

export interface RequestRow {
  grant_id: string;
  kind: RequestKind;
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

function norm(r: any): RequestRow {
  return {
    ...r,
    purpose: Number(r.purpose),
    attempts: Number(r.attempts),
    block_number: r.block_number === null ? null : Number(r.block_number),
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
  };
}

const rows = async (q: Queryable, sql: string, params: unknown[] = []) => (await q.query(sql, params)).map(norm);

export async function getRequest(q: Queryable, grantId: string, kind: RequestKind): Promise<RequestRow | undefined> {
  const [r] = await rows(q, "SELECT * FROM consent_requests WHERE grant_id = $1 AND kind = $2", [grantId.toLowerCase(), kind]);
  return r;
}

/** The grant request (resident-signed) or the emergency opening that carries the scope opening. */
export async function openingRequest(q: Queryable, grantId: string): Promise<RequestRow | undefined> {
  const [r] = await rows(q, "SELECT * FROM consent_requests WHERE grant_id = $1 AND kind IN ('grant','emergency') ORDER BY kind DESC LIMIT 1", [grantId.toLowerCase()]);
  return r;
}

/** Grant ids of grant requests, filtered, oldest first. */
export async function grantRequestIds(q: Queryable, f: { subject?: string; grantee?: string }): Promise<string[]> {
  const where = ["kind = 'grant'"];
  const params: unknown[] = [];
  if (f.subject) where.push(`subject = $${params.push(f.subject.toLowerCase())}`);
  if (f.grantee) where.push(`grantee = $${params.push(f.grantee.toLowerCase())}`);
  const r = await q.query<{ grant_id: string }>(`SELECT grant_id FROM consent_requests WHERE ${where.join(" AND ")} ORDER BY created_at, grant_id`, params);
  return r.map((x) => String(x.grant_id));
}

export interface NewGrantRequest {
  grantId: string;
  subject: string;
  grantee: string;
  purpose: number;
  categories: string[];
  scopeSalt: string;
  payload: string;
  lang: string | null;
  /** Already indexed from the chain (relayed elsewhere): recorded as on chain, never sent again. */
  onChain?: { txHash: string; blockNumber: number };
}

/** Queues a grant (and logs "queued"); undefined if this grant was already requested. */
export async function insertGrantRequest(q: Queryable, g: NewGrantRequest): Promise<RequestRow | undefined> {
  const [r] = await rows(
    q,
    `INSERT INTO consent_requests (grant_id, kind, subject, grantee, purpose, categories, scope_salt, payload, status, lang, tx_hash, block_number)
     VALUES ($1,'grant',$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (grant_id, kind) DO NOTHING RETURNING *`,
    [g.grantId, g.subject.toLowerCase(), g.grantee.toLowerCase(), g.purpose, JSON.stringify(g.categories), g.scopeSalt.toLowerCase(), g.payload,
      g.onChain ? "on_chain" : "queued", g.lang, g.onChain?.txHash ?? null, g.onChain?.blockNumber ?? null],
  );
  if (r) await appendRelayEvent(q, g.grantId, "grant", "queued");
  return r;
}

/** Queues a revoke, replacing a failed one (and logs "queued"). */
export async function upsertRevokeRequest(q: Queryable, v: { grantId: string; subject: string; grantee: string; purpose: number; payload: string }): Promise<RequestRow> {
  const [r] = await rows(
    q,
    `INSERT INTO consent_requests (grant_id, kind, subject, grantee, purpose, payload, status)
     VALUES ($1,'revoke',$2,$3,$4,$5,'queued')
     ON CONFLICT (grant_id, kind) DO UPDATE SET payload = EXCLUDED.payload, status = 'queued', attempts = 0, error = NULL,
       tx_hash = NULL, block_number = NULL, next_attempt_at = now(), updated_at = now()
     RETURNING *`,
    [v.grantId, v.subject, v.grantee, v.purpose, v.payload],
  );
  await appendRelayEvent(q, v.grantId, "revoke", "queued");
  return r;
}

/** Records a counselor's break-glass opening (on chain already) with its scope opening. */
export async function insertEmergencyOpening(
  q: Queryable,
  e: { grantId: string; subject: string; grantee: string; categories: string[]; scopeSalt: string; payload: string; txHash: string; blockNumber: number },
): Promise<void> {
  await q.query(
    `INSERT INTO consent_requests (grant_id, kind, subject, grantee, purpose, categories, scope_salt, payload, status, tx_hash, block_number)
     VALUES ($1,'emergency',$2,$3,4,$4,$5,$6,'on_chain',$7,$8) ON CONFLICT (grant_id, kind) DO NOTHING`,
    [e.grantId, e.subject, e.grantee, JSON.stringify(e.categories), e.scopeSalt, e.payload, e.txHash, e.blockNumber],
  );
}

/**
 * Whether the subject has asked to withdraw this grant and the request stands (queued, on its way, or on chain):
 * from that moment nothing may be released on it, whatever the index says yet.
 */
export async function revocationRequested(q: Queryable, grantId: string): Promise<boolean> {
  const [r] = await q.query<{ requested: boolean }>(`SELECT ${withdrawalRequested("$1")} AS requested`, [grantId.toLowerCase()]);
  return r.requested;
}

/** The same rule as an SQL condition on a grant id expression (for queries over many grants). */
export const withdrawalRequested = (grantIdSql: string) =>
  `EXISTS (SELECT 1 FROM consent_requests v WHERE v.grant_id = ${grantIdSql} AND v.kind = 'revoke' AND v.status <> 'failed')`;

/**
 * Grant requests created in the last `seconds` (by one subject, or by all): how many, and in how many seconds the
 * oldest of them leaves the window (the database's clock, which stamped them).
 */
export async function recentGrantRequests(q: Queryable, f: { seconds: number; subject?: string }): Promise<{ count: number; retryAfterSeconds: number }> {
  const params: unknown[] = [f.seconds];
  const bySubject = f.subject ? ` AND subject = $${params.push(f.subject.toLowerCase())}` : "";
  const [r] = await q.query<{ n: number; retry: number | null }>(
    `SELECT count(*)::int AS n, ceil(extract(epoch FROM min(created_at) + make_interval(secs => $1) - now()))::int AS retry
       FROM consent_requests WHERE kind = 'grant' AND created_at > now() - make_interval(secs => $1)${bySubject}`,
    params,
  );
  return { count: Number(r.n), retryAfterSeconds: Math.max(1, Number(r.retry ?? 1)) };
}

// ---------- the relayer's side ----------

export async function appendRelayEvent(q: Queryable, grantId: string, kind: RequestKind, event: string, detail?: string): Promise<void> {
  await q.query("INSERT INTO consent_relay_events (grant_id, kind, event, detail) VALUES ($1,$2,$3,$4)", [grantId, kind, event, detail ?? null]);
}

export async function relayHistory(q: Queryable, grantId: string): Promise<Array<{ kind: string; event: string; detail: string | null; at: string }>> {
  const r = await q.query<{ kind: string; event: string; detail: string | null; at: string }>(
    "SELECT kind, event, detail, at FROM consent_relay_events WHERE grant_id = $1 ORDER BY id",
    [grantId],
  );
  return r.map((h) => ({ ...h, at: new Date(h.at).toISOString() }));
}

export interface StatusChange {
  tx?: string | null;
  block?: number | null;
  error?: string | null;
  /** Counts as an attempt. */
  attempt?: boolean;
  /** Not before this many seconds from now. */
  delayS?: number;
  /** Forget the transaction (the chain lost it). */
  clearTx?: boolean;
}

/**
 * Claims queued requests for sending (queued → submitted, before the transaction goes out); returns "grantId:kind" of
 * those claimed. A request no longer queued — a grant an erasure cancelled meanwhile — is not claimed, so not sent.
 */
export async function claimQueued(q: Queryable, rs: Array<Pick<RequestRow, "grant_id" | "kind">>): Promise<Set<string>> {
  if (rs.length === 0) return new Set();
  const got = await q.query<{ grant_id: string; kind: string }>(
    `UPDATE consent_requests SET status = 'submitted', updated_at = now()
      WHERE status = 'queued' AND (grant_id, kind) IN (SELECT * FROM unnest($1::text[], $2::text[])) RETURNING grant_id, kind`,
    [rs.map((r) => r.grant_id), rs.map((r) => r.kind)],
  );
  return new Set(got.map((r) => `${r.grant_id}:${r.kind}`));
}

/** Sets the relay status of requests (one statement for a whole batch). */
export async function setStatus(q: Queryable, rs: Pick<RequestRow, "grant_id" | "kind"> | Array<Pick<RequestRow, "grant_id" | "kind">>, status: RequestStatus, f: StatusChange = {}): Promise<void> {
  const list = Array.isArray(rs) ? rs : [rs];
  if (list.length === 0) return;
  await q.query(
    `UPDATE consent_requests SET status = $3, tx_hash = CASE WHEN $9 THEN NULL ELSE COALESCE($4, tx_hash) END,
       block_number = CASE WHEN $9 THEN NULL ELSE COALESCE($5, block_number) END, error = $6,
       attempts = attempts + $7, next_attempt_at = now() + make_interval(secs => $8), updated_at = now()
     WHERE (grant_id, kind) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [list.map((r) => r.grant_id), list.map((r) => r.kind), status, f.tx ?? null, f.block ?? null, f.error ?? null, f.attempt ? 1 : 0, f.delayS ?? 0, f.clearTx ?? false],
  );
}

/**
 * Marks requests on chain where the index has them (the truth: the grant, or for a revoke its revocation), with the
 * index's transaction and block, and logs "on_chain"; one statement for a whole batch. Returns those it marked.
 */
export async function markOnChainFromIndex(q: Queryable, rs: Array<Pick<RequestRow, "grant_id" | "kind">>): Promise<Array<{ grant_id: string; kind: RequestKind }>> {
  if (rs.length === 0) return [];
  return q.query<{ grant_id: string; kind: RequestKind }>(
    `WITH marked AS (
       UPDATE consent_requests r SET status = 'on_chain', error = NULL, next_attempt_at = now(), updated_at = now(),
         tx_hash = COALESCE(CASE WHEN r.kind = 'revoke' THEN g.revoke_tx ELSE g.tx_hash END, r.tx_hash),
         block_number = COALESCE(CASE WHEN r.kind = 'revoke' THEN g.revoke_block ELSE g.block_number END, r.block_number)
       FROM consent_grants g
       WHERE g.grant_id = r.grant_id AND (r.kind <> 'revoke' OR g.revoked_at IS NOT NULL)
         AND (r.grant_id, r.kind) IN (SELECT * FROM unnest($1::text[], $2::text[]))
       RETURNING r.grant_id, r.kind, r.block_number)
     INSERT INTO consent_relay_events (grant_id, kind, event, detail)
       SELECT grant_id, kind, 'on_chain', 'block:' || block_number FROM marked ORDER BY grant_id
     RETURNING grant_id, kind`,
    [rs.map((r) => r.grant_id), rs.map((r) => r.kind)],
  );
}

/** Requests the queue calls on chain but the index does not have (the chain lost them, or the index is behind). */
export async function onChainButNotIndexed(q: Queryable): Promise<RequestRow[]> {
  return rows(
    q,
    `SELECT r.* FROM consent_requests r LEFT JOIN consent_grants g ON g.grant_id = r.grant_id
      WHERE r.status = 'on_chain' AND ((r.kind = 'grant' AND g.grant_id IS NULL) OR (r.kind = 'revoke' AND (g.grant_id IS NULL OR g.revoked_at IS NULL)))`,
  );
}

export async function submittedRequests(q: Queryable): Promise<RequestRow[]> {
  return rows(q, "SELECT * FROM consent_requests WHERE status = 'submitted'");
}

/**
 * The next queued revokes, oldest first — except those whose grant is itself still on its way through our queue
 * (the ledger would answer UnknownGrant): they go once the grant is on chain, and that grant goes first.
 */
export async function queuedRevokes(q: Queryable, limit: number): Promise<RequestRow[]> {
  return rows(
    q,
    `SELECT r.* FROM consent_requests r
      WHERE r.kind = 'revoke' AND r.status = 'queued' AND r.next_attempt_at <= now()
        AND NOT EXISTS (SELECT 1 FROM consent_requests gr WHERE gr.grant_id = r.grant_id AND gr.kind = 'grant' AND gr.status IN ('queued','submitted'))
      ORDER BY r.created_at, r.grant_id LIMIT ${limit}`,
  );
}

/** The next queued grants: those already withdrawn first (their revoke waits for them), then oldest first. */
export async function queuedGrants(q: Queryable, limit: number): Promise<RequestRow[]> {
  return rows(
    q,
    `SELECT r.* FROM consent_requests r
      WHERE r.kind = 'grant' AND r.status = 'queued' AND r.next_attempt_at <= now()
      ORDER BY EXISTS (SELECT 1 FROM consent_requests v WHERE v.grant_id = r.grant_id AND v.kind = 'revoke' AND v.status = 'queued') DESC,
        r.created_at, r.grant_id
      LIMIT ${limit}`,
  );
}

/** The chain or the store failed mid-pass: every queued request backs off (same signed payloads next time). */
export async function backOffQueued(q: Queryable, error: string): Promise<void> {
  await q.query(
    `UPDATE consent_requests SET status = 'queued', attempts = attempts + 1, error = $1,
       next_attempt_at = now() + make_interval(secs => LEAST(60, power(2, LEAST(attempts, 6)))), updated_at = now()
     WHERE status = 'queued'`,
    [error],
  );
}

/** Break-glass openings the index saw: the resident is told (idempotent). */
export async function noticeEmergencyOpenings(q: Queryable): Promise<void> {
  await q.query(
    `INSERT INTO consent_notices (grant_id, subject, kind) SELECT grant_id, subject, 'emergency_opened' FROM consent_grants WHERE emergency
     ON CONFLICT (grant_id, kind) DO NOTHING`,
  );
}

export async function noticesFor(
  q: Queryable,
  subject: string,
): Promise<Array<{ grantId: string; kind: string; at: string; counselor: string; notBefore: number; notAfter: number }>> {
  const r = await q.query<{ grant_id: string; kind: string; created_at: string; grantee: string; not_before: number; not_after: number }>(
    `SELECT n.grant_id, n.kind, n.created_at, g.grantee, g.not_before, g.not_after
       FROM consent_notices n JOIN consent_grants g ON g.grant_id = n.grant_id WHERE n.subject = $1 ORDER BY n.created_at, n.grant_id`,
    [subject],
  );
  return r.map((x) => ({ grantId: x.grant_id, kind: x.kind, at: new Date(x.created_at).toISOString(), counselor: x.grantee, notBefore: Number(x.not_before), notAfter: Number(x.not_after) }));
}
