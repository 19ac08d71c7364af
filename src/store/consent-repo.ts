// Reads of the consent index. The active check mirrors ConsentLedger.isActive:
// notBefore ≤ at < notAfter, and not revoked at or before `at`.
import { scopeCovers } from "../consent/scope.js";
import { send, type Queryable } from "./db.js";

export interface GrantRow {
  grant_id: string;
  subject: string;
  grantee: string;
  purpose: number;
  scope: string;
  not_before: number;
  not_after: number;
  revoked_at: number | null;
  emergency: boolean;
  block_number: number;
  block_time: number;
  tx_hash: string;
  /** The scope's opening (categories + salt), known when the grant was relayed or registered through us. */
  categories: string[] | null;
  scope_salt: string | null;
}

// The opening lives off chain with the relayed request; a grant relayed elsewhere has none until it is registered.
const FROM = `consent_grants g LEFT JOIN consent_requests o ON o.grant_id = g.grant_id AND o.kind IN ('grant','emergency')`;
const COLS = `g.grant_id, g.subject, g.grantee, g.purpose, g.scope, g.not_before, g.not_after, g.revoked_at, g.emergency,
  g.block_number, g.block_time, g.tx_hash, o.categories, o.scope_salt`;

function norm(r: any): GrantRow {
  return {
    ...r,
    purpose: Number(r.purpose),
    not_before: Number(r.not_before),
    not_after: Number(r.not_after),
    revoked_at: r.revoked_at === null ? null : Number(r.revoked_at),
    block_number: Number(r.block_number),
    block_time: Number(r.block_time),
    categories: r.categories ? (JSON.parse(r.categories) as string[]) : null,
    scope_salt: r.scope_salt ?? null,
  };
}

/**
 * Whether a grant's scope opens to a data category (a record kind). Without a known opening the answer is no —
 * except for break-glass access, which by design is not limited to what the resident chose.
 */
export function grantCovers(g: Pick<GrantRow, "scope" | "categories" | "scope_salt" | "emergency">, category: string): boolean {
  if (!g.categories || !g.scope_salt) return g.emergency;
  return scopeCovers(g.categories, g.scope_salt, g.scope, category);
}

/**
 * Active at `atSeconds`. A revocation the index has seen counts from the moment it is seen: its on-chain time is the
 * block's timestamp, which a fast chain can put seconds ahead of our clock, and a withdrawal must stop releases at
 * once — so for any time from now on a recorded revocation is in force; only past times compare with revoked_at.
 */
export function isActiveAt(g: Pick<GrantRow, "not_before" | "not_after" | "revoked_at">, atSeconds: number, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const revoked = g.revoked_at !== null && (atSeconds >= nowSeconds || atSeconds >= g.revoked_at);
  return g.not_before <= atSeconds && atSeconds < g.not_after && !revoked;
}

export async function getGrant(q: Queryable, grantId: string): Promise<GrantRow | undefined> {
  const [r] = await q.query(`SELECT ${COLS} FROM ${FROM} WHERE g.grant_id = $1`, [grantId.toLowerCase()]);
  return r ? norm(r) : undefined;
}

/** A grant row as read, with a stamp of everything in it (md5 of the row): a write checked against it before its
 *  transaction commits only if guardGrants finds the same stamps (records' one-hop group commit). */
export interface StampedGrant {
  row: GrantRow;
  stamp: string;
}

const STAMP = `md5(row(${COLS})::text)`;

export async function stampedGrant(q: Queryable, grantId: string): Promise<StampedGrant | undefined> {
  const [r] = await q.query(`SELECT ${COLS}, ${STAMP} AS stamp FROM ${FROM} WHERE g.grant_id = $1`, [grantId.toLowerCase()]);
  if (!r) return undefined;
  const { stamp, ...row } = r;
  return { row: norm(row), stamp };
}

/** Fails the transaction (22012, division by zero) unless every grant still has the stamp it was checked with. */
export async function guardGrants(q: Queryable, grants: Array<{ grantId: string; stamp: string }>): Promise<void> {
  if (grants.length === 0) return;
  await send(
    q,
    `SELECT 1 / (count(*) = $3)::int FROM ${FROM} WHERE (g.grant_id, ${STAMP}) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [grants.map((g) => g.grantId.toLowerCase()), grants.map((g) => g.stamp), grants.length],
  );
}

/** Grants to `grantee` for one of `purposes` that are active at `atSeconds`, optionally for one subject. */
export async function activeGrants(
  q: Queryable,
  f: { grantee?: string; subject?: string; purposes: number[]; atSeconds: number },
): Promise<GrantRow[]> {
  // Same rule as isActiveAt: a recorded revocation is in force for any time from now on.
  const where = ["g.purpose = ANY($1::smallint[])", "g.not_before <= $2", "g.not_after > $2", "(g.revoked_at IS NULL OR ($2 < $3 AND g.revoked_at > $2))"];
  const params: unknown[] = [f.purposes, f.atSeconds, Math.floor(Date.now() / 1000)];
  if (f.grantee) where.push(`g.grantee = $${params.push(f.grantee.toLowerCase())}`);
  if (f.subject) where.push(`g.subject = $${params.push(f.subject.toLowerCase())}`);
  const rows = await q.query(`SELECT ${COLS} FROM ${FROM} WHERE ${where.join(" AND ")} ORDER BY g.block_number, g.grant_id`, params);
  return rows.map(norm);
}

export async function grantsWhere(q: Queryable, f: { subject?: string; grantee?: string }): Promise<GrantRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.subject) where.push(`g.subject = $${params.push(f.subject.toLowerCase())}`);
  if (f.grantee) where.push(`g.grantee = $${params.push(f.grantee.toLowerCase())}`);
  const rows = await q.query(`SELECT ${COLS} FROM ${FROM} ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY g.block_number, g.grant_id`, params);
  return rows.map(norm);
}

/** Ids of the indexed grants matching the filters (`emergency`: break-glass only), in chain order. */
export async function indexedGrantIds(q: Queryable, f: { subject?: string; grantee?: string; emergency?: boolean }): Promise<string[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.subject) where.push(`subject = $${params.push(f.subject.toLowerCase())}`);
  if (f.grantee) where.push(`grantee = $${params.push(f.grantee.toLowerCase())}`);
  if (f.emergency) where.push("emergency");
  const rows = await q.query<{ grant_id: string }>(
    `SELECT grant_id FROM consent_grants ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY block_number, grant_id`,
    params,
  );
  return rows.map((r) => String(r.grant_id));
}

/** Every EMERGENCY grant in the index, in chain order (the auditor's break-glass review list). */
export async function emergencyGrants(q: Queryable): Promise<Array<Record<string, unknown>>> {
  return q.query<Record<string, unknown>>(
    `SELECT grant_id AS "grantId", grantee AS counselor, subject, not_before AS "notBefore", not_after AS "notAfter", revoked_at AS "revokedAt",
            block_number AS "block", tx_hash AS "txHash" FROM consent_grants WHERE emergency OR purpose = 4 ORDER BY block_number`,
  );
}
