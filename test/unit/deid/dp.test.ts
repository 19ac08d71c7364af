import { expect } from "chai";
import { expectClose } from "../../helpers/close.js";
import {
  CATEGORIES,
  dpCounts,
  geometricAlpha,
  MAX_CATEGORIES_PER_NEED,
  newBudget,
  PrivacyBudgetExceededError,
  releaseCommunityStats,
  spend,
  tallyNeeds,
  twoSidedGeometric,
  uniform53,
  type Need,
  type Places,
} from "../../../src/deid/index.js";
import { seededFill } from "./rng.js";
import { place, shanghai } from "../../helpers/places.js";

const need = (district: string, categories: Need["categories"]): Need => ({
  needId: "6".repeat(32), categories, severityBand: "mild", urgency: "routine", languages: ["mandarin"],
  modalities: ["phone"], district, ageBand: "30-34", availability: ["mon_am"], preferences: {},
});

describe("deid/dp", () => {
  for (const epsilon of [0.5, 1, 2]) {
    it(`two-sided geometric noise at ε=${epsilon} has mean 0, variance 2α/(1−α)² and P(0) = (1−α)/(1+α)`, () => {
      const alpha = geometricAlpha(epsilon, 1);
      const fill = seededFill(12345 + epsilon * 10);
      const N = 200_000;
      let sum = 0;
      let sq = 0;
      let zeros = 0;
      for (let i = 0; i < N; i++) {
        const z = twoSidedGeometric(alpha, fill);
        expect(Number.isInteger(z)).to.equal(true);
        sum += z;
        sq += z * z;
        if (z === 0) zeros++;
      }
      const variance = (2 * alpha) / (1 - alpha) ** 2;
      const mean = sum / N;
      // mean: within 5 standard errors; variance and P(0): within 3 % relative
      expect(Math.abs(mean)).to.be.below(5 * Math.sqrt(variance / N));
      expectClose(sq / N - mean * mean, variance, 0.03 * variance);
      expectClose(zeros / N, (1 - alpha) / (1 + alpha), 0.03 * ((1 - alpha) / (1 + alpha)));
    });
  }

  it("uniform53 stays in (0, 1]", () => {
    expect(uniform53(() => new Uint32Array(2))).to.be.greaterThan(0); // all-zero words
    expect(uniform53((o) => o.fill(0xffffffff))).to.equal(1);
  });

  it("dpCounts keeps the keys, adds integer noise, validates input", () => {
    const out = dpCounts({ a: 10, b: 0 }, 1, seededFill(3));
    expect(Object.keys(out)).to.deep.equal(["a", "b"]);
    expect(Number.isInteger(out.a) && Number.isInteger(out.b)).to.equal(true);
    expect(() => dpCounts({ a: -1 }, 1)).to.throw(RangeError);
    expect(() => dpCounts({ a: 1 }, 0)).to.throw(RangeError);
    // default CSPRNG: two releases differ somewhere over many cells
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 5]));
    expect(dpCounts(many, 1)).to.not.deep.equal(dpCounts(many, 1));
  });

  let sh: Places;
  before(async () => {
    sh = await shanghai();
  });

  it("tallies the full district × category grid with zeros and the schema sensitivity", () => {
    const { counts, sensitivity } = tallyNeeds([need("310104", ["anxiety", "grief"]), need("310104", ["anxiety"])], sh);
    expect(sh.districts()).to.have.length(16);
    expect(Object.keys(counts)).to.have.length(16 * CATEGORIES.length);
    expect(counts["310104|anxiety"]).to.equal(2);
    expect(counts["310104|grief"]).to.equal(1);
    expect(counts["310115|anxiety"]).to.equal(0);
    expect(sensitivity).to.equal(MAX_CATEGORIES_PER_NEED);
    expect(tallyNeeds([need("310104", ["anxiety"])], sh, "zone").counts["310000.z.west|anxiety"]).to.equal(1);
    expect(() => tallyNeeds([need("310000.z.west", ["anxiety"])], sh, "district")).to.throw(RangeError);
  });

  it("tallies any city: 抚顺's seven districts/counties, its city cell, and a county-level city of 玉林", async () => {
    const fs = await place("210400");
    const t = tallyNeeds([need("210402", ["grief"]), need("210422", ["grief"])], fs);
    expect(Object.keys(t.counts)).to.have.length(7 * CATEGORIES.length);
    expect(t.counts["210422|grief"]).to.equal(1); // 新宾满族自治县
    // No zones configured: the zone grid is the city's single cell, like the city grid.
    expect(tallyNeeds([need("210402", ["grief"])], fs, "zone").counts).to.deep.equal(tallyNeeds([need("210402", ["grief"])], fs, "city").counts);
    expect(tallyNeeds([need("210402", ["grief"])], fs, "city").counts["210400|grief"]).to.equal(1);
    const yl = await place("450900");
    expect(tallyNeeds([need("450981", ["sleep"])], yl).counts["450981|sleep"]).to.equal(1); // 北流市
    expect(() => tallyNeeds([need("210402", ["grief"])], yl)).to.throw(RangeError); // another city's district
  });

  it("a period budget allows releases up to its total and refuses the next one", () => {
    let b = newBudget("2025-06", 1);
    for (let i = 0; i < 10; i++) b = spend(b, 0.1); // binary rounding must not refuse the 10th
    expectClose(b.spent, 1, 1e-9);
    expect(() => spend(b, 0.01)).to.throw(PrivacyBudgetExceededError);
    try {
      spend(newBudget("2025-07", 0.5), 0.6);
      expect.fail("should throw");
    } catch (e) {
      expect(e).to.be.instanceOf(PrivacyBudgetExceededError);
      expect((e as PrivacyBudgetExceededError).code).to.equal("PRIVACY_BUDGET_EXCEEDED");
      expect((e as PrivacyBudgetExceededError).periodId).to.equal("2025-07");
    }
    expect(() => newBudget("June", 1)).to.throw(RangeError);
    expect(() => spend(newBudget("2025-06", 1), -1)).to.throw(RangeError);
  });

  it("releaseCommunityStats charges the budget and refuses past it without releasing", () => {
    const needs = [need("310115", ["depression"])];
    const first = releaseCommunityStats(newBudget("2025-06", 1), needs, 0.6, { places: sh, fill: seededFill(9) });
    expectClose(first.budget.spent, 0.6, 1e-12);
    expect(first.release.periodId).to.equal("2025-06");
    expect(Object.keys(first.release.counts)).to.have.length(sh.districts().length * CATEGORIES.length);
    expect(() => releaseCommunityStats(first.budget, needs, 0.6, { places: sh })).to.throw(PrivacyBudgetExceededError);
  });
});
