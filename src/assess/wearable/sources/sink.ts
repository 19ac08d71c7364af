// Where every phone-export importer puts what it reads: straight into per-day values (DailyBuilder), with counts
// of what was taken and what was skipped and why. No raw record is kept, so memory follows days, not file size.
import { measureOf } from "../columns.js";
import { DailyBuilder, type AggregateOptions, type DailyAggregate, type DailyKind } from "../stress.js";

export type SourceFormat = "apple-health" | "health-connect" | "garmin-fit" | "huawei-health";

/** Plausible ranges per kind (the CSV/JSON table for the shared kinds; device stress is a 0–100 score). */
const RANGE: Record<DailyKind, [number, number]> = {
  hr: [measureOf("hr").min, measureOf("hr").max],
  rhr: [measureOf("hr").min, measureOf("hr").max],
  rmssd: [measureOf("rmssd").min, measureOf("rmssd").max],
  sdnn: [measureOf("sdnn").min, measureOf("sdnn").max],
  sleep: [0, 1440],
  stress: [0, 100],
};

export interface SourceSummary {
  format: SourceFormat;
  /** Values taken per kind (sleep: merged sleep intervals). */
  taken: Partial<Record<DailyKind, number>>;
  /** Values not taken, by reason (e.g. "garmin stress -2: too much motion", "out of range: hr"). */
  skipped: Record<string, number>;
  daily: DailyAggregate[];
}

export class SourceSink {
  private readonly builder: DailyBuilder;
  readonly taken: Partial<Record<DailyKind, number>> = {};
  readonly skipped: Record<string, number> = {};
  private sleeps: [number, number][] = [];

  constructor(opts: AggregateOptions = {}) {
    this.builder = new DailyBuilder(opts);
  }

  /** A point value at instant ms (unix ms). Out-of-range or non-finite values are counted and dropped. */
  add(ms: number, kind: Exclude<DailyKind, "sleep">, value: number): void {
    const [lo, hi] = RANGE[kind];
    if (!Number.isFinite(ms) || !Number.isFinite(value)) return this.skip(`unreadable: ${kind}`);
    if (value < lo || value > hi) return this.skip(`out of range: ${kind}`);
    this.builder.add(ms, kind, value);
    this.taken[kind] = (this.taken[kind] ?? 0) + 1;
  }

  /** An interval asleep. Overlaps (phone and watch both recording one night) are merged before counting. */
  asleep(startMs: number, endMs: number): void {
    if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs <= startMs) return this.skip("unreadable: sleep");
    if (endMs - startMs > 86_400_000) return this.skip("out of range: sleep");
    this.sleeps.push([startMs, endMs]);
  }

  skip(reason: string): void {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1;
  }

  finish(format: SourceFormat): SourceSummary {
    this.sleeps.sort((a, b) => a[0] - b[0]);
    let cur: [number, number] | null = null;
    const flush = () => {
      if (!cur) return;
      // A merged interval counts for the day it ends on (the morning one wakes up).
      this.builder.add(cur[1], "sleep", (cur[1] - cur[0]) / 60_000);
      this.taken.sleep = (this.taken.sleep ?? 0) + 1;
    };
    for (const iv of this.sleeps) {
      if (cur && iv[0] <= cur[1]) cur[1] = Math.max(cur[1], iv[1]);
      else {
        flush();
        cur = [iv[0], iv[1]];
      }
    }
    flush();
    this.sleeps = [];
    return { format, taken: this.taken, skipped: this.skipped, daily: this.builder.build() };
  }
}
