// The access log: one row per key release or refusal, each with its log leaf (the leaf names `acc:<id>`, so the id
// is drawn before the row is written).
import type { Queryable } from "./db.js";

export interface AccessEntry {
  id: string;
  at: string;
  requester: string;
  contentHash: string;
  recordId: string;
  decision: "released" | "refused";
  basis: string | null;
  grantId: string | null;
  reason: string | null;
  leafIndex: number;
}

export async function nextAccessId(q: Queryable): Promise<string> {
  const [{ id }] = await q.query<{ id: string }>("SELECT nextval(pg_get_serial_sequence('access_log', 'id'))::text AS id");
  return id;
}

export async function insertAccess(q: Queryable, e: AccessEntry): Promise<void> {
  await q.query(
    `INSERT INTO access_log (id, at, requester, content_hash, record_id, decision, basis, grant_id, reason, leaf_index)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [e.id, e.at, e.requester, e.contentHash, e.recordId, e.decision, e.basis, e.grantId, e.reason, e.leafIndex],
  );
}

export interface SubjectAccessRow {
  at: Date;
  requester: string;
  record_id: string;
  kind: string;
  decision: string;
  basis: string | null;
  reason: string | null;
  leaf_index: number;
}

/** Accesses to the records about `subject`, newest first. */
export async function accessesOfSubject(q: Queryable, subject: string, limit: number): Promise<SubjectAccessRow[]> {
  return q.query<SubjectAccessRow>(
    `SELECT a.at, a.requester, a.record_id, r.kind, a.decision, a.basis, a.reason, a.leaf_index
     FROM access_log a JOIN records r ON r.content_hash = a.content_hash
     WHERE r.subject_ref = $1 ORDER BY a.id DESC LIMIT $2`,
    [subject, limit],
  );
}

/** Every key released under a break-glass grant, in order (the auditor's review list). */
export async function emergencyReleases(q: Queryable): Promise<Array<Record<string, unknown>>> {
  return q.query<Record<string, unknown>>(
    `SELECT id::text AS "accessId", at, requester AS counselor, grant_id AS "grantId", content_hash AS "contentHash", leaf_index AS "leafIndex"
     FROM access_log WHERE basis = 'emergency' ORDER BY id`,
  );
}
