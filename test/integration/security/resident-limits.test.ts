// Issue 22 part 5, limits where they belong, on a real server: alerts one resident's address sends one counselor per
// day are capped (429 with Retry-After once nobody is left to alert), the alert view pages by cursor instead of
// cutting at the newest 500, live bookings per resident are capped, and GETs that write a log leaf (a refused record
// read, a key release) are limited per address.
import { expect } from "chai";
import { startTestServer, accreditCounselor, type TestServer } from "../../helpers/server.js";
import { Purpose } from "../../../src/consent/index.js";
import { sealJson, walletSigner } from "../../../src/crypto/index.js";
import type { ApiClient } from "../../../src/client/index.js";
import { grant, newResident, problem, withNonceRetry } from "../matching/helpers.js";
import { counselorWrites, publishKey } from "../vault/helpers.js";

describe("security: per-resident limits (alerts per counselor per day, paging, bookings, leaf-writing reads)", function () {
  this.timeout(180_000);
  let srv: TestServer;
  let counselor: Awaited<ReturnType<typeof accreditCounselor>>;
  let capi: ApiClient;

  before(async () => {
    srv = await startTestServer({ config: { alertsPerCounselorPerDay: 3, bookingsPerResident: 2, loggedReadRateLimitPerMinute: 8 } });
    counselor = await withNonceRetry(srv, () => accreditCounselor(srv));
    capi = await srv.api().login(counselor.wallet);
  });
  after(async () => srv?.stop());

  async function consentingResident() {
    const rel = await (await newResident()).rel(counselor.wallet.address);
    const grantId = await grant(srv, rel, counselor.wallet.address, Purpose.TREATMENT, ["assessment", "consultation_note", "care_plan"]);
    return { rel, grantId, api: await srv.api().login(rel.wallet) };
  }
  const crisis = (api: ApiClient, subjectRef: string) => api.post("/v1/alerts", { kind: "crisis", level: "high", subjectRef });

  it("alerts a counselor at most N times a day from one resident; other residents still reach them", async () => {
    const a = await consentingResident();
    for (let i = 0; i < 3; i++) expect((await crisis(a.api, a.rel.address)).notified).to.equal(1);
    // Each crisis alert is one row to her counselor plus its ladder rung (here the crisis line: nobody is on call).
    const stored = async () =>
      (await srv.ctx.db.query<{ alerts: number; rows: number; toCounselor: number }>(
        `SELECT count(DISTINCT alert_id)::int AS alerts, count(*)::int AS rows, count(*) FILTER (WHERE recipient = $2)::int AS "toCounselor" FROM alerts WHERE subject = $1`,
        [a.rel.address, counselor.wallet.address.toLowerCase()],
      ))[0];
    const before = await stored();
    expect(before).to.deep.include({ alerts: 3, toCounselor: 3 });
    const res = await a.api.raw("POST", "/v1/alerts", { kind: "crisis", level: "high", subjectRef: a.rel.address });
    expect(res.status).to.equal(429);
    expect((await res.json()).code).to.equal("alert_quota");
    expect(Number(res.headers.get("retry-after"))).to.be.within(1, 86_400);
    expect(await stored()).to.deep.equal(before); // the refused alert wrote nothing, on no rung
    const b = await consentingResident();
    expect((await crisis(b.api, b.rel.address)).notified).to.equal(1);
  });

  it("pages the counselor's and the resident's alert views by cursor, newest first, with nothing lost or repeated", async () => {
    const c = await consentingResident();
    for (let i = 0; i < 2; i++) await crisis(c.api, c.rel.address);
    const all = (await capi.get("/v1/alerts?limit=500")).alerts.map((x: { alertId: string }) => x.alertId);
    expect(all).to.have.length(6); // 3 + 1 + 2
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page: { alerts: Array<{ alertId: string; createdAt: string }>; next: string | null } = await capi.get(`/v1/alerts?limit=4${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.alerts.length).to.be.at.most(4);
      seen.push(...page.alerts.map((x) => x.alertId));
      cursor = page.next;
      if (!cursor) break;
    }
    expect(seen).to.deep.equal(all);
    const mine = await c.api.get("/v1/alerts?limit=1");
    expect(mine.alerts).to.have.length(1);
    expect(mine.next).to.be.a("string");
    const rest = await c.api.get(`/v1/alerts?limit=1&cursor=${mine.next}`);
    expect(rest.alerts).to.have.length(1);
    expect(rest.alerts[0].alertId).to.not.equal(mine.alerts[0].alertId);
    expect((await problem(capi.get("/v1/alerts?cursor=bm90LWEtY3Vyc29y"))).status).to.equal(400);
    expect((await problem(capi.get("/v1/alerts?limit=501"))).status).to.equal(400);
  });

  it("caps live bookings per resident; a cancelled one frees a place", async () => {
    const r = await consentingResident();
    const at = (h: number) => new Date(Date.now() + (48 + h) * 3600_000).toISOString();
    const { slots } = await capi.put("/v1/counselors/me/slots", { slots: [0, 2, 4].map((h) => ({ start: at(h), end: at(h + 1) })) });
    const sealed = () =>
      sealJson({
        kind: "care_plan", schema: "anxin.booking.v1", subjectRef: r.rel.address, body: { note: "visit" } as never,
        recipients: [{ address: r.rel.address, x25519PublicKey: r.rel.x25519.publicKey }, { address: counselor.keys.address, x25519PublicKey: counselor.keys.x25519.publicKey }],
        signer: walletSigner(r.rel.wallet),
      });
    const b1 = await r.api.post("/v1/bookings", { slotId: slots[0].slotId, sealedDetails: await sealed() });
    await r.api.post("/v1/bookings", { slotId: slots[1].slotId, sealedDetails: await sealed() });
    const p = await problem(r.api.post("/v1/bookings", { slotId: slots[2].slotId, sealedDetails: await sealed() }));
    expect(p.status).to.equal(429);
    expect(p.problem.code).to.equal("booking_quota");
    expect((await capi.get(`/v1/counselors/${counselor.wallet.address.toLowerCase()}/slots`)).slots.filter((s: { taken: boolean }) => s.taken)).to.have.length(2);
    await r.api.delete(`/v1/bookings/${b1.bookingId}`);
    expect((await r.api.post("/v1/bookings", { slotId: slots[2].slotId, sealedDetails: await sealed() })).status).to.equal("booked");
  });

  it("limits GETs that write a log leaf per address: refused record reads and key releases", async () => {
    const r = await consentingResident();
    await publishKey(r.api, r.rel);
    const note = (await counselorWrites(capi, counselor.wallet, r.rel.address, r.grantId, { minutes: 5 })).reply;
    const stranger = await srv.api().login((await (await newResident()).rel(counselor.wallet.address)).wallet);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await stranger.raw("GET", `/v1/records/${note.recordId}`)).status);
    expect(statuses.slice(0, 8)).to.deep.equal(Array(8).fill(403));
    expect(statuses.slice(8)).to.deep.equal([429, 429]);
    // Another address keeps its own allowance.
    expect((await capi.raw("GET", `/v1/records/${note.recordId}/versions/${note.contentHash}/key`)).status).to.equal(200);
  });

  // Last: it puts a counselor on call, which would route the other tests' crisis alerts to them too.
  it("the crisis ladder passes by an on-call counselor this resident already alerted N times today; the crisis line still answers", async () => {
    const onCall = await withNonceRetry(srv, () => accreditCounselor(srv));
    const oapi = await srv.api().login(onCall.wallet);
    await oapi.put("/v1/counselors/me/profile", { specialties: ["depression"], languages: ["mandarin"], modalities: ["in_person"], districts: ["310104"], capacity: 3, availability: ["mon_am"], gender: "female" });
    const allWeek = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((day) => ({ day, from: "00:00", to: "00:00" }));
    expect((await oapi.put("/v1/counselors/me/on-call", { hours: allWeek })).onCallNow).to.equal(true);
    // No grant to anyone: nothing of hers caps the care rung, only the ladder's own count can stop a flood.
    const { api: rapi } = await (await newResident()).as(srv, "vault");
    const raise = () => rapi.post("/v1/alerts", { kind: "crisis", level: "high", subjectRef: rapi.address, area: "310104" });
    for (let i = 0; i < 3; i++) expect((await raise()).routed).to.deep.include({ tier: "on_call", counselors: 1 });
    const fourth = await raise();
    expect(fourth.routed).to.deep.include({ tier: "crisis_line", counselors: 0 });
    expect(fourth.notified).to.equal(0);
    const toOnCall = (await oapi.get("/v1/alerts?limit=500")).alerts.filter((x: { subjectRef: string }) => x.subjectRef === rapi.address);
    expect(toOnCall).to.have.length(3);
    expect(toOnCall.every((x: { tier: string }) => x.tier === "on_call")).to.equal(true);
    // Another resident still reaches the on-call counselor.
    const { api: oth } = await (await newResident()).as(srv, "vault");
    expect((await oth.post("/v1/alerts", { kind: "crisis", level: "high", subjectRef: oth.address, area: "310104" })).routed).to.deep.include({ tier: "on_call", counselors: 1 });
  });
});
