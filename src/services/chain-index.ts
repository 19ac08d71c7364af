// Follows ConsentLedger and CounselorRegistry events into the store, `confirmations` blocks behind the head.
// Each batch of events, its log leaves and the cursor commit in one transaction. A reorg (the remembered
// block's hash changed, or the chain is shorter) rewinds the index to a safe depth and reads again.
import { Interface, type JsonRpcProvider, type Log } from "ethers";
import type { Logger } from "pino";
import { eventTime, type LogEvent } from "../log/index.js";
import type { Db, Queryable } from "../store/db.js";
import { loadArtifact } from "../chain/artifacts.js";
import type { Deployment } from "../chain/deploy.js";
import type { LogWriter } from "./log-writer.js";

const REORG_DEPTH = 64;
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

  /** Drops the index and reads it again from the deployment block (the `anxin index rebuild` command). */
  async rebuild(): Promise<number> {
    await this.#reset();
    return this.sync();
  }

  async #cursor(q: Queryable): Promise<{ block: number; hash: string } | undefined> {
    const [row] = await q.query<{ block: number; block_hash: string }>("SELECT block, block_hash FROM chain_cursor WHERE name = $1", [this.#cursorName]);
    return row ? { block: Number(row.block), hash: row.block_hash } : undefined;
  }

  async #sync(): Promise<number> {
    const { provider, deployment, db } = this.d;
    // A cursor for another deployment means the chain lost our contracts: what we indexed is gone from it.
    const stale = await db.query<{ name: string }>("SELECT name FROM chain_cursor WHERE name LIKE 'index:%' AND name <> $1", [this.#cursorName]);
    if (stale.length > 0) {
      this.d.log.warn({}, "chain index belongs to an older deployment: dropping it");
      await this.#reset();
    }
    let cursor = await this.#cursor(db);
    if (cursor) {
      const b = await provider.getBlock(cursor.block);
      if (!b || b.hash !== cursor.hash) {
        const to = Math.max(deployment.deployBlock - 1, cursor.block - REORG_DEPTH);
        this.d.log.warn({ from: cursor.block, to }, "chain reorganised below the index: rewinding");
        await this.#rewind(to);
        cursor = await this.#cursor(db);
      }
    }
    // eth_blockNumber directly: ethers caches getBlockNumber() for a polling interval, which would skip fresh blocks.
    const head = Number(await provider.send("eth_blockNumber", []));
    const target = head - this.d.confirmations;
    let from = cursor ? cursor.block + 1 : deployment.deployBlock;
    let last = cursor?.block ?? deployment.deployBlock - 1;
    while (from <= target) {
      const to = Math.min(target, from + CHUNK - 1);
      const logs = await provider.getLogs({ address: [deployment.consentLedger, deployment.registry], fromBlock: from, toBlock: to });
      const toBlock = await provider.getBlock(to);
      if (!toBlock) break;
      await this.#apply(logs, to, toBlock.hash!);
      last = to;
      from = to + 1;
    }
    return last;
  }

  async #reset() {
    await this.d.db.tx(async (q) => {
      await q.query("DELETE FROM consent_grants");
      await q.query("DELETE FROM registry_events");
      await q.query("DELETE FROM chain_cursor WHERE name LIKE 'index:%'");
    });
  }

  async #rewind(toBlock: number) {
    const { provider } = this.d;
    const b = toBlock >= 0 ? await provider.getBlock(toBlock) : null;
    // The chain is shorter than the rewind target (restarted from a much older state): nothing we hold below it
    // can be trusted either, and reading from the deployment block again would keep stale rows. Start over.
    if (!b) return this.#reset();
    await this.d.db.tx(async (q) => {
      await q.query("DELETE FROM consent_grants WHERE block_number > $1", [toBlock]);
      await q.query("UPDATE consent_grants SET revoked_at = NULL, revoke_block = NULL, revoke_tx = NULL WHERE revoke_block > $1", [toBlock]);
      await q.query("DELETE FROM registry_events WHERE block_number > $1", [toBlock]);
      if (b) await q.query("UPDATE chain_cursor SET block = $2, block_hash = $3 WHERE name = $1", [this.#cursorName, toBlock, b.hash]);
      else await q.query("DELETE FROM chain_cursor WHERE name = $1", [this.#cursorName]);
    });
  }

  async #apply(logs: Log[], toBlock: number, toHash: string) {
    const times = new Map<number, number>();
    for (const l of logs) {
      if (!times.has(l.blockNumber)) times.set(l.blockNumber, (await this.d.provider.getBlock(l.blockNumber))!.timestamp);
    }
    const changed = new Set<"registry" | "consent">();
    await this.d.writer.submit(async ({ q, append }) => {
      for (const l of logs) {
        const t = times.get(l.blockNumber)!;
        const isLedger = l.address.toLowerCase() === this.d.deployment.consentLedger.toLowerCase();
        const parsed = (isLedger ? this.#ledgerIface : this.#registryIface).parseLog(l);
        if (!parsed) continue;
        const leaf = (e: Omit<LogEvent, "at">) => append({ ...e, at: eventTime(t * 1000) } as LogEvent);
        const seen = async (type: string, ref: string) =>
          (await q.query("SELECT 1 FROM log_leaves WHERE ref_id = $1 AND type = $2 LIMIT 1", [ref, type])).length > 0;
        if (isLedger) {
          changed.add("consent");
          const grantId = String(parsed.args.grantId).toLowerCase();
          if (parsed.name === "ConsentGranted") {
            const ins = await q.query(
              `INSERT INTO consent_grants (grant_id, subject, grantee, purpose, scope, not_before, not_after, block_number, block_time, tx_hash, log_index)
               VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (grant_id) DO NOTHING RETURNING grant_id`,
              [grantId, String(parsed.args.subject).toLowerCase(), String(parsed.args.grantee).toLowerCase(), Number(parsed.args.purpose), String(parsed.args.scope).toLowerCase(), Number(parsed.args.notBefore), Number(parsed.args.notAfter), l.blockNumber, t, l.transactionHash, l.index],
            );
            if (ins.length && !(await seen("consent", grantId))) leaf({ type: "consent", id: grantId, hash: grantId.slice(2), purpose: Number(parsed.args.purpose), block: l.blockNumber });
          } else if (parsed.name === "EmergencyAccessOpened") {
            await q.query("UPDATE consent_grants SET emergency = true WHERE grant_id = $1", [grantId]);
          } else if (parsed.name === "ConsentRevoked") {
            const up = await q.query(
              "UPDATE consent_grants SET revoked_at = $2, revoke_block = $3, revoke_tx = $4 WHERE grant_id = $1 AND revoked_at IS NULL RETURNING grant_id",
              [grantId, Number(parsed.args[1]) /* args.at would be Array.prototype.at */, l.blockNumber, l.transactionHash],
            );
            if (up.length && !(await seen("revoke", grantId))) leaf({ type: "revoke", id: grantId, hash: grantId.slice(2), block: l.blockNumber });
          }
        } else {
          changed.add("registry");
          // The account an event is about: the first address argument (RoleGranted's first argument is the role).
          const at = parsed.fragment.inputs.findIndex((i) => i.type === "address");
          const account = String(parsed.args[at < 0 ? 0 : at]).toLowerCase();
          const data = JSON.stringify(parsed.args.toArray().map((v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
          const ins = await q.query(
            `INSERT INTO registry_events (block_number, log_index, tx_hash, block_time, event, account, data) VALUES ($1,$2,$3,$4,$5,$6,$7)
             ON CONFLICT DO NOTHING RETURNING block_number`,
            [l.blockNumber, l.index, l.transactionHash, t, parsed.name, account, data],
          );
          const ref = `${account}:${l.transactionHash.slice(2, 18)}:${l.index}`;
          if (ins.length && !(await seen("accredit", ref))) leaf({ type: "accredit", id: ref, hash: l.transactionHash.slice(2).toLowerCase(), event: parsed.name, block: l.blockNumber });
        }
      }
      await q.query(
        `INSERT INTO chain_cursor (name, block, block_hash) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET block = EXCLUDED.block, block_hash = EXCLUDED.block_hash`,
        [this.#cursorName, toBlock, toHash],
      );
    });
    if (changed.size) this.d.onChange?.(changed);
  }
}
