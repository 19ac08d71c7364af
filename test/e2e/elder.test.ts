// 适老模式 walk on a 390×844 phone (issue 18, parts 5–8): every resident screen measured in 标准 / 大 / 特大
// (test/e2e/elder-measure.ts: smallest text and target, line height, sideways scroll also at 200 % text, nothing
// under the crisis bar, axe 0), errors beside their field in Chinese, show-passphrase, read-aloud recorded through
// an injected speechSynthesis (each item once, buttons too, inside the crisis dialog, never the recovery code or
// an address), questionnaire answers by voice through an injected webkitSpeechRecognition, the age band with
// buttons, the consent receipt as a page, addresses only behind 详细信息.
import { expect } from "chai";
import type { Wallet } from "ethers";
import type { Browser, Page } from "playwright-core";
import { deriveNeed } from "../../src/deid/need.js";
import { Purpose } from "../../src/consent/index.js";
import { SHANGHAI_ZONES } from "../helpers/places.js";
import { accreditCounselor, registerMatcher, startTestServer, type TestServer } from "../helpers/server.js";
import { grant, intake, newResident } from "../integration/matching/helpers.js";
import { launch, loginAs, newPage, retryNonce, screenshot, switchLang } from "./browser.js";
import { MATCH_CENTRE, publishMatcherProfile, publishProfile, wearableCsv } from "./elder-people.js";
import { measureScreen, writeTable } from "./elder-measure.js";
import { startTestOffice, visitOfficeInPage, type TestOffice } from "../helpers/office.js";
import { matchingService } from "../../src/services/matching.js";

/** Records what would be spoken, and a recognizer that "hears" the phrases the test queues in window.__say. */
function injectVoice(): void {
  const w = window as unknown as { __spoken: string[]; __say: string[] };
  w.__spoken = [];
  w.__say = [];
  const synth = {
    speaking: false,
    pending: false,
    paused: false,
    speak(u: SpeechSynthesisUtterance) {
      w.__spoken.push(u.text);
      setTimeout(() => u.onend?.(new Event("end") as SpeechSynthesisEvent), 0);
    },
    cancel() {},
    pause() {},
    resume() {},
    getVoices: () => [],
    addEventListener() {},
    removeEventListener() {},
  };
  Object.defineProperty(window, "speechSynthesis", { get: () => synth, configurable: true });
  // No class fields here: tsx would compile them to a helper the page does not have.
  function Recognizer(this: Record<string, unknown>) {
    this.lang = "";
  }
  Recognizer.prototype.start = function (this: { onresult?: (e: unknown) => void; onend?: () => void }) {
    const text = w.__say.shift() ?? "";
    setTimeout(() => {
      this.onresult?.({ resultIndex: 0, results: [[{ transcript: text, confidence: 0.9 }]] });
      this.onend?.();
    }, 30);
  };
  Recognizer.prototype.stop = function () {};
  Recognizer.prototype.abort = function () {};
  // Chromium has its own (unprefixed too), which fails without a microphone: replace both.
  // (Defined, not assigned: a plain assignment to Chromium's own property is silently ignored.)
  for (const name of ["webkitSpeechRecognition", "SpeechRecognition"]) {
    Object.defineProperty(window, name, { value: Recognizer, configurable: true, writable: true });
  }
}

describe("web: resident elder mode on a 390×844 phone (browser)", function () {
  this.timeout(600_000);
  let srv: TestServer;
  let office: TestOffice;
  let browser: Browser;
  let page: Page;
  let matcher: Wallet;
  let counselor: Wallet;
  /** Her 24 recovery characters (the sheet), for the restore screens at the end. */
  let words: string[] = [];
  const PASS = "我的安心密码123";

  const main = () => page.locator("main").innerText();
  const spoken = async () => {
    await page.waitForFunction(() => (window as unknown as { __spoken: string[] }).__spoken.length > 0);
    const s = await page.evaluate(() => (window as unknown as { __spoken: string[] }).__spoken.splice(0));
    return s.join("\n");
  };
  const home = async () => {
    await page.getByRole("button", { name: "回到首页" }).first().click();
    await page.getByRole("heading", { name: "您想做什么？" }).waitFor();
  };

  before(async () => {
    [srv, browser] = await Promise.all([startTestServer({ config: { zones: SHANGHAI_ZONES, clientCopyDelayMaxMs: 1500, clientGrantDelayMaxMs: 2000 } }), launch()]);
    office = await startTestOffice(srv.dataDir);
    matcher = await retryNonce(() => registerMatcher(srv));
    await retryNonce(() => publishMatcherProfile(srv, matcher.address)); // 静安区社区心理服务匹配中心
    counselor = (await retryNonce(() => accreditCounselor(srv))).wallet;
    const c = await loginAs(srv, counselor, "counselor");
    await c.put("/v1/counselors/me/profile", {
      specialties: ["elderly_loneliness", "depression"],
      languages: ["mandarin"],
      modalities: ["in_person", "phone"],
      districts: ["310000.z.west"],
      capacity: 10,
      availability: ["mon_am", "wed_am", "fri_am"],
      gender: "female",
    });
    await retryNonce(() => publishProfile(srv, counselor.address)); // 王静 · 二级心理咨询师 · 徐汇区精神卫生中心
    page = await newPage(browser, "zh-CN", { width: 390, height: 844 });
    // tsx names functions with a helper (__name) that page.evaluate'd code does not carry: give the page one.
    await page.addInitScript({ content: "window.__name = (f) => f;" });
    await page.addInitScript(injectVoice);
  });
  after(async () => {
    console.log(writeTable());
    await browser?.close();
    await srv?.stop();
  });

  it("text size 特大 is chosen in the page and kept; 30 px body text; the header wraps without sideways scroll", async () => {
    await page.goto(`${srv.url}/resident.html`);
    await page.getByRole("heading", { name: "欢迎使用安心" }).waitFor();
    await page.getByRole("button", { name: "特大" }).click();
    expect(await page.evaluate(() => getComputedStyle(document.body).fontSize)).to.equal("30px");
    await page.reload();
    await page.getByRole("heading", { name: "欢迎使用安心" }).waitFor();
    expect(await page.getByRole("button", { name: "特大" }).getAttribute("aria-pressed")).to.equal("true");
    expect(await page.evaluate(() => getComputedStyle(document.body).fontSize)).to.equal("30px");
    await measureScreen(page, "欢迎 welcome");
    await screenshot(page, "elder-welcome");
  });

  it("create: errors beside the field in Chinese, a show-passphrase toggle; the recovery sheet is never read aloud", async () => {
    await page.getByRole("button", { name: "创建我的钥匙" }).click();
    await page.getByRole("heading", { name: "设置密码" }).waitFor();
    await measureScreen(page, "创建钥匙 create key");
    const pass = page.getByLabel("密码", { exact: true });
    await pass.fill("短");
    await page.getByRole("button", { name: "创建我的钥匙" }).click();
    const err = page.locator(".field-error");
    await err.waitFor();
    // Beside its field (inside the same .field as the input), in Chinese, and the input says it is invalid.
    expect(await err.evaluate((e) => e.closest(".field")?.querySelector("input")?.id)).to.equal("new-pass");
    expect(await err.innerText()).to.match(/[\u4e00-\u9fff]/);
    expect(await pass.getAttribute("aria-invalid")).to.equal("true");
    await screenshot(page, "elder-field-error");
    await measureScreen(page, "密码错误 passphrase error");
    const toggle = page.locator(".field", { has: pass }).getByRole("button", { name: "显示密码" });
    await toggle.click();
    expect(await pass.getAttribute("type")).to.equal("text");
    expect(await toggle.getAttribute("aria-pressed")).to.equal("true");
    await toggle.click();
    expect(await pass.getAttribute("type")).to.equal("password");
    await pass.fill("我的安心密码123");
    await page.getByLabel("再输入一次密码").fill("我的安心密码123");
    // Switching the language rebuilds the screen, and keeps what she typed.
    await switchLang(page, "en");
    expect(await page.locator("main h1").innerText()).to.equal("Choose a passphrase");
    expect(await page.locator("#new-pass").inputValue()).to.equal("我的安心密码123");
    expect(await page.locator("#new-pass-2").inputValue()).to.equal("我的安心密码123");
    await switchLang(page, "zh-CN");
    expect(await pass.inputValue()).to.equal("我的安心密码123");
    await page.getByRole("button", { name: "创建我的钥匙" }).click();
    await page.getByRole("heading", { name: "请抄下找回用的24个字" }).waitFor({ timeout: 30_000 });
    await measureScreen(page, "找回用的24个字 recovery sheet");
    words = await page.locator("#recovery-words li").allInnerTexts();
    await page.locator("#read-aloud").click();
    const said = await spoken();
    expect(said).to.include("请抄下找回用的24个字");
    expect(said).to.include("我已经抄好了"); // buttons are read
    expect(said, "the recovery words are never read aloud").to.not.include(words.slice(0, 4).join(""));
    for (const w of new Set(words)) expect(said.split("\n"), "no recovery word read alone").to.not.include(w);
    await page.getByRole("button", { name: "我已经抄好了" }).click();
    await page.getByRole("heading", { name: "检查一下抄得对不对" }).waitFor();
    await measureScreen(page, "核对24个字 sheet check");
    for (const box of await page.locator("input[data-position]").all()) await box.fill(words[Number(await box.getAttribute("data-position")) - 1]);
    await page.getByRole("button", { name: "检查", exact: true }).click();
    await page.getByRole("heading", { name: "您想做什么？" }).waitFor();
  });

  it("home and the crisis dialog: read aloud once per item, inside the dialog too", async () => {
    await measureScreen(page, "首页 home");
    await screenshot(page, "elder-home");
    await page.locator("#read-aloud").click();
    const said = (await spoken()).split("\n");
    for (const task of ["做一次心理评估", "找一位咨询师", "我的同意"]) expect(said.filter((l) => l === task), task).to.have.length(1);
    expect(new Set(said).size, "no item read twice").to.equal(said.length);
    await page.getByRole("button", { name: "紧急求助" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("link", { name: "拨打 12356" }).waitFor();
    await measureScreen(page, "紧急求助 crisis dialog");
    await dialog.getByRole("button", { name: "朗读" }).click();
    const inDialog = await spoken();
    expect(inDialog).to.include("现在就可以得到帮助");
    expect(inDialog).to.include("拨打 12356");
    expect(inDialog).to.not.include("做一次心理评估"); // the dialog, not the screen behind it
    await screenshot(page, "elder-crisis-help");
    await dialog.getByRole("button", { name: "关闭" }).click();
  });

  it("answers the PHQ-9 by voice, shows what was heard for confirmation, and saves it", async () => {
    await page.getByRole("button", { name: "做一次心理评估" }).click();
    await measureScreen(page, "选择评估 choose");
    await page.locator('[data-instrument="phq9"]').click();
    await measureScreen(page, "评估问题 question");
    const say = (t: string) => page.evaluate((x) => (window as unknown as { __say: string[] }).__say.push(x), t);
    // Not understood: nothing is selected, she is asked again.
    await say("今天天气不错");
    await page.getByRole("button", { name: "用说的回答" }).click();
    await page.locator("#voice-heard", { hasText: "没有听清" }).waitFor();
    expect(await page.locator('input[name="q-phq9_1"]:checked').count()).to.equal(0);
    const phrases: Array<[string, string, string]> = [["有几天", "1", "好几天"], ["没有", "0", "完全不会"], ["一半以上", "2", "一半以上的天数"], ["几乎每天", "3", "几乎每天"]];
    for (let i = 0; i < phrases.length; i++) {
      const [said, value, option] = phrases[i];
      await say(said);
      await page.getByRole("button", { name: "用说的回答" }).click();
      await page.locator("#voice-heard", { hasText: `您说的是：「${said}」` }).waitFor();
      expect(await page.locator("#voice-heard").innerText()).to.include(`「${option}」`);
      expect(await page.locator(`input[name^="q-"]:checked`).getAttribute("value")).to.equal(value);
      if (i === 0) await screenshot(page, "elder-voice-answer");
      await page.getByRole("button", { name: "下一步" }).click();
      await page.getByText(`第 ${i + 2} 题`, { exact: false }).first().waitFor();
    }
    for (let i = 4; i < 9; i++) {
      await page.locator("label.choice").first().click();
      await page.getByRole("button", { name: i === 8 ? "看结果" : "下一步" }).click();
    }
    await page.getByRole("heading", { name: "您的结果" }).waitFor();
    await page.locator("#result-saved").waitFor();
    expect(await page.locator("#result-saved").innerText()).to.equal("结果已经加密保存。只有您同意的咨询师能看到。");
    await measureScreen(page, "结果 result");
    await home();
  });

  it("need form: the age band with buttons (none pre-selected, the error beside it); consent and proposal without hex", async () => {
    await page.getByRole("button", { name: "找一位咨询师" }).click();
    await page.getByRole("heading", { name: "找一位咨询师" }).waitFor();
    expect(await page.locator("main input[type=number]").count()).to.equal(0);
    expect(await page.locator('input[name="need-age"]:checked').count()).to.equal(0);
    await measureScreen(page, "需求 need form");
    await page.getByRole("button", { name: "下一步" }).click();
    const err = page.locator("#need-age .field-error");
    await err.waitFor();
    expect(await err.innerText()).to.equal("请先选择您的年龄段。");
    await page.getByLabel("您想聊什么？").selectOption("elderly_loneliness");
    await page.getByLabel("您住在哪个区？").selectOption({ label: "徐汇区" });
    await page.getByRole("radio", { name: "70–74 岁" }).check();
    // Switching the language keeps every choice of the form (the district's streets filled again first).
    const chosen = () => page.evaluate(() => ({
      category: (document.getElementById("need-category") as HTMLSelectElement).value,
      district: (document.getElementById("need-district") as HTMLSelectElement).value,
      age: (document.querySelector('input[name="need-age"]:checked') as HTMLInputElement | null)?.value,
    }));
    const before = await chosen();
    expect(before).to.deep.equal({ category: "elderly_loneliness", district: "310104", age: "72" });
    await switchLang(page, "en");
    expect(await page.getByRole("radio", { name: "70–74" }).isChecked()).to.equal(true);
    expect(await chosen()).to.deep.equal(before);
    await switchLang(page, "zh-CN");
    expect(await chosen()).to.deep.equal(before);
    await screenshot(page, "elder-need-age");
    await page.getByRole("button", { name: "下一步" }).click();
    // No token yet: one visit to the community office (the staff sign the blinded request code).
    await page.getByRole("heading", { name: "到社区办公室核验一次" }).waitFor();
    await measureScreen(page, "社区核验 office visit");
    await visitOfficeInPage(page, office);
    await page.getByRole("heading", { name: "请看一下这份同意书" }).waitFor();
    expect(await main()).to.not.match(/0x[0-9a-f]{4}/i);
    // The matching service by the name the authority registered (its profile checked on chain in the page).
    expect(await main()).to.include(`您同意${MATCH_CENTRE.displayName}（匹配服务）`);
    expect(await page.locator("main [data-matcher-name]").innerText()).to.include(MATCH_CENTRE.displayName);
    expect(await main()).to.not.include("社区登记的匹配服务");
    await measureScreen(page, "匹配同意 matching consent");
    await page.locator("#read-aloud").click();
    expect(await spoken(), "read-aloud never speaks hex").to.not.match(/0x|[0-9a-f]{16}/i);
    await page.locator("main summary", { hasText: "详细信息" }).click();
    expect(await page.locator("main details.details").innerText()).to.include(matcher.address.toLowerCase());
    await page.getByRole("button", { name: "我同意，签名" }).click();
    await page.getByRole("heading", { name: "为您推荐的咨询师" }).waitFor({ timeout: 60_000 });
    expect(await page.locator("main p[data-matcher-name]").innerText()).to.equal(`以下推荐来自${MATCH_CENTRE.displayName}。`);
    await measureScreen(page, "推荐（空）proposals empty");

    for (const cats of [["depression"], ["elderly_loneliness"], ["depression"], ["elderly_loneliness"]]) {
      const r = await newResident();
      const { keys, api } = await r.as(srv, matcher.address);
      await grant(srv, keys, matcher.address, Purpose.MATCHING, ["need"]);
      await api.post("/v1/needs", { need: deriveNeed(intake(cats, { place: "310104", age: 71, modalities: ["in_person"], availability: ["mon_am"] })), token: await office.token() });
    }
    await matchingService(srv.ctx).publishAll(); // the scheduled batch
    await (await srv.api().login(matcher)).post("/v1/match/run", {});
    await page.getByRole("button", { name: "再看一次" }).click();
    await page.getByRole("button", { name: "接受这位咨询师" }).waitFor();
    expect(await main()).to.include("推荐的咨询师");
    // People, not hex: the name, title and organisation the authority published (checked in the page on chain).
    expect(await page.locator("main .person-name").innerText()).to.equal("王静");
    expect(await main()).to.include("二级心理咨询师 · 徐汇区精神卫生中心");
    expect(await main()).to.include("服务地区：徐汇区");
    expect(await main()).to.not.match(/0x[0-9a-f]{4}/i);
    await measureScreen(page, "推荐 proposal");
    await screenshot(page, "elder-proposal");
    await page.locator("#read-aloud").click();
    const saidProposal = await spoken();
    expect(saidProposal).to.include("王静");
    expect(saidProposal, "read-aloud never speaks hex").to.not.match(/0x|[0-9a-f]{16}/i);
    // Two closed 详细信息: the matching service's address (under its name) and the counsellor's (in her card).
    await page.locator("main li.card summary", { hasText: "详细信息" }).click();
    expect(await page.locator("main li.card details.details").innerText()).to.include(counselor.address.toLowerCase());
    expect(await page.locator("main details.details").first().textContent()).to.include(matcher.address.toLowerCase());
    await page.getByRole("button", { name: "接受这位咨询师" }).click();
    await page.getByRole("heading", { name: "请看一下这份同意书" }).waitFor();
    expect(await main()).to.include("您同意王静（咨询师）查看您的信息。");
    expect(await main()).to.not.match(/0x[0-9a-f]{4}/i);
    await measureScreen(page, "咨询同意 treatment consent");
    await page.getByRole("button", { name: "我同意，签名" }).click();
    await page.getByText("已接受。您的咨询师现在可以看到您同意的信息。").first().waitFor({ timeout: 60_000 });
    await home();
  });

  it("my consents: the receipt is a page to print, its JSON behind 详细信息; withdraw confirmation", async () => {
    await page.getByRole("button", { name: "我的同意" }).click();
    await page.getByRole("heading", { name: "我的同意" }).waitFor();
    expect(await main()).to.not.match(/0x[0-9a-f]{4}/i);
    expect(await page.locator("li.consent", { hasText: "心理咨询" }).innerText()).to.include("您同意王静（咨询师）查看您的信息。");
    await measureScreen(page, "我的同意 consents");
    const card = page.locator("li.consent", { hasText: "心理咨询" });
    let downloaded = false;
    page.once("download", () => (downloaded = true));
    await card.getByRole("button", { name: "看同意回执" }).click();
    await page.getByRole("heading", { name: "同意回执" }).waitFor();
    expect(downloaded, "no .json download").to.equal(false);
    const text = await page.locator("#receipt-text").innerText();
    expect(text).to.match(/[\u4e00-\u9fff]/);
    expect(await page.getByRole("button", { name: "打印回执" }).isVisible()).to.equal(true);
    expect(await page.locator("pre.receipt-json").isVisible()).to.equal(false); // behind 详细信息
    await measureScreen(page, "同意回执 receipt");
    await screenshot(page, "elder-receipt");
    await page.locator("main summary", { hasText: "详细信息" }).click();
    expect(JSON.parse(await page.locator("pre.receipt-json").innerText())).to.be.an("object");
    await measureScreen(page, "回执详细信息 receipt details"); // opened, the JSON is above the crisis bar too
    await page.getByRole("button", { name: "回到我的同意" }).click();
    await page.getByRole("heading", { name: "我的同意" }).waitFor();
    await page.locator("li.consent", { hasText: "心理咨询" }).getByRole("button", { name: "撤回" }).click();
    await page.getByRole("heading", { name: "确定要撤回这份同意吗？" }).waitFor();
    await measureScreen(page, "撤回确认 withdraw confirmation");
    await page.getByRole("button", { name: "不撤回，返回" }).click();
    await page.getByRole("heading", { name: "我的同意" }).waitFor();
    await home();
  });

  it("access log, booking, wearable import and erasure screens", async () => {
    await page.getByRole("button", { name: "谁看过我的信息" }).click();
    await page.getByRole("heading", { name: "谁看过我的信息" }).waitFor();
    await measureScreen(page, "谁看过 access log");
    await home();
    const c = await srv.api().login(counselor);
    const start = new Date(Date.now() + 2 * 86_400_000);
    start.setUTCHours(2, 0, 0, 0);
    await c.put("/v1/counselors/me/slots", { slots: [{ start: start.toISOString(), end: new Date(start.getTime() + 50 * 60_000).toISOString() }] });
    await page.getByRole("button", { name: "预约咨询时间" }).click();
    await page.locator("#slots button").first().waitFor();
    await measureScreen(page, "预约 booking");
    await page.locator("#slots button").first().click();
    await page.getByRole("heading", { name: "确认预约" }).waitFor();
    expect(await main()).to.include("王静");
    expect(await main()).to.not.match(/0x[0-9a-f]{4}/i);
    await measureScreen(page, "预约确认 booking confirmation");
    await page.getByRole("button", { name: "确认预约" }).click();
    await page.getByRole("heading", { name: "预约成功" }).waitFor({ timeout: 30_000 });
    expect(await main()).to.include("王静");
    await measureScreen(page, "预约成功 booked");
    await page.getByRole("button", { name: "我的预约" }).click();
    const card = page.locator("li.booking").first();
    await card.waitFor();
    expect(await card.innerText()).to.include("王静");
    await measureScreen(page, "我的预约 my appointments");
    await card.getByRole("button", { name: "改期" }).click();
    await page.getByRole("heading", { name: "改期" }).waitFor();
    await measureScreen(page, "改期 reschedule");
    await page.getByRole("button", { name: "返回", exact: true }).click();
    await page.locator("li.booking").first().getByRole("button", { name: "取消预约" }).click();
    await page.getByRole("heading", { name: "取消预约" }).waitFor();
    await measureScreen(page, "取消预约 cancel");
    await page.getByRole("button", { name: "不取消" }).click(); // she keeps it (the forged-profile step reads it)
    await page.locator("li.booking").first().waitFor();
    await home();
    await page.getByRole("button", { name: "导入手环数据" }).click();
    await page.getByRole("heading", { name: "导入手环数据" }).waitFor();
    expect(await main()).to.include("您手机里的健康数据导出文件");
    expect(await main()).to.not.include("CSV");
    await measureScreen(page, "手环 wearable");
    await page.getByLabel("您手机里的健康数据导出文件").setInputFiles({ name: "band.csv", mimeType: "text/csv", buffer: Buffer.from(wearableCsv()) });
    await page.getByRole("button", { name: "导入", exact: true }).click();
    await page.getByRole("heading", { name: "导入完成" }).waitFor({ timeout: 30_000 });
    expect(await page.locator("#wearable-result").innerText()).to.include("不是诊断");
    await measureScreen(page, "手环结果 wearable result");
    await home();
    await page.getByRole("button", { name: "删除我的信息" }).click();
    await measureScreen(page, "删除 erase");
    await page.getByRole("button", { name: "我想删除我的信息" }).click();
    await page.getByRole("heading", { name: "最后确认：删除您的全部记录" }).waitFor();
    await measureScreen(page, "删除确认 erase confirmation");
    await page.getByRole("button", { name: "不删除，回到首页" }).click();
    await page.getByRole("heading", { name: "您想做什么？" }).waitFor();
  });

  it("backup cards, passkey, unlock and restore screens; the staff pages only through a small link at the bottom", async () => {
    await page.getByRole("button", { name: "做备用卡片（交给家人和社区）" }).click();
    await page.getByRole("heading", { name: "做几张备用卡片" }).waitFor();
    await measureScreen(page, "备用卡片 backup cards");
    await page.getByRole("button", { name: "做卡片" }).click();
    await page.locator("article.share-card").nth(2).waitFor();
    await measureScreen(page, "三张卡片 the three cards");
    await home();
    await page.getByRole("button", { name: "用指纹或面容打开（不用每次输密码）" }).click();
    await page.getByRole("heading", { name: "用指纹或面容打开" }).waitFor();
    await measureScreen(page, "指纹或面容 passkey");
    await home();
    await page.getByRole("button", { name: "锁上并离开" }).click();
    await page.getByRole("heading", { name: "请输入密码" }).waitFor();
    await measureScreen(page, "解锁 unlock");
    await page.getByRole("button", { name: "找回我的信息" }).first().click();
    await page.getByRole("heading", { name: "用24个字找回" }).waitFor();
    await measureScreen(page, "找回 restore");
    await page.getByRole("button", { name: "用备用卡片找回" }).click();
    await page.getByRole("heading", { name: "用备用卡片找回" }).waitFor();
    await measureScreen(page, "备用卡片找回 restore with cards");
    await page.getByRole("button", { name: "返回", exact: true }).click();
    await page.getByRole("button", { name: "在社区服务中心找回" }).click();
    await page.getByRole("heading", { name: "在社区服务中心找回" }).waitFor();
    await measureScreen(page, "社区协助找回 assisted restore");
    await page.getByRole("button", { name: "返回", exact: true }).click();
    await page.getByRole("heading", { name: "用24个字找回" }).waitFor();
    const staff = page.getByRole("link", { name: "工作人员入口" });
    expect(await staff.count()).to.equal(1);
    expect(await staff.evaluate((a) => !!a.closest("footer"))).to.equal(true);
    // Characters that pass their checksum but belong to no one: the warning, measured; then her own sheet.
    const { seedToWords } = await import("../../src/crypto/seed-words.js");
    await page.getByLabel("找回用的24个字").fill(seedToWords(new Uint8Array(32).fill(7)).join(""));
    await page.getByRole("button", { name: "找回", exact: true }).click();
    await page.getByRole("heading", { name: "没有找到以前的信息" }).waitFor({ timeout: 30_000 });
    await measureScreen(page, "没有找到 restore not found");
    await page.getByRole("button", { name: "再核对一遍" }).click();
    await page.getByLabel("找回用的24个字").fill(words.join(""));
    await page.getByRole("button", { name: "找回", exact: true }).click();
    await page.getByRole("heading", { name: "找到了。请为这台设备设一个密码" }).waitFor({ timeout: 30_000 });
    await measureScreen(page, "设新密码 new passphrase after restore");
    await page.getByLabel("密码", { exact: true }).fill(PASS);
    await page.getByLabel("再输入一次密码").fill(PASS);
    await page.getByRole("button", { name: "找回", exact: true }).click();
    await page.getByRole("heading", { name: "您想做什么？" }).waitFor({ timeout: 30_000 });
  });

  it("a counsellor profile that fails verification (a server forging the name) is shown without a name", async () => {
    // A hostile server: the real directory's answer, with the counsellor's name changed (the chain hash then differs).
    await page.route("**/v1/counselor-profiles", async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { profiles: Array<{ counselor: string; profile: { displayName: string } }> };
      for (const e of body.profiles) if (e.counselor === counselor.address.toLowerCase()) e.profile.displayName = "李伪造";
      await route.fulfill({ response, json: body });
    });
    try {
      await page.reload(); // a fresh page: nothing verified earlier is kept
      await page.getByLabel("密码", { exact: true }).fill(PASS);
      await page.getByRole("button", { name: "打开", exact: true }).click();
      await page.getByRole("heading", { name: "您想做什么？" }).waitFor({ timeout: 30_000 });
      await page.getByRole("button", { name: "找一位咨询师" }).click();
      await page.getByRole("heading", { name: "为您推荐的咨询师" }).waitFor({ timeout: 30_000 });
      const text = await main();
      expect(text).to.include("（这位咨询师的资料没有通过核验，所以不显示名字）");
      expect(text).to.not.include("李伪造");
      expect(text).to.not.include("王静");
      expect(await page.locator("main .person-name").count()).to.equal(0);
      // Only the forged entry is refused: the matching service's untouched profile still verifies.
      expect(text).to.include(`以下推荐来自${MATCH_CENTRE.displayName}。`);
      await measureScreen(page, "推荐（资料未通过核验）proposal, profile refused");
      await home();
      await page.getByRole("button", { name: "预约咨询时间" }).click();
      const card = page.locator("li.booking").first();
      await card.waitFor();
      expect(await card.innerText()).to.include("您的咨询师");
      expect(await card.innerText()).to.not.match(/李伪造|王静/);
      await home();
    } finally {
      await page.unroute("**/v1/counselor-profiles");
    }
  });
});
