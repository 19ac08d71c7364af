// Periodic matching upkeep: accepted proposals whose TREATMENT grant is now indexed become "accepted", overdue
// proposals expire (their needs are eligible again), and needs whose MATCHING consent ended leave the pools.
import type { AppContext } from "./context.js";
import { matchingService } from "./matching.js";
import { cancelWithdrawnBookings } from "./booking-withdrawal.js";

/** Runs every `ctx.cfg.matchingSweepMs` (ANXIN_MATCHING_SWEEP_MS). */
export async function matchingSweeper(ctx: AppContext): Promise<() => Promise<void>> {
  const svc = matchingService(ctx);
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const tick = async () => {
    try {
      await svc.sweep();
      await svc.refreshAll();
      await cancelWithdrawnBookings(ctx); // a withdrawn consent ends its future bookings for both sides
    } catch (e) {
      if (!stopped) ctx.log.warn({ err: (e as Error).name }, "matching sweep failed; retrying");
    }
  };
  const timer = setInterval(() => {
    running = running.then(tick);
  }, ctx.cfg.matchingSweepMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
