// The consent relayer: sends residents' signed grants and revokes to the ConsentLedger from the operator's
// account (residents never hold ether). One instance relays (PostgreSQL advisory lock). Every retry sends the
// SAME signed payload, so relaying is idempotent: the ledger writes a grantId once, and "already exists" means done.
// A request counts as on chain only once the event index has it; a grant the chain lost (restart from an older
// state, reorg) is noticed by comparing the queue with the index and the ledger, and relayed again.
import { type Contract, type TransactionResponse } from "ethers";
import type { AppContext } from "./context.js";
import { grantFromPayload, type RequestRow } from "./consents.js";

const RELAY_LOCK = 0x616e7863; // "anxc"
const MAX_BATCH = 64;
const RECEIPT_TIMEOUT_MS = 60_000;
/** A submitted request with no index row after this long is checked against the ledger and re-queued if absent. */
const STALE_SUBMITTED_MS = 30_000;

/** Revert reasons after which the ledger state already is what the request asked for. */
const DONE_ERRORS = new Set(["GrantAlreadyExists", "AlreadyRevoked"]);
/** Revert reasons that may clear later (a revoke whose grant is being re-relayed). */
const WAIT_ERRORS = new Set(["UnknownGrant"]);

type Classified = { kind: "ok" } | { kind: "done"; code: string } | { kind: "wait"; code: string } | { kind: "failed"; code: string } | { kind: "transient"; code: string };

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

export interface RelayerHandle {
  /** Stops relaying (a tick in progress finishes); for tests of what happens before a re-relay. */
  pause(): void;
  resume(): void;
  /** Runs one pass now (reconcile + relay); resolves when it is done. */
  tick(): Promise<void>;
  stop(): Promise<void>;
  stats: { relayedGrants: number; relayedRevokes: number; txs: number; requeuedLost: number; failed: number };
}

const handles = new WeakMap<AppContext, RelayerHandle>();

/** The relayer running in this context (tests pause it to observe the state between loss and re-relay). */
export function relayerOf(ctx: AppContext): RelayerHandle | undefined {
  return handles.get(ctx);
}

export function startConsentRelayer(ctx: AppContext, pollMs = Math.max(100, ctx.cfg.chainPollMs)): RelayerHandle {
  const ledger = ctx.chain.consentLedger as Contract;
  let paused = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const stats = { relayedGrants: 0, relayedRevokes: 0, txs: 0, requeuedLost: 0, failed: 0 };

  const event = (grantId: string, kind: string, ev: string, detail?: string) =>
    ctx.db.query("INSERT INTO consent_relay_events (grant_id, kind, event, detail) VALUES ($1,$2,$3,$4)", [grantId, kind, ev, detail ?? null]);

  const setStatus = async (r: Pick<RequestRow, "grant_id" | "kind">, status: RequestRow["status"], f: { tx?: string | null; block?: number | null; error?: string | null; attempt?: boolean; delayS?: number } = {}) => {
    await ctx.db.query(
      `UPDATE consent_requests SET status = $3, tx_hash = COALESCE($4, tx_hash), block_number = COALESCE($5, block_number), error = $6,
         attempts = attempts + $7, next_attempt_at = now() + make_interval(secs => $8), updated_at = now()
       WHERE grant_id = $1 AND kind = $2`,
      [r.grant_id, r.kind, status, f.tx ?? null, f.block ?? null, f.error ?? null, f.attempt ? 1 : 0, f.delayS ?? 0],
    );
  };

  /** Marks a request on chain from the index row (the truth), if the index has it. */
  const markFromIndex = async (r: RequestRow): Promise<boolean> => {
    const [g] = await ctx.db.query<{ tx_hash: string; block_number: number; revoke_tx: string | null; revoke_block: number | null; revoked_at: number | null }>(
      "SELECT tx_hash, block_number, revoke_tx, revoke_block, revoked_at FROM consent_grants WHERE grant_id = $1",
      [r.grant_id],
    );
    if (!g) return false;
    if (r.kind === "revoke") {
      if (g.revoked_at === null) return false;
      await setStatus(r, "on_chain", { tx: g.revoke_tx, block: Number(g.revoke_block) });
    } else {
      await setStatus(r, "on_chain", { tx: g.tx_hash, block: Number(g.block_number) });
    }
    await event(r.grant_id, r.kind, "on_chain", `block:${r.kind === "revoke" ? g.revoke_block : g.block_number}`);
    return true;
  };

  const requests = async (sql: string, params: unknown[] = []) =>
    (await ctx.db.query(sql, params)).map((r: any) => ({ ...r, attempts: Number(r.attempts), purpose: Number(r.purpose) }) as RequestRow);

  /** Requests the queue calls on chain but the index does not have: ask the ledger; re-queue what it lost. */
  async function reconcile() {
    const lost = await requests(
      `SELECT r.* FROM consent_requests r LEFT JOIN consent_grants g ON g.grant_id = r.grant_id
        WHERE r.status = 'on_chain' AND ((r.kind = 'grant' AND g.grant_id IS NULL) OR (r.kind = 'revoke' AND (g.grant_id IS NULL OR g.revoked_at IS NULL)))`,
    );
    let requeued = 0;
    for (const r of lost) {
      const onLedger = (await ledger.getGrant(r.grant_id)) as { subject: string; revokedAt: bigint };
      const present = r.kind === "grant" ? BigInt(onLedger.subject) !== 0n : onLedger.revokedAt !== 0n;
      if (present) continue; // the index is behind (confirmations, a rebuild in progress): not lost
      await setStatus(r, "queued", { error: "lost_on_chain" });
      await ctx.db.query("UPDATE consent_requests SET tx_hash = NULL, block_number = NULL WHERE grant_id = $1 AND kind = $2", [r.grant_id, r.kind]);
      await event(r.grant_id, r.kind, "requeued", "lost_on_chain");
      stats.requeuedLost++;
      requeued++;
      ctx.log.warn({ kind: r.kind }, "a relayed consent request is no longer on chain: relaying it again");
    }
    // The chain lost transactions of ours: the operator's nonce went back with them.
    if (requeued > 0) ctx.chain.operator.reset();
    // Submitted: done when indexed; re-queued when stale and the ledger does not have it.
    const submitted = await requests("SELECT * FROM consent_requests WHERE status = 'submitted'");
    for (const r of submitted) {
      if (await markFromIndex(r)) continue;
      if (Date.now() - new Date((r as any).updated_at).getTime() < STALE_SUBMITTED_MS) continue;
      const onLedger = (await ledger.getGrant(r.grant_id)) as { subject: string; revokedAt: bigint };
      const present = r.kind === "grant" ? BigInt(onLedger.subject) !== 0n : onLedger.revokedAt !== 0n;
      if (!present) {
        await setStatus(r, "queued", { error: "not_mined" });
        await event(r.grant_id, r.kind, "requeued", "not_mined");
      }
    }
    // Break-glass openings: the resident is told (the counselor sent the transaction; the index saw it).
    await ctx.db.query(
      `INSERT INTO consent_notices (grant_id, subject, kind) SELECT grant_id, subject, 'emergency_opened' FROM consent_grants WHERE emergency
       ON CONFLICT (grant_id, kind) DO NOTHING`,
    );
  }

  async function relayKind(kind: "grant" | "revoke"): Promise<boolean> {
    const batch = await requests(
      `SELECT * FROM consent_requests WHERE kind = $1 AND status = 'queued' AND next_attempt_at <= now() ORDER BY created_at, grant_id LIMIT ${MAX_BATCH}`,
      [kind],
    );
    if (batch.length === 0) return false;
    const items = batch.map((r) => {
      const p = JSON.parse(r.payload) as { signature: string; revoke?: { grantId: string; salt: string } };
      return { r, arg: kind === "grant" ? grantFromPayload(r.payload).grant : p.revoke!, sig: p.signature };
    });
    const single = kind === "grant" ? ledger.grantBySig : ledger.revokeBySig;
    const multi = kind === "grant" ? ledger.grantBatchBySig : ledger.revokeBatchBySig;
    // Dry run: the whole batch first; if it would revert, find out which request is at fault.
    let ok = items;
    try {
      if (items.length === 1) await single.staticCall(items[0].arg, items[0].sig);
      else await multi.staticCall(items.map((i) => i.arg), items.map((i) => i.sig));
    } catch (e) {
      const c0 = classify(e);
      if (c0.kind === "transient") throw e;
      ok = [];
      for (const it of items) {
        let c: Classified = { kind: "ok" };
        try {
          await single.staticCall(it.arg, it.sig);
        } catch (err) {
          c = classify(err);
        }
        if (c.kind === "transient") throw err0(c);
        if (c.kind === "ok") ok.push(it);
        else if (c.kind === "done") {
          await ctx.indexer.sync();
          if (!(await markFromIndex(it.r))) await setStatus(it.r, "submitted", { error: null });
        } else if (c.kind === "wait") {
          await setStatus(it.r, "queued", { error: c.code, attempt: true, delayS: backoffSeconds(it.r.attempts + 1) });
        } else {
          await setStatus(it.r, "failed", { error: c.code, attempt: true });
          await event(it.r.grant_id, kind, "failed", c.code);
          stats.failed++;
        }
      }
    }
    if (ok.length === 0) return true;
    // Estimate first and send with an explicit gas limit: a failing estimate inside the send would burn a nonce
    // of the shared operator NonceManager and stall every later transaction behind the gap.
    const args = ok.length === 1 ? [ok[0].arg, ok[0].sig] : [ok.map((i) => i.arg), ok.map((i) => i.sig)];
    const fn = ok.length === 1 ? single : multi;
    const gas = await fn.estimateGas(...args);
    let tx: TransactionResponse;
    try {
      tx = await fn(...args, { gasLimit: (gas * 12n) / 10n });
    } catch (e) {
      ctx.chain.operator.reset(); // the nonce of a transaction that was never sent must be reused
      // Another sender of the operator key (anchoring, another instance) took our nonce: once more from the chain's.
      if ((e as { code?: string }).code !== "NONCE_EXPIRED") throw e;
      tx = await fn(...args, { gasLimit: (gas * 12n) / 10n });
    }
    for (const it of ok) await setStatus(it.r, "submitted", { tx: tx.hash, attempt: true, error: null });
    stats.txs++;
    const receipt = await tx.wait(1, RECEIPT_TIMEOUT_MS);
    if (!receipt || receipt.status !== 1) {
      for (const it of ok) await setStatus(it.r, "queued", { error: "reverted", delayS: 1 });
      return true;
    }
    try {
      await ctx.indexer.syncTo(receipt.blockNumber, 15_000);
    } catch {
      return true; // confirmations pending: reconcile() marks them on chain once the index has them
    }
    for (const it of ok) await markFromIndex(it.r);
    if (kind === "grant") stats.relayedGrants += ok.length;
    else stats.relayedRevokes += ok.length;
    return true;
  }

  function err0(c: Classified) {
    return Object.assign(new Error("chain unavailable"), { code: "code" in c ? c.code : "rpc_error" });
  }

  async function pass() {
    await ctx.db.withTryLock(RELAY_LOCK, async () => {
      try {
        await ctx.indexer.sync();
        await reconcile();
        // Grants before revokes: a revoke of a grant queued in the same pass finds it on chain.
        while (!paused && !stopped && ((await relayKind("grant")) || (await relayKind("revoke")))) {
          /* drain */
        }
      } catch (e) {
        // Chain or store unreachable: everything stays queued with the same payload; back off and retry.
        const code = String((e as { code?: string }).code ?? (e as Error).name).slice(0, 40);
        await ctx.db
          .query(
            `UPDATE consent_requests SET status = 'queued', attempts = attempts + 1, error = $1,
               next_attempt_at = now() + make_interval(secs => LEAST(60, power(2, LEAST(attempts, 6)))), updated_at = now()
             WHERE status = 'queued'`,
            ["rpc_unavailable"],
          )
          .catch(() => {});
        ctx.log.warn({ code }, "consent relay pass failed; will retry with the same signed payloads");
      }
    });
  }

  const tick = () => (running ??= pass().finally(() => (running = undefined)));
  const loop = async () => {
    if (stopped) return;
    // The store itself can be down (withTryLock cannot connect): an unhandled rejection here would end the process.
    if (!paused) await tick().catch((e) => ctx.log.warn({ err: (e as Error).name }, "consent relay pass failed; will retry"));
    if (!stopped) timer = setTimeout(loop, pollMs);
  };

  const handle: RelayerHandle = {
    pause: () => void (paused = true),
    resume: () => void (paused = false),
    tick: async () => {
      await running;
      await tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => {});
    },
    stats,
  };
  handles.set(ctx, handle);
  void loop();
  return handle;
}
