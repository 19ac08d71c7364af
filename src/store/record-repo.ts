// Record versions in the store: the records rows (envelope without keys, one row per version), the sealed keys a
// version is written with, and the tombstones of erasure. Sealed keys added later and recipients: key-repo.ts.
import { send, type Queryable } from "./db.js";

export interface RecordRow {
  content_hash: string;
  record_id: string;
  version: number;
  kind: string;
  schema: string;
  author: string;
  subject_ref: string;
  consent_id: string | null;
  prev: string | null;
  created_at: Date | string;
  envelope: string | null;
  leaf_index: number;
  received_at: Date | string;
  erased_at: Date | string | null;
  /** The input of the version's log leaf (reads that check integrity). */
  leaf_input?: string | null;
  /** The stored hash of that leaf (what the tree, the tiles and the anchors were built from). */
  leaf_hash?: Uint8Array | null;
}

/** The latest version of a record as the amendment rules need it. */
export type LatestRow = Pick<RecordRow, "record_id" | "content_hash" | "version" | "kind" | "author" | "subject_ref" | "created_at" | "erased_at">;

/** A version to insert: its envelope fields, the stored canonical text, its version number and leaf index. */
export interface NewVersion {
  contentHash: string;
  envelope: {
    id: string;
    kind: string;
    schema: string;
    author: string;
    subjectRef: string;
    consentId: string | null;
    prev: string | null;
    createdAt: string;
    keys: ReadonlyArray<{ to: string; sealed: string; pk?: string }>;
  };
  /** Canonical JSON of the envelope without keys: what records.envelope holds. */
  stored: string;
  version: number;
  leafIndex: number;
}

const ROW_COLS = `r.content_hash, r.record_id, r.version, r.kind, r.schema, r.author, r.subject_ref, r.consent_id, r.prev,
  r.created_at, r.envelope, r.leaf_index, r.received_at, r.erased_at`;
const LATEST_COLS = "r.record_id, r.content_hash, r.version, r.kind, r.author, r.subject_ref, r.created_at, r.erased_at";
const WITH_LEAF = `SELECT ${ROW_COLS}, l.input AS leaf_input, l.leaf_hash AS leaf_hash FROM records r LEFT JOIN log_leaves l ON l.idx = r.leaf_index`;

/** The records rows and their key rows, in one statement for any number of versions. */
const INSERT_RECORDS = `WITH r AS (
       INSERT INTO records (content_hash, record_id, version, kind, schema, author, subject_ref, consent_id, prev, created_at, envelope, leaf_index)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                            $10::timestamptz[], $11::text[], $12::bigint[])
       RETURNING content_hash),
     k AS (
       INSERT INTO record_keys (content_hash, recipient, sealed, added_by, recipient_pk)
       SELECT k.h, k.rcpt, k.sealed, k.by, k.pk FROM unnest($13::text[], $14::text[], $15::text[], $16::text[], $17::text[]) AS k(h, rcpt, sealed, by, pk)
       JOIN r ON r.content_hash = k.h)
     SELECT content_hash FROM r`;

function insertParams(rs: NewVersion[]): unknown[] {
  const keys = rs.flatMap((r) => r.envelope.keys.map((k) => ({ h: r.contentHash, to: k.to, sealed: k.sealed, by: r.envelope.author, pk: k.pk ?? null })));
  return [
    rs.map((r) => r.contentHash), rs.map((r) => r.envelope.id), rs.map((r) => r.version), rs.map((r) => r.envelope.kind),
    rs.map((r) => r.envelope.schema), rs.map((r) => r.envelope.author), rs.map((r) => r.envelope.subjectRef),
    rs.map((r) => r.envelope.consentId), rs.map((r) => r.envelope.prev), rs.map((r) => r.envelope.createdAt),
    rs.map((r) => r.stored), rs.map((r) => r.leafIndex),
    keys.map((k) => k.h), keys.map((k) => k.to), keys.map((k) => k.sealed), keys.map((k) => k.by), keys.map((k) => k.pk),
  ];
}

/** Inserts versions with their keys. A version that exists already fails the statement (unique violation, 23505). */
export async function insertVersions(q: Queryable, rs: NewVersion[]): Promise<void> {
  if (rs.length > 0) await q.query(INSERT_RECORDS, insertParams(rs));
}

/** Inserts without waiting where the driver allows (see Queryable.send): every row is stored, or the commit fails. */
export async function sendVersions(q: Queryable, rs: NewVersion[]): Promise<void> {
  if (rs.length > 0) await send(q, INSERT_RECORDS, insertParams(rs));
}

export async function latestVersion(q: Queryable, recordId: string): Promise<LatestRow | undefined> {
  const [r] = await q.query<LatestRow>(`SELECT ${LATEST_COLS} FROM records r WHERE r.record_id = $1 ORDER BY r.version DESC LIMIT 1`, [recordId]);
  return r;
}

/** The latest version of each of `recordIds` that exists, by record id. */
export async function latestVersions(q: Queryable, recordIds: string[]): Promise<Map<string, LatestRow>> {
  const rows = await q.query<LatestRow>(
    `SELECT DISTINCT ON (r.record_id) ${LATEST_COLS} FROM records r WHERE r.record_id = ANY($1::text[]) ORDER BY r.record_id, r.version DESC`,
    [recordIds],
  );
  return new Map(rows.map((r) => [r.record_id, r]));
}

/** Every version of a record, oldest first, with its leaf input. */
export async function versionsWithLeaf(q: Queryable, recordId: string): Promise<RecordRow[]> {
  return q.query<RecordRow>(`${WITH_LEAF} WHERE r.record_id = $1 ORDER BY r.version`, [recordId]);
}

/** One version of a record, with its leaf input. */
export async function versionWithLeaf(q: Queryable, recordId: string, contentHash: string): Promise<RecordRow | undefined> {
  const [r] = await q.query<RecordRow>(`${WITH_LEAF} WHERE r.content_hash = $1 AND r.record_id = $2`, [contentHash, recordId]);
  return r;
}

export async function versionByHash(q: Queryable, contentHash: string): Promise<RecordRow | undefined> {
  const [r] = await q.query<RecordRow>(`SELECT ${ROW_COLS} FROM records r WHERE r.content_hash = $1`, [contentHash]);
  return r;
}

/**
 * Versions matching every given filter, newest received first. `authorOrSubject`: written by or about that address;
 * `withoutIdentity`: identity vault entries left out.
 */
export async function listVersions(
  q: Queryable,
  f: { subject?: string; author?: string; authorOrSubject?: string; withoutIdentity?: boolean; kind?: string; limit: number },
): Promise<RecordRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.withoutIdentity) where.push("r.kind <> 'identity'");
  if (f.subject) where.push(`r.subject_ref = $${params.push(f.subject)}`);
  if (f.author) where.push(`r.author = $${params.push(f.author)}`);
  if (f.authorOrSubject) where.push(`(r.author = $${params.push(f.authorOrSubject)} OR r.subject_ref = $${params.length})`);
  if (f.kind) where.push(`r.kind = $${params.push(f.kind)}`);
  return q.query<RecordRow>(
    `SELECT ${ROW_COLS} FROM records r WHERE ${where.join(" AND ")} ORDER BY r.received_at DESC, r.version DESC LIMIT $${params.push(f.limit)}`,
    params,
  );
}

/** Crypto-shredding of a subject's versions: envelopes go, rows stay. Returns the versions erased now. */
export async function shredVersions(q: Queryable, subject: string, at: Date): Promise<Array<{ content_hash: string; record_id: string; version: number }>> {
  return q.query(
    `UPDATE records SET envelope = NULL, erased_at = $2 WHERE subject_ref = $1 AND erased_at IS NULL
     RETURNING content_hash, record_id, version`,
    [subject, at],
  );
}

export async function insertTombstones(q: Queryable, subject: string, at: Date, tombstones: Array<{ contentHash: string; leafIndex: number }>): Promise<void> {
  if (tombstones.length === 0) return;
  await q.query(
    `INSERT INTO tombstones (subject_ref, content_hash, erased_at, leaf_index)
     SELECT $1, t.h, $2, t.i FROM unnest($3::text[], $4::bigint[]) AS t(h, i)`,
    [subject, at, tombstones.map((t) => t.contentHash), tombstones.map((t) => t.leafIndex)],
  );
}
