// deployment.json and `anxin status --json` name the chain a client or auditor needs: RPC URL, chain id and the
// three contract addresses, in lowercase; a deployment.json written before that rule is brought up to it.
import { expect } from "chai";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { getAddress } from "ethers";
import { startTestServer } from "../../helpers/server.js";

const run = promisify(execFile);
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../bin/anxin.js");
const lowerAddress = /^0x[0-9a-f]{40}$/;

describe("deployment.json and anxin status", function () {
  this.timeout(300_000);

  it("name the RPC URL, chain id and contract addresses in lowercase, and an old file is rewritten", async () => {
    const first = await startTestServer();
    const file = path.join(first.dataDir, "deployment.json");
    let d = JSON.parse(readFileSync(file, "utf8"));
    try {
      expect(d.rpcUrl).to.equal(first.ctx.chain.anvil!.url);
      expect(d.chainId).to.equal(31337);
      for (const k of ["registry", "consentLedger", "checkpointLog", "operator"]) expect(d[k], k).to.match(lowerAddress);
      expect(d.deployBlock).to.be.a("number");
      expect(Date.parse(d.deployedAt)).to.be.a("number").and.not.NaN;

      const r = await run(process.execPath, [bin, "status", "--url", first.url, "--json"]);
      const s = JSON.parse(r.stdout);
      expect(s.status).to.equal("ok");
      expect(s.chain).to.deep.include({ rpcUrl: d.rpcUrl, chainId: d.chainId, registry: d.registry, consentLedger: d.consentLedger, checkpointLog: d.checkpointLog });
      const human = await run(process.execPath, [bin, "status", "--url", first.url]);
      expect(human.stdout).to.contain(d.rpcUrl).and.to.contain(d.registry).and.to.contain(d.checkpointLog);
    } finally {
      await first.close();
    }

    // A file from before the rule: checksummed addresses, no rpcUrl.
    const old = { ...d, registry: getAddress(d.registry), consentLedger: getAddress(d.consentLedger), checkpointLog: getAddress(d.checkpointLog), operator: getAddress(d.operator) };
    delete old.rpcUrl;
    expect(old.registry).to.not.equal(d.registry);
    writeFileSync(file, JSON.stringify(old, null, 2) + "\n");
    const second = await startTestServer({ dataDir: first.dataDir });
    try {
      expect(second.ctx.chain.deploy.action).to.equal("reused");
      d = JSON.parse(readFileSync(file, "utf8"));
      expect(d.rpcUrl).to.equal(second.ctx.chain.anvil!.url);
      expect(d.registry).to.equal(old.registry.toLowerCase());
      for (const k of ["registry", "consentLedger", "checkpointLog", "operator"]) expect(d[k], k).to.match(lowerAddress);
      expect(second.ctx.chain.deployment.consentLedger).to.equal(d.consentLedger);
      // The consent domain is still the one residents sign under (EIP-712 addresses are case-blind).
      const domain = await second.api().get("/v1/consents/domain");
      expect(domain.verifyingContract).to.equal(d.consentLedger);
      expect(domain.researchGrantee).to.match(lowerAddress);
    } finally {
      await second.stop();
    }
  });
});
