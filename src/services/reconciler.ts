// The reconciler compares the chain's latest checkpoint with the local log, at start (before the server serves)
// and every minute:
// - chain in step (its checkpoint is a prefix of our log, and none of our confirmed anchors is missing): nothing;
// - chain BEHIND (a dev chain that lost its state, or a redeployed CheckpointLog): the anchors it lost are marked
//   'lost' and the whole log is anchored again at once;
// - DIVERGENCE (the chain has more leaves than we do, or another root at its size): an incident. The server
//   refuses to start; a running server stops anchoring. Never papered over.
import { bytesEqual, fromHex } from "../log/index.js";
import { type Anchorer, type AnchorResult, DivergenceError, chainLatest } from "./anchoring.js";
import { readHead } from "./log-tree.js";
import { failInterruptedAnchors, markLostAnchors, recordIncident } from "../store/anchor-repo.js";

export interface ReconcileResult {
  status: "in-step" | "re-anchored" | "busy";
  chainSize: number;
  localSize: number;
  /** Anchors rows the chain no longer has. */
  lost: number;
  anchored?: AnchorResult;
}

/** One reconciliation. Throws DivergenceError (after recording an incident) when the logs diverge. */
export async function reconcile(anchorer: Anchorer, opts: { anchorIfBehind?: boolean } = {}): Promise<ReconcileResult> {
  const { db, checkpointLog, contract, log } = anchorer.d;
  const out = await anchorer.withLock(async (): Promise<ReconcileResult> => {
    const chain = await chainLatest(checkpointLog);
    const head = await readHead(db);
    let diverged: string | undefined;
    if (chain.size > head.size) diverged = `the chain has a checkpoint of ${chain.size} leaves but the local log has only ${head.size}`;
    else if (chain.size > 0) {
      const tree = await anchorer.tree.upTo(head);
      if (!bytesEqual(tree.rootAt(chain.size), fromHex(chain.root))) diverged = `the chain's root at size ${chain.size} is not the local root at that size`;
    }
    if (diverged) {
      await recordIncident(db, "divergence", { chainSize: chain.size, localSize: head.size, contract, reason: diverged });
      anchorer.halt(diverged);
      log.error({ chainSize: chain.size, localSize: head.size }, "DIVERGENCE: the anchored log is not a prefix of the local log; anchoring stopped");
      throw new DivergenceError(chain.size, head.size, diverged);
    }
    // Sends that never completed (the process died mid-way) cannot be pending any more: we hold the lock.
    await failInterruptedAnchors(db);
    // Anchors the chain does not have: on another (lost) contract, or beyond the chain's latest size.
    const lost = await markLostAnchors(db, contract, chain.size, `chain lost it (chain latest ${chain.size})`);
    if (lost > 0) log.warn({ lost, chainSize: chain.size, localSize: head.size }, "the chain lost checkpoints (dev chain state lost?): re-anchoring");
    let anchored: AnchorResult | undefined;
    if ((lost > 0 || opts.anchorIfBehind) && head.size > chain.size) anchored = await anchorer.anchorLocked(true);
    return { status: anchored ? "re-anchored" : "in-step", chainSize: chain.size, localSize: head.size, lost, anchored };
  });
  return out ?? { status: "busy", chainSize: -1, localSize: -1, lost: 0 };
}

/** At start: reconcile (retrying while another instance holds the writer lock); then every `everyMs`. */
export async function startReconciler(anchorer: Anchorer, everyMs = 60_000, onChainRestart?: Set<() => void>): Promise<() => Promise<void>> {
  for (let i = 0; ; i++) {
    const r = await reconcile(anchorer, { anchorIfBehind: true });
    if (r.status !== "busy" || i >= 50) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  let current: Promise<unknown> | undefined;
  const run = (anchorIfBehind: boolean) => {
    if (anchorer.halted || current) return;
    current = reconcile(anchorer, { anchorIfBehind })
      .catch((e) => {
        if (!(e instanceof DivergenceError)) anchorer.d.log.warn({ err: (e as Error).name }, "reconciliation failed; will retry");
      })
      .finally(() => (current = undefined));
  };
  const timer = setInterval(() => run(false), everyMs);
  timer.unref();
  // A restarted embedded chain may have lost its newest blocks: compare and re-anchor now, not at the next tick.
  const afterRestart = () => run(true);
  onChainRestart?.add(afterRestart);
  return async () => {
    clearInterval(timer);
    onChainRestart?.delete(afterRestart);
    await current;
  };
}
