// Apple Health export (export.xml inside export.zip): a SAX parse over text chunks, so a 1 GB export is read with
// memory bounded by the number of days, not the file. Only the attributes of <Record> elements are read.
import { SaxesParser } from "saxes";
import { readTimestamp } from "../timestamp.js";
import type { SourceSink } from "./sink.js";

/** HealthKit types read, and what they become. HealthKit's HRV is SDNN (never RMSSD). */
export const APPLE_TYPES = {
  HKQuantityTypeIdentifierHeartRate: { kind: "hr", unit: "count/min" },
  HKQuantityTypeIdentifierRestingHeartRate: { kind: "rhr", unit: "count/min" },
  HKQuantityTypeIdentifierHeartRateVariabilitySDNN: { kind: "sdnn", unit: "ms" },
} as const;

export const APPLE_SLEEP_TYPE = "HKCategoryTypeIdentifierSleepAnalysis";
/** Asleep values (iOS 16+ stages and the older single value); InBed and Awake are not sleep. */
export const APPLE_ASLEEP = new Set([
  "HKCategoryValueSleepAnalysisAsleep",
  "HKCategoryValueSleepAnalysisAsleepUnspecified",
  "HKCategoryValueSleepAnalysisAsleepCore",
  "HKCategoryValueSleepAnalysisAsleepDeep",
  "HKCategoryValueSleepAnalysisAsleepREM",
]);

export class AppleHealthError extends Error {}

const time = (s: string | undefined): number => {
  const r = readTimestamp(s ?? "");
  return r.ok ? r.ms : NaN;
};

export class AppleHealthParser {
  private readonly sax = new SaxesParser({ xmlns: false, position: false });
  private sawRoot = false;
  private failure: Error | null = null;

  constructor(private readonly sink: SourceSink) {
    this.sax.on("error", (e) => {
      this.failure ??= new AppleHealthError(`export.xml is not well-formed XML: ${e.message}`);
    });
    this.sax.on("opentag", (tag) => {
      if (tag.name === "HealthData") this.sawRoot = true;
      if (tag.name !== "Record") return;
      const a = tag.attributes as Record<string, string>;
      const spec = APPLE_TYPES[a.type as keyof typeof APPLE_TYPES];
      if (spec) {
        if (a.unit !== spec.unit) return this.sink.skip(`unexpected unit: ${a.type} ${a.unit}`);
        this.sink.add(time(a.startDate), spec.kind, Number(a.value));
      } else if (a.type === APPLE_SLEEP_TYPE && APPLE_ASLEEP.has(a.value)) {
        this.sink.asleep(time(a.startDate), time(a.endDate));
      }
    });
  }

  write(text: string): void {
    if (this.failure) throw this.failure;
    this.sax.write(text);
    if (this.failure) throw this.failure;
  }

  close(): void {
    if (!this.failure) this.sax.close();
    if (this.failure) throw this.failure;
    if (!this.sawRoot) throw new AppleHealthError("no <HealthData> element: not an Apple Health export.xml");
  }
}
