import { expect } from "chai";
import { CATEGORY_LABELS, Purpose, explainGrant, formatDate, type GrantExplanation } from "../../../src/consent/index.js";

// 2026-06-01T00:00+08:00 .. 2027-05-30T00:00+08:00 (exclusive): the last day shown is 29 May 2027.
const base = {
  purpose: Purpose.TREATMENT,
  granteeRole: "counselor" as const,
  categories: ["consultation_note", "assessment"],
  notBefore: 1780243200,
  notAfter: 1811606400,
};

const all = (e: GrantExplanation) => Object.values(e).join("\n");

describe("consent plain-language text", () => {
  it("zh-CN names the grantee, the categories, the end date and how to withdraw", () => {
    const e = explainGrant({ ...base, granteeName: "王医生" }, "zh-CN");
    expect(e.who).to.equal("您同意王医生（咨询师）查看您的信息。");
    expect(e.what).to.equal("可以查看：评估结果、咨询记录。");
    expect(e.why).to.equal("用途：心理咨询。");
    expect(e.until).to.include("2027年5月29日");
    expect(e.howToWithdraw).to.include("随时可以撤回");
    expect(e.howToWithdraw).to.include("立即无法再查看");
    expect(e.sensitiveNotice).to.include("敏感");
  });

  it("en names the grantee, the categories, the end date and how to withdraw", () => {
    const e = explainGrant({ ...base, granteeName: "Dr Wang" }, "en");
    expect(e.who).to.include("Dr Wang (counsellor)");
    expect(e.what).to.equal("They may see: assessment results and counselling notes.");
    expect(e.until).to.include("29 May 2027");
    expect(e.howToWithdraw).to.include("withdraw at any time");
    expect(e.sensitiveNotice).to.include("sensitive");
  });

  it("every category and purpose has a label in both languages, with short sentences", () => {
    for (const lang of ["zh-CN", "en"] as const) {
      for (const purpose of [0, 1, 2, 3, 4] as Purpose[]) {
        const e = explainGrant({ ...base, purpose, categories: Object.keys(CATEGORY_LABELS[lang]) }, lang);
        expect(all(e)).to.not.include("undefined");
        // The category list grows with the grant; every other sentence must stay short.
        const text = all({ ...e, what: "" });
        for (const label of Object.values(CATEGORY_LABELS[lang])) expect(e.what).to.include(label);
        // Large-type screens: no sentence longer than ~40 CJK characters / 120 Latin characters.
        const sentences = text.split(lang === "zh-CN" ? /[。\n]/ : /(?<=[.])\s|\n/);
        const limit = lang === "zh-CN" ? 45 : 130;
        for (const s of sentences) expect(s.length, s).to.be.at.most(limit);
      }
    }
  });

  it("the end shown is the last active day (notAfter is exclusive), in China time", () => {
    // 2027-05-30T00:00:00+08:00 = 2027-05-29T16:00:00Z
    expect(formatDate(1811606400, "zh-CN")).to.equal("2027年5月30日");
    expect(formatDate(1811606400 - 1, "zh-CN")).to.equal("2027年5月29日");
    expect(formatDate(1811606400 - 1, "en", true)).to.equal("29 May 2027, 23:59");
  });

  it("emergency access is explained as a time-limited, recorded notice, not a consent", () => {
    const e = explainGrant({ ...base, purpose: Purpose.EMERGENCY, granteeName: "李老师", notAfter: base.notBefore + 4 * 3600 }, "zh-CN");
    expect(e.who).to.include("紧急情况下");
    expect(e.until).to.include("2026年6月1日 03:59");
    expect(e.howToWithdraw).to.include("到期自动结束");
    expect(e.howToWithdraw).to.include("撤回");
  });

  it("refuses an empty period and unknown categories", () => {
    expect(() => explainGrant({ ...base, notAfter: base.notBefore }, "en")).to.throw(RangeError);
    expect(() => explainGrant({ ...base, categories: ["diary"] }, "en")).to.throw(RangeError);
  });
});
