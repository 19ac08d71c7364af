// A proof bundle verifies against the chain alone, through `anxin audit check-bundle`: each entry's checkpoint is
// linked by a consistency proof to the bundle's latest checkpoint, which is the CheckpointLog's latest() or (once
// the chain has moved on) one of its accepted checkpoints. Tampered links are refused with a non-zero exit.
import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Wallet } from "ethers";
import { generateSeed, relationshipKeys, type RelationshipKeys } from "../../../src/crypto/index.js";
import { fromHex, toHex, verifyConsistency, verifyInclusion } from "../../../src/log/index.js";
import { anchorerFor, chainLatest } from "../../../src/services/anchoring.js";
import { BUNDLE_FORMAT, checkBundle, type Bundle } from "../../../src/services/bundle.js";
import type { ApiClient } from "../../../src/client/index.js";
import { accreditCounselor, appointAuditor, startTestServer, type TestServer } from "../../helpers/server.js";
import { counselorWrites, grant, publishKey } from "../vault/helpers.js";
import { anxin } from "../../helpers/cli.js";

describe("audit bundles carry the consistency proof to the latest anchored checkpoint", function () {
  this.timeout(300_000);
  let srv: TestServer;
  let cApi: ApiClient;
  let aApi: ApiClient;
  let counselor: Wallet;
  let rel: RelationshipKeys;
  let consentId: string;
  let recordId: string;
  let dir: string;
  let rpc: string;
  const write = async (minutes: number) => (await counselorWrites(cApi, counselor, rel.address, consentId, { minutes })).reply;
  const checkWithCli = async (b: unknown, name: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, JSON.stringify(b));
    return anxin(["audit", "check-bundle", file, "--rpc", rpc, "--json"]);
  };

  before(async () => {
    srv = await startTestServer({ config: { anchorIntervalSeconds: 3600 } }); // anchors only when the test says
    rpc = srv.ctx.chain.anvil!.url;
    dir = mkdtempSync(path.join(tmpdir(), "anxin-bundle-"));
    counselor = (await accreditCounselor(srv)).wallet;
    cApi = await srv.api().login(counselor);
    rel = await relationshipKeys(await generateSeed(), counselor.address);
    await publishKey(await srv.api().login(rel.wallet), rel);
    consentId = await grant(srv, rel, counselor.address);
    recordId = (await write(1)).recordId;
    await anchorerFor(srv.ctx).anchorNow();
    aApi = await srv.api().login(await appointAuditor(srv));
  });
  after(async () => srv?.stop());

  it("names the chain's latest() when it is made, and check-bundle verifies it", async () => {
    const b: Bundle = await aApi.get(`/v1/audit/bundle/${recordId}`);
    expect(b.format).to.equal(BUNDLE_FORMAT);
    const head = await chainLatest(srv.ctx.chain.checkpointLog);
    expect(b.latest).to.include({ size: head.size, root: head.root });
    for (const e of b.entries) {
      expect(e.checkpoint.size).to.equal(head.size);
      expect(e.consistency).to.deep.equal([]);
    }
    const r = await checkWithCli(b, "b1.json");
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout);
    expect(out.ok).to.equal(true);
    expect(out.latest).to.deep.include({ current: true, size: head.size });
    const human = await anxin(["audit", "check-bundle", path.join(dir, "b1.json"), "--rpc", rpc]);
    expect(human.code).to.equal(0);
    expect(human.stdout).to.match(/bundle VERIFIED/).and.to.match(/\(the same\)/);
  });

  it("still verifies after the chain has moved on, and a new bundle proves its first checkpoint is a prefix of latest()", async () => {
    const old: Bundle = await aApi.get(`/v1/audit/bundle/${recordId}`);
    await write(2);
    await write(3);
    await anchorerFor(srv.ctx).anchorNow();
    const head = await chainLatest(srv.ctx.chain.checkpointLog);
    expect(head.size).to.be.above(old.latest!.size);
    const stale = await checkWithCli(old, "stale.json");
    expect(stale.code, stale.stdout).to.equal(0);
    expect(JSON.parse(stale.stdout).latest).to.deep.include({ current: false, chain: head });

    const b: Bundle = await aApi.get(`/v1/audit/bundle/${recordId}`);
    expect(b.latest).to.include(head);
    const e = b.entries[0];
    expect(e.checkpoint.size).to.equal(old.latest!.size); // the FIRST checkpoint covering the leaf
    expect(e.consistency.length).to.be.above(0);
    // What FORMATS tells another verifier to do, done here with the log core alone plus latest():
    expect(verifyInclusion(e.index, e.checkpoint.size, fromHex(e.leafHash), e.proof.map(fromHex), fromHex(e.checkpoint.root))).to.equal(true);
    expect(verifyConsistency(e.checkpoint.size, head.size, fromHex(e.checkpoint.root), fromHex(head.root), e.consistency.map(fromHex))).to.equal(true);
    const r = await checkWithCli(b, "b2.json");
    expect(r.code, r.stdout).to.equal(0);
    expect(JSON.parse(r.stdout).latest.current).to.equal(true);
  });

  it("refuses a tampered consistency proof or latest checkpoint, with exit code 1", async () => {
    const b: Bundle = await aApi.get(`/v1/audit/bundle/${recordId}`);
    const badProof = structuredClone(b);
    badProof.entries[0].consistency[0] = toHex(fromHex("11".repeat(32)));
    const r1 = await checkWithCli(badProof, "bad1.json");
    expect(r1.code).to.equal(1);
    expect(JSON.parse(r1.stdout).entries[0].problems.join()).to.match(/consistency proof/);

    const badRoot = structuredClone(b);
    badRoot.latest!.root = "22".repeat(32);
    const r2 = await checkBundle(badRoot, rpc);
    expect(r2.ok).to.equal(false);
    expect(r2.latest!.current).to.equal(false);
    expect(r2.problems.join()).to.match(/does not extend/);
    expect(r2.entries.every((x) => !x.ok)).to.equal(true);

    const missing = structuredClone(b) as unknown as Record<string, unknown>;
    delete missing.latest;
    const r3 = await checkBundle(missing, rpc);
    expect(r3.ok).to.equal(false);
    expect(r3.problems.join()).to.match(/no latest checkpoint/);

    const notJson = path.join(dir, "not.json");
    writeFileSync(notJson, "{");
    const r4 = await anxin(["audit", "check-bundle", notJson, "--rpc", rpc]);
    expect(r4.code).to.not.equal(0);
    expect(r4.stderr.trim().split("\n")).to.have.length(1);
    expect(r4.stderr).to.match(/not valid JSON/);
  });
});
