// After an erasure, the relay rows of the erased address (its signed requests, their history, notices) are kept only
// until its revocations are on chain; this worker purges them as the chain index sees each revocation.
import type { AppContext } from "./context.js";
import { purgeErasedRelayRows } from "./erasure.js";

/** Runs at the chain poll interval (ANXIN_CHAIN_POLL_MS): a revocation is purged soon after it is indexed. */
export async function erasurePurger(ctx: AppContext): Promise<() => Promise<void>> {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const tick = async () => {
    try {
      await purgeErasedRelayRows(ctx);
    } catch (e) {
      if (!stopped) ctx.log.warn({ err: (e as Error).name }, "erasure purge failed; retrying");
    }
  };
  const timer = setInterval(() => {
    running = running.then(tick);
  }, Math.max(ctx.cfg.chainPollMs, 200));
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
