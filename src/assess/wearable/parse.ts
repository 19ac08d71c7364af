import { WearableImportError, type WearableLineError } from "../errors.js";
import {
  KIND_ALIASES,
  matchHeader,
  measureOf,
  type CanonicalUnit,
  type MeasureSpec,
  type SampleKind,
} from "./columns.js";
import { readTimestamp } from "./timestamp.js";

export type { SampleKind } from "./columns.js";

export interface WearableSample {
  /** ISO-8601 UTC, e.g. "2025-03-01T23:30:00.000Z". */
  t: string;
  kind: SampleKind;
  /** In the canonical unit (hours of sleep are converted to minutes). */
  value: number;
  unit: CanonicalUnit;
}

export interface WearableImport {
  samples: WearableSample[];
  /** Columns (CSV) or fields (JSON) that were not recognised and were not read. */
  ignoredColumns: string[];
}

/** At most this many problems are listed; a garbage file should not produce a megabyte of errors. */
export const MAX_LISTED_ERRORS = 100;

const NUMBER = /^[+-]?(?:\d+(?:\.\d+)?|\.\d+)$/;

class Collector {
  readonly errors: WearableLineError[] = [];
  truncated = false;
  add(line: number, field: string, reason: string): void {
    if (this.errors.length < MAX_LISTED_ERRORS) this.errors.push({ line, field, reason });
    else this.truncated = true;
  }
  throwIfAny(): void {
    if (this.errors.length) throw new WearableImportError(this.errors, this.truncated);
  }
}

function checkValue(m: MeasureSpec, value: number, factor: number): string | null {
  const v = value * factor;
  if (!Number.isFinite(v)) return "not a finite number";
  if (v < m.min || v > m.max) return `out of range (${m.min}–${m.max} ${m.unit})`;
  return null;
}

function finish(samples: { ms: number; kind: SampleKind; value: number }[], ignored: string[]): WearableImport {
  const order: Record<SampleKind, number> = { hr: 0, rmssd: 1, sdnn: 2, sleep: 3 };
  samples.sort((a, b) => a.ms - b.ms || order[a.kind] - order[b.kind]);
  return {
    samples: samples.map((s) => ({
      t: new Date(s.ms).toISOString(),
      kind: s.kind,
      value: s.value,
      unit: measureOf(s.kind).unit,
    })),
    ignoredColumns: ignored,
  };
}

/** Splits one CSV line; supports "quoted, fields" with "" escapes. Returns null on an unclosed quote. */
function splitCsvLine(line: string, delim: string): string[] | null {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur.trim() === "") {
      quoted = true;
      cur = "";
    } else if (c === delim) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  if (quoted) return null;
  out.push(cur);
  return out.map((f) => f.trim());
}

/**
 * Parses a wide CSV export: a header row, then one row per timestamp with any of the measurement columns
 * (empty cell = not measured). Throws WearableImportError listing every bad line (1-based, header = line 1).
 */
export function parseWearableCsv(text: string): WearableImport {
  const errs = new Collector();
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  const headerIdx = lines.findIndex((l) => l.trim() !== "");
  if (headerIdx < 0) {
    errs.add(1, "file", "empty file");
    errs.throwIfAny();
  }
  const headerLine = lines[headerIdx];
  const delim = headerLine.includes(",") ? "," : headerLine.includes("\t") ? "\t" : headerLine.includes(";") ? ";" : ",";
  const header = splitCsvLine(headerLine, delim) ?? [];
  const hLine = headerIdx + 1;
  let tsCol = -1;
  const measureCols: { col: number; measure: MeasureSpec; factor: number }[] = [];
  const ignored: string[] = [];
  header.forEach((h, col) => {
    const match = matchHeader(h);
    if (match.role === "timestamp") {
      if (tsCol >= 0) errs.add(hLine, h, "more than one timestamp column");
      tsCol = col;
    } else if (match.role === "measure") {
      if (measureCols.some((c) => c.measure.kind === match.measure.kind)) {
        errs.add(hLine, h, `second column for ${match.measure.column}`);
      }
      measureCols.push({ col, measure: match.measure, factor: match.factor });
    } else if (match.role === "bad_unit") errs.add(hLine, h, match.reason);
    else ignored.push(h);
  });
  if (tsCol < 0) errs.add(hLine, "header", "no timestamp column (timestamp, time, datetime, ts)");
  if (measureCols.length === 0) {
    errs.add(hLine, "header", "no measurement column (heart_rate_bpm, hrv_rmssd_ms, sleep_minutes or an alias)");
  }
  errs.throwIfAny();

  const samples: { ms: number; kind: SampleKind; value: number }[] = [];
  const seen = new Map<number, number>(); // instant → first line
  let rows = 0;
  for (let i = headerIdx + 1; i < lines.length; i++) {
    const line = i + 1;
    if (lines[i].trim() === "") continue;
    rows++;
    const cells = splitCsvLine(lines[i], delim);
    if (cells === null) {
      errs.add(line, "row", "unclosed quote");
      continue;
    }
    if (cells.length !== header.length) {
      errs.add(line, "row", `expected ${header.length} fields, found ${cells.length}`);
      continue;
    }
    const ts = readTimestamp(cells[tsCol]);
    let ms: number | null = null;
    if (!ts.ok) errs.add(line, header[tsCol], ts.reason);
    else if (seen.has(ts.ms)) errs.add(line, header[tsCol], `duplicate timestamp (first on line ${seen.get(ts.ms)})`);
    else {
      ms = ts.ms;
      seen.set(ms, line);
    }
    let measured = 0;
    const rowSamples: { ms: number; kind: SampleKind; value: number }[] = [];
    for (const { col, measure, factor } of measureCols) {
      const cell = cells[col];
      if (cell === "") continue;
      measured++;
      if (!NUMBER.test(cell)) {
        errs.add(line, header[col], "not a number");
        continue;
      }
      const problem = checkValue(measure, Number(cell), factor);
      if (problem) errs.add(line, header[col], problem);
      else if (ms !== null) rowSamples.push({ ms, kind: measure.kind, value: Number(cell) * factor });
    }
    if (measured === 0) errs.add(line, "row", "no measurement on this row");
    samples.push(...rowSamples);
  }
  if (rows === 0) errs.add(hLine, "file", "no data rows after the header");
  errs.throwIfAny();
  return finish(samples, ignored);
}

// ---- JSON ---------------------------------------------------------------------------------------------

const LONG_TIME_FIELDS = ["timestamp", "t", "time", "datetime", "ts"];
const ROW_CONTAINERS = ["samples", "data", "records"];

/** Line of each direct element of the row array (root array, or the array under one of ROW_CONTAINERS). */
function elementLines(text: string, containerKey: string | null): number[] {
  type Frame = { arr: boolean; key: string | null; expectKey: boolean; target: boolean };
  const stack: Frame[] = [];
  const lines: number[] = [];
  let line = 1;
  let lastString: string | null = null;
  let prevSignificant = "";
  const valueStarts = (f: Frame | undefined) => f !== undefined && f.arr && f.target;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") {
      line++;
      continue;
    }
    const top = stack[stack.length - 1];
    if (c === '"') {
      if (top && !top.arr && top.expectKey) {
        let j = i + 1;
        let s = "";
        while (j < text.length && text[j] !== '"') {
          if (text[j] === "\\") j++;
          s += text[j];
          j++;
        }
        lastString = s;
        i = j;
        prevSignificant = '"';
        continue;
      }
      if (valueStarts(top)) lines.push(line);
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      i = j;
      prevSignificant = '"';
      continue;
    }
    if (c === ":" && top && !top.arr) {
      top.key = lastString;
      top.expectKey = false;
    } else if (c === "," && top) {
      if (!top.arr) top.expectKey = true;
    } else if (c === "{" || c === "[") {
      if (valueStarts(top)) lines.push(line);
      const target =
        c === "[" &&
        ((containerKey === null && stack.length === 0) ||
          (containerKey !== null && stack.length === 1 && !!top && !top.arr && top.key === containerKey));
      stack.push({ arr: c === "[", key: null, expectKey: c === "{", target });
    } else if (c === "}" || c === "]") {
      stack.pop();
    } else if (/[-0-9tfn]/.test(c) && valueStarts(top) && (prevSignificant === "[" || prevSignificant === ",")) {
      lines.push(line);
    }
    if (!/\s/.test(c)) prevSignificant = c;
  }
  return lines;
}

function jsonErrorLine(err: unknown, text: string): number {
  const msg = err instanceof Error ? err.message : "";
  const l = /line (\d+)/.exec(msg);
  if (l) return Number(l[1]);
  const p = /position (\d+)/.exec(msg);
  if (p) return text.slice(0, Number(p[1])).split("\n").length;
  return 1;
}

type RowSample = { kind: SampleKind; value: number };

/** The document's rows, and the key of the object member that holds them (for line numbers). */
function jsonRows(body: string, errs: Collector): { rows: unknown[]; containerKey: string | null } {
  if (body.trim() === "") {
    errs.add(1, "file", "empty file");
    errs.throwIfAny();
  }
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    errs.add(jsonErrorLine(e, body), "file", "not valid JSON");
    errs.throwIfAny();
  }
  let rows: unknown[] | null = null;
  let containerKey: string | null = null;
  if (Array.isArray(doc)) rows = doc;
  else if (doc !== null && typeof doc === "object") {
    for (const k of ROW_CONTAINERS) {
      const v = (doc as Record<string, unknown>)[k];
      if (Array.isArray(v)) {
        rows = v;
        containerKey = k;
        break;
      }
    }
  }
  if (rows === null) {
    errs.add(1, "file", "expected an array of rows, or an object with a samples/data/records array");
    errs.throwIfAny();
  }
  if (rows!.length === 0) {
    errs.add(1, "file", "no rows");
    errs.throwIfAny();
  }
  return { rows: rows!, containerKey };
}

/** Long form: one measurement per row ({timestamp, kind, value, unit}). False when the row is refused whole. */
function longRow(r: Record<string, unknown>, kindKey: string, line: number, errs: Collector, out: RowSample[]): boolean {
  const kindName = typeof r[kindKey] === "string" ? (r[kindKey] as string).trim().toLowerCase() : "";
  const kind = KIND_ALIASES[kindName];
  if (!kind) {
    errs.add(line, kindKey, "unknown kind (hr, rmssd, sdnn, sleep)");
    return false;
  }
  const m = measureOf(kind);
  let factor = 1;
  if (r.unit !== undefined) {
    const u = typeof r.unit === "string" ? r.unit.trim().toLowerCase() : "";
    if (!Object.prototype.hasOwnProperty.call(m.units, u)) {
      errs.add(line, "unit", `unknown unit for ${kind}; accepted: ${Object.keys(m.units).join(", ")}`);
      return false;
    }
    factor = m.units[u];
  }
  const v = r.value;
  if (typeof v !== "number") errs.add(line, "value", "not a number");
  else {
    const problem = checkValue(m, v, factor);
    if (problem) errs.add(line, "value", problem);
    else out.push({ kind, value: v * factor });
  }
  return true;
}

/** Wide form: the CSV's column names, several measurements per row. */
function wideRow(r: Record<string, unknown>, tsKey: string | undefined, line: number, errs: Collector, ignored: Set<string>, out: RowSample[]): void {
  let measured = 0;
  const kinds = new Set<SampleKind>();
  for (const [k, v] of Object.entries(r)) {
    if (k === tsKey) continue;
    const match = matchHeader(k);
    if (match.role === "unknown" || match.role === "timestamp") {
      ignored.add(k);
      continue;
    }
    if (match.role === "bad_unit") {
      errs.add(line, k, match.reason);
      continue;
    }
    if (v === null || v === undefined) continue;
    measured++;
    if (kinds.has(match.measure.kind)) {
      errs.add(line, k, `second field for ${match.measure.column}`);
      continue;
    }
    kinds.add(match.measure.kind);
    if (typeof v !== "number") {
      errs.add(line, k, "not a number");
      continue;
    }
    const problem = checkValue(match.measure, v, match.factor);
    if (problem) errs.add(line, k, problem);
    else out.push({ kind: match.measure.kind, value: v * match.factor });
  }
  if (measured === 0) errs.add(line, "row", "no measurement in this row");
}

/**
 * Parses a JSON export: an array of rows, or {samples|data|records: [...]}. A row is either wide
 * ({timestamp, heart_rate_bpm, hrv_rmssd_ms, sleep_minutes} with the same names and aliases as the CSV) or
 * long ({timestamp, kind, value, unit}). Errors carry the line on which the offending row starts.
 */
export function parseWearableJson(text: string): WearableImport {
  const errs = new Collector();
  const body = text.replace(/^\uFEFF/, "");
  const { rows, containerKey } = jsonRows(body, errs);
  const lineOf = elementLines(body, containerKey);
  const samples: { ms: number; kind: SampleKind; value: number }[] = [];
  const ignored = new Set<string>();
  const seen = new Map<string, number>();
  rows.forEach((row, idx) => {
    const line = lineOf[idx] ?? 1;
    if (row === null || typeof row !== "object" || Array.isArray(row)) {
      errs.add(line, "row", "expected an object");
      return;
    }
    const r = row as Record<string, unknown>;
    const tsKey = Object.keys(r).find((k) => LONG_TIME_FIELDS.includes(k.trim().toLowerCase()));
    let ms: number | null = null;
    if (tsKey === undefined) errs.add(line, "timestamp", "missing");
    else {
      const ts = readTimestamp(r[tsKey]);
      if (!ts.ok) errs.add(line, tsKey, ts.reason);
      else ms = ts.ms;
    }
    const kindKey = Object.keys(r).find((k) => ["kind", "type", "metric"].includes(k));
    const rowSamples: RowSample[] = [];
    if (kindKey !== undefined) {
      if (!longRow(r, kindKey, line, errs, rowSamples)) return;
    } else wideRow(r, tsKey, line, errs, ignored, rowSamples);
    if (ms === null) return;
    for (const s of rowSamples) {
      const key = `${ms}|${s.kind}`;
      const first = seen.get(key);
      if (first !== undefined) {
        errs.add(line, tsKey ?? "timestamp", `duplicate timestamp for ${s.kind} (first on line ${first})`);
        continue;
      }
      seen.set(key, line);
      samples.push({ ms, ...s });
    }
  });
  errs.throwIfAny();
  return finish(samples, [...ignored]);
}
