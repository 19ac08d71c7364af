// Follows ConsentLedger and CounselorRegistry events into the store, `confirmations` blocks behind the head.
// Each batch of events, its log leaves and the cursor commit in one transaction. A reorg (the remembered
// block's hash changed, or the chain is shorter) rewinds the index to a safe depth and reads again, the drop and the
// re-read in one transaction.
import { Interface, type JsonRpcProvider, type Log } from "ethers";
import type { Logger } from "pino";
import { eventTime, type LogEvent } from "../log/index.js";
import type { Db, Queryable } from "../store/db.js";
import { getCursor, hasOtherIndexCursor, insertGrant, leafExists, markEmergency, markRevoked, resetIndex, rewindIndex, setCursor } from "../store/chain-index-repo.js";
import { insertRegistryEvent } from "../store/registry-repo.js";
import { loadArtifact } from "../chain/artifacts.js";
import type { Deployment } from "../chain/deploy.js";
import type { LogWriter } from "./log-writer.js";

const REORG_DEPTH = 64;

/** What the index drops before reading again: everything, or everything above a block still on the chain. */
type Rewind = { reset: true } | { to: number; hash: string };
const CHUNK = 2000;

export interface IndexerDeps {
  db: Db;
  writer: LogWriter;
  provider: JsonRpcProvider;
  deployment: Deployment;
  confirmations: number;
  log: Pick<Logger, "info" | "warn">;
  /** Called after a batch that changed the registry (role caches) or consents. */
  onChange?: (kinds: Set<"registry" | "consent">) => void;
}

export class ChainIndexer {
  readonly #ledgerIface = new Interface(loadArtifact("ConsentLedger").abi);
  readonly #registryIface = new Interface(loadArtifact("CounselorRegistry").abi);
  readonly #cursorName: string;
  #syncing: Promise<number> | undefined;
  #again: Promise<number> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #resetNext = false;

  constructor(private readonly d: IndexerDeps) {
    this.#cursorName = `index:${d.deployment.chainId}:${d.deployment.consentLedger.toLowerCase()}:${d.deployment.registry.toLowerCase()}`;
  }

  /**
   * Reads new events up to the confirmed head as of this call; returns the indexed block. A call during a run
   * waits for it and then runs once more (shared by all such callers), so nothing mined before the call is missed.
   */
  sync(): Promise<number> {
    if (this.#syncing) {
      this.#again ??= this.#syncing
        .catch(() => {})
        .then(() => {
          this.#again = undefined;
          return this.sync();
        });
      return this.#again;
    }
    this.#syncing = this.#sync().finally(() => (this.#syncing = undefined));
    return this.#syncing;
  }

  /** Waits until block `n` (e.g. the block of a relayed grant) is indexed. */
  async syncTo(n: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.sync()) < n) {
      if (Date.now() > deadline) throw new Error(`index did not reach block ${n} in time`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  start(pollMs: number) {
    const tick = async () => {
      if (this.#stopped) return;
      try {
        await this.sync();
      } catch (e) {
        this.d.log.warn({ err: (e as Error).name, code: (e as { code?: string }).code }, "chain index sync failed; will retry");
      }
      if (!this.#stopped) this.#timer = setTimeout(tick, pollMs);
    };
    void tick();
    return async () => {
      this.#stopped = true;
      clearTimeout(this.#timer);
      await this.#syncing?.catch(() => {});
    };
  }

  /**
   * Drops the index and reads it again from the deployment block (the `anxin index rebuild` command). Runs in turn
   * with the poller, and the drop commits with the re-read: no reader ever sees the index empty or half-read.
   */
  rebuild(): Promise<number> {
    this.#resetNext = true;
    return this.sync();
  }

  async #sync(): Promise<number> {
    const { provider, deployment, db } = this.d;
    let cursor = await getCursor(db, this.#cursorName);
    // What the index drops before it reads again (a rebuild, a reorg, a chain restarted from an older state). The
    // drop commits in the same transaction as the re-read of everything it covered, so a grant still on chain never
    // disappears from the index for a moment (a note under it would answer 409 meanwhile).
    let rewind: Rewind | undefined;
    let replayTo = -1;
    if (this.#resetNext) {
      this.#resetNext = false;
      rewind = { reset: true };
    } else if (await hasOtherIndexCursor(db, this.#cursorName)) {
      // A cursor for another deployment means the chain lost our contracts: what we indexed is gone from it.
      this.d.log.warn({}, "chain index belongs to an older deployment: dropping it");
      rewind = { reset: true };
    } else if (cursor) {
      const b = await provider.getBlock(cursor.block);
      if (!b || b.hash !== cursor.hash) {
        const to = Math.max(deployment.deployBlock - 1, cursor.block - REORG_DEPTH);
        this.d.log.warn({ from: cursor.block, to }, "chain reorganised below the index: rewinding");
        // The chain is shorter than the rewind target (restarted from a much older state): nothing we hold below
        // it can be trusted either, and reading from the deployment block again would keep stale rows. Start over.
        const base = to >= 0 ? await provider.getBlock(to) : null;
        rewind = base ? { to, hash: base.hash! } : { reset: true };
      }
    }
    if (rewind) {
      replayTo = cursor?.block ?? -1;
      cursor = "reset" in rewind ? undefined : { block: rewind.to, hash: rewind.hash };
    }
    // eth_blockNumber directly: ethers caches getBlockNumber() for a polling interval, which would skip fresh blocks.
    const head = Number(await provider.send("eth_blockNumber", []));
    const target = head - this.d.confirmations;
    let from = cursor ? cursor.block + 1 : deployment.deployBlock;
    let last = cursor?.block ?? deployment.deployBlock - 1;
    while (from <= target) {
      // After a drop the first transaction re-reads at least everything the dropped rows came from.
      const to = Math.min(target, Math.max(from + CHUNK - 1, rewind ? replayTo : -1));
      const logs: Log[] = [];
      for (let a = from; a <= to; a += CHUNK) {
        logs.push(...(await provider.getLogs({ address: [deployment.consentLedger, deployment.registry], fromBlock: a, toBlock: Math.min(to, a + CHUNK - 1) })));
      }
      const toBlock = await provider.getBlock(to);
      if (!toBlock) break;
      await this.#apply(logs, to, toBlock.hash!, rewind);
      rewind = undefined;
      last = to;
      from = to + 1;
    }
    if (rewind) {
      // Nothing to read above the rewind point yet (or the chain moved under us): the drop alone.
      const r = rewind;
      await db.tx((q) => this.#drop(q, r));
      this.d.onChange?.(new Set(["registry", "consent"]));
    }
    return last;
  }

  #drop(q: Queryable, r: Rewind): Promise<void> {
    return "reset" in r ? resetIndex(q) : rewindIndex(q, this.#cursorName, r.to, r.hash);
  }

  async #apply(logs: Log[], toBlock: number, toHash: string, rewind?: Rewind) {
    const times = new Map<number, number>();
    for (const l of logs) {
      if (!times.has(l.blockNumber)) times.set(l.blockNumber, (await this.d.provider.getBlock(l.blockNumber))!.timestamp);
    }
    const changed = new Set<"registry" | "consent">(rewind ? ["registry", "consent"] : []);
    await this.d.writer.submit(async ({ q, append }) => {
      if (rewind) await this.#drop(q, rewind);
      for (const l of logs) {
        const t = times.get(l.blockNumber)!;
        const isLedger = l.address.toLowerCase() === this.d.deployment.consentLedger.toLowerCase();
        const parsed = (isLedger ? this.#ledgerIface : this.#registryIface).parseLog(l);
        if (!parsed) continue;
        const leaf = (e: Omit<LogEvent, "at">) => append({ ...e, at: eventTime(t * 1000) } as LogEvent);
        const seen = (type: string, ref: string) => leafExists(q, type, ref);
        if (isLedger) {
          changed.add("consent");
          const grantId = String(parsed.args.grantId).toLowerCase();
          if (parsed.name === "ConsentGranted") {
            const ins = await insertGrant(q, {
              grantId,
              subject: String(parsed.args.subject).toLowerCase(),
              grantee: String(parsed.args.grantee).toLowerCase(),
              purpose: Number(parsed.args.purpose),
              scope: String(parsed.args.scope).toLowerCase(),
              notBefore: Number(parsed.args.notBefore),
              notAfter: Number(parsed.args.notAfter),
              blockNumber: l.blockNumber,
              blockTime: t,
              txHash: l.transactionHash,
              logIndex: l.index,
            });
            if (ins && !(await seen("consent", grantId))) leaf({ type: "consent", id: grantId, hash: grantId.slice(2), purpose: Number(parsed.args.purpose), block: l.blockNumber });
          } else if (parsed.name === "EmergencyAccessOpened") {
            await markEmergency(q, grantId);
          } else if (parsed.name === "ConsentRevoked") {
            const up = await markRevoked(q, grantId, Number(parsed.args[1]) /* args.at would be Array.prototype.at */, l.blockNumber, l.transactionHash);
            if (up && !(await seen("revoke", grantId))) leaf({ type: "revoke", id: grantId, hash: grantId.slice(2), block: l.blockNumber });
          }
        } else {
          changed.add("registry");
          // The account an event is about: the first address argument (RoleGranted's first argument is the role).
          const at = parsed.fragment.inputs.findIndex((i) => i.type === "address");
          const account = String(parsed.args[at < 0 ? 0 : at]).toLowerCase();
          const args = parsed.args.toArray().map((v: unknown) => (typeof v === "bigint" ? v.toString() : (v as string)));
          const ins = await insertRegistryEvent(q, { blockNumber: l.blockNumber, logIndex: l.index, txHash: l.transactionHash, blockTime: t, event: parsed.name, account, args });
          const ref = `${account}:${l.transactionHash.slice(2, 18)}:${l.index}`;
          if (ins && !(await seen("accredit", ref))) leaf({ type: "accredit", id: ref, hash: l.transactionHash.slice(2).toLowerCase(), event: parsed.name, block: l.blockNumber });
        }
      }
      await setCursor(q, this.#cursorName, toBlock, toHash);
    });
    if (changed.size) this.d.onChange?.(changed);
  }
}
