// Background workers (anchoring, relaying, indexing, reconciling) start here once the context is up.
import { matchingSweeper } from "./matching-worker.js";
import type { AppContext } from "./context.js";
import { startConsentRelayer } from "./consent-relayer.js";
import { anchoringWorker, reconcilerWorker } from "./anchoring-workers.js";

export type Worker = (ctx: AppContext) => Promise<(() => Promise<void>) | void>;

/** Follows the chain's consent and registry events into the store. */
const chainIndex: Worker = async (ctx) => {
  await ctx.indexer.sync();
  return ctx.indexer.start(ctx.cfg.chainPollMs);
};

// Order matters: the index is current before anything that reads consent starts.
const workers: Worker[] = [chainIndex];
workers.push(async (ctx) => startConsentRelayer(ctx).stop); // consent relayer: after the chain index
workers.push(reconcilerWorker, anchoringWorker); // anchoring: reconcile with the chain before serving, then anchor
workers.push(matchingSweeper); // matching: finish accepts, expire proposals, drop needs whose consent ended

export async function startWorkers(ctx: AppContext): Promise<void> {
  for (const w of workers) {
    const stop = await w(ctx);
    if (stop) ctx.onClose.push(stop);
  }
}
