// Garmin FIT files (monitoring, sleep and HRV files from the watch), decoded with Garmin's own SDK.
// Stress: 0–100 is the device's score; −1 ("not enough data") and −2 ("too much motion") are codes, never values.
import { Decoder, Stream } from "@garmin/fitsdk";
import type { SourceSink } from "./sink.js";

export class GarminFitError extends Error {}

/** Garmin's stress codes below zero. */
export const GARMIN_STRESS_CODES: Readonly<Record<number, string>> = { [-1]: "not enough data", [-2]: "too much motion" };
/** sleepLevel values that count as asleep (awake and unmeasurable do not). */
const ASLEEP = new Set(["light", "deep", "rem"]);

type Mesg = Record<string, unknown>;
const ms = (v: unknown): number => (v instanceof Date ? v.getTime() : NaN);

export function isFit(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && (bytes[0] === 12 || bytes[0] === 14) && String.fromCharCode(...bytes.subarray(8, 12)) === ".FIT";
}

export function readGarminFit(bytes: Uint8Array, sink: SourceSink): void {
  const decoder = new Decoder(Stream.fromByteArray(Array.from(bytes)));
  if (!decoder.isFIT()) throw new GarminFitError("not a FIT file");
  if (!decoder.checkIntegrity()) throw new GarminFitError("FIT file fails its CRC check (truncated or damaged)");
  const { messages, errors } = decoder.read({ convertDateTimesToDates: true, expandSubFields: true, expandComponents: true });
  if (errors.length) throw new GarminFitError(`FIT file cannot be decoded: ${String((errors[0] as Error).message ?? errors[0])}`);
  const m = messages as Record<string, Mesg[] | undefined>;

  // Monitoring heart rate; real files carry a 16-bit timestamp relative to the last full one.
  let lastFull = NaN;
  for (const r of m.monitoringMesgs ?? []) {
    if (r.timestamp instanceof Date) lastFull = r.timestamp.getTime();
    else if (typeof r.timestamp16 === "number" && Number.isFinite(lastFull)) {
      const base = Math.floor(lastFull / 1000);
      lastFull = (base + ((r.timestamp16 - (base & 0xffff)) & 0xffff)) * 1000;
    }
    if (typeof r.heartRate === "number" && r.heartRate > 0) sink.add(lastFull, "hr", r.heartRate);
  }
  for (const r of m.monitoringHrDataMesgs ?? []) {
    const v = r.currentDayRestingHeartRate ?? r.restingHeartRate;
    if (typeof v === "number" && v > 0) sink.add(ms(r.timestamp), "rhr", v);
  }
  // Five-minute RMSSD over sleep (HRV status); the nightly average is a summary of the same values, not added.
  for (const r of m.hrvValueMesgs ?? []) {
    if (typeof r.value === "number") sink.add(ms(r.timestamp), "rmssd", r.value);
  }
  for (const r of m.stressLevelMesgs ?? []) {
    const v = r.stressLevelValue;
    if (typeof v !== "number") continue;
    if (v < 0) sink.skip(`garmin stress ${v}: ${GARMIN_STRESS_CODES[v] ?? "unknown code"}`);
    else sink.add(ms(r.stressLevelTime ?? r.timestamp), "stress", v);
  }
  // Sleep levels mark changes: each level lasts until the next message.
  const levels = (m.sleepLevelMesgs ?? []).map((r) => ({ t: ms(r.timestamp), level: String(r.sleepLevel) })).sort((a, b) => a.t - b.t);
  for (let i = 0; i + 1 < levels.length; i++) {
    if (ASLEEP.has(levels[i].level)) sink.asleep(levels[i].t, levels[i + 1].t);
  }
}
