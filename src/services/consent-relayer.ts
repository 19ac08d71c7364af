// The consent relayer: sends residents' signed grants and revokes to the ConsentLedger from the operator's
// account (residents never hold ether). One instance relays (PostgreSQL advisory lock). Every retry sends the
// SAME signed payload, so relaying is idempotent: the ledger writes a grantId once, and "already exists" means done.
// A request counts as on chain only once the event index has it; a grant the chain lost (restart from an older
// state, reorg) is noticed by comparing the queue with the index and the ledger, and relayed again.
// Revocations go first: before every grant batch of every pass, so a flood of grants holds a withdrawal back by
// at most the one grant transaction already in flight (and key releases stop at once: records/policy.ts asks the
// queue, not only the index).
import { type Contract, type TransactionResponse } from "ethers";
import {
  appendRelayEvent,
  backOffQueued,
  markOnChainFromIndex,
  noticeEmergencyOpenings,
  onChainButNotIndexed,
  queuedGrants,
  claimQueued,
  queuedRevokes,
  setStatus,
  submittedRequests,
  type RequestRow,
} from "../store/relay-queue-repo.js";
import type { AppContext } from "./context.js";
import { grantFromPayload } from "./consents.js";

const RELAY_LOCK = 0x616e7863; // "anxc"
const MAX_BATCH = 64;
const RECEIPT_TIMEOUT_MS = 60_000;
/** A submitted request with no index row after this long is checked against the ledger and re-queued if absent. */
const STALE_SUBMITTED_MS = 30_000;

/** Revert reasons after which the ledger state already is what the request asked for. */
const DONE_ERRORS = new Set(["GrantAlreadyExists", "AlreadyRevoked"]);
/** Revert reasons that may clear later (a revoke whose grant is being re-relayed). */
const WAIT_ERRORS = new Set(["UnknownGrant"]);

type RelayKind = "grant" | "revoke";
type Classified = { kind: "ok" } | { kind: "done"; code: string } | { kind: "wait"; code: string } | { kind: "failed"; code: string } | { kind: "transient"; code: string };
interface Item {
  r: RequestRow;
  arg: unknown;
  sig: string;
}

function classify(e: unknown): Classified {
  const err = e as { code?: string; revert?: { name?: string } | null; data?: string; shortMessage?: string };
  if (err?.code === "CALL_EXCEPTION") {
    const name = err.revert?.name ?? (err.data && err.data !== "0x" ? "UnknownError" : "Reverted");
    if (DONE_ERRORS.has(name)) return { kind: "done", code: name };
    if (WAIT_ERRORS.has(name)) return { kind: "wait", code: name };
    return { kind: "failed", code: name };
  }
  return { kind: "transient", code: String(err?.code ?? "rpc_error").slice(0, 40) };
}

function backoffSeconds(attempts: number): number {
  return Math.min(60, 2 ** Math.min(attempts, 6));
}

function chainUnavailable(code: string) {
  return Object.assign(new Error("chain unavailable"), { code });
}

export interface RelayStats {
  relayedGrants: number;
  relayedRevokes: number;
  txs: number;
  requeuedLost: number;
  failed: number;
}

const relayers = new WeakMap<AppContext, ConsentRelayer>();

/** The relayer running in this context (tests pause it to observe the state between loss and re-relay). */
export function relayerOf(ctx: AppContext): ConsentRelayer | undefined {
  return relayers.get(ctx);
}

export class ConsentRelayer {
  readonly stats: RelayStats = { relayedGrants: 0, relayedRevokes: 0, txs: 0, requeuedLost: 0, failed: 0 };
  readonly #ledger: Contract;
  #paused = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(
    private readonly ctx: AppContext,
    private readonly pollMs = Math.max(100, ctx.cfg.chainPollMs),
  ) {
    this.#ledger = ctx.chain.consentLedger as Contract;
  }

  /** Starts the polling loop; the relayer is then relayerOf(ctx). */
  start(): this {
    relayers.set(this.ctx, this);
    void this.#loop();
    return this;
  }

  /** Stops relaying (a pass in progress finishes its current batch); for tests of what happens before a re-relay. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
  }

  /** Runs one pass now (reconcile + relay); resolves when it is done. */
  async tick(): Promise<void> {
    await this.#running;
    await this.#tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running?.catch(() => {});
  }

  #tick(): Promise<void> {
    return (this.#running ??= this.#pass().finally(() => (this.#running = undefined)));
  }

  async #loop() {
    if (this.#stopped) return;
    // The store itself can be down (withTryLock cannot connect): an unhandled rejection here would end the process.
    if (!this.#paused) await this.#tick().catch((e) => this.ctx.log.warn({ err: (e as Error).name }, "consent relay pass failed; will retry"));
    if (!this.#stopped) this.#timer = setTimeout(() => void this.#loop(), this.pollMs);
  }

  async #pass() {
    const { ctx } = this;
    await ctx.db.withTryLock(RELAY_LOCK, async () => {
      try {
        await ctx.indexer.sync();
        await this.#reconcile();
        // Revocations before every grant batch. A revoke whose grant is still in our queue waits for it, and that
        // grant jumps the grant queue (relay-queue-repo: queuedRevokes, queuedGrants).
        while (!this.#paused && !this.#stopped) {
          if (await this.#relayBatch("revoke")) continue;
          if (!(await this.#relayBatch("grant"))) break;
        }
      } catch (e) {
        // Chain or store unreachable: everything stays queued with the same payload; back off and retry.
        const code = String((e as { code?: string }).code ?? (e as Error).name).slice(0, 40);
        await backOffQueued(ctx.db, "rpc_unavailable").catch(() => {});
        ctx.log.warn({ code }, "consent relay pass failed; will retry with the same signed payloads");
      }
    });
  }

  /** Requests the queue and the index disagree on: re-queue what the chain lost, settle what was mined. */
  async #reconcile() {
    await this.#requeueLost();
    await this.#settleSubmitted();
    // Break-glass openings: the resident is told (the counselor sent the transaction; the index saw it).
    await noticeEmergencyOpenings(this.ctx.db);
  }

  /** On chain by the queue, absent from the index: ask the ledger; re-queue what it lost. */
  async #requeueLost() {
    const { ctx } = this;
    let requeued = 0;
    for (const r of await onChainButNotIndexed(ctx.db)) {
      if (await this.#onLedger(r)) continue; // the index is behind (confirmations, a rebuild in progress): not lost
      await setStatus(ctx.db, r, "queued", { error: "lost_on_chain", clearTx: true });
      await appendRelayEvent(ctx.db, r.grant_id, r.kind, "requeued", "lost_on_chain");
      this.stats.requeuedLost++;
      requeued++;
      ctx.log.warn({ kind: r.kind }, "a relayed consent request is no longer on chain: relaying it again");
    }
    // The chain lost transactions of ours: the operator's nonce went back with them.
    if (requeued > 0) ctx.chain.operator.reset();
  }

  /** Submitted: done when indexed; re-queued when stale and the ledger does not have it. */
  async #settleSubmitted() {
    for (const r of await submittedRequests(this.ctx.db)) {
      if (await this.#markFromIndex(r)) continue;
      if (Date.now() - new Date(r.updated_at).getTime() < STALE_SUBMITTED_MS) continue;
      if (await this.#onLedger(r)) continue;
      await setStatus(this.ctx.db, r, "queued", { error: "not_mined" });
      await appendRelayEvent(this.ctx.db, r.grant_id, r.kind, "requeued", "not_mined");
    }
  }

  /** Whether the ledger itself already has what the request asks for (the grant, or its revocation). */
  async #onLedger(r: RequestRow): Promise<boolean> {
    const g = (await this.#ledger.getGrant(r.grant_id)) as { subject: string; revokedAt: bigint };
    return r.kind === "grant" ? BigInt(g.subject) !== 0n : g.revokedAt !== 0n;
  }

  /** Marks a request on chain from the index row (the truth), if the index has it. */
  async #markFromIndex(r: RequestRow): Promise<boolean> {
    return (await markOnChainFromIndex(this.ctx.db, [r])).length > 0;
  }

  /** Relays one batch of queued requests of one kind; false when none was due. */
  async #relayBatch(kind: RelayKind): Promise<boolean> {
    const batch = kind === "revoke" ? await queuedRevokes(this.ctx.db, MAX_BATCH) : await queuedGrants(this.ctx.db, MAX_BATCH);
    if (batch.length === 0) return false;
    const items: Item[] = batch.map((r) => {
      const p = JSON.parse(r.payload) as { signature: string; revoke?: { grantId: string; salt: string } };
      return { r, arg: kind === "grant" ? grantFromPayload(r.payload).grant : p.revoke!, sig: p.signature };
    });
    const ok = await this.#dryRun(kind, items);
    if (ok.length > 0) await this.#send(kind, ok);
    return true;
  }

  #entryPoints(kind: RelayKind) {
    const l = this.#ledger;
    return kind === "grant" ? { single: l.grantBySig, multi: l.grantBatchBySig } : { single: l.revokeBySig, multi: l.revokeBatchBySig };
  }

  /** The whole batch first; if it would revert, each request alone, settling the ones at fault. Returns the rest. */
  async #dryRun(kind: RelayKind, items: Item[]): Promise<Item[]> {
    const { single, multi } = this.#entryPoints(kind);
    try {
      if (items.length === 1) await single.staticCall(items[0].arg, items[0].sig);
      else await multi.staticCall(items.map((i) => i.arg), items.map((i) => i.sig));
      return items;
    } catch (e) {
      if (classify(e).kind === "transient") throw e;
    }
    const ok: Item[] = [];
    for (const it of items) {
      let c: Classified = { kind: "ok" };
      try {
        await single.staticCall(it.arg, it.sig);
      } catch (err) {
        c = classify(err);
      }
      if (c.kind === "transient") throw chainUnavailable(c.code);
      if (c.kind === "ok") ok.push(it);
      else await this.#settleRefused(kind, it.r, c);
    }
    return ok;
  }

  async #settleRefused(kind: RelayKind, r: RequestRow, c: Exclude<Classified, { kind: "ok" } | { kind: "transient" }>) {
    const { db } = this.ctx;
    if (c.kind === "done") {
      await this.ctx.indexer.sync();
      if (!(await this.#markFromIndex(r))) await setStatus(db, r, "submitted", { error: null });
    } else if (c.kind === "wait") {
      await setStatus(db, r, "queued", { error: c.code, attempt: true, delayS: backoffSeconds(r.attempts + 1) });
    } else {
      await setStatus(db, r, "failed", { error: c.code, attempt: true });
      await appendRelayEvent(db, r.grant_id, kind, "failed", c.code);
      this.stats.failed++;
    }
  }

  /** One transaction for the batch; waits for its receipt and for the index to have it. */
  async #send(kind: RelayKind, due: Item[]) {
    const { ctx } = this;
    const { single, multi } = this.#entryPoints(kind);
    // Claimed before sending: a grant an erasure cancelled since it was read (its row is gone) never goes out.
    const claimed = await claimQueued(ctx.db, due.map((i) => i.r));
    const ok = due.filter((i) => claimed.has(`${i.r.grant_id}:${i.r.kind}`));
    if (ok.length === 0) return;
    // Estimate first and send with an explicit gas limit: a failing estimate inside the send would burn a nonce
    // of the shared operator NonceManager and stall every later transaction behind the gap.
    const args = ok.length === 1 ? [ok[0].arg, ok[0].sig] : [ok.map((i) => i.arg), ok.map((i) => i.sig)];
    const fn = ok.length === 1 ? single : multi;
    const requests = ok.map((it) => it.r);
    let tx: TransactionResponse;
    try {
      const gasLimit = ((await fn.estimateGas(...args)) * 12n) / 10n;
      try {
        tx = await fn(...args, { gasLimit });
      } catch (e) {
        ctx.chain.operator.reset(); // the nonce of a transaction that was never sent must be reused
        // Another sender of the operator key (anchoring, another instance) took our nonce: once more from the chain's.
        if ((e as { code?: string }).code !== "NONCE_EXPIRED") throw e;
        tx = await fn(...args, { gasLimit });
      }
    } catch (e) {
      await setStatus(ctx.db, requests, "queued"); // never sent: back in the queue (the pass backs it off)
      throw e;
    }
    await setStatus(ctx.db, requests, "submitted", { tx: tx.hash, attempt: true, error: null });
    this.stats.txs++;
    const receipt = await tx.wait(1, RECEIPT_TIMEOUT_MS);
    if (!receipt || receipt.status !== 1) {
      await setStatus(ctx.db, requests, "queued", { error: "reverted", delayS: 1 });
      return;
    }
    try {
      await ctx.indexer.syncTo(receipt.blockNumber, 15_000);
    } catch {
      return; // confirmations pending: reconcile marks them on chain once the index has them
    }
    await markOnChainFromIndex(ctx.db, requests);
    if (kind === "grant") this.stats.relayedGrants += ok.length;
    else this.stats.relayedRevokes += ok.length;
  }
}
