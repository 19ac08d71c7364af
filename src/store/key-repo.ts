// Sealed content keys (record_keys: one per version and reader) and the X25519 keys residents publish for their
// pseudonymous addresses (vault_recipients). The keys a version is written with are inserted with it (record-repo.ts).
import type { Queryable } from "./db.js";

export interface KeyRow {
  /** Null once erased (crypto-shredding). */
  sealed: string | null;
  /** The grant a re-wrapped key was shared under (identity entries). */
  grant_id: string | null;
}

export async function keyOf(q: Queryable, contentHash: string, recipient: string): Promise<KeyRow | undefined> {
  const [k] = await q.query<KeyRow>("SELECT sealed, grant_id FROM record_keys WHERE content_hash = $1 AND recipient = $2", [contentHash, recipient]);
  return k;
}

export async function keyCount(q: Queryable, contentHash: string): Promise<number> {
  const [{ n }] = await q.query<{ n: number }>("SELECT count(*)::int AS n FROM record_keys WHERE content_hash = $1", [contentHash]);
  return Number(n);
}

/** Adds or replaces readers' sealed keys of one version. */
export async function putKeys(q: Queryable, contentHash: string, addedBy: string, keys: ReadonlyArray<{ to: string; sealed: string; grantId?: string }>): Promise<void> {
  await q.query(
    `INSERT INTO record_keys (content_hash, recipient, sealed, added_by, grant_id)
     SELECT $1, k.rcpt, k.sealed, $2, k.grant_id FROM unnest($3::text[], $4::text[], $5::text[]) AS k(rcpt, sealed, grant_id)
     ON CONFLICT (content_hash, recipient) DO UPDATE SET sealed = EXCLUDED.sealed, added_by = EXCLUDED.added_by,
       added_at = now(), grant_id = EXCLUDED.grant_id`,
    [contentHash, addedBy, keys.map((k) => k.to), keys.map((k) => k.sealed), keys.map((k) => k.grantId?.toLowerCase() ?? null)],
  );
}

/** Erasure: every sealed key of the subject's versions is destroyed (the rows stay for the audit). */
export async function shredKeysOfSubject(q: Queryable, subject: string): Promise<void> {
  await q.query(`UPDATE record_keys SET sealed = NULL, grant_id = NULL WHERE content_hash IN (SELECT content_hash FROM records WHERE subject_ref = $1)`, [subject]);
}

export async function recipientKeyOf(q: Queryable, address: string): Promise<string | undefined> {
  const [row] = await q.query<{ x25519_public_key: string }>("SELECT x25519_public_key FROM vault_recipients WHERE address = $1", [address]);
  return row?.x25519_public_key;
}

export async function putRecipientKey(q: Queryable, address: string, x25519PublicKey: string): Promise<void> {
  await q.query(
    `INSERT INTO vault_recipients (address, x25519_public_key) VALUES ($1, $2)
     ON CONFLICT (address) DO UPDATE SET x25519_public_key = EXCLUDED.x25519_public_key, updated_at = now()`,
    [address, x25519PublicKey],
  );
}

export async function deleteRecipientKey(q: Queryable, address: string): Promise<void> {
  await q.query("DELETE FROM vault_recipients WHERE address = $1", [address]);
}
