import type { Bilingual } from "../types.js";
import type { SampleKind, WearableSample } from "./parse.js";
import { MAD_TO_SD, mad, mean, median, percentile } from "./stats.js";

/** One calendar day (in the resident's local time) of aggregated wearable data. */
export interface DailyAggregate {
  /** Local calendar date, YYYY-MM-DD. */
  date: string;
  /**
   * Resting heart rate (bpm): the mean of the device's own resting-HR readings that day when it gives them
   * (HealthKit RestingHeartRate, Health Connect RestingHeartRateRecord, Huawei resting HR), otherwise the
   * restingPercentile-th percentile of the day's HR samples.
   */
  restingHr: number | null;
  /** Mean RMSSD of the day's samples (ms). */
  rmssd: number | null;
  /** Mean SDNN of the day's samples (ms). A different measure from RMSSD: never averaged with it. */
  sdnn: number | null;
  /** Total sleep attributed to this day (minutes). */
  sleepMinutes: number | null;
  /** Mean of the device's own stress score (Garmin 0–100); shown, not part of the index (it is derived from HRV). */
  deviceStress: number | null;
  hrSamples: number;
  rmssdSamples: number;
  sdnnSamples: number;
}

/** What a day is built from: the parser kinds plus a device resting HR and a device stress score. */
export type DailyKind = SampleKind | "rhr" | "stress";

export interface AggregateOptions {
  /** The resident's UTC offset; days are local days. Default +480 (China Standard Time). */
  utcOffsetMinutes?: number;
  /** Default 10: the 10th percentile of the day's HR approximates resting HR without a dedicated reading. */
  restingPercentile?: number;
  /** Days with fewer HR samples get no resting HR. Default 1 (devices that export one daily resting value). */
  minHrSamples?: number;
}

const DAY_MS = 86_400_000;

function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

type Bucket = Record<DailyKind, number[]>;

/**
 * Accumulates samples one at a time into local calendar days, so a streaming importer never holds the raw
 * records (only the per-day values). aggregateDaily is this builder over an array.
 */
export class DailyBuilder {
  private readonly byDay = new Map<string, Bucket>();
  private readonly offsetMs: number;
  constructor(private readonly opts: AggregateOptions = {}) {
    const offset = opts.utcOffsetMinutes ?? 480;
    if (!Number.isInteger(offset) || Math.abs(offset) > 14 * 60) throw new RangeError("utcOffsetMinutes out of range");
    const pct = opts.restingPercentile ?? 10;
    if (!(pct >= 0 && pct <= 100)) throw new RangeError("restingPercentile must be within 0–100");
    this.offsetMs = offset * 60_000;
  }

  /** ms: the instant (unix ms) the value belongs to; sleep belongs to the instant it ended (the waking day). */
  add(ms: number, kind: DailyKind, value: number): void {
    const d = new Date(ms + this.offsetMs).toISOString().slice(0, 10);
    let b = this.byDay.get(d);
    if (!b) this.byDay.set(d, (b = { hr: [], rhr: [], rmssd: [], sdnn: [], sleep: [], stress: [] }));
    b[kind].push(value);
  }

  get days(): number {
    return this.byDay.size;
  }

  build(): DailyAggregate[] {
    if (this.byDay.size === 0) return [];
    const pct = this.opts.restingPercentile ?? 10;
    const minHr = this.opts.minHrSamples ?? 1;
    const dates = [...this.byDay.keys()].sort();
    const out: DailyAggregate[] = [];
    const avg = (v: number[] | undefined) => (v && v.length > 0 ? mean(v) : null);
    for (let d = dates[0]; d <= dates[dates.length - 1]; d = addDays(d, 1)) {
      const b = this.byDay.get(d);
      const rhr = avg(b?.rhr);
      out.push({
        date: d,
        restingHr: rhr ?? (b && b.hr.length >= minHr && b.hr.length > 0 ? percentile(b.hr, pct) : null),
        rmssd: avg(b?.rmssd),
        sdnn: avg(b?.sdnn),
        sleepMinutes: b && b.sleep.length > 0 ? b.sleep.reduce((x, y) => x + y, 0) : null,
        deviceStress: avg(b?.stress),
        hrSamples: b ? b.hr.length : 0,
        rmssdSamples: b ? b.rmssd.length : 0,
        sdnnSamples: b ? b.sdnn.length : 0,
      });
    }
    return out;
  }
}

/**
 * Groups samples by local calendar day. The result covers every date from the first to the last sample;
 * days without data are present with nulls, so a gap is visible rather than silently closed.
 */
export function aggregateDaily(samples: readonly WearableSample[], opts: AggregateOptions = {}): DailyAggregate[] {
  const b = new DailyBuilder(opts);
  for (const s of samples) b.add(Date.parse(s.t), s.kind, s.value);
  return b.build();
}

export interface StressOptions {
  /** Rolling baseline length in calendar days before the scored day. Default 14. */
  baselineDays?: number;
  /** A metric needs at least this many baseline days with data. Default 7. */
  minBaselineDays?: number;
  /**
   * Relative weights; HR up, HRV down and sleep down all push the index up. Default 0.4 / 0.4 / 0.2. `rmssd` is the
   * weight of the HRV slot, filled by RMSSD against the RMSSD baseline or, on a day RMSSD cannot be scored, by SDNN
   * against the SDNN baseline (never both, never one against the other's baseline).
   */
  weights?: { hr: number; rmssd: number; sleep: number };
  /** Days whose usable metrics weigh less than this (after the weights are normalised) get no index. Default 0.4. */
  minWeight?: number;
  /** Each robust z is clipped to ±zClip so one wild metric cannot decide alone. Default 4. */
  zClip?: number;
  /** Logistic mapping: index = 100 / (1 + e^(−slope·(S − center))). Defaults 1.5 and 1.5. */
  center?: number;
  slope?: number;
}

export type StressStatus = "ok" | "no_data" | "insufficient_baseline";

export interface DailyStress {
  date: string;
  /** 0–100 (integer), or null when status is not "ok". */
  index: number | null;
  status: StressStatus;
  /** Signed robust z per metric, oriented so that positive = more stress-like; null = not used that day. */
  z: { hr: number | null; rmssd: number | null; sdnn?: number | null; sleep: number | null };
  /** Weighted mean of the used z's (S in the formula). */
  combined: number | null;
}

// The scale floor stops a very regular baseline (MAD near 0) from turning a trivial change into a huge z.
const SCALE_FLOOR = {
  hr: (_median: number) => 2, // bpm
  rmssd: (m: number) => Math.max(2, 0.1 * m), // ms: 10 % of the person's usual RMSSD
  sdnn: (m: number) => Math.max(2, 0.1 * m), // ms: 10 % of the person's usual SDNN
  sleep: (_median: number) => 30, // minutes
};

type Metric = "hr" | "rmssd" | "sdnn" | "sleep";
const VALUE: Record<Metric, (d: DailyAggregate) => number | null> = {
  hr: (d) => d.restingHr,
  rmssd: (d) => d.rmssd,
  sdnn: (d) => d.sdnn ?? null,
  sleep: (d) => d.sleepMinutes,
};
/** +1: higher than usual is stress-like (HR); −1: lower than usual is stress-like (RMSSD, SDNN, sleep). */
const DIRECTION: Record<Metric, 1 | -1> = { hr: 1, rmssd: -1, sdnn: -1, sleep: -1 };
/** Weighted slots: the HRV slot takes RMSSD first, then SDNN; each against its own baseline only. */
const SLOTS: { weight: "hr" | "rmssd" | "sleep"; metrics: Metric[] }[] = [
  { weight: "hr", metrics: ["hr"] },
  { weight: "rmssd", metrics: ["rmssd", "sdnn"] },
  { weight: "sleep", metrics: ["sleep"] },
];

function resolve(opts: StressOptions) {
  const o = {
    baselineDays: opts.baselineDays ?? 14,
    minBaselineDays: opts.minBaselineDays ?? 7,
    weights: opts.weights ?? { hr: 0.4, rmssd: 0.4, sleep: 0.2 },
    minWeight: opts.minWeight ?? 0.4,
    zClip: opts.zClip ?? 4,
    center: opts.center ?? 1.5,
    slope: opts.slope ?? 1.5,
  };
  if (!Number.isInteger(o.baselineDays) || o.baselineDays < 2) throw new RangeError("baselineDays must be an integer ≥ 2");
  if (!Number.isInteger(o.minBaselineDays) || o.minBaselineDays < 2 || o.minBaselineDays > o.baselineDays) {
    throw new RangeError("minBaselineDays must be an integer within 2…baselineDays");
  }
  const w = o.weights;
  if (![w.hr, w.rmssd, w.sleep].every((x) => Number.isFinite(x) && x >= 0) || w.hr + w.rmssd + w.sleep <= 0) {
    throw new RangeError("weights must be non-negative and not all zero");
  }
  if (!(o.zClip > 0) || !(o.slope > 0) || !Number.isFinite(o.center)) throw new RangeError("bad mapping parameters");
  return o;
}

/**
 * Daily stress index against the person's own rolling baseline (formula in docs/assessments.md):
 * for each metric, z = direction × (today − median(baseline)) / max(1.4826 × MAD(baseline), floor), clipped to
 * ±zClip, where the baseline is the previous `baselineDays` calendar days (today excluded); S = weighted mean of
 * the available z's; index = round(100 / (1 + e^(−slope × (S − center)))).
 * `daily` must be consecutive calendar days, as aggregateDaily returns.
 */
export function stressIndex(daily: readonly DailyAggregate[], opts: StressOptions = {}): DailyStress[] {
  const o = resolve(opts);
  for (let i = 1; i < daily.length; i++) {
    if (daily[i].date !== addDays(daily[i - 1].date, 1)) throw new RangeError("daily aggregates must be consecutive days");
  }
  const totalWeight = o.weights.hr + o.weights.rmssd + o.weights.sleep;
  return daily.map((day, i) => {
    const z: DailyStress["z"] = { hr: null, rmssd: null, sdnn: null, sleep: null };
    const metrics: Metric[] = ["hr", "rmssd", "sdnn", "sleep"];
    const present = metrics.some((m) => VALUE[m](day) !== null);
    if (!present) return { date: day.date, index: null, status: "no_data", z, combined: null };
    let sum = 0;
    let weight = 0;
    const zOf = (m: Metric): number | null => {
      const today = VALUE[m](day);
      if (today === null) return null;
      const base = daily
        .slice(Math.max(0, i - o.baselineDays), i)
        .map(VALUE[m])
        .filter((v): v is number => v !== null);
      if (base.length < o.minBaselineDays) return null;
      const med = median(base);
      const scale = Math.max(MAD_TO_SD * mad(base), SCALE_FLOOR[m](med));
      return Math.max(-o.zClip, Math.min(o.zClip, (DIRECTION[m] * (today - med)) / scale));
    };
    for (const slot of SLOTS) {
      const w = o.weights[slot.weight];
      if (w === 0) continue;
      for (const m of slot.metrics) {
        const zm = zOf(m);
        if (zm === null) continue;
        z[m] = zm;
        sum += w * zm;
        weight += w;
        break; // one metric per slot
      }
    }
    if (weight / totalWeight < o.minWeight - 1e-9) {
      return { date: day.date, index: null, status: "insufficient_baseline", z, combined: null };
    }
    const combined = sum / weight;
    const index = Math.round(100 / (1 + Math.exp(-o.slope * (combined - o.center))));
    return { date: day.date, index, status: "ok", z, combined };
  });
}

export interface WarningOptions {
  /** Index at or above which a day counts as elevated. Default 70. */
  threshold?: number;
  /** Consecutive elevated days needed to raise a warning. Default 3. */
  sustainDays?: number;
}

export interface StressWarning {
  from: string;
  to: string;
  days: number;
  peak: number;
  /** True when the elevated run reaches the last scored day (it may still be going on). */
  ongoing: boolean;
  /** For the counselor with an active MONITORING grant: a prompt to check in, not a diagnosis. */
  message: Bilingual;
}

/** Shown wherever the index is shown (resident and counselor UI). */
export const STRESS_INDEX_NOTICE: Bilingual = {
  zh: "压力指数是根据您自己过去两周的心率、心率变异性和睡眠计算的参考值，只用来提醒咨询师主动问候您，不是诊断。",
  en: "The stress index compares your heart rate, heart-rate variability and sleep with your own last two weeks. It only prompts your counselor to check in with you; it is not a diagnosis.",
};

/**
 * Finds runs of at least `sustainDays` consecutive days with index ≥ threshold. A day without an index
 * (no data, insufficient baseline) ends a run: a warning needs evidence on every day it covers.
 */
export function detectWarnings(daily: readonly DailyStress[], opts: WarningOptions = {}): StressWarning[] {
  const threshold = opts.threshold ?? 70;
  const sustain = opts.sustainDays ?? 3;
  if (!(threshold >= 0 && threshold <= 100)) throw new RangeError("threshold must be within 0–100");
  if (!Number.isInteger(sustain) || sustain < 1) throw new RangeError("sustainDays must be an integer ≥ 1");
  const warnings: StressWarning[] = [];
  let run: DailyStress[] = [];
  const close = (ongoing: boolean) => {
    if (run.length >= sustain) {
      const peak = Math.max(...run.map((d) => d.index!));
      const n = run.length;
      warnings.push({
        from: run[0].date,
        to: run[n - 1].date,
        days: n,
        peak,
        ongoing,
        message: {
          zh:
            `这位居民的压力指数已连续 ${n} 天偏高（${run[0].date} 至 ${run[n - 1].date}，最高 ${peak}）。` +
            "这只是提醒您主动联系、问候一下，不是诊断。",
          en:
            `This resident's stress index has been elevated for ${n} days in a row (${run[0].date} to ` +
            `${run[n - 1].date}, peak ${peak}). This is a prompt to check in with them, not a diagnosis.`,
        },
      });
    }
    run = [];
  };
  daily.forEach((d, i) => {
    const contiguous = run.length === 0 || d.date === addDays(run[run.length - 1].date, 1);
    if (!contiguous) close(false);
    if (d.index !== null && d.index >= threshold) run.push(d);
    else close(false);
    if (i === daily.length - 1) close(true);
  });
  return warnings;
}

/** Convenience: samples → daily aggregates → index → warnings. */
export function assessWearable(
  samples: readonly WearableSample[],
  opts: AggregateOptions & StressOptions & WarningOptions = {},
): { daily: DailyAggregate[]; index: DailyStress[]; warnings: StressWarning[] } {
  const daily = aggregateDaily(samples, opts);
  const index = stressIndex(daily, opts);
  return { daily, index, warnings: detectWarnings(index, opts) };
}
