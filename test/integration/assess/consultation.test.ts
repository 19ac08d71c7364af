// Consultation signaling on the real server: only the two parties of a live booking, only in its window, at a
// bounded rate, bad input refused as problem+json with nothing stored; long polls wake on the peer's message; TURN
// credentials are per-session HMACs of the shared secret (coturn use-auth-secret); signals go with the booking.
import { expect } from "chai";
import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startTestServer, accreditCounselor, type TestServer } from "../../helpers/server.js";
import { Purpose } from "../../../src/consent/index.js";
import { sealJson, walletSigner } from "../../../src/crypto/index.js";
import { ConfigError, loadConfig } from "../../../src/config.js";
import type { ApiClient } from "../../../src/client/index.js";
import { grant, newResident, problem, revoke, withNonceRetry } from "../matching/helpers.js";

const SECRET = "turn-shared-secret-0123456789abcdef";

describe("consultation: signaling between the two parties of a booking (real server)", function () {
  this.timeout(180_000);
  let srv: TestServer;
  let rapi: ApiClient;
  let capi: ApiClient;
  let other: ApiClient;
  let otherCounselor: ApiClient;
  let live: string;
  let later: string;
  let rel: Awaited<ReturnType<Awaited<ReturnType<typeof newResident>>["rel"]>>;
  let grantId: string;

  before(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "anxin-turn-"));
    writeFileSync(path.join(dir, "turn.secret"), SECRET + "\n");
    srv = await startTestServer({
      pg: true,
      config: {
        consultationSignalsPerMinute: 12,
        turnSecretFile: path.join(dir, "turn.secret"),
        iceServers: [{ urls: ["stun:stun.example.org:3478"] }, { urls: ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"] }],
      },
    });
    const c = await withNonceRetry(srv, () => accreditCounselor(srv));
    const c2 = await withNonceRetry(srv, () => accreditCounselor(srv));
    const resident = await newResident();
    rel = await resident.rel(c.wallet.address);
    grantId = await grant(srv, rel, c.wallet.address, Purpose.TREATMENT, ["assessment", "consultation_note"]);
    capi = await srv.api().login(c.wallet);
    otherCounselor = await srv.api().login(c2.wallet);
    rapi = await srv.api().login(rel.wallet);
    other = await srv.api().login((await (await newResident()).rel(c.wallet.address)).wallet);
    const at = (min: number) => new Date(Date.now() + min * 60_000).toISOString();
    const { slots } = await capi.put("/v1/counselors/me/slots", { slots: [{ start: at(2), end: at(52) }, { start: at(24 * 60), end: at(24 * 60 + 50) }] });
    const sealed = async (slotId: string) =>
      sealJson({
        kind: "care_plan", schema: "anxin.booking.v1", subjectRef: rel.address, body: { slotId, modality: "video" },
        recipients: [{ address: rel.address, x25519PublicKey: rel.x25519.publicKey }, { address: c.keys.address, x25519PublicKey: c.keys.x25519.publicKey }],
        signer: walletSigner(rel.wallet),
      });
    live = (await rapi.post("/v1/bookings", { slotId: slots[0].slotId, sealedDetails: await sealed(slots[0].slotId) })).bookingId;
    later = (await rapi.post("/v1/bookings", { slotId: slots[1].slotId, sealedDetails: await sealed(slots[1].slotId) })).bookingId;
  });
  after(async () => srv?.stop());

  const count = async () => Number((await srv.ctx.db.query<{ n: string }>("SELECT count(*) AS n FROM consultation_signals"))[0]!.n);

  it("answers the two parties with the window, the peer and ICE servers with per-session TURN credentials", async () => {
    const r = await rapi.get(`/v1/consultations/${live}`);
    expect(r).to.include({ side: "resident", peer: capi.address, open: true, iceTransportPolicy: "all" });
    expect(Date.parse(r.opensAt)).to.equal(Date.parse(r.start) - 10 * 60_000);
    expect(Date.parse(r.closesAt)).to.equal(Date.parse(r.end) + 30 * 60_000);
    expect(r.iceServers[0]).to.deep.equal({ urls: ["stun:stun.example.org:3478"] });
    const turn = r.iceServers[1];
    const [expiry, nonce] = turn.username.split(":");
    expect(Number(expiry)).to.equal(Math.ceil(Date.parse(r.closesAt) / 1000));
    expect(nonce).to.match(/^[0-9a-f]{16}$/);
    expect(turn.username).to.not.include(rel.address.slice(2, 10)); // no address in the TURN user name
    expect(turn.credential).to.equal(createHmac("sha1", SECRET).update(turn.username).digest("base64"));
    expect((await capi.get(`/v1/consultations/${live}`))).to.include({ side: "counselor", peer: rel.address, open: true });
  });

  it("is nobody else's: another resident and another counselor get 404, staff-less callers their role refusal", async () => {
    for (const api of [other, otherCounselor]) {
      expect((await problem(api.get(`/v1/consultations/${live}`))).status).to.equal(404);
      expect((await problem(api.post(`/v1/consultations/${live}/signals`, { kind: "hello" }))).status).to.equal(404);
      expect((await problem(api.get(`/v1/consultations/${live}/signals?wait=0`))).status).to.equal(404);
    }
    expect((await srv.api().raw("GET", `/v1/consultations/${live}`)).status).to.equal(401);
    expect(await count()).to.equal(0);
  });

  it("opens only around the booked time: a booking tomorrow is shown but refuses signals (409 not_open_yet)", async () => {
    const r = await rapi.get(`/v1/consultations/${later}`);
    expect(r).to.include({ open: false, lastSeq: 0 });
    expect(r.iceServers).to.deep.equal([]); // no TURN credentials before the window
    const e = await problem(rapi.post(`/v1/consultations/${later}/signals`, { kind: "hello" }));
    expect(e.status).to.equal(409);
    expect(e.problem.code).to.equal("not_open_yet");
    expect(await count()).to.equal(0);
  });

  it("refuses malformed signals as problem+json with field errors, storing nothing", async () => {
    for (const body of [{ kind: "offer", callId: "x", sdp: "short", proof: { at: 1, sig: "0x1" }, video: true }, { kind: "shout" }, { kind: "candidate", callId: "a".repeat(32), candidate: { candidate: "c".repeat(2000), sdpMid: null, sdpMLineIndex: 0 } }]) {
      const res = await rapi.raw("POST", `/v1/consultations/${live}/signals`, body);
      expect(res.status).to.equal(400);
      expect(res.headers.get("content-type")).to.match(/application\/problem\+json/);
      const p = await res.json();
      expect(p.errors.length).to.be.greaterThan(0);
    }
    expect((await rapi.raw("GET", `/v1/consultations/not-hex/signals`)).status).to.equal(400);
    expect(await count()).to.equal(0);
  });

  it("relays each side's signals to the other only, waking a waiting long poll at once", async () => {
    const t0 = Date.now();
    const waiting = capi.get(`/v1/consultations/${live}/signals?after=0&wait=20`);
    await new Promise((r) => setTimeout(r, 300));
    const { seq } = await rapi.post(`/v1/consultations/${live}/signals`, { kind: "hello" });
    const got = await waiting;
    expect(Date.now() - t0).to.be.lessThan(5000);
    expect(got.signals.map((s: any) => [s.seq, s.from, s.kind])).to.deep.equal([[seq, "resident", "hello"]]);
    // The sender does not get its own message back.
    expect((await rapi.get(`/v1/consultations/${live}/signals?after=0&wait=0`)).signals).to.deep.equal([]);
    const cand = { kind: "candidate", callId: "ab".repeat(16), candidate: { candidate: "candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host", sdpMid: "0", sdpMLineIndex: 0 } };
    await capi.post(`/v1/consultations/${live}/signals`, cand);
    const back = await rapi.get(`/v1/consultations/${live}/signals?after=0&wait=0`);
    expect(back.signals.map((s: any) => s.data)).to.deep.equal([{ callId: cand.callId, candidate: cand.candidate }]);
    expect((await rapi.get(`/v1/consultations/${live}`)).lastSeq).to.equal(back.signals[0].seq);
  });

  it("limits each side's rate (429 signal_rate with Retry-After), the other side unaffected", async () => {
    let refused: Response | undefined;
    for (let i = 0; i < 20 && !refused; i++) {
      const res = await rapi.raw("POST", `/v1/consultations/${live}/signals`, { kind: "hello" });
      if (res.status === 429) refused = res;
      else expect(res.status).to.equal(202);
    }
    expect(refused, "the 13th signal in a minute is refused").to.not.equal(undefined);
    expect(refused!.headers.get("retry-after")).to.equal("10");
    expect((await refused!.json()).code).to.equal("signal_rate");
    const sent = Number((await srv.ctx.db.query<{ n: string }>("SELECT count(*) AS n FROM consultation_signals WHERE sender = 'resident'"))[0]!.n);
    expect(sent).to.equal(12);
    expect((await capi.raw("POST", `/v1/consultations/${live}/signals`, { kind: "hello" })).status).to.equal(202);
  });

  it("ends with the consent: a withdrawn TREATMENT consent cancels the booking and its signals go", async () => {
    await revoke(srv, rel, grantId);
    const deadline = Date.now() + 15_000;
    let res = await rapi.raw("GET", `/v1/consultations/${live}`);
    while (res.status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      res = await rapi.raw("GET", `/v1/consultations/${live}`);
    }
    expect([403, 409]).to.include(res.status);
    expect(["no_consent", "booking_cancelled"]).to.include((await res.json()).code);
    const e = await problem(capi.post(`/v1/consultations/${live}/signals`, { kind: "hello" }));
    expect([403, 409]).to.include(e.status);
    await srv.ctx.db.query("DELETE FROM bookings WHERE booking_id = $1", [live]);
    expect(await count()).to.equal(0); // ON DELETE CASCADE: erasure of her bookings takes the signals with them
  });
});

describe("config: STUN/TURN for consultations", () => {
  it("refuses a TURN server without credentials or secret, and relay-only without TURN, naming the variable", () => {
    expect(() => loadConfig({ ANXIN_ICE_SERVERS: JSON.stringify([{ urls: "turn:turn.example.org" }]) })).to.throw(ConfigError, /ANXIN_ICE_SERVERS: server 1: a turn: URL needs username and credential/);
    expect(() => loadConfig({ ANXIN_ICE_SERVERS: JSON.stringify([{ urls: "http://x" }]) })).to.throw(ConfigError, /ANXIN_ICE_SERVERS/);
    expect(() => loadConfig({ ANXIN_ICE_TRANSPORT_POLICY: "relay" })).to.throw(ConfigError, /ANXIN_ICE_TRANSPORT_POLICY: relay needs at least one turn: server/);
    expect(() => loadConfig({ ANXIN_TURN_SECRET_FILE: "/nonexistent/turn.secret" })).to.throw(ConfigError, /ANXIN_TURN_SECRET_FILE: cannot read/);
    const ok = loadConfig({ ANXIN_ICE_SERVERS: JSON.stringify([{ urls: "stun:stun.example.org:3478" }, { urls: ["turns:turn.example.org:5349"], username: "u", credential: "p" }]), ANXIN_ICE_TRANSPORT_POLICY: "relay" });
    expect(ok.iceServers.map((s) => s.urls)).to.deep.equal([["stun:stun.example.org:3478"], ["turns:turn.example.org:5349"]]);
    expect(loadConfig({}).iceServers).to.deep.equal([]);
  });
});
