// The reconciler compares the chain's latest checkpoint with the local log, at start (before the server serves)
// and every minute:
// - chain in step (its checkpoint is a prefix of our log, and none of our confirmed anchors is missing): nothing;
// - chain BEHIND (a dev chain that lost its state, or a redeployed CheckpointLog): the anchors it lost are marked
//   'lost' and the whole log is anchored again at once;
// - local log BEHIND its own anchors (the chain holds a checkpoint of more leaves, and the local log agrees with
//   every checkpoint it still covers: acknowledged commits lost before they reached the disk, or a restore from an
//   older backup): repaired when the chain proves the lost leaves (its consent and registry events are read again,
//   which appends their leaves as before, and the anchored root must come out); otherwise an incident saying which
//   leaves are gone, the checkpoint that proves they existed, and what to run;
// - DIVERGENCE (another root at the chain's size, or a checkpoint the local log contradicts): an incident. The
//   server refuses to start; a running server stops anchoring. Never papered over.
import { bytesEqual, fromHex } from "../log/index.js";
import { type Anchorer, type AnchorResult, DivergenceError, chainLatest } from "./anchoring.js";
import { anchoredHistory } from "./checkpoints.js";
import { readHead, type LogHeadState } from "./log-tree.js";
import { failInterruptedAnchors, markLostAnchors, recordIncident, rowsNamingLeavesFrom } from "../store/anchor-repo.js";

export interface ReconcileOptions {
  anchorIfBehind?: boolean;
  /**
   * Re-derives what the chain proves of the local log (the chain index's sync: consent, revoke and accredit leaves
   * come from chain events, with block times, so a lost batch of them is appended again exactly as it was).
   */
  repair?: () => Promise<unknown>;
  /** Where the CheckpointLog's events start (its deployment block). */
  fromBlock?: number;
}

export interface ReconcileResult {
  status: "in-step" | "re-anchored" | "repaired" | "busy";
  chainSize: number;
  localSize: number;
  /** Anchors rows the chain no longer has. */
  lost: number;
  anchored?: AnchorResult;
}

/** One reconciliation. Throws DivergenceError (after recording an incident) when the logs diverge. */
export async function reconcile(anchorer: Anchorer, opts: ReconcileOptions = {}): Promise<ReconcileResult> {
  const { db, checkpointLog, contract, log } = anchorer.d;
  const out = await anchorer.withLock(async (): Promise<ReconcileResult> => {
    const chain = await chainLatest(checkpointLog);
    let head = await readHead(db);
    let repaired = false;
    if (chain.size > head.size) {
      const gap = await examineGap(anchorer, head, opts.fromBlock ?? 0);
      if (!gap.contradicted && opts.repair) {
        await opts.repair();
        head = await readHead(db);
        repaired = head.size >= chain.size;
      }
      if (chain.size > head.size) {
        const reason = gap.contradicted ?? (await behindReason(anchorer, head, chain.size, gap));
        return diverged(anchorer, chain.size, head.size, reason, gap.contradicted ? "divergence" : "log-behind-anchors");
      }
    }
    if (chain.size > 0) {
      const tree = await anchorer.tree.upTo(head);
      if (!bytesEqual(tree.rootAt(chain.size), fromHex(chain.root))) {
        const why = repaired
          ? `the local log was behind the chain's checkpoint of ${chain.size} leaves; re-reading the chain's events gave it ${head.size} leaves, but its root at size ${chain.size} is not the anchored root: the lost leaves were not only chain events, and the data that would rebuild the others is gone. Restore the database from a backup that holds at least ${chain.size} leaves (check it offline with \`anxin audit verify --data-dir <dir>\`: no anchored-beyond-log)`
          : `the chain's root at size ${chain.size} is not the local root at that size`;
        return diverged(anchorer, chain.size, head.size, why, "divergence");
      }
    }
    if (repaired) log.warn({ chainSize: chain.size, localSize: head.size }, "the local log was behind its own anchors: rebuilt from the chain's events, the anchored root matches");
    // Sends that never completed (the process died mid-way) cannot be pending any more: we hold the lock.
    await failInterruptedAnchors(db);
    // Anchors the chain does not have: on another (lost) contract, or beyond the chain's latest size.
    const lost = await markLostAnchors(db, contract, chain.size, `chain lost it (chain latest ${chain.size})`);
    if (lost > 0) log.warn({ lost, chainSize: chain.size, localSize: head.size }, "the chain lost checkpoints (dev chain state lost?): re-anchoring");
    let anchored: AnchorResult | undefined;
    if ((lost > 0 || opts.anchorIfBehind) && head.size > chain.size) anchored = await anchorer.anchorLocked(true);
    const status = anchored ? "re-anchored" : repaired ? "repaired" : "in-step";
    return { status, chainSize: chain.size, localSize: head.size, lost, anchored };
  });
  return out ?? { status: "busy", chainSize: -1, localSize: -1, lost: 0 };
}

/** Records the incident, stops anchoring and throws: nothing is served or anchored on a log the chain contradicts. */
async function diverged(anchorer: Anchorer, chainSize: number, localSize: number, reason: string, kind: "divergence" | "log-behind-anchors"): Promise<never> {
  const { db, contract, log } = anchorer.d;
  await recordIncident(db, kind, { chainSize, localSize, contract, reason });
  anchorer.halt(reason);
  if (kind === "divergence") log.error({ chainSize, localSize }, "DIVERGENCE: the anchored log is not a prefix of the local log; anchoring stopped");
  else log.error({ chainSize, localSize }, "the local log is behind its own anchors and cannot be repaired from the chain; anchoring stopped");
  throw new DivergenceError(chainSize, localSize, reason);
}

interface Gap {
  /** Set when a checkpoint the local log still covers has another root: a divergence, not a loss. */
  contradicted?: string;
  /** The newest checkpoint within the local log (it agrees), and the first one beyond it (it proves the gap). */
  agreed?: { size: number; blockNumber: number };
  beyond?: { size: number; blockNumber: number; txHash: string };
}

/** Compares the local log with every checkpoint of the chain's history it covers. */
async function examineGap(anchorer: Anchorer, head: LogHeadState, fromBlock: number): Promise<Gap> {
  const { provider, contract } = anchorer.d;
  const history = await anchoredHistory(provider, contract, fromBlock);
  const tree = await anchorer.tree.upTo(head);
  const gap: Gap = {};
  for (const cp of history) {
    if (cp.size > head.size) {
      gap.beyond ??= { size: cp.size, blockNumber: cp.blockNumber, txHash: cp.txHash };
      continue;
    }
    if (!bytesEqual(tree.rootAt(cp.size), fromHex(cp.root))) {
      gap.contradicted ??= `the chain's checkpoint of ${cp.size} leaves (block ${cp.blockNumber}) has another root than the local log at that size`;
    } else gap.agreed = { size: cp.size, blockNumber: cp.blockNumber };
  }
  return gap;
}

/** Exactly why a log behind its anchors cannot be repaired here, and what to run. */
async function behindReason(anchorer: Anchorer, head: LogHeadState, chainSize: number, gap: Gap): Promise<string> {
  const named = await rowsNamingLeavesFrom(anchorer.d.db, head.size);
  const proof = gap.beyond ? ` (first anchored in block ${gap.beyond.blockNumber}, tx ${gap.beyond.txHash})` : "";
  const agreed = gap.agreed ? `it agrees with every checkpoint up to ${gap.agreed.size} leaves` : "no checkpoint falls within it";
  return (
    `the local log has ${head.size} leaves but this deployment's CheckpointLog holds a checkpoint of ${chainSize}${proof}, and ${agreed}: ` +
    `leaves ${head.size}..${chainSize - 1} were acknowledged and anchored, then lost from the store (commits that never reached the disk, or a restore from an older backup). ` +
    `The chain's consent and registry events were read again and do not rebuild them, and the remaining data cannot: ${named} stored rows name leaves in that range, but a leaf's input is kept only in the log. ` +
    `Restore the database (ANXIN_DATA_DIR/db, or DATABASE_URL) from a backup that holds at least ${chainSize} leaves and start again (check it offline with \`anxin audit verify --data-dir <dir>\`: no anchored-beyond-log); ` +
    `only on a dev chain whose history may be dropped: \`anxin deploy --force\` (new contracts: every accreditation, consent and anchor starts over)`
  );
}

/** At start: reconcile (retrying while another instance holds the writer lock); then every `everyMs`. */
export async function startReconciler(
  anchorer: Anchorer,
  everyMs = 60_000,
  onChainRestart?: Set<() => void>,
  repair?: Pick<ReconcileOptions, "repair" | "fromBlock">,
): Promise<() => Promise<void>> {
  for (let i = 0; ; i++) {
    const r = await reconcile(anchorer, { anchorIfBehind: true, ...repair });
    if (r.status !== "busy" || i >= 50) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  let current: Promise<unknown> | undefined;
  const run = (anchorIfBehind: boolean) => {
    if (anchorer.halted || current) return;
    current = reconcile(anchorer, { anchorIfBehind, ...repair })
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
