// Anchors: each checkpoint we send to CheckpointLog, from 'pending' through 'submitted' (tx hash) to 'confirmed'
// (block, time, gas) or 'failed'; the reconciler marks what a lost chain no longer has 'lost'. Incidents beside it.
import type { Queryable } from "./db.js";

/** A new pending anchor of (size, root) on `contract` (a retried size reuses its row); returns its id. */
export async function insertPendingAnchor(q: Queryable, a: { size: number; root: Uint8Array; prevSize: number; contract: string }): Promise<number> {
  const [{ id }] = await q.query<{ id: number }>(
    `INSERT INTO anchors (size, root, prev_size, status, contract) VALUES ($1, $2, $3, 'pending', $4)
     ON CONFLICT (contract, size) WHERE status IN ('pending','submitted','confirmed')
     DO UPDATE SET status = 'pending', root = EXCLUDED.root, prev_size = EXCLUDED.prev_size, tx_hash = NULL, error = NULL, updated_at = now()
     RETURNING id`,
    [a.size, Buffer.from(a.root), a.prevSize, a.contract],
  );
  return Number(id);
}

export async function markAnchorSubmitted(q: Queryable, id: number, txHash: string): Promise<void> {
  await q.query("UPDATE anchors SET status = 'submitted', tx_hash = $2, updated_at = now() WHERE id = $1", [id, txHash]);
}

export async function markAnchorConfirmed(q: Queryable, id: number, r: { blockNumber: number; blockTime: number; gasUsed: number }): Promise<void> {
  await q.query("UPDATE anchors SET status = 'confirmed', block_number = $2, block_time = to_timestamp($3), gas_used = $4, updated_at = now() WHERE id = $1", [
    id,
    r.blockNumber,
    r.blockTime,
    r.gasUsed,
  ]);
}

export async function markAnchorFailed(q: Queryable, id: number, code: string): Promise<void> {
  await q.query("UPDATE anchors SET status = 'failed', error = $2, updated_at = now() WHERE id = $1", [id, code.slice(0, 200)]);
}

/** Sends that never completed (the process died mid-way) cannot be pending any more once we hold the writer lock. */
export async function failInterruptedAnchors(q: Queryable): Promise<void> {
  await q.query("UPDATE anchors SET status = 'failed', error = 'interrupted', updated_at = now() WHERE status = 'pending'");
}

/** Anchors the chain does not have (on another, lost contract, or beyond its latest size) become 'lost'. */
export async function markLostAnchors(q: Queryable, contract: string, chainSize: number, reason: string): Promise<number> {
  const rows = await q.query<{ id: number }>(
    `UPDATE anchors SET status = 'lost', error = $3, updated_at = now()
     WHERE status IN ('submitted','confirmed') AND (contract <> $1 OR size > $2) RETURNING id`,
    [contract, chainSize, reason],
  );
  return rows.length;
}

export async function recordIncident(q: Queryable, kind: string, detail: object): Promise<void> {
  await q.query("INSERT INTO incidents (kind, detail) VALUES ($1, $2)", [kind, JSON.stringify(detail)]);
}

/** Stored rows that name a log leaf at or above `size` (their leaves are gone: the rows alone cannot rebuild them). */
export async function rowsNamingLeavesFrom(q: Queryable, size: number): Promise<number> {
  const [r] = await q.query<{ n: number }>(
    `SELECT ((SELECT count(*) FROM records WHERE leaf_index >= $1) + (SELECT count(*) FROM access_log WHERE leaf_index >= $1)
       + (SELECT count(*) FROM tombstones WHERE leaf_index >= $1) + (SELECT count(*) FROM key_publications WHERE leaf_index >= $1))::int AS n`,
    [size],
  );
  return Number(r.n);
}
