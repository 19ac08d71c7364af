// Fault: the embedded chain is SIGKILLed during a write load (its state file misses up to the last second). After a
// restart on the same data dir the reconciler re-anchors what the chain lost: every acknowledged record is covered
// by an anchor again and the audit passes.
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Wallet } from "ethers";
import { generateSeed, relationshipKeys } from "../../../src/crypto/index.js";
import { anchorerFor, chainLatest } from "../../../src/services/anchoring.js";
import { accreditCounselor, startTestServer, type TestServer } from "../../helpers/server.js";
import { counselorWrites, grant, publishKey } from "../vault/helpers.js";
import { audit, codes, logKeyEntries } from "./helpers.js";

describe("fault: anvil SIGKILL during a write load", function () {
  let srv: TestServer | undefined;
  let dataDir: string;
  before(() => (dataDir = mkdtempSync(path.join(tmpdir(), "anxin-fault-"))));
  after(async () => {
    await srv?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("re-anchors after restart: every acknowledged record covered, audit passes", async () => {
    const config = { anchorEveryLeaves: 8, anchorIntervalSeconds: 1 };
    srv = await startTestServer({ dataDir, config });
    const counselor: Wallet = (await accreditCounselor(srv)).wallet;
    const cApi = await srv.api().login(counselor);
    const rel = await relationshipKeys(await generateSeed(), counselor.address);
    await publishKey(await srv.api().login(rel.wallet), rel);
    const consentId = await grant(srv, rel, counselor.address);
    await new Promise((r) => setTimeout(r, 1500)); // the set-up is in the state file

    const acked: Array<{ leafIndex: number; contentHash: string }> = [];
    let stop = false;
    const load = (async () => {
      while (!stop) {
        try {
          acked.push((await counselorWrites(cApi, counselor, rel.address, consentId, { n: acked.length })).reply);
        } catch {
          // the chain is down: role look-ups fail; only acknowledged writes count
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 2500));
    const anchoredBeforeKill = (await chainLatest(srv.ctx.chain.checkpointLog)).size;
    await srv.ctx.chain.anvil!.kill(); // SIGKILL mid-load
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await load;
    expect(acked.length).to.be.above(3);
    expect(anchoredBeforeKill).to.be.above(0);
    await srv.stop();

    srv = await startTestServer({ dataDir, config }); // anvil restarts from its state file; reconciler runs first
    const latest = await chainLatest(srv.ctx.chain.checkpointLog);
    const maxAcked = Math.max(...acked.map((a) => a.leafIndex));
    expect(latest.size).to.be.above(maxAcked); // every acknowledged record is under an anchor again
    await logKeyEntries(srv);
    await anchorerFor(srv.ctx).anchorNow();
    const r = await audit(srv);
    expect(codes(r), JSON.stringify(r.checks)).to.deep.equal([]);
    expect(r.stats.unanchoredLeaves).to.equal(0);
  });
});
