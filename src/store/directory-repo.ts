// Reads of the registry events the chain index holds, for the public directory and the admin's history.
import type { Queryable } from "./db.js";

export interface RegistryEventRow {
  event: string;
  account: string;
  block_number: number;
  block_time: number;
}

/** Registry events, newest first. */
export async function registryEvents(q: Queryable, limit: number): Promise<RegistryEventRow[]> {
  return q.query<RegistryEventRow>("SELECT event, account, block_number, block_time FROM registry_events ORDER BY block_number DESC, log_index DESC LIMIT $1", [limit]);
}

/** The latest MatcherRegistered/MatcherDeregistered event of every account that has one. */
export async function latestMatcherEvents(q: Queryable): Promise<Array<{ account: string; event: string; block_time: number }>> {
  return q.query(
    `SELECT DISTINCT ON (account) account, event, block_time FROM registry_events
     WHERE event IN ('MatcherRegistered','MatcherDeregistered') ORDER BY account, block_number DESC, log_index DESC`,
  );
}
