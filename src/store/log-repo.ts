// The append-only log in the store: one row per leaf, and a head row (size + compact range) that every
// append locks, so indices are dense and assigned in commit order even with several server instances.
import { CompactRange, leafHash, leafInput, type LogEvent } from "../log/index.js";
import { send, type Queryable } from "./db.js";

export interface LogHead {
  size: number;
  range: CompactRange;
}

export interface PendingLeaf {
  index: number;
  hash: Uint8Array;
  input: string;
  event: LogEvent;
}

/** Locks the head row for this transaction and returns it. */
export async function lockHead(q: Queryable): Promise<LogHead> {
  const [row] = await q.query<{ size: number; frontier: string }>("SELECT size, frontier FROM log_head WHERE id = 1 FOR UPDATE");
  const state = JSON.parse(row.frontier);
  const range = Array.isArray(state) ? new CompactRange() : CompactRange.fromState(state);
  if (range.size !== Number(row.size)) throw new Error("log head is inconsistent: frontier size differs from size");
  return { size: Number(row.size), range };
}

/** Takes lockHead's lock and fails the transaction (22012, division by zero) unless the head is still `head`: what a
 *  writer that keeps the head in memory staged its leaves against. Sent without waiting: no round trip. */
export async function guardHead(q: Queryable, head: LogHead): Promise<void> {
  await send(q, "SELECT 1 / (size = $1 AND frontier = $2)::int FROM log_head WHERE id = 1 FOR UPDATE", [head.size, JSON.stringify(head.range.toState())]);
}

export const cloneHead = (head: LogHead): LogHead => ({ size: head.size, range: head.range.clone() });

const decoder = new TextDecoder();

/** Assigns the next index to an event (in memory, within a locked head). */
export function stage(head: LogHead, event: LogEvent): PendingLeaf {
  const bytes = leafInput(event);
  const hash = leafHash(bytes);
  const index = head.range.size;
  head.range.append(hash);
  head.size = head.range.size;
  return { index, hash, input: decoder.decode(bytes), event };
}

/** Writes staged leaves (one batched INSERT) and the new head; a failure surfaces at the latest at commit. */
export async function writeLeaves(q: Queryable, head: LogHead, leaves: PendingLeaf[]): Promise<void> {
  if (leaves.length > 0) {
    await send(
      q,
      `INSERT INTO log_leaves (idx, leaf_hash, input, type, ref_id, at)
       SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])`,
      [
        leaves.map((l) => l.index),
        leaves.map((l) => Buffer.from(l.hash)),
        leaves.map((l) => l.input),
        leaves.map((l) => l.event.type),
        leaves.map((l) => l.event.id),
        leaves.map((l) => l.event.at),
      ],
    );
  }
  await send(q, "UPDATE log_head SET size = $1, frontier = $2 WHERE id = 1", [head.size, JSON.stringify(head.range.toState())]);
}

export async function logSize(q: Queryable): Promise<number> {
  const [row] = await q.query<{ size: number }>("SELECT size FROM log_head WHERE id = 1");
  return Number(row.size);
}

export interface LeafRow {
  idx: number;
  leaf_hash: Uint8Array;
  input: string;
  type: string;
  ref_id: string;
  at: Date;
}

/** Leaves [from, to) in index order, for proofs and the auditor. */
export async function readLeaves(q: Queryable, from: number, to: number): Promise<LeafRow[]> {
  const rows = await q.query<LeafRow>("SELECT idx, leaf_hash, input, type, ref_id, at FROM log_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx", [from, to]);
  return rows.map((r) => ({ ...r, idx: Number(r.idx) }));
}

export async function readLeafHashes(q: Queryable, from: number, to: number): Promise<Uint8Array[]> {
  const rows = await q.query<{ leaf_hash: Uint8Array }>("SELECT leaf_hash FROM log_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx", [from, to]);
  return rows.map((r) => new Uint8Array(r.leaf_hash));
}

/** The head as stored (size and compact-range state), read without a lock. */
export async function readHeadRow(q: Queryable): Promise<{ size: number; frontier: unknown }> {
  const [row] = await q.query<{ size: number; frontier: string }>("SELECT size, frontier FROM log_head WHERE id = 1");
  return { size: Number(row.size), frontier: JSON.parse(row.frontier) };
}

/** Leaf hashes of [from, to), in index order (a gap shows as a missing index). */
export async function leafHashesIn(q: Queryable, from: number, to: number): Promise<Array<{ idx: number; leafHash: Uint8Array }>> {
  const rows = await q.query<{ idx: number; leaf_hash: Uint8Array }>("SELECT idx, leaf_hash FROM log_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx", [from, to]);
  return rows.map((r) => ({ idx: Number(r.idx), leafHash: new Uint8Array(r.leaf_hash) }));
}

/** Every leaf about one record: its versions, their tombstones and every access to it, in index order. */
export async function recordLeaves(q: Queryable, recordId: string): Promise<Array<{ idx: number; input: string }>> {
  return q.query<{ idx: number; input: string }>(
    `SELECT idx, input FROM log_leaves WHERE idx IN (
       SELECT leaf_index FROM records WHERE record_id = $1
       UNION SELECT t.leaf_index FROM tombstones t JOIN records r USING (content_hash) WHERE r.record_id = $1)
     OR (type = 'access' AND ref_id LIKE $2) ORDER BY idx`,
    [recordId, `${recordId}:%`],
  );
}
