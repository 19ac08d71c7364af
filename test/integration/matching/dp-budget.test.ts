// The privacy budget comes from the configuration (ANXIN_DP_MONTHLY_EPSILON, validated in src/config.ts) and
// refuses a release once spent. With the old import-time Number("x") a bad value became NaN, and a NaN budget
// never refused; test/unit/config.test.ts shows a bad value now stops start-up.
import { expect } from "chai";
import { appointAuditor, startTestServer, type TestServer } from "../../helpers/server.js";
import { loadConfig } from "../../../src/config.js";
import { problem, withNonceRetry } from "./helpers.js";

describe("DP community statistics: the configured monthly budget", function () {
  this.timeout(120_000);
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ config: { dpMonthlyEpsilon: loadConfig({ ANXIN_DP_MONTHLY_EPSILON: "0.5" }).dpMonthlyEpsilon } });
  });
  after(async () => srv?.stop());

  it("charges releases against ANXIN_DP_MONTHLY_EPSILON and refuses one that would overspend it", async () => {
    const auditor = await withNonceRetry(srv, () => appointAuditor(srv));
    const api = await srv.api().login(auditor);
    const month = new Date().toISOString().slice(0, 7);
    const first = await api.post("/v1/stats/community", { month, epsilon: 0.375 });
    expect(first.budget).to.deep.include({ total: 0.5, spent: 0.375, remaining: 0.125 });
    const refused = await problem(api.post("/v1/stats/community", { month, epsilon: 0.25 }));
    expect(refused.status).to.equal(409);
    expect(refused.problem.detail).to.match(/budget/);
    const last = await api.post("/v1/stats/community", { month, epsilon: 0.125 });
    expect(last.budget).to.deep.include({ total: 0.5, spent: 0.5, remaining: 0 });
    expect((await problem(api.post("/v1/stats/community", { month, epsilon: 0.001 }))).status).to.equal(409);
    const pub = await srv.api().get(`/v1/stats/community?month=${month}`);
    expect(pub.releases).to.have.length(2);
    expect(pub.budget).to.deep.include({ total: 0.5, spent: 0.5, remaining: 0 });
  });
});
