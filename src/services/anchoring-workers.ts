// Worker entries for src/services/workers.ts: the reconciler runs first and throws (so the server does not start)
// on divergence; then the anchoring worker polls its cadence.
import { anchorerFor } from "./anchoring.js";
import type { AppContext } from "./context.js";
import { startReconciler } from "./reconciler.js";

export const reconcilerWorker = async (ctx: AppContext) => startReconciler(anchorerFor(ctx), 60_000, ctx.chain.onRestart);

export const anchoringWorker = async (ctx: AppContext) => anchorerFor(ctx).start();
