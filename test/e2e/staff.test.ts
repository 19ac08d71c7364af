// The landing page, the administrator and the auditor in a real browser. The admin signs in with the dev chain's
// authority key (a JSON keystore opened in the page) and accredits a counsellor through the form, who can then
// sign in to the counsellor page. The auditor runs the verification (verdict in words), downloads a record's
// proof bundle and reviews break-glass access the counsellor opened.
import { expect } from "chai";
import { Interface, Wallet, hexlify, randomBytes } from "ethers";
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { DEV_OPERATOR_KEY } from "../../src/chain/index.js";
import { loadArtifact } from "../../src/chain/artifacts.js";
import { counselorKeys, sealJson, walletSigner, x25519PublicKeyToBytes32 } from "../../src/crypto/index.js";
import { appointAuditor, startTestServer, type TestServer } from "../helpers/server.js";
import { newResident } from "../integration/matching/helpers.js";
import { expectNoAxeViolationsBoth, expectUsableAtZoom, keyFile, launch, loginAs, newPage, retryNonce, screenshot, staffSignIn } from "./browser.js";

describe("web: landing, administrator and auditor (browser)", function () {
  this.timeout(150_000);
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  const counselor = new Wallet(Wallet.createRandom().privateKey);

  before(async () => {
    [srv, browser] = await Promise.all([startTestServer(), launch()]);
    page = await newPage(browser, "zh-CN");
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  it("landing page: residents land on their page; staff pages behind a small link, accessible and usable at 200%", async () => {
    await page.goto(`${srv.url}/`);
    await page.getByRole("heading", { name: "欢迎使用安心" }).waitFor();
    expect(new URL(page.url()).pathname).to.equal("/resident.html");
    await page.getByRole("link", { name: "工作人员入口" }).click();
    await page.getByRole("heading", { name: "工作人员入口" }).waitFor();
    for (const name of ["咨询师", "审计员", "管理方"]) expect(await page.getByRole("link", { name: new RegExp(`^${name}`) }).count()).to.equal(1);
    expect(await page.getByRole("link", { name: "居民首页" }).getAttribute("href")).to.equal("/resident.html");
    await expectNoAxeViolationsBoth(page, "landing");
    await expectUsableAtZoom(page, "landing");
    await screenshot(page, "landing");
  });

  it("administrator accredits a counsellor through the form; the counsellor can then sign in", async () => {
    await staffSignIn(page, `${srv.url}/admin.html`, new Wallet(DEV_OPERATOR_KEY), "管理");
    await expectNoAxeViolationsBoth(page, "admin home");
    await expectUsableAtZoom(page, "admin home");
    await screenshot(page, "admin");
    // Before: the key has no counsellor role.
    expect((await srv.api().login(counselor)).roles).to.not.include("counselor");
    await page.getByRole("button", { name: "认证咨询师" }).click();
    await page.getByRole("heading", { name: "认证咨询师" }).waitFor();
    await expectNoAxeViolationsBoth(page, "accredit form");
    await page.getByLabel("地址（0x 开头）").fill(counselor.address);
    await page.getByLabel("加密公钥").fill("0x1234");
    await page.locator("main").getByRole("button", { name: "认证咨询师" }).click();
    expect(await page.locator(".status").innerText()).to.equal("加密公钥应为 0x 加 64 个十六进制字符。");
    const enc = x25519PublicKeyToBytes32((await counselorKeys(counselor.privateKey)).x25519.publicKey);
    await page.getByLabel("加密公钥").fill(enc);
    await page.locator("main").getByRole("button", { name: "认证咨询师" }).click();
    await page.locator(".status.ok, .status.error").first().waitFor({ timeout: 30_000 });
    expect(await page.locator(".status").innerText()).to.match(/^完成：认证咨询师（0x[0-9a-f]{4}…[0-9a-f]{4}），已写入区块 \d+。$/);
    expect((await loginAs(srv, counselor, "counselor")).roles).to.include("counselor");
    // The registry history shows it.
    await page.getByRole("button", { name: "登记记录" }).click();
    await page.locator("#registry li", { hasText: "认证咨询师" }).first().waitFor();
    await expectNoAxeViolationsBoth(page, "registry");

    // And the counsellor signs in to their own page with the counsellor role.
    const cPage = await newPage(browser, "zh-CN");
    await staffSignIn(cPage, `${srv.url}/counselor.html`, counselor, "今天要做什么？");
    await cPage.context().close();
  });

  it("a key without the role is told so plainly", async () => {
    const p2 = await newPage(browser, "zh-CN");
    await p2.goto(`${srv.url}/auditor.html`);
    await p2.getByLabel("钥匙文件").setInputFiles(await keyFile(new Wallet(Wallet.createRandom().privateKey), "staff-pass-123"));
    await p2.getByLabel("钥匙密码").fill("staff-pass-123");
    await p2.getByRole("button", { name: "打开并登录" }).click();
    await p2.locator(".status.error").waitFor({ timeout: 30_000 });
    expect(await p2.locator(".status").innerText()).to.include("这把钥匙没有这个身份的权限。");
    await p2.context().close();
  });

  it("auditor: verification passes and the page says so; proof bundle and break-glass review", async () => {
    // Data to audit: a resident's own encrypted record, and a break-glass access the counsellor opened on chain.
    const r = await newResident();
    const { keys, api } = await r.as(srv, "vault");
    const env = await sealJson({ kind: "assessment", schema: "anxin.assessment.who5.v1", subjectRef: keys.address, body: { total: 40 }, recipients: [{ address: keys.address, x25519PublicKey: keys.x25519.publicKey }], signer: walletSigner(keys.wallet) });
    const rec = await api.post<{ recordId: string; leafIndex: number }>("/v1/records", env);
    const c = await loginAs(srv, counselor, "counselor");
    await c.post("/v1/chain/fund", {});
    const acct = await c.get("/v1/chain/account");
    const data = new Interface(loadArtifact("ConsentLedger").abi).encodeFunctionData("openEmergency", [keys.address, hexlify(randomBytes(32)), 3600, hexlify(randomBytes(32))]);
    const raw = await counselor.signTransaction({ to: acct.consentLedger, data, nonce: acct.nonce, chainId: acct.chainId, gasLimit: 300_000, maxFeePerGas: BigInt(acct.maxFeePerGas) * 2n, maxPriorityFeePerGas: BigInt(acct.maxPriorityFeePerGas), type: 2 });
    await c.post("/v1/chain/transactions", { rawTransaction: raw });
    // Anchoring runs every second here: wait until the record's leaf is anchored, so the bundle can prove it.
    for (let i = 0; i < 60; i++) {
      const cp = await srv.api().get<{ anchored: { size: number } }>("/v1/log/checkpoint");
      if (cp.anchored.size > rec.leafIndex) break;
      await new Promise((res) => setTimeout(res, 500));
    }

    const auditor = await retryNonce(() => appointAuditor(srv));
    await staffSignIn(page, `${srv.url}/auditor.html`, auditor, "审计");
    await expectNoAxeViolationsBoth(page, "auditor home");
    await page.getByRole("button", { name: "运行核验" }).click();
    await page.locator("#verdict").waitFor({ timeout: 60_000 });
    expect(await page.locator("#verdict").innerText()).to.equal("核验通过");
    expect(await page.locator("main").innerText()).to.include("所有检查都通过");
    const checks = await page.locator("#checks li").allInnerTexts();
    expect(checks).to.have.length(7);
    for (const t of checks) expect(t).to.match(/^✔/);
    expect(checks.join("\n")).to.include("每次查看都有依据");
    await expectNoAxeViolationsBoth(page, "audit report");
    await expectUsableAtZoom(page, "audit report");
    await screenshot(page, "auditor-report");

    await page.getByRole("button", { name: "返回" }).click();
    await page.getByRole("button", { name: "下载证明包" }).click();
    await page.getByLabel("记录编号").fill("not-an-id");
    await page.locator("main").getByRole("button", { name: "下载证明包" }).click();
    expect(await page.locator(".status").innerText()).to.equal("记录编号格式不对。");
    await page.getByLabel("记录编号").fill(rec.recordId);
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator("main").getByRole("button", { name: "下载证明包" }).click()]);
    const bundle = JSON.parse(readFileSync((await download.path())!, "utf8"));
    expect(JSON.stringify(bundle)).to.include(rec.recordId);
    await page.locator(".status.ok").waitFor();
    await expectNoAxeViolationsBoth(page, "proof bundle");

    await page.getByRole("button", { name: "返回" }).click();
    await page.getByRole("button", { name: "紧急查看事件" }).click();
    const card = page.locator("#break-glass li").first();
    await card.waitFor({ timeout: 30_000 });
    const text = await card.innerText();
    expect(text).to.include(counselor.address.toLowerCase().slice(0, 6));
    expect(text).to.include(keys.address.slice(0, 6));
    await expectNoAxeViolationsBoth(page, "break-glass review");
    await screenshot(page, "auditor-break-glass");
  });
});
