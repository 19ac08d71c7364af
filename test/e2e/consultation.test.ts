// The consultation itself, in two real Chromium pages with fake camera and microphone, on the real server and
// chain: the resident (390 px phone, restored from her 24 characters) books a video session and joins from her home
// screen, the counsellor joins from the booking; both RTCPeerConnections connect, media flows (inbound-rtp bytes and
// frames grow), chat messages arrive over the call and are stored as encrypted records (the counsellor opens them;
// a scan of every table finds no chat text). Then the server-side attack: an offer whose fingerprint was swapped and
// re-signed by a key other than the counsellor's is refused by her page, and no connection is made.
import { expect } from "chai";
import { Wallet } from "ethers";
import type { Browser, Page } from "playwright-core";
import { Purpose } from "../../src/consent/index.js";
import { counselorKeys, openJson, relationshipKeys, sealRelationships, vaultKeys, generateSeed } from "../../src/crypto/index.js";
import { seedToWords } from "../../src/crypto/seed-words.js";
import { publishSignedKey } from "../../src/client/index.js";
import { callStatement, sdpFingerprints } from "../../src/client/call-proof.js";
import { accreditCounselor, startTestServer, type TestServer } from "../helpers/server.js";
import { grant } from "../integration/matching/helpers.js";
import { expectNoAxeViolations, launch, loginAs, newPage, retryNonce, screenshot, staffSignIn } from "./browser.js";

const PHONE = { width: 390, height: 844 };
const PASS = "我的安心密码123";
const FAKE_MEDIA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"];
const SAID = "我这几天晚上睡不好 marker-7f3a";
const REPLIED = "谢谢您告诉我，我们慢慢说 marker-9c2e";

/** Counts every RTCPeerConnection the page makes (the browser's own API, observed; nothing of ours is replaced). */
const OBSERVE_PCS = () => {
  const w = window as unknown as { __pcs: RTCPeerConnection[]; RTCPeerConnection: typeof RTCPeerConnection };
  w.__pcs = [];
  const Native = w.RTCPeerConnection;
  w.RTCPeerConnection = class extends Native {
    constructor(cfg?: RTCConfiguration) {
      super(cfg);
      w.__pcs.push(this);
    }
  } as typeof RTCPeerConnection;
};

/** Records what 朗读 would say (the page's own reader, src/web/app/speech.ts, speaks through this). Plain script
 * text: tsx would wrap the functions of a TypeScript init script in a helper the page does not have. */
const RECORD_SPEECH = `(() => {
  window.__spoken = [];
  const synth = {
    speaking: false, pending: false, paused: false,
    speak: function (u) { window.__spoken.push(u.text); setTimeout(function () { if (u.onend) u.onend(new Event("end")); }, 0); },
    cancel: function () {}, pause: function () {}, resume: function () {},
    getVoices: function () { return []; }, addEventListener: function () {}, removeEventListener: function () {},
  };
  Object.defineProperty(window, "speechSynthesis", { get: function () { return synth; }, configurable: true });
})();`;

/** The newest connection's state and its inbound media counters (getStats). */
function callStats(page: Page) {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const pc = pcs[pcs.length - 1];
    if (!pc) return { count: 0, state: "none", bytes: 0, frames: 0, audioPackets: 0 };
    let bytes = 0, frames = 0, audioPackets = 0;
    (await pc.getStats()).forEach((r: Record<string, unknown>) => {
      if (r.type !== "inbound-rtp") return;
      bytes += Number(r.bytesReceived ?? 0);
      if (r.kind === "video") frames += Number(r.framesDecoded ?? 0);
      if (r.kind === "audio") audioPackets += Number(r.packetsReceived ?? 0);
    });
    return { count: pcs.length, state: pc.connectionState, bytes, frames, audioPackets };
  });
}

describe("web: consultation (two browsers, fake camera and microphone)", function () {
  this.timeout(240_000);
  let srv: TestServer;
  let browser: Browser;
  let resident: Page;
  let counselorPage: Page;
  let counselor: Wallet;
  let counselorAddr: string;
  let subject: string;
  let grantId: string;
  let words: string[];

  const state = (p: Page) => p.locator("#call-state").getAttribute("data-state");
  const waitState = (p: Page, s: string, timeout = 30_000) => p.locator(`#call-state[data-state="${s}"]`).waitFor({ timeout });

  before(async () => {
    [srv, browser] = await Promise.all([startTestServer({ pg: true, config: { clientCopyDelayMaxMs: 0, clientGrantDelayMaxMs: 0 } }), launch(FAKE_MEDIA)]);
    counselor = (await retryNonce(() => accreditCounselor(srv))).wallet;
    counselorAddr = counselor.address.toLowerCase();
    // Her relationship as the matching flow leaves it (resident.test.ts walks that): a TREATMENT consent from her
    // relationship key, that key published, and the counsellor in her sealed relationship list.
    const seed = await generateSeed();
    words = seedToWords(seed);
    const rel = await relationshipKeys(seed, counselorAddr);
    subject = rel.address;
    grantId = await grant(srv, rel, counselorAddr, Purpose.TREATMENT, ["assessment", "consultation_note", "care_plan"]);
    await publishSignedKey(await srv.api().login(rel.wallet), rel.wallet, rel.x25519.publicKey);
    const vault = await vaultKeys(seed);
    await (await srv.api().login(vault.wallet)).put("/v1/vault/relationships", { version: 1, sealed: await sealRelationships(seed, vault.address, 1, [{ address: counselorAddr, role: "counselor", grants: [grantId] }]) });
    // A slot starting in three minutes: inside the join window (10 minutes before the start).
    const start = new Date(Date.now() + 3 * 60_000);
    const slot = (from: Date) => ({ start: from.toISOString(), end: new Date(from.getTime() + 50 * 60_000).toISOString() });
    await (await loginAs(srv, counselor, "counselor")).put("/v1/counselors/me/slots", { slots: [slot(start), slot(new Date(start.getTime() + 60_000))] });
    resident = await newPage(browser, "zh-CN", PHONE);
    counselorPage = await newPage(browser, "zh-CN");
    for (const p of [resident, counselorPage]) await p.addInitScript(OBSERVE_PCS);
    await resident.addInitScript({ content: RECORD_SPEECH });
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  it("the resident restores, books a video session and sees 进入咨询 on her home screen at the booked time", async () => {
    await resident.goto(`${srv.url}/resident.html`);
    await resident.getByRole("heading", { name: "欢迎使用安心" }).waitFor();
    await resident.getByRole("button", { name: "找回我的信息" }).click();
    await resident.getByLabel("找回用的24个字").fill(words.join(" "));
    await resident.getByRole("button", { name: "找回", exact: true }).click();
    await resident.getByRole("heading", { name: "找到了。请为这台设备设一个密码" }).waitFor({ timeout: 30_000 });
    await resident.getByLabel("密码", { exact: true }).fill(PASS);
    await resident.getByLabel("再输入一次密码").fill(PASS);
    await resident.getByRole("button", { name: "找回", exact: true }).click();
    await resident.getByRole("heading", { name: "您想做什么？" }).waitFor({ timeout: 30_000 });
    await resident.getByRole("button", { name: "预约咨询时间" }).click();
    await resident.locator("#slots button").first().click();
    await resident.getByLabel("见面方式").selectOption("video");
    await resident.getByRole("button", { name: "确认预约" }).click();
    await resident.getByRole("heading", { name: "预约成功" }).waitFor({ timeout: 30_000 });
    await resident.getByRole("button", { name: "回到首页" }).first().click();
    const card = resident.locator("#consultation-card");
    await card.getByRole("button", { name: "进入咨询" }).waitFor({ timeout: 30_000 });
    expect(await card.innerText()).to.include("您预约的视频咨询现在可以开始了");
    await expectNoAxeViolations(resident, "home with the consultation card");
    await screenshot(resident, "consultation-resident-join");
  });

  it("both join; both connections connect, media flows both ways and the safety codes agree", async () => {
    await resident.locator("#consultation-join").click();
    await waitState(resident, "waiting");
    await staffSignIn(counselorPage, `${srv.url}/counselor.html`, counselor, "今天要做什么？");
    await counselorPage.getByRole("button", { name: "时间与容量" }).click();
    const join = counselorPage.locator("[data-join]");
    await join.waitFor({ timeout: 30_000 });
    await join.click();
    await Promise.all([waitState(resident, "connected"), waitState(counselorPage, "connected")]);
    const a1 = await callStats(resident);
    const b1 = await callStats(counselorPage);
    expect([a1.state, b1.state]).to.deep.equal(["connected", "connected"]);
    await new Promise((r) => setTimeout(r, 2500));
    const a2 = await callStats(resident);
    const b2 = await callStats(counselorPage);
    for (const [who, x, y] of [["resident", a1, a2], ["counselor", b1, b2]] as const) {
      expect(y.bytes, `${who}: inbound bytes grow`).to.be.greaterThan(x.bytes);
      expect(y.frames, `${who}: video frames decoded grow`).to.be.greaterThan(x.frames);
      expect(y.audioPackets, `${who}: audio packets grow`).to.be.greaterThan(x.audioPackets);
    }
    console.log(`      media in 2.5 s: resident +${a2.bytes - a1.bytes} B / +${a2.frames - a1.frames} frames; counselor +${b2.bytes - b1.bytes} B / +${b2.frames - b1.frames} frames`);
    const codeA = await resident.locator("#call-code").innerText();
    const codeB = await counselorPage.locator("#call-code").innerText();
    expect(codeA).to.match(/\d{3} \d{3}/);
    expect(codeA.match(/\d{3} \d{3}/)![0]).to.equal(codeB.match(/\d{3} \d{3}/)![0]);
  });

  it("chat messages arrive over the call and are stored as encrypted records the server cannot read", async () => {
    await resident.getByLabel("写一条消息").fill(SAID);
    await resident.getByRole("button", { name: "发送" }).click();
    await counselorPage.locator("#chat-log li.theirs", { hasText: SAID }).waitFor({ timeout: 20_000 });
    await counselorPage.getByLabel("写一条消息").fill(REPLIED);
    await counselorPage.getByRole("button", { name: "发送" }).click();
    await resident.locator("#chat-log li.theirs", { hasText: REPLIED }).waitFor({ timeout: 20_000 });
    await expectNoAxeViolations(resident, "call screen");
    // 朗读 reads the call screen in plain zh-CN: the state, the safety code, the messages and the buttons.
    await resident.getByRole("button", { name: "朗读" }).click();
    await resident.waitForFunction(() => (window as unknown as { __spoken: string[] }).__spoken.length > 0);
    const said = (await resident.evaluate(() => (window as unknown as { __spoken: string[] }).__spoken.splice(0))).join("\n");
    for (const part of ["视频咨询", "已接通", "通话安全码", SAID, REPLIED, "结束通话"]) expect(said, "read aloud").to.include(part);
    expect(said).to.not.match(/0x[0-9a-f]{6}/);
    await screenshot(resident, "consultation-resident-call");
    await screenshot(counselorPage, "consultation-counselor-call");

    const rows = await srv.ctx.db.query<{ author: string; subject_ref: string; kind: string; record_id: string; content_hash: string }>(
      "SELECT author, subject_ref, kind, record_id, content_hash FROM records WHERE schema = 'anxin.chat.v1' ORDER BY created_at",
    );
    expect(rows.map((r) => [r.author, r.subject_ref, r.kind])).to.deep.equal([[subject, subject, "consultation_note"], [counselorAddr, subject, "consultation_note"]]);
    // The counsellor opens both with their own key after the logged key release: these are the messages.
    const api = await loginAs(srv, counselor, "counselor");
    const ck = await counselorKeys(counselor.privateKey);
    const texts: string[] = [];
    for (const r of rows) {
      const env = (await api.get<{ versions: Array<{ contentHash: string; envelope: Record<string, unknown> }> }>(`/v1/records/${r.record_id}`)).versions.find((v) => v.contentHash === r.content_hash)!.envelope;
      const key = await api.get<{ recipient: string; sealed: string }>(`/v1/records/${r.record_id}/versions/${r.content_hash}/key`);
      texts.push(((await openJson({ ...env, keys: [{ to: key.recipient, sealed: key.sealed }] }, ck.address, ck.x25519)) as { text: string }).text);
    }
    expect(texts).to.deep.equal([SAID, REPLIED]);
    // Every row of every table, as text: no chat message, no marker, anywhere; nor in the server's log.
    const tables = await srv.ctx.db.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'");
    expect(tables.length).to.be.greaterThan(20);
    let scanned = 0;
    for (const { table_name } of tables) {
      const dump = await srv.ctx.db.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
      scanned += dump.length;
      for (const { row } of dump) for (const needle of ["marker-7f3a", "marker-9c2e", "睡不好", "慢慢说"]) expect(row, `${table_name} holds chat text`).to.not.include(needle);
    }
    expect(scanned).to.be.greaterThan(50);
    expect(srv.logLines.join("\n")).to.not.match(/marker-7f3a|marker-9c2e|睡不好|慢慢说/);
  });

  it("refuses an offer whose fingerprint the server swapped and re-signed with its own key: no connection", async () => {
    await resident.getByRole("button", { name: "结束通话" }).click();
    await resident.getByRole("heading", { name: "您想做什么？" }).waitFor();
    await waitState(counselorPage, "peer_left");
    // What a malicious server would relay: the counsellor's offer with its own DTLS fingerprint and a valid
    // signature by a key it holds (not the counsellor's).
    const mitm = Wallet.createRandom();
    const forged = "sha-256 " + Array.from({ length: 32 }, (_, i) => (i * 7 + 16).toString(16).toUpperCase().padStart(2, "0")).join(":");
    let swapped = 0;
    await resident.route("**/v1/consultations/*/signals?*", async (route) => {
      const res = await route.fetch().catch(() => undefined);
      if (!res) return route.abort().catch(() => undefined); // the page went away mid-poll
      const body = (await res.json()) as { signals: Array<{ kind: string; data: { sdp: string; callId: string; proof: { at: number; sig: string } } }> };
      for (const s of body.signals) {
        if (s.kind !== "offer") continue;
        const original = s.data.sdp;
        s.data.sdp = original.replace(/a=fingerprint:\S+ [0-9A-F:]+/g, `a=fingerprint:${forged}`);
        if (s.data.sdp === original || !s.data.sdp.includes(forged)) continue;
        const fingerprints = sdpFingerprints(s.data.sdp);
        s.data.proof = { at: s.data.proof.at, sig: await mitm.signMessage(callStatement({ bookingId: bookingIdOf(route.request().url()), callId: s.data.callId, role: "offer", fingerprints, at: s.data.proof.at })) };
        swapped++;
      }
      await route.fulfill({ response: res, json: body }).catch(() => undefined);
    });
    const before = (await callStats(resident)).count;
    await resident.locator("#consultation-join").click();
    await waitState(resident, "refused", 30_000);
    expect(swapped).to.be.at.least(1);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await callStats(resident)).count, "no connection was even made for the forged offer").to.equal(before);
    expect(await state(counselorPage)).to.not.equal("connected");
    expect((await callStats(counselorPage)).state).to.not.equal("connected");
    expect(await resident.locator("#call-state").innerText()).to.include("身份核对不上");
    // Her camera and microphone closed at once; nothing can be sent in a refused call.
    expect(await resident.evaluate(() => ((document.querySelector(".call-local") as HTMLVideoElement).srcObject as MediaStream).getTracks().every((t) => t.readyState === "ended"))).to.equal(true);
    expect(await resident.locator("#chat-send").isDisabled()).to.equal(true);
    await expectNoAxeViolations(resident, "refused call");
    await screenshot(resident, "consultation-refused");
    await resident.unrouteAll({ behavior: "ignoreErrors" });
  });

  it("holds a voice session (电话) in the app too: audio both ways, no video sent", async () => {
    await resident.getByRole("button", { name: "结束通话" }).click();
    await counselorPage.getByRole("button", { name: "结束通话" }).click();
    await counselorPage.getByRole("heading", { name: "今天要做什么？" }).waitFor();
    // She cancels the video booking and books the next time by phone.
    await resident.getByRole("button", { name: "预约咨询时间" }).click();
    await resident.locator("#my-bookings li").first().getByRole("button", { name: "取消预约" }).click();
    await resident.getByRole("button", { name: "是的，取消" }).click();
    await resident.locator("#slots button").first().waitFor({ timeout: 30_000 });
    await resident.locator("#slots button").first().click();
    await resident.getByLabel("见面方式").selectOption("phone");
    await resident.getByRole("button", { name: "确认预约" }).click();
    await resident.getByRole("heading", { name: "预约成功" }).waitFor({ timeout: 30_000 });
    await resident.getByRole("button", { name: "回到首页" }).first().click();
    const card = resident.locator("#consultation-card");
    await card.getByRole("button", { name: "进入咨询" }).waitFor({ timeout: 30_000 });
    expect(await card.innerText()).to.include("您预约的语音咨询现在可以开始了");
    await card.getByRole("button", { name: "进入咨询" }).click();
    await resident.getByRole("heading", { name: "语音咨询" }).waitFor();
    await counselorPage.getByRole("button", { name: "时间与容量" }).click();
    const join = counselorPage.locator("[data-join]");
    await join.waitFor({ timeout: 30_000 });
    expect(await join.count(), "the cancelled video booking has no join button").to.equal(1);
    await join.click();
    await Promise.all([waitState(resident, "connected"), waitState(counselorPage, "connected")]);
    const a1 = await callStats(resident);
    const b1 = await callStats(counselorPage);
    await new Promise((r) => setTimeout(r, 2000));
    const a2 = await callStats(resident);
    const b2 = await callStats(counselorPage);
    expect(a2.audioPackets).to.be.greaterThan(a1.audioPackets);
    expect(b2.audioPackets).to.be.greaterThan(b1.audioPackets);
    expect([a2.frames, b2.frames], "no video in a voice session").to.deep.equal([0, 0]);
    expect(await resident.locator(".call-local").count()).to.equal(0);
    await expectNoAxeViolations(resident, "voice call");
    await screenshot(resident, "consultation-resident-voice");
  });
});

function bookingIdOf(url: string): string {
  return /\/v1\/consultations\/([0-9a-f]{32})\/signals/.exec(url)![1]!;
}
