// What the auditor reads from the store: the log (head, leaf inputs), records, sealed keys, key releases and
// refusals, tombstones, our anchors, and the consent index's grantee/purpose of a grant. Everything is read in
// big pages (keyset pagination) so a large store is read in a bounded number of round trips.
import { CompactRange } from "../log/index.js";
import type { Queryable } from "./db.js";

const PAGE = 100_000;
const ROW_PAGE = 5_000;

export interface AuditHead {
  size: number;
  /** The root the head's compact range gives (the root every append maintained). */
  root: Uint8Array;
  /** Highest stored leaf index, or null when there are no leaves. */
  maxIndex: number | null;
}

export async function readAuditHead(q: Queryable): Promise<AuditHead> {
  const [row] = await q.query<{ size: number; frontier: string }>("SELECT size, frontier FROM log_head WHERE id = 1");
  const frontier = JSON.parse(row.frontier);
  const root = (Array.isArray(frontier) ? new CompactRange() : CompactRange.fromState(frontier)).root();
  const [{ maxIdx }] = await q.query<{ maxIdx: number | null }>('SELECT max(idx) AS "maxIdx" FROM log_leaves');
  return { size: Number(row.size), root, maxIndex: maxIdx === null ? null : Number(maxIdx) };
}

/**
 * Calls onLeaf for every stored leaf with index in [0, span), in index order, with its input's UTF-8 bytes (valid
 * only during the call). Gaps are simply not called: the caller notices them.
 */
/** Leaves whose stored input no longer hashes (RFC 6962: SHA-256(0x00 ‖ input)) to their stored leaf hash. */
export async function changedLeafInputs(q: Queryable): Promise<Array<{ idx: number; type: string; refId: string }>> {
  const rows = await q.query<{ idx: number; type: string; ref_id: string }>(
    "SELECT idx, type, ref_id FROM log_leaves WHERE leaf_hash <> sha256('\\x00'::bytea || convert_to(input, 'UTF8')) ORDER BY idx",
  );
  return rows.map((r) => ({ idx: Number(r.idx), type: r.type, refId: r.ref_id }));
}

export async function forEachLeafInput(q: Queryable, span: number, onLeaf: (index: number, bytes: Uint8Array) => void): Promise<void> {
  if (q.streamRows) {
    // Embedded store: one ordered pass over the raw rows, hashing as they arrive (no strings, no row objects).
    await q.streamRows("SELECT idx, input FROM log_leaves ORDER BY idx", (buf, b) => {
      // idx is a bigint in decimal; a negative one or one read past `span` is never a leaf of ours (the paged
      // path does not read those rows either).
      if (b[0] === b[1] || buf[b[0]] === 0x2d) return;
      let index = 0;
      for (let p = b[0]; p < b[1]; p++) index = index * 10 + (buf[p] - 48);
      if (index < span) onLeaf(index, buf.subarray(b[2], b[3]));
    });
    return;
  }
  for (let from = 0; from < span; from += PAGE) await leafPage(q, from, Math.min(span, from + PAGE), onLeaf);
}

/** Leaves [from, to) as one aggregated string (one row to transfer), or row by row if that page has gaps. */
async function leafPage(q: Queryable, from: number, to: number, onLeaf: (index: number, bytes: Uint8Array) => void) {
  const [row] = await q.query<{ s: string | null; c: number }>(
    "SELECT string_agg(input, E'\\n') AS s, count(*)::int AS c FROM (SELECT input FROM log_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx) x",
    [from, to],
  );
  const buf = Buffer.from(row.s ?? "", "utf8");
  const count = Number(row.c);
  // Split on newlines (canonical JSON never holds a raw one); anything odd falls back to one row at a time.
  const ends: number[] = [];
  for (let p = buf.indexOf(10); p !== -1; p = buf.indexOf(10, p + 1)) ends.push(p);
  ends.push(buf.length);
  if (count === to - from && ends.length === count) {
    let start = 0;
    for (let k = 0; k < count; k++) {
      onLeaf(from + k, buf.subarray(start, ends[k]));
      start = ends[k] + 1;
    }
    return;
  }
  const rows = await q.query<{ idx: number; input: string }>("SELECT idx, input FROM log_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx", [from, to]);
  for (const r of rows) onLeaf(Number(r.idx), Buffer.from(r.input, "utf8"));
}

export interface AuditRecordRow {
  content_hash: string;
  record_id: string;
  version: number;
  kind: string;
  author: string;
  subject_ref: string;
  created_at: Date;
  envelope: string | null;
  leaf_index: number;
  erased_at: Date | null;
}

/** Every record version, in content-hash order, a page at a time. */
export async function* auditRecords(q: Queryable): AsyncGenerator<AuditRecordRow[]> {
  for (let after = ""; ; ) {
    const rows = await q.query<AuditRecordRow>(
      `SELECT content_hash, record_id, version, kind, author, subject_ref, created_at, envelope, leaf_index, erased_at
       FROM records WHERE content_hash > $1 ORDER BY content_hash LIMIT ${ROW_PAGE}`,
      [after],
    );
    if (rows.length === 0) return;
    after = rows[rows.length - 1].content_hash;
    yield rows;
  }
}

export interface AuditKeyRow {
  content_hash: string;
  recipient: string;
  sealed: string | null;
  /** The key the entry names (null: written before entries named their key). */
  recipient_pk: string | null;
}

/** Every sealed-key row, in (content hash, recipient) order, a page at a time. */
export async function* auditKeys(q: Queryable): AsyncGenerator<AuditKeyRow[]> {
  for (let after = ["", ""]; ; ) {
    const rows = await q.query<AuditKeyRow>(
      `SELECT content_hash, recipient, sealed, recipient_pk FROM record_keys WHERE (content_hash, recipient) > ($1, $2)
       ORDER BY content_hash, recipient LIMIT ${ROW_PAGE}`,
      after,
    );
    if (rows.length === 0) return;
    after = [rows[rows.length - 1].content_hash, rows[rows.length - 1].recipient];
    yield rows;
  }
}

export interface AuditAccessRow {
  id: number;
  at: Date;
  requester: string;
  content_hash: string;
  record_id: string;
  decision: string;
  basis: string | null;
  grant_id: string | null;
  leaf_index: number;
}

/** Every key release and refusal, in id order, a page at a time. */
export async function* auditAccess(q: Queryable): AsyncGenerator<AuditAccessRow[]> {
  for (let after = 0; ; ) {
    const rows = await q.query<AuditAccessRow>(
      `SELECT id, at, requester, content_hash, record_id, decision, basis, grant_id, leaf_index FROM access_log WHERE id > $1 ORDER BY id LIMIT ${ROW_PAGE}`,
      [after],
    );
    if (rows.length === 0) return;
    after = Number(rows[rows.length - 1].id);
    yield rows;
  }
}

export async function auditTombstones(q: Queryable): Promise<Array<{ content_hash: string; leaf_index: number }>> {
  return q.query("SELECT content_hash, leaf_index FROM tombstones ORDER BY content_hash");
}

/** Our confirmed anchors on one CheckpointLog: size and root (64 hex). */
export async function confirmedAnchors(q: Queryable, checkpointLog: string, atBlock?: number): Promise<Array<{ size: number; root: Uint8Array }>> {
  const rows = await q.query<{ size: number; root: Uint8Array }>(
    "SELECT size, root FROM anchors WHERE status = 'confirmed' AND contract = $1 AND ($2::bigint IS NULL OR coalesce(block_number, 0) <= $2::bigint)",
    [checkpointLog.toLowerCase(), atBlock ?? null],
  );
  return rows.map((r) => ({ size: Number(r.size), root: new Uint8Array(r.root) }));
}

