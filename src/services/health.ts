// Liveness of the dependencies, for /healthz.
import type { AppContext } from "./context.js";
import { ping } from "../store/db.js";

export function storeReachable(ctx: AppContext): Promise<boolean> {
  return ping(ctx.db);
}
