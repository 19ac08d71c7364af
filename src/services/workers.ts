// Background workers (anchoring, relaying, indexing, reconciling) start here once the context is up.
import type { AppContext } from "./context.js";

export type Worker = (ctx: AppContext) => Promise<(() => Promise<void>) | void>;

const workers: Worker[] = [];

export async function startWorkers(ctx: AppContext): Promise<void> {
  for (const w of workers) {
    const stop = await w(ctx);
    if (stop) ctx.onClose.push(stop);
  }
}
