// Accepted wearable columns, their aliases and units. One table, read by the CSV and JSON parsers and
// reproduced in docs/assessments.md.

/** RMSSD and SDNN are different HRV measures (SDNN is larger and reacts differently); they never share a column. */
export type SampleKind = "hr" | "rmssd" | "sdnn" | "sleep";
export type CanonicalUnit = "bpm" | "ms" | "min";

export interface MeasureSpec {
  kind: SampleKind;
  column: string;
  unit: CanonicalUnit;
  /** Accepted unit spellings → factor to the canonical unit. */
  units: Readonly<Record<string, number>>;
  /** Header aliases (normalized: lower case, "_" for spaces and dashes) → unit implied by the name, if any. */
  aliases: Readonly<Record<string, string | null>>;
  /** Inclusive plausible range in the canonical unit. */
  min: number;
  max: number;
}

export const MEASURES: readonly MeasureSpec[] = [
  {
    kind: "hr",
    column: "heart_rate_bpm",
    unit: "bpm",
    units: { bpm: 1, "beats/min": 1, "count/min": 1, "次/分": 1 },
    aliases: { heart_rate_bpm: "bpm", heart_rate: null, heartrate: null, hr: null, bpm: "bpm", hr_bpm: "bpm", "心率": null },
    min: 25,
    max: 250,
  },
  {
    kind: "rmssd",
    column: "hrv_rmssd_ms",
    unit: "ms",
    units: { ms: 1, "毫秒": 1 },
    aliases: { hrv_rmssd_ms: "ms", hrv_rmssd: null, rmssd: null, rmssd_ms: "ms", hrv: null, hrv_ms: "ms" },
    min: 1,
    max: 300,
  },
  {
    kind: "sdnn",
    column: "hrv_sdnn_ms",
    unit: "ms",
    units: { ms: 1, "毫秒": 1 },
    aliases: { hrv_sdnn_ms: "ms", hrv_sdnn: null, sdnn: null, sdnn_ms: "ms" },
    min: 1,
    max: 300,
  },
  {
    kind: "sleep",
    column: "sleep_minutes",
    unit: "min",
    units: { min: 1, mins: 1, minutes: 1, "分钟": 1, h: 60, hr: 60, hours: 60, "小时": 60 },
    aliases: {
      sleep_minutes: "min",
      sleep_min: "min",
      sleep_mins: "min",
      sleep: null,
      sleep_duration: null,
      sleep_hours: "h",
      "睡眠": null,
    },
    min: 0,
    max: 1440,
  },
];

export const TIMESTAMP_ALIASES: readonly string[] = ["timestamp", "time", "datetime", "date_time", "ts", "t", "时间"];

/** JSON long-form field names: {timestamp|t|time, kind|type|metric, value, unit}. Kind aliases below. */
export const KIND_ALIASES: Readonly<Record<string, SampleKind>> = {
  hr: "hr",
  heart_rate: "hr",
  heart_rate_bpm: "hr",
  rmssd: "rmssd",
  hrv: "rmssd",
  hrv_rmssd: "rmssd",
  hrv_rmssd_ms: "rmssd",
  sdnn: "sdnn",
  hrv_sdnn: "sdnn",
  hrv_sdnn_ms: "sdnn",
  sleep: "sleep",
  sleep_minutes: "sleep",
};

export function measureOf(kind: SampleKind): MeasureSpec {
  return MEASURES.find((m) => m.kind === kind)!;
}

export type HeaderMatch =
  | { role: "timestamp" }
  | { role: "measure"; measure: MeasureSpec; factor: number }
  | { role: "unknown" }
  | { role: "bad_unit"; measure: MeasureSpec; reason: string };

/** "Heart Rate (bpm)" → name "heart_rate", unit "bpm". */
export function splitHeader(raw: string): { name: string; unit: string | null } {
  let s = raw.trim().toLowerCase();
  let unit: string | null = null;
  const m = /^(.*?)[\s]*[([（【]([^)\]）】]*)[)\]）】]\s*$/.exec(s);
  if (m) {
    s = m[1];
    unit = m[2].trim();
  }
  return { name: s.trim().replace(/[\s-]+/g, "_"), unit };
}

export function matchHeader(raw: string): HeaderMatch {
  const { name, unit } = splitHeader(raw);
  if (TIMESTAMP_ALIASES.includes(name)) return { role: "timestamp" };
  for (const m of MEASURES) {
    if (!Object.prototype.hasOwnProperty.call(m.aliases, name)) continue;
    const implied = m.aliases[name];
    if (unit !== null && !Object.prototype.hasOwnProperty.call(m.units, unit)) {
      return { role: "bad_unit", measure: m, reason: `unknown unit for ${m.column}; accepted: ${Object.keys(m.units).join(", ")}` };
    }
    if (unit !== null && implied !== null && m.units[unit] !== m.units[implied]) {
      return { role: "bad_unit", measure: m, reason: `unit contradicts the column name ${name}` };
    }
    const u = unit ?? implied ?? m.unit;
    return { role: "measure", measure: m, factor: m.units[u] };
  }
  return { role: "unknown" };
}
