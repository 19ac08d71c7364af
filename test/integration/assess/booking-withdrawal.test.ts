// Withdrawing a TREATMENT consent cancels the future bookings it carried for both sides: the resident's booking
// and the counselor's list say cancelled (reason consent_withdrawn), the slot is free again, a leaf is logged. Her
// alerts leave that counselor's list too (she still sees her own).
import { expect } from "chai";
import { startTestServer, accreditCounselor, type TestServer } from "../../helpers/server.js";
import { Purpose } from "../../../src/consent/index.js";
import { openJson, sealJson, walletSigner } from "../../../src/crypto/index.js";
import { readLeaves, logSize } from "../../../src/store/log-repo.js";
import { grant, newResident, revoke, withNonceRetry } from "../matching/helpers.js";

describe("booking: a withdrawn consent cancels future bookings for both sides (real server)", function () {
  this.timeout(120_000);
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ config: { matchingSweepMs: 100 } });
  });
  after(async () => srv?.stop());

  it("cancels, frees the slot and tells the counselor why", async () => {
    const c = await withNonceRetry(srv, () => accreditCounselor(srv));
    const resident = await newResident();
    const rel = await resident.rel(c.wallet.address);
    const grantId = await grant(srv, rel, c.wallet.address, Purpose.TREATMENT, ["assessment", "care_plan"]);
    const capi = await srv.api().login(c.wallet);
    const t0 = Date.now() + 86400_000;
    const at = (h: number) => new Date(t0 + h * 3600_000).toISOString();
    const { slots } = await capi.put("/v1/counselors/me/slots", { slots: [{ start: at(0), end: at(1) }] });
    const rapi = await srv.api().login(rel.wallet);
    const sealed = await sealJson({
      kind: "care_plan",
      schema: "anxin.booking.v1",
      subjectRef: rel.address,
      body: { slotId: slots[0].slotId, modality: "phone" },
      recipients: [
        { address: rel.address, x25519PublicKey: rel.x25519.publicKey },
        { address: c.keys.address, x25519PublicKey: c.keys.x25519.publicKey },
      ],
      signer: walletSigner(rel.wallet),
    });
    const b = await rapi.post("/v1/bookings", { slotId: slots[0].slotId, sealedDetails: sealed });
    // Both sides open the sealed details from the list (the resident's page shows the way of meeting from them).
    const listed = (await rapi.get("/v1/bookings")).bookings[0].sealedDetails;
    expect(await openJson(listed, rel.address, rel.x25519)).to.deep.include({ modality: "phone" });
    expect(await openJson(listed, c.keys.address, c.keys.x25519)).to.deep.include({ modality: "phone" });
    // While the consent holds, the sweep leaves the booking alone.
    await new Promise((r) => setTimeout(r, 500));
    expect((await capi.get("/v1/bookings")).bookings[0]).to.deep.include({ bookingId: b.bookingId, status: "booked", cancelReason: null });

    await revoke(srv, rel, grantId);
    const deadline = Date.now() + 10_000;
    let seen: any;
    while (Date.now() < deadline) {
      seen = (await capi.get("/v1/bookings")).bookings.find((x: any) => x.bookingId === b.bookingId);
      if (seen.status === "cancelled") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen).to.deep.include({ status: "cancelled", cancelReason: "consent_withdrawn" });
    expect((await rapi.get("/v1/bookings")).bookings[0]).to.deep.include({ status: "cancelled", cancelReason: "consent_withdrawn" });
    expect((await capi.get(`/v1/counselors/${c.wallet.address.toLowerCase()}/slots`)).slots[0].taken).to.equal(false);
    const leaves = (await readLeaves(srv.ctx.db, 0, await logSize(srv.ctx.db))).map((l) => JSON.parse(l.input)).filter((e) => e.id === `booking:${b.bookingId}`);
    expect(leaves.map((e) => [e.action, e.decision])).to.deep.equal([["booking.create", "booked"], ["booking.cancel", "consent_withdrawn"]]);
  });

  it("her alerts leave the counselor's list once she withdraws; another resident's stay", async () => {
    const c = await withNonceRetry(srv, () => accreditCounselor(srv));
    const capi = await srv.api().login(c.wallet);
    const raise = async () => {
      const rel = await (await newResident()).rel(c.wallet.address);
      const grantId = await grant(srv, rel, c.wallet.address, Purpose.TREATMENT, ["assessment"]);
      const api = await srv.api().login(rel.wallet);
      const a = await api.post("/v1/alerts", { kind: "crisis", level: "high", instrument: "phq9", subjectRef: rel.address, lang: "zh" });
      return { rel, grantId, api, alertId: a.alertId as string };
    };
    const leaving = await raise();
    const staying = await raise();
    const mine = async () => new Set((await capi.get("/v1/alerts")).alerts.map((x: { alertId: string }) => x.alertId));
    expect([...(await mine())]).to.include.members([leaving.alertId, staying.alertId]);

    await revoke(srv, leaving.rel, leaving.grantId);
    const listed = await mine();
    expect(listed.has(leaving.alertId), "a withdrawn resident's alert is still listed to the counselor").to.equal(false);
    expect(listed.has(staying.alertId)).to.equal(true);
    // She still sees her own alert and that it reached someone.
    expect((await leaving.api.get("/v1/alerts")).alerts.map((x: { alertId: string }) => x.alertId)).to.include(leaving.alertId);
  });
});
