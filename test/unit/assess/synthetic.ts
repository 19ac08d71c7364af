// Deterministic synthetic wearable series for the stress-index tests (seeded; no real person's data).
import type { WearableSample } from "../../../src/assess/index.js";

/** mulberry32: a tiny seeded PRNG, enough for reproducible test noise. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(r: () => number): () => number {
  return () => {
    const u = Math.max(r(), 1e-12);
    const v = r();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

export interface Episode {
  startDay: number;
  days: number;
  hrUp: number; // bpm added to resting HR
  rmssdFactor: number; // e.g. 0.6 for −40 %
  sleepDown: number; // minutes
}

/**
 * `days` days starting 2025-03-01 (Beijing time): 48 HR samples a day (resting level + activity), one nightly
 * RMSSD and one sleep total. Normal variation: day-to-day noise, a weekly rhythm (longer weekend sleep,
 * slightly higher weekday HR) and a slow drift.
 */
export function syntheticSeries(seed: number, days: number, episode?: Episode): WearableSample[] {
  const r = rng(seed);
  const n = gaussian(r);
  const out: WearableSample[] = [];
  const start = Date.parse("2025-03-01T00:00:00+08:00");
  for (let d = 0; d < days; d++) {
    const inEp = episode && d >= episode.startDay && d < episode.startDay + episode.days;
    const weekend = d % 7 === 5 || d % 7 === 6;
    const drift = 1.5 * Math.sin((2 * Math.PI * d) / 45);
    let rest = 62 + drift + (weekend ? -1 : 0.5) + 1.8 * n();
    let rmssd = 42 * Math.exp(0.12 * n()) - drift;
    let sleep = 420 + (weekend ? 35 : 0) + 28 * n();
    if (r() < 0.05) sleep -= 90; // the odd bad night happens to everyone
    if (inEp) {
      rest += episode!.hrUp;
      rmssd *= episode!.rmssdFactor;
      sleep -= episode!.sleepDown;
    }
    const dayStart = start + d * 86_400_000;
    for (let k = 0; k < 48; k++) {
      const hr = Math.min(180, rest + Math.abs(12 * n()) + n());
      out.push({ t: new Date(dayStart + k * 1_800_000).toISOString(), kind: "hr", value: Math.round(hr), unit: "bpm" });
    }
    out.push({ t: new Date(dayStart + 4 * 3_600_000).toISOString(), kind: "rmssd", value: Math.round(rmssd * 10) / 10, unit: "ms" });
    out.push({ t: new Date(dayStart + 7 * 3_600_000).toISOString(), kind: "sleep", value: Math.round(sleep), unit: "min" });
  }
  return out;
}

/** The same series as a wide CSV export in Beijing time (one row per instant). */
export function toCsv(samples: readonly WearableSample[]): string {
  const rows = new Map<string, Record<string, number>>();
  for (const s of samples) {
    const row = rows.get(s.t) ?? {};
    row[s.kind] = s.value;
    rows.set(s.t, row);
  }
  const lines = ["timestamp,heart_rate_bpm,hrv_rmssd_ms,sleep_minutes"];
  for (const [t, row] of rows) {
    const local = new Date(Date.parse(t) + 8 * 3_600_000).toISOString().slice(0, 19) + "+08:00";
    lines.push([local, row.hr ?? "", row.rmssd ?? "", row.sleep ?? ""].join(","));
  }
  return lines.join("\n") + "\n";
}
