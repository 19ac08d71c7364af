// Reads for the tlog-tiles routes (leaf hashes and leaf inputs by index range) and the witness cosignatures we
// collected for our checkpoints.
import type { Queryable } from "./db.js";

/** Leaf hashes [from, to) in index order; throws when a row in the range is missing. */
export async function tileLeafHashes(q: Queryable, from: number, to: number): Promise<Uint8Array[]> {
  const rows = await q.query<{ idx: number; leaf_hash: Uint8Array }>("SELECT idx, leaf_hash FROM log_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx", [from, to]);
  if (rows.length !== to - from || rows.some((r, i) => Number(r.idx) !== from + i)) throw new Error("log leaves missing in the tile range");
  return rows.map((r) => new Uint8Array(r.leaf_hash));
}

/** Leaf inputs [from, to) as text (their UTF-8 bytes are the RFC 6962 leaf inputs). */
export async function tileLeafInputs(q: Queryable, from: number, to: number): Promise<string[]> {
  const rows = await q.query<{ idx: number; input: string }>("SELECT idx, input FROM log_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx", [from, to]);
  if (rows.length !== to - from || rows.some((r, i) => Number(r.idx) !== from + i)) throw new Error("log leaves missing in the tile range");
  return rows.map((r) => r.input);
}

export interface CosignatureRow {
  witness: string;
  size: number;
  root: Uint8Array;
  line: string;
  cosignedAt: Date;
}

export async function saveCosignature(q: Queryable, c: CosignatureRow): Promise<void> {
  await q.query(
    `INSERT INTO checkpoint_cosignatures (witness, size, root, line, cosigned_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (witness, size) DO UPDATE SET line = EXCLUDED.line, cosigned_at = EXCLUDED.cosigned_at WHERE checkpoint_cosignatures.root = EXCLUDED.root`,
    [c.witness, c.size, Buffer.from(c.root), c.line, c.cosignedAt],
  );
}

/** Cosignatures of the checkpoint at `size`. */
export async function cosignaturesAt(q: Queryable, size: number): Promise<CosignatureRow[]> {
  const rows = await q.query<{ witness: string; size: number; root: Uint8Array; line: string; cosigned_at: Date }>(
    "SELECT witness, size, root, line, cosigned_at FROM checkpoint_cosignatures WHERE size = $1 ORDER BY witness",
    [size],
  );
  return rows.map((r) => ({ witness: r.witness, size: Number(r.size), root: new Uint8Array(r.root), line: r.line, cosignedAt: new Date(r.cosigned_at) }));
}

/** The largest size each witness has cosigned for us (its state, as far as we know). */
export async function witnessSizes(q: Queryable): Promise<Map<string, number>> {
  const rows = await q.query<{ witness: string; size: number }>("SELECT witness, max(size) AS size FROM checkpoint_cosignatures GROUP BY witness");
  return new Map(rows.map((r) => [r.witness, Number(r.size)]));
}

/** The largest size cosigned by at least `k` of `witnesses` (k >= 1), if any. */
export async function largestCosignedBy(q: Queryable, witnesses: string[], k: number): Promise<number | undefined> {
  const [row] = await q.query<{ size: number | null }>(
    `SELECT max(size) AS size FROM (SELECT size FROM checkpoint_cosignatures WHERE witness = ANY($1::text[]) GROUP BY size HAVING count(*) >= $2) s`,
    [witnesses, k],
  );
  return row?.size == null ? undefined : Number(row.size);
}
