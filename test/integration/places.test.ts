// GET /v1/places serves the configured city's districts and streets by name; the matching routes accept that
// city's places only; statistics are by its districts. 抚顺 210400, with one zone and a configured local line.
import { expect } from "chai";
import { Wallet } from "ethers";
import { startTestServer, accreditCounselor, appointAuditor, type TestServer } from "../helpers/server.js";
import { withNonceRetry } from "./matching/helpers.js";
import type { ApiError } from "../../src/client/index.js";

describe("places of the configured city (ANXIN_CITY=210400)", function () {
  this.timeout(180_000);
  let srv: TestServer;
  const line = { id: "fs-line", name: { zh: "测试热线", en: "Test line" }, number: "024-00000000", source: "test fixture, not a real number" };

  before(async () => {
    srv = await startTestServer({ config: { city: "210400", zones: [{ key: "east", name: "城东", districts: ["210403", "210411"] }], localHotlines: [line] } });
  });
  after(async () => srv?.stop());

  it("lists 抚顺's districts/counties with their streets, its zones and local lines (public)", async () => {
    const list = await srv.api().get("/v1/places");
    expect(list.city).to.deep.equal({ code: "210400", name: "抚顺市" });
    expect(list.province).to.deep.equal({ code: "210000", name: "辽宁省" });
    expect(list.districts.map((d: { name: string }) => d.name)).to.include.members(["新抚区", "抚顺县", "新宾满族自治县"]);
    const xinbin = list.districts.find((d: { code: string }) => d.code === "210422");
    expect(xinbin.streets.length).to.be.greaterThan(5);
    for (const s of xinbin.streets) expect(s.code).to.match(/^210422\d{3}$/);
    expect(list.zones).to.deep.equal([{ code: "210400.z.east", name: "城东", districts: ["210403", "210411"] }]);
    expect(list.localHotlines).to.deep.equal([line]);
    expect(list.edition).to.equal("2023");
  });

  it("a counselor profile may name this city's districts and zones, not another city's", async () => {
    const { wallet } = await withNonceRetry(srv, () => accreditCounselor(srv));
    const api = await srv.api().login(wallet);
    const profile = { specialties: ["grief"], languages: ["mandarin"], modalities: ["in_person"], capacity: 1, availability: ["mon_am"], gender: "female" };
    const ok = await api.put("/v1/counselors/me/profile", { ...profile, districts: ["210422", "210400.z.east"] });
    expect(ok.districts).to.deep.equal(["210422", "210400.z.east"]);
    const bad = (await api.put("/v1/counselors/me/profile", { ...profile, districts: ["310104"] }).catch((e) => e)) as ApiError;
    expect(bad.status).to.equal(422);
    expect(bad.problem.detail).to.include("310104").and.include("抚顺市");
    const street = (await api.put("/v1/counselors/me/profile", { ...profile, districts: ["210422101"] }).catch((e) => e)) as ApiError;
    expect(street.status).to.equal(400); // a street is never a service area
  });

  it("statistics are released over this city's cells", async () => {
    const auditor = Wallet.createRandom();
    await withNonceRetry(srv, () => appointAuditor(srv, auditor));
    await srv.ctx.indexer.sync();
    const api = await srv.api().login(auditor);
    const d = await api.post("/v1/stats/community", { month: "2026-01", epsilon: 0.1 });
    expect(Object.keys(d.counts)).to.have.length(7 * 12);
    expect(Object.keys(d.counts)).to.include("210422|grief");
    const z = await api.post("/v1/stats/community", { month: "2026-01", epsilon: 0.1, level: "zone" });
    expect(new Set(Object.keys(z.counts).map((k) => k.split("|")[0]))).to.deep.equal(new Set(["210400.z.east", "210400"]));
  });
});
