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
export async function putKeys(q: Queryable, contentHash: string, addedBy: string, keys: ReadonlyArray<{ to: string; sealed: string; grantId?: string; pk?: string }>): Promise<void> {
  await q.query(
    `INSERT INTO record_keys (content_hash, recipient, sealed, added_by, grant_id, recipient_pk)
     SELECT $1, k.rcpt, k.sealed, $2, k.grant_id, k.pk FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS k(rcpt, sealed, grant_id, pk)
     ON CONFLICT (content_hash, recipient) DO UPDATE SET sealed = EXCLUDED.sealed, added_by = EXCLUDED.added_by,
       added_at = now(), grant_id = EXCLUDED.grant_id, recipient_pk = EXCLUDED.recipient_pk`,
    [contentHash, addedBy, keys.map((k) => k.to), keys.map((k) => k.sealed), keys.map((k) => k.grantId?.toLowerCase() ?? null), keys.map((k) => k.pk ?? null)],
  );
}

/** Erasure: every sealed key of the subject's versions is destroyed (the rows stay for the audit). */
export async function shredKeysOfSubject(q: Queryable, subject: string): Promise<void> {
  await q.query(`UPDATE record_keys SET sealed = NULL, grant_id = NULL WHERE content_hash IN (SELECT content_hash FROM records WHERE subject_ref = $1)`, [subject]);
}

/** A resident's current key; `version` null = published before signed publications (legacy, unsigned). */
export interface RecipientKeyRow {
  x25519_public_key: string;
  version: number | null;
  issued_at: string | null;
  signature: string | null;
  leaf_index: string | null;
}

export async function recipientKeyOf(q: Queryable, address: string): Promise<RecipientKeyRow | undefined> {
  const [row] = await q.query<RecipientKeyRow>(
    `SELECT v.x25519_public_key, v.version, p.issued_at::text AS issued_at, p.signature, v.leaf_index::text AS leaf_index
       FROM vault_recipients v LEFT JOIN key_publications p ON p.owner = v.address AND p.version = v.version
      WHERE v.address = $1`,
    [address],
  );
  return row;
}

/** The newest signed version an owner published (0: none). */
export async function latestKeyVersion(q: Queryable, owner: string): Promise<number> {
  const [{ v }] = await q.query<{ v: number | null }>("SELECT max(version) AS v FROM key_publications WHERE owner = $1", [owner]);
  return Number(v ?? 0);
}

export interface NewPublication {
  owner: string;
  version: number;
  /** base64, as vault_recipients holds it. */
  x25519PublicKey: string;
  issuedAt: number;
  signature: string;
  leafIndex: number;
}

/** Keeps a signed publication in the history and makes it the owner's current key. */
export async function putRecipientKey(q: Queryable, p: NewPublication): Promise<void> {
  await q.query(
    `INSERT INTO key_publications (owner, version, x25519_public_key, issued_at, signature, leaf_index) VALUES ($1, $2, $3, $4, $5, $6)`,
    [p.owner, p.version, p.x25519PublicKey, p.issuedAt, p.signature, p.leafIndex],
  );
  await q.query(
    `INSERT INTO vault_recipients (address, x25519_public_key, version, leaf_index) VALUES ($1, $2, $3, $4)
     ON CONFLICT (address) DO UPDATE SET x25519_public_key = EXCLUDED.x25519_public_key, version = EXCLUDED.version,
       leaf_index = EXCLUDED.leaf_index, updated_at = now()`,
    [p.owner, p.x25519PublicKey, p.version, p.leafIndex],
  );
}

/** Every signed publication, for the audit. */
export async function allPublications(q: Queryable): Promise<Array<{ owner: string; version: number; x25519_public_key: string; issued_at: string; signature: string; leaf_index: string }>> {
  return q.query(`SELECT owner, version, x25519_public_key, issued_at::text AS issued_at, signature, leaf_index::text AS leaf_index FROM key_publications ORDER BY owner, version`);
}

/** Sealed keys the owner holds (as the recipient) with the record they belong to, for re-wrapping after rotation. */
export async function keysHeldBy(q: Queryable, recipient: string): Promise<Array<{ content_hash: string; record_id: string; sealed: string; recipient_pk: string | null }>> {
  return q.query(
    `SELECT k.content_hash, r.record_id, k.sealed, k.recipient_pk FROM record_keys k JOIN records r ON r.content_hash = k.content_hash
      WHERE k.recipient = $1 AND k.sealed IS NOT NULL AND r.erased_at IS NULL ORDER BY r.record_id, r.version`,
    [recipient],
  );
}

export async function deleteRecipientKey(q: Queryable, address: string): Promise<void> {
  await q.query("DELETE FROM vault_recipients WHERE address = $1", [address]);
}

/** Identity entries whose content key was re-wrapped to `recipient` under a named grant, newest version last. */
export async function identityKeysTo(q: Queryable, recipient: string): Promise<Array<{ grant_id: string; record_id: string; version: number; content_hash: string }>> {
  return q.query(
    `SELECT k.grant_id, r.record_id, r.version, r.content_hash FROM record_keys k JOIN records r ON r.content_hash = k.content_hash
      WHERE k.recipient = $1 AND r.kind = 'identity' AND k.grant_id IS NOT NULL AND k.sealed IS NOT NULL AND r.erased_at IS NULL
      ORDER BY r.record_id, r.version`,
    [recipient],
  );
}
