// The scheduled batches of the matching pools: every ANXIN_POOL_PUBLISH_MS each matching service's pool is
// published anew (fresh need references, random order); once at start, so a restarted server shows the pool at once.
import type { AppContext } from "./context.js";
import { matchingService } from "./matching.js";

export async function poolPublisher(ctx: AppContext): Promise<() => Promise<void>> {
  const svc = matchingService(ctx);
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const tick = async () => {
    try {
      await svc.publishAll();
    } catch (e) {
      if (!stopped) ctx.log.warn({ err: (e as Error).name }, "pool publication failed; retrying at the next batch");
    }
  };
  running = tick();
  const timer = setInterval(() => {
    running = running.then(tick);
  }, ctx.cfg.poolPublishMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
