// The counsellor in a real browser: opens a JSON keystore in the page, finds the resident on the caseload,
// writes an encrypted record (sealed in the page to the counsellor and the resident) and reads it back
// (server key release → opened in the page). The resident side is driven through the API.
import { expect } from "chai";
import { publishSignedKey } from "../../src/client/index.js";
import { Wallet } from "ethers";
import type { Browser, Page } from "playwright-core";
import { Purpose } from "../../src/consent/index.js";
import { encryptWalletJson, toBase64 } from "../../src/crypto/index.js";
import { accreditCounselor, startTestServer, type TestServer } from "../helpers/server.js";
import { grant, newResident } from "../integration/matching/helpers.js";
import { expectNoAxeViolations, expectNoAxeViolationsBoth, expectUsableAtZoom, launch, newPage, retryNonce, screenshot } from "./browser.js";

describe("web: counsellor (browser)", function () {
  this.timeout(150_000);
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  let counselor: Wallet;
  let subject: string;
  let residentApi: Awaited<ReturnType<Awaited<ReturnType<typeof newResident>>["as"]>>["api"];

  before(async () => {
    [srv, browser] = await Promise.all([startTestServer(), launch()]);
    counselor = (await retryNonce(() => accreditCounselor(srv))).wallet;
    const r = await newResident();
    const { keys, api } = await r.as(srv, counselor.address);
    subject = keys.address;
    residentApi = api;
    await grant(srv, keys, counselor.address, Purpose.TREATMENT, ["assessment", "consultation_note", "care_plan"]);
    await publishSignedKey(api, keys.wallet, keys.x25519.publicKey);
    page = await newPage(browser, "zh-CN");
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  it("opens the key file, writes a record and reads it back", async () => {
    // The key file is the test's own input: a cheaper scrypt cost keeps the test short (the page reads any cost).
    const json = await encryptWalletJson(counselor, "counsellor-pass", { scryptN: 1 << 12 });
    await page.goto(`${srv.url}/counselor.html`);
    await page.getByRole("heading", { name: "打开您的工作钥匙" }).waitFor();
    await expectNoAxeViolationsBoth(page, "counsellor key screen");
    await expectUsableAtZoom(page, "counsellor key screen");
    await page.getByLabel("钥匙文件").setInputFiles({ name: "key.json", mimeType: "application/json", buffer: Buffer.from(json) });
    await page.getByLabel("钥匙密码").fill("counsellor-pass");
    await page.getByRole("button", { name: "打开并登录" }).click();
    await page.getByRole("heading", { name: "今天要做什么？" }).waitFor({ timeout: 30_000 });
    await expectNoAxeViolationsBoth(page, "counsellor home");
    await expectUsableAtZoom(page, "counsellor home");
    await screenshot(page, "counselor-home");
    await page.getByRole("button", { name: "我的服务对象" }).click();
    const card = page.locator(`li[data-subject="${subject}"]`);
    await card.waitFor();
    await expectNoAxeViolationsBoth(page, "caseload");
    await card.getByRole("button", { name: "写记录" }).click();
    await page.getByLabel("记录内容").waitFor();
    await expectNoAxeViolationsBoth(page, "write record");
    await page.getByLabel("记录内容").fill("第一次面谈：睡眠不好，情绪低落。下周三再见。");
    await expectUsableAtZoom(page, "write record");
    await screenshot(page, "counselor-write-record");
    await page.getByRole("button", { name: "加密并保存" }).click();
    await page.getByRole("heading", { name: "记录" }).waitFor({ timeout: 30_000 });
    const text = await page.locator("li.record").first().innerText();
    expect(text).to.include("第一次面谈：睡眠不好，情绪低落。下周三再见。");
    expect(text).to.include("版本 1");
    await expectNoAxeViolationsBoth(page, "read records");
    await screenshot(page, "counselor-records");
    // The server holds only ciphertext.
    const rows = await srv.ctx.db.query<{ envelope: string }>("SELECT envelope::text AS envelope FROM records");
    expect(rows).to.have.length(1);
    expect(rows[0].envelope).to.not.include("睡眠");
  });

  it("amends the record as a new version", async () => {
    await page.getByRole("button", { name: "修改（保留原版本）" }).click();
    await page.getByLabel("记录内容").fill("第一次面谈（更正）：睡眠不好。");
    await page.getByRole("button", { name: "加密并保存" }).click();
    await page.locator("li.record", { hasText: "版本 2" }).waitFor({ timeout: 30_000 });
    expect(await page.locator("li.record").first().innerText()).to.include("更正");
  });

  /** Back buttons until the counsellor's home (the key lives in page memory: no reload). */
  async function backHome() {
    for (let i = 0; i < 4 && !(await page.getByRole("heading", { name: "今天要做什么？" }).isVisible()); i++) {
      await page.getByRole("button", { name: "返回" }).last().click();
      await page.waitForTimeout(200);
    }
    await page.getByRole("heading", { name: "今天要做什么？" }).waitFor();
  }

  it("lists alerts: a resident's crisis answer reaches the counsellor, who acknowledges it", async () => {
    await residentApi.post("/v1/alerts", { kind: "crisis", level: "imminent", instrument: "phq9", subjectRef: subject, lang: "zh" });
    await backHome();
    await page.getByRole("button", { name: "提醒" }).click();
    const card = page.locator("li.alert").first();
    await card.waitFor();
    expect(await card.locator("h2").innerText()).to.include("紧急");
    await expectNoAxeViolationsBoth(page, "alerts");
    await card.getByRole("button", { name: "我已知悉" }).click();
    await page.locator(".status.ok").waitFor();
    expect(await page.locator(".status").innerText()).to.equal("已标记为知悉。");
    await page.locator("li.alert .ok-text", { hasText: "已知悉" }).first().waitFor();
  });

  it("opens emergency access only after the warning is acknowledged, signed in the page and relayed on chain", async () => {
    // From the urgent alert: the resident's address is filled in, nothing to type.
    await page.locator("li.alert").first().getByRole("button", { name: "紧急查看" }).click();
    await page.getByRole("heading", { name: "紧急查看", exact: true }).waitFor();
    expect(await page.getByLabel("居民的化名地址").inputValue()).to.equal(subject);
    const warning = await page.locator("#emergency-warning").innerText();
    expect(warning).to.include("审计员");
    expect(warning).to.include("居民会收到通知");
    await expectNoAxeViolationsBoth(page, "emergency warning");
    await screenshot(page, "counselor-emergency");
    await page.getByRole("button", { name: "我明白，开启紧急查看" }).click();
    expect(await page.locator(".status").innerText()).to.equal("请先勾选“我明白”。");
    expect(await srv.ctx.db.query("SELECT 1 FROM consent_grants WHERE emergency")).to.have.length(0);
    await page.getByLabel("我明白：这次查看会被审计，居民会被告知。").check();
    await page.getByRole("button", { name: "我明白，开启紧急查看" }).click();
    await page.getByRole("heading", { name: "紧急查看已开启" }).waitFor({ timeout: 60_000 });
    expect(await page.locator("main").innerText()).to.include("居民已被告知");
    const [g] = await srv.ctx.db.query<{ grant_id: string; subject: string; grantee: string; not_after: number; not_before: number }>("SELECT grant_id, subject, grantee, not_before, not_after FROM consent_grants WHERE emergency");
    expect(g).to.deep.include({ subject, grantee: counselor.address.toLowerCase() });
    expect(Number(g.not_after) - Number(g.not_before)).to.equal(4 * 3600);
    // The scope opening was registered, so the vault knows what the access covers.
    const req = await srv.ctx.db.query("SELECT 1 FROM consent_requests WHERE grant_id = $1 AND kind = 'emergency'", [g.grant_id]);
    expect(req).to.have.length(1);
    await backHome();
  });

  it("publishes the matching profile, capacity and a bookable time", async () => {
    await page.getByRole("button", { name: "时间与容量" }).click();
    await page.getByRole("heading", { name: "时间与容量" }).waitFor();
    await page.getByLabel("最多同时服务几位居民").fill("12");
    await page.getByLabel("周二 下午").check();
    await expectNoAxeViolationsBoth(page, "availability");
    await expectUsableAtZoom(page, "availability");
    await page.getByRole("button", { name: "保存资料" }).click();
    await page.locator(".status.ok").waitFor({ timeout: 30_000 });
    expect(await page.locator(".status").innerText()).to.equal("资料和值班时间已保存。现在不在值班。");
    await page.getByLabel("可预约时间（开始）").fill("2030-01-15T10:00");
    await page.getByRole("button", { name: "添加这个时间" }).click();
    await page.locator("#my-slots li").first().waitFor({ timeout: 30_000 });
    expect(await page.locator("#my-slots").innerText()).to.include("可预约");
    const slots = await srv.ctx.db.query<{ starts_at: string; ends_at: string }>("SELECT starts_at, ends_at FROM booking_slots");
    expect(slots).to.have.length(1);
    expect(new Date(slots[0].ends_at).getTime() - new Date(slots[0].starts_at).getTime()).to.equal(50 * 60_000);
  });

  it("is accessible in English too", async () => {
    await page.getByRole("button", { name: "English" }).click();
    await page.getByRole("heading", { name: "Availability and capacity" }).waitFor();
    await expectNoAxeViolations(page, "availability (en)");
  });
});
