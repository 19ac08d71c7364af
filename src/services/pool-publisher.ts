// The scheduled batches of the matching pools: every ANXIN_POOL_PUBLISH_MS each matching service's pool is
// published anew (fresh need references, random order) and stored. Every instance ticks four times a period, but a
// pool is published only when its stored publication is a period old, under a database lock: with `serve --workers
// N` one worker makes each batch and all serve it. At start a pool with no stored publication is published at once.
import type { AppContext } from "./context.js";
import { matchingService } from "./matching.js";

export async function poolPublisher(ctx: AppContext): Promise<() => Promise<void>> {
  const svc = matchingService(ctx);
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const tick = async () => {
    try {
      // 1/8 of a period of slack for timer drift, so one instance alone still publishes every period, not every other.
      await svc.publishDue(ctx.cfg.poolPublishMs - ctx.cfg.poolPublishMs / 8);
    } catch (e) {
      if (!stopped) ctx.log.warn({ err: (e as Error).name }, "pool publication failed; retrying at the next batch");
    }
  };
  running = tick();
  const timer = setInterval(() => {
    running = running.then(tick);
  }, ctx.cfg.poolPublishMs / 4);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
