// Anchoring cadence, the reconciler (chain behind → re-anchor; forked local log → refuse to start) and one
// checkpoint writer across instances sharing one PostgreSQL.
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { NonceManager, Wallet } from "ethers";
import { CompactRange, eventTime, leafHash, toHex } from "../../../src/log/index.js";
import { DEV_OPERATOR_KEY } from "../../../src/chain/index.js";
import { openPg } from "../../../src/store/pg.js";
import { openPglite } from "../../../src/store/pglite.js";
import { ANCHOR_LOCK, Anchorer, DivergenceError, anchorerFor, chainLatest } from "../../../src/services/anchoring.js";
import { anchoredHistory } from "../../../src/services/checkpoints.js";
import { reconcile } from "../../../src/services/reconciler.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { audit } from "./helpers.js";

/** n synthetic leaves through the real LogWriter (accredit-type events: no rows elsewhere to cross-check). */
async function writeLeaves(srv: TestServer, n: number, tag = "x") {
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      srv.ctx.writer.submit(async ({ append }) =>
        append({ type: "accredit", id: `t-${tag}-${i}`, hash: toHex(leafHash(new TextEncoder().encode(`${tag}${i}`))), at: eventTime(Date.now()) }),
      ),
    ),
  );
}
const localSize = async (srv: TestServer) => Number((await srv.ctx.db.query<{ size: number }>("SELECT size FROM log_head"))[0].size);
const rpc = (srv: TestServer, method: string, params: unknown[] = []) => srv.ctx.chain.provider.send(method, params);
const until = async (f: () => Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe("anchoring: cadence and reconciliation", function () {
  let srv: TestServer;
  let dataDir: string;
  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "anxin-anchor-"));
    srv = await startTestServer({ dataDir, config: { anchorEveryLeaves: 20, anchorIntervalSeconds: 2 } });
  });
  after(async () => {
    await srv?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("anchors once N leaves are waiting, and a smaller batch once it has waited T seconds", async () => {
    await until(async () => (await chainLatest(srv.ctx.chain.checkpointLog)).size === (await localSize(srv))); // start-up leaves
    const start = (await chainLatest(srv.ctx.chain.checkpointLog)).size;
    await writeLeaves(srv, 25, "n");
    await until(async () => (await chainLatest(srv.ctx.chain.checkpointLog)).size >= start + 25, 1500); // well before T
    const mid = (await chainLatest(srv.ctx.chain.checkpointLog)).size;
    await writeLeaves(srv, 3, "t");
    await new Promise((r) => setTimeout(r, 800));
    expect((await chainLatest(srv.ctx.chain.checkpointLog)).size).to.equal(mid); // fewer than N, T not reached
    await until(async () => (await chainLatest(srv.ctx.chain.checkpointLog)).size === mid + 3, 5000);
    await until(async () => (await srv.ctx.db.query("SELECT 1 FROM anchors WHERE status <> 'confirmed'")).length === 0);
    const rows = await srv.ctx.db.query<{ status: string; gas_used: number; size: number; prev_size: number }>("SELECT status, gas_used, size, prev_size, error FROM anchors ORDER BY id");
    expect(rows.filter((r) => r.status !== "confirmed"), JSON.stringify(rows)).to.deep.equal([]);
    expect(rows.at(-1)!.gas_used).to.be.above(21_000);
    expect((await audit(srv)).ok).to.equal(true);
  });

  it("re-anchors when the chain is behind (dev chain lost state), marking the lost anchors", async () => {
    const snap = await rpc(srv, "evm_snapshot");
    await writeLeaves(srv, 5, "lost");
    const a = await anchorerFor(srv.ctx).anchorNow();
    expect(a?.size).to.equal(await localSize(srv));
    await rpc(srv, "evm_revert", [snap]); // the chain forgets that checkpoint
    srv.ctx.chain.operator.reset();
    expect((await chainLatest(srv.ctx.chain.checkpointLog)).size).to.be.below(a!.size);
    const r = await reconcile(anchorerFor(srv.ctx));
    expect(r.status).to.equal("re-anchored");
    expect(r.lost).to.equal(1);
    expect(r.anchored!.size).to.be.at.least(a!.size);
    const [lost] = await srv.ctx.db.query<{ status: string }>("SELECT status FROM anchors WHERE tx_hash = $1", [a!.txHash]);
    expect(lost.status).to.equal("lost");
    const report = await audit(srv);
    expect(report.ok, JSON.stringify(report.checks)).to.equal(true);
    expect(report.stats.unanchoredLeaves).to.equal(0);
    expect((await reconcile(anchorerFor(srv.ctx))).status).to.equal("in-step");
  });

  it("refuses to start on a local log that is not an extension of the anchored one (divergence), naming the sizes", async () => {
    await anchorerFor(srv.ctx).anchorNow();
    const anchored = await chainLatest(srv.ctx.chain.checkpointLog);
    await srv.stop(); // data dir kept
    // Rewrite history below the anchored size, consistently (leaf, hash and head), as a careful forger would.
    const db = await openPglite(path.join(dataDir, "db"));
    const forged = JSON.stringify({ type: "accredit", id: "forged", hash: "00".repeat(32), at: eventTime(Date.now()) });
    await db.query("UPDATE log_leaves SET input = $1, leaf_hash = $2, ref_id = 'forged' WHERE idx = 1", [forged, Buffer.from(leafHash(new TextEncoder().encode(forged)))]);
    const cr = new CompactRange();
    for (const r of await db.query<{ leaf_hash: Uint8Array }>("SELECT leaf_hash FROM log_leaves ORDER BY idx")) cr.append(new Uint8Array(r.leaf_hash));
    await db.query("UPDATE log_head SET frontier = $1", [JSON.stringify(cr.toState())]);
    await db.close();
    let err: unknown;
    try {
      srv = await startTestServer({ dataDir, config: { anchorEveryLeaves: 20, anchorIntervalSeconds: 2 } });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(DivergenceError);
    expect((err as Error).message).to.include(`chain checkpoint size ${anchored.size}`).and.match(/local log size \d+/);
    const db2 = await openPglite(path.join(dataDir, "db"));
    const [inc] = await db2.query<{ kind: string }>("SELECT kind FROM incidents");
    await db2.close();
    expect(inc.kind).to.equal("divergence");
    srv = undefined as never;
  });
});

describe("anchoring: one checkpoint writer across instances on one PostgreSQL", function () {
  let srv: TestServer;
  before(async () => (srv = await startTestServer({ pg: true, config: { anchorIntervalSeconds: 3600 } })));
  after(async () => srv?.stop());

  it("while one instance holds the writer lock the other does not anchor; together they never submit conflicting checkpoints", async () => {
    const url = (srv.ctx.cfg.databaseUrl)!;
    const db2 = await openPg(url);
    const provider = srv.ctx.chain.provider;
    const operator2 = new NonceManager(new Wallet(DEV_OPERATOR_KEY, provider));
    const second = new Anchorer({
      db: db2,
      provider,
      checkpointLog: srv.ctx.chain.checkpointLog.connect(operator2) as never,
      contract: srv.ctx.chain.deployment.checkpointLog.toLowerCase(),
      resetSigner: () => operator2.reset(),
      everyLeaves: 1024,
      intervalSeconds: 3600,
      log: srv.ctx.log,
    });
    const first = anchorerFor(srv.ctx);
    try {
      await writeLeaves(srv, 10, "a");
      // Deterministic exclusion: instance 2 holds the lock, instance 1 must not anchor.
      const inside = await db2.withTryLock(ANCHOR_LOCK, async () => first.anchorNow());
      expect(inside).to.equal(undefined);
      // Racing: both try many times while leaves keep arriving.
      const attempts: Array<Promise<unknown>> = [];
      for (let i = 0; i < 6; i++) {
        await writeLeaves(srv, 7, `r${i}`);
        attempts.push(first.anchorNow().catch((e) => e), second.anchorNow().catch((e) => e));
      }
      const results = await Promise.all(attempts);
      expect(results.filter((r) => r instanceof Error)).to.deep.equal([]);
      await first.anchorNow();
      const history = await anchoredHistory(provider, srv.ctx.chain.deployment.checkpointLog, srv.ctx.chain.deployment.deployBlock);
      for (let i = 1; i < history.length; i++) {
        expect(history[i].size).to.be.above(history[i - 1].size);
        expect(history[i].prevSize).to.equal(history[i - 1].size);
      }
      const dup = await srv.ctx.db.query("SELECT size FROM anchors WHERE status = 'confirmed' GROUP BY contract, size HAVING count(*) > 1");
      expect(dup).to.deep.equal([]);
      expect((await audit(srv)).ok).to.equal(true);
    } finally {
      await db2.close();
    }
  });
});
