// Background workers (anchoring, relaying, indexing, reconciling) start here once the context is up.
import type { AppContext } from "./context.js";

export type Worker = (ctx: AppContext) => Promise<(() => Promise<void>) | void>;

/** Follows the chain's consent and registry events into the store. */
const chainIndex: Worker = async (ctx) => {
  await ctx.indexer.sync();
  return ctx.indexer.start(ctx.cfg.chainPollMs);
};

// Order matters: the index is current before anything that reads consent starts.
const workers: Worker[] = [chainIndex];

export async function startWorkers(ctx: AppContext): Promise<void> {
  for (const w of workers) {
    const stop = await w(ctx);
    if (stop) ctx.onClose.push(stop);
  }
}
