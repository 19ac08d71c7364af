// The resident in a real browser (Debian's Chromium): new key → recovery sheet → assessment → matching consent
// and need (matcher from the public directory) → a proposal (the matching service driven through the API) →
// accept with a TREATMENT consent → assessments sealed to the counsellor too → access log after the counsellor read
// one → wearable index → booking → withdraw (in-page confirmation) → erasure. Keys, EIP-712 signatures and
// encryption happen in the page; the test asserts what the resident sees (and that the server agrees).
import { expect } from "chai";
import type { Wallet } from "ethers";
import type { Browser, Page } from "playwright-core";
import { deriveNeed } from "../../src/deid/need.js";
import { Purpose } from "../../src/consent/index.js";
import { SHANGHAI_ZONES } from "../helpers/places.js";
import { accreditCounselor, registerMatcher, startTestServer, type TestServer } from "../helpers/server.js";
import { grant, intake, newResident } from "../integration/matching/helpers.js";
import { startTestOffice, type TestOffice } from "../helpers/office.js";
import { issueTokens } from "../../src/services/office.js";
import { matchingService } from "../../src/services/matching.js";
import { publishProfile, wearableCsv } from "./elder-people.js";
import { expectNoAxeViolations, expectNoAxeViolationsBoth, expectUsableAtZoom, launch, loginAs, newPage, retryNonce, screenshot } from "./browser.js";

/** 21 days of plausible wearable data, the last few with a higher heart rate and less sleep. */

describe("web: resident (browser)", function () {
  this.timeout(150_000);
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  let matcher: Wallet;
  let counselor: Wallet;
  /** The resident's TREATMENT relationship address (known once the consent exists). */
  let subject: string;
  let office: TestOffice;
  /** The MATCHING subjects of the other residents the test adds to the pool (not the page's). */
  const others = new Set<string>();

  const home = async () => {
    await page.getByRole("button", { name: "回到首页" }).first().click();
    await page.getByRole("heading", { name: "您想做什么？" }).waitFor();
  };
  const main = () => page.locator("main").innerText();

  before(async () => {
    [srv, browser] = await Promise.all([startTestServer({ config: { zones: SHANGHAI_ZONES, clientCopyDelayMaxMs: 1500, clientGrantDelayMaxMs: 2000 } }), launch()]);
    office = await startTestOffice(srv.dataDir);
    matcher = await retryNonce(() => registerMatcher(srv));
    counselor = (await retryNonce(() => accreditCounselor(srv))).wallet;
    const c = await loginAs(srv, counselor, "counselor");
    await c.put("/v1/counselors/me/profile", {
      specialties: ["elderly_loneliness", "depression", "grief", "anxiety"],
      languages: ["mandarin"],
      modalities: ["in_person", "phone", "video"],
      districts: ["310000.z.west"],
      capacity: 10,
      availability: ["mon_am", "wed_am", "fri_am"],
      gender: "female",
    });
    await retryNonce(() => publishProfile(srv, counselor.address)); // 王静 · 二级心理咨询师 · 徐汇区精神卫生中心
    page = await newPage(browser, "zh-CN");
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  it("creates a key with a recovery sheet, shown in plain zh-CN words; crisis help is one tap away", async () => {
    await page.goto(`${srv.url}/resident.html`);
    await page.getByRole("heading", { name: "欢迎使用安心" }).waitFor();
    await expectNoAxeViolationsBoth(page, "resident welcome");
    await expectUsableAtZoom(page, "resident welcome");
    await screenshot(page, "resident-welcome");
    await page.getByRole("button", { name: "创建我的钥匙" }).click();
    await page.getByLabel("密码", { exact: true }).fill("我的安心密码123");
    await page.getByLabel("再输入一次密码").fill("我的安心密码12");
    await page.getByRole("button", { name: "创建我的钥匙" }).click();
    await page.getByText("两次输入的密码不一样，请重新输入。").waitFor();
    await page.getByLabel("再输入一次密码").fill("我的安心密码123");
    await page.getByRole("button", { name: "创建我的钥匙" }).click();
    await page.getByRole("heading", { name: "请抄下找回用的24个字" }).waitFor({ timeout: 30_000 });
    const words = await page.locator("#recovery-words li").allInnerTexts();
    expect(words).to.have.length(24); // BIP-39 simplified-Chinese characters (test/e2e/recovery.test.ts covers the rest)
    await expectNoAxeViolationsBoth(page, "recovery sheet");
    await page.getByRole("button", { name: "我已经抄好了" }).click();
    for (const box of await page.locator("input[data-position]").all()) await box.fill(words[Number(await box.getAttribute("data-position")) - 1]);
    await page.getByRole("button", { name: "检查", exact: true }).click();
    await page.getByRole("heading", { name: "您想做什么？" }).waitFor();
    await expectNoAxeViolationsBoth(page, "resident home");
    await expectUsableAtZoom(page, "resident home");
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

  async function takeWho5(choice: number) {
    await page.getByRole("button", { name: "做一次心理评估" }).click();
    await page.locator('[data-instrument="who5"]').click();
    for (let i = 0; i < 5; i++) {
      await page.locator("label.choice").nth(choice).click();
      await page.getByRole("button", { name: i === 4 ? "看结果" : "下一步" }).click();
    }
    await page.getByRole("heading", { name: "您的结果" }).waitFor();
    await page.locator("#result-saved").waitFor();
  }

  it("takes an assessment and reads the result in plain words; it is saved encrypted", async () => {
    await takeWho5(3);
    const text = await main();
    expect(text).to.include("不是诊断");
    expect(text).to.match(/得分\s*40/); // five answers of 2 on 0–5, × 4
    expect(await page.locator("#result-saved").innerText()).to.equal("结果已经加密保存。只有您同意的咨询师能看到。");
    await expectNoAxeViolationsBoth(page, "assessment result");
    await screenshot(page, "resident-assessment-result");
    const rows = await srv.ctx.db.query<{ kind: string; envelope: string }>("SELECT kind, envelope::text AS envelope FROM records");
    expect(rows.map((r) => r.kind)).to.deep.equal(["assessment"]);
    expect(rows[0].envelope).to.not.include('"total"'); // sealed: the score is not in clear
    await home();
  });

  it("finds a counsellor: consents to the listed matching service, gets a proposal, accepts it with a TREATMENT consent", async () => {
    await page.getByRole("button", { name: "找一位咨询师" }).click();
    await page.getByLabel("您想聊什么？").selectOption("elderly_loneliness");
    // The city's districts and streets by name, from GET /v1/places (上海: 16 districts; 徐汇区 has 田林街道).
    const district = page.getByLabel("您住在哪个区？");
    expect(await district.locator("option").count()).to.equal(16);
    await district.selectOption({ label: "徐汇区" });
    expect(await district.inputValue()).to.equal("310104");
    const street = page.getByLabel("哪个街道或镇？");
    expect(await street.locator("option").allTextContents()).to.include.members(["不说（只按区匹配）", "田林街道", "徐家汇街道"]);
    await street.selectOption({ label: "田林街道" });
    expect(await street.inputValue()).to.equal("310104011");
    // The age band with buttons: nothing pre-selected (a 72-year-old chooses 70–74).
    expect(await page.locator('input[name="need-age"]:checked').count()).to.equal(0);
    await expectNoAxeViolationsBoth(page, "need form");
    // (after the language round trip, which draws the form anew)
    await page.getByRole("radio", { name: "70–74 岁" }).check();
    await screenshot(page, "resident-need-place");
    await page.getByRole("button", { name: "下一步" }).click();
    // No token yet: one visit to the community office. The staff sign the request code the page shows (blinded).
    await page.getByRole("heading", { name: "到社区办公室核验一次" }).waitFor();
    await expectNoAxeViolationsBoth(page, "office enrollment");
    const request = JSON.parse(await page.getByLabel("申请码（给工作人员）").inputValue());
    expect(request.items.map((i: { period: string }) => i.period)).to.deep.equal([new Date().toISOString().slice(0, 7)]);
    const issued = issueTokens(office.secret, request);
    office.secret = issued.secret;
    await page.getByLabel("工作人员给您的回复").fill(JSON.stringify(issued.response));
    await page.getByRole("button", { name: "保存" }).click();
    await page.getByRole("heading", { name: "请看一下这份同意书" }).waitFor();
    const consentText = await main();
    expect(consentText).to.include("为您找到合适的咨询师");
    // The matching service comes from the public directory: there is no address to type.
    expect(await page.locator("main input").count()).to.equal(0);
    // People, not hex: the address is only behind 详细信息 (closed: not in what she sees).
    expect(consentText).to.not.match(/0x[0-9a-f]{4}/i);
    expect(await page.locator("main details.details").textContent()).to.include(matcher.address.toLowerCase());
    await expectNoAxeViolationsBoth(page, "matching consent");
    await screenshot(page, "resident-consent-matching");
    await page.getByRole("button", { name: "我同意，签名" }).click();
    await page.getByRole("heading", { name: "为您推荐的咨询师" }).waitFor({ timeout: 60_000 });
    expect(await main()).to.include("还没有推荐");
    expect(await page.locator(".status").innerText()).to.equal("需求已发出。有合适的咨询师时，会显示在这里。");

    // Four other residents in the same district, age band and language make the pool 5-anonymous and 2-diverse.
    for (const cats of [["depression"], ["elderly_loneliness"], ["grief"], ["depression"]]) {
      const r = await newResident();
      const { keys, api } = await r.as(srv, matcher.address);
      await grant(srv, keys, matcher.address, Purpose.MATCHING, ["need"]);
      others.add(keys.address.toLowerCase());
      await api.post("/v1/needs", { need: deriveNeed(intake(cats, { place: "310104", age: 71, modalities: ["in_person"], availability: ["mon_am"] })), token: await office.token() });
    }
    const [{ n }] = await srv.ctx.db.query<{ n: string }>("SELECT count(*) AS n FROM match_needs WHERE token_backed");
    expect(Number(n), "the page's need spent its token").to.equal(5);
    await matchingService(srv.ctx).publishAll(); // the scheduled batch
    const m = await srv.api().login(matcher);
    const run = await m.post("/v1/match/run", {});
    expect(JSON.stringify(run)).to.include(counselor.address.toLowerCase());

    await page.getByRole("button", { name: "再看一次" }).click();
    await page.getByRole("button", { name: "接受这位咨询师" }).waitFor();
    expect(await main()).to.include("推荐理由"); // the matcher's plain-words reasons are shown
    await expectNoAxeViolationsBoth(page, "proposal");
    await screenshot(page, "resident-proposal");
    await page.getByRole("button", { name: "接受这位咨询师" }).click();
    await page.getByRole("heading", { name: "请看一下这份同意书" }).waitFor();
    expect(await main()).to.include("心理咨询");
    await page.getByRole("button", { name: "我同意，签名" }).click();
    await page.getByText("已接受。您的咨询师现在可以看到您同意的信息。").first().waitFor({ timeout: 60_000 });
    // The server's view agrees: the counsellor now has this resident on the caseload.
    const c = await srv.api().login(counselor);
    const clients = (await c.get<{ clients: unknown[] }>("/v1/match/clients")).clients;
    expect(clients).to.have.length(1);
    const mine = (await c.get<{ items: Array<{ subject: string; purpose: number; state: string }> }>(`/v1/consents?grantee=${counselor.address.toLowerCase()}`)).items;
    subject = mine.find((i) => i.purpose === Purpose.TREATMENT && i.state === "active")!.subject;
    await home();
  });

  it("signs its grants with the time jitter of FORMATS §Time jitter (the client's draftGrant, as the CLI)", async () => {
    type Item = { subject: string; purpose: number; notBefore: number; notAfter: number; blockTime: number };
    const list = async (w: Wallet) => (await (await srv.api().login(w)).get<{ items: Item[] }>(`/v1/consents?grantee=${w.address.toLowerCase()}`)).items;
    const matching = (await list(matcher)).filter((i) => i.purpose === Purpose.MATCHING && !others.has(i.subject.toLowerCase()));
    const treatment = (await list(counselor)).filter((i) => i.purpose === Purpose.TREATMENT && i.subject.toLowerCase() === subject.toLowerCase());
    expect(matching, "the page's MATCHING grant").to.have.length(1);
    expect(treatment, "the page's TREATMENT grant").to.have.length(1);
    const ends: number[] = [];
    for (const g of [...matching, ...treatment]) {
      // notBefore = signing time − U[0, 3600): before its block, and less than an hour (plus the relay's delay) before it.
      expect(g.notBefore).to.be.at.most(g.blockTime);
      expect(g.blockTime - g.notBefore).to.be.below(3600 + 300);
      // notAfter = notBefore + 365 days + U[0, 86400).
      const end = g.notAfter - g.notBefore - 365 * 86400;
      expect(end).to.be.within(0, 86399);
      ends.push(end);
    }
    // A grant of exactly one year (the page's old drafting) has no end jitter; two such grants by chance: 1 in 7·10⁹.
    expect(ends.some((e) => e > 0), `end offsets ${ends.join(", ")}`).to.equal(true);
  });

  it("seals the next assessment to the counsellor too; after the counsellor opens it, the access log says who and why", async () => {
    await takeWho5(2);
    expect(await page.locator("#result-saved").innerText()).to.equal("结果已经加密保存，您的咨询师也能看到。");
    await home();
    // The counsellor (through the API) lists it under the resident's TREATMENT address and gets the key released.
    const c = await srv.api().login(counselor);
    const list = (await c.get<{ records: Array<{ recordId: string; contentHash: string; kind: string }> }>(`/v1/records?subject=${subject}`)).records;
    expect(list.map((r) => r.kind)).to.deep.equal(["assessment"]);
    const key = await c.get<{ basis: string }>(`/v1/records/${list[0].recordId}/versions/${list[0].contentHash}/key`);
    expect(key.basis).to.equal("grant");

    await page.getByRole("button", { name: "谁看过我的信息" }).click();
    await page.getByRole("heading", { name: "谁看过我的信息" }).waitFor();
    const entries = page.locator("#access-log li");
    expect(await entries.count()).to.equal(1);
    const entry = await entries.first().innerText();
    expect(entry).to.include("您的咨询师王静");
    expect(entry).to.not.match(/0x[0-9a-f]{4}/i); // the address is behind 详细信息
    expect(entry).to.include("查看了您的心理评估结果");
    expect(entry).to.include("依据：您给过的同意。");
    await expectNoAxeViolationsBoth(page, "access log");
    await expectUsableAtZoom(page, "access log");
    await screenshot(page, "resident-access-log");
    await home();
  });

  it("imports wearable data: only the daily index is uploaded, with the 'not a diagnosis' notice", async () => {
    await page.getByRole("button", { name: "导入手环数据" }).click();
    await page.getByRole("heading", { name: "导入手环数据" }).waitFor();
    expect(await main()).to.include("不是诊断");
    await page.getByLabel("您手机里的健康数据导出文件").setInputFiles({ name: "band.csv", mimeType: "text/csv", buffer: Buffer.from(wearableCsv()) });
    await page.getByRole("button", { name: "导入", exact: true }).click();
    await page.getByRole("heading", { name: "导入完成" }).waitFor({ timeout: 30_000 });
    const text = await page.locator("#wearable-result").innerText();
    expect(text).to.match(/天数\s*21/);
    expect(text).to.include("不是诊断");
    expect(await page.locator(".status").innerText()).to.include("不是诊断");
    await expectNoAxeViolations(page, "wearable imported");
    const rows = await srv.ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM wearable_index WHERE subject = $1", [subject]);
    expect(rows[0].n).to.equal(21);
    await home();
  });

  it("books one of the counsellor's free times", async () => {
    const c = await srv.api().login(counselor);
    const start = new Date(Date.now() + 2 * 86_400_000);
    start.setUTCHours(2, 0, 0, 0);
    await c.put("/v1/counselors/me/slots", { slots: [{ start: start.toISOString(), end: new Date(start.getTime() + 50 * 60_000).toISOString() }] });
    await page.getByRole("button", { name: "预约咨询时间" }).click();
    await page.getByRole("heading", { name: "预约咨询时间" }).waitFor();
    const slot = page.locator("#slots button");
    expect(await slot.count()).to.equal(1);
    await expectNoAxeViolationsBoth(page, "booking");
    // One time zone (the city's): start and end agree ("10:00 – 10:50", never "10:00 – 02:50").
    expect(await slot.innerText()).to.match(/ 10:00 – 10:50$/);
    await slot.click();
    // Nothing is booked on one tap: a confirmation screen with the time, the counsellor and the way of meeting.
    await page.getByRole("heading", { name: "确认预约" }).waitFor();
    expect(await srv.ctx.db.query("SELECT 1 FROM bookings")).to.have.length(0);
    // The counsellor by the name the authority published (verified in the page), the address behind 详细信息.
    expect(await main()).to.include("王静");
    expect(await main()).to.not.match(/0x[0-9a-f]{4}/i);
    await page.locator("main summary", { hasText: "详细信息" }).click();
    expect(await page.locator("main details.details").innerText()).to.include(counselor.address.toLowerCase());
    await expectNoAxeViolationsBoth(page, "booking confirmation"); // (a language switch re-renders the form)
    await page.getByLabel("见面方式").selectOption("phone");
    await screenshot(page, "resident-booking-confirm");
    await page.getByRole("button", { name: "确认预约" }).click();
    await page.getByRole("heading", { name: "预约成功" }).waitFor({ timeout: 30_000 });
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "下载日历文件" }).click()]);
    const ics = await (await import("node:fs/promises")).readFile((await download.path())!, "utf8");
    expect(ics).to.include(`DTSTART:${start.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")}`);
    expect(ics).to.include("BEGIN:VEVENT");
    const b = await srv.ctx.db.query<{ sealed: string }>("SELECT sealed::text AS sealed FROM bookings");
    expect(b).to.have.length(1);
    expect(b[0].sealed).to.not.include(start.toISOString()); // the time travels sealed
    // 我的预约: the booking with reschedule and cancel; the home screen reminds her of it.
    await page.getByRole("button", { name: "我的预约" }).click();
    const card = page.locator("li.booking").first();
    await card.waitFor();
    expect(await card.innerText()).to.include("电话");
    await card.getByRole("button", { name: "改期" }).waitFor();
    await card.getByRole("button", { name: "取消预约" }).waitFor();
    await expectNoAxeViolationsBoth(page, "my appointments");
    await screenshot(page, "resident-my-bookings");
    await home();
    expect(await page.locator("#booking-reminder").innerText()).to.match(/^提醒：.* 10:00 – 10:50 .*（电话）/);
  });

  it("sees every consent and withdraws the counsellor's on a confirmation screen", async () => {
    await page.getByRole("button", { name: "我的同意" }).click();
    await page.getByRole("heading", { name: "我的同意" }).waitFor();
    expect(await page.locator("li.consent").count()).to.equal(2);
    const treatment = page.locator("li.consent", { hasText: "心理咨询" });
    expect(await treatment.locator(".badge").innerText()).to.equal("有效");
    await expectNoAxeViolationsBoth(page, "my consents");
    await expectUsableAtZoom(page, "my consents");
    await screenshot(page, "resident-consents");
    await treatment.getByRole("button", { name: "撤回" }).click();
    // Not window.confirm: a screen of its own that says what happens; "no" keeps the consent.
    await page.getByRole("heading", { name: "确定要撤回这份同意吗？" }).waitFor();
    expect(await main()).to.include("对方将立即无法再查看");
    await expectNoAxeViolationsBoth(page, "withdraw confirmation");
    await page.getByRole("button", { name: "不撤回，返回" }).click();
    await page.getByRole("heading", { name: "我的同意" }).waitFor();
    await page.locator("li.consent", { hasText: "心理咨询" }).getByRole("button", { name: "撤回" }).click();
    await page.getByRole("button", { name: "确定撤回" }).click();
    await page.locator(".status.ok, .status.error").first().waitFor({ timeout: 60_000 });
    expect(await page.locator(".status").innerText()).to.equal("已撤回。");
    await page.getByRole("heading", { name: "我的同意" }).waitFor();
    expect(await page.locator("li.consent", { hasText: "心理咨询" }).locator(".badge").innerText()).to.equal("已撤回");
    const c = await srv.api().login(counselor);
    const items = (await c.get<{ items: Array<{ state: string; purpose: number }> }>(`/v1/consents?grantee=${counselor.address.toLowerCase()}`)).items;
    expect(items.filter((i) => i.purpose === Purpose.TREATMENT).map((i) => i.state)).to.deep.equal(["revoked"]);
    // The withdrawal cancelled the future booking for both sides: the counsellor's list says why.
    for (let i = 0; i < 50; i++) {
      const bs = (await c.get<{ bookings: Array<{ status: string; cancelReason: string | null }> }>("/v1/bookings")).bookings;
      if (bs[0]?.status === "cancelled") break;
      await page.waitForTimeout(200);
    }
    expect((await c.get("/v1/bookings")).bookings[0]).to.deep.include({ status: "cancelled", cancelReason: "consent_withdrawn" });
    await home();
  });

  it("switches to English and stays accessible", async () => {
    await page.getByRole("button", { name: "English" }).click();
    await page.getByRole("heading", { name: "What would you like to do?" }).waitFor();
    expect(await page.locator("html").getAttribute("lang")).to.equal("en");
    expect(await page.getByRole("button", { name: "Crisis help" }).isVisible()).to.equal(true);
    await page.getByRole("button", { name: "My consents" }).click();
    await page.getByRole("heading", { name: "My consents" }).waitFor();
    expect(await page.locator("li.consent", { hasText: "counselling" }).locator(".badge").innerText()).to.equal("Withdrawn");
    await expectNoAxeViolations(page, "my consents (en)");
  });
  // Last: afterwards every relationship address is erased and answered 410.
  it("erases all records after a clear confirmation", async () => {
    await page.getByRole("button", { name: "中文" }).click();
    await home();
    await page.getByRole("button", { name: "删除我的信息" }).click();
    await page.getByRole("heading", { name: "删除我的信息" }).waitFor();
    expect(await main()).to.include("无法恢复");
    await page.getByRole("button", { name: "我想删除我的信息" }).click();
    await page.getByRole("heading", { name: "最后确认：删除您的全部记录" }).waitFor();
    await expectNoAxeViolationsBoth(page, "erase confirmation");
    await page.getByRole("button", { name: "确定删除，无法恢复" }).click();
    await page.locator(".status.ok, .status.error").first().waitFor({ timeout: 30_000 });
    expect(await page.locator(".status").innerText()).to.equal("已删除 3 份记录。");
    await page.getByRole("heading", { name: "您想做什么？" }).waitFor();
    const left = await srv.ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM records WHERE envelope IS NOT NULL");
    expect(left[0].n).to.equal(0);
    // Her app signed the withdrawal of every consent still open: none is active any more.
    const erased = await srv.ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM erasures");
    expect(erased[0].n).to.be.at.least(3); // the vault, the matcher and the counsellor relationships
    const open = await srv.ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM consent_grants g
        WHERE encode(sha256(convert_to(g.subject, 'UTF8')), 'hex') IN (SELECT subject_hash FROM erasures)
          AND g.revoked_at IS NULL AND g.not_after > extract(epoch FROM now())
          AND NOT EXISTS (SELECT 1 FROM consent_requests r WHERE r.grant_id = g.grant_id AND r.kind = 'revoke' AND r.status <> 'failed')`,
    );
    expect(open[0].n).to.equal(0);
  });
});
