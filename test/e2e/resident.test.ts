// The resident in a real browser (Debian's Chromium): new key → recovery sheet → matching consent and need →
// a proposal (the matching service driven through the API) → accept with a TREATMENT consent → withdraw it.
// Keys, EIP-712 signatures and encryption happen in the page; the test asserts what the resident sees.
import { expect } from "chai";
import { Wallet } from "ethers";
import type { Browser, Page } from "playwright-core";
import { deriveNeed } from "../../src/deid/need.js";
import { Purpose } from "../../src/consent/index.js";
import { accreditCounselor, registerMatcher, startTestServer, type TestServer } from "../helpers/server.js";
import { grant, intake, newResident } from "../integration/matching/helpers.js";
import { expectNoAxeViolations, launch, newPage, retryNonce, loginAs, screenshot } from "./browser.js";

describe("web: resident (browser)", function () {
  this.timeout(120_000);
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  let matcher: Wallet;
  let counselor: Wallet;

  before(async () => {
    [srv, browser] = await Promise.all([startTestServer(), launch()]);
    matcher = await retryNonce(() => registerMatcher(srv));
    await srv.ctx.indexer.sync();
    counselor = (await retryNonce(() => accreditCounselor(srv))).wallet;
    const c = await loginAs(srv, counselor, "counselor");
    await c.put("/v1/counselors/me/profile", {
      specialties: ["elderly_loneliness", "depression", "grief", "anxiety"],
      languages: ["mandarin"],
      modalities: ["in_person", "phone", "video"],
      districts: ["sh.z.west"],
      capacity: 10,
      availability: ["mon_am", "wed_am", "fri_am"],
      gender: "female",
    });
    page = await newPage(browser, "zh-CN");
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  it("creates a key with a recovery sheet, shown in plain zh-CN words", async () => {
    await page.goto(`${srv.url}/resident.html`);
    await expect(page.locator("h1")).to.exist;
    await page.getByRole("heading", { name: "欢迎使用安心" }).waitFor();
    await expectNoAxeViolations(page, "resident welcome (zh-CN)");
    await screenshot(page, "resident-welcome");
    await page.getByRole("button", { name: "创建我的钥匙" }).click();
    await page.getByLabel("密码", { exact: true }).fill("我的安心密码123");
    await page.getByLabel("再输入一次密码").fill("我的安心密码123");
    await page.getByRole("button", { name: "创建我的钥匙" }).click();
    await page.getByRole("heading", { name: "您的恢复单" }).waitFor({ timeout: 30_000 });
    const groups = await page.locator("#recovery-code li").allInnerTexts();
    expect(groups).to.have.length(16);
    for (const g of groups) expect(g).to.match(/^[0-9a-f]{4}$/);
    await expectNoAxeViolations(page, "recovery sheet");
    await screenshot(page, "resident-recovery-sheet");
    await page.getByRole("button", { name: "我已经保存好了" }).click();
    await page.getByRole("heading", { name: "您想做什么？" }).waitFor();
    await expectNoAxeViolations(page, "resident home (zh-CN)");
    await screenshot(page, "resident-home");
    // The crisis button is on every resident screen and opens the hotlines as tel: links.
    await page.getByRole("button", { name: "紧急求助" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("link", { name: "拨打 12356" }).waitFor();
    expect(await dialog.getByRole("link", { name: "拨打 110" }).getAttribute("href")).to.equal("tel:110");
    await expectNoAxeViolations(page, "crisis dialog");
    await screenshot(page, "resident-crisis-help");
    await dialog.getByRole("button", { name: "关闭" }).click();
  });

  it("takes an assessment and reads the result in plain words", async () => {
    await page.getByRole("button", { name: "做一次心理评估" }).click();
    await page.locator('[data-instrument="who5"]').click();
    for (let i = 0; i < 5; i++) {
      await page.locator("label.choice").nth(3).click();
      await page.getByRole("button", { name: i === 4 ? "看结果" : "下一步" }).click();
    }
    await page.getByRole("heading", { name: "您的结果" }).waitFor();
    const text = await page.locator("main").innerText();
    expect(text).to.include("不是诊断");
    expect(text).to.match(/得分\s*40/); // five answers of 2 on 0–5, × 4
    await expectNoAxeViolations(page, "assessment result");
    await screenshot(page, "resident-assessment-result");
    await page.getByRole("button", { name: "回到首页" }).click();
  });

  it("finds a counsellor: consents to matching, gets a proposal, accepts it with a TREATMENT consent", async () => {
    await page.getByRole("button", { name: "找一位咨询师" }).click();
    await page.getByLabel("您想聊什么？").selectOption("elderly_loneliness");
    await page.getByLabel("您住在哪个区？").selectOption("sh.xuhui");
    await page.getByLabel("您的年龄段").fill("72");
    await expectNoAxeViolations(page, "need form");
    await page.getByRole("button", { name: "下一步" }).click();
    await page.getByRole("heading", { name: "请看一下这份同意书" }).waitFor();
    expect(await page.locator("main").innerText()).to.include("为您找到合适的咨询师");
    await page.getByLabel("匹配服务地址").fill(matcher.address);
    await expectNoAxeViolations(page, "matching consent");
    await screenshot(page, "resident-consent-matching");
    await page.getByRole("button", { name: "我同意，签名" }).click();
    await page.getByRole("heading", { name: "为您推荐的咨询师" }).waitFor({ timeout: 60_000 });
    expect(await page.locator("main").innerText()).to.include("还没有推荐");

    // Four other residents in the same district, age band and language make the pool 5-anonymous and 2-diverse.
    for (const cats of [["depression"], ["elderly_loneliness"], ["grief"], ["depression"]]) {
      const r = await newResident();
      const { keys, api } = await r.as(srv, matcher.address);
      await grant(srv, keys, matcher.address, Purpose.MATCHING, ["need"]);
      await api.post("/v1/needs", { need: deriveNeed(intake(cats, { place: "sh.xuhui", age: 71, modalities: ["in_person"], availability: ["mon_am"] })) });
    }
    const m = await srv.api().login(matcher);
    const run = await m.post("/v1/match/run", {});
    expect(JSON.stringify(run)).to.include(counselor.address.toLowerCase());

    await page.getByRole("button", { name: "再看一次" }).click();
    await page.getByRole("button", { name: "接受这位咨询师" }).waitFor();
    await expectNoAxeViolations(page, "proposal");
    await screenshot(page, "resident-proposal");
    await page.getByRole("button", { name: "接受这位咨询师" }).click();
    await page.getByRole("heading", { name: "请看一下这份同意书" }).waitFor();
    expect(await page.locator("main").innerText()).to.include("心理咨询");
    await page.getByRole("button", { name: "我同意，签名" }).click();
    await page.getByText("已接受。您的咨询师现在可以看到您同意的信息。").first().waitFor({ timeout: 60_000 });
    // The server's view agrees: the counsellor now has this resident on the caseload.
    const c = await srv.api().login(counselor);
    const clients = (await c.get<{ clients: unknown[] }>("/v1/match/clients")).clients;
    expect(clients).to.have.length(1);
  });

  it("sees every consent and withdraws the counsellor's", async () => {
    await page.getByRole("button", { name: "回到首页" }).click();
    await page.getByRole("button", { name: "我的同意" }).click();
    await page.getByRole("heading", { name: "我的同意" }).waitFor();
    const cards = page.locator("li.consent");
    await expect(await cards.count()).to.equal(2);
    const treatment = page.locator("li.consent", { hasText: "心理咨询" });
    expect(await treatment.locator(".badge").innerText()).to.equal("有效");
    await expectNoAxeViolations(page, "my consents");
    await screenshot(page, "resident-consents");
    await treatment.getByRole("button", { name: "撤回" }).click();
    await page.locator(".status.ok, .status.error").first().waitFor({ timeout: 60_000 });
    expect(await page.locator(".status").innerText()).to.equal("已撤回。");
    expect(await page.locator("li.consent", { hasText: "心理咨询" }).locator(".badge").innerText()).to.equal("已撤回");
    const c = await srv.api().login(counselor);
    const items = (await c.get<{ items: Array<{ state: string; purpose: number }> }>(`/v1/consents?grantee=${counselor.address.toLowerCase()}`)).items;
    expect(items.filter((i) => i.purpose === 0).map((i) => i.state)).to.deep.equal(["revoked"]);
  });

  it("switches to English and stays accessible", async () => {
    await page.getByRole("button", { name: "English" }).click();
    await page.getByRole("heading", { name: "My consents" }).waitFor();
    expect(await page.locator("html").getAttribute("lang")).to.equal("en");
    expect(await page.getByRole("button", { name: "Crisis help" }).isVisible()).to.equal(true);
    await expectNoAxeViolations(page, "my consents (en)");
  });
});
