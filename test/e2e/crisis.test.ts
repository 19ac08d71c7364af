// The crisis path in two browsers side by side: a counsellor set up only through the web page (districts by name,
// on-call hours) is matched to an in-person need and is on call; a resident's PHQ-9 item 9 answer reaches her
// alert list at once; the resident sees who was told and when, shares a callback number sealed to her; the
// counsellor calls back (tel: link) and opens emergency access; the resident's home screen shows the notice.
import { expect } from "chai";
import type { Wallet } from "ethers";
import type { Browser, Page } from "playwright-core";
import { deriveNeed } from "../../src/deid/need.js";
import { Purpose } from "../../src/consent/index.js";
import { accreditCounselor, registerMatcher, startTestServer, type TestServer } from "../helpers/server.js";
import { grant, intake, newResident } from "../integration/matching/helpers.js";
import { startTestOffice, type TestOffice } from "../helpers/office.js";
import { matchingService } from "../../src/services/matching.js";
import { createResidentInPage, expectNoAxeViolationsBoth, expectUsableAtZoom, launch, newPage, retryNonce, screenshot, staffSignIn } from "./browser.js";
import { measureScreen, writeTable } from "./elder-measure.js";

describe("web: crisis path, resident and counsellor side by side (browser)", function () {
  this.timeout(240_000);
  let srv: TestServer;
  let office: TestOffice;
  let browser: Browser;
  let rPage: Page;
  let cPage: Page;
  let counselor: Wallet;
  let matcher: Wallet;

  before(async () => {
    [srv, browser] = await Promise.all([startTestServer(), launch()]);
    office = await startTestOffice(srv.dataDir);
    matcher = await retryNonce(() => registerMatcher(srv));
    counselor = (await retryNonce(() => accreditCounselor(srv))).wallet;
    // Two contexts: each page has its own storage, as two people's phones would.
    rPage = await newPage(browser, "zh-CN", { width: 390, height: 844 });
    // tsx names functions with a helper (__name) that elder-measure.ts's page.evaluate'd code does not carry.
    await rPage.addInitScript({ content: "window.__name = (f) => f;" });
    cPage = await newPage(browser, "zh-CN");
  });
  after(async () => {
    console.log(writeTable("elder-table-crisis"));
    await browser?.close();
    await srv?.stop();
  });

  const counselorHome = async () => {
    for (let i = 0; i < 4 && !(await cPage.getByRole("heading", { name: "今天要做什么？" }).isVisible()); i++) {
      await cPage.getByRole("button", { name: "返回" }).last().click();
      await cPage.waitForTimeout(200);
    }
  };

  it("a counsellor set up only in the page (districts by name, on-call hours) is matched to an in-person need", async () => {
    await staffSignIn(cPage, `${srv.url}/counselor.html`, counselor, "今天要做什么？");
    await cPage.getByRole("button", { name: "时间与容量" }).click();
    await cPage.locator("#served-districts").waitFor();
    await expectNoAxeViolationsBoth(cPage, "availability with districts and on-call hours");
    await cPage.locator("#served-districts").getByLabel("徐汇区").check();
    for (const day of ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]) {
      await cPage.locator(`#oncall-${day}`).check();
      await cPage.locator(`#oncall-${day}-from`).fill("00:00");
      await cPage.locator(`#oncall-${day}-to`).fill("00:00"); // 00:00–00:00: the whole day
    }
    await cPage.getByLabel("周一 上午").check();
    await screenshot(cPage, "counselor-on-call");
    await cPage.getByRole("button", { name: "保存资料" }).click();
    await cPage.locator(".status.ok").waitFor({ timeout: 30_000 });
    expect(await cPage.locator(".status").innerText()).to.equal("资料和值班时间已保存。现在在值班。");
    const [row] = await srv.ctx.db.query<{ profile: { districts: string[] } }>("SELECT profile FROM match_profiles");
    expect(row!.profile.districts).to.deep.equal(["310104"]);

    // Five in-person (面谈) needs in 徐汇区: before the fix the page saved districts: [] and 0 of 5 were proposed.
    for (const cats of [["depression"], ["anxiety"], ["depression"], ["anxiety"], ["depression"]]) {
      const r = await newResident();
      const { keys, api } = await r.as(srv, matcher.address);
      await grant(srv, keys, matcher.address, Purpose.MATCHING, ["need"]);
      await api.post("/v1/needs", { need: deriveNeed(intake(cats, { place: "310104", age: 71, modalities: ["in_person"], availability: ["mon_am"] })), token: await office.token() });
    }
    await matchingService(srv.ctx).publishAll(); // the scheduled batch
    const run = await (await srv.api().login(matcher)).post<{ proposals: Array<{ counselorId: string }> }>("/v1/match/run", {});
    expect(run.proposals.length).to.be.greaterThan(0);
    expect(run.proposals.every((p) => p.counselorId === counselor.address.toLowerCase())).to.equal(true);
    await counselorHome();
  });

  let alertId = "";
  it("a PHQ-9 item-9 answer reaches the on-call counsellor's page at once; the resident sees who was told", async () => {
    await createResidentInPage(rPage, srv.url);
    await rPage.getByRole("button", { name: "做一次心理评估" }).click();
    await rPage.locator('[data-instrument="phq9"]').click();
    for (let i = 0; i < 9; i++) {
      await rPage.locator("label.choice").nth(i === 8 ? 3 : 1).click(); // item 9: 几乎每天 (3)
      await rPage.getByRole("button", { name: i === 8 ? "看结果" : "下一步" }).click();
    }
    const t0 = Date.now();
    await rPage.locator("#crisis-told").waitFor({ timeout: 30_000 });
    const told = await rPage.locator("#crisis-told").innerText();
    expect(told).to.include("值班咨询师已收到，会尽快联系您");
    expect(told).to.include("看不到您的答案");
    // The counsellor's page, side by side: the alert appears on its list.
    await cPage.getByRole("button", { name: "提醒" }).click();
    const card = cPage.locator("li.alert").first();
    await card.waitFor({ timeout: 5000 });
    console.log(`      resident's result screen → counsellor's alert list: ${Date.now() - t0} ms`);
    expect(await card.locator("h2").innerText()).to.include("值班转介");
    alertId = (await card.getAttribute("data-alert"))!;
    await expectNoAxeViolationsBoth(rPage, "crisis result with who was told");
    await expectUsableAtZoom(rPage, "crisis result");
    await screenshot(rPage, "resident-crisis-told");
    // The crisis route in 标准 / 大 / 特大 (elder-measure.ts: text, targets, sideways scroll, crisis bar, axe).
    await measureScreen(rPage, "危机：已通知值班咨询师 crisis told", "standard");
    await expectNoAxeViolationsBoth(cPage, "on-call alert");
    await screenshot(cPage, "counselor-crisis-alert");
  });

  it("shares a callback number sealed to the on-call counsellor, who calls back from the alert", async () => {
    await rPage.getByLabel("回电号码").fill("13800138000");
    await rPage.getByRole("button", { name: "只分享给值班咨询师" }).click();
    await rPage.locator(".status.ok").waitFor({ timeout: 30_000 });
    expect(await rPage.locator(".status").innerText()).to.match(/号码已加密分享给 1 位咨询师/);
    await measureScreen(rPage, "危机：回电号码已分享 callback shared", "standard");
    const [cb] = await srv.ctx.db.query<{ sealed: string }>("SELECT sealed FROM alert_callbacks WHERE alert_id = $1", [alertId]);
    expect(cb!.sealed).to.not.include("13800138000"); // ciphertext only
    await cPage.locator(`[data-callback-button="${alertId}"]`).click();
    const link = cPage.locator(`a[data-callback="${alertId}"]`);
    await link.waitFor({ timeout: 30_000 });
    expect(await link.getAttribute("href")).to.equal("tel:13800138000");
    expect(await link.innerText()).to.equal("回电 13800138000");
    await screenshot(cPage, "counselor-call-back");
  });

  it("an emergency access appears on the resident's home screen in plain words, with a way to ask the community", async () => {
    await cPage.locator("li.alert").first().getByRole("button", { name: "紧急查看" }).click();
    await cPage.getByLabel("我明白：这次查看会被审计，居民会被告知。").check();
    await cPage.getByRole("button", { name: "我明白，开启紧急查看" }).click();
    await cPage.getByRole("heading", { name: "紧急查看已开启" }).waitFor({ timeout: 60_000 });
    await rPage.getByRole("button", { name: "回到首页" }).first().click();
    const notice = rPage.locator("#emergency-notices");
    await notice.waitFor({ timeout: 30_000 });
    const text = await notice.innerText();
    expect(text).to.include("紧急查看通知");
    // People, not hex: this counsellor has no published profile, so the notice says so in words; the address is only
    // behind 详细信息.
    expect(text).to.include("一位咨询师（资料没有核验");
    expect(text).to.not.match(/0x[0-9a-f]{4}/);
    await notice.locator("details summary").first().click();
    expect(await notice.innerText()).to.include(counselor.address.toLowerCase());
    expect(text).to.match(/可查看到 .*（4 小时）/);
    expect(text).to.include("原因");
    await notice.getByRole("button", { name: "向社区询问这次查看" }).click();
    expect(await notice.getByRole("link", { name: "拨打 12356" }).getAttribute("href")).to.equal("tel:12356");
    await expectNoAxeViolationsBoth(rPage, "home with the emergency notice");
    await expectUsableAtZoom(rPage, "home with the emergency notice");
    await measureScreen(rPage, "紧急查看通知 emergency notice", "standard");
    await screenshot(rPage, "resident-emergency-notice");
  });
});
