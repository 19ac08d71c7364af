// Opens a Health Connect export database for the importer with Node's built-in SQLite. node:sqlite opens files
// only, so the bytes go to a private temporary file (0600, this device) that is removed right after reading.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TableReader } from "../assess/wearable/sources/health-connect.js";

const IDENT = /^[a-z_][a-z0-9_]*$/;

/** node:sqlite announces itself as experimental on load; that line would only confuse a resident. */
async function loadSqlite(): Promise<typeof import("node:sqlite")> {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(warning).includes("SQLite")) return;
    return (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return await import("node:sqlite");
  } finally {
    process.emitWarning = emit;
  }
}

export async function openSqlite(bytes: Uint8Array): Promise<TableReader & { close(): void }> {
  const { DatabaseSync } = await loadSqlite();
  const dir = mkdtempSync(join(tmpdir(), "anxin-hc-"));
  const file = join(dir, "export.db");
  writeFileSync(file, bytes, { mode: 0o600 });
  let db: InstanceType<typeof DatabaseSync>;
  try {
    db = new DatabaseSync(file, { readOnly: true });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    tables: () => (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name),
    rows(table, columns) {
      // Identifiers come from the importer's own table list, never from the file; checked anyway.
      if (![table, ...columns].every((x) => IDENT.test(x))) throw new Error("bad identifier");
      return db.prepare(`SELECT ${columns.join(", ")} FROM ${table}`).iterate() as Iterable<Record<string, unknown>>;
    },
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
