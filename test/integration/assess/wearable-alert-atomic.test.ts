// Issue 22 part 8: a wearable warning and its alert commit together. A failure between them (here: the alerts table
// refuses the insert, standing in for a crash at that point) leaves neither, so the next upload of the same days
// raises the warning and its alert — before, the warning was kept, its dedupe stopped every retry, and the alert was
// lost for good.
import { expect } from "chai";
import { startTestServer, accreditCounselor, type TestServer } from "../../helpers/server.js";
import { Purpose } from "../../../src/consent/index.js";
import { grant, newResident, withNonceRetry } from "../matching/helpers.js";
import { ApiError } from "../../../src/client/index.js";

describe("wearable warning and its alert commit together (real server)", function () {
  this.timeout(120_000);
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => srv?.stop());

  it("keeps no warning when its alert cannot be written, and alerts on the retry", async () => {
    const monitor = await withNonceRetry(srv, () => accreditCounselor(srv));
    const rel = await (await newResident()).rel(monitor.wallet.address);
    await grant(srv, rel, monitor.wallet.address, Purpose.MONITORING, ["wearable_summary"]);
    const api = await srv.api().login(rel.wallet);
    const days = Array.from({ length: 10 }, (_, i) => {
      const date = `2025-04-${String(i + 1).padStart(2, "0")}`;
      return i < 7 ? { date, index: null, status: "insufficient_baseline" } : { date, index: 80 + i, status: "ok" };
    });
    const count = async (t: string) => Number((await srv.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t} WHERE subject = $1`, [rel.address]))[0].n);

    await srv.ctx.db.query("ALTER TABLE alerts ADD CONSTRAINT probe_no_wearable_alerts CHECK (kind <> 'wearable_warning') NOT VALID");
    try {
      const err = await api.post("/v1/wearable/index", { subjectRef: rel.address, days }).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(ApiError);
      expect(await count("wearable_warnings"), "a warning without its alert").to.equal(0);
      expect(await count("alerts")).to.equal(0);
    } finally {
      await srv.ctx.db.query("ALTER TABLE alerts DROP CONSTRAINT probe_no_wearable_alerts");
    }

    const up = await api.post("/v1/wearable/index", { subjectRef: rel.address, days });
    expect(up.newWarnings).to.have.length(1);
    expect(up.newWarnings[0]).to.deep.include({ from: "2025-04-08", notified: 1 });
    expect(await count("wearable_warnings")).to.equal(1);
    const mapi = await srv.api().login(monitor.wallet);
    expect((await mapi.get("/v1/alerts")).alerts.map((a: { kind: string }) => a.kind)).to.deep.equal(["wearable_warning"]);
    // The same days again: no second warning, no second alert.
    expect((await api.post("/v1/wearable/index", { subjectRef: rel.address, days })).newWarnings).to.have.length(0);
    expect(await count("alerts")).to.equal(1);
  });
});
