// Recovery people can do, on a 390×844 phone in a real Chromium: the 24 characters and their kept-it check; a
// one-character typo refused in plain zh-CN (nothing created); passkey unlock (virtual authenticator with PRF);
// a restore in a fresh browser context that finds the same consents, access log, counsellor and bookings (the
// sealed relationship list) and can withdraw a consent; a 2-of-3 restore from backup cards scanned with Chromium's
// fake camera, fed with the rendered card images.
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Wallet } from "ethers";
import { chromium, type Browser, type Page } from "playwright-core";
import { Purpose } from "../../src/consent/index.js";
import { deriveNeed } from "../../src/deid/need.js";
import { parseSeedText, ZH_WORDS } from "../../src/crypto/seed-words.js";
import { vaultKeys } from "../../src/crypto/index.js";
import { chooseChromium } from "../helpers/chromium.js";
import { SHANGHAI_ZONES } from "../helpers/places.js";
import { accreditCounselor, registerMatcher, startTestServer, type TestServer } from "../helpers/server.js";
import { startTestOffice, visitOfficeInPage, type TestOffice } from "../helpers/office.js";
import { matchingService } from "../../src/services/matching.js";
import { grant, intake, newResident } from "../integration/matching/helpers.js";
import { expectNoAxeViolations, launch, loginAs, newPage, retryNonce, screenshot } from "./browser.js";
import { publishProfile } from "./elder-people.js";

const PHONE = { width: 390, height: 844 };
const PASS = "我的安心密码123";

describe("web: recovery by people (browser, 390×844)", function () {
  this.timeout(240_000);
  let srv: TestServer;
  let office: TestOffice;
  let browser: Browser;
  let camBrowser: Browser | undefined;
  let page: Page;
  let base: string;
  let matcher: Wallet;
  let counselor: Wallet;
  let words: string[] = [];
  /** The 30 characters of each backup card (hers, the family's, the office's). */
  let cardTexts: string[][] = [];
  const camDir = mkdtempSync(path.join(tmpdir(), "anxin-cam-"));

  const heading = (p: Page, name: string, timeout = 30_000) => p.getByRole("heading", { name }).waitFor({ timeout });
  const home = async (p: Page) => {
    await p.getByRole("button", { name: "回到首页" }).first().click();
    await heading(p, "您想做什么？");
  };

  before(async () => {
    [srv, browser] = await Promise.all([startTestServer({ config: { zones: SHANGHAI_ZONES, clientCopyDelayMaxMs: 1500, clientGrantDelayMaxMs: 2000 } }), launch()]);
    office = await startTestOffice(srv.dataDir);
    // WebAuthn needs a domain, not an IP: the same server through "localhost".
    base = srv.url.replace("127.0.0.1", "localhost");
    matcher = await retryNonce(() => registerMatcher(srv));
    counselor = (await retryNonce(() => accreditCounselor(srv))).wallet;
    const c = await loginAs(srv, counselor, "counselor");
    await c.put("/v1/counselors/me/profile", {
      specialties: ["elderly_loneliness", "depression", "grief", "anxiety"], languages: ["mandarin"], modalities: ["in_person", "phone", "video"],
      districts: ["310000.z.west"], capacity: 10, availability: ["mon_am", "wed_am", "fri_am"], gender: "female",
    });
    await retryNonce(() => publishProfile(srv, counselor.address)); // she sees 王静, not an address
    page = await newPage(browser, "zh-CN", PHONE);
  });
  after(async () => {
    await camBrowser?.close();
    await browser?.close();
    await srv?.stop();
    rmSync(camDir, { recursive: true, force: true });
  });

  it("shows the 24 characters and a QR code, then checks two random positions before going on", async () => {
    await page.goto(`${base}/resident.html`);
    await heading(page, "欢迎使用安心");
    await page.getByRole("button", { name: "创建我的钥匙" }).click();
    await page.getByLabel("密码", { exact: true }).fill(PASS);
    await page.getByLabel("再输入一次密码").fill(PASS);
    await page.getByRole("button", { name: "创建我的钥匙" }).click();
    await heading(page, "请抄下找回用的24个字");
    words = await page.locator("#recovery-words li").allInnerTexts();
    expect(words).to.have.length(24);
    for (const w of words) expect(ZH_WORDS).to.include(w);
    expect(parseSeedText(words.join("")).ok).to.equal(true);
    expect(await page.locator("svg.qr").count()).to.equal(1);
    expect(await page.locator("main").innerText()).to.not.match(/[0-9a-f]{4}\s+[0-9a-f]{4}/); // no hex any more
    await expectNoAxeViolations(page, "recovery sheet");
    await screenshot(page, "resident-recovery-sheet");
    await page.getByRole("button", { name: "我已经抄好了" }).click();
    await heading(page, "检查一下抄得对不对");
    const boxes = page.locator("input[data-position]");
    expect(await boxes.count()).to.equal(2);
    const pos = (await boxes.evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-position"))))) as number[];
    expect(pos[0]).to.not.equal(pos[1]);
    // A wrong character is refused beside the field, in zh-CN.
    await boxes.nth(0).fill(words[pos[0] - 1] === "的" ? "一" : "的");
    await boxes.nth(1).fill(words[pos[1] - 1]);
    await page.getByRole("button", { name: "检查", exact: true }).click();
    expect(await page.locator("#check-error").innerText()).to.equal("和纸上的字对不上。请回去再核对一遍。");
    await expectNoAxeViolations(page, "sheet check");
    await screenshot(page, "resident-recovery-check");
    await boxes.nth(0).fill(words[pos[0] - 1]);
    await page.getByRole("button", { name: "检查", exact: true }).click();
    await heading(page, "您想做什么？");
  });

  it("unlocks with a passkey (WebAuthn PRF, virtual authenticator); the passphrase still works", async () => {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", ctap2Version: "ctap2_1", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, hasPrf: true, automaticPresenceSimulation: true },
    });
    await page.getByRole("button", { name: "用指纹或面容打开（不用每次输密码）" }).click();
    await heading(page, "用指纹或面容打开");
    await expectNoAxeViolations(page, "passkey set-up");
    await page.getByRole("button", { name: "开启" }).click();
    await heading(page, "您想做什么？");
    expect(await page.locator(".status").innerText()).to.equal("已开启：下次可以用指纹或面容打开。");
    const creds = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    expect(creds.credentials).to.have.length(1);
    // The stored copy is wrapped: no seed bytes in clear next to the credential.
    const stored = await page.evaluate(() => new Promise<string>((res) => {
      const r = indexedDB.open("anxin");
      r.onsuccess = () => { const g = r.result.transaction("kv").objectStore("kv").get("resident.passkey"); g.onsuccess = () => res(JSON.stringify(g.result)); };
    }));
    expect(stored).to.match(/"wrapped":"[A-Za-z0-9+/=]{60,}"/);

    await page.getByRole("button", { name: "锁上并离开" }).click();
    await page.reload();
    await heading(page, "请输入密码");
    await page.getByRole("button", { name: "用指纹或面容打开" }).click();
    await heading(page, "您想做什么？");
    const signCount = (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials[0].signCount;
    expect(signCount).to.be.at.least(1);
    // The fallback: the passphrase opens it too.
    await page.getByRole("button", { name: "锁上并离开" }).click();
    await heading(page, "请输入密码");
    await page.getByLabel("密码", { exact: true }).fill(PASS);
    await page.getByRole("button", { name: "打开", exact: true }).click();
    await heading(page, "您想做什么？");
  });

  it("builds a relationship: matching consent, a counsellor's TREATMENT consent, an access, a booking", async () => {
    await page.getByRole("button", { name: "找一位咨询师" }).click();
    await page.getByLabel("您想聊什么？").selectOption("elderly_loneliness");
    await page.getByLabel("您住在哪个区？").selectOption({ label: "徐汇区" });
    await page.getByRole("radio", { name: "70–74 岁" }).check(); // the age band with buttons (issue 18 part 8)
    await page.getByRole("button", { name: "下一步" }).click();
    // No token yet: one visit to the community office (the staff sign the blinded request code).
    await visitOfficeInPage(page, office);
    await heading(page, "请看一下这份同意书");
    await page.getByRole("button", { name: "我同意，签名" }).click();
    await heading(page, "为您推荐的咨询师", 60_000);
    for (const cats of [["depression"], ["elderly_loneliness"], ["grief"], ["depression"]]) {
      const r = await newResident();
      const { keys, api } = await r.as(srv, matcher.address);
      await grant(srv, keys, matcher.address, Purpose.MATCHING, ["need"]);
      await api.post("/v1/needs", { need: deriveNeed(intake(cats, { place: "310104", age: 71, modalities: ["in_person"], availability: ["mon_am"] })), token: await office.token() });
    }
    await matchingService(srv.ctx).publishAll(); // the scheduled batch
    await (await srv.api().login(matcher)).post("/v1/match/run", {});
    await page.getByRole("button", { name: "再看一次" }).click();
    await page.getByRole("button", { name: "接受这位咨询师" }).click();
    await heading(page, "请看一下这份同意书");
    await page.getByRole("button", { name: "我同意，签名" }).click();
    await page.getByText("已接受。您的咨询师现在可以看到您同意的信息。").first().waitFor({ timeout: 60_000 });
    await home(page);
    // An assessment sealed to the counsellor, who opens it: one access-log entry.
    await page.getByRole("button", { name: "做一次心理评估" }).click();
    await page.locator('[data-instrument="who5"]').click();
    for (let i = 0; i < 5; i++) {
      await page.locator("label.choice").nth(2).click();
      await page.getByRole("button", { name: i === 4 ? "看结果" : "下一步" }).click();
    }
    await page.locator("#result-saved").waitFor();
    await home(page);
    const c = await srv.api().login(counselor);
    const mine = (await c.get<{ items: Array<{ subject: string; purpose: number; state: string }> }>(`/v1/consents?grantee=${counselor.address.toLowerCase()}`)).items;
    const subject = mine.find((i) => i.purpose === Purpose.TREATMENT)!.subject;
    const list = (await c.get<{ records: Array<{ recordId: string; contentHash: string }> }>(`/v1/records?subject=${subject}`)).records;
    await c.get(`/v1/records/${list[0].recordId}/versions/${list[0].contentHash}/key`);
    const start = new Date(Date.now() + 2 * 86_400_000);
    start.setUTCHours(2, 0, 0, 0);
    await c.put("/v1/counselors/me/slots", { slots: [{ start: start.toISOString(), end: new Date(start.getTime() + 50 * 60_000).toISOString() }] });
    await page.getByRole("button", { name: "预约咨询时间" }).click();
    await page.locator("#slots button").click();
    // Nothing is booked before she confirms the time, the counsellor (by name) and the way of meeting.
    await heading(page, "确认预约");
    expect(await page.locator("main").innerText()).to.include("王静");
    await page.getByLabel("见面方式").selectOption("in_person");
    await page.getByRole("button", { name: "确认预约" }).click();
    await heading(page, "预约成功", 60_000);
    await page.getByRole("button", { name: "我的预约" }).click();
    await heading(page, "预约咨询时间");
    await page.locator("#my-bookings li").waitFor({ timeout: 30_000 });
    expect(await page.locator("#my-bookings li").innerText()).to.include("王静");
    await home(page);
    // The server holds the list sealed: no counterparty address in clear.
    const [row] = await srv.ctx.db.query<{ version: number; sealed: string }>("SELECT version, sealed FROM relationship_vaults");
    expect(Number(row.version)).to.be.at.least(3);
    expect(row.sealed + Buffer.from(row.sealed, "base64").toString("latin1")).to.not.include(counselor.address.toLowerCase().slice(2));
  });

  it("refuses a one-character typo in plain zh-CN and creates nothing; the right 24 characters restore everything in a fresh context", async () => {
    const fresh = await newPage(browser, "zh-CN", PHONE);
    await fresh.goto(`${base}/resident.html`);
    await heading(fresh, "欢迎使用安心");
    await fresh.getByRole("button", { name: "找回我的信息" }).click();
    await heading(fresh, "用24个字找回");
    // A typo that the checksum catches (as 255 of 256 do): one character swapped for another of the list.
    let typo: string[] = [];
    for (let j = 1; ; j++) {
      typo = [...words];
      typo[9] = ZH_WORDS[(ZH_WORDS.indexOf(words[9]) + j) % 2048];
      const r = parseSeedText(typo.join(""));
      if (!r.ok && r.reason === "checksum") break;
    }
    const before = await srv.ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM sessions");
    await fresh.getByLabel("找回用的24个字").fill(typo.join(" "));
    await fresh.getByLabel("密码", { exact: true }).count().then((n) => expect(n).to.equal(0)); // the passphrase comes after a valid code
    await fresh.getByRole("button", { name: "找回", exact: true }).click();
    expect(await fresh.locator("#restore-error").innerText()).to.equal("这24个字里有抄错或输错的字，请对照纸上的字再看一遍。什么都没有改动。");
    await expectNoAxeViolations(fresh, "restore refused");
    await screenshot(fresh, "resident-restore-typo");
    const after = await srv.ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM sessions");
    expect(after[0].n, "no sign-in happened for the typo").to.equal(before[0].n);
    await fresh.reload();
    await heading(fresh, "欢迎使用安心"); // nothing was stored on the device either

    await fresh.getByRole("button", { name: "找回我的信息" }).click();
    await fresh.getByLabel("找回用的24个字").fill(words.map((w, i) => `${i + 1}.${w}`).join(" "));
    await fresh.getByRole("button", { name: "找回", exact: true }).click();
    await heading(fresh, "找到了。请为这台设备设一个密码");
    await fresh.getByLabel("密码", { exact: true }).fill("新手机的密码456");
    await fresh.getByLabel("再输入一次密码").fill("新手机的密码456");
    await fresh.getByRole("button", { name: "找回", exact: true }).click();
    await heading(fresh, "您想做什么？");
    expect(await fresh.locator(".status").innerText()).to.equal("已找回：您的同意、记录和预约都回来了。");

    await fresh.getByRole("button", { name: "我的同意" }).click();
    await heading(fresh, "我的同意");
    expect(await fresh.locator("li.consent").count()).to.equal(2);
    expect(await fresh.locator("li.consent", { hasText: "心理咨询" }).locator(".badge").innerText()).to.equal("有效");
    await home(fresh);
    await fresh.getByRole("button", { name: "谁看过我的信息" }).click();
    await heading(fresh, "谁看过我的信息");
    expect(await fresh.locator("#access-log li").first().innerText()).to.include("您的咨询师王静");
    expect(await fresh.locator("main").innerText()).to.not.match(/0x[0-9a-f]{4}/i); // addresses only behind 详细信息
    await home(fresh);
    await fresh.getByRole("button", { name: "预约咨询时间" }).click();
    await heading(fresh, "预约咨询时间");
    expect(await fresh.locator("#my-bookings li").count()).to.equal(1); // the counsellor and the booking came back
    expect(await fresh.locator("#my-bookings li").innerText()).to.include("王静");
    await home(fresh);
    // And she can withdraw a consent from the new device.
    await fresh.getByRole("button", { name: "我的同意" }).click();
    await fresh.locator("li.consent", { hasText: "心理咨询" }).getByRole("button", { name: "撤回" }).click();
    await fresh.getByRole("button", { name: "确定撤回" }).click();
    await fresh.locator(".status.ok, .status.error").first().waitFor({ timeout: 60_000 });
    expect(await fresh.locator(".status").innerText()).to.equal("已撤回。");
    const items = (await (await srv.api().login(counselor)).get<{ items: Array<{ state: string; purpose: number }> }>(`/v1/consents?grantee=${counselor.address.toLowerCase()}`)).items;
    expect(items.filter((i) => i.purpose === Purpose.TREATMENT).map((i) => i.state)).to.deep.equal(["revoked"]);
    await fresh.context().close();
  });

  it("makes 2-of-3 backup cards; two of them scanned with the camera restore the same person", async () => {
    await page.getByRole("button", { name: "做备用卡片（交给家人和社区）" }).click();
    await heading(page, "做几张备用卡片");
    await page.getByRole("button", { name: "做卡片" }).click();
    await page.locator("article.share-card").nth(2).waitFor();
    expect(await page.locator("article.share-card").count()).to.equal(3);
    expect(await page.locator("article.share-card h2").allInnerTexts()).to.deep.equal(["安心备用卡片 1/3 · 给我自己", "安心备用卡片 2/3 · 给家人", "安心备用卡片 3/3 · 给社区服务中心"]);
    await expectNoAxeViolations(page, "backup cards");
    await screenshot(page, "resident-backup-cards");
    cardTexts = await Promise.all([1, 2, 3].map((i) => page.locator(`#card-words-${i} li`).allInnerTexts()));
    for (const c of cardTexts) expect(c).to.have.length(30);
    // The family's and the office's cards as the camera sees them: an MJPEG stream alternating the two images.
    const frames: Buffer[] = [];
    // Chromium's file camera needs even frame sizes: a 256×256 clip centred on each card's QR code.
    const jpeg = async (i: number) => {
      const qr = page.locator("article.share-card").nth(i).locator("svg.qr");
      await qr.scrollIntoViewIfNeeded();
      const bb = (await qr.boundingBox())!;
      const clip = { x: Math.round(bb.x + bb.width / 2 - 128), y: Math.round(bb.y + bb.height / 2 - 128), width: 256, height: 256 };
      return page.screenshot({ type: "jpeg", quality: 90, clip, style: ".crisis-button, .topbar { visibility: hidden !important; }" }); // nothing fixed over the code
    };
    const [b, cimg] = [await jpeg(1), await jpeg(2)];
    for (let i = 0; i < 8; i++) for (const img of [b, b, b, b, b, b, cimg, cimg, cimg, cimg, cimg, cimg]) frames.push(img);
    const file = path.join(camDir, "cards.mjpeg");
    writeFileSync(file, Buffer.concat(frames));

    const choice = await chooseChromium();
    camBrowser = await chromium.launch({
      executablePath: choice.executablePath,
      env: { ...process.env, ...choice.env } as Record<string, string>,
      args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${file}`],
    });
    const ctx = await camBrowser.newContext({ viewport: PHONE, locale: "zh-CN", permissions: ["camera"] });
    const cam = await ctx.newPage();
    cam.on("pageerror", (e) => console.error("page error:", e.message));
    await cam.goto(`${base}/resident.html`);
    await heading(cam, "欢迎使用安心");
    await cam.getByRole("button", { name: "找回我的信息" }).click();
    await cam.getByRole("button", { name: "用备用卡片找回" }).click();
    await heading(cam, "用备用卡片找回");
    expect(await cam.locator("#cards-progress").innerText()).to.equal("已经有 0 张，还需要 2 张。");
    await expectNoAxeViolations(cam, "restore with cards");
    await cam.getByRole("button", { name: "打开摄像头扫卡片" }).click();
    await heading(cam, "找到了。请为这台设备设一个密码", 60_000).catch(async (e) => {
      throw new Error(`${e.message}\nscreen: ${await cam.locator("main").innerText()}\nstatus: ${await cam.locator(".status").innerText()}`);
    });
    await cam.getByLabel("密码", { exact: true }).fill("卡片找回的密码789");
    await cam.getByLabel("再输入一次密码").fill("卡片找回的密码789");
    await cam.getByRole("button", { name: "找回", exact: true }).click();
    await heading(cam, "您想做什么？");
    // The same person: the sheet shows the same 24 characters, and the consents came back.
    await cam.getByRole("button", { name: "再看一次找回用的24个字" }).click();
    await heading(cam, "请抄下找回用的24个字");
    expect(await cam.locator("#recovery-words li").allInnerTexts()).to.deep.equal(words);
    const parsed = parseSeedText(words.join(""));
    if (!parsed.ok) throw new Error("the sheet's characters no longer parse");
    const me = await vaultKeys(parsed.seed);
    const [row] = await srv.ctx.db.query<{ owner: string }>("SELECT owner FROM relationship_vaults");
    expect(row.owner).to.equal(me.address);
  });

  it("restores from two typed cards at the community office (assisted path); a typo on a card is refused", async () => {
    const ctx = await camBrowser!.newContext({ viewport: PHONE, locale: "zh-CN" });
    const p = await ctx.newPage();
    await p.goto(`${base}/resident.html`);
    await p.getByRole("button", { name: "找回我的信息" }).click();
    await p.getByRole("button", { name: "在社区服务中心找回" }).click();
    await heading(p, "在社区服务中心找回");
    expect(await p.locator("main").innerText()).to.include("工作人员的卡片单独用不了");
    await expectNoAxeViolations(p, "assisted restore");
    await p.getByRole("button", { name: "用备用卡片找回" }).click();
    const box = p.getByLabel("输入一张卡片上的30个字");
    const typo = [...cardTexts[0]];
    typo[3] = ZH_WORDS[(ZH_WORDS.indexOf(typo[3]) + 1) % 2048];
    await box.fill(typo.join(" "));
    await p.getByRole("button", { name: "加上这张卡片" }).click();
    expect(await p.locator("#cards-restore-error").innerText()).to.equal("这张卡片上的字有抄错或输错的，请对照卡片再看一遍。");
    await box.fill(cardTexts[0].join(" "));
    await p.getByRole("button", { name: "加上这张卡片" }).click();
    await p.getByText("已经有 1 张，还需要 1 张。").waitFor();
    // The office's card, typed by the staff on her phone.
    await box.fill(cardTexts[2].join(""));
    await p.getByRole("button", { name: "加上这张卡片" }).click();
    await heading(p, "找到了。请为这台设备设一个密码");
    expect(await p.locator("main").innerText()).to.not.include(words.join("")); // the seed is never shown to the helper
    await ctx.close();
  });

  it("still restores from an old 64-hex sheet (legacy path) and warns before using characters the server never saw", async () => {
    const ctx = await browser.newContext({ viewport: PHONE, locale: "zh-CN" });
    const p = await ctx.newPage();
    await p.goto(`${base}/resident.html`);
    await p.getByRole("button", { name: "找回我的信息" }).click();
    // Characters that pass their checksum but belong to no one: a warning screen, and "check again" changes nothing.
    const { seedToWords } = await import("../../src/crypto/seed-words.js");
    await p.getByLabel("找回用的24个字").fill(seedToWords(new Uint8Array(32).fill(7)).join(""));
    await p.getByRole("button", { name: "找回", exact: true }).click();
    await heading(p, "没有找到以前的信息");
    await expectNoAxeViolations(p, "restore not found");
    await p.getByRole("button", { name: "再核对一遍" }).click();
    await heading(p, "用24个字找回");
    // The old sheet: 64 hex characters in 16 groups, as earlier releases printed it.
    const parsed = parseSeedText(words.join(""));
    if (!parsed.ok) throw new Error("the sheet's characters no longer parse");
    const hex = Buffer.from(parsed.seed).toString("hex").match(/.{4}/g)!.join(" ");
    await p.getByLabel("找回用的24个字").fill(hex);
    await p.getByRole("button", { name: "找回", exact: true }).click();
    await heading(p, "找到了。请为这台设备设一个密码");
    await p.getByLabel("密码", { exact: true }).fill("旧单子的密码000");
    await p.getByLabel("再输入一次密码").fill("旧单子的密码000");
    await p.getByRole("button", { name: "找回", exact: true }).click();
    // Straight to the new sheet: the same person, now with 24 characters to print.
    await heading(p, "请抄下找回用的24个字");
    expect(await p.locator(".status").innerText()).to.include("旧版的找回单");
    expect(await p.locator("#recovery-words li").allInnerTexts()).to.deep.equal(words);
    await ctx.close();
  });
});
