// Writes of the chain event index: consent grants as the ledger emitted them, the per-deployment cursor (block +
// hash, for reorg detection), and the reset/rewind of both with the registry events (registry-repo.ts).
import type { Queryable } from "./db.js";
import { deleteRegistryEvents } from "./registry-repo.js";

export interface IndexCursor {
  block: number;
  hash: string;
}

export async function getCursor(q: Queryable, name: string): Promise<IndexCursor | undefined> {
  const [row] = await q.query<{ block: number; block_hash: string }>("SELECT block, block_hash FROM chain_cursor WHERE name = $1", [name]);
  return row ? { block: Number(row.block), hash: row.block_hash } : undefined;
}

export async function setCursor(q: Queryable, name: string, block: number, hash: string): Promise<void> {
  await q.query(
    `INSERT INTO chain_cursor (name, block, block_hash) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET block = EXCLUDED.block, block_hash = EXCLUDED.block_hash`,
    [name, block, hash],
  );
}

/** Whether an index cursor of another deployment exists (the chain lost our contracts). */
export async function hasOtherIndexCursor(q: Queryable, name: string): Promise<boolean> {
  return (await q.query("SELECT name FROM chain_cursor WHERE name LIKE 'index:%' AND name <> $1 LIMIT 1", [name])).length > 0;
}

/** Drops the whole index: grants, registry events and cursors. */
export async function resetIndex(q: Queryable): Promise<void> {
  await q.query("DELETE FROM consent_grants");
  await deleteRegistryEvents(q);
  await q.query("DELETE FROM chain_cursor WHERE name LIKE 'index:%'");
}

/** Forgets everything above `toBlock` and points the cursor at it. */
export async function rewindIndex(q: Queryable, name: string, toBlock: number, hash: string): Promise<void> {
  await q.query("DELETE FROM consent_grants WHERE block_number > $1", [toBlock]);
  await q.query("UPDATE consent_grants SET revoked_at = NULL, revoke_block = NULL, revoke_tx = NULL WHERE revoke_block > $1", [toBlock]);
  await deleteRegistryEvents(q, toBlock);
  await q.query("UPDATE chain_cursor SET block = $2, block_hash = $3 WHERE name = $1", [name, toBlock, hash]);
}

export interface IndexedGrant {
  grantId: string;
  subject: string;
  grantee: string;
  purpose: number;
  scope: string;
  notBefore: number;
  notAfter: number;
  blockNumber: number;
  blockTime: number;
  txHash: string;
  logIndex: number;
}

/** Records a ConsentGranted event; false when it was indexed already. */
export async function insertGrant(q: Queryable, g: IndexedGrant): Promise<boolean> {
  const ins = await q.query(
    `INSERT INTO consent_grants (grant_id, subject, grantee, purpose, scope, not_before, not_after, block_number, block_time, tx_hash, log_index)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (grant_id) DO NOTHING RETURNING grant_id`,
    [g.grantId, g.subject, g.grantee, g.purpose, g.scope, g.notBefore, g.notAfter, g.blockNumber, g.blockTime, g.txHash, g.logIndex],
  );
  return ins.length > 0;
}

export async function markEmergency(q: Queryable, grantId: string): Promise<void> {
  await q.query("UPDATE consent_grants SET emergency = true WHERE grant_id = $1", [grantId]);
}

/** Records a ConsentRevoked event; false when the grant is unknown or was revoked already. */
export async function markRevoked(q: Queryable, grantId: string, at: number, block: number, txHash: string): Promise<boolean> {
  const up = await q.query(
    "UPDATE consent_grants SET revoked_at = $2, revoke_block = $3, revoke_tx = $4 WHERE grant_id = $1 AND revoked_at IS NULL RETURNING grant_id",
    [grantId, at, block, txHash],
  );
  return up.length > 0;
}

/** Whether a log leaf of `type` for `ref` exists (an index rebuilt from the chain appends no leaf twice). */
export async function leafExists(q: Queryable, type: string, ref: string): Promise<boolean> {
  return (await q.query("SELECT 1 FROM log_leaves WHERE ref_id = $1 AND type = $2 LIMIT 1", [ref, type])).length > 0;
}
