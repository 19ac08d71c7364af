import { expect } from "chai";
import { crisisResources, decideCrisis, score } from "../../../src/assess/index.js";

describe("assess: crisis path", () => {
  it("lists 12356, 110 and 120 in Chinese by default and in English on request", () => {
    const zh = crisisResources();
    const en = crisisResources("en");
    for (const r of [zh, en]) {
      const numbers = r.hotlines.map((h) => h.number);
      expect(numbers).to.include.members(["12356", "110", "120"]);
    }
    expect(zh.lang).to.equal("zh");
    expect(zh.hotlines.find((h) => h.number === "12356")!.name).to.equal("全国心理援助热线");
    expect(zh.message).to.contain("12356");
    expect(en.hotlines.find((h) => h.number === "12356")!.name).to.match(/helpline/i);
    expect(en.message).to.match(/not alone/);
    // the emergency numbers come first, for anyone in immediate danger
    expect(zh.hotlines.slice(0, 2).map((h) => h.number)).to.deep.equal(["110", "120"]);
  });

  it("shows no city's local line unless the deployment configures one (a Shanghai resident once saw a Beijing number)", () => {
    expect(crisisResources().hotlines.map((h) => h.number)).to.deep.equal(["110", "120", "12356"]);
    const local = [{ id: "city", name: { zh: "市心理热线", en: "City line" }, number: "021-00000000", source: "deployment's own test value" }];
    const r = crisisResources("en", { local });
    expect(r.hotlines.map((h) => h.number)).to.deep.equal(["110", "120", "12356", "021-00000000"]);
    expect(r.hotlines[3]).to.deep.include({ id: "local-city", name: "City line" });
    expect(decideCrisis(score("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1]), "zh", local).hotlines.map((h) => h.number)).to.include("021-00000000");
  });

  it("PHQ-9 item 9 = 1 alerts, shows the hotlines, notifies TREATMENT and MONITORING, offers EMERGENCY", () => {
    const d = decideCrisis(score("phq9", [1, 1, 0, 0, 0, 0, 0, 0, 1]));
    expect(d.alert).to.equal(true);
    expect(d.level).to.equal("elevated");
    expect(d.reasons).to.deep.equal(["phq9.item9"]);
    expect(d.offerEmergencyGrant).to.equal(true);
    expect(d.notifyPurposes).to.deep.equal(["TREATMENT", "MONITORING"]);
    expect(d.hotlines.map((h) => h.number)).to.include.members(["12356", "110", "120"]);
    expect(d.message.zh).to.contain("12356");
    expect(d.message.en).to.contain("12356");
    expect(d.counselorMessage.zh.length).to.be.greaterThan(0);
  });

  it("PHQ-9 item 9 ≥ 2 is level high", () => {
    expect(decideCrisis(score("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 2])).level).to.equal("high");
    expect(decideCrisis(score("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 3])).level).to.equal("high");
  });

  it("a counselor's risk mark alerts without any questionnaire", () => {
    const d = decideCrisis({ kind: "counselor_mark", level: "imminent" }, "en");
    expect(d.alert).to.equal(true);
    expect(d.level).to.equal("imminent");
    expect(d.reasons).to.deep.equal(["counselor.imminent"]);
    expect(d.offerEmergencyGrant).to.equal(true);
    expect(d.hotlines.find((h) => h.number === "110")!.name).to.equal("Police");
    expect(d.counselorMessage.en).to.match(/immediate danger/);
    expect(() => decideCrisis({ kind: "counselor_mark", level: "low" as "high" })).to.throw(TypeError);
  });

  it("a high score without a crisis flag does not start the crisis path", () => {
    for (const r of [score("gad7", [3, 3, 3, 3, 3, 3, 3]), score("phq9", [3, 3, 3, 3, 3, 3, 3, 3, 0])]) {
      const d = decideCrisis(r);
      expect(d.alert).to.equal(false);
      expect(d.level).to.equal("none");
      expect(d.offerEmergencyGrant).to.equal(false);
      expect(d.notifyPurposes).to.deep.equal([]);
    }
  });

  it("counselor messages carry no answers or scores", () => {
    const d = decideCrisis(score("phq9", [3, 3, 3, 3, 3, 3, 3, 3, 3]));
    expect(d.counselorMessage.zh).to.not.match(/\d/);
    expect(d.counselorMessage.en).to.not.match(/\d/);
  });
});

describe("crisis message honesty", () => {
  it("says a counselor was told only when one was", async () => {
    const { crisisResources } = await import("../../../src/assess/index.js");
    expect(crisisResources("zh").message).to.not.contain("已通知");
    expect(crisisResources("zh", { counselorNotified: true }).message).to.contain("已通知您的咨询师");
    expect(crisisResources("en").message).to.not.match(/let your counselor know/);
    expect(crisisResources("en", { counselorNotified: true }).message).to.match(/let your counselor know/);
  });
});
