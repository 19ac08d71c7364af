// Batch sync of record versions written while offline (or queued by a page): sent in batches of at most 256 and
// of a bounded size, so that a long outbox needs a few requests instead of one per version. The server answers a
// version it already holds as stored, so a sync interrupted at any point can simply be run again.
import type { ApiClient, Problem } from "./api.js";

export const BATCH_MAX_ITEMS = 256;
/** Below the server's default JSON body limit (2 MB), with room for the array's framing. */
export const BATCH_MAX_BYTES = 1_800_000;

export interface SyncResult {
  status: number;
  record?: { recordId: string; version: number; contentHash: string; leafIndex: number; alreadyStored: boolean };
  problem?: Problem;
}

/** Groups items (each with its JSON size) into batches within both limits, keeping their order. */
export function batchesOf<T>(items: T[], maxItems = BATCH_MAX_ITEMS, maxBytes = BATCH_MAX_BYTES): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const it of items) {
    const n = JSON.stringify(it).length + 1;
    if (cur.length > 0 && (cur.length >= maxItems || bytes + n > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(it);
    bytes += n;
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * Sends envelopes through POST /v1/records:batch; `onBatch` is told after each request (progress, and the moment to
 * drop acknowledged items from a durable outbox). Results come back in the envelopes' order.
 */
export async function syncRecords(api: ApiClient, envelopes: object[], onBatch?: (done: number, results: SyncResult[], batch: object[]) => void | Promise<void>): Promise<SyncResult[]> {
  const all: SyncResult[] = [];
  for (const batch of batchesOf(envelopes)) {
    const r = await api.post<{ results: SyncResult[] }>("/v1/records:batch", { records: batch });
    all.push(...r.results);
    await onBatch?.(all.length, r.results, batch);
  }
  return all;
}
