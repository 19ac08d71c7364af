// Worker entries for src/services/workers.ts: the reconciler runs first and throws (so the server does not start)
// on divergence; then the anchoring worker polls its cadence.
import { anchorerFor } from "./anchoring.js";
import type { AppContext } from "./context.js";
import { startReconciler } from "./reconciler.js";

// A log behind its own anchors is repaired from the chain's events by the index (consent, revoke, accredit leaves).
export const reconcilerWorker = async (ctx: AppContext) =>
  startReconciler(anchorerFor(ctx), 60_000, ctx.chain.onRestart, { repair: () => ctx.indexer.sync(), fromBlock: ctx.chain.deployment.deployBlock });

export const anchoringWorker = async (ctx: AppContext) => anchorerFor(ctx).start();
