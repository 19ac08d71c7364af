// The CounselorRegistry event index: every registry event as the chain emitted it (arguments as JSON strings),
// keyed by (block, log index). The services derive roles and accreditation from these rows.
import type { Queryable } from "./db.js";

export interface RegistryEventRow {
  blockNumber: number;
  logIndex: number;
  txHash: string;
  blockTime: number;
  event: string;
  /** The address the event is about (lowercase). */
  account: string;
  /** The event's arguments in order; bigints as decimal strings. */
  args: string[];
}

function norm(r: any): RegistryEventRow {
  return {
    blockNumber: Number(r.block_number),
    logIndex: Number(r.log_index),
    txHash: r.tx_hash,
    blockTime: Number(r.block_time),
    event: r.event,
    account: r.account,
    args: JSON.parse(r.data) as string[],
  };
}

/** Records one event; false when it was indexed already. */
export async function insertRegistryEvent(q: Queryable, e: RegistryEventRow): Promise<boolean> {
  const ins = await q.query(
    `INSERT INTO registry_events (block_number, log_index, tx_hash, block_time, event, account, data) VALUES ($1,$2,$3,$4,$5,$6,$7)
     ON CONFLICT DO NOTHING RETURNING block_number`,
    [e.blockNumber, e.logIndex, e.txHash, e.blockTime, e.event, e.account, JSON.stringify(e.args)],
  );
  return ins.length > 0;
}

/** Drops the events above `block` (a reorg), or all of them. */
export async function deleteRegistryEvents(q: Queryable, aboveBlock?: number): Promise<void> {
  if (aboveBlock === undefined) await q.query("DELETE FROM registry_events");
  else await q.query("DELETE FROM registry_events WHERE block_number > $1", [aboveBlock]);
}

/** One account's events of the given kinds, in chain order. */
export async function registryEventsOf(q: Queryable, account: string, events: readonly string[]): Promise<RegistryEventRow[]> {
  const rows = await q.query(
    `SELECT block_number, log_index, tx_hash, block_time, event, account, data FROM registry_events
     WHERE account = $1 AND event = ANY($2::text[]) ORDER BY block_number, log_index`,
    [account.toLowerCase(), events],
  );
  return rows.map(norm);
}

/** Every account's newest event among `events` (e.g. the matcher directory). */
export async function latestRegistryEventPerAccount(q: Queryable, events: readonly string[]): Promise<RegistryEventRow[]> {
  const rows = await q.query(
    `SELECT DISTINCT ON (account) block_number, log_index, tx_hash, block_time, event, account, data FROM registry_events
     WHERE event = ANY($1::text[]) ORDER BY account, block_number DESC, log_index DESC`,
    [events],
  );
  return rows.map(norm);
}

/** The newest registry events, of one account or of all, newest first. */
export async function recentRegistryEvents(q: Queryable, limit: number, account?: string): Promise<RegistryEventRow[]> {
  const rows = await q.query(
    `SELECT block_number, log_index, tx_hash, block_time, event, account, data FROM registry_events
     WHERE ($2::text IS NULL OR account = $2) ORDER BY block_number DESC, log_index DESC LIMIT $1`,
    [limit, account ?? null],
  );
  return rows.map(norm);
}

export async function registryEventCount(q: Queryable): Promise<number> {
  const [r] = await q.query<{ n: number }>("SELECT count(*)::int AS n FROM registry_events");
  return Number(r.n);
}
