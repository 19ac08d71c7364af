// Gas budgets from the issue, checked on every test run (gas is deterministic: fixed keys, RFC 6979 signatures).
import { expect } from "chai";
import { measureGas } from "../../scripts/bench/gas.js";

describe("Gas budgets", () => {
  it("stay within the issue's budgets", async () => {
    const g = await measureGas();
    expect(g.grantBySig).to.be.at.most(60_000);
    expect(g.revokeBySig).to.be.at.most(35_000);
    expect(g.grantBatchBySigPerGrant).to.be.at.most(35_000);
    expect(g.submitCheckpoint1M).to.be.at.most(50_000);
    expect(g.checkpointPerRecord).to.be.at.most(50);
  });
});
