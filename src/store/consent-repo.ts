// Reads of the consent index. The active check mirrors ConsentLedger.isActive:
// notBefore ≤ at < notAfter, and not revoked at or before `at`.
import type { Queryable } from "./db.js";

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
}

const COLS = "grant_id, subject, grantee, purpose, scope, not_before, not_after, revoked_at, emergency, block_number, block_time, tx_hash";

function norm(r: any): GrantRow {
  return {
    ...r,
    purpose: Number(r.purpose),
    not_before: Number(r.not_before),
    not_after: Number(r.not_after),
    revoked_at: r.revoked_at === null ? null : Number(r.revoked_at),
    block_number: Number(r.block_number),
    block_time: Number(r.block_time),
  };
}

export function isActiveAt(g: Pick<GrantRow, "not_before" | "not_after" | "revoked_at">, atSeconds: number): boolean {
  return g.not_before <= atSeconds && atSeconds < g.not_after && (g.revoked_at === null || atSeconds < g.revoked_at);
}

export async function getGrant(q: Queryable, grantId: string): Promise<GrantRow | undefined> {
  const [r] = await q.query(`SELECT ${COLS} FROM consent_grants WHERE grant_id = $1`, [grantId.toLowerCase()]);
  return r ? norm(r) : undefined;
}

/** Grants to `grantee` for one of `purposes` that are active at `atSeconds`, optionally for one subject. */
export async function activeGrants(
  q: Queryable,
  f: { grantee?: string; subject?: string; purposes: number[]; atSeconds: number },
): Promise<GrantRow[]> {
  const where = ["purpose = ANY($1::smallint[])", "not_before <= $2", "not_after > $2", "(revoked_at IS NULL OR revoked_at > $2)"];
  const params: unknown[] = [f.purposes, f.atSeconds];
  if (f.grantee) where.push(`grantee = $${params.push(f.grantee.toLowerCase())}`);
  if (f.subject) where.push(`subject = $${params.push(f.subject.toLowerCase())}`);
  const rows = await q.query(`SELECT ${COLS} FROM consent_grants WHERE ${where.join(" AND ")} ORDER BY block_number, grant_id`, params);
  return rows.map(norm);
}

export async function grantsWhere(q: Queryable, f: { subject?: string; grantee?: string }): Promise<GrantRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.subject) where.push(`subject = $${params.push(f.subject.toLowerCase())}`);
  if (f.grantee) where.push(`grantee = $${params.push(f.grantee.toLowerCase())}`);
  const rows = await q.query(`SELECT ${COLS} FROM consent_grants ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY block_number, grant_id`, params);
  return rows.map(norm);
}
