import { expect } from "chai";
import fc from "fast-check";
import type { Need } from "../../../src/deid/index.js";
import { costOf, DEFAULT_WEIGHTS as W, type Counselor } from "../../../src/matching/index.js";
import { counselorArb, needArb } from "./arbitraries.js";

const need: Need = {
  needId: "5".repeat(32), categories: ["anxiety", "grief"], severityBand: "moderate", urgency: "soon",
  languages: ["mandarin", "shanghainese"], modalities: ["in_person"], district: "sh.xuhui", ageBand: "60-64",
  availability: ["mon_am", "tue_pm"], preferences: { counselorGender: "female" },
};
const counselor: Counselor = {
  counselorId: `0x${"d".repeat(40)}`, specialties: ["anxiety", "grief"], languages: ["mandarin", "shanghainese"],
  modalities: ["in_person", "phone"], districts: ["sh.xuhui"], capacity: 3, availability: ["mon_am", "tue_pm"],
  gender: "female", accredited: true,
};

describe("matching/cost", () => {
  it("a perfect pair costs 0", () => expect(costOf(need, counselor)).to.equal(0));

  it("hard constraints remove the pair", () => {
    expect(costOf(need, { ...counselor, accredited: false })).to.equal(null);
    expect(costOf(need, { ...counselor, capacity: 0 })).to.equal(null);
    expect(costOf(need, { ...counselor, languages: ["english"] })).to.equal(null);
    expect(costOf(need, { ...counselor, modalities: ["video"] })).to.equal(null);
    // in person only, counselor serves another zone: too far
    expect(costOf(need, { ...counselor, districts: ["sh.pudong"] })).to.equal(null);
  });

  it("adds each soft term by its weight", () => {
    expect(costOf(need, { ...counselor, specialties: ["anxiety"] })).to.equal(W.specialtyMissPerCategory);
    expect(costOf(need, { ...counselor, specialties: [] })).to.equal(2 * W.specialtyMissPerCategory + W.noSpecialtyMatch);
    expect(costOf(need, { ...counselor, districts: ["sh.changning"] })).to.equal(W.distance.near); // same zone 城西
    expect(costOf({ ...need, modalities: ["in_person", "phone"] }, { ...counselor, districts: ["sh.pudong"] })).to.equal(W.remoteInsteadOfInPerson);
    expect(costOf(need, { ...counselor, availability: ["sun_eve"] })).to.equal(W.noCommonSlot * W.urgencyWaitFactor.soon);
    expect(costOf(need, { ...counselor, availability: ["mon_am"] })).to.equal(W.oneCommonSlot * W.urgencyWaitFactor.soon);
    expect(costOf(need, { ...counselor, gender: "male" })).to.equal(W.genderMismatch);
    expect(costOf(need, { ...counselor, languages: ["mandarin"] })).to.equal(W.dialectMiss);
    // a need generalized to its zone is "near" a counselor serving one district in it
    expect(costOf({ ...need, district: "sh.z.west" }, counselor)).to.equal(W.distance.near);
  });

  it("is a non-negative integer or null, and ignores fields outside the model (age band, severity)", () => {
    fc.assert(
      fc.property(needArb, counselorArb, fc.constantFrom("20-24", "60+", "any"), fc.constantFrom("minimal", "severe" as const), (n, c, age, sev) => {
        const x = costOf(n, c);
        if (x !== null) expect(Number.isSafeInteger(x) && x >= 0).to.equal(true);
        expect(costOf({ ...n, ageBand: age, severityBand: sev }, c)).to.equal(x);
      }),
      { numRuns: 300 },
    );
  });
});
