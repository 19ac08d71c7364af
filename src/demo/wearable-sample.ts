// A synthetic wearable export (CSV, the columns `anxin wearable import` reads): three weeks of a calm baseline,
// then four days of a stress episode (resting heart rate up, HRV down, short sleep), ending yesterday.
// Deterministic (a small LCG), so the demo's warning is the same on every run.

const DAY_MS = 86_400_000;

export function syntheticWearableCsv(now = new Date(), baselineDays = 17, episodeDays = 4): string {
  let s = 20240601;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1; // [-1, 1)
  const total = baselineDays + episodeDays;
  // Local (UTC+8) calendar days, the last one = yesterday.
  const todayLocal = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + (now.getUTCHours() >= 16 ? DAY_MS : 0);
  const rows = ["timestamp,heart_rate_bpm,hrv_rmssd_ms,sleep_minutes"];
  for (let d = 0; d < total; d++) {
    const day = new Date(todayLocal - (total - d) * DAY_MS).toISOString().slice(0, 10);
    const stressed = d >= baselineDays;
    const hrBase = stressed ? 79 : 63;
    const rmssd = stressed ? 24 + rnd() * 2 : 46 + rnd() * 3;
    const sleep = stressed ? 290 + rnd() * 20 : 440 + rnd() * 25;
    rows.push(`${day}T07:00:00+08:00,,,${Math.round(sleep)}`);
    for (const [h, extra] of [["08:00", 8], ["12:30", 14], ["18:00", 11], ["23:00", 2]] as const) {
      const hr = Math.round(hrBase + extra + rnd() * 2);
      rows.push(`${day}T${h}:00+08:00,${hr},${h === "23:00" ? rmssd.toFixed(1) : ""},`);
    }
  }
  return rows.join("\n") + "\n";
}
