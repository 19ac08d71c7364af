// The assessment side on a real server: wearable index visible only under MONITORING (a warning alerts the
// counselor), booking with sealed details (the matcher sees counts only), and the crisis alert reaching the
// consented counselor within one second while the chain is stopped.
import { expect } from "chai";
import { Wallet } from "ethers";
import { startTestServer, accreditCounselor, registerMatcher, type TestServer } from "../../helpers/server.js";
import { Purpose } from "../../../src/consent/index.js";
import { score, decideCrisis } from "../../../src/assess/index.js";
import { sealJson, walletSigner, type RelationshipKeys } from "../../../src/crypto/index.js";
import type { ApiClient } from "../../../src/client/index.js";
import { grant, newResident, problem, withNonceRetry, type Resident } from "../matching/helpers.js";

describe("assessments: crisis path, wearable warning, booking (real server)", function () {
  this.timeout(120_000);
  let srv: TestServer;
  let treat: Awaited<ReturnType<typeof accreditCounselor>>;
  let monitor: Awaited<ReturnType<typeof accreditCounselor>>;
  let resident: Resident;
  let relT: RelationshipKeys;
  let relM: RelationshipKeys;

  before(async () => {
    srv = await startTestServer();
    treat = await withNonceRetry(srv, () => accreditCounselor(srv));
    monitor = await withNonceRetry(srv, () => accreditCounselor(srv));
    resident = await newResident();
    relT = await resident.rel(treat.wallet.address);
    relM = await resident.rel(monitor.wallet.address);
    await grant(srv, relT, treat.wallet.address, Purpose.TREATMENT);
    await grant(srv, relM, monitor.wallet.address, Purpose.MONITORING, ["wearable_summary"]);
  });
  after(async () => srv?.stop());

  it("shows the stress index only to the MONITORING counselor and alerts on a sustained warning", async () => {
    const api = await srv.api().login(relM.wallet);
    const days = Array.from({ length: 10 }, (_, i) => {
      const date = `2025-03-${String(i + 1).padStart(2, "0")}`;
      return i < 7 ? { date, index: null, status: "insufficient_baseline" } : { date, index: 75 + i, status: "ok" };
    });
    const up = await api.post("/v1/wearable/index", { subjectRef: relM.address, days });
    expect(up.newWarnings).to.have.length(1);
    expect(up.newWarnings[0]).to.deep.include({ from: "2025-03-08", to: "2025-03-10", days: 3, peak: 84, notified: 1 });
    // Uploading the same days again raises no second alert.
    expect((await api.post("/v1/wearable/index", { subjectRef: relM.address, days })).newWarnings).to.have.length(0);

    const mapi = await srv.api().login(monitor.wallet);
    const seen = await mapi.get(`/v1/wearable/index?subject=${relM.address}`);
    expect(seen.days.filter((d: { status: string }) => d.status === "ok").map((d: { index: number }) => d.index)).to.deep.equal([82, 83, 84]);
    expect(seen.warnings).to.have.length(1);
    expect(Object.keys(seen).sort()).to.deep.equal(["days", "notice", "subjectRef", "warnings"]);
    const alerts = (await mapi.get("/v1/alerts")).alerts;
    expect(alerts.map((a: { kind: string }) => a.kind)).to.deep.equal(["wearable_warning"]);
    expect(alerts[0].message.en).to.match(/not a diagnosis/);

    // A MONITORING grant whose scope does not cover wearable_summary opens nothing and hears of no warning.
    const narrow = await withNonceRetry(srv, () => accreditCounselor(srv));
    const relN = await resident.rel(narrow.wallet.address);
    await grant(srv, relN, narrow.wallet.address, Purpose.MONITORING, ["assessment"]);
    const napi = await srv.api().login(relN.wallet);
    const nUp = await napi.post("/v1/wearable/index", { subjectRef: relN.address, days });
    expect(nUp.newWarnings[0].notified).to.equal(0);
    const ncapi = await srv.api().login(narrow.wallet);
    expect((await problem(ncapi.get(`/v1/wearable/index?subject=${relN.address}`))).status).to.equal(403);
    expect((await ncapi.get("/v1/alerts")).alerts).to.have.length(0);

    // The TREATMENT counselor of another relationship, and an unrelated counselor, see nothing.
    const tapi = await srv.api().login(treat.wallet);
    expect((await problem(tapi.get(`/v1/wearable/index?subject=${relM.address}`))).status).to.equal(403);
    // A resident cannot upload for another address, nor invent a status/index mismatch.
    expect((await problem(api.post("/v1/wearable/index", { subjectRef: relT.address, days }))).status).to.equal(403);
    expect((await problem(api.post("/v1/wearable/index", { subjectRef: relM.address, days: [{ date: "2025-03-11", index: null, status: "ok" }] }))).status).to.equal(400);
  });

  it("books, reschedules and cancels a slot with sealed details; the matcher sees counts only", async () => {
    const capi = await srv.api().login(treat.wallet);
    const t0 = Date.now() + 86400_000;
    const at = (h: number) => new Date(t0 + h * 3600_000).toISOString();
    const { slots } = await capi.put("/v1/counselors/me/slots", { slots: [{ start: at(0), end: at(1) }, { start: at(2), end: at(3) }] });
    await capi.put("/v1/counselors/me/profile", { specialties: ["depression"], languages: ["mandarin"], modalities: ["video"], districts: [], capacity: 2, availability: ["mon_am"], gender: "female" });
    const rapi = await srv.api().login(relT.wallet);
    const seal = (note: string) =>
      sealJson({
        kind: "care_plan",
        schema: "anxin.booking.v1",
        subjectRef: relT.address,
        body: { note },
        recipients: [
          { address: relT.address, x25519PublicKey: relT.x25519.publicKey },
          { address: treat.keys.address, x25519PublicKey: treat.keys.x25519.publicKey },
        ],
        signer: walletSigner(relT.wallet),
      });
    const b = await rapi.post("/v1/bookings", { slotId: slots[0].slotId, sealedDetails: await seal("first visit, please call at the gate") });
    expect(b.status).to.equal("booked");
    // The slot is taken: nobody can book it twice; a resident without TREATMENT consent cannot book at all.
    expect((await problem(rapi.post("/v1/bookings", { slotId: slots[0].slotId, sealedDetails: await seal("again") }))).status).to.equal(409);
    const stranger = await (await newResident()).as(srv, treat.wallet.address);
    expect((await problem(stranger.api.post("/v1/bookings", { slotId: slots[1].slotId, sealedDetails: await seal("x") }))).status).to.equal(403);

    const matcher = await withNonceRetry(srv, () => registerMatcher(srv));
    const mapi = await srv.api().login(matcher);
    const view = (await mapi.get("/v1/match/counselors")).counselors.find((c: { counselorId: string }) => c.counselorId === treat.keys.address);
    expect(view.slots).to.deep.equal({ free: 1, taken: 1 });
    expect(JSON.stringify(await mapi.get("/v1/match/counselors"))).to.not.include(relT.address.slice(2));

    const moved = await rapi.put(`/v1/bookings/${b.bookingId}`, { slotId: slots[1].slotId, sealedDetails: await seal("moved") });
    expect(moved.slotId).to.equal(slots[1].slotId);
    const mine = (await capi.get("/v1/bookings")).bookings;
    expect(mine).to.have.length(1);
    expect(mine[0].sealedDetails.ciphertext).to.be.a("string");
    expect(JSON.stringify(mine)).to.not.include("moved");
    expect((await rapi.delete(`/v1/bookings/${b.bookingId}`)).status).to.equal("cancelled");
    const after = (await mapi.get("/v1/match/counselors")).counselors.find((c: { counselorId: string }) => c.counselorId === treat.keys.address);
    expect(after.slots).to.deep.equal({ free: 2, taken: 0 });
  });

  it("refuses a crisis alert about someone else and a risk mark without TREATMENT consent", async () => {
    const rapi = await srv.api().login(relT.wallet);
    expect((await problem(rapi.post("/v1/alerts", { kind: "crisis", level: "high", subjectRef: relM.address }))).status).to.equal(403);
    const mapi = await srv.api().login(monitor.wallet);
    expect((await problem(mapi.post("/v1/alerts", { kind: "counselor_mark", level: "high", subjectRef: relT.address }))).status).to.equal(403);
    expect((await problem(rapi.post("/v1/alerts", { kind: "crisis", level: "high", subjectRef: relT.address, answers: [1, 2, 3] }))).status).to.equal(400);
  });

  it("alerts the TREATMENT counselor within 1 s of a PHQ-9 item-9 flag while the chain is stopped", async () => {
    // The client scores: item 9 answered 2 → crisis "high"; only the level leaves the device.
    const r = score("phq9", [0, 1, 0, 0, 0, 0, 0, 0, 2]);
    const d = decideCrisis(r, "en");
    expect(d).to.deep.include({ alert: true, level: "high" });

    // Sign both parties in first (session roles are cached briefly), then stop the chain.
    const rapi: ApiClient = await srv.api().login(relT.wallet);
    const capi: ApiClient = await srv.api().login(treat.wallet);
    const mapi: ApiClient = await srv.api().login(monitor.wallet);
    const before = (await capi.get("/v1/alerts")).alerts.length;
    await srv.ctx.chain.anvil!.kill();
    expect(() => process.kill(srv.ctx.chain.anvil!.pid, 0), "anvil still running").to.throw();
    const down = await srv.ctx.chain.provider.send("eth_blockNumber", []).then(() => false, () => true);
    expect(down, "chain still answers").to.equal(true);

    const t0 = performance.now();
    const res = await rapi.post("/v1/alerts", { kind: "crisis", level: d.level, instrument: "phq9", subjectRef: relT.address, lang: "en" });
    let latency = Infinity;
    for (;;) {
      const list = (await capi.get("/v1/alerts")).alerts;
      if (list.some((a: { alertId: string }) => a.alertId === res.alertId)) {
        latency = performance.now() - t0;
        break;
      }
      if (performance.now() - t0 > 3000) break;
      await new Promise((x) => setTimeout(x, 10));
    }
    console.log(`      crisis alert visible to the counselor after ${latency.toFixed(1)} ms (chain stopped)`);
    expect(latency).to.be.below(1000);

    // The resident saw the hotlines in their language and the emergency offer; the counselor got a message
    // without answers or score.
    expect(res.hotlines.map((h: { number: string }) => h.number)).to.include.members(["110", "120", "12356"]);
    expect(res.hotlines[0].name).to.match(/^[A-Za-z]/);
    expect(res.emergency.offered).to.equal(true);
    expect(res.notified).to.equal(1);
    const got = (await capi.get("/v1/alerts")).alerts;
    expect(got.length).to.equal(before + 1);
    const a = got.find((x: { alertId: string }) => x.alertId === res.alertId);
    expect(a).to.deep.include({ kind: "crisis", level: "high", subjectRef: relT.address, instrument: "phq9", emergencyOffer: true });
    expect(JSON.stringify(a)).to.not.match(/answers|"total"|"raw"/);
    // The MONITORING counselor of the other relationship is not told about this address.
    expect((await mapi.get("/v1/alerts")).alerts.some((x: { alertId: string }) => x.alertId === res.alertId)).to.equal(false);

    // Logged for audit in the same transaction (anchored later).
    const [leaf] = await srv.ctx.db.query("SELECT 1 AS ok FROM log_leaves WHERE ref_id = $1", [`alert:${res.alertId}`]);
    expect(leaf?.ok).to.equal(1);
    // The resident's own view: who was told and when (her own counselor; nobody on call here, so the ladder's
    // first rung is the community crisis line). Counselors' addresses are public (accredited on chain); she
    // needs them to seal a callback number to exactly them.
    const mine = (await rapi.get("/v1/alerts")).alerts.find((x: { alertId: string }) => x.alertId === res.alertId);
    expect(mine).to.deep.include({ notified: 1, acknowledged: false });
    expect(mine.told.map((x: { tier: string; counselor?: string }) => [x.tier, x.counselor ?? null])).to.deep.equal([["care", treat.keys.address.toLowerCase()], ["crisis_line", null]]);
    const ack = await capi.post(`/v1/alerts/${res.alertId}/ack`, {});
    expect(ack.acknowledged).to.equal(true);
    expect((await problem(capi.post(`/v1/alerts/${res.alertId}/ack`, {}))).status).to.equal(409);
  });
});
