import { expect } from "chai";
import fc from "fast-check";
import type { Need, Places } from "../../../src/deid/index.js";
import { costOf as costIn, DEFAULT_WEIGHTS as W, type Counselor } from "../../../src/matching/index.js";
import { counselorArb, needArb } from "./arbitraries.js";
import { place, shanghai } from "../../helpers/places.js";

let sh: Places;
before(async () => {
  sh = await shanghai();
});
/** Costs in Shanghai with its six zones (城西 = 徐汇, 长宁, 普陀). */
const costOf = (n: Need, c: Counselor) => costIn(n, c, W, sh);

const need: Need = {
  needId: "5".repeat(32), categories: ["anxiety", "grief"], severityBand: "moderate", urgency: "soon",
  languages: ["mandarin", "shanghainese"], modalities: ["in_person"], district: "310104", ageBand: "60-64",
  availability: ["mon_am", "tue_pm"], preferences: { counselorGender: "female" },
};
const counselor: Counselor = {
  counselorId: `0x${"d".repeat(40)}`, specialties: ["anxiety", "grief"], languages: ["mandarin", "shanghainese"],
  modalities: ["in_person", "phone"], districts: ["310104"], capacity: 3, availability: ["mon_am", "tue_pm"],
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
    expect(costOf(need, { ...counselor, districts: ["310115"] })).to.equal(null);
  });

  it("adds each soft term by its weight", () => {
    expect(costOf(need, { ...counselor, specialties: ["anxiety"] })).to.equal(W.specialtyMissPerCategory);
    expect(costOf(need, { ...counselor, specialties: [] })).to.equal(2 * W.specialtyMissPerCategory + W.noSpecialtyMatch);
    expect(costOf(need, { ...counselor, districts: ["310105"] })).to.equal(W.distance.near); // same zone 城西
    expect(costOf({ ...need, modalities: ["in_person", "phone"] }, { ...counselor, districts: ["310115"] })).to.equal(W.remoteInsteadOfInPerson);
    expect(costOf(need, { ...counselor, availability: ["sun_eve"] })).to.equal(W.noCommonSlot * W.urgencyWaitFactor.soon);
    expect(costOf(need, { ...counselor, availability: ["mon_am"] })).to.equal(W.oneCommonSlot * W.urgencyWaitFactor.soon);
    expect(costOf(need, { ...counselor, gender: "male" })).to.equal(W.genderMismatch);
    expect(costOf(need, { ...counselor, languages: ["mandarin"] })).to.equal(W.dialectMiss);
    // a need generalized to its zone is "near" a counselor serving one district in it
    expect(costOf({ ...need, district: "310000.z.west" }, counselor)).to.equal(W.distance.near);
  });

  it("in person in a city without zones (抚顺): local in the resident's district or to a counselor serving the city, never next door", async () => {
    const fs = await place("210400");
    const n: Need = { ...need, languages: ["mandarin"], district: "210422" }; // 新宾满族自治县
    const c: Counselor = { ...counselor, languages: ["mandarin"], districts: ["210422"] };
    expect(costIn(n, c, W, fs)).to.equal(0);
    expect(costIn(n, { ...c, districts: ["210400"] }, W, fs)).to.equal(0); // serves the whole city
    expect(costIn(n, { ...c, districts: ["210402"] }, W, fs)).to.equal(null); // another county, in person only: too far
    expect(costIn({ ...n, district: "210400" }, c, W, fs)).to.equal(W.distance.near); // need generalized to the city
  });

  it("a city with more districts than a 32-bit word (重庆): the areas past the first word still count", async () => {
    const cq = await place("500000");
    const far = cq.districts()[35];
    const n: Need = { ...need, languages: ["mandarin"], district: far };
    const c: Counselor = { ...counselor, languages: ["mandarin"], districts: [far] };
    expect(costIn(n, c, W, cq)).to.equal(0);
    expect(costIn(n, { ...c, districts: [cq.districts()[0]] }, W, cq)).to.equal(null);
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
