// Durability: a local log behind its own anchors (acknowledged commits that never reached the disk, or a restore
// from an older backup). The chain's checkpoint proves the lost leaves existed. What the chain itself proves (the
// index's consent leaves, rebuilt from its events and block times) is repaired and must reproduce the anchored
// root; a lost record leaf cannot be rebuilt, and the reconciler says exactly which leaves are gone and what to run.
// The loss is simulated as a crash leaves it: the newest transactions vanish whole (leaves, head, their rows).
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { generateSeed, relationshipKeys } from "../../../src/crypto/index.js";
import { CompactRange, leafHash } from "../../../src/log/index.js";
import { loadConfig } from "../../../src/config.js";
import { createLogger } from "../../../src/http/logger.js";
import { anchorerFor, chainLatest, DivergenceError } from "../../../src/services/anchoring.js";
import { closeContext, createContext } from "../../../src/services/context.js";
import { reconcile } from "../../../src/services/reconciler.js";
import type { Queryable } from "../../../src/store/db.js";
import { accreditCounselor, startTestServer, type TestServer } from "../../helpers/server.js";
import { counselorWrites, grant, publishKey } from "../vault/helpers.js";
import { waitFor } from "../consent/helpers.js";
import { logConsistency } from "./helpers.js";

/** The store as a crash that lost every commit from leaf `size` on leaves it: the leaves and the head behind them. */
async function truncateLog(q: Queryable, size: number) {
  const rows = await q.query<{ input: string }>("SELECT input FROM log_leaves WHERE idx < $1 ORDER BY idx", [size]);
  const range = new CompactRange();
  for (const r of rows) range.append(leafHash(new TextEncoder().encode(r.input)));
  await q.query("DELETE FROM log_leaves WHERE idx >= $1", [size]);
  await q.query("UPDATE log_head SET size = $1, frontier = $2 WHERE id = 1", [size, JSON.stringify(range.toState())]);
  await q.query("DELETE FROM anchors WHERE size > $1", [size]);
}

async function anchoredUpToHead(srv: TestServer) {
  const size = async () => Number((await srv.ctx.db.query<{ size: number }>("SELECT size FROM log_head WHERE id = 1"))[0].size);
  const target = await size();
  await waitFor(() => chainLatest(srv.ctx.chain.checkpointLog), (l) => l.size >= target, 60_000);
  expect(await size(), "nothing was written while waiting").to.equal(target);
  return target;
}

describe("durability: a local log behind its own anchors", function () {
  this.timeout(300_000);
  let dataDir: string;
  let srv: TestServer | undefined;
  before(() => (dataDir = mkdtempSync(path.join(tmpdir(), "anxin-behind-"))));
  after(async () => {
    await srv?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const offline = async () => {
    const cfg = loadConfig({}, { dataDir, port: 0, anvilPort: 0, logLevel: "silent" });
    return createContext(cfg, createLogger("silent"));
  };

  it("is repaired from the chain when the lost leaves are its events; a lost record leaf is named, with what to run", async () => {
    const s0 = await startTestServer({ dataDir, config: { anchorEveryLeaves: 1, anchorIntervalSeconds: 1 } });
    srv = s0;
    const counselor = (await accreditCounselor(s0)).wallet;
    const rel = await relationshipKeys(await generateSeed(), counselor.address);
    await publishKey(await s0.api().login(rel.wallet), rel);
    const consentId = await grant(s0, rel, counselor.address);
    const anchored = await anchoredUpToHead(s0);
    const [consentLeaf] = await s0.ctx.db.query<{ idx: number; input: string }>("SELECT idx, input FROM log_leaves WHERE type = 'consent' AND ref_id = $1", [consentId]);
    const k = Number(consentLeaf.idx);
    expect(k, "the grant's leaf is the newest anchored leaf").to.equal(anchored - 1);
    const [grantRow] = await s0.ctx.db.query<{ block_number: number }>("SELECT block_number FROM consent_grants WHERE grant_id = $1", [consentId]);
    await s0.stop();
    srv = undefined;

    // 1. The index batch that held the grant never reached the disk: its leaf, its row, the cursor it moved. (The
    // scope opening the resident registered afterwards writes no leaf; it is kept so the note below is covered.)
    let ctx = await offline();
    try {
      const base = await ctx.chain.provider.getBlock(Number(grantRow.block_number) - 1);
      await ctx.db.tx(async (q) => {
        await truncateLog(q, k);
        await q.query("DELETE FROM consent_grants WHERE grant_id = $1", [consentId]);
        await q.query("UPDATE chain_cursor SET block = $1, block_hash = $2 WHERE name LIKE 'index:%'", [base!.number, base!.hash]);
      });
      const r = await reconcile(anchorerFor(ctx), { repair: () => ctx.indexer.sync(), fromBlock: ctx.chain.deployment.deployBlock });
      expect(r).to.deep.include({ status: "repaired", chainSize: anchored, localSize: anchored });
      const [again] = await ctx.db.query<{ idx: number; input: string }>("SELECT idx, input FROM log_leaves WHERE type = 'consent' AND ref_id = $1", [consentId]);
      expect({ idx: Number(again.idx), input: again.input }).to.deep.equal({ idx: k, input: consentLeaf.input });
      expect((await logConsistency(ctx.db)).problems).to.deep.equal([]);
    } finally {
      await closeContext(ctx);
    }

    // 2. A counselor's note, acknowledged and anchored, then lost: nothing on this machine can rebuild it.
    const s1 = await startTestServer({ dataDir, config: { anchorEveryLeaves: 1, anchorIntervalSeconds: 1 } });
    srv = s1;
    const cApi = await s1.api().login(counselor);
    const { reply } = await counselorWrites(cApi, counselor, rel.address, consentId, { minutes: 50 });
    const size = await anchoredUpToHead(s1);
    await s1.stop();
    srv = undefined;
    ctx = await offline();
    try {
      const r0 = Number(reply.leafIndex);
      // The record's row is kept (a partial loss): it names the lost leaf but cannot rebuild its input.
      await ctx.db.tx((q) => truncateLog(q, r0));
      const headBefore = await ctx.db.query("SELECT size, frontier FROM log_head WHERE id = 1");
      let err: unknown;
      await reconcile(anchorerFor(ctx), { repair: () => ctx.indexer.sync(), fromBlock: ctx.chain.deployment.deployBlock }).catch((e) => (err = e));
      expect(err).to.be.instanceOf(DivergenceError);
      const msg = (err as Error).message;
      expect(msg).to.include(`the local log has ${r0} leaves but this deployment's CheckpointLog holds a checkpoint of ${size}`);
      expect(msg).to.include(`leaves ${r0}..${size - 1} were acknowledged and anchored, then lost from the store`);
      expect(msg).to.match(/\d+ stored rows name leaves in that range/);
      expect(msg).to.include("`anxin audit verify --data-dir <dir>`");
      expect(msg).to.not.match(/\b(body|minutes)\b/); // ids, sizes and blocks only
      const [incident] = await ctx.db.query<{ kind: string; detail: string }>("SELECT kind, detail FROM incidents ORDER BY id DESC LIMIT 1");
      expect(incident.kind).to.equal("log-behind-anchors");
      // Refusing changed nothing: the log is as the crash left it, and anchoring stays stopped.
      expect(await ctx.db.query("SELECT size, frontier FROM log_head WHERE id = 1")).to.deep.equal(headBefore);
      expect(anchorerFor(ctx).halted).to.be.a("string");
    } finally {
      await closeContext(ctx);
    }
  });
});
