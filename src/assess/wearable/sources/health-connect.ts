// Android Health Connect export: the app's "Export data" zip holds health_connect_export.db, a SQLite copy of
// the Health Connect tables. The adapter opens it and hands rows here; this module knows the tables, not SQLite.
import type { SourceSink } from "./sink.js";

export class HealthConnectError extends Error {}

/** Reads whole columns of one table; the adapter (CLI: node:sqlite) implements it. */
export interface TableReader {
  tables(): string[];
  rows(table: string, columns: readonly string[]): Iterable<Record<string, unknown>>;
}

/** Tables and columns read (times are unix ms). RMSSD is Health Connect's only HRV record. */
export const HEALTH_CONNECT_TABLES = {
  heartRateSeries: { table: "heart_rate_record_series_table", columns: ["epoch_millis", "beats_per_minute"] },
  restingHeartRate: { table: "resting_heart_rate_record_table", columns: ["time", "beats_per_minute"] },
  rmssd: { table: "heart_rate_variability_rmssd_record_table", columns: ["time", "heart_rate_variability_millis"] },
  sleepSession: { table: "sleep_session_record_table", columns: ["row_id", "start_time", "end_time"] },
  sleepStages: { table: "sleep_stages_table", columns: ["parent_key", "stage_start_time", "stage_end_time", "stage_type"] },
} as const;

/** SleepSessionRecord stage types that are sleep: 2 sleeping, 4 light, 5 deep, 6 REM (1, 3, 7 are awake/out of bed). */
export const HC_ASLEEP_STAGES = new Set([2, 4, 5, 6]);

const num = (v: unknown): number => (typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : NaN);

export function readHealthConnect(db: TableReader, sink: SourceSink): void {
  const have = new Set(db.tables());
  const known = Object.values(HEALTH_CONNECT_TABLES).map((t) => t.table);
  if (!known.some((t) => have.has(t))) throw new HealthConnectError("no Health Connect tables: not a health_connect_export.db");
  const read = (t: { table: string; columns: readonly string[] }) => (have.has(t.table) ? db.rows(t.table, t.columns) : []);
  for (const r of read(HEALTH_CONNECT_TABLES.heartRateSeries)) sink.add(num(r.epoch_millis), "hr", num(r.beats_per_minute));
  for (const r of read(HEALTH_CONNECT_TABLES.restingHeartRate)) sink.add(num(r.time), "rhr", num(r.beats_per_minute));
  for (const r of read(HEALTH_CONNECT_TABLES.rmssd)) sink.add(num(r.time), "rmssd", num(r.heart_rate_variability_millis));
  // Sessions with stages count only their asleep stages; a session without stages counts whole.
  const staged = new Set<number>();
  for (const r of read(HEALTH_CONNECT_TABLES.sleepStages)) {
    staged.add(num(r.parent_key));
    if (HC_ASLEEP_STAGES.has(num(r.stage_type))) sink.asleep(num(r.stage_start_time), num(r.stage_end_time));
  }
  for (const r of read(HEALTH_CONNECT_TABLES.sleepSession)) {
    if (!staged.has(num(r.row_id))) sink.asleep(num(r.start_time), num(r.end_time));
  }
}
