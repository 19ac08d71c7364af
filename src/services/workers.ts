// Background workers (anchoring, relaying, indexing, reconciling) start here once the context is up.
import { matchingSweeper } from "./matching-worker.js";
import { poolPublisher } from "./pool-publisher.js";
import type { AppContext } from "./context.js";
import { ConsentRelayer } from "./consent-relayer.js";
import { anchoringWorker, reconcilerWorker } from "./anchoring-workers.js";
import { witnessWorker } from "./signed-checkpoints.js";
import { erasurePurger } from "./erasure-worker.js";
import { escalationWorker } from "./escalation.js";

export type Worker = (ctx: AppContext) => Promise<(() => Promise<void>) | void>;

/** Follows the chain's consent and registry events into the store. */
const chainIndex: Worker = async (ctx) => {
  await ctx.indexer.sync();
  return ctx.indexer.start(ctx.cfg.chainPollMs);
};

const consentRelayer: Worker = async (ctx) => {
  const relayer = new ConsentRelayer(ctx).start();
  return () => relayer.stop();
};

// Order matters: the index is current before anything that reads consent starts; the reconciler compares the
// chain's checkpoint with the local log before anything is served or anchored.
const workers: Worker[] = [
  chainIndex,
  consentRelayer,
  reconcilerWorker,
  anchoringWorker,
  witnessWorker, // loads the log key (a bad key file stops start-up) and asks witnesses to cosign
  matchingSweeper, // finishes accepts, expires proposals, drops needs whose consent ended
  poolPublisher, // publishes each matching pool in scheduled batches
  erasurePurger, // drops an erased address's relay rows once its revocations are on chain
  escalationWorker, // moves unacknowledged crisis alerts up the ladder
];

export async function startWorkers(ctx: AppContext): Promise<void> {
  for (const w of workers) {
    const stop = await w(ctx);
    if (stop) ctx.onClose.push(stop);
  }
}
