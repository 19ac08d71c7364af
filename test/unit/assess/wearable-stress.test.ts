import { expect } from "chai";
import {
  STRESS_INDEX_NOTICE,
  aggregateDaily,
  assessWearable,
  detectWarnings,
  parseWearableCsv,
  stressIndex,
  type DailyStress,
} from "../../../src/assess/index.js";
import { syntheticSeries, toCsv } from "./synthetic.js";

const EPISODE = { startDay: 28, days: 4, hrUp: 15, rmssdFactor: 0.6, sleepDown: 120 };
// Day 28 after 2025-03-01 is 2025-03-29; the episode covers 03-29 … 04-01.
const EPISODE_FROM = "2025-03-29";
const EPISODE_TO = "2025-04-01";

describe("assess: daily aggregation", () => {
  it("groups by Beijing-time day, takes the 10th-percentile HR, mean RMSSD and total sleep", () => {
    const hr = Array.from({ length: 11 }, (_, k) => ({
      t: new Date(Date.parse("2025-03-01T00:30:00+08:00") + k * 3_600_000).toISOString(),
      kind: "hr" as const,
      value: 60 + k * 10, // 60 … 160; 10th percentile with interpolation = 70
      unit: "bpm" as const,
    }));
    const daily = aggregateDaily([
      ...hr,
      { t: "2025-02-28T16:30:00.000Z", kind: "rmssd", value: 40, unit: "ms" }, // 00:30 on 03-01 in Beijing
      { t: "2025-03-01T15:00:00.000Z", kind: "rmssd", value: 50, unit: "ms" }, // 23:00 on 03-01
      { t: "2025-03-01T22:00:00.000Z", kind: "sleep", value: 400, unit: "min" }, // 06:00 on 03-02
      { t: "2025-03-02T05:00:00.000Z", kind: "sleep", value: 30, unit: "min" }, // a nap on 03-02
      { t: "2025-03-03T22:00:00.000Z", kind: "sleep", value: 410, unit: "min" }, // 03-04; 03-03 has no data
    ]);
    expect(daily.map((d) => d.date)).to.deep.equal(["2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04"]);
    expect(daily[0]).to.deep.include({ restingHr: 70, rmssd: 45, sleepMinutes: null, hrSamples: 11 });
    expect(daily[1]).to.deep.include({ restingHr: null, sleepMinutes: 430 });
    expect(daily[2]).to.deep.include({ restingHr: null, rmssd: null, sleepMinutes: null });
  });
});

describe("assess: stress index", () => {
  it("says 'insufficient baseline' until 7 days of history exist, then scores 0–100", () => {
    const { index } = assessWearable(syntheticSeries(11, 20));
    expect(index.slice(0, 7).every((d) => d.status === "insufficient_baseline" && d.index === null)).to.equal(true);
    for (const d of index.slice(7)) {
      expect(d.status).to.equal("ok");
      expect(d.index).to.be.within(0, 100);
      expect(Number.isInteger(d.index)).to.equal(true);
    }
  });

  it("detects a 4-day stress episode (HR +15, RMSSD −40 %, sleep −2 h) after 28 normal days", () => {
    for (const seed of [1, 2, 3, 7, 42]) {
      const { index, warnings } = assessWearable(syntheticSeries(seed, 36, EPISODE));
      expect(warnings, `seed ${seed}`).to.have.length(1);
      const w = warnings[0];
      expect(w.from, `seed ${seed}`).to.equal(EPISODE_FROM);
      expect(w.to, `seed ${seed}`).to.equal(EPISODE_TO);
      expect(w.days).to.equal(4);
      expect(w.ongoing).to.equal(false);
      expect(w.peak).to.be.at.least(70);
      expect(w.message.zh).to.contain("不是诊断");
      expect(w.message.en).to.contain("not a diagnosis");
      const during = index.filter((d) => d.date >= EPISODE_FROM && d.date <= EPISODE_TO);
      expect(during.every((d) => d.z.hr! > 0 && d.z.rmssd! > 0 && d.z.sleep! > 0)).to.equal(true);
    }
  });

  it("an episode still under way at the end of the data is flagged as ongoing", () => {
    const { warnings } = assessWearable(syntheticSeries(5, 31, EPISODE));
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.deep.include({ from: EPISODE_FROM, to: "2025-03-31", days: 3, ongoing: true });
  });

  it("raises no warning over 60 days of normal variation (several seeds)", () => {
    for (let seed = 100; seed < 120; seed++) {
      const { index, warnings } = assessWearable(syntheticSeries(seed, 60));
      expect(warnings, `seed ${seed}`).to.deep.equal([]);
      expect(index.filter((d) => d.status === "ok")).to.have.length(53);
    }
  });

  it("a 2-day stress burst stays below the 3-day sustain window", () => {
    const { index, warnings } = assessWearable(syntheticSeries(9, 40, { ...EPISODE, days: 2 }));
    expect(warnings).to.deep.equal([]);
    expect(index.filter((d) => d.index !== null && d.index >= 70).length).to.be.at.least(2);
    // … and the same data with a 2-day window does warn
    expect(detectWarnings(index, { threshold: 70, sustainDays: 2 })).to.have.length(1);
  });

  it("works end to end from a CSV export", () => {
    const { samples } = parseWearableCsv(toCsv(syntheticSeries(3, 36, EPISODE)));
    const { warnings } = assessWearable(samples);
    expect(warnings.map((w) => [w.from, w.to])).to.deep.equal([[EPISODE_FROM, EPISODE_TO]]);
  });

  it("is judged against the person's own baseline: a high but steady heart rate is normal for them", () => {
    const samples = syntheticSeries(21, 40).map((s) => (s.kind === "hr" ? { ...s, value: s.value + 25 } : s));
    expect(assessWearable(samples).warnings).to.deep.equal([]);
  });

  it("rejects bad options", () => {
    const daily = aggregateDaily(syntheticSeries(1, 10));
    expect(() => stressIndex(daily, { baselineDays: 5, minBaselineDays: 7 })).to.throw(RangeError);
    expect(() => stressIndex(daily, { weights: { hr: 0, rmssd: 0, sleep: 0 } })).to.throw(RangeError);
    expect(() => stressIndex([daily[0], daily[2]])).to.throw(RangeError);
    expect(() => detectWarnings([], { sustainDays: 0 })).to.throw(RangeError);
  });
});

describe("assess: warning detection", () => {
  const day = (date: string, index: number | null): DailyStress => ({
    date,
    index,
    status: index === null ? "no_data" : "ok",
    z: { hr: null, rmssd: null, sleep: null },
    combined: null,
  });

  it("needs consecutive days at or above the threshold; a missing day breaks the run", () => {
    const series = [
      day("2025-05-01", 70),
      day("2025-05-02", 85),
      day("2025-05-03", 69),
      day("2025-05-04", 90),
      day("2025-05-05", 90),
      day("2025-05-06", null),
      day("2025-05-07", 90),
      day("2025-05-08", 72),
      day("2025-05-09", 75),
      day("2025-05-10", 10),
    ];
    const w = detectWarnings(series, { threshold: 70, sustainDays: 3 });
    expect(w.map((x) => [x.from, x.to, x.peak, x.days])).to.deep.equal([["2025-05-07", "2025-05-09", 90, 3]]);
    expect(detectWarnings(series, { threshold: 70, sustainDays: 2 }).map((x) => x.from)).to.deep.equal([
      "2025-05-01",
      "2025-05-04",
      "2025-05-07",
    ]);
  });

  it("a calendar gap between entries breaks the run", () => {
    const w = detectWarnings([day("2025-05-01", 90), day("2025-05-02", 90), day("2025-05-04", 90)], { sustainDays: 3 });
    expect(w).to.deep.equal([]);
  });

  it("ships the 'not a diagnosis' notice for the UI in both languages", () => {
    expect(STRESS_INDEX_NOTICE.zh).to.contain("不是诊断");
    expect(STRESS_INDEX_NOTICE.en).to.contain("not a diagnosis");
  });
});
