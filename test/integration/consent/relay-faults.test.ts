// Chain faults: a grant lost by a chain restart from an older state, a reorg of the last blocks, and the index
// rebuilt from zero. In each case nothing counts that the chain does not have, and the relayer puts it back.
import { expect } from "chai";
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Contract, Wallet } from "ethers";
import { Purpose, grantId as computeGrantId } from "../../../src/consent/index.js";
import { loadConfig } from "../../../src/config.js";
import { createLogger } from "../../../src/http/logger.js";
import { closeContext, createContext } from "../../../src/services/context.js";
import { consentCovers } from "../../../src/services/consents.js";
import { relayerOf } from "../../../src/services/consent-relayer.js";
import { getGrant } from "../../../src/store/consent-repo.js";
import { accreditCounselor, startTestServer, type TestServer } from "../../helpers/server.js";
import { withNonceRetry, Resident, onChain, signedGrant, signedRevoke, waitFor } from "./helpers.js";

const dumpIndex = (srv: { ctx: TestServer["ctx"] }) =>
  srv.ctx.db.query("SELECT grant_id, subject, grantee, purpose, scope, not_before, not_after, revoked_at, emergency, block_number, block_time, tx_hash, log_index, revoke_block, revoke_tx FROM consent_grants ORDER BY grant_id");

describe("consent relay under chain faults", function () {
  this.timeout(120_000);

  describe("a reorg of the last blocks (evm_snapshot / evm_revert)", () => {
    let srv: TestServer;
    let counselor: Wallet;
    before(async () => {
      srv = await startTestServer();
      counselor = (await withNonceRetry(srv, () => accreditCounselor(srv))).wallet;
    });
    after(async () => srv?.stop());

    it("the indexer rewinds, the grant stops counting at once, and the relayer relays the same signed grant again", async () => {
      const provider = srv.ctx.chain.provider;
      const r = await Resident.create();
      const key = await r.keyFor(counselor.address);
      const api = await r.api(srv, counselor.address);
      const snap = await provider.send("evm_snapshot", []);
      const { built, body } = await signedGrant(srv, key, counselor.address);
      const id = computeGrantId(built.grant);
      await api.post("/v1/consents", body);
      const first = await onChain(api, id);
      const covers = () => consentCovers(srv.ctx, { subject: key.address, grantee: counselor.address, purposes: [Purpose.TREATMENT], category: "assessment" });
      expect(await covers()).to.deep.equal({ grantId: id });

      const relayer = relayerOf(srv.ctx)!;
      relayer.pause();
      await relayer.tick(); // let a pass in progress finish: nothing runs between here and resume()
      expect(await provider.send("evm_revert", [snap])).to.equal(true);
      await provider.send("evm_mine", []);
      try {
        expect(BigInt((await (srv.ctx.chain.consentLedger as Contract).getGrant(id)).subject)).to.equal(0n);
        // The indexer (polling, or a sync that had started before the revert) notices within a poll or two.
        await waitFor(() => getGrant(srv.ctx.db, id), (g) => g === undefined, 5000);
        expect(await covers()).to.equal(undefined);
        const lost = await api.get(`/v1/consents/${id}`);
        expect(lost).to.deep.include({ onChain: false, active: false, state: "pending" });
      } finally {
        relayer.resume();
      }
      const again = await onChain(api, id);
      expect(again.state).to.equal("active");
      expect(again.history.map((h: any) => `${h.event}:${h.detail ?? ""}`)).to.include("requeued:lost_on_chain");
      expect(await covers()).to.deep.equal({ grantId: id });
      expect(again.blockNumber).to.be.a("number");
      expect(first.txHash).to.be.a("string");
    });

    // The rebuild runs in turn with the poller, and its drop commits with the re-read (chain-index.ts).
    it("rebuilding the index from zero gives exactly the live index", async () => {
      const r = await Resident.create();
      for (let i = 0; i < 3; i++) {
        const key = await r.keyFor(counselor.address);
        const api = await r.api(srv, counselor.address);
        const { built, body } = await signedGrant(srv, key, counselor.address, { days: 10 + i });
        const id = computeGrantId(built.grant);
        await api.post("/v1/consents", body);
        await onChain(api, id);
        if (i === 1) {
          await api.post(`/v1/consents/${id}/revoke`, await signedRevoke(srv, key, id));
          await waitFor(() => api.get(`/v1/consents/${id}`), (v: any) => v.state === "revoked");
        }
      }
      await srv.ctx.indexer.sync();
      const live = await dumpIndex(srv);
      const leaves = (await srv.ctx.db.query("SELECT count(*)::int AS n FROM log_leaves"))[0].n;
      expect(live.length).to.be.greaterThan(3);
      await srv.ctx.indexer.rebuild();
      expect(await dumpIndex(srv)).to.deep.equal(live);
      // A rebuild re-reads events; it does not log them twice.
      expect((await srv.ctx.db.query("SELECT count(*)::int AS n FROM log_leaves"))[0].n).to.be.at.most(leaves + 2);
    });
  });

  describe("a grant lost by a chain restart from an older state", () => {
    let dataDir: string;
    let srv: TestServer | undefined;
    before(() => (dataDir = mkdtempSync(path.join(tmpdir(), "anxin-consent-restart-"))));
    after(async () => {
      await srv?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("is not counted after the restart, is relayed again with the same signature, and `anxin index rebuild` agrees", async () => {
      const s0 = await startTestServer({ dataDir });
      srv = s0;
      const counselor = (await withNonceRetry(s0, () => accreditCounselor(s0))).wallet;
      await new Promise((r) => setTimeout(r, 1500)); // anvil dumps its state every second
      const stateFile = path.join(dataDir, "chain-state.json");
      const older = path.join(dataDir, "chain-state.older.json");
      copyFileSync(stateFile, older);

      const r = await Resident.create();
      const key = await r.keyFor(counselor.address);
      const api = await r.api(srv, counselor.address);
      const { built, body } = await signedGrant(srv, key, counselor.address);
      const id = computeGrantId(built.grant);
      await api.post("/v1/consents", body);
      const first = await onChain(api, id);
      await srv.stop();
      srv = undefined;
      copyFileSync(older, stateFile); // the chain comes back from before the grant

      // Between the restart and the re-relay (no workers here): the index no longer has it, nothing is covered.
      const cfg = loadConfig({}, { dataDir, port: 0, anvilPort: 0, logLevel: "silent" });
      const ctx = await createContext(cfg, createLogger("silent"));
      try {
        await ctx.indexer.sync();
        expect(BigInt((await (ctx.chain.consentLedger as Contract).getGrant(id)).subject)).to.equal(0n);
        expect(await getGrant(ctx.db, id)).to.equal(undefined);
        expect(await consentCovers(ctx, { subject: key.address, grantee: counselor.address, purposes: [Purpose.TREATMENT], category: "assessment" })).to.equal(undefined);
      } finally {
        await closeContext(ctx);
      }

      srv = await startTestServer({ dataDir });
      const api2 = await r.api(srv, counselor.address);
      const again = await onChain(api2, id);
      expect(again.state).to.equal("active");
      expect(again.history.map((h: any) => `${h.event}:${h.detail ?? ""}`)).to.include("requeued:lost_on_chain");
      expect(JSON.parse((await srv.ctx.db.query("SELECT payload FROM consent_requests WHERE grant_id = $1 AND kind = 'grant'", [id]))[0].payload).signature).to.equal(body.signature);
      expect(first.onChain).to.equal(true);
      const live = await dumpIndex(srv);
      await srv.stop();
      srv = undefined;

      // The operator command, offline on the same data directory.
      const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "src/cli/main.ts", "index", "rebuild", "--json"], {
        cwd: path.resolve(import.meta.dirname, "../../.."),
        env: { ...process.env, ANXIN_DATA_DIR: dataDir, ANXIN_ANVIL_PORT: "0", LOG_LEVEL: "silent" },
      });
      const out = JSON.parse(stdout);
      expect(out.after.grants).to.equal(live.length);
      srv = await startTestServer({ dataDir });
      expect(await dumpIndex(srv)).to.deep.equal(live);
    });
  });
});
