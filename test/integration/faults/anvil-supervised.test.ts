// Fault: the embedded chain is SIGKILLed while the server runs and writes go on. Nobody restarts anything: the
// supervisor starts the chain again from its state file, /healthz recovers, grants reach the chain again and the
// reconciler re-anchors what the chain lost, so every acknowledged record ends up under an anchor.
import { expect } from "chai";
import type { Wallet } from "ethers";
import { generateSeed, relationshipKeys } from "../../../src/crypto/index.js";
import { chainLatest } from "../../../src/services/anchoring.js";
import { readHead } from "../../../src/services/log-tree.js";
import { accreditCounselor, startTestServer, type TestServer } from "../../helpers/server.js";
import { counselorWrites, grant, publishKey } from "../vault/helpers.js";
import { waitFor } from "../consent/helpers.js";

describe("fault: the embedded chain dies while the server runs", function () {
  let srv: TestServer;
  before(async () => (srv = await startTestServer({ config: { anchorEveryLeaves: 4, anchorIntervalSeconds: 1 } })));
  after(async () => srv?.stop());

  // The restarted chain lost its newest block (the state file is dumped each second) and a new one took its number:
  // the index rewinds and reads again, and the grant, still on chain, must never drop out of it meanwhile.
  it("restarts the chain by itself; health, grants and anchoring resume without a person", async () => {
    const counselor: Wallet = (await accreditCounselor(srv)).wallet;
    const cApi = await srv.api().login(counselor);
    const rel = await relationshipKeys(await generateSeed(), counselor.address);
    await publishKey(await srv.api().login(rel.wallet), rel);
    const consentId = await grant(srv, rel, counselor.address);
    let n = 0;
    for (; n < 5; n++) await counselorWrites(cApi, counselor, rel.address, consentId, { n });

    const anvil = srv.ctx.chain.anvil!;
    const pid = anvil.pid;
    process.kill(pid, "SIGKILL"); // from outside, as an OOM killer or a crash would
    await waitFor(async () => anvil.restarts, (r) => r === 1, 30_000);
    expect(anvil.pid).to.not.equal(pid);
    expect(() => process.kill(pid, 0), "the killed chain is gone").to.throw();
    const health = await waitFor(() => fetch(`${srv.url}/healthz`).then((r) => r.json()), (h: any) => h.status === "ok", 30_000);
    expect(health.chain.ok).to.equal(true);

    // Writes never stopped; the chain takes new grants and new checkpoints again.
    for (; n < 10; n++) await counselorWrites(cApi, counselor, rel.address, consentId, { n });
    const rel2 = await relationshipKeys(await generateSeed(), counselor.address);
    await publishKey(await srv.api().login(rel2.wallet), rel2);
    const second = await grant(srv, rel2, counselor.address);
    expect(await srv.ctx.chain.consentLedger.isActive(second, Math.floor(Date.now() / 1000))).to.equal(true);
    const head = await readHead(srv.ctx.db);
    const latest = await waitFor(() => chainLatest(srv.ctx.chain.checkpointLog), (l) => l.size >= head.size, 30_000);
    expect(latest.size).to.be.at.least(head.size);
    expect(srv.logLines.some((l) => l.includes("restarted it from its state file"))).to.equal(true);
  });
});
