// The counsellor's workspace, with the resident and the counsellor side by side on the real server and chain: a
// counsellor set up only in the page (district 徐汇区, a slot with a place) is matched to the resident's in-person
// (面谈) need; she accepts and shares the name she wants to be called (sealed to that counsellor only); her PHQ-9,
// GAD-7 and WHO-5 results reach the counsellor, whose caseload shows her name, the item-9 flag, the open alert and
// the next appointment; the day and week calendar show the way of meeting and the place; SOAP and safety-plan
// templates become encrypted records; records read in plain zh-CN with charts and tables of the scores.
import { expect } from "chai";
import type { Wallet } from "ethers";
import type { Browser, Page } from "playwright-core";
import { deriveNeed } from "../../src/deid/need.js";
import { Purpose } from "../../src/consent/index.js";
import { accreditCounselor, registerMatcher, startTestServer, type TestServer } from "../helpers/server.js";
import { grant, intake, newResident } from "../integration/matching/helpers.js";
import { startTestOffice, type TestOffice } from "../helpers/office.js";
import { issueTokens } from "../../src/services/office.js";
import { matchingService } from "../../src/services/matching.js";
import { createResidentInPage, expectNoAxeViolationsBoth, expectUsableAtZoom, launch, newPage, retryNonce, screenshot, staffSignIn } from "./browser.js";

const NAME = "王阿姨";
const PLACE = "田林街道社区服务中心 201 室";
/** Tomorrow's date in the city (Asia/Shanghai), as the page's datetime-local field takes it. */
const cityDate = (ms: number) => new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(ms));

describe("web: the counsellor's workspace, resident and counsellor side by side (browser)", function () {
  this.timeout(300_000);
  let srv: TestServer;
  let office: TestOffice;
  let browser: Browser;
  let rPage: Page;
  let cPage: Page;
  let counselor: Wallet;
  let matcher: Wallet;
  let subject = "";

  before(async () => {
    [srv, browser] = await Promise.all([startTestServer({ config: { clientCopyDelayMaxMs: 300, clientGrantDelayMaxMs: 300 } }), launch()]);
    office = await startTestOffice(srv.dataDir);
    matcher = await retryNonce(() => registerMatcher(srv));
    counselor = (await retryNonce(() => accreditCounselor(srv))).wallet;
    rPage = await newPage(browser, "zh-CN", { width: 390, height: 844 });
    cPage = await newPage(browser, "zh-CN");
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  const rHome = async () => {
    await rPage.getByRole("button", { name: "回到首页" }).first().click();
    await rPage.getByRole("heading", { name: "您想做什么？" }).waitFor();
  };
  const cHome = async () => {
    for (let i = 0; i < 5 && !(await cPage.getByRole("heading", { name: "今天要做什么？" }).isVisible()); i++) {
      await cPage.getByRole("button", { name: "返回" }).last().click();
      await cPage.waitForTimeout(200);
    }
    await cPage.getByRole("heading", { name: "今天要做什么？" }).waitFor();
  };
  /** One questionnaire in the resident's page: `choice(i)` is the option index of item i. */
  async function take(instrument: string, items: number, choice: (i: number) => number) {
    await rPage.getByRole("button", { name: "做一次心理评估" }).click();
    await rPage.locator(`[data-instrument="${instrument}"]`).click();
    for (let i = 0; i < items; i++) {
      await rPage.locator("label.choice").nth(choice(i)).click();
      await rPage.getByRole("button", { name: i === items - 1 ? "看结果" : "下一步" }).click();
    }
    await rPage.getByRole("heading", { name: "您的结果" }).waitFor();
    await rPage.locator("#result-saved").waitFor({ timeout: 30_000 });
  }

  it("sets the counsellor up only in the page: district, profile and a slot with a place", async () => {
    await staffSignIn(cPage, `${srv.url}/counselor.html`, counselor, "今天要做什么？");
    await cPage.getByRole("button", { name: "时间与容量" }).click();
    await cPage.locator("#served-districts").getByLabel("徐汇区").check();
    await cPage.getByRole("button", { name: "保存资料" }).click();
    await cPage.locator(".status.ok").waitFor({ timeout: 30_000 });
    await cPage.getByLabel("可预约时间（开始）").fill(`${cityDate(Date.now() + 86_400_000)}T10:00`);
    await cPage.getByLabel("面谈地点", { exact: false }).fill(PLACE);
    await cPage.getByRole("button", { name: "添加这个时间" }).click();
    await cPage.locator("#my-slots li", { hasText: PLACE }).waitFor({ timeout: 30_000 });
    const [slot] = await srv.ctx.db.query<{ place: string }>("SELECT place FROM booking_slots");
    expect(slot!.place).to.equal(PLACE);
    // The form was drawn again from the published profile: saving it again keeps the district.
    expect(await cPage.locator("#served-districts").getByLabel("徐汇区").isChecked()).to.equal(true);
    expect(await cPage.getByLabel("面谈地点", { exact: false }).inputValue()).to.equal(PLACE);
    await cHome();
  });

  it("matches her in-person need to that counsellor; she accepts and shares the name she chose, sealed to the counsellor", async () => {
    await createResidentInPage(rPage, srv.url);

    await rPage.getByRole("button", { name: "找一位咨询师" }).click();
    await rPage.getByLabel("您想聊什么？").selectOption("depression");
    await rPage.getByLabel("您住在哪个区？").selectOption({ label: "徐汇区" });
    await rPage.getByRole("radio", { name: "70–74 岁" }).check();
    await rPage.getByRole("button", { name: "下一步" }).click();
    await rPage.getByRole("heading", { name: "到社区办公室核验一次" }).waitFor();
    const request = JSON.parse(await rPage.getByLabel("申请码（给工作人员）").inputValue());
    const issued = issueTokens(office.secret, request);
    office.secret = issued.secret;
    await rPage.getByLabel("工作人员给您的回复").fill(JSON.stringify(issued.response));
    await rPage.getByRole("button", { name: "保存" }).click();
    await rPage.getByRole("button", { name: "我同意，签名" }).click();
    await rPage.getByRole("heading", { name: "为您推荐的咨询师" }).waitFor({ timeout: 60_000 });
    const [need] = await srv.ctx.db.query<{ need: { modalities: string[] } }>("SELECT need FROM match_needs");
    expect(need!.need.modalities, "the need form's default way of meeting").to.deep.equal(["in_person"]);
    // Four other in-person needs in 徐汇区 make the pool 5-anonymous.
    for (const cats of [["depression"], ["anxiety"], ["grief"], ["anxiety"]]) {
      const r = await newResident();
      const { keys, api } = await r.as(srv, matcher.address);
      await grant(srv, keys, matcher.address, Purpose.MATCHING, ["need"]);
      await api.post("/v1/needs", { need: deriveNeed(intake(cats, { place: "310104", age: 71, modalities: ["in_person"], availability: ["mon_am", "wed_am", "fri_am"] })), token: await office.token() });
    }
    await matchingService(srv.ctx).publishAll();
    const run = await (await srv.api().login(matcher)).post<{ proposals: Array<{ counselorId: string }> }>("/v1/match/run", {});
    expect(run.proposals.length, "in-person needs matched to the counsellor set up in the page").to.be.greaterThan(0);
    expect(run.proposals.every((p) => p.counselorId === counselor.address.toLowerCase())).to.equal(true);

    await rPage.getByRole("button", { name: "再看一次" }).click();
    await rPage.getByRole("button", { name: "接受这位咨询师" }).click();
    await rPage.getByRole("heading", { name: "请看一下这份同意书" }).waitFor();
    expect(await rPage.locator("main").innerText()).to.not.include("身份信息");
    await rPage.getByLabel("您希望咨询师怎么称呼您？（可选）").fill(NAME);
    await rPage.locator("main", { hasText: "身份信息" }).waitFor(); // the card now shows what will be signed
    await expectNoAxeViolationsBoth(rPage, "treatment consent with the name field");
    await rPage.getByLabel("您希望咨询师怎么称呼您？（可选）").fill(NAME); // (the language round trip drew the form anew)
    await rPage.locator("main", { hasText: "身份信息" }).waitFor();
    await screenshot(rPage, "resident-share-name");
    await rPage.getByRole("button", { name: "我同意，签名" }).click();
    await rPage.getByText("已接受。您的咨询师现在可以看到您同意的信息。").first().waitFor({ timeout: 60_000 }).catch(async (e) => {
      throw new Error(`${(e as Error).message}\nthe page says: ${await rPage.locator(".status").innerText()}`);
    });
    const c = await srv.api().login(counselor);
    const mine = (await c.get<{ items: Array<{ subject: string; purpose: number; state: string; categories: string[] | null }> }>(`/v1/consents?grantee=${counselor.address.toLowerCase()}`)).items;
    const treatment = mine.find((i) => i.purpose === Purpose.TREATMENT && i.state === "active")!;
    subject = treatment.subject;
    expect(treatment.categories).to.include("identity");
    const ids = (await c.get<{ identities: Array<{ subject: string }> }>("/v1/counselors/me/identities")).identities;
    expect(ids.map((i) => i.subject)).to.deep.equal([subject]);
    // The server holds the name only as ciphertext.
    const dump = await srv.ctx.db.query<{ t: string }>("SELECT envelope::text AS t FROM records WHERE kind = 'identity'");
    expect(dump).to.have.length(1);
    expect(dump[0]!.t).to.not.include(NAME);
    await rHome();
  });

  it("her results reach the counsellor: home alert count, caseload by name with item 9, open alert and next appointment", async () => {
    await take("phq9", 9, (i) => (i === 8 ? 0 : 2)); // 16 · 中重度, item 9 = 0
    await rHome();
    await take("gad7", 7, () => 1); // 7 · 轻度
    await rHome();
    await take("who5", 5, () => 3); // 5 answers of 2 → 40
    await rHome();
    await take("phq9", 9, (i) => (i === 8 ? 1 : 1)); // 9 · 轻度, item 9 = 1: a crisis answer
    await rPage.locator("#crisis-told").waitFor({ timeout: 30_000 });
    await rHome();
    await rPage.getByRole("button", { name: "预约咨询时间" }).click();
    await rPage.locator("#slots button").first().click();
    await rPage.getByRole("heading", { name: "确认预约" }).waitFor();
    await rPage.getByLabel("见面方式").selectOption("in_person");
    await rPage.getByRole("button", { name: "确认预约" }).click();
    await rPage.getByRole("heading", { name: "预约成功" }).waitFor({ timeout: 30_000 });

    // The counsellor's home: the open alerts are counted (the server's list first, so a failure says which side).
    const open = (await (await srv.api().login(counselor)).get<{ alerts: Array<{ ackedAt: string | null; subjectRef: string }> }>("/v1/alerts")).alerts.filter((a) => !a.ackedAt);
    expect(open.map((a) => a.subjectRef), "the crisis answer's alert to her counsellor").to.include(subject);
    await cPage.getByRole("button", { name: "我的服务对象" }).click();
    await cPage.getByRole("heading", { name: "我的服务对象" }).waitFor({ timeout: 30_000 });
    await cHome(); // drawn afresh
    const count = await cPage.locator("#alert-count").innerText();
    expect(count).to.match(/^有 \d+ 条提醒还没有处理。$/);
    expect(await cPage.getByRole("button", { name: /^提醒 · \d+ 条未处理$/ }).count()).to.equal(1);
    await expectNoAxeViolationsBoth(cPage, "counsellor home with the alert count");
    await screenshot(cPage, "counselor-home-alerts");

    await cPage.getByRole("button", { name: "我的服务对象" }).click();
    const card = cPage.locator(`li[data-subject="${subject}"]`);
    await card.waitFor({ timeout: 30_000 });
    const text = await card.innerText();
    expect(await card.locator("h2").innerText()).to.equal(NAME);
    expect(text).to.include("PHQ-9 第 9 题：有伤害自己的念头（1 分）");
    expect(text).to.match(/未处理的提醒 \d+ 条/);
    expect(text).to.match(/下次预约\s+\d{4}年\d+月\d+日 10:00 – 10:50/);
    expect(text).to.match(/上次联系\s+还没有/);
    expect(text).to.not.match(/0x[0-9a-f]{4}/); // her chosen name, not an address
    await expectNoAxeViolationsBoth(cPage, "caseload with names and flags");
    await expectUsableAtZoom(cPage, "caseload");
    await screenshot(cPage, "counselor-caseload");
  });

  it("shows the booking on the week and day calendar with the way of meeting and the place", async () => {
    await cHome();
    await cPage.getByRole("button", { name: "日程" }).click();
    await cPage.locator("#calendar").waitFor();
    const tomorrow = cityDate(Date.now() + 86_400_000);
    if ((await cPage.locator(`.cal-day[data-day="${tomorrow}"]`).count()) === 0) await cPage.getByRole("button", { name: "下一段" }).click(); // today is Sunday
    const entry = cPage.locator(`.cal-day[data-day="${tomorrow}"] li.cal-entry`);
    await entry.waitFor({ timeout: 30_000 });
    expect(await cPage.locator(".cal-day").count()).to.equal(7);
    const text = await entry.innerText();
    expect(text).to.include(`10:00 – 10:50 · ${NAME}`);
    expect(text).to.include("面谈");
    expect(text).to.include(PLACE);
    await expectNoAxeViolationsBoth(cPage, "week calendar");
    await expectUsableAtZoom(cPage, "week calendar");
    await screenshot(cPage, "counselor-calendar-week");
    await cPage.getByRole("button", { name: "日视图" }).click();
    await cPage.locator(".calendar.view-day").waitFor();
    if ((await cPage.locator(`.cal-day[data-day="${tomorrow}"]`).count()) === 0) await cPage.getByRole("button", { name: "下一段" }).click();
    await cPage.locator(`.cal-day[data-day="${tomorrow}"] li.cal-entry`, { hasText: PLACE }).waitFor({ timeout: 30_000 });
    await expectNoAxeViolationsBoth(cPage, "day calendar");
    await screenshot(cPage, "counselor-calendar-day");
  });

  it("writes a SOAP note, a risk assessment and a Stanley & Brown safety plan from templates; their fields are sealed, never plaintext on the server", async () => {
    await cHome();
    await cPage.getByRole("button", { name: "我的服务对象" }).click();
    await cPage.locator(`li[data-subject="${subject}"]`).getByRole("button", { name: "写记录" }).click();
    await cPage.getByLabel("记录模板").selectOption("soap");
    await cPage.getByLabel("S 主观资料：居民自己说的情况").fill("最近两周睡不好，早醒。");
    await cPage.getByLabel("O 客观资料：观察到的表现、量表分数").fill("PHQ-9 第 9 题 1 分。");
    await cPage.getByLabel("A 评估：您的判断").fill("中度抑郁情绪，需关注风险。");
    await cPage.getByLabel("P 计划：下一步做什么").fill("下周面谈，制定安全计划。");
    await expectNoAxeViolationsBoth(cPage, "SOAP template");
    await cPage.getByLabel("S 主观资料：居民自己说的情况").fill("最近两周睡不好，早醒。"); // (redrawn by the language round trip)
    await cPage.getByLabel("O 客观资料：观察到的表现、量表分数").fill("PHQ-9 第 9 题 1 分。");
    await cPage.getByLabel("A 评估：您的判断").fill("中度抑郁情绪，需关注风险。");
    await cPage.getByLabel("P 计划：下一步做什么").fill("下周面谈，制定安全计划。");
    await screenshot(cPage, "counselor-note-soap");
    await cPage.getByRole("button", { name: "加密并保存" }).click();
    await cPage.locator('li.record[data-schema="anxin.note.soap.v1"]').waitFor({ timeout: 30_000 });

    await cPage.getByRole("button", { name: "写记录" }).click();
    await cPage.getByLabel("记录模板").selectOption("risk");
    await cPage.getByLabel("自杀或自伤的想法（频率、强度）").fill("有几天想过不如死了，没有计划。");
    await cPage.getByLabel("保护因素").fill("女儿每周来看她。");
    await cPage.getByLabel("风险等级").selectOption("medium");
    await expectNoAxeViolationsBoth(cPage, "risk assessment template");
    await cPage.getByLabel("自杀或自伤的想法（频率、强度）").fill("有几天想过不如死了，没有计划。");
    await cPage.getByLabel("保护因素").fill("女儿每周来看她。");
    await cPage.getByLabel("风险等级").selectOption("medium");
    await cPage.getByRole("button", { name: "加密并保存" }).click();
    const risk = cPage.locator('li.record[data-schema="anxin.note.risk.v1"]');
    await risk.waitFor({ timeout: 30_000 });
    expect(await risk.innerText()).to.match(/风险等级\s+中/);

    await cPage.getByRole("button", { name: "写记录" }).click();
    await cPage.getByLabel("记录模板").selectOption("safety");
    const plan: Array<[string, string]> = [
      ["1. 预警信号", "夜里一个人想起老伴，睡不着"],
      ["2. 自己可以做的应对方法", "听评弹，做八段锦"],
      ["3. 能分散注意力的人和场所", "社区老年活动室"],
      ["4. 可以求助的人", "女儿 139 0000 0000"],
      ["5. 专业人员和机构", "社区咨询师；12356"],
      ["6. 让环境更安全", "药由女儿保管"],
    ];
    for (const [label, value] of plan) await cPage.getByLabel(label).fill(value);
    await expectNoAxeViolationsBoth(cPage, "safety plan template");
    for (const [label, value] of plan) await cPage.getByLabel(label).fill(value);
    await screenshot(cPage, "counselor-safety-plan");
    await cPage.getByRole("button", { name: "加密并保存" }).click();
    const saved = cPage.locator('li.record[data-schema="anxin.safety_plan.v1"]');
    await saved.waitFor({ timeout: 30_000 });
    const shown = await saved.innerText();
    expect(shown).to.include("安全计划（Stanley & Brown） · 版本 1");
    for (const [, value] of plan) expect(shown).to.include(value);
    const rows = await srv.ctx.db.query<{ t: string }>("SELECT envelope::text AS t FROM records WHERE schema IN ('anxin.note.soap.v1', 'anxin.note.risk.v1', 'anxin.safety_plan.v1')");
    expect(rows).to.have.length(3);
    for (const r of rows) for (const word of ["睡不好", "八段锦", "女儿", "没有计划", "warningSigns", "protective"]) expect(r.t).to.not.include(word);
  });

  it("reads her records in plain zh-CN with item 9 flagged, and charts PHQ-9, GAD-7 and WHO-5 over time with tables", async () => {
    const main = await cPage.locator("main").innerText();
    expect(main).to.include("PHQ-9 抑郁量表 · 16 分 · 中重度");
    expect(main).to.include("PHQ-9 抑郁量表 · 9 分 · 轻度");
    expect(main).to.include("GAD-7 焦虑量表 · 7 分 · 轻度");
    expect(main).to.include("WHO-5 身心健康指数 · 40 分");
    expect(main).to.not.match(/PHQ9|moderately_severe|得分/);
    expect(await cPage.locator("p.flag-item9").count()).to.equal(1);
    expect(await cPage.locator("p.flag-item9").innerText()).to.equal("第 9 题（伤害自己的念头）：1 分，请优先评估风险");
    // One chart per instrument, as many points as results; the same numbers in the table beside it.
    expect(await cPage.locator('svg.measure-chart[data-instrument="phq9"] circle').count()).to.equal(2);
    expect(await cPage.locator('svg.measure-chart[data-instrument="phq9"] circle.flagged').count()).to.equal(1);
    expect(await cPage.locator("svg.measure-chart").count()).to.equal(3);
    const table = await cPage.locator('figure[data-instrument="phq9"] table').innerText();
    expect(table).to.match(/16\s+中重度/);
    expect(table).to.match(/9\s+轻度 · PHQ-9 第 9 题/);
    await expectNoAxeViolationsBoth(cPage, "records with measures");
    await expectUsableAtZoom(cPage, "records with measures");
    await screenshot(cPage, "counselor-measures");
  });
});
