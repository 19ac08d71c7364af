// Huawei Health data export (Privacy Centre → request data copy): after unzipping (the archive is password
// protected), "Health detail data & description/health detail data.json" holds an array of records, each with
// samplePoints {key, value (text), startTime, endTime (unix ms)}.
import type { SourceSink } from "./sink.js";

export class HuaweiHealthError extends Error {}

export const HUAWEI_KEYS: Readonly<Record<string, "hr" | "rhr">> = {
  DATA_POINT_DYNAMIC_HEARTRATE: "hr",
  DATA_POINT_REST_HEARTRATE: "rhr",
  DATA_POINT_NEW_REST_HEARTRATE: "rhr",
};
/** Night sleep stages (TruSleep and the basic band); WAKE and NOON (naps) are not counted. */
export const HUAWEI_ASLEEP = new Set(["PROFESSIONAL_SLEEP_SHALLOW", "PROFESSIONAL_SLEEP_DEEP", "PROFESSIONAL_SLEEP_DREAM", "SLEEP_LIGHT", "SLEEP_DEEP"]);

export function looksLikeHuawei(head: string): boolean {
  return /^\s*\[/.test(head) && head.includes('"samplePoints"');
}

export function readHuaweiHealth(text: string, sink: SourceSink): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    throw new HuaweiHealthError("not valid JSON");
  }
  if (!Array.isArray(doc)) throw new HuaweiHealthError("expected an array of Huawei Health records");
  for (const rec of doc) {
    const points = (rec as { samplePoints?: unknown })?.samplePoints;
    if (!Array.isArray(points)) {
      sink.skip("huawei record without samplePoints");
      continue;
    }
    for (const p of points as Record<string, unknown>[]) {
      const key = String(p.key ?? "");
      const start = Number(p.startTime);
      const kind = HUAWEI_KEYS[key];
      if (kind) sink.add(start, kind, Number(p.value));
      else if (HUAWEI_ASLEEP.has(key)) sink.asleep(start, Number(p.endTime));
    }
  }
}
