// Crisis escalation on a real server and chain: a crisis answer reaches the on-duty counselor for her area at
// once, climbs the ladder while nobody acknowledges (a 2-second rung here; 10 minutes by default), goes to the
// community's fallback when nobody is on call, and ends at the crisis line; a callback number is sealed only to
// a told counselor. Every step is a log leaf.
import { expect } from "chai";
import { Wallet } from "ethers";
import { startTestServer, accreditCounselor, type TestServer } from "../../helpers/server.js";
import { sealCallback, openCallback } from "../../../src/crypto/callback.js";
import { readLeaves, logSize } from "../../../src/store/log-repo.js";
import { grant, newResident, problem, withNonceRetry, type Resident } from "../matching/helpers.js";
import { Purpose } from "../../../src/consent/index.js";
import type { ApiClient } from "../../../src/client/index.js";

const ALL_WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((day) => ({ day, from: "00:00", to: "00:00" }));
const RUNG_S = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("crisis escalation: on-call routing, the ladder, the fallback, the callback (real server)", function () {
  this.timeout(180_000);
  let srv: TestServer;
  const fallbackWallet = Wallet.createRandom();
  let a: ApiClient, b: ApiClient, fb: ApiClient;
  let aKeys: Awaited<ReturnType<typeof accreditCounselor>>["keys"];
  let resident: Resident;

  before(async () => {
    srv = await startTestServer({ config: { crisisEscalateSeconds: RUNG_S, crisisFallbackCounselors: [fallbackWallet.address.toLowerCase()], crisisLine: "021-12320-5" } });
    const ca = await withNonceRetry(srv, () => accreditCounselor(srv));
    const cb = await withNonceRetry(srv, () => accreditCounselor(srv));
    const cf = await withNonceRetry(srv, () => accreditCounselor(srv, fallbackWallet));
    aKeys = ca.keys;
    [a, b, fb] = await Promise.all([ca, cb, cf].map((c) => srv.api().login(c.wallet)));
    // The two on-call counselors, ordered by address as the ladder is: `a` is asked first.
    if (a.address! > b.address!) [a, b] = [b, a];
    if (ca.wallet.address.toLowerCase() !== a.address) aKeys = cb.keys;
    for (const c of [a, b]) {
      await c.put("/v1/counselors/me/profile", { specialties: ["depression"], languages: ["mandarin"], modalities: ["in_person"], districts: ["310104"], capacity: 3, availability: ["mon_am"], gender: "female" });
      const oc = await c.put("/v1/counselors/me/on-call", { hours: ALL_WEEK });
      expect(oc).to.deep.include({ timeZone: "Asia/Shanghai", onCallNow: true });
    }
    resident = await newResident();
  });
  after(async () => srv?.stop());

  async function residentApi() {
    return (await resident.as(srv, "vault")).api;
  }
  const alertOf = async (c: ApiClient, id: string) => ((await c.get("/v1/alerts")).alerts as Array<{ alertId: string; tier: string; ackedAt: string | null }>).find((x) => x.alertId === id);

  it("reaches the on-duty counselor for her area at once, then climbs: next on-call, fallback, crisis line", async () => {
    const r = await residentApi();
    const t0 = performance.now();
    const raised = await r.post("/v1/alerts", { kind: "crisis", level: "high", instrument: "phq9", subjectRef: r.address, lang: "zh", area: "310104" });
    const seen = await until("the on-call alert", () => alertOf(a, raised.alertId));
    const ms = performance.now() - t0;
    console.log(`      crisis answer → on-call counselor's alert: ${ms.toFixed(0)} ms`);
    expect(ms).to.be.below(5000);
    expect(seen.tier).to.equal("on_call");
    expect(raised.routed).to.deep.include({ tier: "on_call", counselors: 1 });
    expect(raised.routed.message).to.equal("值班咨询师已收到，会尽快联系您。");
    expect(await alertOf(b, raised.alertId)).to.equal(undefined);

    // Nobody acknowledges: after one rung the next on-call counselor, then the fallback, then the crisis line.
    expect((await until("rung 1", () => alertOf(b, raised.alertId))).tier).to.equal("on_call");
    expect((await until("rung 2", () => alertOf(fb, raised.alertId))).tier).to.equal("fallback");
    const trail = await until("the crisis line", async () => {
      const mine = ((await r.get("/v1/alerts")).alerts as any[]).find((x) => x.alertId === raised.alertId);
      return mine.told.some((t: any) => t.tier === "crisis_line") ? mine : undefined;
    });
    expect(trail.told.map((t: any) => [t.step, t.tier])).to.deep.equal([[0, "on_call"], [1, "on_call"], [2, "fallback"], [3, "crisis_line"]]);
    expect(trail.told[3].crisisLine).to.equal("021-12320-5");
    expect(trail.escalating).to.equal(false);
    const gaps = trail.told.slice(1).map((t: any, i: number) => Date.parse(t.at) - Date.parse(trail.told[i].at));
    for (const g of gaps) expect(g).to.be.at.least(RUNG_S * 1000 - 50);
    // The counselors see levels and the relationship address only: no answers, no identity.
    const row = (await a.get("/v1/alerts")).alerts.find((x: any) => x.alertId === raised.alertId);
    expect(Object.keys(row).sort()).to.deep.equal(["ackedAt", "alertId", "createdAt", "detail", "emergencyOffer", "instrument", "kind", "level", "message", "subjectRef", "tier"]);
    expect(row.detail).to.deep.equal({});

    // Every step is a leaf of the log (the audit's input), naming no subject.
    const leaves = (await readLeaves(srv.ctx.db, 0, await logSize(srv.ctx.db))).map((l) => JSON.parse(l.input)).filter((e) => e.id === `alert:${raised.alertId}`);
    expect(leaves.map((e) => e.action)).to.deep.equal(["alert.crisis", "alert.route", "alert.escalate", "alert.escalate", "alert.escalate"]);
    expect(JSON.stringify(leaves)).to.not.include(r.address);
  });

  it("stops climbing once a told counselor acknowledges", async () => {
    const r = await residentApi();
    const raised = await r.post("/v1/alerts", { kind: "crisis", level: "elevated", instrument: "phq9", subjectRef: r.address, area: "310104" });
    await until("the on-call alert", () => alertOf(a, raised.alertId));
    await a.post(`/v1/alerts/${raised.alertId}/ack`, {});
    await sleep(RUNG_S * 1000 * 2 + 500);
    expect(await alertOf(b, raised.alertId)).to.equal(undefined);
    const mine = ((await r.get("/v1/alerts")).alerts as any[]).find((x) => x.alertId === raised.alertId);
    expect(mine.acknowledged).to.equal(true);
    expect(mine.told).to.have.length(1);
    expect(mine.told[0].acknowledgedAt).to.be.a("string");
    expect(mine.nextStepAt).to.equal(null);
  });

  it("goes to the community's fallback counselors when nobody is on call for her area", async () => {
    const r = await residentApi();
    // 310101 (黄浦区): the on-call counselors serve only 310104 in person.
    const raised = await r.post("/v1/alerts", { kind: "crisis", level: "high", subjectRef: r.address, area: "310101", lang: "en" });
    expect(raised.routed.tier).to.equal("fallback");
    expect(raised.routed.message).to.match(/crisis counselors have received/);
    expect((await until("the fallback alert", () => alertOf(fb, raised.alertId))).tier).to.equal("fallback");
    expect(await alertOf(a, raised.alertId)).to.equal(undefined);
    await fb.post(`/v1/alerts/${raised.alertId}/ack`, {});
    // An area outside the city is refused and changes nothing.
    expect((await problem(r.post("/v1/alerts", { kind: "crisis", level: "high", subjectRef: r.address, area: "110101" }))).status).to.equal(422);
  });

  it("routes a counselor's risk mark the same way: her counselor, then the on-duty counselor", async () => {
    const mine = await withNonceRetry(srv, () => accreditCounselor(srv));
    const rel = await resident.rel(mine.wallet.address);
    await grant(srv, rel, mine.wallet.address, Purpose.TREATMENT);
    const m = await srv.api().login(mine.wallet);
    const raised = await m.post("/v1/alerts", { kind: "counselor_mark", level: "imminent", subjectRef: rel.address });
    expect(raised.routed).to.deep.include({ tier: "on_call", counselors: 1 });
    expect((await until("her counselor's row", () => alertOf(m, raised.alertId))).tier).to.equal("care");
    expect((await until("the on-call row", () => alertOf(a, raised.alertId))).tier).to.equal("on_call");
    await a.post(`/v1/alerts/${raised.alertId}/ack`, {});
  });

  it("shares a callback number sealed only to a told counselor, logged and expiring", async () => {
    const r = await residentApi();
    const raised = await r.post("/v1/alerts", { kind: "crisis", level: "high", subjectRef: r.address, area: "310104" });
    await until("the on-call alert", () => alertOf(a, raised.alertId));
    const sealedForA = await sealCallback("138 0013 8000", aKeys.x25519.publicKey);
    // Only counselors told of this alert: b was not (yet).
    expect((await problem(r.post(`/v1/alerts/${raised.alertId}/callback`, { sealed: { [b.address!]: sealedForA } }))).status).to.equal(403);
    const shared = await r.post(`/v1/alerts/${raised.alertId}/callback`, { sealed: { [a.address!]: sealedForA }, expiresInSeconds: 3600 });
    expect(shared.sharedWith).to.deep.equal([a.address]);
    const got = await a.get(`/v1/alerts/${raised.alertId}/callback`);
    expect(await openCallback(got.sealed, aKeys.x25519)).to.equal("138 0013 8000");
    expect((await problem(b.get(`/v1/alerts/${raised.alertId}/callback`))).status).to.equal(404);
    // Another resident cannot share into her alert.
    const other = await (await newResident()).as(srv, "vault");
    expect((await problem(other.api.post(`/v1/alerts/${raised.alertId}/callback`, { sealed: { [a.address!]: sealedForA } }))).status).to.equal(404);
    const leaves = (await readLeaves(srv.ctx.db, 0, await logSize(srv.ctx.db))).map((l) => JSON.parse(l.input)).filter((e) => e.id === `alert:${raised.alertId}`);
    expect(leaves.map((e) => e.action)).to.include.members(["alert.callback.share", "alert.callback.read"]);
    expect(JSON.stringify(leaves)).to.not.match(/138 ?0013 ?8000/);
    const trail = ((await r.get("/v1/alerts")).alerts as any[]).find((x) => x.alertId === raised.alertId);
    expect(trail.callbacks.map((c: any) => c.counselor)).to.deep.equal([a.address]);
    await a.post(`/v1/alerts/${raised.alertId}/ack`, {});
  });
});
