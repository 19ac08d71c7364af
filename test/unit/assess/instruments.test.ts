import { expect } from "chai";
import {
  AssessmentInputError,
  INSTRUMENTS,
  INSTRUMENT_IDS,
  checkDefinition,
  rawRange,
  score,
  type InstrumentDefinition,
  type InstrumentId,
  type SeverityBand,
} from "../../../src/assess/index.js";

/**
 * Answers (in item order) whose raw score is `raw`, with the crisis items kept at their lowest value while
 * possible. Written from the published rule (reverse item = max + min − answer), not from our scorer.
 */
function answersFor(def: InstrumentDefinition, raw: number): number[] {
  const values = def.options.map((o) => o.value);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const crisisItems = new Set(def.crisisRules.map((c) => c.item));
  const order = [...def.items].sort((a, b) => Number(crisisItems.has(a.id)) - Number(crisisItems.has(b.id)));
  const contribution: Record<string, number> = {};
  let left = raw - lo * def.items.length;
  for (const item of order) {
    const c = Math.min(hi - lo, left);
    contribution[item.id] = lo + c;
    left -= c;
  }
  const reverse = new Set(def.reverseItems ?? []);
  return def.items.map((i) => (reverse.has(i.id) ? hi + lo - contribution[i.id] : contribution[i.id]));
}

const BOUNDARIES: Record<InstrumentId, [number, SeverityBand, boolean][]> = {
  // [raw, band, positive screen]
  phq9: [
    [0, "minimal", false],
    [4, "minimal", false],
    [5, "mild", false],
    [9, "mild", false],
    [10, "moderate", true],
    [14, "moderate", true],
    [15, "moderately_severe", true],
    [19, "moderately_severe", true],
    [20, "severe", true],
    [27, "severe", true],
  ],
  gad7: [
    [0, "minimal", false],
    [4, "minimal", false],
    [5, "mild", false],
    [9, "mild", false],
    [10, "moderate", true],
    [14, "moderate", true],
    [15, "severe", true],
    [21, "severe", true],
  ],
  who5: [
    [0, "moderate", true],
    [7, "moderate", true],
    [8, "mild", true],
    [12, "mild", true],
    [13, "minimal", false],
    [25, "minimal", false],
  ],
  pss10: [
    [0, "minimal", false],
    [13, "minimal", false],
    [14, "moderate", false],
    [26, "moderate", false],
    [27, "severe", true],
    [40, "severe", true],
  ],
  k10: [
    [10, "minimal", false],
    [19, "minimal", false],
    [20, "mild", true],
    [24, "mild", true],
    [25, "moderate", true],
    [29, "moderate", true],
    [30, "severe", true],
    [50, "severe", true],
  ],
};

describe("assess: instrument definitions", () => {
  it("has exactly the five instruments", () => {
    expect([...INSTRUMENT_IDS].sort()).to.deep.equal(["gad7", "k10", "phq9", "pss10", "who5"]);
  });

  for (const id of INSTRUMENT_IDS) {
    const def = INSTRUMENTS[id];
    it(`${id}: bands cover the whole raw range once, items and options are bilingual, source cited`, () => {
      expect(checkDefinition(def)).to.deep.equal([]);
      for (const t of [def.name, def.instructions, ...def.items.map((i) => i.text), ...def.options.map((o) => o.label)]) {
        expect(t.zh).to.match(/[\u4e00-\u9fff]/);
        expect(t.en).to.match(/[A-Za-z]/);
      }
      for (const b of def.bands) {
        expect(b.label.zh).to.match(/[\u4e00-\u9fff]/);
        expect(b.interpretation.zh).to.match(/[\u4e00-\u9fff]/);
        expect(b.interpretation.en.length).to.be.greaterThan(10);
      }
      expect(def.source.original).to.match(/\d{4}/);
      expect(def.source.licence.length).to.be.greaterThan(10);
    });
  }

  it("item counts and ranges match the published instruments", () => {
    const expected: Record<InstrumentId, [number, number, number]> = {
      phq9: [9, 0, 27],
      gad7: [7, 0, 21],
      who5: [5, 0, 25],
      pss10: [10, 0, 40],
      k10: [10, 10, 50],
    };
    for (const id of INSTRUMENT_IDS) {
      const [n, min, max] = expected[id];
      expect(INSTRUMENTS[id].items, id).to.have.length(n);
      expect(rawRange(INSTRUMENTS[id]), id).to.deep.equal({ min, max });
    }
  });

  it("checkDefinition catches a gap between bands", () => {
    const broken = { ...INSTRUMENTS.gad7, bands: INSTRUMENTS.gad7.bands.filter((b) => b.band !== "mild") };
    expect(checkDefinition(broken)).to.not.deep.equal([]);
  });
});

describe("assess: band boundaries", () => {
  for (const id of INSTRUMENT_IDS) {
    for (const [raw, band, positive] of BOUNDARIES[id]) {
      it(`${id} raw ${raw} → ${band}${positive ? ", positive screen" : ""}`, () => {
        const answers = answersFor(INSTRUMENTS[id], raw);
        const r = score(id, answers);
        expect(r.raw).to.equal(raw);
        expect(r.band).to.equal(band);
        expect(r.positiveScreen).to.equal(positive);
        const def = INSTRUMENTS[id].bands.find((b) => b.band === band)!;
        expect(r.bandLabel).to.deep.equal(def.label);
      });
    }
  }
});

describe("assess: PHQ-9 crisis flag", () => {
  it("item 9 = 1 with total 3 is a crisis whatever the total", () => {
    const r = score("phq9", [1, 1, 0, 0, 0, 0, 0, 0, 1]);
    expect(r.total).to.equal(3);
    expect(r.band).to.equal("minimal");
    expect(r.positiveScreen).to.equal(false);
    expect(r.crisis).to.deep.equal({ flag: true, reasons: ["phq9.item9"] });
    expect(r.interpretation.zh).to.contain("12356");
    expect(r.interpretation.en).to.contain("12356");
  });

  it("a severe total with item 9 = 0 is not a crisis flag", () => {
    const r = score("phq9", [3, 3, 3, 3, 3, 3, 3, 3, 0]);
    expect(r.band).to.equal("severe");
    expect(r.crisis.flag).to.equal(false);
    expect(r.crisis.reasons).to.deep.equal([]);
    expect(r.interpretation.zh).to.not.contain("12356");
  });

  it("reads item 9 from keyed answers too", () => {
    const keyed = Object.fromEntries(INSTRUMENTS.phq9.items.map((i) => [i.id, 0]));
    keyed.phq9_9 = 3;
    const r = score("phq9", keyed);
    expect(r.total).to.equal(3);
    expect(r.crisis.flag).to.equal(true);
  });

  it("no other instrument raises a crisis flag from its answers", () => {
    for (const id of ["gad7", "who5", "pss10", "k10"] as const) {
      const def = INSTRUMENTS[id];
      const worst = def.items.map(() => Math.max(...def.options.map((o) => o.value)));
      expect(score(id, worst).crisis.flag, id).to.equal(false);
    }
  });
});

describe("assess: worked examples", () => {
  it("PSS-10 reverse-scores items 4, 5, 7 and 8 (worked example = 27)", () => {
    // answers 3,2,3,1,1,3,2,1,2,3 → items 4,5,7,8 become 3,3,2,3 → 3+2+3+3+3+3+2+3+2+3 = 27
    const r = score("pss10", [3, 2, 3, 1, 1, 3, 2, 1, 2, 3]);
    expect(r.total).to.equal(27);
    expect(r.band).to.equal("severe");
    expect(r.positiveScreen).to.equal(true);
  });

  it("PSS-10: 'never' to everything scores 16 (the four positive items count 4 each), 'very often' 24", () => {
    expect(score("pss10", Array(10).fill(0)).total).to.equal(16);
    expect(score("pss10", Array(10).fill(4)).total).to.equal(24);
  });

  it("WHO-5 multiplies the raw score by 4 and screens positive below raw 13", () => {
    const low = score("who5", [3, 3, 2, 2, 2]);
    expect(low.raw).to.equal(12);
    expect(low.total).to.equal(48);
    expect(low.positiveScreen).to.equal(true);
    const ok = score("who5", [3, 3, 3, 2, 2]);
    expect(ok.raw).to.equal(13);
    expect(ok.total).to.equal(52);
    expect(ok.positiveScreen).to.equal(false);
    expect(score("who5", [5, 5, 5, 5, 5]).total).to.equal(100);
    expect(score("who5", [0, 0, 0, 0, 0]).total).to.equal(0);
  });

  it("K10 options score 1–5: all 'none of the time' = 10, all 'all of the time' = 50", () => {
    expect(score("k10", Array(10).fill(1)).total).to.equal(10);
    expect(score("k10", Array(10).fill(5)).total).to.equal(50);
  });

  it("keyed and ordered answers give the same result", () => {
    const arr = [2, 1, 0, 3, 1, 2, 0];
    const keyed = Object.fromEntries(INSTRUMENTS.gad7.items.map((it, i) => [it.id, arr[i]]));
    expect(score("gad7", keyed)).to.deep.equal(score("gad7", arr));
  });
});

describe("assess: rejected answers (never a partial score)", () => {
  function rejection(fn: () => unknown): AssessmentInputError {
    try {
      fn();
    } catch (e) {
      expect(e).to.be.instanceOf(AssessmentInputError);
      return e as AssessmentInputError;
    }
    throw new Error("expected AssessmentInputError");
  }

  it("too few answers names the missing items", () => {
    const e = rejection(() => score("phq9", [0, 0, 0, 0, 0, 0, 0, 0]));
    expect(e.problems.missing).to.deep.equal(["phq9_9"]);
    expect(e.itemIds).to.deep.equal(["phq9_9"]);
    expect(e.message).to.contain("phq9_9");
  });

  it("keyed answers with gaps name every gap", () => {
    const keyed: Record<string, number | null> = Object.fromEntries(INSTRUMENTS.gad7.items.map((i) => [i.id, 1]));
    delete keyed.gad7_3;
    keyed.gad7_7 = null;
    const e = rejection(() => score("gad7", keyed));
    expect(e.problems.missing).to.deep.equal(["gad7_3", "gad7_7"]);
  });

  it("out-of-range, non-integer and unknown answers are each named", () => {
    const e = rejection(() => score("phq9", [0, 4, 1.5, "2", Number.NaN, -1, 0, 0, 0, 1] as unknown[]));
    expect(e.problems.outOfRange).to.deep.equal(["phq9_2", "phq9_6"]);
    expect(e.problems.nonInteger).to.deep.equal(["phq9_3", "phq9_4", "phq9_5"]);
    expect(e.problems.unknown).to.deep.equal(["#10"]);
    expect(e.itemIds).to.have.members(["phq9_2", "phq9_3", "phq9_4", "phq9_5", "phq9_6", "#10"]);
  });

  it("K10 rejects 0 and WHO-5 rejects 6 (outside their options)", () => {
    expect(rejection(() => score("k10", [0, 1, 1, 1, 1, 1, 1, 1, 1, 1])).problems.outOfRange).to.deep.equal(["k10_1"]);
    expect(rejection(() => score("who5", [6, 5, 5, 5, 5])).problems.outOfRange).to.deep.equal(["who5_1"]);
  });

  it("unknown keys are refused rather than ignored", () => {
    const keyed: Record<string, number> = Object.fromEntries(INSTRUMENTS.who5.items.map((i) => [i.id, 3]));
    keyed.who5_6 = 3;
    expect(rejection(() => score("who5", keyed)).problems.unknown).to.deep.equal(["who5_6"]);
  });

  it("an unknown instrument or a non-object answer set is refused", () => {
    rejection(() => score("bdi" as InstrumentId, [1]));
    expect(rejection(() => score("phq9", null as unknown as number[])).problems.missing).to.have.length(9);
  });

  it("the error message names items but not the answers given", () => {
    const e = rejection(() => score("gad7", [0, 0, 0, 0, 0, 0, 7]));
    expect(e.message).to.contain("gad7_7");
    expect(e.message).to.not.match(/\b7\b/);
  });
});
