// The directory, read from the chain event index (no RPC): which matching services are registered, and the
// registry's history for staff.
import type { AppContext } from "./context.js";
import { latestMatcherEvents, registryEvents } from "../store/directory-repo.js";

/** Matching services whose latest registry event is a registration, with its time. */
export async function registeredMatchers(ctx: AppContext): Promise<Array<{ address: string; since: number }>> {
  const rows = await latestMatcherEvents(ctx.db);
  return rows.filter((r) => r.event === "MatcherRegistered").map((r) => ({ address: r.account, since: Number(r.block_time) }));
}

/** The latest registry events (counselors, auditors, matchers), newest first. */
export async function registryHistory(ctx: AppContext, limit = 500): Promise<Array<{ event: string; account: string; block: number; at: number }>> {
  const rows = await registryEvents(ctx.db, limit);
  return rows.map((r) => ({ event: r.event, account: r.account, block: Number(r.block_number), at: Number(r.block_time) }));
}
