// One entry point for every accepted wearable file: recognise it by its content (not its name), stream it through
// the right reader, and return per-day values. Pure: the caller supplies the bytes (file stream in the CLI,
// File.stream() in the browser) and, for Health Connect, a SQLite opener. Raw samples never leave this function.
import { Unzip, UnzipInflate } from "fflate";
import { parseWearableCsv, parseWearableJson } from "../parse.js";
import { aggregateDaily, type AggregateOptions } from "../stress.js";
import { AppleHealthParser } from "./apple-health.js";
import { isFit, readGarminFit } from "./garmin-fit.js";
import { readHealthConnect, type TableReader } from "./health-connect.js";
import { looksLikeHuawei, readHuaweiHealth } from "./huawei-health.js";
import { SourceSink, type SourceSummary } from "./sink.js";

export type ImportFormat = SourceSummary["format"] | "anxin-csv" | "anxin-json";
export type Detected = ImportFormat | "zip";

export interface ByteSource {
  /** Total bytes, for progress. */
  size: number;
  chunks(): AsyncIterable<Uint8Array>;
}

export interface ImportDeps {
  /** Opens a SQLite file's bytes (Health Connect). Without it a Health Connect export is refused with a reason. */
  openSqlite?: (bytes: Uint8Array) => Promise<TableReader & { close(): void }>;
  /** Called with bytes read so far and the total. */
  onProgress?: (read: number, total: number) => void;
  aggregate?: AggregateOptions;
}

export interface ImportResult extends Omit<SourceSummary, "format"> {
  format: ImportFormat;
  /** Which file inside a zip was read. */
  entry?: string;
}

export class WearableFormatError extends Error {}

const SQLITE_MAGIC = "SQLite format 3\u0000";
const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, Math.min(to, b.length)));

/** Recognises a file from its first bytes (at least 4 KiB when the file has them). */
export function detectFormat(head: Uint8Array): Detected | null {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 3 && head[3] === 4) return "zip";
  if (isFit(head)) return "garmin-fit";
  if (ascii(head, 0, 16) === SQLITE_MAGIC) return "health-connect";
  const text = new TextDecoder("utf-8", { fatal: false }).decode(head.subarray(0, 65536)).replace(/^\uFEFF/, "");
  if (/^\s*</.test(text)) return /<HealthData[\s>]/.test(text) || /<!DOCTYPE HealthData/.test(text) ? "apple-health" : null;
  if (looksLikeHuawei(text)) return "huawei-health";
  if (/^\s*[[{]/.test(text)) return "anxin-json";
  if (text.trim() !== "") return "anxin-csv";
  return null;
}

function concat(parts: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Reads the first bytes, then replays them with the rest (one pass over the source). */
async function peek(src: ByteSource): Promise<{ head: Uint8Array; rest: AsyncIterable<Uint8Array> }> {
  const it = src.chunks()[Symbol.asyncIterator]();
  const first: Uint8Array[] = [];
  let n = 0;
  let done = false;
  while (n < 4096) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    first.push(r.value);
    n += r.value.length;
  }
  const head = concat(first, n);
  return {
    head,
    rest: (async function* () {
      yield head;
      if (done) return;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    })(),
  };
}

async function withSqlite(bytes: Uint8Array, deps: ImportDeps, sink: SourceSink): Promise<void> {
  if (!deps.openSqlite) throw new WearableFormatError("Health Connect 的导出文件请用命令行导入（anxin wearable import），这个页面打不开它。Health Connect exports are read by the command line (anxin wearable import); this page cannot open SQLite");
  const db = await deps.openSqlite(bytes);
  try {
    readHealthConnect(db, sink);
  } finally {
    db.close();
  }
}

const ENTRY = {
  apple: /(^|\/)export\.xml$/,
  healthConnect: /\.db$/i,
  huawei: /health detail data.*\.json$/i,
};

async function readZip(rest: AsyncIterable<Uint8Array>, tick: (n: number) => void, deps: ImportDeps, sink: SourceSink): Promise<ImportResult> {
  let chosen: { name: string; kind: "apple" | "healthConnect" | "huawei" } | null = null;
  let apple: AppleHealthParser | null = null;
  const decoder = new TextDecoder();
  const collected: Uint8Array[] = [];
  let collectedBytes = 0;
  let failure: unknown = null;
  let finished = false;
  const unzip = new Unzip();
  unzip.register(UnzipInflate);
  unzip.onfile = (file) => {
    if (chosen) return;
    const kind = ENTRY.apple.test(file.name) ? "apple" : ENTRY.healthConnect.test(file.name) ? "healthConnect" : ENTRY.huawei.test(file.name) ? "huawei" : null;
    if (!kind) return;
    chosen = { name: file.name, kind };
    if (kind === "apple") apple = new AppleHealthParser(sink);
    file.ondata = (err, chunk, final) => {
      if (failure) return;
      try {
        if (err) throw new WearableFormatError(`cannot unzip ${file.name} (${err.message}); a password-protected archive must be unzipped first`);
        if (apple) {
          apple.write(decoder.decode(chunk, { stream: !final }));
          if (final) apple.close();
        } else {
          collected.push(chunk);
          collectedBytes += chunk.length;
        }
        if (final) finished = true;
      } catch (e) {
        failure = e;
      }
    };
    try {
      file.start();
    } catch (e) {
      failure = new WearableFormatError(`cannot unzip ${file.name} (${(e as Error).message}); a password-protected archive must be unzipped first`);
    }
  };
  for await (const chunk of rest) {
    try {
      unzip.push(chunk);
    } catch (e) {
      failure ??= new WearableFormatError(`not a readable zip archive: ${(e as Error).message}`);
    }
    if (failure) throw failure;
    tick(chunk.length);
    if (finished) break; // the rest of the archive (ECGs, routes) is not needed
  }
  if (failure) throw failure;
  const c = chosen as { name: string; kind: "apple" | "healthConnect" | "huawei" } | null;
  if (!c) throw new WearableFormatError("zip holds no export.xml (Apple Health), .db (Health Connect) or health detail data JSON (Huawei Health)");
  if (!finished) throw new WearableFormatError(`${c.name} is truncated in the zip`);
  if (c.kind === "healthConnect") await withSqlite(concat(collected, collectedBytes), deps, sink);
  if (c.kind === "huawei") readHuaweiHealth(new TextDecoder().decode(concat(collected, collectedBytes)), sink);
  const format = c.kind === "apple" ? "apple-health" : c.kind === "healthConnect" ? "health-connect" : "huawei-health";
  return { ...sink.finish(format), format, entry: c.name };
}

export async function importWearable(src: ByteSource, deps: ImportDeps = {}): Promise<ImportResult> {
  const { head, rest } = await peek(src);
  const format = detectFormat(head);
  if (format === null) throw new WearableFormatError("not a recognised wearable export (Apple Health, Health Connect, Garmin FIT, Huawei Health, or Anxin CSV/JSON)");
  let read = 0;
  const tick = (n: number) => {
    read += n;
    deps.onProgress?.(Math.min(read, src.size), src.size);
  };
  const sink = new SourceSink(deps.aggregate);
  if (format === "zip") return readZip(rest, tick, deps, sink);
  if (format === "apple-health") {
    const parser = new AppleHealthParser(sink);
    const decoder = new TextDecoder();
    for await (const chunk of rest) {
      parser.write(decoder.decode(chunk, { stream: true }));
      tick(chunk.length);
    }
    parser.write(decoder.decode());
    parser.close();
    return { ...sink.finish(format), format };
  }
  // The remaining formats are read whole (FIT files and Huawei JSON are small; CSV/JSON keep line numbers).
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of rest) {
    parts.push(chunk);
    n += chunk.length;
    tick(chunk.length);
  }
  const bytes = concat(parts, n);
  if (format === "garmin-fit") readGarminFit(bytes, sink);
  else if (format === "health-connect") await withSqlite(bytes, deps, sink);
  else if (format === "huawei-health") readHuaweiHealth(new TextDecoder().decode(bytes), sink);
  else {
    const text = new TextDecoder().decode(bytes);
    const parsed = format === "anxin-json" ? parseWearableJson(text) : parseWearableCsv(text);
    const taken: ImportResult["taken"] = {};
    for (const s of parsed.samples) taken[s.kind] = (taken[s.kind] ?? 0) + 1;
    const skipped: Record<string, number> = {};
    if (parsed.ignoredColumns.length) skipped[`ignored columns: ${parsed.ignoredColumns.join(", ")}`] = 1;
    return { format, taken, skipped, daily: aggregateDaily(parsed.samples, deps.aggregate) };
  }
  return { ...sink.finish(format), format };
}
