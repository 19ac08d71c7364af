// The anchoring worker: publishes checkpoints (size, root) of the local log to CheckpointLog with a consistency
// proof from the chain's latest checkpoint. Runs every `anchorEveryLeaves` new leaves or, with fewer, once new
// leaves have waited `anchorIntervalSeconds`. Exactly one writer at a time across server instances sharing one
// PostgreSQL: the work runs under a session advisory lock, and the chain's own `latest()` (read under the lock) is
// the starting point, so two instances never submit conflicting checkpoints.
// The anchors table is the outbox: a row is written 'pending' before the transaction is sent, then 'submitted'
// (tx hash) and 'confirmed' (block, block time, gas) or 'failed'; the reconciler marks rows the chain lost 'lost'.
import { insertPendingAnchor, markAnchorConfirmed, markAnchorFailed, markAnchorSubmitted } from "../store/anchor-repo.js";
import type { Contract, JsonRpcProvider } from "ethers";
import type { Logger } from "pino";
import { bytesEqual, fromHex, toHex } from "../log/index.js";
import type { Db } from "../store/db.js";
import type { AppContext } from "./context.js";
import { LogTreeCache, readHead } from "./log-tree.js";

/** Advisory lock key: "anch". */
export const ANCHOR_LOCK = 0x616e6368;

export interface AnchorResult {
  size: number;
  root: string;
  prevSize: number;
  txHash: string;
  blockNumber: number;
  blockTime: number;
  gasUsed: number;
}

export interface AnchorerDeps {
  db: Db;
  provider: JsonRpcProvider;
  /** CheckpointLog connected to the writer's signer. */
  checkpointLog: Contract;
  /** Lower-case address of that contract (anchors rows remember where they went). */
  contract: string;
  /** Called after a failed send (e.g. NonceManager.reset()). */
  resetSigner?: () => void;
  everyLeaves: number;
  intervalSeconds: number;
  log: Pick<Logger, "info" | "warn" | "error">;
  tree?: LogTreeCache;
}

/** The chain's checkpoint is not a prefix of our log: an incident, never papered over. */
export class DivergenceError extends Error {
  constructor(
    readonly chainSize: number,
    readonly localSize: number,
    readonly reason: string,
  ) {
    super(`anchored log diverges from the local log (chain checkpoint size ${chainSize}, local log size ${localSize}): ${reason}`);
    this.name = "DivergenceError";
  }
}

export async function chainLatest(checkpointLog: Contract): Promise<{ size: number; root: string }> {
  const [size, root] = (await checkpointLog.latest()) as [bigint, string];
  return { size: Number(size), root: root.slice(2).toLowerCase() };
}

export class Anchorer {
  readonly tree: LogTreeCache;
  #halted: string | undefined;
  #serial: Promise<unknown> = Promise.resolve();
  #pendingSince: number | undefined;

  constructor(readonly d: AnchorerDeps) {
    this.tree = d.tree ?? new LogTreeCache(d.db);
  }

  get halted(): string | undefined {
    return this.#halted;
  }

  /** Stops anchoring for good (divergence): a human must look. */
  halt(reason: string) {
    this.#halted = reason;
  }

  /** Anchors everything not yet anchored, now. Returns undefined when there is nothing new or another instance
   *  holds the writer lock. */
  anchorNow(): Promise<AnchorResult | undefined> {
    return this.#locked(() => this.anchorLocked(true));
  }

  /** One scheduled check: anchors when the cadence says so. */
  tick(): Promise<AnchorResult | undefined> {
    return this.#locked(() => this.anchorLocked(false));
  }

  /** Runs fn under the cross-instance advisory lock, one caller at a time within this process. */
  #locked<T>(fn: () => Promise<T>): Promise<T | undefined> {
    const run = this.#serial.then(() => this.d.db.withTryLock(ANCHOR_LOCK, fn));
    this.#serial = run.catch(() => {});
    return run;
  }

  /** Same as the public entry points but for a caller that already holds ANCHOR_LOCK (the reconciler). */
  withLock<T>(fn: () => Promise<T>): Promise<T | undefined> {
    return this.#locked(fn);
  }

  /** The anchoring step proper. The caller holds ANCHOR_LOCK. */
  async anchorLocked(force: boolean): Promise<AnchorResult | undefined> {
    if (this.#halted) throw new Error(`anchoring is halted: ${this.#halted}`);
    const { db, checkpointLog } = this.d;
    const chain = await chainLatest(checkpointLog);
    const head = await readHead(db);
    if (head.size <= chain.size) {
      this.#pendingSince = undefined;
      return undefined; // nothing new (a chain ahead of us is the reconciler's business)
    }
    if (!force && head.size - chain.size < this.d.everyLeaves) {
      this.#pendingSince ??= Date.now();
      if (Date.now() - this.#pendingSince < this.d.intervalSeconds * 1000) return undefined;
    }
    const tree = await this.tree.upTo(head);
    const rootAtChain = tree.rootAt(chain.size);
    if (chain.size > 0 && !bytesEqual(rootAtChain, fromHex(chain.root))) {
      this.halt("chain root differs from the local root at the chain's size");
      throw new DivergenceError(chain.size, head.size, "the chain's root at its size is not the local root at that size");
    }
    const size = head.size;
    const root = toHex(tree.rootAt(size));
    const proof = tree.consistencyProof(chain.size, size).map((p) => "0x" + toHex(p));
    const id = await insertPendingAnchor(db, { size, root: fromHex(root), prevSize: chain.size, contract: this.d.contract });
    try {
      // Estimate first and send with an explicit gas limit: a failing estimate inside the send would burn a nonce of
      // the shared operator NonceManager and stall every later transaction behind the gap.
      const gas = (await checkpointLog.submitCheckpoint.estimateGas(size, "0x" + root, proof)) as bigint;
      const send = () => checkpointLog.submitCheckpoint(size, "0x" + root, proof, { gasLimit: (gas * 12n) / 10n });
      let tx;
      try {
        tx = await send();
      } catch (e) {
        this.d.resetSigner?.(); // a transaction that was never sent must give its nonce back
        // Another sender of the operator key (the relayer, another instance) took our nonce: once more from the chain's.
        if ((e as { code?: string }).code !== "NONCE_EXPIRED") throw e;
        tx = await send();
      }
      await markAnchorSubmitted(db, id, tx.hash);
      const receipt = await waitReceipt(this.d.provider, tx.hash, 30_000);
      if (receipt.status !== 1) throw new Error("checkpoint transaction reverted");
      const blockTime = receipt.blockTime;
      await markAnchorConfirmed(db, id, { blockNumber: receipt.blockNumber, blockTime, gasUsed: receipt.gasUsed });
      this.#pendingSince = undefined;
      const result = { size, root, prevSize: chain.size, txHash: tx.hash, blockNumber: receipt.blockNumber, blockTime, gasUsed: receipt.gasUsed };
      this.d.log.info({ size, prevSize: chain.size, block: receipt.blockNumber, gasPerLeaf: Math.round(result.gasUsed / (size - chain.size)) }, "checkpoint anchored");
      return result;
    } catch (e) {
      const code = (e as { code?: string }).code ?? (e as Error).name;
      await markAnchorFailed(db, id, String(code)).catch(() => {});
      this.d.resetSigner?.();
      throw e;
    }
  }

  /** Polls the cadence; returns the stop function. */
  start(): () => Promise<void> {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let current: Promise<unknown> | undefined;
    const every = Math.max(100, Math.min(1000, (this.d.intervalSeconds * 1000) / 4));
    const loop = async () => {
      if (stopped) return;
      if (!this.#halted) {
        current = this.tick().catch((e) =>
          this.d.log.warn({ err: (e as Error).name, code: (e as { code?: string }).code }, "anchoring attempt failed; will retry"),
        );
        await current;
      }
      if (!stopped) timer = setTimeout(loop, every);
    };
    timer = setTimeout(loop, every);
    return async () => {
      stopped = true;
      clearTimeout(timer);
      // A send stuck on a dead chain must not hold up shutdown (the reconciler settles it at the next start).
      await Promise.race([current, new Promise((r) => setTimeout(r, 2000).unref())]);
    };
  }
}

/** Polls the raw receipt (no provider caches: after a dev-chain revert the same tx hash can be mined again). */
async function waitReceipt(provider: JsonRpcProvider, hash: string, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = (await provider.send("eth_getTransactionReceipt", [hash])) as { status: string; blockNumber: string; blockHash: string; gasUsed: string } | null;
    if (r) {
      const b = (await provider.send("eth_getBlockByHash", [r.blockHash, false])) as { timestamp: string } | null;
      if (b) return { status: Number(r.status), blockNumber: Number(r.blockNumber), gasUsed: Number(r.gasUsed), blockTime: Number(b.timestamp) };
    }
    if (Date.now() > end) throw Object.assign(new Error("checkpoint transaction not mined in time"), { code: "TIMEOUT" });
    await new Promise((res) => setTimeout(res, 100));
  }
}

const anchorers = new WeakMap<AppContext, Anchorer>();

/** The one Anchorer of a running context (the worker, the routes, the CLI and tests share it). */
export function anchorerFor(ctx: AppContext): Anchorer {
  let a = anchorers.get(ctx);
  if (!a) {
    a = new Anchorer({
      db: ctx.db,
      provider: ctx.chain.provider,
      checkpointLog: ctx.chain.checkpointLog,
      contract: ctx.chain.deployment.checkpointLog.toLowerCase(),
      resetSigner: () => ctx.chain.operator.reset(),
      everyLeaves: ctx.cfg.anchorEveryLeaves,
      intervalSeconds: ctx.cfg.anchorIntervalSeconds,
      log: ctx.log,
    });
    anchorers.set(ctx, a);
  }
  return a;
}
