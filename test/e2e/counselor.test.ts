// The counsellor in a real browser: opens a JSON keystore in the page, finds the resident on the caseload,
// writes an encrypted record (sealed in the page to the counsellor and the resident) and reads it back
// (server key release → opened in the page). The resident side is driven through the API.
import { expect } from "chai";
import { Wallet } from "ethers";
import type { Browser, Page } from "playwright-core";
import { Purpose } from "../../src/consent/index.js";
import { encryptWalletJson, toBase64 } from "../../src/crypto/index.js";
import { accreditCounselor, startTestServer, type TestServer } from "../helpers/server.js";
import { grant, newResident } from "../integration/matching/helpers.js";
import { expectNoAxeViolations, launch, newPage, retryNonce, screenshot } from "./browser.js";

describe("web: counsellor (browser)", function () {
  this.timeout(120_000);
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  let counselor: Wallet;
  let subject: string;

  before(async () => {
    [srv, browser] = await Promise.all([startTestServer(), launch()]);
    counselor = (await retryNonce(() => accreditCounselor(srv))).wallet;
    const r = await newResident();
    const { keys, api } = await r.as(srv, counselor.address);
    subject = keys.address;
    await grant(srv, keys, counselor.address, Purpose.TREATMENT, ["assessment", "consultation_note", "care_plan"]);
    await api.post("/v1/vault/recipients", { x25519PublicKey: toBase64(keys.x25519.publicKey) });
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
    await expectNoAxeViolations(page, "counsellor key screen");
    await page.getByLabel("钥匙文件").setInputFiles({ name: "key.json", mimeType: "application/json", buffer: Buffer.from(json) });
    await page.getByLabel("钥匙密码").fill("counsellor-pass");
    await page.getByRole("button", { name: "打开并登录" }).click();
    await page.getByRole("heading", { name: "今天要做什么？" }).waitFor({ timeout: 30_000 });
    await expectNoAxeViolations(page, "counsellor home");
    await screenshot(page, "counselor-home");
    await page.getByRole("button", { name: "我的服务对象" }).click();
    const card = page.locator(`li[data-subject="${subject}"]`);
    await card.waitFor();
    await expectNoAxeViolations(page, "caseload");
    await card.getByRole("button", { name: "写记录" }).click();
    await page.getByLabel("记录内容").fill("第一次面谈：睡眠不好，情绪低落。下周三再见。");
    await expectNoAxeViolations(page, "write record");
    await screenshot(page, "counselor-write-record");
    await page.getByRole("button", { name: "加密并保存" }).click();
    await page.getByRole("heading", { name: "记录" }).waitFor({ timeout: 30_000 });
    const text = await page.locator("li.record").first().innerText();
    expect(text).to.include("第一次面谈：睡眠不好，情绪低落。下周三再见。");
    expect(text).to.include("版本 1");
    await expectNoAxeViolations(page, "read records");
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

  it("is accessible in English too", async () => {
    await page.getByRole("button", { name: "English" }).click();
    await page.getByRole("heading", { name: "Records" }).waitFor();
    await expectNoAxeViolations(page, "records (en)");
  });
});
